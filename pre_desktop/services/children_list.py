"""The rows of the children list: who, where, with whom, how far in the quota, and what is due.

A référent's list may hold tens of thousands of files, so the rows come from a handful
of set-based queries (children, running fiches with their session counts, pathways to
review, waiting children, hors-EPS items) joined in Python by child id: never one
query per child. The alerts reuse the rules of the services that own them
(care_referrals.overdue_check, sessions.quota_level) so the list and "À traiter" agree.
"""

from __future__ import annotations

import datetime as dt
import gc
from dataclasses import dataclass
from functools import partial
from typing import Any, Optional

from sqlalchemy import String, and_, case, func, select, type_coerce
from sqlalchemy.orm import Session

from ..models import (
    CareReferral,
    CareReferralState,
    CareSession,
    Child,
    ChildStatus,
    Convention,
    EpsDecision,
    Partner,
    Pathway,
    PathwayAction,
    Referral,
    SessionStatus,
    User,
)
from ..textnorm import fold
from .access import sees_every_file, visible_children
from .care_referrals import DEFAULT_FIRST_APPOINTMENT_DELAY, overdue_check
from .clock import today
from .common import age_on
from .retention import in_active_base
from .labels import LABELS
from .sessions import ACTIVE_STATES, DEFAULT_QUOTA, DEFAULT_THRESHOLD, quota_level

# A child "repéré" usually comes before the next monthly commission: beyond two of them
# the wait is worth a look.
WAITING_EPS_ALERT_DAYS = 60

# Alert codes, most pressing first (the list sorts and filters on them).
ALERT_ORDER = ("quota_beyond", "quota_reached", "answer_overdue", "quota_warning", "review_due", "waiting_eps",
               "hors_eps")


@dataclass(frozen=True, slots=True)
class Alert:
    code: str
    text: str  # short French text for the list cell
    detail: str  # longer French text for the tooltip


@dataclass(frozen=True, slots=True)
class Orientation:
    """The current fiche de liaison shown in the list: sessions used against its quota."""

    care_referral_id: int
    partner_name: str
    used: int
    quota: int
    hors_quota: int
    level: str  # as sessions.quota_level


@dataclass(frozen=True, slots=True)
class ChildListRow:
    """One child's line, as a record (tests, command line, the row a view hands on)."""

    id: int
    last_name: str
    first_name: str
    birth_date: dt.date
    age: int
    school: str
    school_class: str
    referent_id: Optional[int]
    referent_name: str
    status: ChildStatus
    status_label: str
    entry_date: Optional[dt.date]
    family_id: int
    orientation: Optional[Orientation]
    orientations: int  # running fiches (the one shown is the latest)
    alerts: tuple[Alert, ...]


@dataclass
class ChildrenTable:
    """The children list column by column, ordered by name.

    Column lists rather than one object per child: 20,000 files load in one pass over
    the query's rows (``zip``), and a view computes what it shows only for the rows on
    screen. Orientations and alerts are sparse, keyed by child id.
    """

    on: dt.date
    ids: list[int]
    last_names: list[str]
    first_names: list[str]
    search_names: list[str]  # folded "last first" (kept by the models' flush hooks)
    birth_dates: list[dt.date]
    schools: list[str]
    school_classes: list[str]
    referent_ids: list[Optional[int]]
    statuses: list[ChildStatus]
    entry_dates: list[Optional[dt.date]]
    family_ids: list[int]
    referents: dict[int, str]  # referent id -> "Prénom Nom"
    orientations: dict[int, list[Orientation]]  # child id -> running fiches, latest first
    alerts: dict[int, tuple[Alert, ...]]  # child id -> alerts, most pressing first

    @classmethod
    def empty(cls, on: dt.date) -> "ChildrenTable":
        return cls(on, [], [], [], [], [], [], [], [], [], [], [], {}, {}, {})

    def __len__(self) -> int:
        return len(self.ids)

    def row(self, index: int) -> ChildListRow:
        cid, referent_id, running = self.ids[index], self.referent_ids[index], self.orientations.get(self.ids[index])
        return ChildListRow(
            id=cid, last_name=self.last_names[index], first_name=self.first_names[index],
            birth_date=self.birth_dates[index], age=age_on(self.birth_dates[index], self.on),
            school=self.schools[index], school_class=self.school_classes[index], referent_id=referent_id,
            referent_name=self.referents.get(referent_id, "") if referent_id is not None else "",
            status=self.statuses[index], status_label=LABELS[ChildStatus][self.statuses[index].value],
            entry_date=self.entry_dates[index], family_id=self.family_ids[index],
            orientation=running[0] if running else None, orientations=len(running) if running else 0,
            alerts=self.alerts.get(cid, ()))

    def rows(self) -> list[ChildListRow]:
        return [self.row(i) for i in range(len(self.ids))]


def _raw(column: Any) -> Any:
    """A date or code column read as stored: the Date and Enum converters are the slow part of
    reading 20,000 rows through SQLAlchemy; ``_day`` and the code tables convert instead."""
    return type_coerce(column, String)


def _fetch(session: Session, stmt: Any) -> list[Any]:
    """Plain rows from the session's connection: the ORM's row handling is not needed for tuples."""
    return session.connection().execute(stmt).fetchall()


def _among(column: Any, only: Any) -> list[Any]:
    """The condition restricting a query to some children (a list of ids, or a function
    giving the SQL condition on a child-id column), or none."""
    if only is None:
        return []
    return [only(column)] if callable(only) else [column.in_(only)]


_WAITING_ANSWER = {CareReferralState.SENT.value, CareReferralState.ANSWERED.value}


def _orientations(session: Session, day: dt.date, only: Any
                  ) -> tuple[dict[int, list[Orientation]], dict[int, list[Alert]]]:
    """Running fiches per child, latest first, and their quota / answer alerts (rules 1 and 2)."""
    present = CareSession.status == SessionStatus.PRESENT
    counts = (
        select(CareSession.care_referral_id.label("cr_id"),
               func.sum(case((and_(present, CareSession.hors_quota.is_(False)), 1), else_=0)).label("used"),
               func.sum(case((and_(present, CareSession.hors_quota.is_(True)), 1), else_=0)).label("hors"))
        .where(*([] if only is None else [CareSession.care_referral_id.in_(
            select(CareReferral.id).where(*_among(CareReferral.child_id, only)))]))
        .group_by(CareSession.care_referral_id)
        .subquery()
    )
    stmt = (
        select(CareReferral.id, CareReferral.child_id, _raw(CareReferral.state), _raw(CareReferral.requested_on),
               _raw(CareReferral.sent_on), _raw(CareReferral.answered_on), _raw(CareReferral.first_appointment_on),
               Partner.name,
               Convention.session_quota, Convention.quota_warning_threshold, Convention.first_appointment_delay_days,
               counts.c.used, counts.c.hors)
        .join(Partner, Partner.id == CareReferral.partner_id)
        .outerjoin(Convention, Convention.id == CareReferral.convention_id)
        .outerjoin(counts, counts.c.cr_id == CareReferral.id)
        .where(CareReferral.state.in_(ACTIVE_STATES), *_among(CareReferral.child_id, only))
        .order_by(CareReferral.child_id, CareReferral.requested_on.desc(), CareReferral.id.desc())
    )
    shown: dict[int, list[Orientation]] = {}
    alerts: dict[int, list[Alert]] = {}
    for (cr_id, child_id, state, requested, sent, answered, first, partner, quota, threshold, delay,
         used, hors) in _fetch(session, stmt):
        quota = quota if quota is not None else DEFAULT_QUOTA
        threshold = threshold if threshold is not None else DEFAULT_THRESHOLD
        used, hors = int(used or 0), int(hors or 0)
        level = quota_level(used, quota, threshold, hors)
        shown.setdefault(child_id, []).append(Orientation(cr_id, partner, used, quota, hors, level))
        if level == "beyond":
            alerts.setdefault(child_id, []).append(Alert(
                "quota_beyond", "Hors quota", f"{partner} : quota de {quota} séances dépassé ({hors} hors quota)"))
        elif level == "reached":
            alerts.setdefault(child_id, []).append(Alert(
                "quota_reached", "Quota atteint", f"{partner} : {used} séances sur {quota}, quota atteint"))
        elif level == "warning":
            alerts.setdefault(child_id, []).append(Alert(
                "quota_warning", f"Quota {used}/{quota}", f"{partner} : {used} séances sur {quota}"))
        if state in _WAITING_ANSWER:
            late = overdue_check(_day(sent or requested), _day(answered), _day(first),
                                 delay if delay is not None else DEFAULT_FIRST_APPOINTMENT_DELAY, day)
            if late is not None:
                missing, waiting = late
                alerts.setdefault(child_id, []).append(Alert(
                    "answer_overdue", f"{missing.capitalize()} attendue ({waiting} j)" if missing == "réponse"
                    else f"1er rendez-vous attendu ({waiting} j)",
                    f"{partner} : {missing} en attente depuis {waiting} jours"))
    return shown, alerts


def _review_alerts(session: Session, day: dt.date, only: Any) -> dict[int, Alert]:
    stmt = (select(Pathway.child_id, _raw(func.min(Pathway.review_date)))
            .where(Pathway.end_date.is_(None), Pathway.review_date.is_not(None), Pathway.review_date <= day,
                   *_among(Pathway.child_id, only))
            .group_by(Pathway.child_id))
    out = {}
    for child_id, text in _fetch(session, stmt):
        review = _day(text)
        out[child_id] = Alert("review_due", "Révision dépassée" if review < day else "Révision du jour",
                              f"Révision du parcours prévue le {review:%d/%m/%Y}")
    return out


def _waiting_alerts(session: Session, day: dt.date, only: Any) -> dict[int, Alert]:
    """Children "repérés" waiting for the EPS since their latest repérage (or postponement) for long."""
    referred = select(Child.id).where(Child.status == ChildStatus.REFERRED, *_among(Child.id, only))
    since: dict[int, dt.date] = {child_id: _day(day_text) for child_id, day_text in _fetch(session, (
        select(Referral.child_id, _raw(func.max(Referral.referred_on))).where(Referral.child_id.in_(referred))
        .group_by(Referral.child_id)))}
    for child_id, decided_text in _fetch(session, (
            select(EpsDecision.child_id, _raw(func.max(EpsDecision.decided_on)))
            .where(EpsDecision.child_id.in_(referred)).group_by(EpsDecision.child_id))):
        decided = _day(decided_text)
        if child_id in since and decided > since[child_id]:
            since[child_id] = decided
    out = {}
    for child_id, start in since.items():
        waiting = (day - start).days
        if waiting > WAITING_EPS_ALERT_DAYS:
            out[child_id] = Alert("waiting_eps", f"Attend l'EPS ({waiting} j)",
                                  f"Attend l'EPS depuis le {start:%d/%m/%Y} ({waiting} jours)")
    return out


def _hors_eps_alerts(session: Session, only: Any) -> dict[int, Alert]:
    """Actions of open pathways and running fiches recorded without an EPS decision (rule 8)."""
    actions = (select(Pathway.child_id, func.count())
               .join(PathwayAction, PathwayAction.pathway_id == Pathway.id)
               .where(PathwayAction.eps_decision_id.is_(None), Pathway.end_date.is_(None),
                      *_among(Pathway.child_id, only))
               .group_by(Pathway.child_id))
    fiches = (select(CareReferral.child_id, func.count())
              .where(CareReferral.eps_decision_id.is_(None), CareReferral.state != CareReferralState.ENDED,
                     *_among(CareReferral.child_id, only))
              .group_by(CareReferral.child_id))
    counts: dict[int, int] = {}
    for stmt in (actions, fiches):
        for child_id, number in _fetch(session, stmt):
            counts[child_id] = counts.get(child_id, 0) + number
    return {child_id: Alert("hors_eps", "Hors EPS", f"{number} action(s) ou orientation(s) hors EPS à présenter "
                                                    "à la prochaine commission")
            for child_id, number in counts.items()}


def _day(value: Any) -> Optional[dt.date]:
    """A date read as stored: ISO text in SQLite, already a date with other drivers."""
    if value is None or isinstance(value, dt.date):
        return value
    return _FROM_ISO(value)


_FROM_ISO = dt.date.fromisoformat
_STATUSES = {status.value: status for status in ChildStatus}


def children_table(session: Session, on: Optional[dt.date] = None, *, limit: Optional[int] = None) -> ChildrenTable:
    """Every child of the file (or the first ``limit``), ordered by name, with the current
    orientation and the alerts."""
    # Tens of thousands of small objects: the cyclic collector would run many times over
    # them for nothing (none of them form cycles); a third of the load time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _children_table(session, on or today(), limit)
    finally:
        if collecting:
            gc.enable()


def count_children(session: Session) -> int:
    """The files the acting user may read."""
    return session.scalar(select(func.count()).select_from(Child).where(visible_children(session),
                                                                        in_active_base())) or 0


def _children_table(session: Session, day: dt.date, limit: Optional[int]) -> ChildrenTable:
    referents = {uid: f"{first} {last}" for uid, first, last in _fetch(
        session, select(User.id, User.first_name, User.last_name))}
    stmt = (select(Child.id, Child.last_name, Child.first_name, Child.search_name, _raw(Child.birth_date),
                   Child.school, Child.school_class, Child.referent_id, _raw(Child.status), _raw(Child.entry_date),
                   Child.family_id)
            .where(visible_children(session), in_active_base())
            .order_by(Child.search_name, Child.id).limit(limit))
    rows = _fetch(session, stmt)
    columns = [list(column) for column in zip(*rows)] if rows else [[] for _ in range(11)]
    ids, lasts, firsts, searches, births, schools, classes, referent_ids, statuses, entries, family_ids = columns
    only: Any = ids if limit is not None else None  # a first page: its children's alerts only
    if only is None and not sees_every_file(session):  # a référent's caseload: filtered in SQL
        only = partial(visible_children, session)

    orientations, alerts = _orientations(session, day, only)
    for table in (_review_alerts(session, day, only), _waiting_alerts(session, day, only),
                  _hors_eps_alerts(session, only)):
        for child_id, alert in table.items():
            alerts.setdefault(child_id, []).append(alert)
    rank = {code: i for i, code in enumerate(ALERT_ORDER)}
    sorted_alerts = {child_id: tuple(found) if len(found) == 1 else tuple(sorted(found, key=lambda a: rank[a.code]))
                     for child_id, found in alerts.items()}
    return ChildrenTable(
        on=day, ids=ids, last_names=lasts, first_names=firsts,
        search_names=[s or fold(f"{a} {b}") for s, a, b in zip(searches, lasts, firsts)],
        birth_dates=[v if isinstance(v, dt.date) else _FROM_ISO(v) for v in births],
        schools=[v or "" for v in schools], school_classes=[v or "" for v in classes], referent_ids=referent_ids,
        statuses=[_STATUSES[v] for v in statuses],
        entry_dates=[v if v is None or isinstance(v, dt.date) else _FROM_ISO(v) for v in entries],
        family_ids=family_ids, referents=referents, orientations=orientations, alerts=sorted_alerts)
