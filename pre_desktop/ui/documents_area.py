"""The Documents area: every document the app produced (conventions, fiches de liaison,
tables, EPS documents…), filtered by kind and period, each opening its file.

It reads the records of ``services.document_list``: a file moved or deleted since is
still listed (what was sent stays known), greyed, and says so when asked to open.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QWidget

from ..formatting import fr_datetime
from ..services.document_list import PERIODS, DocumentListRow, document_list, kind_label, kinds_produced, period_bounds
from .context import AppContext
from .rows_model import Column, RowsView
from .widgets import area_layout, filter_combo, push_button, refill_combo, search_row

_MISSING = "#8a8a8a"


def _ink(row: DocumentListRow) -> Optional[str]:
    return None if row.file_exists else _MISSING


def _file_tip(row: DocumentListRow) -> str:
    if not row.file_path:
        return "Aucun fichier enregistré pour ce document."
    if not row.file_exists:
        return f"{row.file_path}\nFichier introuvable : déplacé ou supprimé depuis sa production."
    return f"{row.file_path}\nEntrée ou double-clic : ouvrir le fichier"


def _file_name(row: DocumentListRow) -> str:
    if not row.file_path:
        return ""
    name = Path(row.file_path).name
    return name if row.file_exists else f"{name} (introuvable)"


COLUMNS = [
    Column("Produit le", lambda r: fr_datetime(r.created_at), sort=lambda r: (r.created_at, r.id), color=_ink),
    Column("Type", lambda r: r.kind_label, color=_ink),
    Column("Document", lambda r: r.title, max_width=320, color=_ink),
    Column("Enfant", lambda r: r.child_name, color=_ink),
    Column("Fichier", _file_name, max_width=240, color=_ink, tooltip=_file_tip),  # its format in its name; the path in the tip
    Column("Par", lambda r: r.created_by, color=_ink),
]


class DocumentsArea(QWidget):
    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._build()
        self.refresh()

    def _build(self) -> None:
        layout, top = area_layout(self, "Documents produits")
        self.kind_filter = filter_combo(self, "kind_filter", "Filtre par type de document")
        self.period_filter = filter_combo(self, "period_filter", "Filtre par période")
        for key, text in PERIODS.items():
            self.period_filter.addItem(text, key)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("count")
        for widget in (self.kind_filter, self.period_filter):
            top.addWidget(widget)
            top.addSpacing(8)
        top.addSpacing(4)
        top.addWidget(self.count_label)

        row, self.search = search_row(self, "Titre du document, enfant, auteur… (accents facultatifs)")
        layout.addLayout(row)

        self.list = RowsView(COLUMNS, "Aucun document produit pour ces critères.", self, name="documents",
                             search=lambda r: f"{r.title} {r.child_name} {r.created_by} {r.kind_label}")
        self.list.activated.connect(self.open_file)
        self.list.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(self.list, 1)

        buttons = QHBoxLayout()
        self.open_button = push_button(self, "&Ouvrir le fichier", "open_file", lambda: self.open_file(self.list.selected()))
        self.folder_button = push_button(self, "Afficher le d&ossier du fichier", "open_folder", self.open_folder)
        self.child_button = push_button(self, "Dossier de l'&enfant", "open_child", self.open_child)
        for button in (self.open_button, self.folder_button, self.child_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.kind_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.period_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.search.textChanged.connect(lambda text: self._filter(text))

    # --- data ------------------------------------------------------------------------

    def refresh(self) -> None:
        since, until = period_bounds(str(self.period_filter.currentData() or "all"))
        with self.ctx.read() as session:
            kinds = kinds_produced(session)
        # a kind chosen before and gone now (another database) falls back to "tous", refreshing again: harmless
        refill_combo(self.kind_filter, [("Type : tous", None)] + [(kind_label(k), k) for k in kinds])
        with self.ctx.read() as session:
            rows = document_list(session, kind=self.kind_filter.currentData(), since=since, until=until)
        self.list.set_rows(rows)
        self._filter(self.search.text())

    def _filter(self, text: str) -> None:
        self.list.set_filter(text)
        shown = self.list.row_count()
        self.count_label.setText(f"{shown} document{'s' if shown > 1 else ''}")
        self._update_buttons()

    def _update_buttons(self) -> None:
        row: Optional[DocumentListRow] = self.list.selected()
        self.open_button.setEnabled(row is not None and row.file_exists)
        self.folder_button.setEnabled(row is not None and row.file_exists)
        self.child_button.setEnabled(row is not None and row.child_id is not None)

    # --- actions ---------------------------------------------------------------------

    def open_file(self, row: Optional[DocumentListRow]) -> bool:
        return row is not None and open_document_file(self, row.title, row.file_path)

    def open_folder(self) -> bool:
        row: Optional[DocumentListRow] = self.list.selected()
        return row is not None and open_document_file(self, row.title, row.file_path, folder=True)

    def open_child(self) -> None:
        row: Optional[DocumentListRow] = self.list.selected()
        if row is not None and row.child_id is not None:
            self.ctx.open_child.emit(row.child_id)


def existing_file(parent: QWidget, title: str, file_path: Optional[str]) -> Optional[Path]:
    """The document's file, or None after saying it is gone (moved or deleted since)."""
    if file_path and Path(file_path).is_file():
        return Path(file_path)
    QMessageBox.information(parent, "Fichier introuvable",
                            f"Le fichier de « {title} » n'existe plus à l'endroit où il a été écrit"
                            + (f" :\n{file_path}" if file_path else ".")
                            + "\n\nIl a pu être déplacé ou supprimé ; le document peut être produit à nouveau.")
    return None


def open_document_file(parent: QWidget, title: str, file_path: Optional[str], *, folder: bool = False) -> bool:
    """Open a produced document (or the folder holding it) with the system's application."""
    path = existing_file(parent, title, file_path)
    return path is not None and QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent if folder else path)))
