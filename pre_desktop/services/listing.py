"""Flat lists of records with a readable French label, for the command line and simple views.

Plain dicts rather than ORM objects: the caller (``list`` command, a table model)
only reads, and a dict outlives the session that produced it. Every record has at
least ``id`` and ``label``; dates stay ``datetime.date`` (the CLI turns them into ISO text).
"""

from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..formatting import fr_date
from ..models import CareReferral, CareSession, Child, Convention, EpsDecision, EpsMeeting, EpsSituation, Family, Partner
from ..models.enums import SessionStatus
from .clock import today
from .common import age_on
from .labels import label as fr_label

Record = dict[str, Any]


def child_label(child: Child) -> str:
    """"NOM Prénom (JJ/MM/AAAA)": the birth date tells apart namesakes."""
    return f"{child.full_name} ({fr_date(child.birth_date)})"


def list_children(session: Session) -> list[Record]:
    children = session.scalars(
        select(Child).options(joinedload(Child.family), joinedload(Child.referent)).order_by(Child.search_name, Child.id)
    ).unique()
    now = today()
    return [
        {
            "id": c.id,
            "label": child_label(c),
            "last_name": c.last_name,
            "first_name": c.first_name,
            "birth_date": c.birth_date,
            "age": age_on(c.birth_date, now),
            "family_id": c.family_id,
            "family": c.family.name if c.family else "",
            "school": c.school or "",
            "school_class": c.school_class or "",
            "status": c.status.value,
            "status_label": fr_label(c.status),
            "referent": c.referent.full_name if c.referent else "",
        }
        for c in children
    ]


def list_families(session: Session) -> list[Record]:
    families = session.scalars(
        select(Family).options(selectinload(Family.children), selectinload(Family.guardians)).order_by(Family.search_name, Family.id)
    )
    return [
        {
            "id": f.id,
            "label": f.name,
            "town": f.town or "",
            "phone": f.phone or "",
            "children": len(f.children),
            "guardians": len(f.guardians),
        }
        for f in families
    ]


def list_partners(session: Session) -> list[Record]:
    partners = session.scalars(
        select(Partner).options(joinedload(Partner.type), selectinload(Partner.conventions)).order_by(Partner.search_name, Partner.id)
    ).unique()
    return [
        {
            "id": p.id,
            "label": f"{p.name} — {p.type.label}",
            "name": p.name,
            "type": p.type.code,
            "type_label": p.type.label,
            "town": p.town or "",
            "phone": p.phone or "",
            "active": p.active,
            "conventions": len(p.conventions),
        }
        for p in partners
    ]


def convention_label(convention: Convention) -> str:
    return (
        f"{convention.reference} — {convention.partner.name} "
        f"(du {fr_date(convention.start_date)} au {fr_date(convention.end_date)})"
    )


def list_conventions(session: Session) -> list[Record]:
    conventions = session.scalars(
        select(Convention).options(joinedload(Convention.partner)).order_by(Convention.start_date.desc(), Convention.id)
    ).unique()
    return [
        {
            "id": c.id,
            "label": convention_label(c),
            "reference": c.reference,
            "partner_id": c.partner_id,
            "partner": c.partner.name,
            "start_date": c.start_date,
            "end_date": c.end_date,
            "status": c.status.value,
            "status_label": fr_label(c.status),
            "session_quota": c.session_quota,
        }
        for c in conventions
    ]


def list_liaisons(session: Session) -> list[Record]:
    """Fiches de liaison, with the number of sessions actually held."""
    held = dict(
        session.execute(
            select(CareSession.care_referral_id, func.count())
            .where(CareSession.status == SessionStatus.PRESENT)
            .group_by(CareSession.care_referral_id)
        ).all()
    )
    liaisons = session.scalars(
        select(CareReferral)
        .options(joinedload(CareReferral.child), joinedload(CareReferral.partner))
        .order_by(CareReferral.requested_on.desc(), CareReferral.id)
    ).unique()
    return [
        {
            "id": r.id,
            "label": f"{r.child.full_name} — {r.partner.name} — {fr_label(r.state)}",
            "child_id": r.child_id,
            "child": r.child.full_name,
            "partner_id": r.partner_id,
            "partner": r.partner.name,
            "convention_id": r.convention_id,
            "requested_on": r.requested_on,
            "first_appointment_on": r.first_appointment_on,
            "state": r.state.value,
            "state_label": fr_label(r.state),
            "sessions_held": held.get(r.id, 0),
        }
        for r in liaisons
    ]


def eps_label(meeting: EpsMeeting) -> str:
    text = f"EPS du {fr_date(meeting.meeting_date)}"
    return f"{text} — {meeting.place}" if meeting.place else text


def list_eps(session: Session) -> list[Record]:
    situations = dict(session.execute(select(EpsSituation.meeting_id, func.count()).group_by(EpsSituation.meeting_id)).all())
    decisions = dict(session.execute(select(EpsDecision.meeting_id, func.count()).group_by(EpsDecision.meeting_id)).all())
    meetings = session.scalars(select(EpsMeeting).order_by(EpsMeeting.meeting_date.desc(), EpsMeeting.id))
    return [
        {
            "id": m.id,
            "label": eps_label(m),
            "meeting_date": m.meeting_date,
            "place": m.place or "",
            "situations": situations.get(m.id, 0),
            "decisions": decisions.get(m.id, 0),
        }
        for m in meetings
    ]


LISTERS: dict[str, Callable[[Session], list[Record]]] = {
    "children": list_children,
    "families": list_families,
    "partners": list_partners,
    "conventions": list_conventions,
    "liaisons": list_liaisons,
    "eps": list_eps,
}
