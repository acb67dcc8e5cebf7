"""The family's agreement (rule 7): nothing goes to a partner without it."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Consent
from .access import require_family
from .clock import today
from .common import get_or_fail, optional_text, past_date, required_text
from .errors import DomainError

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


def record_consent(session: Session, family_id: int, *, given_on, given_by: str, scope: str = "",
                   document_path: Optional[str] = None) -> Consent:
    family = require_family(session, family_id, write=True)
    day = past_date(given_on, "given_on", "Date de l'accord")
    by = required_text(given_by, "given_by", "Accord donné par")
    consent = Consent(family=family, given_on=day, given_by=by,
                      scope=optional_text(scope, "scope", "Portée de l'accord", 300) or "",
                      document_path=optional_text(document_path, "document_path", "Document", 500),
                      recorded_by_id=session.info.get("user_id"))
    session.add(consent)
    session.flush()
    return consent


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
