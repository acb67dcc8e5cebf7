"""Partner structures, their contacts, partner types, and where the PRE may orient (rule 6).

The guide's table gives each type of structure a public (ages) and an orientation
mode; CATTP and hôpitaux de jour are reached only through a psychiatrist, so an
orientation there is refused with the guide's explanation, while an orientation
outside the public's ages only warns (the référent may have a good reason).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..formatting import fr_date
from ..models import CareReferral, OrientationMode, Partner, PartnerContact, PartnerType, PathwayAction
from ..textnorm import fold
from .clock import today
from .access import require_coordinator, require_directory
from .common import (
    age_on,
    apply_changes,
    as_bool,
    check_version,
    get_or_fail,
    optional_text,
    reject_unknown,
    required_text,
)
from .errors import DomainError, DomainWarning
from .labels import label as enum_label

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")

PARTNER_FIELDS = frozenset({"name", "type_id", "address", "postal_code", "town", "phone", "email",
                            "sector", "age_min", "age_max", "notes", "active"})
CONTACT_FIELDS = frozenset({"name", "function", "phone", "email"})
TYPE_FIELDS = frozenset({"label", "public_label", "age_min", "age_max", "orientation_label"})

GENERIC_INDIRECT_EXPLANATION = (
    "Le PRE n'a pas la possibilité d'orienter directement vers ce type de structure : "
    "l'orientation passe par un médecin ou une autre structure."
)


# --------------------------------------------------------------------------- validation


def _email(value: Optional[str], field: str = "email") -> Optional[str]:
    """Catch the obvious typos (missing @, spaces) that make a fiche go nowhere."""
    text = optional_text(value, field, "Courriel")
    if text is not None and not _EMAIL.match(text):
        raise DomainError(f"« {text} » n'est pas une adresse de courriel valide (exemple : accueil@cmp.fr).", field)
    return text


def _age(value: Any, field: str, label: str) -> Optional[int]:
    """Ages are optional (many publics are 'tout public') but must be plausible when given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(f"« {value} » n'est pas un âge valide pour « {label} ».", field) from None
    if number < 0 or number > 120:
        raise DomainError(f"« {value} » n'est pas un âge valide pour « {label} ».", field)
    return number


def _age_range(age_min: Optional[int], age_max: Optional[int]) -> None:
    if age_min is not None and age_max is not None and age_min > age_max:
        raise DomainError(f"L'âge minimum ({age_min} ans) ne peut pas dépasser l'âge maximum ({age_max} ans).", "age_min")


def validated_partner(session: Session, values: dict[str, Any], *,
                       defaults_from_type: bool) -> dict[str, Any]:
    """All partner fields checked at once, so that a refusal writes nothing."""
    out: dict[str, Any] = {}
    out["name"] = required_text(values.get("name"), "name", "Nom de la structure")
    ptype = get_or_fail(session, PartnerType, values.get("type_id"), "Type de structure", "type_id")
    out["type_id"] = ptype.id
    out["address"] = optional_text(values.get("address"), "address", "Adresse", 300)
    out["postal_code"] = optional_text(values.get("postal_code"), "postal_code", "Code postal", 10)
    if out["postal_code"] is not None and not re.fullmatch(r"\d{5}", out["postal_code"]):
        raise DomainError(f"« {out['postal_code']} » n'est pas un code postal valide (5 chiffres).", "postal_code")
    out["town"] = optional_text(values.get("town"), "town", "Commune", 120)
    out["phone"] = optional_text(values.get("phone"), "phone", "Téléphone", 40)
    out["email"] = _email(values.get("email"))
    out["sector"] = optional_text(values.get("sector"), "sector", "Secteur", 120)
    age_min = _age(values.get("age_min"), "age_min", "Âge minimum")
    age_max = _age(values.get("age_max"), "age_max", "Âge maximum")
    if defaults_from_type and age_min is None and age_max is None:
        age_min, age_max = ptype.age_min, ptype.age_max
    _age_range(age_min, age_max)
    out["age_min"], out["age_max"] = age_min, age_max
    out["notes"] = optional_text(values.get("notes"), "notes", "Notes", 5000)
    out["active"] = as_bool(values.get("active", True), "active", "Structure active")
    return out


# --------------------------------------------------------------------------- partners


def _with_changes(record: Any, names: frozenset[str], changes: dict[str, Any]) -> dict[str, Any]:
    """The stored values with the changes asked: an edit is checked as a whole, as on creation."""
    return {key: getattr(record, key) for key in names} | changes


def create_partner(session: Session, *, name: str, type_id: int, address: Optional[str] = None,
                   postal_code: Optional[str] = None, town: Optional[str] = None, phone: Optional[str] = None,
                   email: Optional[str] = None, sector: Optional[str] = None, age_min: Optional[int] = None,
                   age_max: Optional[int] = None, notes: Optional[str] = None, active: bool = True) -> Partner:
    """New partner; without ages of its own it takes its type's public from the guide."""
    require_directory(session)
    values = validated_partner(session, dict(name=name, type_id=type_id, address=address, postal_code=postal_code,
                                              town=town, phone=phone, email=email, sector=sector, age_min=age_min,
                                              age_max=age_max, notes=notes, active=active), defaults_from_type=True)
    partner = Partner(**values)
    session.add(partner)
    session.flush()
    return partner


def update_partner(session: Session, partner_id: int, *, expected_version: Optional[int], **fields: Any) -> Partner:
    """Change some fields; the result is checked as a whole, as on creation."""
    require_directory(session)
    reject_unknown(fields, PARTNER_FIELDS, "une structure partenaire")
    partner = get_or_fail(session, Partner, partner_id, "Structure partenaire")
    check_version(partner, expected_version, "Cette structure partenaire")
    apply_changes(partner, validated_partner(session, _with_changes(partner, PARTNER_FIELDS, fields),
                                             defaults_from_type=False))
    session.flush()
    return partner


@dataclass(frozen=True)
class PartnerRow:
    id: int
    name: str
    type_id: int
    type_label: str
    town: Optional[str]
    phone: Optional[str]
    email: Optional[str]
    age_min: Optional[int]
    age_max: Optional[int]
    direct_orientation_allowed: bool
    active: bool
    version: int


def search_partners(session: Session, text: str = "", *, type_id: Optional[int] = None, town: Optional[str] = None,
                    active: Optional[bool] = None) -> list[PartnerRow]:
    """Partners whose name, town or type contains every word typed, accents and case ignored.

    Folding of the town happens in Python: partners number in the hundreds at most,
    and SQL has no portable accent folding.
    """
    stmt = select(Partner).options(selectinload(Partner.type)).order_by(Partner.search_name, Partner.id)
    if type_id is not None:
        stmt = stmt.where(Partner.type_id == type_id)
    if active is not None:
        stmt = stmt.where(Partner.active.is_(active))
    words = fold(text).split()
    wanted_town = fold(town) if town else None
    rows: list[PartnerRow] = []
    for p in session.scalars(stmt):
        haystack = f"{fold(p.name)} {fold(p.town)} {fold(p.type.label)} {fold(p.type.code)}"
        if any(w not in haystack for w in words):
            continue
        if wanted_town is not None and fold(p.town) != wanted_town:
            continue
        rows.append(PartnerRow(p.id, p.name, p.type_id, p.type.label, p.town, p.phone, p.email, p.age_min, p.age_max,
                               p.type.direct_orientation_allowed, p.active, p.version))
    return rows


@dataclass(frozen=True)
class ContactRow:
    """A contact as the form shows it; ``id`` None for one added in the form and not yet saved."""

    id: Optional[int]
    name: str
    function: Optional[str] = None
    phone: Optional[str] = None
    email: Optional[str] = None
    version: Optional[int] = None


@dataclass(frozen=True)
class PartnerDetail:
    """Everything the partner form shows, read in one go (no ORM object outlives the session)."""

    id: int
    name: str
    type_id: int
    type_label: str
    address: Optional[str]
    postal_code: Optional[str]
    town: Optional[str]
    phone: Optional[str]
    email: Optional[str]
    sector: Optional[str]
    age_min: Optional[int]
    age_max: Optional[int]
    notes: Optional[str]
    active: bool
    version: int
    contacts: tuple[ContactRow, ...]
    conventions: int
    care_referrals: int


def _contact_row(contact: PartnerContact) -> ContactRow:
    return ContactRow(contact.id, contact.name, contact.function, contact.phone, contact.email, contact.version)


def partner_detail(session: Session, partner_id: int) -> PartnerDetail:
    p = get_or_fail(session, Partner, partner_id, "Structure partenaire")
    uses = _uses(session, p.id)
    return PartnerDetail(p.id, p.name, p.type_id, p.type.label, p.address, p.postal_code, p.town, p.phone, p.email,
                         p.sector, p.age_min, p.age_max, p.notes, p.active, p.version,
                         tuple(_contact_row(c) for c in p.contacts), len(p.conventions), uses["care_referrals"])


def _uses(session: Session, partner_id: int) -> dict[str, int]:
    """What refers to a partner: a partner with a history is made inactive, never deleted."""
    from ..models import Convention

    def count(model: Any) -> int:
        return session.scalar(select(func.count()).select_from(model).where(model.partner_id == partner_id)) or 0

    return {"conventions": count(Convention), "care_referrals": count(CareReferral), "actions": count(PathwayAction)}


def save_partner(session: Session, partner_id: Optional[int], *, expected_version: Optional[int],
                 values: dict[str, Any], contacts: list[ContactRow]) -> Partner:
    """The form's save: the partner and its contacts as one change.

    Every value (the partner's and each contact's) is checked before anything is
    written; contacts missing from ``contacts`` are removed. A contact's refusal names
    the field ``contacts`` and says which contact it is.
    """
    require_directory(session)
    reject_unknown(values, PARTNER_FIELDS, "une structure partenaire")
    checked: list[tuple[Optional[int], Optional[int], dict[str, Any]]] = []
    for number, contact in enumerate(contacts, start=1):
        try:
            fields = validated_contact(dict(name=contact.name, function=contact.function, phone=contact.phone,
                                             email=contact.email))
        except DomainError as error:
            who = f"« {contact.name.strip()} »" if contact.name and contact.name.strip() else f"n° {number}"
            raise DomainError(f"Contact {who} : {error.message}", "contacts") from None
        checked.append((contact.id, contact.version, fields))
    partner: Optional[Partner] = None
    existing: dict[int, PartnerContact] = {}
    if partner_id is None:
        validated = validated_partner(session, {"active": True} | values, defaults_from_type=True)
    else:
        partner = get_or_fail(session, Partner, partner_id, "Structure partenaire")
        check_version(partner, expected_version, "Cette structure partenaire")
        validated = validated_partner(session, _with_changes(partner, PARTNER_FIELDS, values), defaults_from_type=False)
        existing = {c.id: c for c in partner.contacts}
    for contact_id, version, _ in checked:
        if contact_id is not None:
            if contact_id not in existing:
                raise DomainError(f"Contact introuvable pour cette structure (n° {contact_id}).", "contacts")
            check_version(existing[contact_id], version, "Un contact de cette structure")
    if partner is None:
        partner = Partner(**validated)
        session.add(partner)
    else:
        apply_changes(partner, validated)
    kept = {contact_id for contact_id, _, _ in checked if contact_id is not None}
    for contact in list(partner.contacts):
        if contact.id not in kept:
            partner.contacts.remove(contact)
            session.delete(contact)
    for contact_id, _, fields in checked:
        if contact_id is None:
            partner.contacts.append(PartnerContact(**fields))
        else:
            apply_changes(existing[contact_id], fields)
    session.flush()
    return partner


def delete_partner(session: Session, partner_id: int, *, expected_version: Optional[int] = None) -> None:
    """Delete a partner entered by mistake. One with conventions, fiches de liaison or
    pathway actions keeps its history: it is refused, with the advice to make it inactive."""
    require_directory(session)
    partner = get_or_fail(session, Partner, partner_id, "Structure partenaire")
    check_version(partner, expected_version, "Cette structure partenaire")
    uses = _uses(session, partner.id)
    parts = [f"{n} {word}" for n, word in (
        (uses["conventions"], "convention(s)"), (uses["care_referrals"], "fiche(s) de liaison"),
        (uses["actions"], "action(s) de parcours")) if n]
    if parts:
        raise DomainError(f"La structure « {partner.name} » ne peut pas être supprimée : elle a "
                          f"{', '.join(parts)}. Décochez « Structure active » pour la retirer des listes "
                          "sans perdre son historique.", "active")
    session.delete(partner)
    session.flush()


@dataclass(frozen=True)
class DirectoryEntry:
    """One partner of the directory with its contacts, for the .xlsx export."""

    name: str
    type_label: str
    address: Optional[str]
    postal_code: Optional[str]
    town: Optional[str]
    phone: Optional[str]
    email: Optional[str]
    sector: Optional[str]
    age_min: Optional[int]
    age_max: Optional[int]
    notes: Optional[str]
    active: bool
    contacts: tuple[ContactRow, ...]


def directory(session: Session, *, active: Optional[bool] = None) -> list[DirectoryEntry]:
    stmt = (select(Partner).options(selectinload(Partner.type), selectinload(Partner.contacts))
            .order_by(Partner.search_name, Partner.id))
    if active is not None:
        stmt = stmt.where(Partner.active.is_(active))
    return [DirectoryEntry(p.name, p.type.label, p.address, p.postal_code, p.town, p.phone, p.email, p.sector,
                           p.age_min, p.age_max, p.notes, p.active, tuple(_contact_row(c) for c in p.contacts))
            for p in session.scalars(stmt)]


# --------------------------------------------------------------------------- contacts


def validated_contact(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": required_text(values.get("name"), "name", "Nom du contact"),
        "function": optional_text(values.get("function"), "function", "Fonction"),
        "phone": optional_text(values.get("phone"), "phone", "Téléphone", 40),
        "email": _email(values.get("email")),
    }


def check_contact(values: dict[str, Any]) -> ContactRow:
    """The contact dialog's check before it closes (same rules as on save)."""
    reject_unknown(values, CONTACT_FIELDS | {"id", "version"}, "un contact")
    fields = validated_contact(values)
    return ContactRow(values.get("id"), fields["name"], fields["function"], fields["phone"], fields["email"],
                      values.get("version"))


def add_contact(session: Session, partner_id: int, *, name: str, function: Optional[str] = None,
                phone: Optional[str] = None, email: Optional[str] = None) -> PartnerContact:
    require_directory(session)
    partner = get_or_fail(session, Partner, partner_id, "Structure partenaire")
    values = validated_contact(dict(name=name, function=function, phone=phone, email=email))
    contact = PartnerContact(partner=partner, **values)
    session.add(contact)
    session.flush()
    return contact


def update_contact(session: Session, contact_id: int, *, expected_version: Optional[int], **fields: Any) -> PartnerContact:
    require_directory(session)
    reject_unknown(fields, CONTACT_FIELDS, "un contact")
    contact = get_or_fail(session, PartnerContact, contact_id, "Contact")
    check_version(contact, expected_version, "Ce contact")
    apply_changes(contact, validated_contact(_with_changes(contact, CONTACT_FIELDS, fields)))
    session.flush()
    return contact


def remove_contact(session: Session, contact_id: int, *, expected_version: Optional[int] = None) -> None:
    require_directory(session)
    contact = get_or_fail(session, PartnerContact, contact_id, "Contact")
    check_version(contact, expected_version, "Ce contact")
    session.delete(contact)
    session.flush()


# --------------------------------------------------------------------------- partner types


def _unique_label(session: Session, label_text: str, own_id: Optional[int] = None) -> None:
    """Two types with the same name would be indistinguishable in every list (accents and case ignored)."""
    wanted = fold(label_text)
    for type_id, existing in session.execute(select(PartnerType.id, PartnerType.label)):
        if type_id != own_id and fold(existing) == wanted:
            raise DomainError(f"Un type de structure nommé « {existing} » existe déjà.", "label")


def _code_from_label(session: Session, label_text: str) -> str:
    """A stable code for a type the coordinator adds by name (codes are what imports and scripts use)."""
    base = re.sub(r"[^A-Z0-9]+", "_", fold(label_text).upper()).strip("_")[:34] or "TYPE"
    taken = set(session.scalars(select(PartnerType.code)))
    code, number = base, 2
    while code in taken:
        code, number = f"{base}_{number}", number + 1
    return code


def create_partner_type(session: Session, *, code: Optional[str] = None, label: str,
                        orientation_mode: OrientationMode | str,
                        public_label: Optional[str] = None, age_min: Optional[int] = None,
                        age_max: Optional[int] = None, orientation_label: Optional[str] = None,
                        direct_orientation_allowed: bool = True,
                        refusal_explanation: Optional[str] = None) -> PartnerType:
    """A local kind of structure the guide's table does not list (code derived from the label if not given)."""
    require_coordinator(session, "modifier les types de structures (règles d'orientation)")
    label_text = required_text(label, "label", "Libellé")
    _unique_label(session, label_text)
    if code is None or not str(code).strip():
        code_text = _code_from_label(session, label_text)
    else:
        code_text = required_text(code, "code", "Code", 40).upper()
        if not re.fullmatch(r"[A-Z0-9_]+", code_text):
            raise DomainError("Le code ne peut contenir que des lettres sans accent, des chiffres et « _ ».", "code")
        if session.scalar(select(PartnerType.id).where(PartnerType.code == code_text)) is not None:
            raise DomainError(f"Le code « {code_text} » est déjà utilisé par un autre type de structure.", "code")
    try:
        mode = OrientationMode(orientation_mode)
    except ValueError:
        raise DomainError(f"« {orientation_mode} » n'est pas un mode d'orientation connu.", "orientation_mode") from None
    amin = _age(age_min, "age_min", "Âge minimum")
    amax = _age(age_max, "age_max", "Âge maximum")
    _age_range(amin, amax)
    explanation = optional_text(refusal_explanation, "refusal_explanation", "Explication du refus", 2000)
    if not direct_orientation_allowed and explanation is None:
        explanation = GENERIC_INDIRECT_EXPLANATION
    ptype = PartnerType(code=code_text, label=label_text,
                        public_label=optional_text(public_label, "public_label", "Public"),
                        age_min=amin, age_max=amax, orientation_mode=mode,
                        orientation_label=optional_text(orientation_label, "orientation_label", "Mode d'orientation"),
                        direct_orientation_allowed=bool(direct_orientation_allowed),
                        refusal_explanation=explanation, builtin=False)
    session.add(ptype)
    session.flush()
    return ptype


def update_partner_type(session: Session, type_id: int, *, expected_version: Optional[int] = None,
                        **fields: Any) -> PartnerType:
    """Adjust a type's public (ages, labels). The orientation mode of the guide's types is not editable:
    it carries rule 6."""
    require_coordinator(session, "modifier les types de structures (règles d'orientation)")
    reject_unknown(fields, TYPE_FIELDS, "un type de structure")
    ptype = get_or_fail(session, PartnerType, type_id, "Type de structure")
    check_version(ptype, expected_version, "Ce type de structure")
    label_text = required_text(fields.get("label", ptype.label), "label", "Libellé")
    _unique_label(session, label_text, ptype.id)
    amin = _age(fields.get("age_min", ptype.age_min), "age_min", "Âge minimum")
    amax = _age(fields.get("age_max", ptype.age_max), "age_max", "Âge maximum")
    _age_range(amin, amax)
    public = optional_text(fields.get("public_label", ptype.public_label), "public_label", "Public")
    orientation = optional_text(fields.get("orientation_label", ptype.orientation_label), "orientation_label",
                                "Mode d'orientation")
    for key, value in (("label", label_text), ("age_min", amin), ("age_max", amax), ("public_label", public),
                       ("orientation_label", orientation)):
        if getattr(ptype, key) != value:
            setattr(ptype, key, value)
    session.flush()
    return ptype


def list_partner_types(session: Session) -> list[PartnerType]:
    return list(session.scalars(select(PartnerType).order_by(PartnerType.label)))


@dataclass(frozen=True)
class PartnerTypeRow:
    """A type of structure as the types screen and the partner form show it."""

    id: int
    code: str
    label: str
    public_label: Optional[str]
    age_min: Optional[int]
    age_max: Optional[int]
    orientation_mode: OrientationMode
    orientation_mode_label: str
    orientation_label: Optional[str]
    direct_orientation_allowed: bool
    refusal_explanation: Optional[str]
    builtin: bool
    partners: int
    version: int

    @property
    def ages_text(self) -> str:
        if self.age_min is None and self.age_max is None:
            return "Tous âges"
        return _public_text(self.age_min, self.age_max)


def partner_type_rows(session: Session) -> list[PartnerTypeRow]:
    counts = dict(session.execute(select(Partner.type_id, func.count()).group_by(Partner.type_id)).all())
    return [PartnerTypeRow(t.id, t.code, t.label, t.public_label, t.age_min, t.age_max, t.orientation_mode,
                           enum_label(t.orientation_mode), t.orientation_label, t.direct_orientation_allowed,
                           t.refusal_explanation, t.builtin, counts.get(t.id, 0), t.version)
            for t in sorted(list_partner_types(session), key=lambda t: fold(t.label))]


# --------------------------------------------------------------------------- rule 6


def public_ages(partner: Partner) -> tuple[Optional[int], Optional[int]]:
    """The partner's own ages, each bound falling back on its type's."""
    amin = partner.age_min if partner.age_min is not None else partner.type.age_min
    amax = partner.age_max if partner.age_max is not None else partner.type.age_max
    return amin, amax


def _public_text(amin: Optional[int], amax: Optional[int]) -> str:
    if amin is not None and amax is not None:
        return f"{amin} à {amax} ans"
    if amin is not None:
        return f"à partir de {amin} ans"
    return f"jusqu'à {amax} ans"


def orientation_check(session: Session, partner_id: int, child_birth_date: Optional[dt.date],
                      on: Optional[dt.date] = None) -> tuple[Optional[DomainError], list[DomainWarning]]:
    """Rule 6: may the PRE orient this person to this partner on that day?

    Returns the refusal (not raised, so callers can gather all problems first) and the
    warnings. No birth date (a parent whose date is unknown) means no age check.
    """
    partner = get_or_fail(session, Partner, partner_id, "Structure partenaire")
    day = on or today()
    ptype = partner.type
    if not ptype.direct_orientation_allowed:
        explanation = ptype.refusal_explanation or GENERIC_INDIRECT_EXPLANATION
        return DomainError(f"Orientation impossible vers « {partner.name} » ({ptype.label}). {explanation}",
                           "partner_id"), []
    if not partner.active:
        return DomainError(f"La structure « {partner.name} » est archivée : réactivez-la avant d'y orienter.",
                           "partner_id"), []
    warnings: list[DomainWarning] = []
    amin, amax = public_ages(partner)
    if child_birth_date is not None and (amin is not None or amax is not None):
        age = age_on(child_birth_date, day)
        if (amin is not None and age < amin) or (amax is not None and age > amax):
            warnings.append(DomainWarning(
                "age_outside_public",
                f"La personne orientée aura {age} ans le {fr_date(day)} : « {partner.name} » accueille un public "
                f"de {_public_text(amin, amax)}. Indiquez pourquoi cette orientation est tout de même proposée.",
                "partner_id", partner.id))
    return None, warnings
