"""Historique tab: the file's audit trail, readable (who changed which field, from what to what, when)."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QWidget

from ...services import file_history
from ...services.file_history import HistoryLine
from ..context import AppContext
from ..rows_model import Column, RowsView
from .base import ChildTab

COLUMNS = [
    Column("Date", lambda r: r.at_text, sort=lambda r: (r.at, r.event_id)),
    Column("Par", lambda r: r.user_name),
    Column("Opération", lambda r: r.action_label),
    Column("Élément", lambda r: r.entity_label),
    Column("Champ", lambda r: r.field_label),
    Column("Ancienne valeur", lambda r: r.before, max_width=280),
    Column("Nouvelle valeur", lambda r: r.after, max_width=420),
]


class HistoryTab(ChildTab):
    title = "Historique"

    def __init__(self, ctx: AppContext, child_id: int, parent: Optional[QWidget] = None) -> None:
        super().__init__(ctx, child_id, parent)
        self.show_views = QCheckBox("Afficher les consultations du dossier", self)
        self.show_views.setObjectName("show_views")
        self.show_views.toggled.connect(lambda _checked: self.refresh())
        self.add_action(self.show_views)
        self.lines = self.main_list = RowsView(COLUMNS, "Aucune modification enregistrée pour ce dossier.", self,
                                               name="history")
        self.lines.table.selectionModel().selectionChanged.connect(lambda *_: self._show_detail())
        self.layout_.addWidget(self.lines, 1)
        # The selected line in full: a creation lists every value, too long for its cell.
        self.detail = QLabel(self)
        self.detail.setObjectName("detail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setStyleSheet("padding: 4px 2px;")
        self.layout_.addWidget(self.detail)

    def refresh(self) -> None:
        with self.ctx.read() as session:
            rows = file_history.history(session, self.child_id, views=self.show_views.isChecked())
        self.lines.set_rows(rows)
        self._show_detail()

    def _show_detail(self) -> None:
        line: Optional[HistoryLine] = self.lines.selected()
        if line is None:
            self.detail.setText("Sélectionnez une ligne pour la lire en entier." if self.lines.row_count() else "")
            return
        what = " — ".join(part for part in (line.entity_label, line.field_label) if part)
        by = f", par {line.user_name}" if line.user_name not in ("", "—") else ""
        head = f"{line.action_label} le {line.at_text}{by} : {what}"
        if line.before and line.after:
            body = f"« {line.before} » → « {line.after} »"
        else:
            body = line.after or line.before
        self.detail.setText(f"{head}\n{body}" if body else head)
