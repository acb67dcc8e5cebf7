"""The list of fiches de liaison as shown (filters applied), to .xlsx for the coordinator.

An internal working list (it names children and référents): dates and numbers stay
typed so it can be sorted and counted in a spreadsheet; the head says which filters
produced it and when.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional, Sequence

from sqlalchemy.orm import Session

from ..formatting import fr_date
from ..models import CareReferral
from ..services.clock import today
from ..services.documents import record_document
from ..services.liaisons import LiaisonRow
from ..services.settings import structure_name
from .xlsx import Column, Sheet, write_xlsx

KIND = "liaisons_list"
TITLE = "Fiches de liaison"

COLUMNS = [
    Column("N°", "int", 6), Column("Enfant", "text", 24), Column("Bénéficiaire", "text", 22),
    Column("Structure", "text", 30), Column("Référent(e)", "text", 18), Column("État", "text", 22),
    Column("Demande", "date", 12), Column("Envoi", "date", 12), Column("Réponse", "date", 12),
    Column("1er entretien", "date", 12), Column("Jours d'attente", "int", 10), Column("Délai (jours)", "int", 10),
    Column("Retard", "text", 26), Column("Séances utilisées", "int", 10), Column("Quota", "int", 8),
    Column("Hors quota", "int", 8), Column("Fin", "date", 12), Column("Motif de fin", "text", 22),
]


def liaisons_sheet(rows: Sequence[LiaisonRow], pre_name: str, filters: str = "",
                   on: Optional[dt.date] = None) -> Sheet:
    intro = [f"{pre_name} — {TITLE}", f"Liste du {fr_date(on or today())} : {len(rows)} fiche(s)"]
    if filters:
        intro.append(f"Filtres : {filters}")
    data = [[r.id, r.child_name, r.beneficiary, r.partner_name, r.referent_name, r.state_label, r.requested_on,
             r.sent_on, r.answered_on, r.first_appointment_on, r.days_waiting, r.delay_days,
             f"{r.overdue_days} j sans {r.missing}" if r.overdue_days is not None else "", r.used, r.quota,
             r.hors_quota, r.ended_on, r.end_reason] for r in rows]
    return Sheet(TITLE, COLUMNS, data, intro=intro)


def write_liaisons_xlsx(session: Session, rows: Sequence[LiaisonRow], path: Path, filters: str = "") -> Path:
    """Write the list and record it (target id 0: the list, not one fiche). The caller commits."""
    written = write_xlsx([liaisons_sheet(rows, structure_name(session), filters)], Path(path))
    record_document(session, kind=KIND, file_format="xlsx", title=f"{TITLE} ({len(rows)})",
                    target_type=CareReferral.__tablename__, target_id=0, file_path=str(written),
                    children=len({r.child_id for r in rows}))
    return written
