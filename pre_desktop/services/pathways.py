"""Parcours individualisés and their actions; "hors EPS" actions and orientations (rule 8).

A child has at most one open pathway (no end date). Actions decided by an EPS carry
the decision's id; an action recorded without one is "hors EPS": it is kept (the
field cannot always wait for the commission) but listed for the next EPS to decide.
A fiche de liaison (orientation) recorded without an EPS decision is hors EPS too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import (
    CareReferral,
    CareReferralState,
    Child,
    ChildStatus,
    EpsDecision,
    EpsDecisionKind,
    Partner,
    Pathway,
    PathwayAction,
)
from .access import check_child, require_child, visible_children
from .clock import today
from .common import as_date, check_version, get_or_fail, optional_text, required_text
from .errors import DomainError, NotFoundError
from .partners import orientation_check


def open_pathway(session: Session, child_id: int) -> Optional[Pathway]:
    """The child's current pathway: the one without an end date (at most one)."""
    stmt = (select(Pathway).where(Pathway.child_id == child_id, Pathway.end_date.is_(None))
            .order_by(Pathway.start_date.desc(), Pathway.id.desc()).limit(1))
    return session.scalars(stmt).first()


def check_partner(session: Session, partner_id: Optional[int], field: str = "partner_id") -> Optional[int]:
    if partner_id is None:
        return None
    if session.get(Partner, partner_id) is None:
        raise NotFoundError(f"Structure partenaire introuvable (n° {partner_id}).", field)
    return partner_id


def add_action(session: Session, *, child_id: int, label: str, action_type: Optional[str] = None,
               partner_id: Optional[int] = None, start_date: Any = None, eps_decision_id: Optional[int] = None,
               notes: Optional[str] = None) -> PathwayAction:
    """Add an action to the child's open pathway.

    Without ``eps_decision_id`` the action is "hors EPS" (rule 8): allowed, but listed
    by :func:`hors_eps_actions` and suggested for the next commission, which
    regularises it. If the child has no open pathway, one is opened (start = the
    action's start) so the action has a pathway to sit in. With ``eps_decision_id``
    the decision must be an acceptance for this child and the pathway must be open.
    """
    child = require_child(session, child_id, write=True, field="child_id")
    if child.status is ChildStatus.ENDED:
        raise DomainError(f"Le parcours de {child.full_name} est terminé : enregistrez un nouveau repérage "
                          "pour lui proposer une nouvelle action.", "child_id")
    text = required_text(label, "label", "Action", 200)
    kind = optional_text(action_type, "action_type", "Type d'action", 100)
    check_partner(session, partner_id)
    start = as_date(start_date, "start_date", "Date de début", required=False) or today()
    if partner_id is not None:  # an action with a partner orients there: rule 6
        refusal, _ages = orientation_check(session, partner_id, child.birth_date, start)
        if refusal is not None:
            raise refusal
    note = optional_text(notes, "notes", "Notes", 10_000)
    pathway = open_pathway(session, child.id)
    if eps_decision_id is not None:
        decision = session.get(EpsDecision, eps_decision_id)
        if decision is None or decision.child_id != child.id or decision.kind is not EpsDecisionKind.ACCEPT:
            raise DomainError("Cette décision d'EPS n'est pas une acceptation de parcours pour cet enfant.",
                              "eps_decision_id")
        if pathway is None or decision.pathway_id != pathway.id:
            raise DomainError("Le parcours décidé par cette EPS n'est plus en cours.", "eps_decision_id")
    if pathway is not None and start < pathway.start_date:
        raise DomainError(f"L'action ne peut pas commencer avant le parcours (début le "
                          f"{pathway.start_date:%d/%m/%Y}).", "start_date")
    if start < child.birth_date:
        raise DomainError("L'action ne peut pas commencer avant la naissance de l'enfant.", "start_date")

    if pathway is None:
        pathway = Pathway(child=child, start_date=start, objectives="")
        session.add(pathway)
    action = PathwayAction(pathway=pathway, label=text, action_type=kind, partner_id=partner_id,
                           eps_decision_id=eps_decision_id, start_date=start, notes=note)
    session.add(action)
    session.flush()
    return action


def remove_action(session: Session, action_id: int, *, expected_version: Optional[int] = None) -> None:
    """Remove an action entered by mistake (the pathway stays)."""
    action = get_or_fail(session, PathwayAction, action_id, "Action")
    check_child(session, action.pathway.child, write=True)
    check_version(action, expected_version, "Cette action")
    action.pathway.actions.remove(action)
    session.delete(action)
    session.flush()


def set_review_date(session: Session, pathway_id: int, review_date: Any, *,
                    expected_version: Optional[int] = None) -> Pathway:
    """When the EPS should look at the pathway again (listed when due)."""
    pathway = get_or_fail(session, Pathway, pathway_id, "Parcours")
    check_child(session, pathway.child, write=True)
    check_version(pathway, expected_version, "Ce parcours")
    pathway.review_date = clean_review_date(pathway, review_date)
    session.flush()
    return pathway


def clean_review_date(pathway: Pathway, review_date: Any) -> Optional[dt.date]:
    """A review date for ``pathway``, validated without writing (the child's file saves it
    with its other fields)."""
    day = as_date(review_date, "review_date", "Date de révision", required=False)
    if pathway.end_date is not None:
        raise DomainError("Ce parcours est terminé : il n'a plus de date de révision.", "review_date")
    if day is not None and day <= pathway.start_date:
        raise DomainError("La date de révision doit suivre le début du parcours.", "review_date")
    return day


def end_pathway(session: Session, pathway_id: int, *, end_date: Any, end_reason: str,
                expected_version: Optional[int] = None) -> Pathway:
    """Close a pathway (end date and reason), e.g. a hors-EPS pathway opened by mistake.

    The child's exit from the PRE is an EPS decision ("Fin de parcours"), which closes
    the pathway itself and sets the child's status; this function leaves the status.
    """
    pathway = get_or_fail(session, Pathway, pathway_id, "Parcours")
    check_child(session, pathway.child, write=True)
    check_version(pathway, expected_version, "Ce parcours")
    day = as_date(end_date, "end_date", "Date de fin")
    reason = required_text(end_reason, "end_reason", "Motif de fin", 200)
    if pathway.end_date is not None:
        raise DomainError(f"Ce parcours est déjà terminé (le {pathway.end_date:%d/%m/%Y}).", "end_date")
    if day < pathway.start_date:
        raise DomainError(f"La fin du parcours ne peut pas précéder son début ({pathway.start_date:%d/%m/%Y}).",
                          "end_date")
    pathway.end_date = day
    pathway.end_reason = reason
    session.flush()
    return pathway


@dataclass(frozen=True)
class HorsEpsRow:
    """An action or an orientation (fiche de liaison) waiting for an EPS decision (rule 8).

    ``kind`` is "action" (``action_id`` set) or "orientation" (``care_referral_id`` set).
    """

    child_id: int
    child_name: str
    action_id: Optional[int]
    label: str
    action_type: Optional[str]
    partner_name: Optional[str]
    since: dt.date
    care_referral_id: Optional[int] = None
    kind: str = "action"


def hors_eps_care_referrals(session: Session, child_id: Optional[int] = None) -> list[CareReferral]:
    """Fiches de liaison still running (not ended) recorded without an EPS decision.

    An ended care needs no decision any more: like an action of a closed pathway, it
    is no longer brought to the commission.
    """
    stmt = select(CareReferral).where(CareReferral.eps_decision_id.is_(None),
                                      CareReferral.state != CareReferralState.ENDED,
                                      visible_children(session, CareReferral.child_id))
    if child_id is not None:
        stmt = stmt.where(CareReferral.child_id == child_id)
    # Child and partner loaded with the fiches: À traiter names them for every fiche listed.
    stmt = stmt.options(selectinload(CareReferral.child), selectinload(CareReferral.partner))
    return list(session.scalars(stmt.order_by(CareReferral.requested_on, CareReferral.id)))


def hors_eps_actions(session: Session, child_id: Optional[int] = None) -> list[HorsEpsRow]:
    """Actions of open pathways and running fiches de liaison recorded without an EPS
    decision, oldest first: what the next commission has to decide (rule 8)."""
    stmt = (
        select(PathwayAction, Child, Partner.name)
        .join(Pathway, PathwayAction.pathway_id == Pathway.id)
        .join(Child, Pathway.child_id == Child.id)
        .outerjoin(Partner, PathwayAction.partner_id == Partner.id)
        .where(PathwayAction.eps_decision_id.is_(None), Pathway.end_date.is_(None), visible_children(session))
    )
    if child_id is not None:
        stmt = stmt.where(Child.id == child_id)
    rows = [
        HorsEpsRow(child_id=child.id, child_name=child.full_name, action_id=action.id, label=action.label,
                   action_type=action.action_type, partner_name=partner_name,
                   since=action.start_date or action.created_at.date())
        for action, child, partner_name in session.execute(stmt)
    ]
    rows += [
        HorsEpsRow(child_id=cr.child_id, child_name=cr.child.full_name, action_id=None,
                   label=f"Orientation vers {cr.partner.name}", action_type=None, partner_name=cr.partner.name,
                   since=cr.requested_on, care_referral_id=cr.id, kind="orientation")
        for cr in hors_eps_care_referrals(session, child_id)
    ]
    return sorted(rows, key=lambda r: (r.since, r.child_name, r.kind, r.action_id or r.care_referral_id or 0))


@dataclass(frozen=True)
class ReviewRow:
    """An open pathway whose review date has come."""

    child_id: int
    child_name: str
    pathway_id: int
    review_date: dt.date
    days_late: int


def pathways_due_for_review(session: Session, on: Optional[dt.date] = None) -> list[ReviewRow]:
    """Open pathways to bring back to the EPS: review date on or before ``on`` (today)."""
    day = on or today()
    stmt = (
        select(Pathway, Child)
        .join(Child, Pathway.child_id == Child.id)
        .where(Pathway.end_date.is_(None), Pathway.review_date.is_not(None), Pathway.review_date <= day,
               visible_children(session))
        .order_by(Pathway.review_date, Child.search_name)
    )
    return [ReviewRow(child_id=child.id, child_name=child.full_name, pathway_id=p.id, review_date=p.review_date,
                      days_late=(day - p.review_date).days) for p, child in session.execute(stmt)]
