"""A partner's month, repeating appointments and the typed codes: all or nothing."""

import datetime as dt

import pytest
from care_fixtures import (
    add_sessions,
    care_referral as make_cr,
    convention as make_convention,
    family_with_child,
    partner as make_partner,
    weekly,
)
from refusal import refused
from sqlalchemy import select

from pre_desktop import db
from pre_desktop.models import CareReferral, CareSession, MonthlyAnswer, SessionKind, SessionStatus
from pre_desktop.services import session_batches as sb, sessions as ss
from pre_desktop.services.errors import DomainError, NeedsConfirmation
from pre_desktop.services.session_codes import TypedSession, format_sessions, parse_sessions

D = dt.date
P, E, A, X = SessionStatus.PRESENT, SessionStatus.EXCUSED, SessionStatus.UNEXCUSED, SessionStatus.CANCELLED
I, PA, F = SessionKind.INDIVIDUAL, SessionKind.PARENTS, SessionKind.FAMILY


def entries(*items, where=""):
    return [sb.EntryInput(d, k, s, where=where or f"{d.day}") for d, k, s in items]


def _setup(factory, held=0):
    with db.session_scope(factory, 1) as s:
        p = make_partner(s)
        conv = make_convention(s, p)
        a = make_cr(s, family_with_child(s, name="Arnaud"), p, conv, answered_on=D(2026, 2, 5))
        b = make_cr(s, family_with_child(s, name="Blanc"), p, conv)
        other = make_partner(s, name="CMP Autre")
        c = make_cr(s, family_with_child(s, name="Cissé"), other, None)
        add_sessions(s, a, weekly(D(2026, 2, 9), held))
        add_sessions(s, a, [D(2026, 10, 5)], status=E)
        return p.id, a.id, b.id, c.id


def _sessions(factory, cr_id):
    with factory() as s:
        return [(x.session_date, x.kind, x.status, x.hors_quota) for x in
                s.scalars(select(CareSession).where(CareSession.care_referral_id == cr_id)
                          .order_by(CareSession.session_date, CareSession.kind))]


# --------------------------------------------------------------------------- codes


def test_parse_codes():
    assert parse_sessions("3; 10 E, 17 PA\n24 x f ; 31/10 I A", 2026, 10) == [
        TypedSession(D(2026, 10, 3), I, P), TypedSession(D(2026, 10, 10), I, E),
        TypedSession(D(2026, 10, 17), PA, P), TypedSession(D(2026, 10, 24), F, X),
        TypedSession(D(2026, 10, 31), I, A)]
    assert parse_sessions("12 I P", 2026, 10) == [TypedSession(D(2026, 10, 12), I, P)]
    assert parse_sessions("  ", 2026, 10) == []
    assert format_sessions([TypedSession(D(2026, 10, 17), PA, E), TypedSession(D(2026, 10, 3), I, P)]) == "3 I P; 17 PA E"


@pytest.mark.parametrize("text, bad", [("32", "32"), ("12 Z", "Z"), ("12 P E", "E"), ("lundi", "lundi")])
def test_parse_refusals(text, bad):
    with pytest.raises(DomainError) as err:
        parse_sessions(text, 2026, 10)
    assert f"« {bad} »" in err.value.message and err.value.field == "sessions"


# --------------------------------------------------------------------------- the month


def test_save_month_replaces_the_typed_month_and_records_answers(factory):
    pid, a, b, _ = _setup(factory, held=3)
    with db.session_scope(factory, 1) as s:
        result = sb.save_month(s, partner_id=pid, year=2026, month=10, rows=[
            sb.BeneficiaryMonth(a, entries((D(2026, 10, 5), I, P), (D(2026, 10, 12), PA, P), (D(2026, 10, 19), I, X))),
            sb.BeneficiaryMonth(b, entries((D(2026, 10, 7), F, A)), answer_given=True, comes_regularly=False,
                                remark="Deux absences"),
        ])
    assert (result.created, result.updated, result.deleted, result.answers) == (3, 1, 0, 1)
    assert _sessions(factory, a)[3:] == [(D(2026, 10, 5), I, P, False), (D(2026, 10, 12), PA, P, False),
                                         (D(2026, 10, 19), I, X, False)]
    with db.session_scope(factory, 1) as s:  # typing the cell again without the 12th deletes it
        result = sb.save_month(s, partner_id=pid, year=2026, month=10, rows=[
            sb.BeneficiaryMonth(a, entries((D(2026, 10, 5), I, P), (D(2026, 10, 19), I, X)))])
        assert (result.created, result.updated, result.deleted) == (0, 0, 1)
        assert ss.quota_status(s, a).used == 4
        answer = s.scalars(select(MonthlyAnswer).where(MonthlyAnswer.care_referral_id == b)).one()
        assert (answer.month, answer.comes_regularly, answer.remark) == ("2026-10", False, "Deux absences")


def test_save_month_refusals_are_reported_by_row_and_nothing_is_written(factory, db_snapshot):
    pid, a, b, c = _setup(factory, held=3)
    rows = [
        sb.BeneficiaryMonth(a, entries((D(2026, 9, 30), I, P), where="ligne 4") + entries((D(2026, 10, 6), I, P)),
                            where="ligne 4"),
        sb.BeneficiaryMonth(b, entries((D(2026, 10, 7), I, P), (D(2026, 10, 7), I, E)), where="ligne 5"),
        sb.BeneficiaryMonth(c, [], where="ligne 6"),
        sb.BeneficiaryMonth(999, [], where="ligne 7"),
    ]
    err = refused(factory, db_snapshot, lambda s: sb.save_month(s, partner_id=pid, year=2026, month=10, rows=rows),
                  sb.RowsRefused)
    text = [str(e) for e in err.errors]
    assert text == [
        "ligne 4 : la date 30/09/2026 n'est pas dans octobre 2026.",
        "7 : une séance « Entretien individuel » est déjà enregistrée le 07/10/2026 pour ce bénéficiaire.",
        "ligne 6 : ce bénéficiaire est orienté vers une autre structure partenaire.",
        "ligne 7 : bénéficiaire inconnu (fiche n° 999)."]
    assert err.message.startswith("4 erreurs : rien n'a été enregistré.")


def test_save_month_refuses_future_month_and_dates(factory, db_snapshot):
    pid, a, _, _ = _setup(factory)
    refused(factory, db_snapshot, lambda s: sb.save_month(s, partner_id=pid, year=2026, month=12, rows=[]))
    err = refused(factory, db_snapshot, lambda s: sb.save_month(s, partner_id=pid, year=2026, month=11, rows=[
        sb.BeneficiaryMonth(a, entries((D(2026, 11, 23), I, P)))]), sb.RowsRefused)
    assert "futur" in err.errors[0].message
    err = refused(factory, db_snapshot, lambda s: sb.save_month(s, partner_id=pid, year=2026, month=2, rows=[
        sb.BeneficiaryMonth(a, entries((D(2026, 2, 1), I, P)))]), sb.RowsRefused)
    assert "précéder l'envoi" in err.errors[0].message


def test_save_month_quota_threshold_asks_and_21st_needs_relay(factory, db_snapshot):
    pid, a, _, _ = _setup(factory, held=13)  # 13 held; the 14th, 15th, 16th typed in October
    rows = [sb.BeneficiaryMonth(a, entries((D(2026, 10, 12), I, P), (D(2026, 10, 19), I, P), (D(2026, 10, 26), I, P)))]
    asked = refused(factory, db_snapshot, lambda s: sb.save_month(s, partner_id=pid, year=2026, month=10, rows=rows),
                    NeedsConfirmation)
    assert [w.message[:16] for w in asked.warnings] == ["15 séances sur 2", "16 séances sur 2"]
    with db.session_scope(factory, 1) as s:
        sb.save_month(s, partner_id=pid, year=2026, month=10, rows=rows, confirm=True)
    rows = [sb.BeneficiaryMonth(a, entries(*[(D(2026, 11, d), I, P) for d in (2, 3, 4, 5, 6)]))]  # 17..21
    err = refused(factory, db_snapshot, lambda s: sb.save_month(s, partner_id=pid, year=2026, month=11, rows=rows,
                                                                confirm=True), sb.RowsRefused)
    assert err.errors[0].where == "6" and "relais" in err.errors[0].message
    rows[0].relay_funding_note = "Relais CMP de secteur"
    with db.session_scope(factory, 1) as s:
        result = sb.save_month(s, partner_id=pid, year=2026, month=11, rows=rows, confirm=True)
        assert result.hors_quota == 1
        assert ss.quota_status(s, a) == ss.QuotaStatus(20, 20, 15, 1, "beyond")
        assert s.get(CareReferral, a).relay_funding_note == "Relais CMP de secteur"


def test_import_style_rows_update_by_id_and_keep_the_rest(factory):
    pid, a, _, _ = _setup(factory, held=0)
    with factory() as s:
        absent_id = s.scalars(select(CareSession.id).where(CareSession.care_referral_id == a)).one()
    with db.session_scope(factory, 1) as s:
        result = sb.save_month(s, partner_id=pid, year=2026, month=10, rows=[sb.BeneficiaryMonth(
            a, [sb.EntryInput(D(2026, 10, 6), I, P, session_id=absent_id), sb.EntryInput(D(2026, 10, 13), I, P)],
            replace=False)])
    assert (result.created, result.updated, result.deleted) == (1, 1, 0)
    assert _sessions(factory, a) == [(D(2026, 10, 6), I, P, False), (D(2026, 10, 13), I, P, False)]


# --------------------------------------------------------------------------- repeating


def test_repeating_dates_skip_public_holidays():
    days, holidays = sb.repeating_dates(2, D(2026, 4, 27), D(2026, 5, 31))  # Wednesdays
    assert days == [D(2026, 4, 29), D(2026, 5, 6), D(2026, 5, 13), D(2026, 5, 20), D(2026, 5, 27)]
    assert holidays == []
    days, holidays = sb.repeating_dates(3, D(2026, 5, 1), D(2026, 5, 31))  # Thursdays: Ascension 14/05
    assert days == [D(2026, 5, 7), D(2026, 5, 21), D(2026, 5, 28)] and holidays == [(D(2026, 5, 14), "Ascension")]


def test_record_repeating_in_one_transaction(factory, db_snapshot):
    pid, a, _, _ = _setup(factory)
    with db.session_scope(factory, 1) as s:
        result = sb.record_repeating(s, care_referral_id=a, weekday=0, start_date="01/05/2026", end_date="01/06/2026",
                                     kind="parents")
    # Mondays of May 2026: 4, 11, 18, 25 (Whit Monday: skipped), and 1 June
    assert result.created == (D(2026, 5, 4), D(2026, 5, 11), D(2026, 5, 18), D(2026, 6, 1))
    assert result.holidays == ((D(2026, 5, 25), "Lundi de Pentecôte"),)
    assert "Lundi de Pentecôte" in result.summary()
    assert [x[0] for x in _sessions(factory, a)] == [*result.created, D(2026, 10, 5)]
    # again over a longer period: the days already there are asked about, then left alone
    asked = refused(factory, db_snapshot, lambda s: sb.record_repeating(
        s, care_referral_id=a, weekday=0, start_date=D(2026, 5, 1), end_date=D(2026, 6, 8), kind="parents"),
        NeedsConfirmation)
    assert asked.warnings[0].code == "already_recorded"
    with db.session_scope(factory, 1) as s:
        result = sb.record_repeating(s, care_referral_id=a, weekday=0, start_date=D(2026, 5, 1),
                                     end_date=D(2026, 6, 8), kind="parents", confirm=True)
    assert result.created == (D(2026, 6, 8),) and len(result.existing) == 4


@pytest.mark.parametrize("kwargs, field, text", [
    (dict(weekday=7), "weekday", "jour de la semaine"),
    (dict(start_date=D(2026, 6, 1), end_date=D(2026, 5, 1)), "end_date", "précède"),
    (dict(end_date=D(2026, 11, 30)), "end_date", "après aujourd'hui"),
    (dict(start_date=D(2026, 1, 5), end_date=D(2026, 2, 28)), "start_date", "précéder l'envoi"),
    (dict(start_date=D(2026, 5, 14), end_date=D(2026, 5, 14), weekday=3), "start_date", "Aucun jeudi"),
])
def test_record_repeating_refusals(factory, db_snapshot, kwargs, field, text):
    _pid, a, _, _ = _setup(factory)
    values = dict(care_referral_id=a, weekday=2, start_date=D(2026, 3, 1), end_date=D(2026, 3, 31)) | kwargs
    err = refused(factory, db_snapshot, lambda s: sb.record_repeating(s, **values))
    assert err.field == field and text in err.message


def test_record_repeating_across_the_quota(factory, db_snapshot):
    _pid, a, _, _ = _setup(factory, held=18)  # Wednesdays of September: 2, 9, 16, 23, 30 → 19, 20, 21, 22, 23
    values = dict(care_referral_id=a, weekday=2, start_date=D(2026, 9, 1), end_date=D(2026, 9, 30), confirm=True)
    err = refused(factory, db_snapshot, lambda s: sb.record_repeating(s, **values))
    assert err.field == "relay_funding_note" and err.message.startswith("Séance du 16/09/2026 : le quota")
    with db.session_scope(factory, 1) as s:
        result = sb.record_repeating(s, relay_funding_note="Droit commun CMP", **values)
    assert result.hors_quota == 3
    assert [x[3] for x in _sessions(factory, a) if x[0].month == 9] == [False, False, True, True, True]


def test_month_grid_and_partners_of_month(factory):
    pid, a, b, c = _setup(factory, held=16)
    with factory() as s:
        rows = sb.month_grid(s, pid, 2026, 5)
        assert [(r.last_name, r.used, r.quota, r.level) for r in rows] == [("Arnaud", 16, 20, "warning"),
                                                                           ("Blanc", 0, 20, "ok")]
        assert [g.session_date for g in rows[0].sessions] == [D(2026, 5, 4), D(2026, 5, 11), D(2026, 5, 18),
                                                              D(2026, 5, 25)]
        assert rows[0].quota_text == "16 / 20"
        months = sb.partners_of_month(s, 2026, 5)
        assert [(m.name, m.beneficiaries) for m in months] == [("Association Filigrane", 2), ("CMP Autre", 1)]
        assert sb.partners_of_month(s, 2026, 1) == []
