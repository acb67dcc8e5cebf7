"""Partner types (the guide's table), partners, their contacts and conventions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Optional

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Versioned, enum_column
from .enums import BillingPeriod, ConventionStatus, OrientationMode


class PartnerType(Versioned, Base):
    """Kind of structure, with its public and how one is oriented there (rule 6)."""

    __tablename__ = "partner_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    public_label: Mapped[Optional[str]] = mapped_column(String(200))
    age_min: Mapped[Optional[int]] = mapped_column(Integer)
    age_max: Mapped[Optional[int]] = mapped_column(Integer)
    orientation_mode: Mapped[OrientationMode] = mapped_column(enum_column(OrientationMode))
    orientation_label: Mapped[Optional[str]] = mapped_column(String(200))
    direct_orientation_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    refusal_explanation: Mapped[Optional[str]] = mapped_column(Text)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)


class Partner(Versioned, Base):
    """A care or support structure the PRE works with."""

    __tablename__ = "partners"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    search_name: Mapped[str] = mapped_column(String(200), index=True, default="")
    type_id: Mapped[int] = mapped_column(ForeignKey("partner_types.id"), index=True)
    address: Mapped[Optional[str]] = mapped_column(String(300))
    postal_code: Mapped[Optional[str]] = mapped_column(String(10))
    town: Mapped[Optional[str]] = mapped_column(String(120))
    phone: Mapped[Optional[str]] = mapped_column(String(40))
    email: Mapped[Optional[str]] = mapped_column(String(200))
    sector: Mapped[Optional[str]] = mapped_column(String(120))
    age_min: Mapped[Optional[int]] = mapped_column(Integer)
    age_max: Mapped[Optional[int]] = mapped_column(Integer)
    notes: Mapped[Optional[str]] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    type: Mapped[PartnerType] = relationship()
    contacts: Mapped[list["PartnerContact"]] = relationship(back_populates="partner", cascade="all, delete-orphan", order_by="PartnerContact.id")
    conventions: Mapped[list["Convention"]] = relationship(back_populates="partner", order_by="Convention.start_date")


class PartnerContact(Versioned, Base):
    __tablename__ = "partner_contacts"
    __audited__ = True  # a professional's name, phone and email: personal data

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    function: Mapped[Optional[str]] = mapped_column(String(200))
    phone: Mapped[Optional[str]] = mapped_column(String(40))
    email: Mapped[Optional[str]] = mapped_column(String(200))

    partner: Mapped[Partner] = relationship(back_populates="contacts")


class Convention(Versioned, Base):
    """Partnership agreement: validity, per-person quota, tariffs (rules 1–4)."""

    __tablename__ = "conventions"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    reference: Mapped[str] = mapped_column(String(80))
    signed_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    start_date: Mapped[dt.date] = mapped_column(Date)
    duration_months: Mapped[int] = mapped_column(Integer, default=12)
    end_date: Mapped[dt.date] = mapped_column(Date, index=True)
    session_quota: Mapped[int] = mapped_column(Integer, default=20)
    quota_warning_threshold: Mapped[int] = mapped_column(Integer, default=15)
    first_appointment_delay_days: Mapped[int] = mapped_column(Integer, default=30)
    tariff_individual: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    tariff_parents: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    tariff_family: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    billing_period: Mapped[BillingPeriod] = mapped_column(enum_column(BillingPeriod), default=BillingPeriod.QUARTERLY)
    psychologist_name: Mapped[Optional[str]] = mapped_column(String(200))
    signatory_pre: Mapped[Optional[str]] = mapped_column(String(200))
    signatory_partner: Mapped[Optional[str]] = mapped_column(String(200))
    # Printed under each signature ("Président", "Directrice") and the partner's bank
    # account for payments, as the model convention's signature and payment articles ask.
    signatory_pre_title: Mapped[Optional[str]] = mapped_column(String(200))
    signatory_partner_title: Mapped[Optional[str]] = mapped_column(String(200))
    bank_details: Mapped[Optional[str]] = mapped_column(Text)
    # Who pays for these sessions (ARS, CAF, ville, Cité éducative, ANCT…): the annual report
    # sums sessions and amounts per funder.
    funder: Mapped[Optional[str]] = mapped_column(String(120))
    status: Mapped[ConventionStatus] = mapped_column(enum_column(ConventionStatus), default=ConventionStatus.DRAFT)
    terminated_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    termination_notice_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    renewed_from_id: Mapped[Optional[int]] = mapped_column(ForeignKey("conventions.id"))
    notes: Mapped[Optional[str]] = mapped_column(Text)

    partner: Mapped[Partner] = relationship(back_populates="conventions")
