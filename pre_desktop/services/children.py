"""Families, guardians and children: the file (dossier) of each person followed.

Every function validates all of its input before touching an ORM object, so a
refusal (DomainError) or a request for confirmation (NeedsConfirmation) leaves the
session exactly as it was. Audit events are written by the flush hooks.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Collection, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..formatting import fr_date
from ..models import (
    CareReferral,
    CareSession,
    Child,
    ChildStatus,
    EpsDecision,
    EpsSituation,
    Family,
    Guardian,
    Pathway,
    Referral,
    Role,
    Sex,
    User,
)
from ..textnorm import fold
from .access import (
    acting_role,
    acting_user,
    can_see_child,
    require_child,
    require_family,
    require_role,
    visible_children,
    visible_families,
)
from .clock import today
from .common import (
    past_date,
    as_bool,
    age_on,
    check_version,
    get_or_fail,
    optional_text,
    required_text,
)
from .errors import DomainError, DomainWarning, NeedsConfirmation, NotFoundError, PermissionDeniedError
from .retention import in_active_base
from .settings import public_age_range

NOTES_MAX = 10_000

_POSTAL_CODE = re.compile(r"^\d{5}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SEARCH_SEPARATORS = re.compile(r"[\s\-'’‘]+")


# ---------------------------------------------------------------------------
# Families
# ---------------------------------------------------------------------------

FAMILY_FIELDS = ("name", "address", "postal_code", "town", "neighbourhood", "phone", "languages",
                 "interpreter_needed", "notes")


def _clean_family_field(name: str, value: Any) -> Any:
    """One family field, validated; unknown names are refused so typos never pass silently."""
    if name == "name":
        return required_text(value, "name", "Nom de la famille", 150)
    if name == "address":
        return optional_text(value, "address", "Adresse", 300)
    if name == "postal_code":
        code = optional_text(value, "postal_code", "Code postal", 10)
        if code is not None and not _POSTAL_CODE.match(code):
            raise DomainError(f"« {code} » n'est pas un code postal valide (5 chiffres).", "postal_code")
        return code
    if name in ("town", "neighbourhood"):
        return optional_text(value, name, "Commune" if name == "town" else "Quartier", 120)
    if name == "phone":
        return optional_text(value, "phone", "Téléphone", 40)
    if name == "languages":
        return optional_text(value, "languages", "Langues parlées", 200)
    if name == "interpreter_needed":
        return as_bool(value, "interpreter_needed", "Interprète nécessaire")
    if name == "notes":
        return optional_text(value, "notes", "Notes", NOTES_MAX)
    raise DomainError(f"Champ inconnu pour une famille : « {name} ».", name)


def clean_family_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Validate family fields without writing (used by create_family and new_referral)."""
    return {name: _clean_family_field(name, value) for name, value in fields.items()}


def create_family(session: Session, *, name: str, address: Optional[str] = None, postal_code: Optional[str] = None,
                  town: Optional[str] = None, neighbourhood: Optional[str] = None, phone: Optional[str] = None,
                  languages: Optional[str] = None, interpreter_needed: bool = False,
                  notes: Optional[str] = None) -> Family:
    require_role(session, Role.COORDINATOR, Role.REFERENT, what="ouvrir le dossier d'une famille")
    values = clean_family_fields(dict(name=name, address=address, postal_code=postal_code, town=town,
                                      neighbourhood=neighbourhood, phone=phone, languages=languages,
                                      interpreter_needed=interpreter_needed, notes=notes))
    family = Family(**values)
    session.add(family)
    session.flush()
    return family


def update_family(session: Session, family_id: int, expected_version: Optional[int], **fields: Any) -> Family:
    """Change some fields of a family; refuses a form read before someone else saved."""
    family = require_family(session, family_id, write=True)
    check_version(family, expected_version, "Cette famille")
    values = clean_family_fields(fields)
    for key, value in values.items():
        setattr(family, key, value)
    session.flush()
    return family


# ---------------------------------------------------------------------------
# Guardians
# ---------------------------------------------------------------------------

GUARDIAN_FIELDS = ("last_name", "first_name", "relationship_label", "birth_date", "phone", "email", "is_legal_guardian")


def _clean_guardian_field(name: str, value: Any) -> Any:
    if name == "last_name":
        return required_text(value, "last_name", "Nom", 100)
    if name == "first_name":
        return required_text(value, "first_name", "Prénom", 100)
    if name == "relationship_label":
        return optional_text(value, "relationship_label", "Lien avec l'enfant", 60)
    if name == "birth_date":
        day = past_date(value, "birth_date", "Date de naissance", required=False)
        return day
    if name == "phone":
        return optional_text(value, "phone", "Téléphone", 40)
    if name == "email":
        email = optional_text(value, "email", "Courriel", 200)
        if email is not None and not _EMAIL.match(email):
            raise DomainError(f"« {email} » n'est pas une adresse de courriel valide.", "email")
        return email
    if name == "is_legal_guardian":
        return as_bool(value, "is_legal_guardian", "Responsable légal")
    raise DomainError(f"Champ inconnu pour un responsable : « {name} ».", name)


def add_guardian(session: Session, family_id: int, *, last_name: str, first_name: str,
                 relationship_label: Optional[str] = None, phone: Optional[str] = None,
                 email: Optional[str] = None, is_legal_guardian: bool = True,
                 birth_date: Any = None) -> Guardian:
    family = require_family(session, family_id, write=True)
    values = {k: _clean_guardian_field(k, v) for k, v in dict(
        last_name=last_name, first_name=first_name, relationship_label=relationship_label, phone=phone,
        email=email, is_legal_guardian=is_legal_guardian, birth_date=birth_date).items()}
    guardian = Guardian(family=family, **values)
    session.add(guardian)
    session.flush()
    return guardian


def update_guardian(session: Session, guardian_id: int, expected_version: Optional[int], **fields: Any) -> Guardian:
    guardian = get_or_fail(session, Guardian, guardian_id, "Responsable")
    require_family(session, guardian.family_id, write=True)
    check_version(guardian, expected_version, "Ce responsable")
    values = {k: _clean_guardian_field(k, v) for k, v in fields.items()}
    for key, value in values.items():
        setattr(guardian, key, value)
    session.flush()
    return guardian


def remove_guardian(session: Session, guardian_id: int, expected_version: Optional[int] = None) -> None:
    """Remove an adult from the family, unless a fiche de liaison names them as beneficiary
    (the partner's sessions would lose who they were for)."""
    guardian = get_or_fail(session, Guardian, guardian_id, "Responsable")
    require_family(session, guardian.family_id, write=True)
    check_version(guardian, expected_version, "Ce responsable")
    used = session.scalar(select(func.count()).select_from(CareReferral).where(CareReferral.guardian_id == guardian.id))
    if used:
        raise DomainError(
            f"{guardian.first_name} {guardian.last_name} est bénéficiaire d'une fiche de liaison : "
            "ce responsable ne peut pas être supprimé.", "guardian_id")
    family = guardian.family
    family.guardians.remove(guardian)
    session.delete(guardian)
    session.flush()


# ---------------------------------------------------------------------------
# Children
# ---------------------------------------------------------------------------

CHILD_FIELDS = ("family_id", "last_name", "first_name", "birth_date", "sex", "school", "school_class",
                "referent_id", "entry_date", "last_contact_on", "notes")


def _as_sex(value: Any) -> Optional[Sex]:
    if value is None or value == "":
        return None
    if isinstance(value, Sex):
        return value
    text = str(value).strip().upper()
    if text in ("F", "FILLE"):
        return Sex.FEMALE
    if text in ("M", "G", "GARÇON", "GARCON"):
        return Sex.MALE
    raise DomainError(f"« {value} » n'est pas un sexe valide (F ou M).", "sex")


def check_referent(session: Session, referent_id: Optional[int], field: str = "referent_id") -> Optional[int]:
    """A référent must be an active user who follows children (référent or coordinator)."""
    if referent_id is None:
        return None
    user = session.get(User, referent_id)
    if user is None:
        raise DomainError(f"Référent introuvable (n° {referent_id}).", field)
    if not user.active:
        raise DomainError(f"{user.full_name} n'est plus actif(ve) : choisissez un autre référent.", field)
    if user.role not in (Role.REFERENT, Role.COORDINATOR):
        raise DomainError(f"{user.full_name} n'est pas référent(e) de parcours ni coordonnateur(trice).", field)
    return user.id


def own_caseload(session: Session, referent_id: Optional[int]) -> Optional[int]:
    """The référent of a new file: a référent's own, the one chosen by a coordinator."""
    user = acting_user(session)
    if user is None or user.role is Role.COORDINATOR:
        return referent_id
    if referent_id is not None and referent_id != user.id:
        require_coordinator_for_referent(session)
    return user.id


def require_coordinator_for_referent(session: Session) -> None:
    if acting_role(session) not in (None, Role.COORDINATOR):
        raise PermissionDeniedError(
            "Seule la coordination confie un dossier à un(e) autre référent(e) (transfert de file active, "
            "partage) : voyez avec elle.", "referent_id")


def _clean_child_field(session: Session, name: str, value: Any) -> Any:
    if name == "family_id":
        if value is None or session.get(Family, value) is None:
            raise NotFoundError(f"Famille introuvable (n° {value}).", "family_id")
        return value
    if name == "last_name":
        return required_text(value, "last_name", "Nom", 100)
    if name == "first_name":
        return required_text(value, "first_name", "Prénom", 100)
    if name == "birth_date":
        day = past_date(value, "birth_date", "Date de naissance")
        return day
    if name == "sex":
        return _as_sex(value)
    if name == "school":
        return optional_text(value, "school", "École / établissement", 200)
    if name == "school_class":
        return optional_text(value, "school_class", "Classe", 40)
    if name == "referent_id":
        return check_referent(session, value)
    if name in ("entry_date", "last_contact_on"):
        label = "Date d'entrée" if name == "entry_date" else "Dernier contact"
        day = past_date(value, name, label, required=False)
        return day
    if name == "notes":
        return optional_text(value, "notes", "Notes", NOTES_MAX)
    if name in ("status", "exit_date", "exit_reason"):
        raise DomainError("Le statut et la sortie du dispositif sont fixés par une décision d'EPS.", name)
    raise DomainError(f"Champ inconnu pour un enfant : « {name} ».", name)


def _check_dates_after_birth(values: dict[str, Any]) -> None:
    birth = values.get("birth_date")
    for name, label in (("entry_date", "Date d'entrée"), ("last_contact_on", "Dernier contact")):
        day = values.get(name)
        if birth is not None and day is not None and day < birth:
            raise DomainError(f"La date « {label} » ne peut pas précéder la date de naissance.", name)


def find_duplicates(session: Session, last_name: str, first_name: str, birth_date: dt.date,
                    exclude_id: Optional[int] = None) -> list[Child]:
    """Children with the same name (accents, case, spaces, hyphens, apostrophes and order of names
    ignored) and birth date.

    Families spell names with or without accents from one form to the next; a second
    file for the same child splits its history, so the UI asks before creating it.
    """
    keys = _identity_keys(last_name, first_name)
    # Few children share a birth date: compare their names here, with a key that
    # SQL cannot build portably (letters and digits only).
    stmt = select(Child).where(Child.birth_date == birth_date)
    if exclude_id is not None:
        stmt = stmt.where(Child.id != exclude_id)
    return [child for child in session.scalars(stmt.order_by(Child.id))
            if keys & _identity_keys(child.last_name, child.first_name)]


def _letters(text: str) -> str:
    """Folded name without spaces, hyphens or apostrophes: "Jean-Pierre" = "Jean Pierre" = "Jeanpierre"."""
    return "".join(c for c in fold(text) if c.isalnum())


def _identity_keys(last_name: str, first_name: str) -> set[str]:
    """The name read in both orders (last and first names swapped between the fields)."""
    last, first = _letters(last_name), _letters(first_name)
    return {last + first, first + last}


def child_warnings(session: Session, *, last_name: str, first_name: str, birth_date: dt.date,
                   exclude_id: Optional[int] = None) -> list[DomainWarning]:
    """Age outside the PRE's public and likely duplicates: accepted only on confirmation."""
    warnings: list[DomainWarning] = []
    age_min, age_max = public_age_range(session)
    age = age_on(birth_date, today())
    if age < age_min or age > age_max:
        warnings.append(DomainWarning(
            "age_outside_public",
            f"{first_name} a {age} an{'s' if age > 1 else ''} : hors du public habituel du PRE "
            f"({age_min} à {age_max} ans).", "birth_date"))
    hidden = 0
    for dup in find_duplicates(session, last_name, first_name, birth_date, exclude_id):
        if not can_see_child(session, dup):
            hidden += 1
            continue
        warnings.append(DomainWarning(
            "duplicate",
            f"Un dossier existe déjà pour {dup.full_name}, né(e) le {fr_date(dup.birth_date)} "
            f"(dossier n° {dup.id}).", "last_name", dup.id))
    if hidden:
        # Secret partagé: who the child is and who follows them stay out of reach; that a
        # file exists is what avoids a second one.
        warnings.append(DomainWarning(
            "duplicate_elsewhere",
            "Un dossier existe déjà pour un enfant de ce nom né le même jour, dans la file active d'un(e) autre "
            "référent(e) : voyez avec la coordination avant d'en ouvrir un second.", "last_name"))
    return warnings


def clean_child_fields(session: Session, fields: dict[str, Any]) -> dict[str, Any]:
    """Validate child fields without writing (used by create_child and new_referral)."""
    values = {name: _clean_child_field(session, name, value) for name, value in fields.items()}
    _check_dates_after_birth(values)
    return values


def create_child(session: Session, *, family_id: int, last_name: str, first_name: str, birth_date: Any,
                 sex: Any = None, school: Optional[str] = None, school_class: Optional[str] = None,
                 referent_id: Optional[int] = None, entry_date: Any = None, notes: Optional[str] = None,
                 confirm: bool = False) -> Child:
    """Open a file for a child, status "repéré" until an EPS decides.

    A référent opens files in their own caseload (theirs when no référent is given):
    handing a file to a colleague is the coordinator's (transfer, sharing).
    """
    require_family(session, family_id, write=True, field="family_id")
    referent_id = own_caseload(session, referent_id)
    values = clean_child_fields(session, dict(
        family_id=family_id, last_name=last_name, first_name=first_name, birth_date=birth_date, sex=sex,
        school=school, school_class=school_class, referent_id=referent_id, entry_date=entry_date, notes=notes))
    warnings = child_warnings(session, last_name=values["last_name"], first_name=values["first_name"],
                              birth_date=values["birth_date"])
    if warnings and not confirm:
        raise NeedsConfirmation(warnings)
    child = Child(status=ChildStatus.REFERRED, **values)
    session.add(child)
    session.flush()
    return child


def update_child(session: Session, child_id: int, *, expected_version: Optional[int], confirm: bool = False,
                 **fields: Any) -> Child:
    """Change some fields of a child's file. Status and exit belong to EPS decisions."""
    child = require_child(session, child_id, write=True)
    check_version(child, expected_version, "Ce dossier")
    if "referent_id" in fields and fields["referent_id"] != child.referent_id:
        require_coordinator_for_referent(session)
    values = clean_child_fields(session, fields)
    merged = {name: values.get(name, getattr(child, name)) for name in ("last_name", "first_name", "birth_date",
                                                                          "entry_date", "last_contact_on")}
    _check_dates_after_birth(merged)
    if "birth_date" in values and values["birth_date"] != child.birth_date:
        _check_history_after_birth(session, child.id, values["birth_date"])
    identity_changed = any(
        name in values and values[name] != getattr(child, name) for name in ("last_name", "first_name", "birth_date"))
    if identity_changed:
        warnings = child_warnings(session, last_name=merged["last_name"], first_name=merged["first_name"],
                                  birth_date=merged["birth_date"], exclude_id=child.id)
        if "birth_date" not in values or values["birth_date"] == child.birth_date:
            warnings = [w for w in warnings if w.code != "age_outside_public"]
        if warnings and not confirm:
            raise NeedsConfirmation(warnings)
    for key, value in values.items():
        setattr(child, key, value)
    session.flush()
    return child


def _check_history_after_birth(session: Session, child_id: int, birth: dt.date) -> None:
    """A corrected birth date must not come after the file's repérages or pathways
    (each is refused before the birth when recorded)."""
    for model, column, what in ((Referral, Referral.referred_on, "un repérage"),
                                (Pathway, Pathway.start_date, "un parcours commencé")):
        first = session.scalar(select(func.min(column)).where(model.child_id == child_id))
        if first is not None and first < birth:
            raise DomainError(f"Le dossier a {what} le {fr_date(first)} : la date de naissance ne peut pas "
                              "être postérieure.", "birth_date")


def siblings(session: Session, child_id: int) -> list[Child]:
    """The other children of the same family whose file the acting user may read."""
    child = require_child(session, child_id)
    stmt = (select(Child).where(Child.family_id == child.family_id, Child.id != child.id, visible_children(session))
            .order_by(Child.birth_date, Child.id))
    return list(session.scalars(stmt))


def delete_child(session: Session, child_id: int, *, expected_version: Optional[int] = None) -> None:
    """Delete a file opened by mistake (a duplicate, a wrong entry).

    Refused once the child has been oriented to a partner (fiche de liaison) or has
    sessions: partners, invoices and monthly tables refer to them, and the history
    must stay. The EPS agenda and decisions of the child go with the file.
    """
    child = require_child(session, child_id, write=True)
    check_version(child, expected_version, "Ce dossier")
    n_care = session.scalar(select(func.count()).select_from(CareReferral).where(CareReferral.child_id == child.id))
    n_sessions = session.scalar(select(func.count()).select_from(CareSession).join(CareReferral)
                                .where(CareReferral.child_id == child.id))
    if n_care or n_sessions:
        raise DomainError(
            f"Le dossier de {child.full_name} ne peut pas être supprimé : il a {n_care} fiche(s) de liaison "
            f"et {n_sessions} séance(s) enregistrée(s) chez un partenaire. Clôturez le parcours par une "
            "décision d'EPS « Fin de parcours » à la place.", "child_id")
    for decision in session.scalars(select(EpsDecision).where(EpsDecision.child_id == child.id)):
        session.delete(decision)
    for situation in session.scalars(select(EpsSituation).where(EpsSituation.child_id == child.id)):
        session.delete(situation)
    session.flush()
    session.delete(child)
    session.flush()


# ---------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildRow:
    """One line of the children list."""

    id: int
    last_name: str
    first_name: str
    birth_date: dt.date
    age: int
    school: Optional[str]
    school_class: Optional[str]
    referent_name: Optional[str]
    status: ChildStatus
    entry_date: Optional[dt.date]
    family_id: int


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_children(session: Session, text: str = "", *, status: ChildStatus | Collection[ChildStatus] | None = None,
                    referent_id: Optional[int] = None, school: Optional[str] = None, limit: Optional[int] = None,
                    offset: int = 0) -> list[ChildRow]:
    """Search as you type: every word typed must appear in the folded "last first" name.

    Filtering, ordering and paging happen in SQL on ``search_name`` (accent- and
    case-free, indexed), so the list stays instant with tens of thousands of files.
    """
    stmt = (
        select(Child.id, Child.last_name, Child.first_name, Child.birth_date, Child.school, Child.school_class,
               User.first_name, User.last_name, Child.status, Child.entry_date, Child.family_id)
        .outerjoin(User, Child.referent_id == User.id)
        .where(visible_children(session), in_active_base())  # archived: see the Archivage area
    )
    # Hyphens and apostrophes (straight or typographic) separate words: "jean-pierre"
    # finds "Jean Pierre", "N’Diaye" finds "N'Diaye".
    for word in _SEARCH_SEPARATORS.split(fold(text)):
        if not word:
            continue
        stmt = stmt.where(Child.search_name.like(f"%{_like_escape(word)}%", escape="\\"))
    if status is not None:
        statuses = [status] if isinstance(status, ChildStatus) else list(status)
        stmt = stmt.where(Child.status.in_(statuses))
    if referent_id is not None:
        stmt = stmt.where(Child.referent_id == referent_id)
    if school:
        stmt = stmt.where(Child.school == school.strip())
    stmt = stmt.order_by(Child.search_name, Child.id).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    day = today()
    rows = []
    for (cid, last, first, birth, sch, cls, ref_first, ref_last, st, entry, fam) in session.execute(stmt):
        rows.append(ChildRow(
            id=cid, last_name=last, first_name=first, birth_date=birth, age=age_on(birth, day), school=sch,
            school_class=cls, referent_name=f"{ref_first} {ref_last}" if ref_last else None, status=st,
            entry_date=entry, family_id=fam))
    return rows


def schools(session: Session) -> list[str]:
    """Schools already entered, for the filter and the form's completion list."""
    stmt = select(Child.school).where(Child.school.is_not(None)).distinct().order_by(Child.school)
    return [s for s in session.scalars(stmt) if s]


@dataclass(frozen=True)
class FamilyChoice:
    """A family offered when a new child is entered: enough to recognise the household."""

    id: int
    name: str
    town: str
    neighbourhood: str
    languages: str
    interpreter_needed: bool
    children: tuple[str, ...]  # first names of the children who have a file

    @property
    def label(self) -> str:
        place = ", ".join(part for part in (self.neighbourhood, self.town) if part)
        kids = f" — enfants : {', '.join(self.children)}" if self.children else ""
        return f"{self.name.upper()}{f' ({place})' if place else ''}{kids}"


def search_families(session: Session, text: str, limit: int = 30) -> list[FamilyChoice]:
    """Families whose folded name contains every word typed, with their children's first names."""
    stmt = select(Family).where(visible_families(session))
    for word in _SEARCH_SEPARATORS.split(fold(text)):
        if word:
            stmt = stmt.where(Family.search_name.like(f"%{_like_escape(word)}%", escape="\\"))
    families = list(session.scalars(stmt.order_by(Family.search_name, Family.id).limit(limit)))
    kids: dict[int, list[str]] = {}
    if families:
        for family_id, first in session.execute(select(Child.family_id, Child.first_name)
                                                .where(Child.family_id.in_([f.id for f in families]))
                                                .order_by(Child.birth_date)):
            kids.setdefault(family_id, []).append(first)
    return [FamilyChoice(f.id, f.name, f.town or "", f.neighbourhood or "", f.languages or "", f.interpreter_needed,
                         tuple(kids.get(f.id, ()))) for f in families]
