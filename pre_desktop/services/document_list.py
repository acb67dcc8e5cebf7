"""Every document the app produced, for the Documents area: what, about whom, when, by
whom and where the file was written, filtered by kind and period.

The record (``documents.record_document``) is what answers "what did we send to this
partner, and when?": the list reads it, never the folder, and says when the file has
since been moved or deleted rather than hiding the line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import and_, or_, select, true
from sqlalchemy.orm import Session

from ..models import Child, GeneratedDocument, Role, User
from .access import acting_role, sees_every_file, visible_children
from .clock import today
from .errors import DomainError

# GeneratedDocument.kind -> what the user calls it (the writers in exports/ and services/ set the kind).
KIND_LABELS = {
    "convention": "Convention de partenariat",
    "liaison": "Fiche de liaison",
    "liaisons_list": "Liste des fiches de liaison",
    "monthly_table": "Tableau mensuel",
    "quarterly_statement": "État trimestriel",
    "eps_agenda": "Ordre du jour d'EPS",
    "eps_minutes": "Relevé de décisions d'EPS",
    "partners_directory": "Annuaire des partenaires",
    "audit_trail": "Journal des accès",
    "subject_access": "Droit d'accès d'une famille",
}

# What the secretariat produces, and so lists: partners' documents, nothing about one child.
SECRETARIAT_KINDS = ("convention", "monthly_table", "quarterly_statement", "partners_directory")
# The coordinator's alone (services.audit_search).
COORDINATOR_KINDS = ("audit_trail",)


def visible_documents(session: Session) -> Any:
    """The SQL condition "the acting user may list this document": a référent, the documents
    of the files they may read and those about no child; the secretariat, its own kinds."""
    if sees_every_file(session):
        return true()
    if acting_role(session) is Role.SECRETARIAT:
        return and_(GeneratedDocument.child_id.is_(None), GeneratedDocument.kind.in_(SECRETARIAT_KINDS))
    return and_(GeneratedDocument.kind.not_in(COORDINATOR_KINDS),
                or_(GeneratedDocument.child_id.is_(None), visible_children(session, GeneratedDocument.child_id)))


PERIODS = {
    "all": "Toutes les dates",
    "today": "Aujourd'hui",
    "month": "Ce mois-ci",
    "last_month": "Le mois dernier",
    "three_months": "Les trois derniers mois",
    "year": "Depuis le 1er janvier",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


@dataclass(frozen=True)
class DocumentListRow:
    id: int
    created_at: dt.datetime  # naive UTC, as stored
    kind: str
    kind_label: str
    title: str
    file_format: str  # upper case: PDF, DOCX…
    child_id: Optional[int]
    child_name: str  # "" for a document about no child (convention, table of a partner…)
    created_by: str  # "" when written without a user
    file_path: Optional[str]
    file_exists: bool


def period_bounds(period: str, on: Optional[dt.date] = None) -> tuple[Optional[dt.date], Optional[dt.date]]:
    """First and last day (included) of a period of ``PERIODS``, seen on ``on`` (today)."""
    day = on or today()
    if period not in PERIODS:
        raise DomainError(f"Période inconnue : « {period} ».", "period")
    if period == "all":
        return None, None
    if period == "today":
        return day, day
    if period == "month":
        return day.replace(day=1), day
    if period == "last_month":
        last = day.replace(day=1) - dt.timedelta(days=1)
        return last.replace(day=1), last
    if period == "three_months":
        month = day.month - 2
        year = day.year + (month - 1) // 12
        return dt.date(year, (month - 1) % 12 + 1, 1), day
    return day.replace(month=1, day=1), day


def _utc(day: dt.date) -> dt.datetime:
    """The stored (naive UTC) moment at which a local day starts."""
    return dt.datetime.combine(day, dt.time.min).astimezone().astimezone(dt.timezone.utc).replace(tzinfo=None)


def document_list(session: Session, *, kind: Optional[str] = None, since: Optional[dt.date] = None,
                  until: Optional[dt.date] = None) -> list[DocumentListRow]:
    """The documents produced (of ``kind``, between the local days ``since`` and ``until``
    included), newest first."""
    stmt = (select(GeneratedDocument).where(visible_documents(session))
            .order_by(GeneratedDocument.created_at.desc(), GeneratedDocument.id.desc()))
    if kind:
        stmt = stmt.where(GeneratedDocument.kind == kind)
    if since is not None:
        stmt = stmt.where(GeneratedDocument.created_at >= _utc(since))
    if until is not None:
        stmt = stmt.where(GeneratedDocument.created_at < _utc(until + dt.timedelta(days=1)))
    docs = list(session.scalars(stmt))
    users = {u.id: u.full_name for u in session.scalars(
        select(User).where(User.id.in_({d.created_by_id for d in docs if d.created_by_id is not None})))}
    children = {c.id: c.full_name for c in session.scalars(
        select(Child).where(Child.id.in_({d.child_id for d in docs if d.child_id is not None})))}
    return [DocumentListRow(id=d.id, created_at=d.created_at, kind=d.kind, kind_label=kind_label(d.kind), title=d.title,
                            file_format=d.file_format.upper(), child_id=d.child_id,
                            child_name=children.get(d.child_id or 0, ""),
                            created_by=users.get(d.created_by_id or 0, ""), file_path=d.file_path,
                            file_exists=bool(d.file_path) and Path(d.file_path).is_file())
            for d in docs]


def kinds_produced(session: Session) -> list[str]:
    """The kinds of the documents produced so far (the area's filter offers only those)."""
    kinds = set(session.scalars(select(GeneratedDocument.kind).where(visible_documents(session)).distinct()))
    order = {kind: i for i, kind in enumerate(KIND_LABELS)}
    return sorted(kinds, key=lambda kind: (order.get(kind, len(order)), kind))
