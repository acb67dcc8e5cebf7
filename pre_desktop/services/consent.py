"""The family's agreement (rule 7): nothing goes to a partner without it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Consent, User
from .access import require_family
from .clock import today
from .common import get_or_fail, optional_text, past_date, required_text
from .errors import DomainError
from .stored_files import store_beside

NO_CONSENT_MESSAGE = (
    "Aucun accord de la famille n'est enregistré : rien ne peut être transmis à un partenaire "
    "sans cet accord écrit. Enregistrez-le dans le dossier (onglet « Identité et famille », "
    "« Accord de la famille ») puis recommencez."
)


def active_consent(session: Session, family_id: int, on: Optional[dt.date] = None) -> Optional[Consent]:
    """The agreement in force on a day (given on or before it, not withdrawn by then)."""
    day = on or today()
    stmt = (
        select(Consent)
        .where(Consent.family_id == family_id, Consent.given_on <= day)
        .where((Consent.withdrawn_on.is_(None)) | (Consent.withdrawn_on > day))
        .order_by(Consent.given_on.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def has_active_consent(session: Session, family_id: int, on: Optional[dt.date] = None) -> bool:
    return active_consent(session, family_id, on) is not None


def require_consent(session: Session, family_id: int, on: Optional[dt.date] = None) -> Consent:
    """Refuse with the way to record the agreement when there is none."""
    consent = active_consent(session, family_id, on)
    if consent is None:
        raise DomainError(NO_CONSENT_MESSAGE, "consent")
    return consent


DOCUMENT_FOLDER = "accords"
DOCUMENT_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff")
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


def store_consent_document(source: Path | str, database_path: Path | str) -> Path:
    """Check the scanned agreement and copy it into ``accords/`` beside the database
    (see services.stored_files: the scan's original often disappears)."""
    source = Path(source)
    if not source.is_file():
        raise DomainError(f"Le document est introuvable : {source}", "document_path")
    suffix = source.suffix.lower()
    if suffix not in DOCUMENT_SUFFIXES:
        raise DomainError("Le document de l'accord doit être un PDF ou une image (JPEG, PNG, TIFF) ; "
                          f"fichier choisi : {source.name}.", "document_path")
    if source.stat().st_size > MAX_DOCUMENT_BYTES:
        raise DomainError(f"Le document dépasse {MAX_DOCUMENT_BYTES // (1024 * 1024)} Mo : numérisez-le en "
                          "résolution plus basse.", "document_path")
    return store_beside(source, database_path, DOCUMENT_FOLDER, "accord", field="document_path", what="Le document")


def document_file(stored: Optional[str], database_path: Path | str) -> Optional[Path]:
    """The scanned agreement on disk: where it was stored, else under the same name in the
    folder beside the database (the base and its folder were moved together)."""
    if not stored:
        return None
    path = Path(stored)
    if path.is_file():
        return path
    moved = Path(database_path).resolve().parent / DOCUMENT_FOLDER / path.name
    return moved if moved.is_file() else None


@dataclass(frozen=True)
class ConsentRow:
    """One agreement of the family's history (the identity tab lists them all)."""

    id: int
    given_on: dt.date
    given_by: str
    scope: str
    withdrawn_on: Optional[dt.date]
    document_path: Optional[str]
    recorded_by: str
    in_force: bool


def consent_history(session: Session, family_id: int) -> list[ConsentRow]:
    """Every agreement of the family, the latest first, with the one in force marked."""
    current = active_consent(session, family_id)
    rows = session.execute(
        select(Consent, User.first_name, User.last_name).outerjoin(User, User.id == Consent.recorded_by_id)
        .where(Consent.family_id == family_id).order_by(Consent.given_on.desc(), Consent.id.desc())).all()
    return [ConsentRow(c.id, c.given_on, c.given_by, c.scope or "", c.withdrawn_on, c.document_path,
                       f"{first} {last}" if last else "", current is not None and c.id == current.id)
            for c, first, last in rows]


def record_consent(session: Session, family_id: int, *, given_on, given_by: str, scope: str = "",
                   document_path: Optional[str] = None) -> Consent:
    family = require_family(session, family_id, write=True)
    day = past_date(given_on, "given_on", "Date de l'accord")
    by = required_text(given_by, "given_by", "Accord donné par")
    consent = Consent(family=family, given_on=day, given_by=by,
                      scope=optional_text(scope, "scope", "Portée de l'accord", 300) or "",
                      document_path=_document(document_path),
                      recorded_by_id=session.info.get("user_id"))
    session.add(consent)
    session.flush()
    return consent


def _document(path: Optional[str]) -> Optional[str]:
    stored = optional_text(path, "document_path", "Document", 500)
    if stored is not None and not Path(stored).is_file():
        raise DomainError(f"Le document est introuvable : {stored}", "document_path")
    return stored


def withdraw_consent(session: Session, consent_id: int, *, withdrawn_on) -> Consent:
    consent = get_or_fail(session, Consent, consent_id, "Accord de la famille")
    require_family(session, consent.family_id, write=True)
    day = past_date(withdrawn_on, "withdrawn_on", "Date du retrait")
    if day < consent.given_on:
        raise DomainError("Le retrait ne peut pas précéder la date de l'accord.", "withdrawn_on")
    if consent.withdrawn_on is not None:
        raise DomainError("Cet accord a déjà été retiré.", "withdrawn_on")
    consent.withdrawn_on = day
    session.flush()
    return consent
