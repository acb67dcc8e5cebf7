"""SQLAlchemy ORM classes: one module per area, all re-exported here."""

from .admin import AuditEvent, GeneratedDocument, StructureSettings
from .base import Base
from .care import CareReferral, CareReferralSending, CareSession, MonthlyAnswer
from .enums import (
    AgendaReason,
    AuditAction,
    BeneficiaryKind,
    BillingPeriod,
    CareReferralState,
    ChildStatus,
    ConventionStatus,
    EpsDecisionKind,
    OrientationMode,
    Role,
    SessionKind,
    SessionStatus,
    Sex,
)
from .eps import EpsDecision, EpsMeeting, EpsMember, EpsSituation, Pathway, PathwayAction
from .partners import Convention, Partner, PartnerContact, PartnerType
from .people import Child, ChildShare, Consent, Family, Guardian, PrivateNote, Referral, User
from .templates import DocumentTemplate
from . import search as _search  # noqa: F401  (registers the search_name upkeep)

__all__ = [name for name in dir() if not name.startswith("_") and name != "search"]
