"""Documents tab: what was produced about this child (fiches de liaison, tables…), by whom, when."""

from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import QWidget

from ...formatting import fr_datetime
from ...services import child_file
from ...services.child_file import DocumentRow
from ..context import AppContext
from ..documents_area import open_document_file
from ..rows_model import Column, RowsView
from ..widgets import push_button
from .base import ChildTab

COLUMNS = [
    Column("Produit le", lambda r: fr_datetime(r.created_at), sort=lambda r: r.created_at),
    Column("Document", lambda r: r.title, max_width=420),
    Column("Type", lambda r: r.kind_label),
    Column("Format", lambda r: r.file_format),
    Column("Par", lambda r: r.created_by or ""),
    Column("Fichier", lambda r: r.file_path or "", max_width=480),
]


class DocumentsTab(ChildTab):
    title = "Documents"

    def __init__(self, ctx: AppContext, child_id: int, parent: Optional[QWidget] = None) -> None:
        super().__init__(ctx, child_id, parent)
        self.documents = self.main_list = RowsView(COLUMNS, "Aucun document produit pour cet enfant.", self,
                                                   name="documents")
        self.documents.table.setToolTip("Double-cliquez sur un document pour ouvrir son fichier.")
        self.documents.activated.connect(self._open)
        self.open_button = self.add_action(push_button(self, "&Ouvrir le fichier", "open_file",
                                                       lambda: self._open(self.selected())))
        self.open_button.setEnabled(False)
        self.documents.table.selectionModel().selectionChanged.connect(
            lambda *_: self.open_button.setEnabled(self.selected() is not None))
        self.layout_.addWidget(self.documents, 1)

    def refresh(self) -> None:
        with self.ctx.read() as session:
            rows = child_file.document_rows(session, self.child_id)
        self.documents.set_rows(rows)

    def _open(self, row: Optional[DocumentRow]) -> None:
        if row is not None:
            open_document_file(self, row.title, row.file_path)
