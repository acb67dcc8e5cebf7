"""Several sessions at once: a partner's month (the grid, the attendance file coming back)
and repeating appointments.

All or nothing: every entry is checked against the same rules as one session
(dates, duplicates, quota and relay funding, in ``services.sessions``) on a plan of
the fiche's sessions as they would be, before anything is written. Any refusal is
reported with where it came from (a grid row, a line of the file, a date) and the
database is left as it was; otherwise everything is written in the caller's one
transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, selectinload

from ..formatting import fr_date, fr_month
from ..models import (
    BeneficiaryKind,
    CareReferral,
    CareSession,
    Child,
    Convention,
    Guardian,
    MonthlyAnswer,
    Partner,
    SessionKind,
    SessionStatus,
)
from .care_referrals import refresh_progress
from .clock import today
from .common import as_date, get_or_fail, optional_text
from .errors import DomainError, DomainWarning, NeedsConfirmation
from .access import require_session_entry, session_entry_children
from .holidays import holiday_name
from .labels import label
from .reports import _month_bounds, month_key, record_monthly_answer
from .retention import not_archived
from .sessions import (
    DEFAULT_QUOTA,
    DEFAULT_THRESHOLD,
    _check_date_and_duplicate,
    _kind,
    _quota_decision,
    _status,
    held_counts,
    quota_level,
)

WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MAX_REPEAT_DAYS = 366


@dataclass
class EntryInput:
    """One session as typed in the grid or read from a line of the file."""

    session_date: dt.date
    kind: SessionKind
    status: SessionStatus
    session_id: Optional[int] = None  # an exported session coming back (may be re-dated)
    note: Optional[str] = None  # None keeps the stored note
    where: str = ""  # "ligne 7", "12/03/2026": for the error report


@dataclass
class BeneficiaryMonth:
    """What was reported for one beneficiary (one fiche) and the month."""

    care_referral_id: int
    entries: list[EntryInput] = field(default_factory=list)
    replace: bool = True  # the entries are the whole month (grid) or additions/corrections (file)
    relay_funding_note: Optional[str] = None
    answer_given: bool = False  # the partner's column: record comes_regularly / remark
    comes_regularly: Optional[bool] = None
    remark: Optional[str] = None
    where: str = ""


@dataclass(frozen=True)
class RowError:
    where: str
    message: str
    care_referral_id: Optional[int] = None

    def __str__(self) -> str:
        return f"{self.where} : {self.message}" if self.where else self.message


class RowsRefused(DomainError):
    """Some rows were refused: nothing was written; each refusal says where it is."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        count = len(self.errors)
        head = "1 erreur : rien n'a été enregistré." if count == 1 else f"{count} erreurs : rien n'a été enregistré."
        super().__init__(head + "\n" + "\n".join(f"• {e}" for e in self.errors), "rows")


@dataclass(frozen=True)
class SaveResult:
    created: int
    updated: int
    deleted: int
    hors_quota: int
    answers: int
    warnings: tuple[str, ...] = ()

    def summary(self) -> str:
        parts = [f"{self.created} séance(s) ajoutée(s)", f"{self.updated} modifiée(s)", f"{self.deleted} supprimée(s)"]
        if self.hors_quota:
            parts.append(f"dont {self.hors_quota} hors quota")
        parts.append(f"{self.answers} réponse(s) du partenaire")
        return ", ".join(parts) + "."


@dataclass
class _Planned:
    """A session as it would be after the save (duck-types CareSession for the rules)."""

    session_date: dt.date
    kind: SessionKind
    status: SessionStatus
    hors_quota: bool
    target: Optional[CareSession] = None
    note: Optional[str] = None
    entry: Optional[EntryInput] = None


@dataclass
class _Plan:
    cr: CareReferral
    removed: list[CareSession]
    writes: list[_Planned]  # new or changed sessions
    relay: Optional[str]
    warnings: list[DomainWarning]


def _changed(p: _Planned) -> bool:
    t = p.target
    return t is None or (t.session_date, t.kind, t.status, t.note) != (p.session_date, p.kind, p.status, p.note)


def _plan(cr: CareReferral, bm: BeneficiaryMonth, start: dt.date, end: dt.date, period: str,
          errors: list[RowError]) -> Optional[_Plan]:
    """The fiche's sessions as they would be; refusals appended to ``errors``."""
    failed = len(errors)

    def refuse(where: str, message: str) -> None:
        errors.append(RowError(where or bm.where, message, cr.id))

    try:
        relay = optional_text(bm.relay_funding_note, "relay_funding_note", "Relais de financement", 2000)
    except DomainError as error:
        refuse(bm.where, error.message)
        relay = None
    in_period = [s for s in cr.sessions if start <= s.session_date <= end]
    by_id = {s.id: s for s in in_period}
    by_key = {(s.session_date, s.kind): s for s in in_period}
    claimed: set[int] = set()
    desired: list[_Planned] = []
    for e in bm.entries:
        if not start <= e.session_date <= end:
            refuse(e.where, f"la date {fr_date(e.session_date)} n'est pas dans {period}.")
            continue
        if e.session_id is not None:
            target = by_id.get(e.session_id)
            if target is None:
                refuse(e.where, f"la séance n° {e.session_id} n'est pas une séance de ce bénéficiaire pour {period}.")
                continue
        else:
            target = by_key.get((e.session_date, e.kind))
            if target is not None and target.id in claimed:
                target = None  # the same session twice: the duplicate check below refuses it
        if target is not None:
            if target.id in claimed:
                refuse(e.where, f"la séance n° {target.id} apparaît deux fois.")
                continue
            claimed.add(target.id)
        note = e.note if e.note is not None else (target.note if target is not None else None)
        desired.append(_Planned(e.session_date, e.kind, e.status, False, target, note, e))
    removed = [s for s in in_period if s.id not in claimed] if bm.replace else []
    kept = [s for s in cr.sessions if s not in removed and s.id not in claimed]
    planned: list[Any] = list(kept)
    for p in desired:  # unchanged ones first: they are already stored, and count as they are
        if not _changed(p):
            p.hors_quota = p.target.hors_quota  # type: ignore[union-attr]
            planned.append(p)
    warnings: list[DomainWarning] = []
    writes: list[_Planned] = []
    for p in sorted((p for p in desired if _changed(p)), key=lambda p: (p.session_date, p.kind.value)):
        where = p.entry.where if p.entry else ""
        try:
            _check_date_and_duplicate(cr, p.session_date, p.kind, others=planned)
            if p.status is not SessionStatus.PRESENT:
                p.hors_quota = False
            elif p.target is not None and p.target.status is SessionStatus.PRESENT:
                p.hors_quota = p.target.hors_quota  # already counted: keeps its place in the quota
            else:
                p.hors_quota, more = _quota_decision(cr, relay, others=planned)
                warnings += more
        except DomainError as error:
            refuse(where, error.message[0].lower() + error.message[1:])
            continue
        planned.append(p)
        writes.append(p)
    if len(errors) > failed:
        return None
    return _Plan(cr, removed, writes, relay, warnings)


def _apply(session: Session, plan: _Plan) -> tuple[int, int, int, int]:
    cr = plan.cr
    for s in plan.removed:
        cr.sessions.remove(s)
        session.delete(s)
    if plan.removed:
        session.flush()  # free their (date, type) before another session takes it
    created = updated = hors = 0
    for p in plan.writes:
        relay = (plan.relay or cr.relay_funding_note) if p.hors_quota else (p.target.relay_funding_note if p.target else None)
        if p.target is None:
            cr.sessions.append(CareSession(session_date=p.session_date, kind=p.kind, status=p.status,
                                           hors_quota=p.hors_quota, note=p.note, relay_funding_note=relay))
            created += 1
        else:
            for key, value in (("session_date", p.session_date), ("kind", p.kind), ("status", p.status),
                               ("note", p.note), ("hors_quota", p.hors_quota), ("relay_funding_note", relay)):
                if getattr(p.target, key) != value:
                    setattr(p.target, key, value)
            updated += 1
        if p.hors_quota:
            hors += 1
    if hors and plan.relay is not None and cr.relay_funding_note != plan.relay:
        cr.relay_funding_note = plan.relay
    refresh_progress(cr)
    return created, updated, len(plan.removed), hors


# --------------------------------------------------------------------------- a partner's month


def followed_in(cr: CareReferral, start: dt.date, end: dt.date) -> bool:
    """Sent before the period's end and not ended before its start (as the monthly table)."""
    return cr.sent_on is not None and cr.sent_on <= end and (cr.ended_on is None or cr.ended_on >= start)


def save_month(session: Session, *, partner_id: int, year: int, month: int, rows: Sequence[BeneficiaryMonth],
               confirm: bool = False) -> SaveResult:
    """Record what a partner reported for a month: sessions and the partner's answers.

    Every row is checked (a fiche of this partner, followed that month, dates in the
    month, duplicates, quota); any refusal → ``RowsRefused`` listing each one, nothing
    written. Quota warnings (threshold, quota reached) → ``NeedsConfirmation``.
    """
    y, m, start, end = _month_bounds(year, month)
    period = fr_month(y, m)
    if start > today():
        raise DomainError(f"Le mois de {period} n'a pas encore commencé : aucune séance ne peut être saisie.", "month")
    ids = [r.care_referral_id for r in rows]
    referrals = {cr.id: cr for cr in session.scalars(
        select(CareReferral).where(CareReferral.id.in_(ids)).options(selectinload(CareReferral.sessions)))}
    for cr in referrals.values():
        require_session_entry(session, cr.child, write=True)
    errors: list[RowError] = []
    plans: list[tuple[_Plan, BeneficiaryMonth, Optional[str]]] = []
    seen: set[int] = set()
    for row in rows:
        cr = referrals.get(row.care_referral_id)
        if cr is None:
            errors.append(RowError(row.where, f"bénéficiaire inconnu (fiche n° {row.care_referral_id}).",
                                   row.care_referral_id))
            continue
        if cr.partner_id != partner_id:
            errors.append(RowError(row.where, "ce bénéficiaire est orienté vers une autre structure partenaire.", cr.id))
            continue
        if not followed_in(cr, start, end):
            errors.append(RowError(row.where, f"ce bénéficiaire n'était pas suivi par le partenaire en {period}.", cr.id))
            continue
        if cr.id in seen:
            errors.append(RowError(row.where, "ce bénéficiaire apparaît deux fois.", cr.id))
            continue
        seen.add(cr.id)
        remark = None
        if row.answer_given:
            try:
                remark = optional_text(row.remark, "remark", "Remarque du partenaire", 2000)
            except DomainError as error:
                errors.append(RowError(row.where, error.message, cr.id))
        plan = _plan(cr, row, start, end, period, errors)
        if plan is not None:
            plans.append((plan, row, remark))
    if errors:
        raise RowsRefused(errors)
    warnings = [w for plan, _, _ in plans for w in plan.warnings]
    if warnings and not confirm:
        raise NeedsConfirmation(warnings)
    totals = [0, 0, 0, 0]
    answers = 0
    for plan, row, remark in plans:
        for i, n in enumerate(_apply(session, plan)):
            totals[i] += n
        if row.answer_given:
            record_monthly_answer(session, care_referral_id=plan.cr.id, year=y, month=m,
                                  comes_regularly=row.comes_regularly, remark=remark)
            answers += 1
    session.flush()
    return SaveResult(*totals, answers, tuple(w.message for w in warnings))


# --------------------------------------------------------------------------- repeating appointments


@dataclass(frozen=True)
class RepeatResult:
    created: tuple[dt.date, ...]
    holidays: tuple[tuple[dt.date, str], ...]  # skipped public holidays
    existing: tuple[dt.date, ...]  # already recorded that day with that type: left as they were
    hors_quota: int

    def summary(self) -> str:
        text = f"{len(self.created)} séance(s) enregistrée(s)"
        if self.hors_quota:
            text += f" dont {self.hors_quota} hors quota"
        text += "."
        if self.holidays:
            text += " Jours fériés non comptés : " + ", ".join(f"{fr_date(d)} ({n})" for d, n in self.holidays) + "."
        if self.existing:
            text += " Déjà enregistrées : " + ", ".join(fr_date(d) for d in self.existing) + "."
        return text


def repeating_dates(weekday: int, start: dt.date, end: dt.date) -> tuple[list[dt.date], list[tuple[dt.date, str]]]:
    """Every ``weekday`` (0 = lundi) from ``start`` to ``end``: the working ones, and the holidays skipped."""
    first = start + dt.timedelta(days=(weekday - start.weekday()) % 7)
    days, holidays = [], []
    day = first
    while day <= end:
        name = holiday_name(day)
        if name:
            holidays.append((day, name))
        else:
            days.append(day)
        day += dt.timedelta(days=7)
    return days, holidays


def record_repeating(session: Session, *, care_referral_id: int, weekday: Any, start_date: Any, end_date: Any,
                     kind: SessionKind | str = SessionKind.INDIVIDUAL,
                     status: SessionStatus | str = SessionStatus.PRESENT, note: Optional[str] = None,
                     relay_funding_note: Optional[str] = None, confirm: bool = False) -> RepeatResult:
    """A regular appointment (every <weekday> from a date to a date), recorded at once.

    Public holidays are skipped; days already recorded with that type are left as they
    are (asked first). Sessions are recorded once held, so the end may not be after today.
    """
    cr = get_or_fail(session, CareReferral, care_referral_id, "Fiche de liaison")
    require_session_entry(session, cr.child, write=True)
    try:
        day_number = int(weekday)
    except (TypeError, ValueError):
        day_number = -1
    if not 0 <= day_number <= 6:
        raise DomainError("Choisissez le jour de la semaine du rendez-vous.", "weekday")
    start = as_date(start_date, "start_date", "Du")
    end = as_date(end_date, "end_date", "Au")
    assert start is not None and end is not None
    if end < start:
        raise DomainError("La date de fin précède la date de début.", "end_date")
    if end > today():
        raise DomainError(f"Les séances s'enregistrent une fois tenues : la date de fin ne peut pas être après "
                          f"aujourd'hui ({fr_date(today())}).", "end_date")
    if (end - start).days > MAX_REPEAT_DAYS:
        raise DomainError("La période ne peut pas dépasser un an.", "end_date")
    kind_v, status_v = _kind(kind), _status(status)
    note_text = optional_text(note, "note", "Remarque", 2000)
    days, holidays = repeating_dates(day_number, start, end)
    stored = {s.session_date for s in cr.sessions if s.kind is kind_v}
    existing = [d for d in days if d in stored]
    days = [d for d in days if d not in stored]
    if not days:
        raise DomainError(f"Aucun {WEEKDAYS[day_number]} à enregistrer du {fr_date(start)} au {fr_date(end)}"
                          + (" (jours fériés ou séances déjà enregistrées)." if holidays or existing else "."),
                          "start_date")
    row = BeneficiaryMonth(cr.id, [EntryInput(d, kind_v, status_v, note=note_text, where=fr_date(d)) for d in days],
                           replace=False, relay_funding_note=relay_funding_note)
    errors: list[RowError] = []
    plan = _plan(cr, row, start, end, f"la période du {fr_date(start)} au {fr_date(end)}", errors)
    if plan is None:
        first = errors[0]
        field = "relay_funding_note" if "relais" in first.message else "start_date"
        raise DomainError("Séance du " + str(first) + ("" if len(errors) == 1 else f" (et {len(errors) - 1} autre(s))"),
                          field)
    warnings = list(plan.warnings)
    if existing:
        warnings.insert(0, DomainWarning("already_recorded", "Déjà enregistrées, laissées telles quelles : "
                                         + ", ".join(fr_date(d) for d in existing) + ".", "start_date", cr.id))
    if warnings and not confirm:
        raise NeedsConfirmation(warnings)
    _created, _updated, _deleted, hors = _apply(session, plan)
    session.flush()
    return RepeatResult(tuple(days), tuple(holidays), tuple(existing), hors)


def weekday_label(number: int) -> str:
    return WEEKDAYS[number]


def kind_and_status_labels() -> tuple[list[tuple[SessionKind, str]], list[tuple[SessionStatus, str]]]:
    return [(k, label(k)) for k in SessionKind], [(s, label(s)) for s in SessionStatus]


# --------------------------------------------------------------------------- the month's grid


@dataclass(frozen=True)
class GridSession:
    session_id: int
    session_date: dt.date
    kind: SessionKind
    status: SessionStatus
    hors_quota: bool


@dataclass(frozen=True)
class GridRow:
    care_referral_id: int
    child_id: int
    last_name: str
    first_name: str
    sent_on: dt.date
    first_appointment_on: Optional[dt.date]
    ended_on: Optional[dt.date]
    sessions: tuple[GridSession, ...]  # of the month
    used: int  # held, in quota, all months
    quota: int
    threshold: int
    hors_quota: int
    level: str  # sessions.quota_level
    relay_funding_note: Optional[str]
    comes_regularly: Optional[bool]
    remark: Optional[str]

    @property
    def quota_text(self) -> str:
        text = f"{self.used} / {self.quota}"
        return text + f" + {self.hors_quota} hors quota" if self.hors_quota else text


@dataclass(frozen=True)
class PartnerMonth:
    partner_id: int
    name: str
    beneficiaries: int


def _followed(start: dt.date, end: dt.date) -> list[Any]:
    """The fiches followed during [start, end]: sent by its end, not ended before its start."""
    return [CareReferral.sent_on.is_not(None), CareReferral.sent_on <= end,
            (CareReferral.ended_on.is_(None)) | (CareReferral.ended_on >= start),
            not_archived(CareReferral.child_id)]


def partners_of_month(session: Session, year: int, month: int) -> list[PartnerMonth]:
    """Partners following at least one beneficiary that month, by name (one grouped count)."""
    _y, _m, start, end = _month_bounds(year, month)
    stmt = (select(Partner.id, Partner.name, func.count(CareReferral.id))
            .join(CareReferral, CareReferral.partner_id == Partner.id)
            .where(*_followed(start, end), session_entry_children(session, CareReferral.child_id))
            .group_by(Partner.id, Partner.name))
    return sorted((PartnerMonth(pid, name, count) for pid, name, count in session.execute(stmt)),
                  key=lambda p: p.name.casefold())


def month_grid(session: Session, partner_id: int, year: int, month: int) -> list[GridRow]:
    """One row per beneficiary the partner follows that month, with the month's sessions
    and where each stands against the quota (for the PRE's own screen).

    Column queries (the fiches with their names and limits, the held sessions counted
    per fiche, the month's sessions, the month's answers) whatever the number of fiches:
    a partner may follow a thousand beneficiaries with years of sessions.
    """
    get_or_fail(session, Partner, partner_id, "Structure partenaire", "partner_id")
    y, m, start, end = _month_bounds(year, month)
    followed = [CareReferral.partner_id == partner_id, *_followed(start, end),
                session_entry_children(session, CareReferral.child_id)]
    guardian = aliased(Guardian)
    referrals = session.execute(
        select(CareReferral.id, CareReferral.child_id, CareReferral.beneficiary_kind, Child.last_name,
               Child.first_name, guardian.last_name, guardian.first_name, CareReferral.sent_on,
               CareReferral.first_appointment_on, CareReferral.ended_on, CareReferral.relay_funding_note,
               Convention.session_quota, Convention.quota_warning_threshold)
        .join(Child, Child.id == CareReferral.child_id)
        .outerjoin(guardian, guardian.id == CareReferral.guardian_id)
        .outerjoin(Convention, Convention.id == CareReferral.convention_id)
        .where(*followed)).all()
    ids = select(CareReferral.id).where(*followed)
    counts = {cr_id: (int(used or 0), int(hors or 0)) for cr_id, used, hors in session.execute(
        select(CareSession.care_referral_id, *held_counts())
        .where(CareSession.care_referral_id.in_(ids))
        .group_by(CareSession.care_referral_id))}
    of_month: dict[int, list[GridSession]] = {}
    for cr_id, sid, day, kind, status, hors_quota in session.execute(
            select(CareSession.care_referral_id, CareSession.id, CareSession.session_date, CareSession.kind,
                   CareSession.status, CareSession.hors_quota)
            .where(CareSession.care_referral_id.in_(ids), CareSession.session_date >= start,
                   CareSession.session_date <= end)):
        of_month.setdefault(cr_id, []).append(GridSession(sid, day, kind, status, hors_quota))
    answers = {cr_id: (regularly, remark) for cr_id, regularly, remark in session.execute(
        select(MonthlyAnswer.care_referral_id, MonthlyAnswer.comes_regularly, MonthlyAnswer.remark)
        .where(MonthlyAnswer.month == month_key(y, m), MonthlyAnswer.care_referral_id.in_(ids)))}
    rows = []
    for (cr_id, child_id, kind, child_last, child_first, g_last, g_first, sent_on, first_appointment_on, ended_on,
         relay, conv_quota, conv_threshold) in referrals:
        # as reports._beneficiary_names: a parent beneficiary is listed under the parent's name
        last, first = ((g_last, g_first) if kind is BeneficiaryKind.PARENT and g_last is not None
                       else (child_last, child_first))
        quota, threshold = ((conv_quota, conv_threshold) if conv_quota is not None
                            else (DEFAULT_QUOTA, DEFAULT_THRESHOLD))
        used, hors = counts.get(cr_id, (0, 0))
        regularly, remark = answers.get(cr_id, (None, None))
        rows.append(GridRow(
            cr_id, child_id, last, first, sent_on, first_appointment_on, ended_on,
            tuple(sorted(of_month.get(cr_id, []), key=lambda s: (s.session_date, s.kind.value))),
            used, quota, threshold, hors, quota_level(used, quota, threshold, hors), relay, regularly, remark))
    rows.sort(key=lambda r: (r.last_name.casefold(), r.first_name.casefold(), r.care_referral_id))
    return rows
