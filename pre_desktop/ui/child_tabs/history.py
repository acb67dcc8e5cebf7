"""Historique tab: the file's audit trail, readable (who changed which field, from what to what, when)."""

from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import QCheckBox, QWidget

from ...services import file_history
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
        self.layout_.addWidget(self.lines, 1)

    def refresh(self) -> None:
        with self.ctx.read() as session:
            rows = file_history.history(session, self.child_id, views=self.show_views.isChecked())
        self.lines.set_rows(rows)
