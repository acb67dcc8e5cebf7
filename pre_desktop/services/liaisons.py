"""What the fiche de liaison screens read: the orientation form's choices and the list.

The rules themselves live in :mod:`care_referrals` (creation, sending, answer, end) and
:mod:`partners` (rule 6). This module answers the questions a screen asks *before* a
write — which beneficiaries, which partners and what each one accepts, which
convention would apply — so the référent sees a refusal coming before typing the
reason, and the list of every orientation with how long each one has been waiting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..formatting import fr_date
from ..models import BeneficiaryKind, CareReferral, CareReferralState, Child, Partner, PartnerType, SessionStatus
from .care_referrals import DEFAULT_FIRST_APPOINTMENT_DELAY, overdue
from .clock import today
from .common import get_or_fail
from .consent import NO_CONSENT_MESSAGE, has_active_consent
from .conventions import convention_in_force, validity_end
from .labels import label
from .partners import GENERIC_INDIRECT_EXPLANATION, orientation_check, public_ages
from .sessions import quota_status
from .users import list_users

# --------------------------------------------------------------------------- the orientation form


@dataclass(frozen=True)
class BeneficiaryChoice:
    kind: BeneficiaryKind
    guardian_id: Optional[int]
    label: str
    birth_date: Optional[dt.date]  # the date the partner's public is checked against


@dataclass(frozen=True)
class PartnerChoice:
    id: int
    name: str
    type_id: int
    type_label: str
    town: str
    public: str  # "6 à 18 ans", "Tout public"
    orientation: str  # the guide's orientation mode
    direct_allowed: bool
    explanation: str  # why the PRE cannot orient there directly ("" when it can)


@dataclass(frozen=True)
class OrientationForm:
    child_id: int
    child_name: str
    consent_message: str  # "" when the family's agreement is recorded
    beneficiaries: list[BeneficiaryChoice]
    partner_types: list[tuple[int, str]]
    partners: list[PartnerChoice]
    referents: list[tuple[int, str]]
    default_referent_id: Optional[int]


def _public_text(partner: Partner) -> str:
    amin, amax = public_ages(partner)
    if amin is None and amax is None:
        return partner.type.public_label or "Tout public"
    if amin is not None and amax is not None:
        return f"{amin} à {amax} ans"
    return f"à partir de {amin} ans" if amin is not None else f"jusqu'à {amax} ans"


def _partner_choice(partner: Partner) -> PartnerChoice:
    ptype = partner.type
    mode = ptype.orientation_label or label(ptype.orientation_mode)
    explanation = "" if ptype.direct_orientation_allowed else (ptype.refusal_explanation or GENERIC_INDIRECT_EXPLANATION)
    return PartnerChoice(partner.id, partner.name, ptype.id, ptype.label, partner.town or "", _public_text(partner),
                         mode, ptype.direct_orientation_allowed, explanation)


def beneficiary_choices(child: Child) -> list[BeneficiaryChoice]:
    """The child, each parent of the household, the family (the fiche's three kinds)."""
    out = [BeneficiaryChoice(BeneficiaryKind.CHILD, None, f"L'enfant : {child.first_name} {child.last_name}",
                             child.birth_date)]
    for g in child.family.guardians:
        role = f" ({g.relationship_label})" if g.relationship_label else ""
        out.append(BeneficiaryChoice(BeneficiaryKind.PARENT, g.id, f"Un parent : {g.first_name} {g.last_name}{role}",
                                     g.birth_date))
    out.append(BeneficiaryChoice(BeneficiaryKind.FAMILY, None, f"La famille {child.family.name}", child.birth_date))
    return out


def orientation_form(session: Session, child_id: int, on: Optional[dt.date] = None) -> OrientationForm:
    """Everything the « Orienter vers un partenaire » dialog offers for one child."""
    child = get_or_fail(session, Child, child_id, "Enfant")
    partners = session.scalars(select(Partner).where(Partner.active.is_(True))
                               .options(selectinload(Partner.type)).order_by(Partner.search_name, Partner.id))
    types = session.scalars(select(PartnerType).order_by(PartnerType.label))
    consent = "" if has_active_consent(session, child.family_id, on) else NO_CONSENT_MESSAGE
    return OrientationForm(
        child.id, f"{child.first_name} {child.last_name}", consent, beneficiary_choices(child),
        [(t.id, t.label) for t in types], [_partner_choice(p) for p in partners],
        [(u.id, u.name) for u in list_users(session)], child.referent_id)


@dataclass(frozen=True)
class PartnerPreview:
    """What choosing this partner for this person means, before anything is written."""

    refusal: str  # why the PRE cannot orient there ("" when it can)
    age_warning: str  # outside the partner's public ("" when inside or unknown)
    convention: str  # the convention in force, described, or "" when there is none
    convention_id: Optional[int]


def partner_preview(session: Session, partner_id: int, birth_date: Optional[dt.date],
                    on: Optional[dt.date] = None) -> PartnerPreview:
    """The same rule 6 check the creation applies, read ahead for the form."""
    day = on or today()
    refusal, warnings = orientation_check(session, partner_id, birth_date, day)
    conv = convention_in_force(session, partner_id, day)
    described = ""
    if conv is not None:
        described = (f"{conv.reference} — du {fr_date(conv.start_date)} au {fr_date(validity_end(conv))}, "
                     f"{conv.session_quota} séances par personne, premier rendez-vous sous "
                     f"{conv.first_appointment_delay_days} jours")
    age = next((w.message for w in warnings if w.code == "age_outside_public"), "")
    return PartnerPreview(refusal.message if refusal else "", age, described, conv.id if conv else None)


# --------------------------------------------------------------------------- the list


@dataclass(frozen=True)
class LiaisonRow:
    id: int
    version: int
    child_id: int
    child_name: str
    beneficiary: str  # "Enfant", "Parent : Sonia DUPONT", "Famille"
    partner_id: int
    partner_name: str
    referent_id: Optional[int]
    referent_name: str
    state: CareReferralState
    state_label: str
    requested_on: dt.date
    sent_on: Optional[dt.date]
    answered_on: Optional[dt.date]
    first_appointment_on: Optional[dt.date]
    psychologist_name: str
    ended_on: Optional[dt.date]
    end_reason: str
    days_waiting: Optional[int]  # since the sending, while the answer or first appointment is missing
    delay_days: int
    overdue_days: Optional[int]  # days waiting when beyond the convention's delay (rule 2)
    missing: str  # "réponse" / "premier rendez-vous" when overdue
    used: int
    quota: int
    hors_quota: int
    quota_level: str  # sessions.quota_level: "ok" | "warning" (threshold) | "reached" | "beyond"
    history: tuple[str, ...]  # what happened to the fiche, dated: every sending is kept

    @property
    def waiting_text(self) -> str:
        if self.overdue_days is not None:
            return f"{self.overdue_days} j, en retard"
        return "" if self.days_waiting is None else f"{self.days_waiting} j"

    @property
    def sessions_text(self) -> str:
        extra = f" (+{self.hors_quota} hors quota)" if self.hors_quota else ""
        return f"{self.used} / {self.quota}{extra}"


def history_lines(cr: CareReferral) -> tuple[str, ...]:
    """The fiche's dated steps, for the référent: each sending (a re-sending keeps the
    first date), the answer, the first session held, the end."""
    lines = [f"Demande du {fr_date(cr.requested_on)}"]
    sendings = [(s.sent_on, s.how) for s in sorted(cr.sendings, key=lambda s: (s.sent_on, s.id or 0))]
    if not sendings and cr.sent_on is not None:  # recorded before sendings were kept one by one
        sendings = [(cr.sent_on, cr.sent_how)]
    for number, (day, how) in enumerate(sendings):
        verb = "Envoyée" if number == 0 else "Envoyée de nouveau"
        lines.append(f"{verb} le {fr_date(day)}" + (f" ({how})" if how else ""))
    if cr.answered_on is not None:
        answer = f"Réponse du {fr_date(cr.answered_on)}"
        if cr.first_appointment_on is not None:
            answer += f", premier entretien proposé le {fr_date(cr.first_appointment_on)}"
        if cr.psychologist_name:
            answer += f", {cr.psychologist_name}"
        lines.append(answer)
    held = [s.session_date for s in cr.sessions if s.status is SessionStatus.PRESENT]
    if held:
        lines.append(f"Première séance tenue le {fr_date(min(held))}")
    if cr.ended_on is not None:
        lines.append(f"Terminée le {fr_date(cr.ended_on)}" + (f" — {cr.end_reason}" if cr.end_reason else ""))
    return tuple(lines)


def _beneficiary(cr: CareReferral) -> str:
    if cr.beneficiary_kind is BeneficiaryKind.PARENT and cr.guardian is not None:
        return f"Parent : {cr.guardian.first_name} {cr.guardian.last_name.upper()}"
    return label(cr.beneficiary_kind)


WAITING_STATES = (CareReferralState.SENT, CareReferralState.ANSWERED)


def list_liaisons(session: Session, on: Optional[dt.date] = None, *, child_id: Optional[int] = None,
                  care_referral_id: Optional[int] = None) -> list[LiaisonRow]:
    """Every orientation, most recent request first, with its waiting days and quota.

    Lateness comes from :func:`care_referrals.overdue`, the one rule 2 check that À
    traiter lists too, so the two screens can never disagree.
    """
    day = on or today()
    late = {r.care_referral_id: r for r in overdue(session, day)}
    stmt = (select(CareReferral)
            .options(selectinload(CareReferral.child), selectinload(CareReferral.partner),
                     selectinload(CareReferral.referent), selectinload(CareReferral.convention),
                     selectinload(CareReferral.guardian), selectinload(CareReferral.sessions),
                     selectinload(CareReferral.sendings))
            .order_by(CareReferral.requested_on.desc(), CareReferral.id.desc()))
    if child_id is not None:  # the orientations tab of one child's file
        stmt = stmt.where(CareReferral.child_id == child_id)
    if care_referral_id is not None:  # one fiche, to act on it from the child's file
        stmt = stmt.where(CareReferral.id == care_referral_id)
    rows: list[LiaisonRow] = []
    for cr in session.scalars(stmt):
        delay = cr.convention.first_appointment_delay_days if cr.convention else DEFAULT_FIRST_APPOINTMENT_DELAY
        waiting: Optional[int] = None
        if cr.state in WAITING_STATES and (cr.answered_on is None or cr.first_appointment_on is None):
            waiting = (day - (cr.sent_on or cr.requested_on)).days
        lateness = late.get(cr.id)
        quota = quota_status(session, cr.id)  # from the identity map: sessions are loaded above
        rows.append(LiaisonRow(
            cr.id, cr.version, cr.child_id, cr.child.full_name, _beneficiary(cr), cr.partner_id, cr.partner.name,
            cr.referent_id, cr.referent.full_name if cr.referent else "", cr.state, label(cr.state),
            cr.requested_on, cr.sent_on, cr.answered_on, cr.first_appointment_on, cr.psychologist_name or "",
            cr.ended_on, cr.end_reason or "",
            waiting, delay, lateness.days_waiting if lateness else None, lateness.missing if lateness else "",
            quota.used, quota.quota, quota.hors_quota_count, quota.level, history_lines(cr)))
    return rows


def liaison_row(session: Session, care_referral_id: int, on: Optional[dt.date] = None) -> LiaisonRow:
    """One fiche as the list shows it (state, waiting, quota, history)."""
    get_or_fail(session, CareReferral, care_referral_id, "Fiche de liaison")
    return list_liaisons(session, on, care_referral_id=care_referral_id)[0]



# --------------------------------------------------------------------------- filters of the list

OPEN = "open"  # every state but ended
LATE = "late"  # beyond the convention's delay (rule 2)
STATE_FILTERS: list[tuple[str, Optional[object]]] = [
    ("Toutes", None), ("Non terminées", OPEN), ("En retard", LATE),
    *[(label(s), s) for s in CareReferralState],
]


@dataclass(frozen=True)
class LiaisonFilter:
    state: Optional[object] = None  # None, OPEN, LATE or a CareReferralState
    partner_id: Optional[int] = None
    referent_id: Optional[int] = None

    def matches(self, row: LiaisonRow) -> bool:
        if self.partner_id is not None and row.partner_id != self.partner_id:
            return False
        if self.referent_id is not None and row.referent_id != self.referent_id:
            return False
        if self.state == OPEN:
            return row.state is not CareReferralState.ENDED
        if self.state == LATE:
            return row.overdue_days is not None
        # == not is: a combo box hands the enum back as its text (StrEnum equals its value).
        return self.state is None or row.state == self.state

    def describe(self, rows: list[LiaisonRow]) -> str:
        """The filters in words, for the head of an export ("" when none)."""
        parts = []
        if self.state is not None:
            parts.append("état : " + next(text for text, value in STATE_FILTERS if value == self.state).lower())
        if self.partner_id is not None:
            parts.append("structure : " + next((r.partner_name for r in rows if r.partner_id == self.partner_id), "?"))
        if self.referent_id is not None:
            parts.append("référent(e) : " + next((r.referent_name for r in rows if r.referent_id == self.referent_id),
                                                 "?"))
        return " ; ".join(parts)
