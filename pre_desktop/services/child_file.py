"""What one child's file (dossier enfant) shows, tab by tab, and its one save.

Each tab of the window reads its own section (``identity``, ``referral_rows``,
``pathway_views``…) so a tab can reload alone after a change made from it. Rows are
plain frozen dataclasses: no ORM object outlives the session, and the screen holds no
rule. The file's form spans two records (the child and the family, plus the review
date of the open pathway): ``save_child_file`` validates all of it before writing
anything, so Ctrl+S stores everything or nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import (
    AuditAction,
    CareReferral,
    CareSession,
    Child,
    ChildStatus,
    EpsMeeting,
    EpsSituation,
    GeneratedDocument,
    Pathway,
    PathwayAction,
    SessionStatus,
    Sex,
    User,
)
from . import audit
from .access import can_see_child, require_child
from .children import FAMILY_FIELDS, clean_family_fields, update_child
from .clock import today
from .common import age_on, check_version, get_or_fail, reject_unknown
from .consent import active_consent
from .document_list import kind_label
from .documents import documents_for_child
from .errors import DomainError
from .labels import label
from .pathways import clean_review_date
from .retention import ARCHIVED_OPENING
from .sessions import quota_status

# Fields of the file's form, as the services name them. Family fields are prefixed
# "family." in refusals: the child and the family both have "notes".
CHILD_FORM_FIELDS = ("last_name", "first_name", "birth_date", "sex", "school", "school_class", "referent_id",
                     "last_contact_on", "notes")
FAMILY_PREFIX = "family."

# ---------------------------------------------------------------------------
# Identité et famille
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GuardianRow:
    id: int
    version: int
    last_name: str
    first_name: str
    relationship_label: Optional[str]
    birth_date: Optional[dt.date]
    phone: Optional[str]
    email: Optional[str]
    is_legal_guardian: bool

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class SiblingRow:
    id: int
    name: str
    birth_date: dt.date
    age: int
    school: str
    status_label: str


@dataclass(frozen=True)
class FamilyFields:
    id: int
    version: int
    name: str
    address: Optional[str]
    postal_code: Optional[str]
    town: Optional[str]
    neighbourhood: Optional[str]
    phone: Optional[str]
    languages: Optional[str]
    interpreter_needed: bool
    notes: Optional[str]


@dataclass(frozen=True)
class ChildIdentity:
    """The identity tab: the child's fields, the family, its adults and the siblings followed."""

    id: int
    version: int
    last_name: str
    first_name: str
    full_name: str
    birth_date: dt.date
    age: int
    sex: Optional[Sex]
    school: Optional[str]
    school_class: Optional[str]
    referent_id: Optional[int]
    referent_name: Optional[str]
    status: ChildStatus
    status_label: str
    entry_date: Optional[dt.date]
    exit_date: Optional[dt.date]
    exit_reason: Optional[str]
    last_contact_on: Optional[dt.date]
    notes: Optional[str]
    family: FamilyFields
    guardians: list[GuardianRow]
    siblings: list[SiblingRow]
    consent: Optional[str]  # the family's agreement in force, in words; None if none
    consent_id: Optional[int] = None  # that agreement, to withdraw it
    archived_on: Optional[dt.date] = None  # archived: the file is read-only (services.retention)


def identity(session: Session, child_id: int) -> ChildIdentity:
    child = require_child(session, child_id)
    fam = child.family
    day = today()
    siblings = [
        SiblingRow(id=s.id, name=s.full_name, birth_date=s.birth_date, age=age_on(s.birth_date, day),
                   school=" — ".join(p for p in (s.school, s.school_class) if p), status_label=label(s.status))
        for s in sorted(fam.children, key=lambda c: (c.birth_date, c.id))
        if s.id != child.id and can_see_child(session, s)  # a sibling's file is not shared with the family's
    ]
    agreement = active_consent(session, fam.id)
    consent = None
    if agreement is not None:
        consent = f"donné le {agreement.given_on:%d/%m/%Y} par {agreement.given_by}"
        if agreement.scope:
            consent += f", pour : {agreement.scope}"
    return ChildIdentity(
        id=child.id, version=child.version, last_name=child.last_name, first_name=child.first_name,
        full_name=child.full_name, birth_date=child.birth_date, age=age_on(child.birth_date, day), sex=child.sex,
        school=child.school, school_class=child.school_class, referent_id=child.referent_id,
        referent_name=child.referent.full_name if child.referent else None, status=child.status,
        status_label=label(child.status), entry_date=child.entry_date, exit_date=child.exit_date,
        exit_reason=child.exit_reason, last_contact_on=child.last_contact_on, notes=child.notes,
        family=FamilyFields(id=fam.id, version=fam.version, name=fam.name, address=fam.address,
                            postal_code=fam.postal_code, town=fam.town, neighbourhood=fam.neighbourhood,
                            phone=fam.phone, languages=fam.languages, interpreter_needed=bool(fam.interpreter_needed),
                            notes=fam.notes),
        guardians=[GuardianRow(id=g.id, version=g.version, last_name=g.last_name, first_name=g.first_name,
                               relationship_label=g.relationship_label, birth_date=g.birth_date, phone=g.phone,
                               email=g.email, is_legal_guardian=bool(g.is_legal_guardian)) for g in fam.guardians],
        siblings=siblings,
        consent=consent,
        consent_id=agreement.id if agreement is not None else None,
        archived_on=child.archived_on,
    )


def save_child_file(session: Session, child_id: int, *, expected_version: Optional[int],
                    child: Optional[Mapping[str, Any]] = None,
                    family: Optional[Mapping[str, Any]] = None, family_version: Optional[int] = None,
                    pathway_id: Optional[int] = None, pathway_version: Optional[int] = None,
                    review_date: Any = None, confirm: bool = False) -> Child:
    """Save the file's form: some child fields, some family fields, the open pathway's review date.

    Everything is checked (versions, every value, the child's warnings) before the
    first write, so a refusal or a question leaves the database as it was. The review
    date is saved only when ``pathway_id`` is given.
    """
    record = require_child(session, child_id, write=True)
    check_version(record, expected_version, "Ce dossier")
    child_fields = dict(child or {})
    reject_unknown(child_fields, CHILD_FORM_FIELDS, "le dossier d'un enfant")

    fam = record.family
    family_values: dict[str, Any] = {}
    if family:
        check_version(fam, family_version, "La famille de cet enfant")
        unknown = sorted(set(family) - set(FAMILY_FIELDS))
        if unknown:
            raise DomainError(f"Champ inconnu pour une famille : « {unknown[0]} ».", FAMILY_PREFIX + unknown[0])
        try:
            family_values = clean_family_fields(dict(family))
        except DomainError as error:
            raise DomainError(error.message, FAMILY_PREFIX + (error.field or "")) from None

    pathway: Optional[Pathway] = None
    review: Optional[dt.date] = None
    if pathway_id is not None:
        pathway = get_or_fail(session, Pathway, pathway_id, "Parcours")
        if pathway.child_id != record.id:
            raise DomainError("Ce parcours n'est pas celui de cet enfant.", "review_date")
        check_version(pathway, pathway_version, "Ce parcours")
        review = clean_review_date(pathway, review_date)

    if child_fields:
        update_child(session, record.id, expected_version=None, confirm=confirm, **child_fields)
    for key, value in family_values.items():
        if getattr(fam, key) != value:
            setattr(fam, key, value)
    if pathway is not None and pathway.review_date != review:
        pathway.review_date = review
    session.flush()
    return record


def record_view(session: Session, child_id: int) -> None:
    """Trace that the file was opened: who read a minor's file is part of its history.

    An archived file is opened only through ``retention.record_archived_view`` (a
    coordinator, with a reason): refused here.
    """
    child = require_child(session, child_id)
    if child.archived_on is not None:
        raise DomainError(ARCHIVED_OPENING, None)
    audit.record(session, AuditAction.VIEW, "children", child.id, child_id=child.id, family_id=child.family_id,
                 summary="Consultation du dossier")
    session.flush()


# ---------------------------------------------------------------------------
# Repérage, EPS
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralRow:
    id: int
    version: int
    referred_on: dt.date
    source: str
    referrer_name: Optional[str]
    referrer_function: Optional[str]
    reasons: str
    notes: Optional[str]


def referral_rows(session: Session, child_id: int) -> list[ReferralRow]:
    """The child's repérages, newest first."""
    child = require_child(session, child_id)
    return [ReferralRow(id=r.id, version=r.version, referred_on=r.referred_on, source=r.source,
                        referrer_name=r.referrer_name, referrer_function=r.referrer_function, reasons=r.reasons or "",
                        notes=r.notes)
            for r in sorted(child.referrals, key=lambda r: (r.referred_on, r.id), reverse=True)]


@dataclass(frozen=True)
class AgendaRow:
    """A coming commission the child's situation is on the agenda of."""

    meeting_id: int
    meeting_date: dt.date
    place: Optional[str]
    reason_label: str


def agenda_rows(session: Session, child_id: int) -> list[AgendaRow]:
    """Commissions from today on where the child's situation will be examined."""
    require_child(session, child_id)
    stmt = (select(EpsSituation, EpsMeeting).join(EpsMeeting, EpsSituation.meeting_id == EpsMeeting.id)
            .where(EpsSituation.child_id == child_id, EpsMeeting.meeting_date >= today())
            .order_by(EpsMeeting.meeting_date))
    return [AgendaRow(m.id, m.meeting_date, m.place, label(s.reason)) for s, m in session.execute(stmt)]


# ---------------------------------------------------------------------------
# Parcours
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionRow:
    id: int
    label: str
    action_type: Optional[str]
    partner_name: Optional[str]
    start_date: Optional[dt.date]
    end_date: Optional[dt.date]
    hors_eps: bool
    notes: Optional[str]


@dataclass(frozen=True)
class PathwayView:
    id: int
    version: int
    start_date: dt.date
    review_date: Optional[dt.date]
    end_date: Optional[dt.date]
    end_reason: Optional[str]
    objectives: str
    actions: list[ActionRow]

    @property
    def is_open(self) -> bool:
        return self.end_date is None


def pathway_views(session: Session, child_id: int) -> list[PathwayView]:
    """The child's pathways, the most recent first (at most one is open)."""
    require_child(session, child_id)
    stmt = (select(Pathway).where(Pathway.child_id == child_id)
            .options(selectinload(Pathway.actions).selectinload(PathwayAction.partner))
            .order_by(Pathway.start_date.desc(), Pathway.id.desc()))
    return [PathwayView(id=p.id, version=p.version, start_date=p.start_date, review_date=p.review_date,
                        end_date=p.end_date, end_reason=p.end_reason, objectives=p.objectives or "",
                        actions=[ActionRow(id=a.id, label=a.label, action_type=a.action_type,
                                           partner_name=a.partner.name if a.partner else None,
                                           start_date=a.start_date, end_date=a.end_date, hors_eps=a.hors_eps,
                                           notes=a.notes) for a in p.actions])
            for p in session.scalars(stmt)]


# ---------------------------------------------------------------------------
# Orientations (fiches de liaison) and their sessions
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OrientationRow:
    id: int
    partner_name: str
    beneficiary: str
    requested_on: dt.date
    state_label: str
    sent_on: Optional[dt.date]
    first_appointment_on: Optional[dt.date]
    ended_on: Optional[dt.date]
    used: int
    quota: int
    hors_quota_count: int
    level: str  # "ok" | "warning" | "reached" | "beyond" (sessions.quota_status)
    hors_eps: bool
    convention: Optional[str]

    @property
    def sessions_text(self) -> str:
        text = f"{self.used} / {self.quota}"
        if self.hors_quota_count:
            text += f" (+{self.hors_quota_count} hors quota)"
        return text


def _beneficiary(cr: CareReferral) -> str:
    text = label(cr.beneficiary_kind)
    if cr.guardian is not None:
        text += f" : {cr.guardian.first_name} {cr.guardian.last_name}"
    return text


def orientation_rows(session: Session, child_id: int) -> list[OrientationRow]:
    """The child's fiches de liaison, newest first, with sessions used against the quota."""
    require_child(session, child_id)
    stmt = (select(CareReferral).where(CareReferral.child_id == child_id)
            .options(selectinload(CareReferral.partner), selectinload(CareReferral.convention),
                     selectinload(CareReferral.guardian), selectinload(CareReferral.sessions))
            .order_by(CareReferral.requested_on.desc(), CareReferral.id.desc()))
    rows = []
    for cr in session.scalars(stmt):
        quota = quota_status(session, cr.id)
        rows.append(OrientationRow(
            id=cr.id, partner_name=cr.partner.name, beneficiary=_beneficiary(cr), requested_on=cr.requested_on,
            state_label=label(cr.state), sent_on=cr.sent_on, first_appointment_on=cr.first_appointment_on,
            ended_on=cr.ended_on, used=quota.used, quota=quota.quota, hors_quota_count=quota.hors_quota_count,
            level=quota.level, hors_eps=cr.hors_eps,
            convention=cr.convention.reference if cr.convention is not None else None))
    return rows


@dataclass(frozen=True)
class SessionRow:
    id: int
    care_referral_id: int
    partner_name: str
    session_date: dt.date
    kind_label: str
    status: SessionStatus
    status_label: str
    hors_quota: bool
    note: Optional[str]


def session_rows(session: Session, child_id: int) -> list[SessionRow]:
    """Sessions of all the child's fiches de liaison, newest first."""
    require_child(session, child_id)
    stmt = (select(CareSession, CareReferral).join(CareReferral, CareSession.care_referral_id == CareReferral.id)
            .where(CareReferral.child_id == child_id).options(selectinload(CareReferral.partner))
            .order_by(CareSession.session_date.desc(), CareSession.id.desc()))
    return [SessionRow(id=cs.id, care_referral_id=cr.id, partner_name=cr.partner.name, session_date=cs.session_date,
                       kind_label=label(cs.kind), status=cs.status, status_label=label(cs.status), hors_quota=bool(cs.hors_quota),
                       note=cs.note)
            for cs, cr in session.execute(stmt)]


# ---------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentRow:
    id: int
    created_at: dt.datetime  # naive UTC, as stored
    title: str
    kind_label: str
    file_format: str
    created_by: Optional[str]
    file_path: Optional[str]


def document_rows(session: Session, child_id: int) -> list[DocumentRow]:
    """Documents produced about the child, newest first (see documents.documents_for_child)."""
    require_child(session, child_id)
    docs: list[GeneratedDocument] = documents_for_child(session, child_id)
    users = {u.id: u.full_name for u in session.scalars(
        select(User).where(User.id.in_({d.created_by_id for d in docs if d.created_by_id is not None})))}
    return [DocumentRow(id=d.id, created_at=d.created_at, title=d.title, kind_label=kind_label(d.kind),
                        file_format=d.file_format.upper(), created_by=users.get(d.created_by_id or 0),
                        file_path=d.file_path)
            for d in docs]
