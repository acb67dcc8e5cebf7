"""The structure's own settings (one row): the identity every document carries."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Role, StructureSettings
from .access import require_role
from .common import check_version, optional_text, required_text
from .errors import DomainError
from .stored_files import store_beside

DEFAULT_PRE_NAME = "Programme de réussite éducative"
LEGAL_CARRIER_KINDS = ("Caisse des écoles", "CCAS", "GIP", "Commune", "Autre")
DEFAULT_PUBLIC_AGES = (2, 16)
DEFAULT_LOCK_MINUTES = 10
LOCK_MINUTES_RANGE = (1, 120)
LOGO_SUFFIXES = (".png", ".jpg", ".jpeg")  # what both the PDF and the Word renderers embed
LOGO_FOLDER = "logos"

_TEXT_FIELDS: dict[str, tuple[str, int]] = {
    "legal_carrier_kind": ("Porteur juridique", 80),
    "legal_carrier_name": ("Nom du porteur juridique", 200),
    "address": ("Adresse", 300),
    "postal_code": ("Code postal", 10),
    "town": ("Commune", 120),
    "legal_representative": ("Représentant légal", 200),
    "legal_representative_title": ("Qualité du représentant légal", 200),
    "coordinator_name": ("Coordonnateur(trice)", 200),
    "phone": ("Téléphone", 40),
    "email": ("Courriel", 200),
    "administrative_court": ("Tribunal administratif", 200),
}

# GDPR life cycle (services.retention): years after the last contact before a file is listed
# for archiving (the CNIL frameworks say at most 2), then years in the archive before anonymisation.
RETENTION_FIELDS: dict[str, tuple[str, int, int]] = {
    "retention_years": ("Durée en base active après le dernier contact", 1, 10),
    "archive_years": ("Durée d'archivage avant anonymisation", 1, 20),
}


def get_settings(session: Session) -> Optional[StructureSettings]:
    """The settings row, or None for a database created before they were entered."""
    return session.scalars(select(StructureSettings).order_by(StructureSettings.id).limit(1)).first()


def structure_name(session: Session) -> str:
    """Name printed on documents; a neutral default until the coordinator sets it."""
    settings = get_settings(session)
    return settings.pre_name if settings is not None and settings.pre_name else DEFAULT_PRE_NAME


def public_age_range(session: Session) -> tuple[int, int]:
    """The PRE's usual public (2–16 by default); outside it the services warn."""
    settings = get_settings(session)
    if settings is None:
        return DEFAULT_PUBLIC_AGES
    return settings.public_age_min, settings.public_age_max


def lock_minutes(session: Session) -> int:
    """Minutes without input before the window locks (issue 9; 10 by default)."""
    settings = get_settings(session)
    return settings.lock_minutes if settings is not None and settings.lock_minutes else DEFAULT_LOCK_MINUTES


def _clean(name: str, value: Any) -> Any:
    if name == "pre_name":
        return required_text(value, "pre_name", "Nom du PRE", 200)
    if name in _TEXT_FIELDS:
        label, size = _TEXT_FIELDS[name]
        return optional_text(value, name, label, size)
    if name == "logo_path":
        path = optional_text(value, "logo_path", "Logo", 500)
        if path is not None and not Path(path).is_file():
            raise DomainError(f"Le fichier du logo est introuvable : {path}", "logo_path")
        if path is not None and Path(path).suffix.lower() not in LOGO_SUFFIXES:
            raise DomainError(f"Le logo doit être une image PNG ou JPEG (fichier choisi : {Path(path).name}).",
                              "logo_path")
        return path
    if name in RETENTION_FIELDS:
        label, low, high = RETENTION_FIELDS[name]
        try:
            years = int(str(value).strip())
        except (TypeError, ValueError):
            raise DomainError(f"« {value} » n'est pas un nombre d'années valide pour « {label} ».", name) from None
        if not low <= years <= high:
            raise DomainError(f"« {label} » doit être compris entre {low} et {high} ans.", name)
        return years
    if name in ("public_age_min", "public_age_max"):
        label = "Âge minimum du public" if name == "public_age_min" else "Âge maximum du public"
        try:
            age = int(value)
        except (TypeError, ValueError):
            raise DomainError(f"« {value} » n'est pas un âge valide pour « {label} ».", name) from None
        if not 0 <= age <= 30:
            raise DomainError(f"« {label} » doit être compris entre 0 et 30 ans.", name)
        return age
    if name == "lock_minutes":
        low, high = LOCK_MINUTES_RANGE
        try:
            minutes = int(str(value).strip())
        except (TypeError, ValueError):
            raise DomainError(f"« {value} » n'est pas un nombre de minutes.", name) from None
        if not low <= minutes <= high:
            raise DomainError(f"Le verrouillage doit intervenir entre {low} et {high} minutes sans activité "
                              "(les données des enfants ne doivent pas rester affichées sur un poste quitté).", name)
        return minutes
    raise DomainError(f"Champ inconnu pour les paramètres de la structure : « {name} ».", name)


def update_settings(session: Session, *, expected_version: Optional[int] = None, **fields: Any) -> StructureSettings:
    """Create or change the settings (the coordinator's); every field checked before anything is written."""
    require_role(session, Role.COORDINATOR, what="modifier les paramètres de la structure")
    cleaned = {name: _clean(name, value) for name, value in fields.items()}
    settings = get_settings(session)
    if settings is not None:
        check_version(settings, expected_version, "Les paramètres de la structure")
    low = cleaned.get("public_age_min", settings.public_age_min if settings else DEFAULT_PUBLIC_AGES[0])
    high = cleaned.get("public_age_max", settings.public_age_max if settings else DEFAULT_PUBLIC_AGES[1])
    if low > high:
        raise DomainError("L'âge minimum du public ne peut pas dépasser l'âge maximum.", "public_age_min")
    if settings is None:
        if "pre_name" not in cleaned:
            raise DomainError("Le champ « Nom du PRE » est obligatoire.", "pre_name")
        settings = StructureSettings(public_age_min=DEFAULT_PUBLIC_AGES[0], public_age_max=DEFAULT_PUBLIC_AGES[1])
        session.add(settings)
    for name, value in cleaned.items():
        setattr(settings, name, value)
    session.flush()
    return settings


def store_logo(source: Path | str, database_path: Path | str) -> Path:
    """Copy the chosen logo into a ``logos`` folder beside the database and return the copy.

    The original often sits in a downloads folder or on a USB key and disappears; the
    copy stays with the database it belongs to. Named after its content, so choosing
    the same image twice does not copy it twice and two bases in one folder never
    overwrite each other's logo.
    """
    source = Path(source)
    if not source.is_file():
        raise DomainError(f"Le fichier du logo est introuvable : {source}", "logo_path")
    suffix = source.suffix.lower()
    if suffix not in LOGO_SUFFIXES:
        raise DomainError(f"Le logo doit être une image PNG ou JPEG (fichier choisi : {source.name}).", "logo_path")
    return store_beside(source, database_path, LOGO_FOLDER, "logo", field="logo_path", what="Le logo")
