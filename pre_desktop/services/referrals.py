"""Repérage: who signalled a child, when and why; and the one-step "new situation" entry.

A referral is what brings a child before the EPS: a child with a referral and no
decision since waits for the next commission (see eps.agenda_suggestions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Child, ChildStatus, EpsDecision, EpsDecisionKind, Family, Referral, Role
from .access import check_child, require_child, require_family, require_role
from .children import child_warnings, clean_child_fields, clean_family_fields, own_caseload
from .common import check_version, get_or_fail, optional_text, past_date, required_text
from .errors import DomainError, NeedsConfirmation

SOURCES: tuple[str, ...] = (
    "École",
    "Collège",
    "Service social départemental",
    "PMI",
    "CCAS",
    "Famille",
    "Centre social",
    "Club de prévention",
    "Santé scolaire",
    "Autre",
)

# The status an EPS decision leaves a closed file in (a later repérage reopens it).
_CLOSING_STATUS = {
    EpsDecisionKind.REFUSE: ChildStatus.REORIENTED,
    EpsDecisionKind.REORIENT: ChildStatus.REORIENTED,
    EpsDecisionKind.END: ChildStatus.ENDED,
}

REFERRAL_FIELDS = ("referred_on", "source", "referrer_name", "referrer_function", "reasons", "notes")


def _clean_source(value: Any) -> str:
    """Known sources are stored with their canonical spelling; others as typed."""
    text = required_text(value, "source", "Origine du repérage", 80)
    for known in SOURCES:
        if known.casefold() == text.casefold():
            return known
    return text


def _clean_referral_field(name: str, value: Any) -> Any:
    if name == "referred_on":
        day = past_date(value, "referred_on", "Date du repérage")
        return day
    if name == "source":
        return _clean_source(value)
    if name == "referrer_name":
        return optional_text(value, "referrer_name", "Nom de la personne qui oriente", 200)
    if name == "referrer_function":
        return optional_text(value, "referrer_function", "Fonction", 200)
    if name == "reasons":
        return required_text(value, "reasons", "Motifs du repérage", 10_000)
    if name == "notes":
        return optional_text(value, "notes", "Notes", 10_000)
    raise DomainError(f"Champ inconnu pour un repérage : « {name} ».", name)


def clean_referral_fields(fields: Mapping[str, Any], birth_date=None) -> dict[str, Any]:  # noqa: ANN001
    """Validate referral fields without writing; a referral cannot precede the birth."""
    values = {name: _clean_referral_field(name, value) for name, value in fields.items()}
    day = values.get("referred_on")
    if birth_date is not None and day is not None and day < birth_date:
        raise DomainError("La date du repérage ne peut pas précéder la date de naissance.", "referred_on")
    return values


def _follow_referrals(session: Session, child: Child) -> None:
    """A file the EPS closed (refused, reoriented, ended) is "repéré" again while it has a
    repérage dated after that decision (as the agenda reads it: one on or before the
    decision is history, already decided on), and back to the decision's status otherwise."""
    if child.status not in (ChildStatus.REFERRED, ChildStatus.ENDED, ChildStatus.REORIENTED):
        return
    last = session.scalars(select(EpsDecision).where(EpsDecision.child_id == child.id)
                           .order_by(EpsDecision.decided_on.desc(), EpsDecision.id.desc()).limit(1)).first()
    if last is None:
        if child.referrals:
            child.status = ChildStatus.REFERRED
        return
    closed = _CLOSING_STATUS.get(last.kind)
    if closed is not None:
        newer = any(r.referred_on > last.decided_on for r in child.referrals)
        child.status = ChildStatus.REFERRED if newer else closed


def add_referral(session: Session, *, child_id: int, referred_on: Any, source: str, referrer_name: Optional[str] = None,
                 referrer_function: Optional[str] = None, reasons: str, notes: Optional[str] = None) -> Referral:
    """Record a repérage for an existing child.

    A new referral (dated after the decision) of a child whose file was closed (ended
    or reoriented) puts the child back to "repéré", waiting for the EPS: the
    commission decides again.
    """
    child = require_child(session, child_id, write=True)
    values = clean_referral_fields(dict(referred_on=referred_on, source=source, referrer_name=referrer_name,
                                        referrer_function=referrer_function, reasons=reasons, notes=notes),
                                   child.birth_date)
    referral = Referral(child=child, **values)
    session.add(referral)
    _follow_referrals(session, child)
    session.flush()
    return referral


def update_referral(session: Session, referral_id: int, *, expected_version: Optional[int], **fields: Any) -> Referral:
    referral = get_or_fail(session, Referral, referral_id, "Repérage")
    check_child(session, referral.child, write=True)
    check_version(referral, expected_version, "Ce repérage")
    values = clean_referral_fields(fields, referral.child.birth_date)
    for key, value in values.items():
        setattr(referral, key, value)
    _follow_referrals(session, referral.child)
    session.flush()
    return referral


def delete_referral(session: Session, referral_id: int, *, expected_version: Optional[int] = None) -> None:
    """Delete a repérage entered by mistake. If it was what reopened a file the EPS had
    closed (see add_referral), the child goes back to the status of that decision."""
    referral = get_or_fail(session, Referral, referral_id, "Repérage")
    check_child(session, referral.child, write=True)
    check_version(referral, expected_version, "Ce repérage")
    child = referral.child
    child.referrals.remove(referral)
    session.delete(referral)
    _follow_referrals(session, child)
    session.flush()


@dataclass(frozen=True)
class NewReferral:
    """What new_referral created or used."""

    family: Family
    child: Child
    referral: Referral


def new_referral(session: Session, *, child: Mapping[str, Any], referral: Mapping[str, Any],
                 family_id: Optional[int] = None, family: Optional[Mapping[str, Any]] = None,
                 confirm: bool = False) -> NewReferral:
    """A new situation in one step: family (existing ``family_id`` or new ``family`` fields),
    child fields (as create_child, without family_id) and referral fields (as add_referral,
    without child_id).

    Everything is validated first, so a refusal creates neither family nor child; the
    child's warnings (age, likely duplicate) ask for confirmation. The child starts
    "repéré", waiting for the next EPS.
    """
    if (family_id is None) == (family is None):
        raise DomainError("Choisissez une famille existante ou saisissez une nouvelle famille.", "family_id")
    if family_id is not None:
        existing = require_family(session, family_id, write=True, field="family_id")
        family_values = None
    else:
        require_role(session, Role.COORDINATOR, Role.REFERENT, what="enregistrer un repérage")
        family_values = clean_family_fields({"name": None, **dict(family or {})})
    child_fields = dict(child)
    if "family_id" in child_fields:
        raise DomainError("La famille se choisit avec family_id ou family, pas dans les champs de l'enfant.", "family_id")
    for required in ("last_name", "first_name", "birth_date"):
        child_fields.setdefault(required, None)
    child_fields["referent_id"] = own_caseload(session, child_fields.get("referent_id"))
    child_values = clean_child_fields(session, child_fields)
    referral_fields = dict(referral)
    for required in ("referred_on", "source", "reasons"):
        referral_fields.setdefault(required, None)
    referral_values = clean_referral_fields(referral_fields, child_values["birth_date"])
    warnings = child_warnings(session, last_name=child_values["last_name"], first_name=child_values["first_name"],
                              birth_date=child_values["birth_date"])
    if warnings and not confirm:
        raise NeedsConfirmation(warnings)

    fam = existing if family_values is None else Family(**family_values)
    if family_values is not None:
        session.add(fam)
    new_child = Child(family=fam, status=ChildStatus.REFERRED, **child_values)
    session.add(new_child)
    new_ref = Referral(child=new_child, **referral_values)
    session.add(new_ref)
    session.flush()
    return NewReferral(family=fam, child=new_child, referral=new_ref)
