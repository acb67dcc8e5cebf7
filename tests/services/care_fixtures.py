"""Builders shared by the partner / convention / care tests.

Children and families are created directly with the ORM (the children service is
written separately); everything else goes through the services under test.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from pre_desktop.models import (
    CareReferral,
    CareReferralState,
    CareSession,
    Child,
    Consent,
    Convention,
    ConventionStatus,
    Family,
    Guardian,
    Partner,
    PartnerType,
    SessionKind,
    SessionStatus,
)

D = dt.date


def ptype(session: Session, code: str) -> PartnerType:
    return session.scalars(select(PartnerType).where(PartnerType.code == code)).one()


def family_with_child(session: Session, *, name: str = "Dupont", first_name: str = "Léa",
                      birth_date: dt.date = D(2015, 3, 10), consent: bool = True, school: str = "École Jaurès",
                      notes: str = "Note confidentielle", referent_id: Optional[int] = 2) -> Child:
    fam = Family(name=name, notes="Note famille confidentielle")
    fam.guardians.append(Guardian(last_name=name, first_name="Sonia", phone="06 00 00 00 00"))
    child = Child(family=fam, last_name=name, first_name=first_name, birth_date=birth_date, school=school,
                  school_class="CM1", notes=notes, referent_id=referent_id)
    session.add_all([fam, child])
    if consent:
        fam.consents.append(Consent(given_on=D(2026, 1, 5), given_by=f"Mme {name}", scope="Orientation soin"))
    session.flush()
    return child


def partner(session: Session, *, name: str = "Association Filigrane", code: str = "ASSO_PSY",
            age_min: Optional[int] = None, age_max: Optional[int] = None) -> Partner:
    p = Partner(name=name, type=ptype(session, code), town="Corbeil-Essonnes", age_min=age_min, age_max=age_max)
    session.add(p)
    session.flush()
    return p


def convention(session: Session, partner: Partner, *, start: dt.date = D(2026, 1, 1), end: dt.date = D(2026, 12, 31),
               status: ConventionStatus = ConventionStatus.SIGNED, quota: int = 20, threshold: int = 15,
               delay: int = 30, reference: str = "CONV-2026-01") -> Convention:
    c = Convention(partner=partner, reference=reference, start_date=start, end_date=end, signed_on=start,
                   session_quota=quota, quota_warning_threshold=threshold, first_appointment_delay_days=delay,
                   tariff_individual=Decimal("45.00"), tariff_parents=Decimal("50.00"),
                   tariff_family=Decimal("60.50"), status=status)
    session.add(c)
    session.flush()
    return c


def care_referral(session: Session, child: Child, partner: Partner, conv: Optional[Convention] = None, *,
                  requested_on: dt.date = D(2026, 2, 1), sent_on: Optional[dt.date] = D(2026, 2, 2),
                  state: Optional[CareReferralState] = None, answered_on: Optional[dt.date] = None,
                  first_appointment_on: Optional[dt.date] = None) -> CareReferral:
    if state is None:
        state = CareReferralState.SENT if sent_on else CareReferralState.DRAFT
        if answered_on:
            state = CareReferralState.ANSWERED
    cr = CareReferral(child=child, partner=partner, convention=conv, reason="Anxiété scolaire",
                      requested_on=requested_on, sent_on=sent_on, state=state, answered_on=answered_on,
                      first_appointment_on=first_appointment_on, referent_id=child.referent_id)
    session.add(cr)
    session.flush()
    return cr


def add_sessions(session: Session, cr: CareReferral, dates: list[dt.date], *,
                 kind: SessionKind = SessionKind.INDIVIDUAL, status: SessionStatus = SessionStatus.PRESENT,
                 hors_quota: bool = False) -> list[CareSession]:
    out = [CareSession(care_referral=cr, session_date=d, kind=kind, status=status, hors_quota=hors_quota)
           for d in dates]
    session.add_all(out)
    session.flush()
    return out


def weekly(start: dt.date, count: int) -> list[dt.date]:
    return [start + dt.timedelta(days=7 * i) for i in range(count)]
