"""The fiches de liaison list and À traiter stay a few set-based queries, whatever the number of
fiches: loading every fiche, session and sending as objects took seconds on a PRE of 20 000 children."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event, select

from pre_desktop.models import BeneficiaryKind, CareReferralSending, Child, Convention, Partner, SessionStatus
from pre_desktop.services.access import acting_role
from pre_desktop.services import liaisons
from pre_desktop.services.care_referrals import overdue
from pre_desktop.services.sessions import quota_alerts
from pre_desktop.services.todo import todo_items

from care_fixtures import add_sessions, care_referral, convention, family_with_child, partner, weekly

D = dt.date  # today is pinned to 2026-11-22


def add_fiches(session, count: int, start: int = 0) -> None:
    """``count`` children, each with a late fiche (resent once, for a parent), and one at its quota threshold."""
    p = partner(session, name=f"Structure {start}")
    conv = convention(session, p, reference=f"CONV-{start}")
    for i in range(start, start + count):
        child = family_with_child(session, name=f"Famille{i}", first_name="Enfant")
        late = care_referral(session, child, p, conv, requested_on=D(2026, 9, 1), sent_on=D(2026, 9, 2))
        late.beneficiary_kind = BeneficiaryKind.PARENT
        late.guardian = child.family.guardians[0]
        session.add_all([CareReferralSending(care_referral=late, sent_on=D(2026, 9, 2), how="Courrier"),
                         CareReferralSending(care_referral=late, sent_on=D(2026, 10, 1), how="Courriel")])
        used = care_referral(session, child, p, conv, answered_on=D(2026, 2, 5), first_appointment_on=D(2026, 2, 10))
        add_sessions(session, used, weekly(D(2026, 2, 10), 16))
        add_sessions(session, used, [D(2026, 9, 1)], status=SessionStatus.EXCUSED)
    session.flush()


def count_statements(session, engine, fn) -> int:
    """SQL statements run by ``fn`` on a session that holds nothing yet (as a screen's refresh).

    The acting user's role is read once per session (services.access), before: a screen
    reads several lists in its session."""
    session.expire_all()
    acting_role(session)
    statements: list[str] = []

    def listener(*args) -> None:  # noqa: ANN002 - the event's positional arguments
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", listener)
    try:
        fn(session)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_the_liaisons_rows_come_from_three_queries_whatever_the_number_of_fiches(session, engine):
    add_fiches(session, 2)
    few = count_statements(session, engine, liaisons.list_liaisons)
    add_fiches(session, 25, start=2)
    many = count_statements(session, engine, liaisons.list_liaisons)
    rows = liaisons.list_liaisons(session)
    assert len(rows) == 54 and few == many <= 3
    late = next(r for r in rows if r.child_name == "FAMILLE7 Enfant" and r.overdue_days is not None)
    assert (late.beneficiary, late.overdue_days, late.missing) == ("Parent : Sonia FAMILLE7", 81, "réponse")
    assert late.history == ("Demande du 01/09/2026", "Envoyée le 02/09/2026 (Courrier)",
                            "Envoyée de nouveau le 01/10/2026 (Courriel)")
    used = next(r for r in rows if r.child_name == "FAMILLE7 Enfant" and r.overdue_days is None)
    assert (used.sessions_text, used.quota_level) == ("16 / 20", "warning")
    assert used.history[-1] == "Première séance tenue le 10/02/2026"


def test_one_child_or_one_fiche_counts_only_its_own_sessions(session):
    add_fiches(session, 3)
    child_id = session.scalars(select(Child.id).where(Child.last_name == "Famille1")).one()
    child_rows = liaisons.list_liaisons(session, child_id=child_id)
    assert sorted(r.sessions_text for r in child_rows) == ["0 / 20", "16 / 20"]
    assert {r.child_id for r in child_rows} == {child_id}
    assert [liaisons.liaison_row(session, r.id) for r in child_rows] == child_rows


def test_todo_items_come_from_a_few_queries_whatever_the_number_of_fiches(session, engine):
    add_fiches(session, 2)
    few = count_statements(session, engine, todo_items)
    add_fiches(session, 25, start=2)
    many = count_statements(session, engine, todo_items)
    # one statement per kind of item, plus the archived files left out of everyday lists
    assert few == many <= 9
    kinds = [item.kind for item in todo_items(session)]
    assert kinds.count("answer_overdue") == 27 and kinds.count("quota") == 27


def test_quota_alerts_and_overdue_are_one_query_each(session, engine):
    add_fiches(session, 20)
    assert count_statements(session, engine, quota_alerts) == 1
    assert count_statements(session, engine, overdue) == 1
    alert = quota_alerts(session)[0]
    assert (alert.used, alert.quota, alert.threshold, alert.hors_quota_count, alert.level) == (16, 20, 15, 0, "warning")
    late = overdue(session)[0]
    assert (late.sent_on, late.days_waiting, late.delay_days, late.missing, late.referent_name) == (
        D(2026, 9, 2), 81, 30, "réponse", "Karim Benali")


def test_the_month_grid_comes_from_a_few_queries_whatever_the_number_of_fiches(session, engine):
    from pre_desktop.services.session_batches import month_grid, partners_of_month

    add_fiches(session, 2)
    pid = partners_of_month(session, 2026, 2)[0].partner_id
    few = count_statements(session, engine, lambda s: month_grid(s, pid, 2026, 2))
    p = session.get(Partner, pid)
    conv = session.scalars(select(Convention).where(Convention.partner_id == pid)).one()
    for i in range(20):
        child = family_with_child(session, name=f"Autre{i}", first_name="Enfant")
        add_sessions(session, care_referral(session, child, p, conv), weekly(D(2026, 2, 3), 3))
    many = count_statements(session, engine, lambda s: month_grid(s, pid, 2026, 2))
    assert few == many <= 6
    rows = month_grid(session, pid, 2026, 2)
    assert len(rows) == 22 and partners_of_month(session, 2026, 2)[0].beneficiaries == 22  # the late ones: sent in September
    other = next(r for r in rows if r.last_name == "Autre3")
    assert [s.session_date for s in other.sessions] == [D(2026, 2, 3), D(2026, 2, 10), D(2026, 2, 17)]
    assert other.quota_text == "3 / 20"
