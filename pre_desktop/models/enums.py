"""Closed lists of the domain. Values are English codes stored in the database;
French labels live in :mod:`pre_desktop.services.labels`."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    COORDINATOR = "coordinator"
    REFERENT = "referent"
    SECRETARIAT = "secretariat"


class Sex(enum.StrEnum):
    FEMALE = "F"
    MALE = "M"


class ChildStatus(enum.StrEnum):
    REFERRED = "referred"  # repéré, attend l'EPS
    ACTIVE = "active"  # parcours en cours
    REORIENTED = "reoriented"  # refus ou réorientation par l'EPS
    ENDED = "ended"  # sorti du dispositif


class EpsDecisionKind(enum.StrEnum):
    ACCEPT = "accept"
    POSTPONE = "postpone"
    REFUSE = "refuse"
    REORIENT = "reorient"
    END = "end"


class AgendaReason(enum.StrEnum):
    NEW_REFERRAL = "new_referral"
    REVIEW = "review"
    HORS_EPS = "hors_eps"
    OTHER = "other"


class OrientationMode(enum.StrEnum):
    FREE_ACCESS = "free_access"  # accès libre
    PARTNERS = "partners"  # orientation par les partenaires
    MEDICAL = "medical"  # prescription / orientation médicale


class ConventionStatus(enum.StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    TERMINATED = "terminated"
    EXPIRED = "expired"


class BillingPeriod(enum.StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


class BeneficiaryKind(enum.StrEnum):
    CHILD = "child"
    PARENT = "parent"
    FAMILY = "family"


class CareReferralState(enum.StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ANSWERED = "answered"
    IN_PROGRESS = "in_progress"
    ENDED = "ended"


class SessionKind(enum.StrEnum):
    INDIVIDUAL = "individual"
    PARENTS = "parents"
    FAMILY = "family"


class SessionStatus(enum.StrEnum):
    PRESENT = "present"
    EXCUSED = "excused"  # absent excusé
    UNEXCUSED = "unexcused"  # absent non excusé
    CANCELLED = "cancelled"  # annulé par le partenaire


class AuditAction(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    VIEW = "view"
    EXPORT = "export"
    LOGIN = "login"  # a login, a failed one, an unlock (issue 9)
