"""Users, families, guardians, children, consent and referrals (repérage)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Optional

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Versioned, enum_column, utcnow
from .enums import ChildStatus, Role, Sex

if TYPE_CHECKING:  # pragma: no cover
    from .care import CareReferral
    from .eps import EpsDecision, Pathway


class User(Versioned, Base):
    """A person working with the app: référent, coordinator or secretariat."""

    __tablename__ = "users"
    # Accounts are traced (role, activation, name…), but never the password hash nor the
    # login counters, which change at every login and say nothing to a reader.
    __audited__ = True
    __audit_ignore__ = ("password_hash", "failed_logins", "last_failed_at", "last_login_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(80), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    phone: Mapped[Optional[str]] = mapped_column(String(40))
    email: Mapped[Optional[str]] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Argon2id hash (argon2-cffi); None = no password set yet, the account cannot log in.
    password_hash: Mapped[Optional[str]] = mapped_column(String(200))
    # Failed logins since the last success: the delay before the next try grows after 5.
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    last_failed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    last_login_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Family(Versioned, Base):
    """A household; several children of one family can be followed."""

    __tablename__ = "families"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150))
    search_name: Mapped[str] = mapped_column(String(150), index=True, default="")
    address: Mapped[Optional[str]] = mapped_column(String(300))
    postal_code: Mapped[Optional[str]] = mapped_column(String(10))
    town: Mapped[Optional[str]] = mapped_column(String(120))
    neighbourhood: Mapped[Optional[str]] = mapped_column(String(120))
    phone: Mapped[Optional[str]] = mapped_column(String(40))
    languages: Mapped[Optional[str]] = mapped_column(String(200))
    interpreter_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[Optional[str]] = mapped_column(Text)

    guardians: Mapped[list["Guardian"]] = relationship(back_populates="family", cascade="all, delete-orphan", order_by="Guardian.id")
    children: Mapped[list["Child"]] = relationship(back_populates="family", order_by="Child.id")
    consents: Mapped[list["Consent"]] = relationship(back_populates="family", cascade="all, delete-orphan", order_by="Consent.given_on")


class Guardian(Versioned, Base):
    """A legal guardian (responsable légal) or another adult of the household."""

    __tablename__ = "guardians"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"), index=True)
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    relationship_label: Mapped[Optional[str]] = mapped_column(String(60))
    birth_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    phone: Mapped[Optional[str]] = mapped_column(String(40))
    email: Mapped[Optional[str]] = mapped_column(String(200))
    is_legal_guardian: Mapped[bool] = mapped_column(Boolean, default=True)

    family: Mapped[Family] = relationship(back_populates="guardians")


class Consent(Versioned, Base):
    """The family's written agreement (accord de la famille), required by rule 7."""

    __tablename__ = "consents"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"), index=True)
    given_on: Mapped[dt.date] = mapped_column(Date)
    given_by: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(300), default="")
    document_path: Mapped[Optional[str]] = mapped_column(String(500))
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    withdrawn_on: Mapped[Optional[dt.date]] = mapped_column(Date)

    family: Mapped[Family] = relationship(back_populates="consents")


class Child(Versioned, Base):
    """The child or young person followed (enfant / jeune)."""

    __tablename__ = "children"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    # Accent- and case-free "last first" for search as you type (kept by services).
    search_name: Mapped[str] = mapped_column(String(210), index=True, default="")
    sex: Mapped[Optional[Sex]] = mapped_column(enum_column(Sex))
    birth_date: Mapped[dt.date] = mapped_column(Date, index=True)
    school: Mapped[Optional[str]] = mapped_column(String(200), index=True)
    school_class: Mapped[Optional[str]] = mapped_column(String(40))
    referent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[ChildStatus] = mapped_column(enum_column(ChildStatus), default=ChildStatus.REFERRED, index=True)
    entry_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    exit_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    exit_reason: Mapped[Optional[str]] = mapped_column(String(200))
    last_contact_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    notes: Mapped[Optional[str]] = mapped_column(Text)
    # GDPR life cycle: active → archived (read-only, opened by a coordinator with a reason)
    # → anonymised at the end of the archive period.
    archived_on: Mapped[Optional[dt.date]] = mapped_column(Date, index=True)
    archived_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    anonymised_on: Mapped[Optional[dt.date]] = mapped_column(Date)

    family: Mapped[Family] = relationship(back_populates="children")
    referent: Mapped[Optional[User]] = relationship(foreign_keys=[referent_id])
    referrals: Mapped[list["Referral"]] = relationship(back_populates="child", cascade="all, delete-orphan", order_by="Referral.referred_on")
    pathways: Mapped[list["Pathway"]] = relationship(back_populates="child", cascade="all, delete-orphan", order_by="Pathway.start_date")
    care_referrals: Mapped[list["CareReferral"]] = relationship(back_populates="child", order_by="CareReferral.requested_on")

    @property
    def full_name(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}"

    @property
    def audit_child_id(self) -> Optional[int]:
        return self.id


class Referral(Versioned, Base):
    """Repérage: who signalled the child, when and why."""

    __tablename__ = "referrals"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    referred_on: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(80))  # école, service social, PMI, famille…
    referrer_name: Mapped[Optional[str]] = mapped_column(String(200))
    referrer_function: Mapped[Optional[str]] = mapped_column(String(200))
    reasons: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[Optional[str]] = mapped_column(Text)

    child: Mapped[Child] = relationship(back_populates="referrals")

    @property
    def audit_child_id(self) -> Optional[int]:
        return self.child_id


class ChildShare(Versioned, Base):
    """A file a coordinator shared with a référent outside their caseload (secret partagé)."""

    __tablename__ = "child_shares"
    __audited__ = True
    __table_args__ = (UniqueConstraint("child_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    shared_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    shared_on: Mapped[dt.date] = mapped_column(Date)

    @property
    def audit_child_id(self) -> Optional[int]:
        return self.child_id


class PrivateNote(Versioned, Base):
    """A note readable by its author only.

    Deliberately not ``__audited__``: the field-level trail would copy the text where
    the coordinator can read it. The service traces that a note was written, not what.
    """

    __tablename__ = "private_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    written_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    text: Mapped[str] = mapped_column(Text, default="")
