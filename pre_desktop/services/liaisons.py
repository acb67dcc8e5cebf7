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
from functools import lru_cache
from typing import Any, Optional

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from ..formatting import fr_date
from ..models import (
    BeneficiaryKind,
    CareReferral,
    CareReferralSending,
    CareReferralState,
    CareSession,
    Child,
    Convention,
    Guardian,
    Partner,
    PartnerType,
    SessionStatus,
    User,
)
from .access import require_child, visible_children
from .care_referrals import DEFAULT_FIRST_APPOINTMENT_DELAY, fiche, lateness
from .clock import today
from .consent import NO_CONSENT_MESSAGE, has_active_consent
from .conventions import convention_in_force, validity_end
from .labels import label
from .partners import GENERIC_INDIRECT_EXPLANATION, orientation_check, public_ages
from .sessions import DEFAULT_QUOTA, DEFAULT_THRESHOLD, held_counts, quota_level
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
    child = require_child(session, child_id, write=True)
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
    sendings = [(s.sent_on, s.how) for s in sorted(cr.sendings, key=lambda s: (s.sent_on, s.id or 0))]
    held = [s.session_date for s in cr.sessions if s.status is SessionStatus.PRESENT]
    return _history(cr.requested_on, sendings, cr.sent_on, cr.sent_how, cr.answered_on, cr.first_appointment_on,
                    cr.psychologist_name, min(held) if held else None, cr.ended_on, cr.end_reason)


# A few hundred distinct days among thousands of fiches: each is formatted once.
_day = lru_cache(maxsize=4096)(fr_date)


def _history(requested_on: dt.date, sendings: list[tuple[dt.date, Optional[str]]], sent_on: Optional[dt.date],
             sent_how: Optional[str], answered_on: Optional[dt.date], first_appointment_on: Optional[dt.date],
             psychologist_name: Optional[str], first_held: Optional[dt.date], ended_on: Optional[dt.date],
             end_reason: Optional[str]) -> tuple[str, ...]:
    lines = [f"Demande du {_day(requested_on)}"]
    if not sendings and sent_on is not None:  # recorded before sendings were kept one by one
        sendings = [(sent_on, sent_how)]
    for number, (day, how) in enumerate(sendings):
        verb = "Envoyée" if number == 0 else "Envoyée de nouveau"
        lines.append(f"{verb} le {_day(day)}" + (f" ({how})" if how else ""))
    if answered_on is not None:
        answer = f"Réponse du {_day(answered_on)}"
        if first_appointment_on is not None:
            answer += f", premier entretien proposé le {_day(first_appointment_on)}"
        if psychologist_name:
            answer += f", {psychologist_name}"
        lines.append(answer)
    if first_held is not None:
        lines.append(f"Première séance tenue le {_day(first_held)}")
    if ended_on is not None:
        lines.append(f"Terminée le {_day(ended_on)}" + (f" — {end_reason}" if end_reason else ""))
    return tuple(lines)


WAITING_STATES = (CareReferralState.SENT, CareReferralState.ANSWERED)


def list_liaisons(session: Session, on: Optional[dt.date] = None, *, child_id: Optional[int] = None,
                  care_referral_id: Optional[int] = None) -> list[LiaisonRow]:
    """Every orientation, most recent request first, with its waiting days and quota.

    Lateness comes from :func:`care_referrals.lateness`, the one rule 2 check that À
    traiter lists too, so the two screens can never disagree. Three column queries
    (fiches with their names, grouped session counts, sendings) whatever the number of
    fiches: loading them as objects took seconds on a large PRE.
    """
    day = on or today()
    guardian, referent = aliased(Guardian), aliased(User)
    stmt = (select(CareReferral.id, CareReferral.version, CareReferral.child_id, Child.first_name, Child.last_name,
                   CareReferral.beneficiary_kind, guardian.first_name, guardian.last_name, CareReferral.partner_id,
                   Partner.name, CareReferral.referent_id, referent.first_name, referent.last_name,
                   CareReferral.state, CareReferral.requested_on, CareReferral.sent_on, CareReferral.sent_how,
                   CareReferral.answered_on, CareReferral.first_appointment_on, CareReferral.psychologist_name,
                   CareReferral.ended_on, CareReferral.end_reason, Convention.first_appointment_delay_days,
                   Convention.session_quota, Convention.quota_warning_threshold)
            .join(Child, Child.id == CareReferral.child_id)
            .join(Partner, Partner.id == CareReferral.partner_id)
            .outerjoin(guardian, guardian.id == CareReferral.guardian_id)
            .outerjoin(referent, referent.id == CareReferral.referent_id)
            .outerjoin(Convention, Convention.id == CareReferral.convention_id)
            .where(visible_children(session, CareReferral.child_id))
            .order_by(CareReferral.requested_on.desc(), CareReferral.id.desc()))
    present = CareSession.status == SessionStatus.PRESENT
    counts = (select(CareSession.care_referral_id, *held_counts(), func.min(case((present, CareSession.session_date))))
              .group_by(CareSession.care_referral_id))
    sendings_stmt = (select(CareReferralSending.care_referral_id, CareReferralSending.sent_on,
                            CareReferralSending.how)
                     .order_by(CareReferralSending.care_referral_id, CareReferralSending.sent_on,
                               CareReferralSending.id))
    wanted: list[Any] = []
    if child_id is not None:  # the orientations tab of one child's file
        wanted.append(CareReferral.child_id == child_id)
    if care_referral_id is not None:  # one fiche, to act on it from the child's file
        wanted.append(CareReferral.id == care_referral_id)
    if child_id is None and care_referral_id is None:  # the everyday list: archived files are out of it
        stmt = stmt.where(Child.archived_on.is_(None))
    if wanted:
        ids = select(CareReferral.id).where(*wanted)
        stmt = stmt.where(*wanted)
        counts = counts.where(CareSession.care_referral_id.in_(ids))
        sendings_stmt = sendings_stmt.where(CareReferralSending.care_referral_id.in_(ids))
    session_counts = {cr_id: (int(used or 0), int(hors or 0), first)
                      for cr_id, used, hors, first in session.execute(counts)}
    sendings: dict[int, list[tuple[dt.date, Optional[str]]]] = {}
    for cr_id, sent_on, how in session.execute(sendings_stmt):
        sendings.setdefault(cr_id, []).append((sent_on, how))
    rows: list[LiaisonRow] = []
    for (cr_id, version, cid, child_first, child_last, kind, g_first, g_last, partner_id, partner_name, referent_id,
         r_first, r_last, state, requested_on, sent_on, sent_how, answered_on, first_appointment_on, psychologist,
         ended_on, end_reason, conv_delay, conv_quota, conv_threshold) in session.execute(stmt):
        delay = conv_delay if conv_delay is not None else DEFAULT_FIRST_APPOINTMENT_DELAY
        quota, threshold = ((conv_quota, conv_threshold) if conv_quota is not None
                            else (DEFAULT_QUOTA, DEFAULT_THRESHOLD))
        waiting: Optional[int] = None
        if state in WAITING_STATES and (answered_on is None or first_appointment_on is None):
            waiting = (day - (sent_on or requested_on)).days
        late = lateness(state, sent_on, requested_on, answered_on, first_appointment_on, delay, day)
        used, hors, first_held = session_counts.get(cr_id, (0, 0, None))
        if kind is BeneficiaryKind.PARENT and g_last is not None:
            beneficiary = f"Parent : {g_first} {g_last.upper()}"
        else:
            beneficiary = label(kind)
        rows.append(LiaisonRow(
            cr_id, version, cid, f"{child_last.upper()} {child_first}", beneficiary, partner_id, partner_name,
            referent_id, f"{r_first} {r_last}" if referent_id is not None and r_last is not None else "",
            state, label(state), requested_on, sent_on, answered_on, first_appointment_on, psychologist or "",
            ended_on, end_reason or "", waiting, delay, late[1] if late else None, late[0] if late else "",
            used, quota, hors, quota_level(used, quota, threshold, hors),
            _history(requested_on, sendings.get(cr_id, []), sent_on, sent_how, answered_on, first_appointment_on,
                     psychologist, first_held, ended_on, end_reason)))
    return rows


def liaison_row(session: Session, care_referral_id: int, on: Optional[dt.date] = None) -> LiaisonRow:
    """One fiche as the list shows it (state, waiting, quota, history)."""
    fiche(session, care_referral_id)
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
