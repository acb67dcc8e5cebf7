"""The coordinator's Journal des accès: search the audit trail by child, user, period
and kind of action, and read each event in French.

The trail grows to hundreds of thousands of rows (every opening of a file is one), so
every filter runs in SQL and only the newest ``limit`` events are read: past that, the
screen says how many there are and asks to narrow the search. The count stops at
``COUNT_CAP`` (counting half a million rows to print "plus de 10 000" is wasted time).
Private notes are not audited by design; an event about one never shows its text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Optional

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ..formatting import fr_date, fr_datetime
from ..models import AuditAction, AuditEvent, Child, Role, User
from ..textnorm import fold
from .access import require_role
from .common import as_date
from .errors import DomainError
from .file_history import ENTITY_LABELS, Names, event_text

LIMIT = 500
COUNT_CAP = 10_000
WHAT = "consulter le journal des accès"

# The kinds of action a coordinator filters on, in words (the stored codes are English).
ACTION_LABELS: dict[AuditAction, str] = {
    AuditAction.VIEW: "Consultation",
    AuditAction.CREATE: "Création",
    AuditAction.UPDATE: "Modification",
    AuditAction.DELETE: "Suppression",
    AuditAction.EXPORT: "Export",
}


def action_label(action: AuditAction) -> str:
    login = getattr(AuditAction, "LOGIN", None)
    if login is not None and action is login:
        return "Connexion"
    return ACTION_LABELS.get(action, str(action.value).capitalize())


def action_choices() -> list[tuple[AuditAction, str]]:
    """Every kind of action of the trail, labelled, in the filter's order."""
    known = list(ACTION_LABELS)
    return [(a, action_label(a)) for a in known + [a for a in AuditAction if a not in ACTION_LABELS]]


@dataclass(frozen=True)
class TrailFilter:
    """What the coordinator asked for; every field optional. Dates are local days, both
    included. ``child`` is typed words (accent- and case-free, like the children list)."""

    child: str = ""
    child_id: Optional[int] = None
    user_id: Optional[int] = None
    date_from: Optional[dt.date | str] = None  # text as typed is parsed by clean_filter
    date_to: Optional[dt.date | str] = None
    action: Optional[AuditAction] = None

    def describe(self, users: dict[int, str]) -> str:
        """The filters in words, for the export's heading."""
        f = clean_filter(self)
        parts = []
        if f.child.strip():
            parts.append(f"dossier : « {f.child.strip()} »")
        if f.user_id is not None:
            parts.append(f"utilisateur : {users.get(f.user_id, f'n° {f.user_id}')}")
        if f.date_from and f.date_to:
            parts.append(f"du {fr_date(f.date_from)} au {fr_date(f.date_to)}")
        elif f.date_from:
            parts.append(f"depuis le {fr_date(f.date_from)}")
        elif f.date_to:
            parts.append(f"jusqu'au {fr_date(f.date_to)}")
        if f.action is not None:
            parts.append(f"action : {action_label(f.action)}")
        return " ; ".join(parts) or "aucun filtre"


@dataclass(frozen=True)
class TrailRow:
    id: int
    at: dt.datetime  # naive UTC, as stored
    at_text: str  # JJ/MM/AAAA HH:MM, local time
    user_name: str
    action: AuditAction
    action_label: str
    child_id: Optional[int]
    child_name: str
    entity_label: str
    what: str


@dataclass(frozen=True)
class TrailPage:
    rows: list[TrailRow]
    total: int  # matching events, counted up to COUNT_CAP (+1 means "more")
    limit: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)

    @property
    def message(self) -> str:
        if not self.total:
            return "Aucun événement ne correspond à ces filtres."
        if not self.truncated:
            return f"{self.total} résultat{'s' if self.total > 1 else ''}."
        count = f"plus de {COUNT_CAP:,}".replace(",", "\u202f") if self.total > COUNT_CAP else \
            f"{self.total:,}".replace(",", "\u202f")
        return (f"{count} résultats : seuls les {len(self.rows)} plus récents sont affichés, "
                "affinez la recherche (dossier, utilisateur, période).")


def _utc(day: dt.date) -> dt.datetime:
    """Local midnight of ``day`` as the naive UTC the trail stores."""
    local = dt.datetime.combine(day, dt.time()).astimezone()
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def clean_filter(f: TrailFilter) -> TrailFilter:
    """The filter with its dates parsed (typed JJ/MM/AAAA in the screen); refused on the
    field when a date is not one, or the period ends before it starts."""
    start = as_date(f.date_from, "date_from", "Du", required=False)
    end = as_date(f.date_to, "date_to", "Au", required=False)
    if start and end and start > end:
        raise DomainError("La date de début est après la date de fin.", "date_from")
    return replace(f, date_from=start, date_to=end)


def _conditions(f: TrailFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    words = fold(f.child).split()
    if words or f.child_id is not None:
        children = select(Child.id)
        families = select(Child.family_id)
        if f.child_id is not None:
            children = children.where(Child.id == f.child_id)
            families = families.where(Child.id == f.child_id)
        for word in words:
            like = Child.search_name.like(f"%{_escape(word)}%", escape="\\")
            children, families = children.where(like), families.where(like)
        # The file's own events, and its family's (family record, adults, agreement),
        # as in the file's Historique tab.
        conditions.append(or_(AuditEvent.child_id.in_(children),
                              and_(AuditEvent.child_id.is_(None), AuditEvent.family_id.in_(families))))
    if f.user_id is not None:
        conditions.append(AuditEvent.user_id == f.user_id)
    if f.date_from is not None:
        conditions.append(AuditEvent.at >= _utc(f.date_from))
    if f.date_to is not None:
        conditions.append(AuditEvent.at < _utc(f.date_to + dt.timedelta(days=1)))
    if f.action is not None:
        conditions.append(AuditEvent.action == f.action)
    return conditions


def user_choices(session: Session) -> list[tuple[int, str]]:
    """Everyone who may appear in the trail, by name (inactive accounts too)."""
    require_role(session, Role.COORDINATOR, what=WHAT)
    return [(u.id, u.full_name) for u in session.scalars(select(User).order_by(User.last_name, User.first_name))]


def _rows(session: Session, events: list[AuditEvent]) -> list[TrailRow]:
    users = {u.id: u.full_name for u in session.scalars(select(User))}
    child_ids = {e.child_id for e in events if e.child_id is not None}
    family_ids = {e.family_id for e in events if e.child_id is None and e.family_id is not None}
    children: dict[int, str] = {}
    family_names: dict[int, str] = {}
    ids = sorted(child_ids)
    for start in range(0, len(ids), 500):
        for cid, last, first in session.execute(select(Child.id, Child.last_name, Child.first_name)
                                                .where(Child.id.in_(ids[start:start + 500]))):
            children[cid] = f"{last.upper()} {first}"
    if family_ids:
        # A family event belongs to every child's file of the family: name them all.
        for fid, last, first in session.execute(select(Child.family_id, Child.last_name, Child.first_name)
                                                .where(Child.family_id.in_(family_ids))
                                                .order_by(Child.birth_date, Child.id)):
            name = f"{last.upper()} {first}"
            family_names[fid] = f"{family_names[fid]}, {name}" if fid in family_names else name
    names = Names(session)
    rows = []
    for e in events:
        if e.child_id is not None:
            child_name = children.get(e.child_id, f"n° {e.child_id} (supprimé)")
        else:
            child_name = family_names.get(e.family_id or 0, "")
        rows.append(TrailRow(id=e.id, at=e.at, at_text=fr_datetime(e.at),
                             user_name=users.get(e.user_id or 0, "Ligne de commande" if e.user_id is None else "—"),
                             action=e.action, action_label=action_label(e.action), child_id=e.child_id,
                             child_name=child_name, entity_label=ENTITY_LABELS.get(e.entity, e.entity),
                             what=event_text(e, names)))
    return rows


def search_trail(session: Session, f: TrailFilter = TrailFilter(), *, limit: int = LIMIT) -> TrailPage:
    """The newest ``limit`` events matching ``f``, and how many match (up to COUNT_CAP + 1)."""
    require_role(session, Role.COORDINATOR, what=WHAT)
    f = clean_filter(f)
    conditions = _conditions(f)
    stmt = select(AuditEvent).where(*conditions).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    events = list(session.scalars(stmt))
    if len(events) < limit:
        total = len(events)
    else:
        capped = select(AuditEvent.id).where(*conditions).limit(COUNT_CAP + 1).subquery()
        total = session.scalar(select(func.count()).select_from(capped)) or 0
    return TrailPage(_rows(session, events), total, limit)


def trail_rows(session: Session, f: TrailFilter, *, limit: int = 100_000) -> list[TrailRow]:
    """Every event matching ``f`` (up to ``limit``), newest first: what the export writes."""
    require_role(session, Role.COORDINATOR, what=WHAT)
    f = clean_filter(f)
    stmt = (select(AuditEvent).where(*_conditions(f))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    return _rows(session, list(session.scalars(stmt)))
