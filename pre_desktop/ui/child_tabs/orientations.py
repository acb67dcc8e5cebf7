"""Orientations tab: the child's fiches de liaison, their state and sessions used / quota."""

from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import QWidget

from ...formatting import fr_date
from ...services import child_file
from ...services.child_file import OrientationRow
from ..context import AppContext
from ..liaison_actions import add_to_orientations_tab
from ..rows_model import Column, RowsView
from .base import ChildTab


def _quota_tone(row: OrientationRow) -> Optional[str]:
    return {"warning": "warning", "reached": "alert", "beyond": "alert"}.get(row.level)


COLUMNS = [
    Column("Structure", lambda r: r.partner_name),
    Column("Bénéficiaire", lambda r: r.beneficiary),
    Column("Demande", lambda r: fr_date(r.requested_on), sort=lambda r: r.requested_on),
    Column("État", lambda r: r.state_label),
    Column("1er RDV", lambda r: fr_date(r.first_appointment_on), sort=lambda r: r.first_appointment_on),
    Column("Séances / quota", lambda r: r.sessions_text, sort=lambda r: (r.used + r.hors_quota_count, r.quota),
           tone=_quota_tone),
    Column("Fin", lambda r: fr_date(r.ended_on), sort=lambda r: r.ended_on),
    Column("Décision", lambda r: "Hors EPS" if r.hors_eps else "EPS"),
    Column("Convention", lambda r: r.convention or "Sans convention"),
]


class OrientationsTab(ChildTab):
    title = "Orientations"

    def __init__(self, ctx: AppContext, child_id: int, parent: Optional[QWidget] = None) -> None:
        super().__init__(ctx, child_id, parent)
        self.orientations = self.main_list = RowsView(
            COLUMNS, "Aucune orientation vers un partenaire (aucune fiche de liaison).", self, name="orientations")
        self.layout_.addWidget(self.orientations, 1)
        add_to_orientations_tab(self)  # Orienter vers un partenaire…, the selected fiche (issue 6)

    def refresh(self) -> None:
        with self.ctx.read() as session:
            rows = child_file.orientation_rows(session, self.child_id)
        self.orientations.set_rows(rows)
