"""Reports for partners and funders: the monthly table (rule 5), the quarterly statement
(rule 4) and the school year (rule 9).

The monthly table goes to a partner, so it lists only that partner's beneficiaries and
only those whose family agreed (rule 7). Both reports load everything they need in a
fixed number of queries: a partner may follow hundreds of beneficiaries.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session, selectinload

from ..formatting import fr_date, fr_month
from ..textnorm import fold
from ..models import (
    BeneficiaryKind,
    CareReferral,
    CareSession,
    Consent,
    Convention,
    ConventionStatus,
    MonthlyAnswer,
    Partner,
    Role,
    SessionKind,
    SessionStatus,
)
from .access import require_role, require_session_entry
from .clock import today
from .common import get_or_fail, optional_text
from .conventions import covers, validity_end
from .errors import DomainError
from .labels import label
from .sessions import billable, quota_limits
from .settings import structure_name


# --------------------------------------------------------------------------- periods


def school_year(on: Optional[dt.date] = None) -> tuple[dt.date, dt.date]:
    """The school year containing ``on``: 1 September to 31 August (rule 9)."""
    day = on or today()
    first = day.year if day.month >= 9 else day.year - 1
    return dt.date(first, 9, 1), dt.date(first + 1, 8, 31)


def _month_bounds(year: Any, month: Any) -> tuple[int, int, dt.date, dt.date]:
    try:
        y, m = int(year), int(month)
    except (TypeError, ValueError):
        raise DomainError(f"« {month}/{year} » n'est pas un mois valide.", "month") from None
    if not 1 <= m <= 12:
        raise DomainError(f"« {month} » n'est pas un mois valide (1 à 12).", "month")
    if not 2000 <= y <= 2100:
        raise DomainError(f"« {year} » n'est pas une année valide.", "year")
    return y, m, dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1])


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """Calendar quarter: T1 = January to March."""
    first_month = 3 * (quarter - 1) + 1
    last_month = first_month + 2
    return dt.date(year, first_month, 1), dt.date(year, last_month, calendar.monthrange(year, last_month)[1])


def _beneficiary_names(cr: CareReferral) -> tuple[str, str]:
    if cr.beneficiary_kind is BeneficiaryKind.PARENT and cr.guardian is not None:
        return cr.guardian.last_name, cr.guardian.first_name
    return cr.child.last_name, cr.child.first_name


def _families_with_consent(session: Session, family_ids: set[int], on: dt.date) -> set[int]:
    """Families whose agreement is in force on ``on``, in one query."""
    if not family_ids:
        return set()
    stmt = (select(Consent.family_id).distinct()
            .where(Consent.family_id.in_(family_ids), Consent.given_on <= on)
            .where((Consent.withdrawn_on.is_(None)) | (Consent.withdrawn_on > on)))
    return set(session.scalars(stmt))


# --------------------------------------------------------------------------- monthly table (rule 5)


@dataclass(frozen=True)
class MonthSession:
    session_date: dt.date
    kind: SessionKind
    status: SessionStatus
    session_id: Optional[int] = None  # carried by the .xlsx so the partner's corrections come back to it

    @property
    def kind_label(self) -> str:
        return label(self.kind)

    @property
    def status_label(self) -> str:
        return label(self.status)


@dataclass(frozen=True)
class MonthlyRow:
    care_referral_id: int
    last_name: str
    first_name: str
    requested_on: dt.date
    first_appointment_on: Optional[dt.date]
    sessions: tuple[MonthSession, ...]
    used: int  # held, in-quota sessions up to the month's end
    quota: int
    hors_quota: int
    ended_on: Optional[dt.date]
    end_reason: Optional[str]
    comes_regularly: Optional[bool]  # the partner's column
    remark: Optional[str]


@dataclass(frozen=True)
class MonthlyTable:
    pre_name: str
    partner_id: int
    partner_name: str
    year: int
    month: int
    month_label: str
    rows: tuple[MonthlyRow, ...]
    # For the PRE's own screen only (never printed): beneficiaries left out for lack of agreement.
    omitted_without_consent: int = 0


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def monthly_table(session: Session, partner_id: int, year: int, month: int) -> MonthlyTable:
    """The partner's beneficiaries followed that month: sent before the month's end and
    not ended before its start; only those whose family's agreement is in force.

    It names every beneficiary of the partner: the coordinator's and the secretariat's
    (a référent sees their own children in the month's grid)."""
    require_role(session, Role.COORDINATOR, Role.SECRETARIAT, what="produire le tableau mensuel d'un partenaire")
    partner = get_or_fail(session, Partner, partner_id, "Structure partenaire")
    y, m, start, end = _month_bounds(year, month)
    followed = (CareReferral.partner_id == partner.id, CareReferral.sent_on.is_not(None), CareReferral.sent_on <= end,
                (CareReferral.ended_on.is_(None)) | (CareReferral.ended_on >= start))
    stmt = (
        select(CareReferral).where(*followed)
        .options(selectinload(CareReferral.child), selectinload(CareReferral.guardian),
                 selectinload(CareReferral.convention))
    )
    referrals = list(session.scalars(stmt))
    consenting = _families_with_consent(session, {cr.child.family_id for cr in referrals}, today())
    kept = [cr for cr in referrals if cr.child.family_id in consenting]
    answers: dict[int, MonthlyAnswer] = {}
    month_sessions: dict[int, list[MonthSession]] = {}
    counts: dict[int, tuple[int, int]] = {}
    if kept:
        answers = {a.care_referral_id: a for a in session.scalars(
            select(MonthlyAnswer).where(MonthlyAnswer.month == month_key(y, m),
                                        MonthlyAnswer.care_referral_id.in_([cr.id for cr in kept])))}
        # Only the month's sessions are read as rows; the quota is counted by the database
        # (a partner may follow hundreds of beneficiaries with twenty sessions each).
        of_followed = CareSession.care_referral_id.in_(select(CareReferral.id).where(*followed))
        for sid, cr_id, day, kind, status in session.execute(
                select(CareSession.id, CareSession.care_referral_id, CareSession.session_date, CareSession.kind,
                       CareSession.status)
                .where(of_followed, CareSession.session_date >= start, CareSession.session_date <= end)
                .order_by(CareSession.session_date, CareSession.kind, CareSession.id)):
            month_sessions.setdefault(cr_id, []).append(MonthSession(day, kind, status, sid))
        present = CareSession.status == SessionStatus.PRESENT
        for cr_id, used, hors in session.execute(
                select(CareSession.care_referral_id,
                       func.sum(case((and_(present, CareSession.hors_quota.is_(False)), 1), else_=0)),
                       func.sum(case((and_(present, CareSession.hors_quota.is_(True)), 1), else_=0)))
                .where(of_followed, CareSession.session_date <= end)
                .group_by(CareSession.care_referral_id)):
            counts[cr_id] = (int(used or 0), int(hors or 0))
    rows: list[MonthlyRow] = []
    for cr in kept:
        last, first = _beneficiary_names(cr)
        quota, _ = quota_limits(cr)
        used, hors = counts.get(cr.id, (0, 0))
        ended = cr.ended_on if cr.ended_on is not None and cr.ended_on <= end else None
        answer = answers.get(cr.id)
        rows.append(MonthlyRow(
            care_referral_id=cr.id, last_name=last, first_name=first, requested_on=cr.requested_on,
            first_appointment_on=cr.first_appointment_on, sessions=tuple(month_sessions.get(cr.id, ())),
            used=used, quota=quota, hors_quota=hors,
            ended_on=ended, end_reason=cr.end_reason if ended else None,
            comes_regularly=answer.comes_regularly if answer else None,
            remark=answer.remark if answer else None))
    rows.sort(key=lambda r: (fold(r.last_name), fold(r.first_name), r.care_referral_id))
    return MonthlyTable(structure_name(session), partner.id, partner.name, y, m, fr_month(y, m), tuple(rows),
                        len(referrals) - len(kept))


def record_monthly_answer(session: Session, *, care_referral_id: int, year: int, month: int,
                          comes_regularly: Optional[bool], remark: Optional[str] = None) -> MonthlyAnswer:
    """The partner's column for one beneficiary and month (created or replaced)."""
    cr = get_or_fail(session, CareReferral, care_referral_id, "Fiche de liaison")
    require_session_entry(session, cr.child, write=True)
    y, m, start, end = _month_bounds(year, month)
    if start > today():
        raise DomainError(f"Le mois de {fr_month(y, m)} n'a pas encore commencé : le partenaire ne peut pas "
                          "encore dire si ce bénéficiaire vient régulièrement.", "month")
    if cr.sent_on is None or cr.sent_on > end or (cr.ended_on is not None and cr.ended_on < start):
        raise DomainError(f"Ce bénéficiaire n'était pas suivi par le partenaire en {fr_month(y, m)}.", "month")
    if comes_regularly is not None and not isinstance(comes_regularly, bool):
        raise DomainError("Indiquez oui, non ou rien pour « Vient régulièrement ».", "comes_regularly")
    remark_text = optional_text(remark, "remark", "Remarque du partenaire", 2000)
    key = month_key(y, m)
    answer = session.scalars(select(MonthlyAnswer).where(MonthlyAnswer.care_referral_id == cr.id,
                                                         MonthlyAnswer.month == key)).first()
    if answer is None:
        answer = MonthlyAnswer(care_referral=cr, month=key)
        session.add(answer)
    if answer.comes_regularly != comes_regularly:
        answer.comes_regularly = comes_regularly
    if answer.remark != remark_text:
        answer.remark = remark_text
    session.flush()
    return answer


# --------------------------------------------------------------------------- quarterly statement (rule 4)


@dataclass(frozen=True)
class StatementLine:
    kind: SessionKind
    label: str
    count: int
    tariff: Decimal
    amount: Decimal


@dataclass(frozen=True)
class ExcludedSession:
    session_id: int
    care_referral_id: int
    last_name: str
    first_name: str
    session_date: dt.date
    kind: SessionKind
    status: SessionStatus
    reason: str


@dataclass(frozen=True)
class Statement:
    pre_name: str
    convention_id: int
    reference: str
    partner_name: str
    year: int
    quarter: int
    period_start: dt.date
    period_end: dt.date
    lines: tuple[StatementLine, ...]
    total: Decimal
    billable_count: int
    excluded: tuple[ExcludedSession, ...]
    # The part of the quarter the convention covers (a convention rarely starts on a quarter's first day).
    billed_start: Optional[dt.date] = None
    billed_end: Optional[dt.date] = None

    @property
    def excluded_by_reason(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for e in self.excluded:
            counts[e.reason] = counts.get(e.reason, 0) + 1
        return counts


def _tariff(conv: Convention, kind: SessionKind) -> Decimal:
    return {SessionKind.INDIVIDUAL: conv.tariff_individual, SessionKind.PARENTS: conv.tariff_parents,
            SessionKind.FAMILY: conv.tariff_family}[kind]


def _renewal_chain(session: Session, conv: Convention) -> list[Convention]:
    """The convention and the ones it renews, newest first: a fiche keeps the convention it was
    sent under, so its sessions in a renewed term are billed under the renewal."""
    chain = [conv]
    seen = {conv.id}
    while chain[-1].renewed_from_id is not None and chain[-1].renewed_from_id not in seen:
        previous = session.get(Convention, chain[-1].renewed_from_id)
        if previous is None:
            break
        chain.append(previous)
        seen.add(previous.id)
    return chain


def quarterly_statement(session: Session, convention_id: int, year: int, quarter: int) -> Statement:
    """Held, in-quota, in-validity sessions × tariff per session type; every other session
    of the quarter is listed with the reason it is not billed."""
    require_role(session, Role.COORDINATOR, Role.SECRETARIAT, what="produire l'état trimestriel d'une convention")
    conv = get_or_fail(session, Convention, convention_id, "Convention")
    try:
        q, y = int(quarter), int(year)
    except (TypeError, ValueError):
        raise DomainError(f"« T{quarter} {year} » n'est pas un trimestre valide.", "quarter") from None
    if not 1 <= q <= 4:
        raise DomainError(f"« {quarter} » n'est pas un trimestre valide (1 à 4).", "quarter")
    if not 2000 <= y <= 2100:
        raise DomainError(f"« {year} » n'est pas une année valide.", "year")
    if conv.status is ConventionStatus.DRAFT:
        raise DomainError(f"La convention « {conv.reference} » n'est pas signée : aucune séance n'est facturable.",
                          "convention_id")
    start, end = quarter_bounds(y, q)
    if end < conv.start_date or start > validity_end(conv):
        raise DomainError(
            f"Le trimestre T{q} {y} (du {fr_date(start)} au {fr_date(end)}) est entièrement en dehors de la "
            f"convention « {conv.reference} » (du {fr_date(conv.start_date)} au {fr_date(validity_end(conv))}).",
            "quarter")
    chain_ids = [c.id for c in _renewal_chain(session, conv)]
    stmt = (
        select(CareSession)
        .join(CareReferral, CareReferral.id == CareSession.care_referral_id)
        .where(CareReferral.convention_id.in_(chain_ids), CareSession.session_date >= start,
               CareSession.session_date <= end)
        .order_by(CareSession.session_date, CareSession.id)
        .options(selectinload(CareSession.care_referral).selectinload(CareReferral.child),
                 selectinload(CareSession.care_referral).selectinload(CareReferral.guardian))
    )
    counts = {kind: 0 for kind in SessionKind}
    excluded: list[ExcludedSession] = []
    for cs in session.scalars(stmt):
        own = cs.care_referral.convention
        if own is not conv:
            # A fiche sent under an earlier term: only its sessions of this convention's term belong here.
            if not covers(conv, cs.session_date) or covers(own, cs.session_date):
                continue
        ok, reason = billable(cs, conv)
        if ok:
            counts[cs.kind] += 1
        else:
            last, first = _beneficiary_names(cs.care_referral)
            excluded.append(ExcludedSession(cs.id, cs.care_referral_id, last, first, cs.session_date, cs.kind,
                                            cs.status, reason))
    lines = tuple(StatementLine(kind, label(kind), counts[kind], _tariff(conv, kind),
                                (_tariff(conv, kind) * counts[kind]).quantize(Decimal("0.01")))
                  for kind in SessionKind)
    total = sum((line.amount for line in lines), Decimal("0.00"))
    return Statement(structure_name(session), conv.id, conv.reference, conv.partner.name, y, q, start, end, lines, total,
                     sum(counts.values()), tuple(excluded), max(start, conv.start_date), min(end, validity_end(conv)))



# --------------------------------------------------------------------------- sessions of a period, grouped


@dataclass(frozen=True)
class SessionGroup:
    """Sessions of one beneficiary's fiche over a period, of one type and status.

    ``convention_id`` is the convention they are billed under — the fiche's own, or the
    renewal covering their date, as :func:`quarterly_statement` places them — else the
    fiche's own (None: a fiche without convention). ``billable`` of them are paid by the
    PRE (held, in quota, in a signed convention's dates) for ``amount``.
    """

    child_id: Optional[int]  # None when not asked per child
    partner_id: int
    convention_id: Optional[int]
    kind: SessionKind
    status: SessionStatus
    count: int
    billable: int
    amount: Decimal

    @property
    def held(self) -> int:
        return self.count if self.status is SessionStatus.PRESENT else 0


def _validity_end_sql() -> Any:
    """SQL twin of conventions.validity_end: an earlier termination ends the validity."""
    return case((and_(Convention.terminated_on.is_not(None), Convention.terminated_on < Convention.end_date),
                 Convention.terminated_on), else_=Convention.end_date)


def session_groups(session: Session, start: dt.date, end: dt.date, per_child: bool = True) -> list[SessionGroup]:
    """Every session of the period, grouped per fiche, type and status, with what the
    quarterly statement's rule (held, in-quota, in-validity sessions × tariff) bills.

    Two grouped queries whatever the number of sessions — one for sessions inside their
    fiche's convention, one (per day, usually short) for those outside it, which a renewal
    may take over — for the annual figures, where loading each session would not do.
    ``per_child=False`` groups per partner and convention only (totals, no children).
    """
    conventions = {c.id: c for c in session.scalars(select(Convention))}
    renewals: dict[int, list[Convention]] = {}
    for conv in sorted(conventions.values(), key=lambda c: (c.start_date, c.id)):
        if conv.renewed_from_id is not None:
            renewals.setdefault(conv.renewed_from_id, []).append(conv)
    own_covers = and_(CareSession.session_date >= Convention.start_date,
                      CareSession.session_date <= _validity_end_sql())
    child = CareReferral.child_id if per_child else literal(None)
    base = (
        select(child, CareReferral.partner_id, CareReferral.convention_id, CareSession.kind,
               CareSession.status, CareSession.hors_quota)
        .join(CareReferral, CareReferral.id == CareSession.care_referral_id)
        .outerjoin(Convention, Convention.id == CareReferral.convention_id)
        .where(CareSession.session_date >= start, CareSession.session_date <= end)
    )
    keys = (*((CareReferral.child_id,) if per_child else ()), CareReferral.partner_id, CareReferral.convention_id, CareSession.kind,
            CareSession.status, CareSession.hors_quota)
    totals: dict[tuple[Any, ...], list[int]] = {}

    def add(payer: Optional[Convention], own_id: Optional[int], row: Any, count: int) -> None:
        child_id, partner_id, _, kind, status, hors_quota = row[:6]
        ok = (payer is not None and status is SessionStatus.PRESENT and not hors_quota
              and payer.status is not ConventionStatus.DRAFT)
        slot = totals.setdefault((child_id, partner_id, payer.id if payer is not None else own_id, kind, status),
                                 [0, 0])
        slot[0] += count
        slot[1] += count if ok else 0

    inside = (base.add_columns(func.count()).where(or_(CareReferral.convention_id.is_(None), own_covers))
              .group_by(*keys))
    for row in session.execute(inside):
        add(conventions.get(row[2]) if row[2] is not None else None, row[2], row, int(row[-1]))
    outside = (base.add_columns(CareSession.session_date, func.count())
               .where(CareReferral.convention_id.is_not(None), ~own_covers)
               .group_by(*keys, CareSession.session_date))
    for row in session.execute(outside):
        # Outside every term of the chain: not billable, counted under the fiche's own convention.
        add(_renewal_covering(renewals, row[2], row[6]), row[2], row, int(row[-1]))
    groups: list[SessionGroup] = []
    for (child_id, partner_id, conv_id, kind, status), (count, paid) in totals.items():
        conv = conventions.get(conv_id) if conv_id is not None else None
        amount = (_tariff(conv, kind) * paid).quantize(Decimal("0.01")) if conv is not None else Decimal("0.00")
        groups.append(SessionGroup(child_id, partner_id, conv_id, kind, status, count, paid, amount))
    return groups


def _renewal_covering(renewals: dict[int, list[Convention]], own_id: int, day: dt.date) -> Optional[Convention]:
    """The nearest renewal of ``own_id`` (its renewal, then that one's…) whose term covers ``day``."""
    queue, seen = list(renewals.get(own_id, [])), {own_id}
    while queue:
        conv = queue.pop(0)
        if conv.id in seen:
            continue
        seen.add(conv.id)
        if covers(conv, day):
            return conv
        queue.extend(renewals.get(conv.id, []))
    return None
