"""What the convention document says, gathered in one read: the structure's settings,
the partner and the convention, as plain values the builders in exports/ fill in.

Copied out of the ORM so that a document can be built after the session is closed
(the UI reads, then writes the file off the database), and so the version written on
the document record is the one the text was taken from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from sqlalchemy.orm import Session

from ..models import BillingPeriod, Convention, ConventionStatus
from .clock import today
from .common import get_or_fail
from .conventions import DOCUMENT_TARGET, effective_status, validity_end
from .documents import documents_for, record_document
from .settings import DEFAULT_PRE_NAME, get_settings

KIND = "convention"


@dataclass(frozen=True)
class StructureInfo:
    """The settings row's identity (same attribute names, so exports.letterhead reads it)."""

    pre_name: str
    legal_carrier_kind: Optional[str] = None
    legal_carrier_name: Optional[str] = None
    address: Optional[str] = None
    postal_code: Optional[str] = None
    town: Optional[str] = None
    legal_representative: Optional[str] = None
    legal_representative_title: Optional[str] = None
    coordinator_name: Optional[str] = None
    phone: Optional[str] = None
    email: Optional[str] = None
    logo_path: Optional[str] = None
    administrative_court: Optional[str] = None


@dataclass(frozen=True)
class PartnerInfo:
    name: str
    type_label: str
    address: Optional[str]
    postal_code: Optional[str]
    town: Optional[str]
    phone: Optional[str]
    email: Optional[str]


@dataclass(frozen=True)
class ConventionDocumentData:
    convention_id: int
    version: int
    structure: StructureInfo
    partner: PartnerInfo
    reference: str
    status: ConventionStatus
    signed_on: Optional[dt.date]
    start_date: dt.date
    end_date: dt.date
    duration_months: int
    terminated_on: Optional[dt.date]
    session_quota: int
    first_appointment_delay_days: int
    tariff_individual: Decimal
    tariff_parents: Decimal
    tariff_family: Decimal
    billing_period: BillingPeriod
    psychologist_name: Optional[str]
    signatory_pre: Optional[str]
    signatory_pre_title: Optional[str]
    signatory_partner: Optional[str]
    signatory_partner_title: Optional[str]
    bank_details: Optional[str]
    today: dt.date


def _structure(session: Session) -> StructureInfo:
    row = get_settings(session)
    if row is None:
        return StructureInfo(pre_name=DEFAULT_PRE_NAME)
    names = [f for f in StructureInfo.__dataclass_fields__ if f != "pre_name"]
    return StructureInfo(pre_name=row.pre_name or DEFAULT_PRE_NAME, **{n: getattr(row, n) for n in names})


def convention_document_data(session: Session, convention_id: int, *, on: Optional[dt.date] = None) -> ConventionDocumentData:
    conv = get_or_fail(session, Convention, convention_id, "Convention")
    p = conv.partner
    return ConventionDocumentData(
        convention_id=conv.id, version=conv.version, structure=_structure(session),
        partner=PartnerInfo(p.name, p.type.label if p.type else "", p.address, p.postal_code, p.town, p.phone, p.email),
        reference=conv.reference, status=effective_status(conv, on), signed_on=conv.signed_on,
        start_date=conv.start_date, end_date=conv.end_date, duration_months=conv.duration_months,
        terminated_on=validity_end(conv) if conv.terminated_on else None, session_quota=conv.session_quota,
        first_appointment_delay_days=conv.first_appointment_delay_days, tariff_individual=conv.tariff_individual,
        tariff_parents=conv.tariff_parents, tariff_family=conv.tariff_family, billing_period=conv.billing_period,
        psychologist_name=conv.psychologist_name, signatory_pre=conv.signatory_pre,
        signatory_pre_title=conv.signatory_pre_title, signatory_partner=conv.signatory_partner,
        signatory_partner_title=conv.signatory_partner_title, bank_details=conv.bank_details,
        today=on or today())


def record_convention_document(session: Session, data: ConventionDocumentData, file_format: str,
                               file_path: Optional[str], *, from_template: Optional[str] = None) -> None:
    """Trace the file written from ``data`` (the version it was read at, not today's)."""
    title = f"Convention {data.reference} — {data.partner.name}"
    if from_template:
        title += f" (modèle « {from_template} »)"
    record_document(session, kind=KIND, file_format=file_format, title=title, target_type=DOCUMENT_TARGET,
                    target_id=data.convention_id, target_version=data.version, file_path=file_path)


def convention_documents(session: Session, convention_id: int):  # noqa: ANN201 - list[GeneratedDocument]
    return documents_for(session, DOCUMENT_TARGET, convention_id)
