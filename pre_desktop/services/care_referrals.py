"""Fiches de liaison: the orientation of one beneficiary to one partner.

Lifecycle DRAFT → SENT → ANSWERED → IN_PROGRESS → ENDED. A fiche is the only thing
that leaves the PRE for a partner, so it needs the family's agreement (rule 7) and
may only go where the PRE is allowed to orient (rule 6). The partner owes a first
appointment within the convention's delay (rule 2): :func:`overdue` lists the late ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, selectinload

from ..formatting import fr_date
from ..models import (
    BeneficiaryKind,
    CareReferral,
    CareReferralSending,
    CareReferralState,
    Child,
    Convention,
    ConventionStatus,
    EpsDecision,
    Guardian,
    Partner,
    Pathway,
    PathwayAction,
    SessionStatus,
    User,
)
from . import conventions as conv_service
from .access import check_child, require_child, visible_children
from .clock import today
from .common import as_date, check_version, get_or_fail, optional_text, past_date, required_text
from .consent import require_consent
from .errors import DomainError, DomainWarning, NeedsConfirmation
from .labels import label
from .partners import orientation_check
from .settings import structure_name

WHAT = "Cette fiche de liaison"


def fiche(session: Session, care_referral_id: Optional[int], *, write: bool = False) -> CareReferral:
    """A fiche de liaison, if the acting user may read (or change) its child's file."""
    cr = get_or_fail(session, CareReferral, care_referral_id, "Fiche de liaison")
    check_child(session, cr.child, write=write)
    return cr
END_REASONS: tuple[str, ...] = ("Fin de prise en charge", "Relais droit commun", "Abandon", "Déménagement", "Autre")
DEFAULT_FIRST_APPOINTMENT_DELAY = 30
ACTIVE_STATES = (CareReferralState.DRAFT, CareReferralState.SENT, CareReferralState.ANSWERED,
                 CareReferralState.IN_PROGRESS)


def _kind(value: Any) -> BeneficiaryKind:
    try:
        return BeneficiaryKind(value)
    except ValueError:
        raise DomainError(f"« {value} » n'est pas un type de bénéficiaire connu.", "beneficiary_kind") from None


def _guardian(session: Session, child: Child, kind: BeneficiaryKind, guardian_id: Optional[int]) -> Optional[Guardian]:
    """A parent beneficiary must be a parent of this child's household."""
    if guardian_id is None:
        if kind is BeneficiaryKind.PARENT:
            raise DomainError("Indiquez le parent concerné par cette orientation.", "guardian_id")
        return None
    guardian = get_or_fail(session, Guardian, guardian_id, "Parent", "guardian_id")
    if guardian.family_id != child.family_id:
        raise DomainError(f"{guardian.first_name} {guardian.last_name} n'appartient pas à la famille de "
                          f"{child.first_name} {child.last_name}.", "guardian_id")
    return guardian


def _convention(session: Session, partner: Partner, convention_id: Optional[int],
                day: dt.date) -> Optional[Convention]:
    """The given convention, checked; else the partner's convention in force that day."""
    if convention_id is None:
        return conv_service.convention_in_force(session, partner.id, day)
    conv = get_or_fail(session, Convention, convention_id, "Convention", "convention_id")
    if conv.partner_id != partner.id:
        raise DomainError(f"La convention « {conv.reference} » n'a pas été passée avec « {partner.name} ».",
                          "convention_id")
    in_force = conv.status in conv_service.SIGNED_STATES and conv_service.covers(conv, day)
    if not in_force:
        raise DomainError(f"La convention « {conv.reference} » n'est pas en vigueur le {fr_date(day)} "
                          f"(du {fr_date(conv.start_date)} au {fr_date(conv_service.validity_end(conv))}"
                          f"{', non signée' if conv.status is ConventionStatus.DRAFT else ''}).", "convention_id")
    return conv


def _eps_decision(session: Session, child: Child, eps_decision_id: Optional[int]) -> Optional[EpsDecision]:
    if eps_decision_id is None:
        return None
    decision = get_or_fail(session, EpsDecision, eps_decision_id, "Décision de l'EPS", "eps_decision_id")
    if decision.child_id != child.id:
        raise DomainError("Cette décision de l'EPS concerne un autre enfant.", "eps_decision_id")
    return decision


def _decided_by_eps(session: Session, child: Child, partner: Partner) -> Optional[EpsDecision]:
    """The EPS decision that put an action with this partner in the child's open pathway:
    an orientation carrying that action out is decided by the EPS, not "hors EPS" (rule 8)."""
    decision_id = session.scalar(
        select(PathwayAction.eps_decision_id)
        .join(Pathway, PathwayAction.pathway_id == Pathway.id)
        .where(Pathway.child_id == child.id, Pathway.end_date.is_(None), PathwayAction.end_date.is_(None),
               PathwayAction.partner_id == partner.id, PathwayAction.eps_decision_id.is_not(None))
        .order_by(PathwayAction.id.desc())
        .limit(1))
    return session.get(EpsDecision, decision_id) if decision_id is not None else None


# --------------------------------------------------------------------------- creation


def create_care_referral(session: Session, *, child_id: int, partner_id: Optional[int],
                         beneficiary_kind: BeneficiaryKind | str = BeneficiaryKind.CHILD,
                         guardian_id: Optional[int] = None, convention_id: Optional[int] = None, reason: str,
                         referent_id: Optional[int] = None, requested_on: Any = None,
                         eps_decision_id: Optional[int] = None, age_warning_reason: Optional[str] = None,
                         confirm: bool = False) -> CareReferral:
    """A draft fiche de liaison, refused without consent or towards a structure the PRE cannot reach.

    Without a convention given, the partner's convention in force on the request
    date is used; without a decision given, the EPS decision whose pathway action
    names this partner (if any). Outside the partner's ages the caller must confirm and say why.
    """
    child = require_child(session, child_id, write=True, field="child_id")
    if partner_id is None:
        raise DomainError("Choisissez la structure vers laquelle orienter.", "partner_id")
    partner = get_or_fail(session, Partner, partner_id, "Structure partenaire", "partner_id")
    kind = _kind(beneficiary_kind)
    day = past_date(requested_on, "requested_on", "Date de la demande", required=False) or today()
    reason_text = required_text(reason, "reason", "Motif initial de la demande", 2000)
    require_consent(session, child.family_id)
    guardian = _guardian(session, child, kind, guardian_id)
    birth = guardian.birth_date if kind is BeneficiaryKind.PARENT else child.birth_date
    refusal, warnings = orientation_check(session, partner.id, birth, day)
    if refusal is not None:
        raise refusal
    conv = _convention(session, partner, convention_id, day)
    referent_id = referent_id if referent_id is not None else child.referent_id
    if referent_id is not None:
        get_or_fail(session, User, referent_id, "Référent(e)", "referent_id")
    decision = _eps_decision(session, child, eps_decision_id) or _decided_by_eps(session, child, partner)
    age_reason = optional_text(age_warning_reason, "age_warning_reason", "Raison de l'orientation hors public", 2000)

    existing = session.scalars(select(CareReferral).where(
        CareReferral.child_id == child.id, CareReferral.partner_id == partner.id,
        CareReferral.beneficiary_kind == kind, CareReferral.state.in_(ACTIVE_STATES))).first()
    if existing is not None:
        warnings.append(DomainWarning(
            "duplicate_active",
            f"Une fiche de liaison vers « {partner.name} » est déjà en cours pour ce bénéficiaire "
            f"(demande du {fr_date(existing.requested_on)}).", "partner_id", existing.id))
    if warnings and not confirm:
        raise NeedsConfirmation(warnings)
    age_warned = any(w.code == "age_outside_public" for w in warnings)
    if age_warned and age_reason is None:
        raise DomainError("Indiquez pourquoi cette orientation hors du public de la structure est proposée.",
                          "age_warning_reason")

    cr = CareReferral(child=child, partner=partner, beneficiary_kind=kind, guardian=guardian, convention=conv,
                      reason=reason_text, referent_id=referent_id, requested_on=day,
                      eps_decision_id=decision.id if decision is not None else None,
                      age_warning_reason=age_reason if age_warned else None, state=CareReferralState.DRAFT)
    session.add(cr)
    session.flush()
    return cr


def update_care_referral(session: Session, care_referral_id: int, *, expected_version: Optional[int],
                         reason: Optional[str] = None, referent_id: Optional[int] = None,
                         convention_id: Optional[int] = None, eps_decision_id: Optional[int] = None) -> CareReferral:
    """Correct the reason, the référent, the convention or the EPS decision (None keeps the value)."""
    cr = fiche(session, care_referral_id, write=True)
    check_version(cr, expected_version, WHAT)
    new_reason = required_text(reason, "reason", "Motif initial de la demande", 2000) if reason is not None else cr.reason
    if referent_id is not None:
        get_or_fail(session, User, referent_id, "Référent(e)", "referent_id")
    conv = _convention(session, cr.partner, convention_id, cr.requested_on) if convention_id is not None else None
    decision = _eps_decision(session, cr.child, eps_decision_id)
    if new_reason != cr.reason:
        cr.reason = new_reason
    if referent_id is not None and referent_id != cr.referent_id:
        cr.referent_id = referent_id
    if conv is not None and conv.id != cr.convention_id:
        cr.convention = conv
    if decision is not None and decision.id != cr.eps_decision_id:
        cr.eps_decision_id = decision.id
    session.flush()
    return cr


# --------------------------------------------------------------------------- lifecycle


def mark_sent(session: Session, care_referral_id: int, *, sent_on: Any, how: str, confirm: bool = False,
              expected_version: Optional[int] = None) -> CareReferral:
    """Record a sending. Sending again is possible (a lost letter) but asks first, and keeps every date.

    The fiche's ``sent_on`` stays the first sending: the partner's delay runs from it.
    """
    cr = fiche(session, care_referral_id, write=True)
    check_version(cr, expected_version, WHAT)
    if cr.state is CareReferralState.ENDED:
        raise DomainError("Cette prise en charge est terminée : la fiche ne peut plus être envoyée.", "sent_on")
    day = past_date(sent_on, "sent_on", "Date d'envoi")
    if day < cr.requested_on:
        raise DomainError(f"La date d'envoi ne peut pas précéder la date de la demande ({fr_date(cr.requested_on)}).",
                          "sent_on")
    how_text = required_text(how, "how", "Mode d'envoi", 80)
    require_consent(session, cr.child.family_id, day)
    previous = sorted({s.sent_on for s in cr.sendings} | ({cr.sent_on} if cr.sent_on else set()))
    if previous and not confirm:
        raise NeedsConfirmation([DomainWarning(
            "already_sent",
            "Cette fiche a déjà été envoyée le " + ", le ".join(fr_date(d) for d in previous)
            + ". L'envoyer de nouveau ?", "sent_on", cr.id)])
    cr.sendings.append(CareReferralSending(sent_on=day, how=how_text))
    if cr.sent_on is None or day < cr.sent_on:
        cr.sent_on = day
    cr.sent_how = how_text
    if cr.state is CareReferralState.DRAFT:
        cr.state = CareReferralState.SENT
    session.flush()
    return cr


def record_answer(session: Session, care_referral_id: int, *, answered_on: Any, first_appointment_on: Any = None,
                  psychologist_name: Optional[str] = None, expected_version: Optional[int] = None) -> CareReferral:
    """The partner's answer block of the fiche (date, first appointment offered, psychologist)."""
    cr = fiche(session, care_referral_id, write=True)
    check_version(cr, expected_version, WHAT)
    if cr.sent_on is None:
        raise DomainError("La fiche n'a pas encore été envoyée : enregistrez d'abord son envoi.", "answered_on")
    day = past_date(answered_on, "answered_on", "Date de la réponse")
    if day < cr.requested_on:
        raise DomainError(f"La date de réponse ne peut pas précéder la demande ({fr_date(cr.requested_on)}).",
                          "answered_on")
    if day < cr.sent_on:
        raise DomainError(f"La date de réponse ne peut pas précéder l'envoi de la fiche ({fr_date(cr.sent_on)}).",
                          "answered_on")
    first = as_date(first_appointment_on, "first_appointment_on", "Date du premier entretien proposé", required=False)
    if first is not None and first < day:
        raise DomainError("Le premier entretien proposé ne peut pas précéder la réponse.", "first_appointment_on")
    psy = optional_text(psychologist_name, "psychologist_name", "Nom du psychologue")
    cr.answered_on = day
    cr.first_appointment_on = first
    cr.psychologist_name = psy
    if cr.state is CareReferralState.SENT:
        cr.state = CareReferralState.ANSWERED
    session.flush()
    return cr


def end_care_referral(session: Session, care_referral_id: int, *, ended_on: Any, end_reason: str,
                      expected_version: Optional[int] = None) -> CareReferral:
    """End of the care (reported in the monthly table with its date)."""
    cr = fiche(session, care_referral_id, write=True)
    check_version(cr, expected_version, WHAT)
    if cr.state is CareReferralState.ENDED:
        raise DomainError(f"Cette prise en charge est déjà terminée (le {fr_date(cr.ended_on)}).", "ended_on")
    day = past_date(ended_on, "ended_on", "Date de fin")
    if day < cr.requested_on:
        raise DomainError(f"La fin de prise en charge ne peut pas précéder la demande ({fr_date(cr.requested_on)}).",
                          "ended_on")
    reason = (end_reason or "").strip()
    if reason not in END_REASONS:
        raise DomainError("Choisissez le motif de fin parmi : " + ", ".join(END_REASONS) + ".", "end_reason")
    later = [s.session_date for s in cr.sessions if s.session_date > day]
    if later:
        raise DomainError(f"Des séances sont enregistrées après cette date (dernière le {fr_date(max(later))}).",
                          "ended_on")
    cr.ended_on = day
    cr.end_reason = reason
    cr.state = CareReferralState.ENDED
    session.flush()
    return cr


def refresh_progress(cr: CareReferral) -> None:
    """IN_PROGRESS once a session was held; back to SENT/ANSWERED if that session goes away.

    Called by the sessions service after each change; does not flush.
    """
    if cr.state is CareReferralState.ENDED or cr.sent_on is None:
        return
    held = any(s.status is SessionStatus.PRESENT for s in cr.sessions)
    if held:
        if cr.state is not CareReferralState.IN_PROGRESS:
            cr.state = CareReferralState.IN_PROGRESS
    elif cr.state is CareReferralState.IN_PROGRESS:
        cr.state = CareReferralState.ANSWERED if cr.answered_on else CareReferralState.SENT


# --------------------------------------------------------------------------- rule 2


@dataclass(frozen=True)
class OverdueRow:
    care_referral_id: int
    child_id: int
    child_name: str
    partner_id: int
    partner_name: str
    referent_name: str
    sent_on: dt.date
    days_waiting: int
    delay_days: int
    missing: str  # "réponse" or "premier rendez-vous"


def overdue_check(start: dt.date, answered_on: Optional[dt.date], first_appointment_on: Optional[dt.date],
                  delay_days: int, day: dt.date) -> Optional[tuple[str, int]]:
    """(what is missing, days waiting) for a fiche sent on ``start`` still waiting beyond the delay, else None.

    One rule for :func:`overdue` and for the alerts of the children list (which reads
    the same columns in bulk instead of loading the fiches).
    """
    if answered_on is None:
        missing = "réponse"
    elif first_appointment_on is None:
        missing = "premier rendez-vous"
    else:
        return None
    waiting = (day - start).days
    return (missing, waiting) if waiting > delay_days else None


def lateness(state: CareReferralState, sent_on: Optional[dt.date], requested_on: dt.date,
             answered_on: Optional[dt.date], first_appointment_on: Optional[dt.date], delay_days: int,
             day: dt.date) -> Optional[tuple[str, int]]:
    """(what is missing, days waiting) for a fiche late on ``day``, else None: the one rule 2 test
    :func:`overdue` (À traiter) and the fiches de liaison list apply to the same columns."""
    if state not in (CareReferralState.SENT, CareReferralState.ANSWERED):
        return None
    return overdue_check(sent_on or requested_on, answered_on, first_appointment_on, delay_days, day)


def overdue(session: Session, on: Optional[dt.date] = None) -> list[OverdueRow]:
    """Fiches with no answer, or no first appointment, beyond the convention's delay (rule 2).

    One column query (no fiche loaded as an object): À traiter and the children list ask
    it on every refresh, whatever the number of fiches.
    """
    day = on or today()
    referent = aliased(User)
    stmt = (
        select(CareReferral.id, CareReferral.state, CareReferral.child_id, Child.first_name, Child.last_name,
               CareReferral.partner_id, Partner.name, referent.first_name, referent.last_name,
               CareReferral.sent_on, CareReferral.requested_on, CareReferral.answered_on,
               CareReferral.first_appointment_on, Convention.first_appointment_delay_days)
        .join(Child, Child.id == CareReferral.child_id)
        .join(Partner, Partner.id == CareReferral.partner_id)
        .outerjoin(referent, referent.id == CareReferral.referent_id)
        .outerjoin(Convention, Convention.id == CareReferral.convention_id)
        .where(CareReferral.state.in_([CareReferralState.SENT, CareReferralState.ANSWERED]),
               visible_children(session, CareReferral.child_id))
    )
    rows: list[OverdueRow] = []
    for (cr_id, state, child_id, child_first, child_last, partner_id, partner_name, r_first, r_last, sent_on,
         requested_on, answered_on, first_appointment_on, conv_delay) in session.execute(stmt):
        delay = conv_delay if conv_delay is not None else DEFAULT_FIRST_APPOINTMENT_DELAY
        late = lateness(state, sent_on, requested_on, answered_on, first_appointment_on, delay, day)
        if late is None:
            continue
        missing, waiting = late
        rows.append(OverdueRow(cr_id, child_id, f"{child_last.upper()} {child_first}", partner_id, partner_name,
                               f"{r_first} {r_last}" if r_last is not None else "", sent_on or requested_on,
                               waiting, delay, missing))
    rows.sort(key=lambda r: (-r.days_waiting, r.child_name))
    return rows


# --------------------------------------------------------------------------- rule 7: the fiche itself


@dataclass(frozen=True)
class LiaisonData:
    """Exactly the fields of the model fiche de liaison, and nothing more (rule 7)."""

    pre_name: str
    requested_on: dt.date
    beneficiary_kind: str  # "Enfant", "Parent", "Famille": the model's « enfant/parent/famille concerné(e) »
    beneficiary_last_name: str
    beneficiary_first_names: str
    beneficiary_birth_date: Optional[dt.date]
    reason: str
    referent_last_name: str
    referent_first_name: str
    referent_phone: str
    partner_name: str
    answered_on: Optional[dt.date]
    first_appointment_on: Optional[dt.date]
    psychologist_name: str


def liaison_document_data(session: Session, care_referral_id: int) -> LiaisonData:
    """What the fiche de liaison may carry to the partner; refused without the family's agreement."""
    cr = fiche(session, care_referral_id)
    require_consent(session, cr.child.family_id)
    if cr.beneficiary_kind is BeneficiaryKind.PARENT and cr.guardian is not None:
        last, first, birth = cr.guardian.last_name, cr.guardian.first_name, cr.guardian.birth_date
    elif cr.beneficiary_kind is BeneficiaryKind.FAMILY:
        # The household orientated together: this child and its parents, never the siblings.
        last = cr.child.family.name
        first = ", ".join([cr.child.first_name] + [g.first_name for g in cr.child.family.guardians])
        birth = cr.child.birth_date
    else:
        last, first, birth = cr.child.last_name, cr.child.first_name, cr.child.birth_date
    ref = cr.referent
    return LiaisonData(
        pre_name=structure_name(session),
        requested_on=cr.requested_on,
        beneficiary_kind=label(cr.beneficiary_kind),
        beneficiary_last_name=last,
        beneficiary_first_names=first,
        beneficiary_birth_date=birth,
        reason=cr.reason,
        referent_last_name=ref.last_name if ref else "",
        referent_first_name=ref.first_name if ref else "",
        referent_phone=(ref.phone or "") if ref else "",
        partner_name=cr.partner.name,
        answered_on=cr.answered_on,
        first_appointment_on=cr.first_appointment_on,
        psychologist_name=cr.psychologist_name or "",
    )


def care_referrals_of_child(session: Session, child_id: int) -> list[CareReferral]:
    require_child(session, child_id)
    return list(session.scalars(select(CareReferral).where(CareReferral.child_id == child_id)
                                .options(selectinload(CareReferral.partner))
                                .order_by(CareReferral.requested_on.desc(), CareReferral.id.desc())))

