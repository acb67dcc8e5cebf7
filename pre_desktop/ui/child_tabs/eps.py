"""EPS tab: what the commissions decided for this child, and the next one it is listed for."""

from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import QLabel, QWidget

from ...formatting import fr_date
from ...services import child_file
from ...services.eps import decisions_for_child
from ..context import AppContext
from ..rows_model import Column, RowsView
from .base import ChildTab

COLUMNS = [
    Column("Commission du", lambda r: fr_date(r.meeting_date), sort=lambda r: r.meeting_date),
    Column("Décision", lambda r: r.label),
    Column("Motif, observations", lambda r: r.reason or "", max_width=520),
]


class EpsTab(ChildTab):
    title = "EPS"

    def __init__(self, ctx: AppContext, child_id: int, parent: Optional[QWidget] = None) -> None:
        super().__init__(ctx, child_id, parent)
        self.agenda = QLabel(self)
        self.agenda.setObjectName("agenda")
        self.agenda.setWordWrap(True)
        self.layout_.addWidget(self.agenda)
        self.decisions = self.main_list = RowsView(
            COLUMNS, "Aucune décision d'EPS pour cet enfant : sa situation n'a pas encore été examinée.", self,
            name="decisions")
        self.layout_.addWidget(self.decisions, 1)

    def refresh(self) -> None:
        with self.ctx.read() as session:
            rows = decisions_for_child(session, self.child_id)
            agenda = child_file.agenda_rows(session, self.child_id)
        self.decisions.set_rows(list(reversed(rows)))  # newest first
        texts = [f"Situation inscrite à l'ordre du jour de l'EPS du {fr_date(a.meeting_date)}"
                 f"{' (' + a.place + ')' if a.place else ''} — motif : {a.reason_label}." for a in agenda]
        self.agenda.setText("\n".join(texts))
        self.agenda.setVisible(bool(texts))
