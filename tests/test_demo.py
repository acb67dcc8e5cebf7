"""The demo data set: its size, every state the app shows, and the field rules it must respect."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import func, select

from pre_desktop import db
from pre_desktop.demo import build_demo, school_year_start
from pre_desktop.models import (
    Base,
    CareReferral,
    CareReferralSending,
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
    MonthlyAnswer,
    Partner,
    Pathway,
    PathwayAction,
    Referral,
    SessionStatus,
    StructureSettings,
    User,
)
from pre_desktop.services import care_referrals, conventions, pathways, sessions
from pre_desktop.services.consent import active_consent
from pre_desktop.textnorm import fold

from conftest import TODAY

QUOTA = 20


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One demo database for the module (building it takes about a second)."""
    engine = db.make_engine(tmp_path_factory.mktemp("demo") / "demo.sqlite")
    Base.metadata.create_all(engine)
    factory = db.make_session_factory(engine)
    with db.session_scope(factory) as s:
        counts = build_demo(s, today=TODAY)
    session = factory()
    yield counts, session
    session.close()
    engine.dispose()


@pytest.fixture
def s(demo):
    return demo[1]


def _fiches(s) -> list[CareReferral]:
    return list(s.scalars(select(CareReferral).order_by(CareReferral.id)))


def test_counts_in_the_asked_ranges(demo, s):
    counts, _ = demo
    assert 140 <= counts["children"] <= 160
    assert 95 <= counts["families"] <= 105
    assert 1300 <= counts["sessions"] <= 1700
    assert counts["partners"] == 12
    assert counts["conventions"] == 5
    assert counts["users"] == 5
    # The returned counts are what the database holds.
    assert s.scalar(select(func.count()).select_from(Child)) == counts["children"]
    assert s.scalar(select(func.count()).select_from(Family)) == counts["families"]
    assert s.scalar(select(func.count()).select_from(CareSession)) == counts["sessions"]
    assert s.scalar(select(func.count()).select_from(CareReferral)) == counts["care_referrals"]
    assert s.scalar(select(func.count()).select_from(EpsMeeting)) == counts["eps_meetings"]
    sizes = Counter(s.scalars(select(Child.family_id)))
    assert max(sizes.values()) == 3
    assert any(n == 2 for n in sizes.values())


def test_people_structure_and_partners(s):
    settings = s.scalars(select(StructureSettings)).one()
    assert settings.pre_name == "PRE de Ville-Exemple"
    assert settings.legal_carrier_kind == "Caisse des écoles"
    assert settings.legal_representative == "Le Président"
    assert settings.coordinator_name and settings.administrative_court and settings.address
    roles = Counter(u.role.value for u in s.scalars(select(User)))
    assert roles == {"referent": 3, "coordinator": 1, "secretariat": 1}
    assert all(u.password_hash.startswith("$argon2id$") for u in s.scalars(select(User)))  # one account per role
    assert all(u.phone for u in s.scalars(select(User)))
    names = {fold(c.first_name) for c in s.scalars(select(Child))}
    assert {"eloise", "zoe", "mael", "ines", "noe", "aicha"} & names
    assert any(c.first_name != fold(c.first_name).title() for c in s.scalars(select(Child)))  # accents kept
    families = list(s.scalars(select(Family)))
    assert any(f.interpreter_needed for f in families) and any(f.languages for f in families)
    assert all(f.neighbourhood and f.guardians for f in families)
    for f in families:
        for g in f.guardians:
            assert g.phone.startswith("06 ")
            assert g.email is None or g.email.endswith("@example.fr")
    children = list(s.scalars(select(Child)))
    assert all(c.school and c.school_class and c.sex and c.referent_id for c in children)
    for c in children:  # class coherent with the age on 31 December of the school year
        year = school_year_start(TODAY).year
        age = year - c.birth_date.year
        assert 3 <= age <= 16
        if c.school_class in ("PS", "MS", "GS"):
            assert c.school.startswith("École maternelle")
        elif c.school_class.endswith("e"):
            assert c.school.startswith("Collège") and age >= 11
        else:
            assert c.school.startswith("École élémentaire")
    partners = list(s.scalars(select(Partner)))
    codes = Counter(p.type.code for p in partners)
    assert codes["CATTP_ENF"] == 1 and codes["CMPP"] == 1 and codes["PSY_LIB"] == 2
    assert all(p.contacts for p in partners)
    cattp = next(p for p in partners if p.type.code == "CATTP_ENF")
    assert not cattp.type.direct_orientation_allowed
    assert not s.scalars(select(CareReferral).where(CareReferral.partner_id == cattp.id)).first()


def test_conventions_life(s):
    conventions = list(s.scalars(select(Convention)))
    soon = [c for c in conventions if c.status is ConventionStatus.SIGNED and TODAY <= c.end_date <= TODAY + dt.timedelta(days=60)]
    expired = [c for c in conventions if c.end_date < TODAY]
    current = [c for c in conventions if c.start_date <= TODAY <= c.end_date]
    assert len(soon) == 1 and len(expired) == 1 and len(current) == 4
    prev_start = dt.date(school_year_start(TODAY).year - 1, 9, 1)
    assert any(c.start_date < school_year_start(TODAY) and c.end_date >= prev_start for c in conventions)
    for c in conventions:
        assert c.session_quota == QUOTA and c.quota_warning_threshold == 15 and c.first_appointment_delay_days == 30
        assert c.billing_period.value == "quarterly" and c.tariff_individual > 0
        assert c.partner.type.code in ("ASSO_PSY", "PSY_LIB", "CMPP")
        assert c.signed_on and c.signed_on <= c.start_date


def test_every_state_is_present(s):
    states = Counter(f.state for f in _fiches(s))
    assert set(states) == set(CareReferralState)
    assert set(s.scalars(select(Child.status))) == set(ChildStatus)
    assert set(s.scalars(select(EpsDecision.kind))) == set(EpsDecisionKind)
    kinds = Counter(f.beneficiary_kind.value for f in _fiches(s))
    assert kinds["child"] > 0.75 * sum(kinds.values()) and kinds["parent"] and kinds["family"]
    assert set(s.scalars(select(CareSession.status))) == set(SessionStatus)
    assert s.scalars(select(MonthlyAnswer)).first() is not None


def test_fiche_dates_convention_and_sessions(s):
    prev_start = dt.date(school_year_start(TODAY).year - 1, 9, 1)
    years = set()
    for f in _fiches(s):
        conv = f.convention
        assert conv.partner_id == f.partner_id
        assert conv.start_date <= f.requested_on <= conv.end_date, "convention in force at the request"
        chain = [f.requested_on, f.sent_on, f.answered_on, f.first_appointment_on]
        present = [d for d in chain if d is not None]
        assert present == chain[:len(present)] and present == sorted(present)
        assert f.requested_on <= TODAY and (f.sent_on is None or f.sent_on <= TODAY)
        assert (f.state is CareReferralState.DRAFT) == (f.sent_on is None)
        if f.sent_on:
            sendings = s.scalars(select(CareReferralSending).where(CareReferralSending.care_referral_id == f.id)).all()
            assert [x.sent_on for x in sendings] == [f.sent_on]
        if f.first_appointment_on:
            assert (f.first_appointment_on - f.requested_on).days <= 30
        if f.beneficiary_kind.value == "parent":
            assert f.guardian_id is not None and s.get(type(f.guardian), f.guardian_id).family_id == f.child.family_id
        sessions = f.sessions
        if f.state in (CareReferralState.DRAFT, CareReferralState.SENT, CareReferralState.ANSWERED):
            assert not sessions
        else:
            assert sessions and sessions[0].session_date == f.first_appointment_on
        if f.state is CareReferralState.ENDED:
            assert f.ended_on and f.end_reason and f.ended_on >= sessions[-1].session_date and f.ended_on <= TODAY
        else:
            assert f.ended_on is None
        for x in sessions:
            assert f.sent_on <= x.session_date <= TODAY
            assert x.session_date <= conv.end_date
            assert x.session_date.weekday() < 5
            years.add("current" if x.session_date >= school_year_start(TODAY) else "previous" if x.session_date >= prev_start else "older")
    assert {"current", "previous"} <= years


def test_quota_and_hors_quota(s):
    held = []
    for f in _fiches(s):
        count, hors = 0, 0
        for x in sorted(f.sessions, key=lambda x: x.session_date):
            if x.status is SessionStatus.PRESENT and count >= QUOTA:
                assert x.hors_quota and x.relay_funding_note
                hors += 1
            else:
                assert not x.hors_quota
                count += x.status is SessionStatus.PRESENT
        if hors:
            assert f.relay_funding_note
        held.append((count, hors))
    assert sum(1 for c, h in held if c == QUOTA and h == 0) == 1
    assert sum(1 for c, h in held if c == QUOTA and h > 0) == 1
    assert sum(1 for c, h in held if 15 <= c < QUOTA) >= 5
    assert all(c <= QUOTA for c, _ in held)


def test_one_unanswered_fiche_past_the_delay(s):
    late = [f for f in _fiches(s) if f.sent_on and f.answered_on is None and (TODAY - f.sent_on).days > 30]
    assert len(late) == 1 and late[0].state is CareReferralState.SENT
    # No other fiche misses its first appointment delay.
    for f in _fiches(s):
        if f.state is not CareReferralState.DRAFT and f is not late[0]:
            assert f.first_appointment_on is not None or (TODAY - f.requested_on).days <= 30


def test_consent_before_every_fiche(s):
    for f in _fiches(s):
        consent = active_consent(s, f.child.family_id, on=f.requested_on)
        assert consent is not None, f"famille {f.child.family.name} sans accord avant sa fiche"
    without = [fam for fam in s.scalars(select(Family)) if not fam.consents]
    assert 1 <= len(without) <= 10
    for fam in without:
        assert all(c.status is ChildStatus.REFERRED and not c.care_referrals for c in fam.children)


def test_eps_pathways_and_statuses(s):
    meetings = list(s.scalars(select(EpsMeeting).order_by(EpsMeeting.meeting_date)))
    past = [m for m in meetings if m.meeting_date <= TODAY]
    future = [m for m in meetings if m.meeting_date > TODAY]
    assert 1 <= len(future) <= 2 and len(past) >= 10
    assert all(any(x.present for x in m.members) for m in past)
    assert all(not m.decisions for m in future) and future[0].situations
    for m in past:
        assert {x.child_id for x in m.situations} == {d.child_id for d in m.decisions}
    referrals = list(s.scalars(select(Referral)))
    assert {r.child_id for r in referrals} == set(s.scalars(select(Child.id))), "a referral for every child"
    assert all(r.source and r.reasons and r.referrer_name for r in referrals)
    for c in s.scalars(select(Child)):
        decisions = list(s.scalars(select(EpsDecision).where(EpsDecision.child_id == c.id).order_by(EpsDecision.decided_on)))
        for d in decisions:
            assert d.decided_on >= c.referrals[0].referred_on
        kinds = [d.kind for d in decisions]
        if c.status is ChildStatus.REFERRED:
            assert set(kinds) <= {EpsDecisionKind.POSTPONE} and not c.pathways
        elif c.status is ChildStatus.ACTIVE:
            assert len(c.pathways) == 1 and c.pathways[0].end_date is None and c.entry_date
            assert EpsDecisionKind.ACCEPT in kinds
        elif c.status is ChildStatus.ENDED:
            assert kinds[-1] is EpsDecisionKind.END and c.exit_date and c.exit_reason
            assert c.pathways[0].end_date == c.exit_date
            assert all(f.state is CareReferralState.ENDED and f.ended_on <= c.exit_date for f in c.care_referrals)
        else:
            assert kinds[-1] in (EpsDecisionKind.REFUSE, EpsDecisionKind.REORIENT) and not c.care_referrals
        for d in decisions:
            if d.kind is EpsDecisionKind.ACCEPT:
                assert d.pathway_id == c.pathways[0].id and c.pathways[0].start_date == d.decided_on
    waiting = [c for c in s.scalars(select(Child).where(Child.status == ChildStatus.REFERRED))
               if not s.scalars(select(EpsSituation).where(EpsSituation.child_id == c.id)).first()]
    assert waiting, "some children wait since their referral"
    actions = list(s.scalars(select(PathwayAction)))
    hors = [a for a in actions if a.eps_decision_id is None]
    assert 1 <= len(hors) <= 12
    for a in actions:
        if a.eps_decision_id is not None:
            assert s.get(EpsDecision, a.eps_decision_id).pathway_id == a.pathway_id
    for f in _fiches(s):
        if f.eps_decision_id is not None:
            d = s.get(EpsDecision, f.eps_decision_id)
            assert d.child_id == f.child_id and d.kind is EpsDecisionKind.ACCEPT and d.decided_on <= f.requested_on
    assert sum(1 for f in _fiches(s) if f.eps_decision_id is not None) > 0.9 * len(_fiches(s))
    overdue = s.scalars(select(Pathway).where(Pathway.end_date.is_(None), Pathway.review_date < TODAY)).all()
    assert 1 <= len(overdue) <= 10


def test_deterministic_and_works_on_a_prepared_database(demo, factory):
    """The conftest factory already holds two users and the partner types."""
    counts, first = demo
    with db.session_scope(factory) as s2:
        again = build_demo(s2, today=TODAY)
        names = [(c.last_name, c.first_name, c.birth_date) for c in s2.scalars(select(Child).order_by(Child.id))]
        sessions = s2.execute(select(CareSession.session_date, CareSession.status).order_by(CareSession.id)).all()
    assert again == counts
    assert names == [(c.last_name, c.first_name, c.birth_date) for c in first.scalars(select(Child).order_by(Child.id))]
    assert sessions == first.execute(select(CareSession.session_date, CareSession.status).order_by(CareSession.id)).all()


def test_another_day_and_seed_keep_the_rules(tmp_path):
    """Early September: the current school year has only begun (other days were checked by hand)."""
    today = dt.date(2026, 9, 3)
    engine = db.make_engine(tmp_path / "other.sqlite")
    Base.metadata.create_all(engine)
    factory = db.make_session_factory(engine)
    with db.session_scope(factory) as s2:
        counts = build_demo(s2, today=today, seed=7)
        fiches = list(s2.scalars(select(CareReferral)))
        assert 1100 <= counts["sessions"] <= 1900
        assert {f.state for f in fiches} == set(CareReferralState)
        for f in fiches:
            assert f.convention.start_date <= f.requested_on <= f.convention.end_date
            assert active_consent(s2, f.child.family_id, on=f.requested_on) is not None
            for x in f.sessions:
                assert f.sent_on <= x.session_date <= today
    engine.dispose()


def test_the_services_see_what_the_demo_shows(s):
    """The read side of the services (pinned to TODAY by conftest) agrees with the data."""
    late = care_referrals.overdue(s)
    assert len(late) == 1 and late[0].missing == "réponse" and late[0].days_waiting > 30
    assert len(conventions.conventions_to_renew(s)) == 1
    levels = Counter(a.level for a in sessions.quota_alerts(s))
    assert levels["reached"] == 1 and levels["beyond"] == 1 and levels["warning"] >= 3
    for f in _fiches(s):
        state = f.state
        care_referrals.refresh_progress(f)  # the state the sessions imply
        assert f.state is state
        for x in f.sessions:
            ok, why = sessions.billable(x)
            assert ok or why in ("Absence", "Annulée", "Hors quota")
    assert pathways.hors_eps_actions(s) and pathways.pathways_due_for_review(s)
    s.rollback()


def test_the_files_history_says_the_coordinator_wrote_the_demo(s):
    """Each file's Historique names who wrote the demo records (not "—")."""
    from pre_desktop.models import Child, User
    from pre_desktop.services.file_history import history

    child = s.scalars(select(Child).order_by(Child.id)).first()
    lines = history(s, child.id)
    coordinator = s.scalars(select(User).where(User.login == "s.marchand")).one()
    assert lines and {line.user_name for line in lines} == {coordinator.full_name}
