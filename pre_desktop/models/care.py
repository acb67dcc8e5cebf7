"""Fiches de liaison (CareReferral), their sendings, sessions and monthly answers."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Optional

from sqlalchemy import Boolean, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Versioned, enum_column
from .enums import BeneficiaryKind, CareReferralState, SessionKind, SessionStatus

if TYPE_CHECKING:  # pragma: no cover
    from .partners import Convention, Partner
    from .people import Child, Guardian, User


class CareReferral(Versioned, Base):
    """The orientation of one beneficiary to one partner, under one convention."""

    __tablename__ = "care_referrals"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    beneficiary_kind: Mapped[BeneficiaryKind] = mapped_column(enum_column(BeneficiaryKind), default=BeneficiaryKind.CHILD)
    guardian_id: Mapped[Optional[int]] = mapped_column(ForeignKey("guardians.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    convention_id: Mapped[Optional[int]] = mapped_column(ForeignKey("conventions.id"), index=True)
    referent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    eps_decision_id: Mapped[Optional[int]] = mapped_column(ForeignKey("eps_decisions.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    requested_on: Mapped[dt.date] = mapped_column(Date, index=True)
    state: Mapped[CareReferralState] = mapped_column(enum_column(CareReferralState), default=CareReferralState.DRAFT, index=True)
    sent_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    sent_how: Mapped[Optional[str]] = mapped_column(String(80))
    answered_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    first_appointment_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    psychologist_name: Mapped[Optional[str]] = mapped_column(String(200))
    ended_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    end_reason: Mapped[Optional[str]] = mapped_column(String(200))
    age_warning_reason: Mapped[Optional[str]] = mapped_column(Text)
    relay_funding_note: Mapped[Optional[str]] = mapped_column(Text)

    child: Mapped["Child"] = relationship(back_populates="care_referrals")
    guardian: Mapped[Optional["Guardian"]] = relationship()
    partner: Mapped["Partner"] = relationship()
    convention: Mapped[Optional["Convention"]] = relationship()
    referent: Mapped[Optional["User"]] = relationship()
    sendings: Mapped[list["CareReferralSending"]] = relationship(back_populates="care_referral", cascade="all, delete-orphan", order_by="CareReferralSending.sent_on")
    sessions: Mapped[list["CareSession"]] = relationship(back_populates="care_referral", cascade="all, delete-orphan", order_by="CareSession.session_date")

    @property
    def hors_eps(self) -> bool:
        """An orientation not decided by an EPS (rule 8)."""
        return self.eps_decision_id is None

    @property
    def audit_child_id(self) -> Optional[int]:
        return self.child_id


class CareReferralSending(Versioned, Base):
    """Each time a fiche was sent: sending twice keeps both dates."""

    __tablename__ = "care_referral_sendings"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    care_referral_id: Mapped[int] = mapped_column(ForeignKey("care_referrals.id", ondelete="CASCADE"), index=True)
    sent_on: Mapped[dt.date] = mapped_column(Date)
    how: Mapped[Optional[str]] = mapped_column(String(80))

    care_referral: Mapped[CareReferral] = relationship(back_populates="sendings")

    @property
    def audit_child_id(self) -> Optional[int]:
        return self.care_referral.child_id if self.care_referral is not None else None


class CareSession(Versioned, Base):
    """Une séance / un entretien at the partner (named CareSession: "Session" is SQLAlchemy's)."""

    __tablename__ = "care_sessions"
    __table_args__ = (UniqueConstraint("care_referral_id", "session_date", "kind"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    care_referral_id: Mapped[int] = mapped_column(ForeignKey("care_referrals.id", ondelete="CASCADE"), index=True)
    session_date: Mapped[dt.date] = mapped_column(Date, index=True)
    kind: Mapped[SessionKind] = mapped_column(enum_column(SessionKind), default=SessionKind.INDIVIDUAL)
    status: Mapped[SessionStatus] = mapped_column(enum_column(SessionStatus), default=SessionStatus.PRESENT)
    hors_quota: Mapped[bool] = mapped_column(Boolean, default=False)
    relay_funding_note: Mapped[Optional[str]] = mapped_column(Text)
    note: Mapped[Optional[str]] = mapped_column(Text)

    care_referral: Mapped[CareReferral] = relationship(back_populates="sessions")

    @property
    def audit_child_id(self) -> Optional[int]:
        return self.care_referral.child_id if self.care_referral is not None else None


class MonthlyAnswer(Versioned, Base):
    """The partner's answer in the monthly table: does the beneficiary come regularly?"""

    __tablename__ = "monthly_answers"
    __table_args__ = (UniqueConstraint("care_referral_id", "month"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    care_referral_id: Mapped[int] = mapped_column(ForeignKey("care_referrals.id", ondelete="CASCADE"), index=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    comes_regularly: Mapped[Optional[bool]] = mapped_column(Boolean)
    remark: Mapped[Optional[str]] = mapped_column(Text)

    care_referral: Mapped[CareReferral] = relationship()

    @property
    def audit_child_id(self) -> Optional[int]:
        return self.care_referral.child_id if self.care_referral is not None else None
