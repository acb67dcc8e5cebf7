"""Séances at the partner: recording, the per-person quota (rule 1) and what is billable (rules 3-4).

The convention funds a fixed number of held sessions per beneficiary (20 by default).
Absences and cancellations never count. From the threshold (15) each new session warns;
once the quota is used, a further session is recorded "hors quota" (never billed to the
PRE) and only with a note of the relay funding.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Optional, Sequence

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from ..formatting import fr_date
from ..models import (
    CareReferral,
    CareReferralState,
    CareSession,
    Child,
    Convention,
    ConventionStatus,
    Partner,
    SessionKind,
    SessionStatus,
)
from . import conventions as conv_service
from .access import require_session_entry, visible_children
from .care_referrals import refresh_progress
from .common import as_date, check_version, get_or_fail, not_in_future, optional_text, reject_unknown
from .errors import DomainError, DomainWarning, NeedsConfirmation
from .labels import label

DEFAULT_QUOTA = 20
DEFAULT_THRESHOLD = 15
SESSION_FIELDS = frozenset({"session_date", "kind", "status", "note", "relay_funding_note"})
ACTIVE_STATES = (CareReferralState.SENT, CareReferralState.ANSWERED, CareReferralState.IN_PROGRESS)


def quota_limits(cr: CareReferral) -> tuple[int, int]:
    """(quota, warning threshold) from the fiche's convention, else the model convention's 20 / 15."""
    if cr.convention is not None:
        return cr.convention.session_quota, cr.convention.quota_warning_threshold
    return DEFAULT_QUOTA, DEFAULT_THRESHOLD


def _counts_for_quota(cs: CareSession) -> bool:
    return cs.status is SessionStatus.PRESENT and not cs.hors_quota


def _used(cr: CareReferral, exclude: Optional[CareSession] = None, others: Optional[Sequence[Any]] = None) -> int:
    return sum(1 for s in (cr.sessions if others is None else others) if s is not exclude and _counts_for_quota(s))


def _kind(value: Any) -> SessionKind:
    try:
        return SessionKind(value)
    except ValueError:
        raise DomainError(f"« {value} » n'est pas un type d'entretien connu.", "kind") from None


def _status(value: Any) -> SessionStatus:
    try:
        return SessionStatus(value)
    except ValueError:
        raise DomainError(f"« {value} » n'est pas un statut de séance connu.", "status") from None


def _check_date_and_duplicate(cr: CareReferral, day: dt.date, kind: SessionKind,
                              exclude: Optional[CareSession] = None, others: Optional[Sequence[Any]] = None) -> None:
    """Dates a partner could really have seen the beneficiary; one session per day and type.

    ``others`` replaces the fiche's stored sessions when several are planned at once
    (services.session_batches): the same rule then sees the sessions about to be written.
    """
    not_in_future(day, "session_date", "Date de la séance")
    if cr.sent_on is None:
        raise DomainError("La fiche de liaison n'a pas encore été envoyée : aucune séance ne peut être enregistrée.",
                          "session_date")
    if day < cr.sent_on:
        raise DomainError(f"La séance ne peut pas précéder l'envoi de la fiche de liaison ({fr_date(cr.sent_on)}).",
                          "session_date")
    if cr.state is CareReferralState.ENDED and cr.ended_on is not None and day > cr.ended_on:
        raise DomainError(f"La prise en charge s'est terminée le {fr_date(cr.ended_on)} : "
                          "aucune séance ne peut être enregistrée après cette date.", "session_date")
    for other in (cr.sessions if others is None else others):
        if other is not exclude and other.session_date == day and other.kind is kind:
            raise DomainError(f"Une séance « {label(kind)} » est déjà enregistrée le {fr_date(day)} pour ce "
                              "bénéficiaire.", "session_date")


def _quota_decision(cr: CareReferral, relay: Optional[str], exclude: Optional[CareSession] = None,
                    others: Optional[Sequence[Any]] = None) -> tuple[bool, list[DomainWarning]]:
    """For one more held session: is it hors quota, and what should the user be told?

    Beyond the quota the relay funding must be noted: with this session, or once on the
    fiche (the référent's note then covers the following sessions too).
    """
    quota, threshold = quota_limits(cr)
    used = _used(cr, exclude, others)
    if used >= quota:
        if relay is None and cr.relay_funding_note is None:
            raise DomainError(
                f"Le quota de {quota} séances financées par le PRE est atteint pour ce bénéficiaire. "
                "Cette séance sera enregistrée hors quota (non facturée au PRE) : indiquez le relais de "
                "financement mobilisé (droit commun, autre financeur…).", "relay_funding_note")
        return True, []
    number = used + 1
    if number < threshold:
        return False, []
    if number == quota:
        tail = "le quota est atteint. Les séances suivantes seront hors quota : préparez le relais vers d'autres financements."
    else:
        tail = f"il en reste {quota - number} financée(s) par le PRE. Préparez le relais vers d'autres financements."
    return False, [DomainWarning("quota_threshold",
                                 f"{number} séances sur {quota} pour ce bénéficiaire : {tail}", "session_date", cr.id)]


# --------------------------------------------------------------------------- writes


def record_session(session: Session, *, care_referral_id: int, session_date: Any,
                   kind: SessionKind | str = SessionKind.INDIVIDUAL,
                   status: SessionStatus | str = SessionStatus.PRESENT, note: Optional[str] = None,
                   relay_funding_note: Optional[str] = None, confirm: bool = False) -> CareSession:
    """A session reported by the partner (held, absent or cancelled)."""
    cr = get_or_fail(session, CareReferral, care_referral_id, "Fiche de liaison")
    require_session_entry(session, cr.child, write=True)
    kind_v, status_v = _kind(kind), _status(status)
    day = as_date(session_date, "session_date", "Date de la séance")
    _check_date_and_duplicate(cr, day, kind_v)
    note_text = optional_text(note, "note", "Remarque", 2000)
    relay = optional_text(relay_funding_note, "relay_funding_note", "Relais de financement", 2000)
    hors, warnings = (_quota_decision(cr, relay) if status_v is SessionStatus.PRESENT else (False, []))
    if warnings and not confirm:
        raise NeedsConfirmation(warnings)
    if hors and relay is None:
        relay = cr.relay_funding_note
    cs = CareSession(session_date=day, kind=kind_v, status=status_v, hors_quota=hors, note=note_text,
                     relay_funding_note=relay)
    cr.sessions.append(cs)
    if hors:
        cr.relay_funding_note = relay
    refresh_progress(cr)
    session.flush()
    return cs


def update_session(session: Session, session_id: int, *, expected_version: Optional[int], confirm: bool = False,
                   **fields: Any) -> CareSession:
    """Correct a session; turning an absence into a held session goes through the quota again."""
    reject_unknown(fields, SESSION_FIELDS, "une séance")
    cs = get_or_fail(session, CareSession, session_id, "Séance")
    require_session_entry(session, cs.care_referral.child, write=True)
    check_version(cs, expected_version, "Cette séance")
    cr = cs.care_referral
    kind_v = _kind(fields.get("kind", cs.kind))
    status_v = _status(fields.get("status", cs.status))
    day = as_date(fields.get("session_date", cs.session_date), "session_date", "Date de la séance")
    _check_date_and_duplicate(cr, day, kind_v, exclude=cs)
    note_text = optional_text(fields.get("note", cs.note), "note", "Remarque", 2000)
    relay = optional_text(fields.get("relay_funding_note", cs.relay_funding_note), "relay_funding_note",
                          "Relais de financement", 2000)
    warnings: list[DomainWarning] = []
    if status_v is not SessionStatus.PRESENT:
        hors = False
    elif cs.status is SessionStatus.PRESENT:
        hors = cs.hors_quota  # already counted (or already beyond): its place in the quota is kept
        if hors and relay is None:
            raise DomainError("Une séance hors quota doit garder la mention du relais de financement.",
                              "relay_funding_note")
    else:
        hors, warnings = _quota_decision(cr, relay, exclude=cs)
        if hors and relay is None:
            relay = cr.relay_funding_note
    if warnings and not confirm:
        raise NeedsConfirmation(warnings)
    for key, value in (("session_date", day), ("kind", kind_v), ("status", status_v), ("note", note_text),
                       ("relay_funding_note", relay), ("hors_quota", hors)):
        if getattr(cs, key) != value:
            setattr(cs, key, value)
    if hors and relay != cr.relay_funding_note:
        cr.relay_funding_note = relay
    refresh_progress(cr)
    session.flush()
    return cs


def delete_session(session: Session, session_id: int, *, expected_version: Optional[int] = None) -> None:
    """Remove a session entered by mistake. Sessions already hors quota stay so (never billed by surprise)."""
    cs = get_or_fail(session, CareSession, session_id, "Séance")
    require_session_entry(session, cs.care_referral.child, write=True)
    check_version(cs, expected_version, "Cette séance")
    cr = cs.care_referral
    cr.sessions.remove(cs)
    session.delete(cs)
    refresh_progress(cr)
    session.flush()


# --------------------------------------------------------------------------- quota queries


@dataclass(frozen=True)
class QuotaStatus:
    used: int
    quota: int
    threshold: int
    hors_quota_count: int
    level: str  # "ok" | "warning" | "reached" | "beyond"

    @property
    def remaining(self) -> int:
        return max(self.quota - self.used, 0)


def quota_level(used: int, quota: int, threshold: int, hors: int) -> str:
    """Where a beneficiary stands against the quota; shared with the children list's alerts."""
    if hors > 0:
        return "beyond"
    if used >= quota:
        return "reached"
    if used >= threshold:
        return "warning"
    return "ok"


def quota_status(session: Session, care_referral_id: int) -> QuotaStatus:
    cr = get_or_fail(session, CareReferral, care_referral_id, "Fiche de liaison")
    require_session_entry(session, cr.child)
    quota, threshold = quota_limits(cr)
    used = _used(cr)
    hors = sum(1 for s in cr.sessions if s.status is SessionStatus.PRESENT and s.hors_quota)
    return QuotaStatus(used, quota, threshold, hors, quota_level(used, quota, threshold, hors))


@dataclass(frozen=True)
class QuotaAlert:
    care_referral_id: int
    child_id: int
    child_name: str
    partner_id: int
    partner_name: str
    used: int
    quota: int
    threshold: int
    hors_quota_count: int
    level: str


def held_counts() -> tuple[Any, Any]:
    """SQL sums over a fiche's sessions: held in quota (what rule 1 counts) and held hors quota,
    for the lists that count every fiche's sessions in one grouped query."""
    present = CareSession.status == SessionStatus.PRESENT
    return (func.sum(case((and_(present, CareSession.hors_quota.is_(False)), 1), else_=0)),
            func.sum(case((and_(present, CareSession.hors_quota.is_(True)), 1), else_=0)))


def quota_alerts(session: Session) -> list[QuotaAlert]:
    """Active fiches at or over their warning threshold, most used first.

    Counted, compared with the convention's limits and filtered in one column query: À
    traiter and the children list ask it on every refresh, whatever the number of fiches.
    """
    used, hors = held_counts()
    counts = (
        select(CareSession.care_referral_id.label("cr_id"), used.label("used"), hors.label("hors"))
        .group_by(CareSession.care_referral_id)
        .subquery()
    )
    quota = func.coalesce(Convention.session_quota, DEFAULT_QUOTA)
    threshold = func.coalesce(Convention.quota_warning_threshold, DEFAULT_THRESHOLD)
    stmt = (
        select(CareReferral.id, CareReferral.child_id, Child.first_name, Child.last_name, CareReferral.partner_id,
               Partner.name, counts.c.used, counts.c.hors, quota, threshold)
        .join(counts, counts.c.cr_id == CareReferral.id)
        .join(Child, Child.id == CareReferral.child_id)
        .join(Partner, Partner.id == CareReferral.partner_id)
        .outerjoin(Convention, Convention.id == CareReferral.convention_id)
        .where(CareReferral.state.in_(ACTIVE_STATES), or_(counts.c.used >= threshold, counts.c.hors > 0),
               visible_children(session, CareReferral.child_id))
    )
    rows: list[QuotaAlert] = []
    for cr_id, child_id, first_name, last_name, partner_id, partner_name, used, hors, quota_v, threshold_v in (
            session.execute(stmt)):
        used, hors = int(used or 0), int(hors or 0)
        rows.append(QuotaAlert(cr_id, child_id, f"{last_name.upper()} {first_name}", partner_id, partner_name, used,
                               quota_v, threshold_v, hors, quota_level(used, quota_v, threshold_v, hors)))
    rows.sort(key=lambda r: (-(r.used + r.hors_quota_count), r.child_name))
    return rows


# --------------------------------------------------------------------------- rules 3-4


def billable(cs: CareSession, convention: Optional[Convention] = None) -> tuple[bool, str]:
    """Whether the PRE pays for this session, and if not, why (in French, for the statement).

    ``convention`` is the one it is billed under: by default the fiche's, or a renewal of
    it for a session in the renewed term (the fiche and its quota go on across renewals).
    """
    if cs.status is SessionStatus.CANCELLED:
        return False, "Annulée"
    if cs.status is not SessionStatus.PRESENT:
        return False, "Absence"
    if cs.hors_quota:
        return False, "Hors quota"
    conv = convention if convention is not None else cs.care_referral.convention
    if conv is None:
        return False, "Sans convention"
    if conv.status is ConventionStatus.DRAFT:
        return False, "Convention non signée"
    if not conv_service.covers(conv, cs.session_date):
        return False, "Hors des dates de la convention"
    return True, ""


def sessions_of(session: Session, care_referral_id: int) -> list[CareSession]:
    cr = get_or_fail(session, CareReferral, care_referral_id, "Fiche de liaison")
    require_session_entry(session, cr.child)
    return list(cr.sessions)
