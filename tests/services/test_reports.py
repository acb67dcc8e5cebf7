import dataclasses
import datetime as dt
import time
from decimal import Decimal

import pytest
from care_fixtures import (
    add_sessions,
    care_referral as make_cr,
    convention as make_convention,
    family_with_child,
    partner as make_partner,
)
from sqlalchemy import event, insert, select

from pre_desktop import db
from pre_desktop.models import (
    BeneficiaryKind,
    CareReferral,
    CareReferralState,
    CareSession,
    Child,
    Consent,
    Family,
    MonthlyAnswer,
    SessionKind,
    SessionStatus,
    StructureSettings,
)
from pre_desktop.services import conventions as cv, reports
from pre_desktop.services.errors import DomainError

D = dt.date
P, EXC, CAN = SessionStatus.PRESENT, SessionStatus.EXCUSED, SessionStatus.CANCELLED


@pytest.mark.parametrize("on, expected", [
    (D(2026, 11, 22), (D(2026, 9, 1), D(2027, 8, 31))),
    (D(2026, 9, 1), (D(2026, 9, 1), D(2027, 8, 31))),
    (D(2026, 8, 31), (D(2025, 9, 1), D(2026, 8, 31))),
    (D(2027, 1, 1), (D(2026, 9, 1), D(2027, 8, 31))),
])
def test_school_year(on, expected):
    assert reports.school_year(on) == expected


def test_school_year_defaults_to_today():
    assert reports.school_year() == (D(2026, 9, 1), D(2027, 8, 31))


def test_monthly_table_lists_only_that_partners_followed_beneficiaries(session):
    session.add(StructureSettings(pre_name="PRE de Corbeil-Essonnes"))
    p = make_partner(session)
    conv = make_convention(session, p)
    a = make_cr(session, family_with_child(session, name="Arnaud", first_name="Inès"), p, conv,
                sent_on=D(2026, 2, 2), answered_on=D(2026, 2, 5), first_appointment_on=D(2026, 2, 9))
    add_sessions(session, a, [D(2026, 2, 9), D(2026, 2, 16)])
    add_sessions(session, a, [D(2026, 3, 2), D(2026, 3, 23)])
    add_sessions(session, a, [D(2026, 3, 9)], status=EXC)
    add_sessions(session, a, [D(2026, 3, 16)], status=CAN)
    add_sessions(session, a, [D(2026, 3, 23)], kind=SessionKind.PARENTS)
    add_sessions(session, a, [D(2026, 4, 6)])  # after the month: not shown, not counted
    session.add(MonthlyAnswer(care_referral=a, month="2026-03", comes_regularly=True, remark="Assidue"))
    session.add(MonthlyAnswer(care_referral=a, month="2026-02", comes_regularly=False, remark="Février"))
    ended_before = make_cr(session, family_with_child(session, name="Blanc"), p, conv)
    ended_before.ended_on, ended_before.end_reason, ended_before.state = D(2026, 2, 28), "Abandon", CareReferralState.ENDED
    ended_during = make_cr(session, family_with_child(session, name="Cissé"), p, conv)
    ended_during.ended_on, ended_during.end_reason, ended_during.state = D(2026, 3, 1), "Déménagement", CareReferralState.ENDED
    make_cr(session, family_with_child(session, name="Diallo"), p, conv, requested_on=D(2026, 3, 25), sent_on=D(2026, 4, 1))
    make_cr(session, family_with_child(session, name="Evrard"), p, conv, sent_on=None)  # draft
    make_cr(session, family_with_child(session, name="Fofana", consent=False), p, conv)  # no consent
    make_cr(session, family_with_child(session, name="Garcia"), make_partner(session, name="Autre"), None)
    parent_child = family_with_child(session, name="Hamon")
    parent = make_cr(session, parent_child, p, conv, sent_on=D(2026, 3, 31))
    parent.beneficiary_kind, parent.guardian = BeneficiaryKind.PARENT, parent_child.family.guardians[0]
    session.flush()

    table = reports.monthly_table(session, p.id, 2026, 3)
    assert (table.pre_name, table.partner_name, table.month_label) == ("PRE de Corbeil-Essonnes", p.name, "mars 2026")
    assert [(r.last_name, r.first_name) for r in table.rows] == [("Arnaud", "Inès"), ("Cissé", "Léa"), ("Hamon", "Sonia")]
    assert table.omitted_without_consent == 1
    row = table.rows[0]
    assert [(s.session_date, s.kind, s.status) for s in row.sessions] == [
        (D(2026, 3, 2), SessionKind.INDIVIDUAL, P), (D(2026, 3, 9), SessionKind.INDIVIDUAL, EXC),
        (D(2026, 3, 16), SessionKind.INDIVIDUAL, CAN), (D(2026, 3, 23), SessionKind.INDIVIDUAL, P),
        (D(2026, 3, 23), SessionKind.PARENTS, P)]
    assert row.sessions[1].status_label == "Absent excusé"
    assert (row.used, row.quota, row.ended_on) == (5, 20, None)
    assert (row.comes_regularly, row.remark) == (True, "Assidue")
    assert (row.requested_on, row.first_appointment_on) == (D(2026, 2, 1), D(2026, 2, 9))
    assert (table.rows[1].ended_on, table.rows[1].end_reason) == (D(2026, 3, 1), "Déménagement")
    assert table.rows[2].comes_regularly is None
    # nothing about school, notes, birth date or family
    assert {f.name for f in dataclasses.fields(reports.MonthlyRow)} == {
        "care_referral_id", "last_name", "first_name", "requested_on", "first_appointment_on", "sessions", "used",
        "quota", "hors_quota", "ended_on", "end_reason", "comes_regularly", "remark"}
    assert "École" not in repr(table) and "confidentielle" not in repr(table)


def test_monthly_table_refusals(session):
    p = make_partner(session)
    with pytest.raises(DomainError) as err:
        reports.monthly_table(session, p.id, 2026, 13)
    assert err.value.field == "month"
    with pytest.raises(DomainError, match="introuvable"):
        reports.monthly_table(session, 999, 2026, 3)


def test_record_monthly_answer_creates_then_replaces(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        p = make_partner(s)
        cr = make_cr(s, family_with_child(s), p, make_convention(s, p))
        cid = cr.id
    with db.session_scope(factory, 1) as s:
        reports.record_monthly_answer(s, care_referral_id=cid, year=2026, month=3, comes_regularly=False)
        a = reports.record_monthly_answer(s, care_referral_id=cid, year=2026, month=3, comes_regularly=True,
                                          remark="Vient")
        assert (a.comes_regularly, a.remark, a.month) == (True, "Vient", "2026-03")
    before = db_snapshot()
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            reports.record_monthly_answer(s, care_referral_id=cid, year=2026, month=1, comes_regularly=True)
    assert err.value.field == "month"
    assert db_snapshot() == before


def _statement_setup(s):
    p = make_partner(s)
    conv = make_convention(s, p, start=D(2026, 1, 1), end=D(2026, 12, 31))  # 45.00 / 50.00 / 60.50
    a = make_cr(s, family_with_child(s, name="Arnaud"), p, conv, sent_on=D(2026, 1, 5))
    b = make_cr(s, family_with_child(s, name="Blanc"), p, conv, sent_on=D(2026, 1, 5))
    add_sessions(s, a, [D(2026, 1, 12), D(2026, 2, 9), D(2026, 3, 31)])  # 3 individual
    add_sessions(s, a, [D(2026, 2, 10), D(2026, 3, 10)], kind=SessionKind.PARENTS)  # 2 parents
    add_sessions(s, b, [D(2026, 3, 3)], kind=SessionKind.FAMILY)  # 1 family
    add_sessions(s, b, [D(2026, 3, 4)], status=EXC)
    add_sessions(s, b, [D(2026, 3, 5)], status=CAN)
    add_sessions(s, b, [D(2026, 3, 6)], hors_quota=True)
    add_sessions(s, b, [D(2026, 4, 1), D(2025, 12, 31)])  # other quarters
    return conv


def test_quarterly_statement_matches_hand_count(session):
    conv = _statement_setup(session)
    st = reports.quarterly_statement(session, conv.id, 2026, 1)
    assert (st.period_start, st.period_end, st.reference) == (D(2026, 1, 1), D(2026, 3, 31), "CONV-2026-01")
    assert [(l.kind, l.count, l.tariff, l.amount) for l in st.lines] == [
        (SessionKind.INDIVIDUAL, 3, Decimal("45.00"), Decimal("135.00")),
        (SessionKind.PARENTS, 2, Decimal("50.00"), Decimal("100.00")),
        (SessionKind.FAMILY, 1, Decimal("60.50"), Decimal("60.50"))]
    assert st.total == Decimal("295.50") and st.billable_count == 6
    assert [(e.session_date, e.reason) for e in st.excluded] == [
        (D(2026, 3, 4), "Absence"), (D(2026, 3, 5), "Annulée"), (D(2026, 3, 6), "Hors quota")]
    assert st.excluded[0].last_name == "Blanc"


def test_statement_flags_sessions_after_termination(session):
    conv = _statement_setup(session)
    cr = session.scalars(select(CareReferral).where(CareReferral.convention_id == conv.id)).first()
    add_sessions(session, cr, [D(2026, 6, 15), D(2026, 6, 16)])
    cv.terminate_convention(session, conv.id, notice_on=D(2026, 5, 15))  # valid until 15/06/2026
    st = reports.quarterly_statement(session, conv.id, 2026, 2)
    assert st.lines[0].count == 2 and st.total == Decimal("90.00")  # 01/04 and 15/06
    assert [(e.session_date, e.reason) for e in st.excluded] == [(D(2026, 6, 16), "Hors des dates de la convention")]


@pytest.mark.parametrize("year, quarter, field", [(2025, 4, "quarter"), (2026, 5, "quarter"), (2026, 0, "quarter")])
def test_statement_refusals(session, year, quarter, field):
    conv = _statement_setup(session)
    with pytest.raises(DomainError) as err:
        reports.quarterly_statement(session, conv.id, year, quarter)
    assert err.value.field == field


def test_statement_refused_for_quarter_after_termination(session):
    conv = _statement_setup(session)
    cv.terminate_convention(session, conv.id, notice_on=D(2026, 5, 15))
    with pytest.raises(DomainError) as err:
        reports.quarterly_statement(session, conv.id, 2026, 3)
    assert err.value.field == "quarter" and "entièrement en dehors" in err.value.message


def test_monthly_table_is_fast_for_300_beneficiaries(factory, engine):
    """300 beneficiaries × 20 sessions: a fixed number of queries, well under a second."""
    with db.session_scope(factory, 1) as s:
        p = make_partner(s)
        conv = make_convention(s, p)
        pid, conv_id = p.id, conv.id
    n = 300
    with engine.begin() as conn:
        conn.execute(insert(Family), [{"id": 1000 + i, "name": f"Famille {i:03d}", "search_name": "", "version": 1}
                                      for i in range(n)])
        conn.execute(insert(Consent), [{"family_id": 1000 + i, "given_on": D(2026, 1, 1), "given_by": "Parent",
                                        "scope": "", "version": 1} for i in range(n)])
        conn.execute(insert(Child), [{"id": 1000 + i, "family_id": 1000 + i, "last_name": f"Nom{i:03d}",
                                      "first_name": "Prénom", "search_name": "", "birth_date": D(2014, 1, 1),
                                      "status": "active", "version": 1} for i in range(n)])
        conn.execute(insert(CareReferral), [{"id": 1000 + i, "child_id": 1000 + i, "partner_id": pid,
                                             "convention_id": conv_id, "beneficiary_kind": "child", "reason": "x",
                                             "requested_on": D(2026, 1, 5), "sent_on": D(2026, 1, 6),
                                             "state": "in_progress", "version": 1} for i in range(n)])
        conn.execute(insert(CareSession), [{"care_referral_id": 1000 + i, "session_date": D(2026, 1, 12) + dt.timedelta(days=7 * k),
                                            "kind": "individual", "status": "present", "hors_quota": False, "version": 1}
                                           for i in range(n) for k in range(20)])
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        with db.session_scope(factory, 1) as s:
            started = time.process_time()  # CPU: the neighbours on a shared machine do not count
            table = reports.monthly_table(s, pid, 2026, 3)
            elapsed = time.process_time() - started
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(table.rows) == n and all(len(r.sessions) in (4, 5) for r in table.rows)
    assert len(statements) <= 10, statements
    assert elapsed < 1.0


def test_sessions_after_renewal_are_billed_under_the_renewed_convention(session):
    """A fiche sent under a convention goes on after its renewal (same quota, same fiche):
    its sessions in the new term are billed on the new convention's statement, once."""
    p = make_partner(session)
    old = make_convention(session, p, start=D(2025, 11, 15), end=D(2026, 11, 14), reference="OLD")
    cr = make_cr(session, family_with_child(session, name="Arnaud"), p, old, requested_on=D(2025, 11, 20),
                 sent_on=D(2025, 11, 21))
    add_sessions(session, cr, [D(2026, 10, 5), D(2026, 11, 14), D(2026, 11, 16)])
    add_sessions(session, cr, [D(2026, 11, 17)], status=EXC)
    new = cv.renew_convention(session, old.id, reference="NEW")
    new.tariff_individual = Decimal("47.00")  # draft: terms may still change before signature
    cv.sign_convention(session, new.id, signed_on=D(2026, 11, 10))
    other = make_convention(session, make_partner(session, name="Autre"), reference="AUTRE")
    add_sessions(session, make_cr(session, family_with_child(session, name="Blanc"), other.partner, other),
                 [D(2026, 11, 16)])
    st_new = reports.quarterly_statement(session, new.id, 2026, 4)
    assert (st_new.lines[0].count, st_new.lines[0].amount, st_new.total) == (1, Decimal("47.00"), Decimal("47.00"))
    assert [(e.session_date, e.reason) for e in st_new.excluded] == [(D(2026, 11, 17), "Absence")]
    st_old = reports.quarterly_statement(session, old.id, 2026, 4)
    assert st_old.lines[0].count == 2 and st_old.total == Decimal("90.00")  # 05/10 and 14/11, not 16/11 again


def test_monthly_answer_refused_for_a_month_not_yet_begun(factory, db_snapshot):
    """The partner says whether the beneficiary came: not for a month that has not started (today 22/11/2026)."""
    with db.session_scope(factory, 1) as s:
        p = make_partner(s)
        cid = make_cr(s, family_with_child(s), p, make_convention(s, p)).id
    with db.session_scope(factory, 1) as s:
        reports.record_monthly_answer(s, care_referral_id=cid, year=2026, month=11, comes_regularly=True)
    before = db_snapshot()
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            reports.record_monthly_answer(s, care_referral_id=cid, year=2026, month=12, comes_regularly=True)
    assert err.value.field == "month" and "décembre 2026" in err.value.message
    assert db_snapshot() == before


def test_monthly_table_order_ignores_accents_and_counts_the_quota_to_the_months_end(session):
    p = make_partner(session)
    conv = make_convention(session, p, start=D(2026, 1, 1), end=D(2026, 12, 31))
    celik = make_cr(session, family_with_child(session, name="Çelik"), p, conv, sent_on=D(2026, 1, 5))
    make_cr(session, family_with_child(session, name="Dupont"), p, conv, sent_on=D(2026, 1, 5))
    make_cr(session, family_with_child(session, name="Arnaud"), p, conv, sent_on=D(2026, 1, 5))
    add_sessions(session, celik, [D(2026, 2, 2), D(2026, 3, 2)])
    add_sessions(session, celik, [D(2026, 3, 9)], status=EXC)
    add_sessions(session, celik, [D(2026, 3, 10)], hors_quota=True)
    add_sessions(session, celik, [D(2026, 4, 6)])  # after the month: not counted yet
    table = reports.monthly_table(session, p.id, 2026, 3)
    assert [r.last_name for r in table.rows] == ["Arnaud", "Çelik", "Dupont"]
    row = table.rows[1]
    assert [(s.session_date, s.status) for s in row.sessions] == [(D(2026, 3, 2), P), (D(2026, 3, 9), EXC),
                                                                  (D(2026, 3, 10), P)]
    assert (row.used, row.hors_quota) == (2, 1)
