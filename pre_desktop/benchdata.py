"""A large database for the benchmark: the demo data set, grown to tens of thousands of children.

The demo gives the structure, users, partners and conventions; the extra families,
children, repérages, pathways, fiches de liaison and sessions are written with bulk
Core inserts (the ORM would take minutes for 20,000 files), with the same fictitious
names and a mix of statuses that makes the list's alerts appear in realistic numbers.
Core inserts skip the flush hooks, so ``search_name`` is folded here.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from sqlalchemy import insert, select

from . import db
from .demo import CLASSES, GROUP_WEIGHTS, GROUPS, NEIGHBOURHOODS, REASONS, REFERRAL_SOURCES, TOWN, build_demo
from .migrate import open_database
from .models import (
    BeneficiaryKind,
    CareReferral,
    CareReferralState,
    CareSession,
    Child,
    ChildStatus,
    Convention,
    EpsDecision,
    EpsDecisionKind,
    EpsMeeting,
    Family,
    Partner,
    Pathway,
    Referral,
    Role,
    SessionKind,
    SessionStatus,
    Sex,
    User,
)
from .services import clock
from .textnorm import fold

STATUS_WEIGHTS = [(ChildStatus.REFERRED, 15), (ChildStatus.ACTIVE, 55), (ChildStatus.REORIENTED, 8),
                  (ChildStatus.ENDED, 22)]
BATCH = 5_000


def _insert(session, model, rows: list[dict]) -> None:  # noqa: ANN001 - Session
    for start in range(0, len(rows), BATCH):
        session.execute(insert(model), rows[start:start + BATCH])


def build_bench_database(path: Path, children: int, seed: int = 2026) -> dict[str, int]:
    """Create ``path`` (which must not exist) holding the demo plus generated files, ``children`` in all."""
    engine, factory = open_database(path)
    try:
        with db.session_scope(factory) as session:
            build_demo(session, seed=seed)
        with db.session_scope(factory) as session:
            return _grow(session, children, random.Random(seed))
    finally:
        engine.dispose()


def _grow(session, target: int, rng: random.Random) -> dict[str, int]:  # noqa: ANN001 - Session
    day = clock.today()
    existing = session.query(Child).count()
    extra = max(target - existing, 0)
    referents = list(session.scalars(select(User.id).where(User.role.in_([Role.REFERENT, Role.COORDINATOR]))))
    partners = list(session.execute(select(Partner.id, Convention.id).join(Convention, Convention.partner_id == Partner.id)))
    family_id = (session.scalar(select(Family.id).order_by(Family.id.desc()).limit(1)) or 0)
    child_id = (session.scalar(select(Child.id).order_by(Child.id.desc()).limit(1)) or 0)
    cr_id = (session.scalar(select(CareReferral.id).order_by(CareReferral.id.desc()).limit(1)) or 0)
    pathway_id = (session.scalar(select(Pathway.id).order_by(Pathway.id.desc()).limit(1)) or 0)
    decision_id = (session.scalar(select(EpsDecision.id).order_by(EpsDecision.id.desc()).limit(1)) or 0)
    meetings = list(session.execute(select(EpsMeeting.id, EpsMeeting.meeting_date)
                                    .where(EpsMeeting.meeting_date <= day - dt.timedelta(days=30))))
    groups, weights = list(GROUP_WEIGHTS), list(GROUP_WEIGHTS.values())
    statuses, status_weights = zip(*STATUS_WEIGHTS)
    quarters = list(NEIGHBOURHOODS)
    families, kids, referrals, pathways, decisions, fiches, sessions = [], [], [], [], [], [], []
    while len(kids) < extra:
        family_id += 1
        surnames, girls, boys, languages = GROUPS[rng.choices(groups, weights)[0]]
        surname = rng.choice(surnames)
        quarter = rng.choice(quarters)
        streets, maternelle, elementaire, college = NEIGHBOURHOODS[quarter]
        families.append(dict(id=family_id, name=surname, search_name=fold(surname), town=TOWN,
                             address=f"{rng.randint(1, 120)} {rng.choice(streets)}", neighbourhood=quarter,
                             languages=rng.choice(languages) if languages else None,
                             interpreter_needed=bool(languages) and rng.random() < 0.1))
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
            child_id += 1
            girl = rng.random() < 0.48
            first = rng.choice(girls if girl else boys)
            class_index = rng.randrange(len(CLASSES))
            school_class = CLASSES[class_index][0]
            school = maternelle if class_index < 3 else elementaire if class_index < 8 else college
            birth = dt.date(day.year - 3 - class_index - (day.month < 9), rng.randint(1, 12), rng.randint(1, 28))
            status = rng.choices(statuses, status_weights)[0] if meetings else ChildStatus.REFERRED
            meeting_id, entry = rng.choice(meetings) if status is not ChildStatus.REFERRED else (None, None)
            referred = (entry - dt.timedelta(days=rng.randint(10, 60)) if entry is not None
                        else day - dt.timedelta(days=rng.randint(3, 90)))
            kids.append(dict(id=child_id, family_id=family_id, last_name=surname, first_name=first,
                             search_name=fold(f"{surname} {first}"), sex=Sex.FEMALE if girl else Sex.MALE,
                             birth_date=birth, school=school, school_class=school_class,
                             referent_id=rng.choice(referents) if referents else None, status=status,
                             entry_date=entry))
            source, function, _ = rng.choice(REFERRAL_SOURCES)
            referrals.append(dict(child_id=child_id, referred_on=referred, source=source.capitalize(),
                                  referrer_function=function, reasons=", ".join(rng.sample(REASONS, 2))))
            if status is ChildStatus.ACTIVE and entry is not None:
                pathway_id += 1
                decision_id += 1
                review = day + dt.timedelta(days=rng.randint(-40, -1) if rng.random() < 0.05 else rng.randint(1, 180))
                pathways.append(dict(id=pathway_id, child_id=child_id, start_date=entry, objectives="",
                                     review_date=review))
                decisions.append(dict(id=decision_id, meeting_id=meeting_id, child_id=child_id,
                                      kind=EpsDecisionKind.ACCEPT, decided_on=entry, pathway_id=pathway_id,
                                      previous_child_status=ChildStatus.REFERRED.value))
                if partners and rng.random() < 0.45:
                    cr_id += 1
                    partner_id, convention_id = rng.choice(partners)
                    requested = max(entry, day - dt.timedelta(days=rng.randint(10, 300)))
                    sent = requested + dt.timedelta(days=rng.randint(0, 5))
                    answered = sent + dt.timedelta(days=rng.randint(3, 25)) if rng.random() < 0.85 else None
                    if answered is not None and answered > day:
                        answered = None
                    held = rng.randint(0, min(24, max((day - sent).days // 10, 0))) if answered else 0
                    state = (CareReferralState.IN_PROGRESS if held else CareReferralState.ANSWERED if answered
                             else CareReferralState.SENT)
                    fiches.append(dict(id=cr_id, child_id=child_id, partner_id=partner_id, convention_id=convention_id,
                                       beneficiary_kind=BeneficiaryKind.CHILD, reason=rng.choice(REASONS),
                                       requested_on=requested, sent_on=sent, sent_how="courriel", state=state,
                                       answered_on=answered, first_appointment_on=answered,
                                       referent_id=kids[-1]["referent_id"], eps_decision_id=decision_id))
                    for n in range(held):
                        sessions.append(dict(care_referral_id=cr_id, session_date=sent + dt.timedelta(days=7 * (n + 1)),
                                             kind=SessionKind.INDIVIDUAL, status=SessionStatus.PRESENT,
                                             hors_quota=n >= 20,
                                             relay_funding_note="Relais droit commun" if n >= 20 else None))
    for model, rows in ((Family, families), (Child, kids), (Referral, referrals), (Pathway, pathways),
                        (EpsDecision, decisions), (CareReferral, fiches), (CareSession, sessions)):
        _insert(session, model, rows)
    return {"children": existing + len(kids), "families": len(families), "referrals": len(referrals),
            "pathways": len(pathways), "care_referrals": len(fiches), "sessions": len(sessions)}
