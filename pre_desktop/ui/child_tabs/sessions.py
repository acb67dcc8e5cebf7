"""Séances tab: the sessions held (or missed) at the partners the child is oriented to."""

from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import QLabel, QWidget

from ...formatting import fr_date
from ...models import SessionStatus
from ...services import child_file
from ..context import AppContext
from ..rows_model import Column, RowsView
from ..session_actions import SessionActions
from .base import ChildTab

COLUMNS = [
    Column("Date", lambda r: fr_date(r.session_date), sort=lambda r: r.session_date),
    Column("Structure", lambda r: r.partner_name),
    Column("Type d'entretien", lambda r: r.kind_label),
    Column("Présence", lambda r: r.status_label),
    Column("Hors quota", lambda r: "Oui" if r.hors_quota else ""),
    Column("Remarque", lambda r: r.note or "", max_width=480),
]


class SessionsTab(ChildTab):
    title = "Séances"

    def __init__(self, ctx: AppContext, child_id: int, parent: Optional[QWidget] = None) -> None:
        super().__init__(ctx, child_id, parent)
        self.summary = QLabel(self)
        self.summary.setObjectName("summary")
        self.layout_.addWidget(self.summary)
        self.sessions = self.main_list = RowsView(COLUMNS, "Aucune séance enregistrée.", self, name="sessions")
        self.layout_.addWidget(self.sessions, 1)
        self.session_actions = SessionActions(self)  # "Saisir une séance…", "Rendez-vous réguliers…", quota

    def refresh(self) -> None:
        self.session_actions.refresh()
        with self.ctx.read() as session:
            rows = child_file.session_rows(session, self.child_id)
        self.sessions.set_rows(rows)
        present = sum(1 for r in rows if r.status is SessionStatus.PRESENT)
        self.summary.setText(f"{len(rows)} séance{'s' if len(rows) > 1 else ''}, dont {present} "
                             f"présence{'s' if present > 1 else ''}." if rows else "")
        self.summary.setVisible(bool(rows))
