"""A small FIXED data set for the school-year statistics, with every figure counted by hand.

School year under test: 2025-2026 (01/09/2025 – 31/08/2026); previous: 2024-2025.
Ages are counted on 31/12/2025 (31/12/2024 for the previous year).

Families (F1 Les Tilleuls, F2 Bel-Air, F3 no neighbourhood) and children:

  A  Alice MARTIN   F  born 31/12/2019 (6 on 31/12/2025, 5 on 31/12/2024)  CP    F1
     entry 01/10/2024, no exit                  → followed in BOTH years (a child over two years)
  B  Bilal MARTIN   M  born 01/02/2012 (13)                                5e    F1
     entry 15/10/2025, exit 20/03/2026 « Déménagement de la famille »   → enters and leaves mid-year
  C  Chloé NGUYEN   F  born 30/08/2021 (4)                                 MS    F2
     entry 01/09/2025 (first day), exit 31/08/2026 (last day) « Objectifs atteints »
  D  David NGUYEN   M  born 15/01/2008 (17; 16 on 31/12/2024)             1re   F2
     entry 10/01/2024, exit 31/08/2025 « Réorienté vers : CMP »          → previous year only
  E  Emma DIALLO    F  born 30/11/2016                                     ULIS  F3
     entry 01/09/2026                                                     → next year: not followed
  F  Farid DIALLO   M  born 04/04/2014                                     —     F3
     never entered (repéré, waiting for the EPS)                        → not followed

Partners and conventions (tariffs individual / parents / family):
  P1 Association Filigrane (Association de psychologues)
     K1  01/01/2025–31/12/2025 funder « ARS »   45 / 50 / 60,50
     K1b 01/01/2026–31/12/2026 renewal of K1, no funder   50 / 55 / 65
  P2 CMPP Dolto (CMPP)  K2 01/09/2025–31/08/2026 funder « CAF », 40 / 40 / 40, quota 4, alert 3, delay 15 days
  P3 Mme Roussel (Psychologue libéral): no convention
  P4 PAEJ Horizon (PAEJ)  K3 01/01/2026–31/12/2026, no funder, delay 100 days

Fiches de liaison (sent → first appointment) and sessions:
  CR1 A→P1 K1  sent 20/11/2024 → 10/12/2024 (20 days)
      05/06/2025 present, 12/06/2025 absent excusé                      (previous year)
      25/09/2025 present, 18/12/2025 present, 30/12/2025 annulé,
      08/01/2026 present (K1 ended: billed under K1b), 15/01/2026 absent non excusé,
      05/02/2026 present « parents »
  CR2 B→P2 K2  sent 20/10/2025 → 10/11/2025 (21 days, over K2's 15)
      10/11, 17/11, 24/11, 01/12/2025 present; 08/12/2025 present hors quota
  CR3 C→P3 —   sent 01/02/2026 → 20/02/2026 (19 days, default 30)
      02/03/2026 present, 09/03/2026 absent excusé, 31/03/2026 present « familial », 02/04/2026 present
  CR4 C→P1 K1b sent 20/07/2026, no appointment (delay over on 22/11/2026)
  CR5 B→P1 K1b never sent (draft)
  CR6 A→P4 K3  sent 25/08/2026, no appointment (still within its 100 days on 22/11/2026)
  CR7 C→P2 K2  sent 10/09/2025 → 20/09/2025 (10 days)
      22/09, 29/09, 06/10/2025 present

EPS: M1 10/10/2025 (B, C on the agenda; B accepted, C accepted), M2 15/03/2026 (A, B; A postponed, B end),
M3 20/06/2026 (no situation), M4 05/11/2024 (A; A accepted), M5 01/10/2026 (next year).
Repérages: A 15/09/2024 École « Difficultés scolaires, anxiété »; A 01/03/2026 École « anxiété »;
B 20/09/2025 Collège « Absentéisme; harcèlement scolaire »; C 10/06/2025 PMI « Difficultés de langage »;
D 01/12/2023 École; E 15/08/2026 Famille « Anxiété »; F 10/01/2026 Service social départemental
« Conflits familiaux, Anxiété ».
Pathways: A 01/10/2024 running; B 15/10/2025–20/03/2026; C 01/09/2025–31/08/2026; D 10/01/2024–31/08/2025.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from pre_desktop.models import (
    CareReferral,
    CareReferralState,
    CareSession,
    Child,
    ChildStatus,
    Convention,
    ConventionStatus,
    EpsDecision,
    EpsDecisionKind,
    EpsMeeting,
    EpsSituation,
    Family,
    Guardian,
    Partner,
    PartnerType,
    Pathway,
    Referral,
    SessionKind,
    SessionStatus,
    Sex,
)

D = dt.date

# Identifying and free text of the data set: none may appear in a pseudonymised export.
SECRETS = (
    "MARTIN", "Martin", "Alice", "Bilal", "NGUYEN", "Nguyen", "Chloé", "David", "DIALLO", "Diallo", "Emma", "Farid",
    "06 11 22 33 44", "07 98 76 54 32", "martin.parent@example.org", "nguyen.famille@example.org",
    "12 rue des Lilas", "Note confidentielle sur Alice", "Famille suivie par le juge", "Mme Lefèvre",
    "Difficultés scolaires", "harcèlement", "Déménagement de la famille", "Objectifs atteints",
    "Réorienté vers", "Note de séance privée", "Anxiété", "anxiété", "Conflits familiaux",
)


@dataclass
class StatsData:
    a: int
    b: int
    c: int
    d: int
    e: int
    f: int
    k1: int
    k1b: int
    k2: int
    k3: int
    p1: int
    p2: int
    p3: int
    p4: int


def _ptype(session: Session, code: str) -> PartnerType:
    return session.scalars(select(PartnerType).where(PartnerType.code == code)).one()


def _child(session: Session, family: Family, last: str, first: str, sex: Sex, birth: dt.date, school_class: Optional[str],
           entry: Optional[dt.date], exit_: Optional[dt.date] = None, reason: Optional[str] = None,
           status: ChildStatus = ChildStatus.ACTIVE, referent_id: Optional[int] = 2) -> Child:
    child = Child(family=family, last_name=last, first_name=first, sex=sex, birth_date=birth, school="École Jaurès",
                  school_class=school_class, entry_date=entry, exit_date=exit_, exit_reason=reason, status=status,
                  referent_id=referent_id, notes=f"Note confidentielle sur {first}")
    session.add(child)
    return child


def _convention(session: Session, partner: Partner, ref: str, start: dt.date, end: dt.date, funder: Optional[str],
                tariffs: tuple[str, str, str], *, quota: int = 20, threshold: int = 15, delay: int = 30,
                renewed_from: Optional[Convention] = None) -> Convention:
    conv = Convention(partner=partner, reference=ref, start_date=start, end_date=end, signed_on=start, funder=funder,
                      session_quota=quota, quota_warning_threshold=threshold, first_appointment_delay_days=delay,
                      tariff_individual=Decimal(tariffs[0]), tariff_parents=Decimal(tariffs[1]),
                      tariff_family=Decimal(tariffs[2]), status=ConventionStatus.SIGNED,
                      renewed_from_id=renewed_from.id if renewed_from is not None else None)
    session.add(conv)
    session.flush()
    return conv


def _fiche(session: Session, child: Child, partner: Partner, conv: Optional[Convention], sent: Optional[dt.date],
           first: Optional[dt.date] = None) -> CareReferral:
    state = (CareReferralState.DRAFT if sent is None else CareReferralState.IN_PROGRESS if first
             else CareReferralState.SENT)
    cr = CareReferral(child=child, partner=partner, convention=conv, reason="Anxiété très forte à l'école",
                      requested_on=sent or D(2026, 5, 1), sent_on=sent, state=state, answered_on=first,
                      first_appointment_on=first, referent_id=child.referent_id)
    session.add(cr)
    session.flush()
    return cr


def _sessions(session: Session, cr: CareReferral, *items: tuple) -> None:
    for item in items:
        day, status = item[0], item[1]
        kind = item[2] if len(item) > 2 else SessionKind.INDIVIDUAL
        hors = bool(item[3]) if len(item) > 3 else False
        session.add(CareSession(care_referral=cr, session_date=day, status=status, kind=kind, hors_quota=hors,
                                note="Note de séance privée",
                                relay_funding_note="Relais droit commun" if hors else None))
    session.flush()


def build_statistics_data(session: Session) -> StatsData:
    P, X, U, C = SessionStatus.PRESENT, SessionStatus.EXCUSED, SessionStatus.UNEXCUSED, SessionStatus.CANCELLED
    f1 = Family(name="Martin", neighbourhood="Les Tilleuls", phone="06 11 22 33 44", address="12 rue des Lilas",
                notes="Famille suivie par le juge")
    f1.guardians.append(Guardian(last_name="Martin", first_name="Sonia", phone="07 98 76 54 32",
                                 email="martin.parent@example.org"))
    f2 = Family(name="Nguyen", neighbourhood="Bel-Air")
    f2.guardians.append(Guardian(last_name="Nguyen", first_name="Lan", email="nguyen.famille@example.org"))
    f3 = Family(name="Diallo", neighbourhood="  ")
    session.add_all([f1, f2, f3])
    a = _child(session, f1, "Martin", "Alice", Sex.FEMALE, D(2019, 12, 31), "CP", D(2024, 10, 1))
    b = _child(session, f1, "Martin", "Bilal", Sex.MALE, D(2012, 2, 1), "5e", D(2025, 10, 15), D(2026, 3, 20),
               "Déménagement de la famille", ChildStatus.ENDED, referent_id=None)
    c = _child(session, f2, "Nguyen", "Chloé", Sex.FEMALE, D(2021, 8, 30), "MS", D(2025, 9, 1), D(2026, 8, 31),
               "Objectifs atteints", ChildStatus.ENDED)
    d = _child(session, f2, "Nguyen", "David", Sex.MALE, D(2008, 1, 15), "1re", D(2024, 1, 10), D(2025, 8, 31),
               "Réorienté vers : CMP", ChildStatus.REORIENTED, referent_id=1)
    e = _child(session, f3, "Diallo", "Emma", Sex.FEMALE, D(2016, 11, 30), "ULIS", D(2026, 9, 1))
    f = _child(session, f3, "Diallo", "Farid", Sex.MALE, D(2014, 4, 4), None, None, status=ChildStatus.REFERRED)
    session.flush()

    for child, day, source, reasons in (
            (a, D(2024, 9, 15), "École", "Difficultés scolaires, anxiété"), (a, D(2026, 3, 1), "École", "anxiété"),
            (b, D(2025, 9, 20), "Collège", "Absentéisme; harcèlement scolaire"),
            (c, D(2025, 6, 10), "PMI", "Difficultés de langage"), (d, D(2023, 12, 1), "École", "Agitation"),
            (e, D(2026, 8, 15), "Famille", "Anxiété"),
            (f, D(2026, 1, 10), "Service social départemental", "Conflits familiaux, Anxiété")):
        session.add(Referral(child=child, referred_on=day, source=source, reasons=reasons, referrer_name="Mme Lefèvre",
                             notes="Famille suivie par le juge"))
    for child, start, end in ((a, D(2024, 10, 1), None), (b, D(2025, 10, 15), D(2026, 3, 20)),
                              (c, D(2025, 9, 1), D(2026, 8, 31)), (d, D(2024, 1, 10), D(2025, 8, 31))):
        session.add(Pathway(child=child, start_date=start, end_date=end, objectives="Objectif confidentiel"))

    meetings = {}
    for name, day in (("M1", D(2025, 10, 10)), ("M2", D(2026, 3, 15)), ("M3", D(2026, 6, 20)),
                      ("M4", D(2024, 11, 5)), ("M5", D(2026, 10, 1))):
        meetings[name] = EpsMeeting(meeting_date=day)
        session.add(meetings[name])
    session.flush()
    for name, child, kind in (("M1", b, EpsDecisionKind.ACCEPT), ("M1", c, EpsDecisionKind.ACCEPT),
                              ("M2", a, EpsDecisionKind.POSTPONE), ("M2", b, EpsDecisionKind.END),
                              ("M4", a, EpsDecisionKind.ACCEPT)):
        meeting = meetings[name]
        session.add(EpsSituation(meeting=meeting, child=child))
        session.add(EpsDecision(meeting=meeting, child=child, kind=kind, decided_on=meeting.meeting_date,
                                reason="Décision motivée confidentielle"))

    p1 = Partner(name="Association Filigrane", type=_ptype(session, "ASSO_PSY"))
    p2 = Partner(name="CMPP Dolto", type=_ptype(session, "CMPP"))
    p3 = Partner(name="Mme Roussel", type=_ptype(session, "PSY_LIB"))
    p4 = Partner(name="PAEJ Horizon", type=_ptype(session, "PAEJ"))
    session.add_all([p1, p2, p3, p4])
    session.flush()
    k1 = _convention(session, p1, "K1", D(2025, 1, 1), D(2025, 12, 31), "ARS", ("45", "50", "60.50"))
    k1b = _convention(session, p1, "K1b", D(2026, 1, 1), D(2026, 12, 31), None, ("50", "55", "65"), renewed_from=k1)
    k2 = _convention(session, p2, "K2", D(2025, 9, 1), D(2026, 8, 31), "CAF", ("40", "40", "40"),
                     quota=4, threshold=3, delay=15)
    k3 = _convention(session, p4, "K3", D(2026, 1, 1), D(2026, 12, 31), None, ("30", "30", "30"), delay=100)

    cr1 = _fiche(session, a, p1, k1, D(2024, 11, 20), D(2024, 12, 10))
    _sessions(session, cr1, (D(2025, 6, 5), P), (D(2025, 6, 12), X), (D(2025, 9, 25), P), (D(2025, 12, 18), P),
              (D(2025, 12, 30), C), (D(2026, 1, 8), P), (D(2026, 1, 15), U), (D(2026, 2, 5), P, SessionKind.PARENTS))
    cr2 = _fiche(session, b, p2, k2, D(2025, 10, 20), D(2025, 11, 10))
    _sessions(session, cr2, (D(2025, 11, 10), P), (D(2025, 11, 17), P), (D(2025, 11, 24), P), (D(2025, 12, 1), P),
              (D(2025, 12, 8), P, SessionKind.INDIVIDUAL, True))
    cr3 = _fiche(session, c, p3, None, D(2026, 2, 1), D(2026, 2, 20))
    _sessions(session, cr3, (D(2026, 3, 2), P), (D(2026, 3, 9), X), (D(2026, 3, 31), P, SessionKind.FAMILY),
              (D(2026, 4, 2), P))
    _fiche(session, c, p1, k1b, D(2026, 7, 20))
    _fiche(session, b, p1, k1b, None)
    _fiche(session, a, p4, k3, D(2026, 8, 25))
    cr7 = _fiche(session, c, p2, k2, D(2025, 9, 10), D(2025, 9, 20))
    _sessions(session, cr7, (D(2025, 9, 22), P), (D(2025, 9, 29), P), (D(2025, 10, 6), P))
    session.flush()
    return StatsData(a.id, b.id, c.id, d.id, e.id, f.id, k1.id, k1b.id, k2.id, k3.id, p1.id, p2.id, p3.id, p4.id)
