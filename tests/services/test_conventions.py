import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select
from care_fixtures import (care_referral, convention as make_convention, family_with_child,
                           partner as make_partner)
from refusal import refused

from pre_desktop.services.common import add_months
from pre_desktop import db
from pre_desktop.models import BillingPeriod, Convention, ConventionStatus, GeneratedDocument
from pre_desktop.services import documents, templates
from pre_desktop.services import conventions as cv
from pre_desktop.services.errors import DomainError, StaleRecordError

D = dt.date
TARIFFS = dict(tariff_individual="45,50", tariff_parents="1 234,50 €", tariff_family=60)


def _create(session, partner_id, **kwargs):
    args = dict(partner_id=partner_id, reference="CONV-1", start_date=D(2026, 1, 1)) | TARIFFS | kwargs
    return cv.create_convention(session, **args)


@pytest.mark.parametrize("start, months, end", [
    (D(2026, 1, 1), 12, D(2026, 12, 31)),
    (D(2026, 11, 15), 12, D(2027, 11, 14)),
    (D(2026, 1, 31), 1, D(2026, 2, 28)),
    (D(2028, 1, 31), 1, D(2028, 2, 29)),
    (D(2026, 3, 1), 1, D(2026, 3, 31)),
    (D(2028, 2, 29), 12, D(2029, 2, 28)),
    (D(2026, 8, 31), 6, D(2027, 2, 28)),
])
def test_end_of_term(start, months, end):
    assert cv.end_of_term(start, months) == end


def test_add_months_clamps_month_ends():
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2026, 12, 15), 1) == D(2027, 1, 15)
    assert add_months(D(2026, 3, 31), 1) == D(2026, 4, 30)


def test_create_convention_defaults_and_amounts(session):
    p = make_partner(session)
    c = _create(session, p.id, start_date="15/01/2026")
    assert c.status is ConventionStatus.DRAFT
    assert c.end_date == D(2027, 1, 14) and c.duration_months == 12
    assert (c.session_quota, c.quota_warning_threshold, c.first_appointment_delay_days) == (20, 15, 30)
    assert c.tariff_individual == Decimal("45.50") and c.tariff_parents == Decimal("1234.50")
    assert c.tariff_family == Decimal("60.00") and c.billing_period is BillingPeriod.QUARTERLY
    explicit = _create(session, p.id, reference="CONV-2", end_date=D(2026, 6, 30))
    assert explicit.end_date == D(2026, 6, 30)


@pytest.mark.parametrize("kwargs, field, text", [
    (dict(end_date=D(2025, 12, 31)), "end_date", "date de fin"),
    (dict(tariff_individual="abc"), "tariff_individual", "montant"),
    (dict(tariff_family="-5"), "tariff_family", "montant"),
    (dict(session_quota=0), "session_quota", "zéro"),
    (dict(session_quota=-3), "session_quota", "zéro"),
    (dict(tariff_parents="45,50,2"), "tariff_parents", "montant"),
    (dict(quota_warning_threshold=20), "quota_warning_threshold", "inférieur"),
    (dict(quota_warning_threshold=25), "quota_warning_threshold", "inférieur"),
    (dict(reference=""), "reference", "obligatoire"),
    (dict(start_date="32/01/2026"), "start_date", "date valide"),
    (dict(duration_months=0), "duration_months", "zéro"),
    (dict(billing_period="weekly"), "billing_period", "périodicité"),
    (dict(signed_on=D(2027, 1, 1)), "signed_on", "futur"),
])
def test_create_convention_refusals(factory, db_snapshot, kwargs, field, text):
    with db.session_scope(factory, 1) as s:
        pid = make_partner(s).id
    before = db_snapshot()
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            _create(s, pid, **kwargs)
    assert err.value.field == field and text in err.value.message.lower()
    assert db_snapshot() == before


def test_update_draft_recomputes_end_and_signed_terms_are_frozen(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        c = _create(s, make_partner(s).id)
        cid = c.id
    with db.session_scope(factory, 1) as s:
        c = cv.update_convention(s, cid, expected_version=1, start_date=D(2026, 2, 1), notes="Relu")
        assert c.end_date == D(2027, 1, 31) and c.notes == "Relu"
        cv.sign_convention(s, cid, signed_on=D(2026, 1, 20))
    with db.session_scope(factory, 1) as s:
        c = cv.update_convention(s, cid, expected_version=None, psychologist_name="Mme Roche",
                                 tariff_individual="45,50")  # same amount written differently: not a change
        version = c.version
    before = db_snapshot()
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            cv.update_convention(s, cid, expected_version=version, tariff_individual="50")
    assert err.value.field == "tariff_individual" and "signée" in err.value.message
    with pytest.raises(StaleRecordError):
        with db.session_scope(factory, 1) as s:
            cv.update_convention(s, cid, expected_version=version - 1, notes="x")
    assert db_snapshot() == before


def test_funder_is_trimmed_optional_and_editable_once_signed(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        c = _create(s, make_partner(s).id, funder="  CAF  ")
        cid = c.id
        assert c.funder == "CAF"
        cv.sign_convention(s, cid, signed_on=D(2025, 12, 20))
    with db.session_scope(factory, 1) as s:
        assert cv.update_convention(s, cid, expected_version=None, funder="Ville").funder == "Ville"
        assert cv.update_convention(s, cid, expected_version=None, funder=" ").funder is None
    before = db_snapshot()
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            cv.update_convention(s, cid, expected_version=None, funder="F" * 121)
    assert err.value.field == "funder" and "Financeur" in err.value.message
    assert db_snapshot() == before


def test_sign_refuses_overlapping_signed_convention(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        p = make_partner(s)
        a = _create(s, p.id, reference="A")
        cv.sign_convention(s, a.id, signed_on=D(2025, 12, 20))
        b = _create(s, p.id, reference="B", start_date=D(2026, 12, 31))
        other_partner = make_partner(s, name="Autre")
        c = _create(s, other_partner.id, reference="C")
        ids = a.id, b.id, c.id
    with db.session_scope(factory, 1) as s:
        cv.sign_convention(s, ids[2], signed_on=D(2026, 1, 2))  # other partner: no conflict
    before = db_snapshot()
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            cv.sign_convention(s, ids[1], signed_on=D(2026, 11, 1))
    assert err.value.field == "start_date" and "« A »" in err.value.message
    with pytest.raises(DomainError):
        with db.session_scope(factory, 1) as s:
            cv.sign_convention(s, ids[0], signed_on=D(2026, 1, 1))  # already signed
    assert db_snapshot() == before


def test_terminated_convention_no_longer_blocks_a_new_one(session):
    p = make_partner(session)
    a = make_convention(session, p, start=D(2026, 1, 1), end=D(2026, 12, 31), reference="A")
    cv.terminate_convention(session, a.id, notice_on=D(2026, 5, 31))
    assert a.status is ConventionStatus.TERMINATED
    assert a.termination_notice_on == D(2026, 5, 31) and a.terminated_on == D(2026, 6, 30)
    b = _create(session, p.id, reference="B", start_date=D(2026, 7, 1))
    cv.sign_convention(session, b.id, signed_on=D(2026, 6, 15))
    assert cv.convention_in_force(session, p.id, D(2026, 6, 30)).id == a.id
    assert cv.convention_in_force(session, p.id, D(2026, 7, 1)).id == b.id


def test_termination_notice_and_effective_end(session):
    p = make_partner(session)
    c = make_convention(session, p, start=D(2026, 1, 1), end=D(2026, 12, 31))
    cv.terminate_convention(session, c.id, notice_on=D(2026, 1, 31))
    assert c.terminated_on == D(2026, 2, 28) and cv.validity_end(c) == D(2026, 2, 28)
    assert cv.covers(c, D(2026, 2, 28)) and not cv.covers(c, D(2026, 3, 1))
    late = make_convention(session, make_partner(session, name="B"), start=D(2025, 12, 1), end=D(2026, 11, 30))
    cv.terminate_convention(session, late.id, notice_on=D(2026, 11, 15))
    assert cv.validity_end(late) == D(2026, 11, 30)  # the end comes before the notice runs out


@pytest.mark.parametrize("notice, text", [
    (D(2026, 11, 23), "futur"),
    (D(2025, 12, 31), "précéder"),
])
def test_termination_refusals(factory, db_snapshot, notice, text):
    with db.session_scope(factory, 1) as s:
        cid = make_convention(s, make_partner(s)).id
    before = db_snapshot()
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            cv.terminate_convention(s, cid, notice_on=notice)
    assert err.value.field == "notice_on" and text in err.value.message
    assert db_snapshot() == before


def test_draft_cannot_be_terminated(session):
    c = make_convention(session, make_partner(session), status=ConventionStatus.DRAFT)
    with pytest.raises(DomainError, match="signée"):
        cv.terminate_convention(session, c.id, notice_on=D(2026, 3, 1))


def test_effective_status_and_in_force(session):
    p = make_partner(session)
    c = make_convention(session, p, start=D(2025, 11, 1), end=D(2026, 10, 31))
    assert cv.effective_status(c, D(2026, 10, 31)) is ConventionStatus.SIGNED
    assert cv.effective_status(c) is ConventionStatus.EXPIRED  # today 22/11/2026
    assert cv.convention_in_force(session, p.id, D(2026, 10, 31)).id == c.id
    assert cv.convention_in_force(session, p.id) is None
    assert cv.convention_in_force(session, p.id, D(2025, 10, 31)) is None
    draft = make_convention(session, p, start=D(2026, 11, 1), end=D(2027, 10, 31), status=ConventionStatus.DRAFT)
    assert cv.convention_in_force(session, p.id) is None
    assert cv.effective_status(draft) is ConventionStatus.DRAFT


def test_renew_copies_terms_with_new_dates(session):
    p = make_partner(session)
    old = make_convention(session, p, start=D(2026, 1, 1), end=D(2026, 12, 31), quota=12, threshold=10)
    new = cv.renew_convention(session, old.id)
    assert new.status is ConventionStatus.DRAFT and new.renewed_from_id == old.id
    assert (new.start_date, new.end_date) == (D(2027, 1, 1), D(2027, 12, 31))
    assert (new.session_quota, new.tariff_family) == (12, Decimal("60.50"))
    with pytest.raises(DomainError, match="déjà été renouvelée"):
        cv.renew_convention(session, old.id)
    other = make_convention(session, make_partner(session, name="B"), start=D(2026, 1, 1), end=D(2026, 12, 31))
    custom = cv.renew_convention(session, other.id, start_date="01/12/2026", reference="B-2027")
    assert (custom.start_date, custom.end_date, custom.reference) == (D(2026, 12, 1), D(2027, 11, 30), "B-2027")


def test_renew_refusals_leave_database_unchanged(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        p = make_partner(s)
        draft = make_convention(s, p, status=ConventionStatus.DRAFT, reference="D")
        signed = make_convention(s, make_partner(s, name="B"), reference="S")
        ids = draft.id, signed.id
    before = db_snapshot()
    with pytest.raises(DomainError):
        with db.session_scope(factory, 1) as s:
            cv.renew_convention(s, ids[0])
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            cv.renew_convention(s, ids[1], start_date=D(2025, 6, 1))
    assert err.value.field == "start_date"
    assert db_snapshot() == before


def test_conventions_to_renew_within_60_days(session):
    a = make_convention(session, make_partner(session, name="A"), start=D(2026, 1, 1), end=D(2026, 12, 31), reference="A")
    make_convention(session, make_partner(session, name="B"), start=D(2026, 2, 1), end=D(2027, 1, 31), reference="B")
    make_convention(session, make_partner(session, name="C"), start=D(2026, 3, 1), end=D(2027, 2, 28), reference="C")
    make_convention(session, make_partner(session, name="D"), start=D(2026, 1, 1), end=D(2026, 12, 31),
                    reference="D", status=ConventionStatus.DRAFT)
    rows = cv.conventions_to_renew(session)  # today 22/11/2026 → until 21/01/2027
    assert [(r.reference, r.partner_name, r.end_date, r.days_left) for r in rows] == [
        ("A", "A", D(2026, 12, 31), 39)]
    assert [r.reference for r in cv.conventions_to_renew(session, D(2026, 12, 10))] == ["A", "B"]
    cv.renew_convention(session, a.id)
    assert cv.conventions_to_renew(session) == []
    assert isinstance(session.get(Convention, a.id), Convention)


def test_sign_refuses_overlap_with_convention_under_notice_or_expired(factory, db_snapshot):
    """A terminated convention still covers sessions until its notice runs out; a stored
    EXPIRED one covered its whole term: a new convention may not overlap either."""
    with db.session_scope(factory, 1) as s:
        p = make_partner(s)
        a = make_convention(s, p, start=D(2026, 1, 1), end=D(2026, 12, 31), reference="A")
        cv.terminate_convention(s, a.id, notice_on=D(2026, 5, 31))  # covers until 30/06/2026
        b = _create(s, p.id, reference="B", start_date=D(2026, 6, 15))
        q = make_partner(s, name="Autre")
        make_convention(s, q, start=D(2025, 1, 1), end=D(2025, 12, 31), reference="OLD",
                        status=ConventionStatus.EXPIRED)
        c = _create(s, q.id, reference="C", start_date=D(2025, 6, 1))
        ids = b.id, c.id
    before = db_snapshot()
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            cv.sign_convention(s, ids[0], signed_on=D(2026, 6, 10))
    assert err.value.field == "start_date" and "« A »" in err.value.message and "30/06/2026" in err.value.message
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            cv.sign_convention(s, ids[1], signed_on=D(2025, 5, 20))
    assert err.value.field == "start_date" and "« OLD »" in err.value.message
    assert db_snapshot() == before


def test_convention_stored_as_expired_still_covers_its_term_and_can_be_renewed(session):
    p = make_partner(session)
    old = make_convention(session, p, start=D(2025, 1, 1), end=D(2025, 12, 31), reference="OLD",
                          status=ConventionStatus.EXPIRED)
    assert cv.convention_in_force(session, p.id, D(2025, 12, 31)).id == old.id
    assert cv.convention_in_force(session, p.id, D(2026, 1, 1)) is None
    new = cv.renew_convention(session, old.id)
    assert (new.start_date, new.end_date, new.renewed_from_id) == (D(2026, 1, 1), D(2026, 12, 31), old.id)


def test_unknown_partner_names_its_field(session):
    with pytest.raises(DomainError, match="introuvable") as err:
        _create(session, 999)
    assert err.value.field == "partner_id"


def test_blank_end_date_is_computed_like_a_missing_one(session):
    """Blank text means 'not given' for every date (as_date); the end then follows start and duration."""
    c = _create(session, make_partner(session).id, end_date="  ")
    assert c.end_date == D(2026, 12, 31)
    c = cv.update_convention(session, c.id, expected_version=None, duration_months=6, end_date="")
    assert c.end_date == D(2026, 6, 30)


def test_signed_convention_keeps_its_signature_date(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        c = _create(s, make_partner(s).id)
        cv.sign_convention(s, c.id, signed_on=D(2025, 12, 20))
        cid = c.id
    before = db_snapshot()
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            cv.update_convention(s, cid, expected_version=None, signed_on=None)
    assert err.value.field == "signed_on" and "signée" in err.value.message
    assert db_snapshot() == before


def test_signatory_titles_and_bank_details_are_kept_and_renewed(session):
    c = _create(session, make_partner(session).id, signatory_pre="M. Alain Roux", signatory_pre_title="Président",
                signatory_partner="Mme Kaci", signatory_partner_title="Directrice",
                bank_details="FR76 3000 1007 9412 3456 7890 185\nBanque de France")
    cv.sign_convention(session, c.id, signed_on=D(2025, 12, 20))
    # titles and bank details are not terms of the agreement: editable once signed
    cv.update_convention(session, c.id, expected_version=None, signatory_partner_title="Présidente")
    new = cv.renew_convention(session, c.id)
    assert (new.signatory_pre_title, new.signatory_partner_title) == ("Président", "Présidente")
    assert new.bank_details.startswith("FR76") and new.psychologist_name is None


def test_delete_only_a_draft_and_its_document_records(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        p = make_partner(s)
        draft = _create(s, p.id, reference="D")
        documents.record_document(s, kind="convention", file_format="pdf", title="Convention D",
                                  target_type=cv.DOCUMENT_TARGET, target_id=draft.id)
        signed = make_convention(s, p, start=D(2027, 1, 1), end=D(2027, 12, 31), reference="S")
        quoted = make_convention(s, make_partner(s, name="B"), status=ConventionStatus.DRAFT, reference="Q")
        care_referral(s, family_with_child(s), quoted.partner, quoted)
        ids = draft.id, signed.id, quoted.id
    err = refused(factory, db_snapshot, lambda s: cv.delete_convention(s, ids[1]))
    assert err.field == "status" and "brouillon" in err.message
    err = refused(factory, db_snapshot, lambda s: cv.delete_convention(s, ids[2]))
    assert "fiche(s) de liaison" in err.message
    with db.session_scope(factory, 1) as s:
        cv.delete_convention(s, ids[0], expected_version=1)
    with factory() as s:
        assert s.get(Convention, ids[0]) is None
        assert s.scalars(select(GeneratedDocument)).all() == []


def test_list_shows_effective_status_and_days_left(session):
    p = make_partner(session, name="Association Écoute")
    running = make_convention(session, p, start=D(2026, 1, 1), end=D(2026, 12, 31), reference="R")
    make_convention(session, make_partner(session, name="B"), start=D(2025, 11, 1), end=D(2026, 10, 31), reference="E")
    noticed = make_convention(session, make_partner(session, name="C"), start=D(2026, 3, 1), end=D(2027, 2, 28),
                              reference="T")
    cv.terminate_convention(session, noticed.id, notice_on=D(2026, 11, 10))
    _create(session, p.id, reference="DRAFT", start_date=D(2027, 1, 1))
    cv.renew_convention(session, running.id, reference="R2")
    rows = {r.reference: r for r in cv.list_conventions(session)}
    assert (rows["R"].status, rows["R"].days_left, rows["R"].renewed, rows["R"].partner_name) == (
        ConventionStatus.SIGNED, 39, True, "Association Écoute")
    assert (rows["E"].status, rows["E"].days_left) == (ConventionStatus.EXPIRED, None)
    assert (rows["T"].status, rows["T"].end_date, rows["T"].days_left) == (ConventionStatus.TERMINATED, D(2026, 12, 10), 18)
    assert (rows["DRAFT"].status, rows["DRAFT"].days_left, rows["DRAFT"].end_date) == (
        ConventionStatus.DRAFT, None, D(2027, 12, 31))
    assert rows["R2"].start_date == D(2027, 1, 1) and not rows["R2"].renewed


def test_renewal_cannot_be_signed_over_the_running_convention(factory, db_snapshot):
    """Renewing early with a start inside the running term gives a draft; signing it
    while the old one still runs is the overlap refusal."""
    with db.session_scope(factory, 1) as s:
        old = make_convention(s, make_partner(s), start=D(2026, 1, 1), end=D(2026, 12, 31))
        new_id = cv.renew_convention(s, old.id, start_date=D(2026, 12, 1)).id
    err = refused(factory, db_snapshot, lambda s: cv.sign_convention(s, new_id, signed_on=D(2026, 11, 20)))
    assert err.field == "start_date" and "31/12/2026" in err.message


def test_template_is_stored_replaced_and_removed(session):
    assert templates.get_template(session, "convention") is None
    templates.save_template(session, "convention", "modèle.docx", b"one")
    templates.save_template(session, "convention", "modèle v2.docx", b"two")
    t = templates.get_template(session, "convention")
    assert (t.file_name, t.content) == ("modèle v2.docx", b"two")
    with pytest.raises(DomainError) as err:
        templates.save_template(session, "convention", "vide.docx", b"")
    assert err.value.field == "template"
    assert templates.remove_template(session, "convention") is True
    assert templates.get_template(session, "convention") is None
    assert templates.remove_template(session, "convention") is False
