import dataclasses
import datetime as dt

import pytest
from care_fixtures import (
    add_sessions,
    care_referral as make_cr,
    convention as make_convention,
    family_with_child,
    partner as make_partner,
)

from pre_desktop import db
from pre_desktop.models import (
    BeneficiaryKind,
    CareReferral,
    CareReferralState,
    Child,
    ConventionStatus,
    Guardian,
    StructureSettings,
)
from pre_desktop.services import care_referrals as crs
from pre_desktop.services.errors import DomainError, NeedsConfirmation

D = dt.date


def _setup(s, **child_kwargs):
    child = family_with_child(s, **child_kwargs)
    p = make_partner(s)
    conv = make_convention(s, p)
    return child, p, conv


def test_create_takes_convention_in_force_and_referent(session):
    child, p, conv = _setup(session)
    cr = crs.create_care_referral(session, child_id=child.id, partner_id=p.id, reason=" Anxiété ",
                                  requested_on="02/03/2026")
    assert cr.state is CareReferralState.DRAFT and cr.reason == "Anxiété"
    assert cr.convention_id == conv.id and cr.referent_id == 2 and cr.requested_on == D(2026, 3, 2)
    assert cr.hors_eps
    no_conv = make_partner(session, name="Sans convention")
    cr2 = crs.create_care_referral(session, child_id=child.id, partner_id=no_conv.id, reason="x")
    assert cr2.convention_id is None and cr2.requested_on == D(2026, 11, 22)


def test_refused_without_consent_and_says_how(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        child, p, _ = _setup(s, consent=False)
        ids = child.id, p.id
    before = db_snapshot()
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            crs.create_care_referral(s, child_id=ids[0], partner_id=ids[1], reason="Anxiété")
    assert err.value.field == "consent" and "Accord de la famille" in err.value.message
    assert db_snapshot() == before


@pytest.mark.parametrize("code", ["CATTP_ENF", "HDJ"])
def test_refused_towards_cattp_and_hdj(factory, db_snapshot, code):
    with db.session_scope(factory, 1) as s:
        child = family_with_child(s)
        ids = child.id, make_partner(s, name="Structure", code=code).id
    before = db_snapshot()
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            crs.create_care_referral(s, child_id=ids[0], partner_id=ids[1], reason="Anxiété", confirm=True)
    assert err.value.field == "partner_id" and "psychiatre" in err.value.message
    assert db_snapshot() == before


def test_age_outside_public_needs_confirmation_and_reason(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        child = family_with_child(s, birth_date=D(2019, 5, 1))  # 7 years
        ids = child.id, make_partner(s, name="MDA", code="MDA").id
    before = db_snapshot()
    with pytest.raises(NeedsConfirmation) as asked:
        with db.session_scope(factory, 1) as s:
            crs.create_care_referral(s, child_id=ids[0], partner_id=ids[1], reason="Anxiété")
    assert [w.code for w in asked.value.warnings] == ["age_outside_public"]
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            crs.create_care_referral(s, child_id=ids[0], partner_id=ids[1], reason="Anxiété", confirm=True)
    assert err.value.field == "age_warning_reason"
    assert db_snapshot() == before
    with db.session_scope(factory, 1) as s:
        cr = crs.create_care_referral(s, child_id=ids[0], partner_id=ids[1], reason="Anxiété", confirm=True,
                                      age_warning_reason="Fratrie suivie à la MDA")
        assert cr.age_warning_reason == "Fratrie suivie à la MDA"


def test_duplicate_active_fiche_asks(session):
    child, p, _ = _setup(session)
    first = crs.create_care_referral(session, child_id=child.id, partner_id=p.id, reason="a")
    with pytest.raises(NeedsConfirmation) as asked:
        crs.create_care_referral(session, child_id=child.id, partner_id=p.id, reason="b")
    assert asked.value.warnings[0].related_id == first.id
    assert crs.create_care_referral(session, child_id=child.id, partner_id=p.id, reason="b", confirm=True)


def test_convention_checks(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        child, p, conv = _setup(s)
        other = make_convention(s, make_partner(s, name="Autre"), reference="AUTRE")
        draft = make_convention(s, p, start=D(2027, 1, 1), end=D(2027, 12, 31), reference="DRAFT",
                                status=ConventionStatus.DRAFT)
        ids = child.id, p.id, conv.id, other.id, draft.id
    before = db_snapshot()
    cases = [(dict(convention_id=ids[3]), "n'a pas été passée"),
             (dict(convention_id=ids[2], requested_on=D(2025, 12, 31)), "pas en vigueur"),
             (dict(convention_id=ids[4]), "pas en vigueur")]
    for kwargs, text in cases:
        with pytest.raises(DomainError) as err:
            with db.session_scope(factory, 1) as s:
                crs.create_care_referral(s, child_id=ids[0], partner_id=ids[1], reason="x", **kwargs)
        assert err.value.field == "convention_id" and text in err.value.message
    assert db_snapshot() == before


def test_parent_beneficiary_must_be_of_the_family(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        child, p, _ = _setup(s)
        stranger = family_with_child(s, name="Martin")
        ids = child.id, p.id, child.family.guardians[0].id, stranger.family.guardians[0].id
    before = db_snapshot()
    for guardian_id in (None, ids[3]):
        with pytest.raises(DomainError) as err:
            with db.session_scope(factory, 1) as s:
                crs.create_care_referral(s, child_id=ids[0], partner_id=ids[1], reason="x",
                                         beneficiary_kind=BeneficiaryKind.PARENT, guardian_id=guardian_id)
        assert err.value.field == "guardian_id"
    assert db_snapshot() == before
    with db.session_scope(factory, 1) as s:
        cr = crs.create_care_referral(s, child_id=ids[0], partner_id=ids[1], reason="x",
                                      beneficiary_kind="parent", guardian_id=ids[2])
        assert cr.guardian_id == ids[2]


@pytest.mark.parametrize("kwargs, field", [
    (dict(reason=""), "reason"),
    (dict(requested_on=D(2026, 11, 23)), "requested_on"),
    (dict(beneficiary_kind="voisin"), "beneficiary_kind"),
    (dict(referent_id=99), "referent_id"),  # unknown ids name their field, so the form can show it
    (dict(eps_decision_id=99), "eps_decision_id"),
    (dict(convention_id=99), "convention_id"),
    (dict(beneficiary_kind="parent", guardian_id=99), "guardian_id"),
    (dict(partner_id=99), "partner_id"),
])
def test_other_refusals(factory, db_snapshot, kwargs, field):
    with db.session_scope(factory, 1) as s:
        child, p, _ = _setup(s)
        ids = child.id, p.id
    before = db_snapshot()
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            crs.create_care_referral(s, **(dict(child_id=ids[0], partner_id=ids[1], reason="x") | kwargs))
    assert err.value.field == field
    assert db_snapshot() == before


def test_send_answer_end_lifecycle(session):
    child, p, conv = _setup(session)
    cr = crs.create_care_referral(session, child_id=child.id, partner_id=p.id, reason="x", requested_on=D(2026, 3, 2))
    crs.mark_sent(session, cr.id, sent_on=D(2026, 3, 3), how="Courriel")
    assert cr.state is CareReferralState.SENT and cr.sent_on == D(2026, 3, 3) and cr.sent_how == "Courriel"
    crs.record_answer(session, cr.id, answered_on="10/03/2026", first_appointment_on=D(2026, 3, 20),
                      psychologist_name="Mme Roche")
    assert cr.state is CareReferralState.ANSWERED and cr.first_appointment_on == D(2026, 3, 20)
    crs.end_care_referral(session, cr.id, ended_on=D(2026, 9, 30), end_reason="Relais droit commun")
    assert cr.state is CareReferralState.ENDED and cr.end_reason == "Relais droit commun"
    with pytest.raises(DomainError, match="déjà terminée"):
        crs.end_care_referral(session, cr.id, ended_on=D(2026, 10, 1), end_reason="Autre")


def test_sending_twice_asks_and_keeps_both_dates(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        child, p, _ = _setup(s)
        cr = crs.create_care_referral(s, child_id=child.id, partner_id=p.id, reason="x", requested_on=D(2026, 3, 2))
        crs.mark_sent(s, cr.id, sent_on=D(2026, 3, 3), how="Courrier")
        cid = cr.id
    before = db_snapshot()
    with pytest.raises(NeedsConfirmation) as asked:
        with db.session_scope(factory, 1) as s:
            crs.mark_sent(s, cid, sent_on=D(2026, 4, 1), how="Courriel")
    assert "03/03/2026" in asked.value.warnings[0].message
    assert db_snapshot() == before
    with db.session_scope(factory, 1) as s:
        cr = crs.mark_sent(s, cid, sent_on=D(2026, 4, 1), how="Courriel", confirm=True)
        assert [x.sent_on for x in cr.sendings] == [D(2026, 3, 3), D(2026, 4, 1)]
        assert cr.sent_on == D(2026, 3, 3) and cr.sent_how == "Courriel"


@pytest.mark.parametrize("sent_on, field", [(D(2026, 3, 1), "sent_on"), (D(2026, 11, 23), "sent_on"), (None, "sent_on")])
def test_sending_date_refusals(factory, db_snapshot, sent_on, field):
    with db.session_scope(factory, 1) as s:
        child, p, _ = _setup(s)
        cid = crs.create_care_referral(s, child_id=child.id, partner_id=p.id, reason="x", requested_on=D(2026, 3, 2)).id
    before = db_snapshot()
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            crs.mark_sent(s, cid, sent_on=sent_on, how="Courriel")
    assert err.value.field == field
    assert db_snapshot() == before


def test_sending_refused_once_consent_withdrawn(session):
    child, p, _ = _setup(session)
    cr = crs.create_care_referral(session, child_id=child.id, partner_id=p.id, reason="x", requested_on=D(2026, 3, 2))
    child.family.consents[0].withdrawn_on = D(2026, 3, 3)
    with pytest.raises(DomainError) as err:
        crs.mark_sent(session, cr.id, sent_on=D(2026, 3, 4), how="Courriel")
    assert err.value.field == "consent"


@pytest.mark.parametrize("kwargs, field, text", [
    (dict(answered_on=D(2026, 2, 28)), "answered_on", "La date de réponse ne peut pas précéder la demande"),
    (dict(answered_on=D(2026, 3, 2)), "answered_on", "l'envoi"),
    (dict(answered_on=D(2026, 3, 10), first_appointment_on=D(2026, 3, 9)), "first_appointment_on", "précéder"),
    (dict(answered_on=D(2026, 11, 23)), "answered_on", "futur"),
])
def test_answer_refusals(factory, db_snapshot, kwargs, field, text):
    with db.session_scope(factory, 1) as s:
        child, p, conv = _setup(s)
        cid = make_cr(s, child, p, conv, requested_on=D(2026, 3, 1), sent_on=D(2026, 3, 5)).id
    before = db_snapshot()
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            crs.record_answer(s, cid, **kwargs)
    assert err.value.field == field and text in err.value.message
    assert db_snapshot() == before


def test_answer_refused_before_sending(session):
    child, p, conv = _setup(session)
    cr = make_cr(session, child, p, conv, sent_on=None)
    with pytest.raises(DomainError, match="pas encore été envoyée"):
        crs.record_answer(session, cr.id, answered_on=D(2026, 3, 1))


@pytest.mark.parametrize("kwargs, field", [
    (dict(ended_on=D(2026, 1, 31), end_reason="Abandon"), "ended_on"),
    (dict(ended_on=D(2026, 5, 1), end_reason="Lassitude"), "end_reason"),
    (dict(ended_on=D(2026, 3, 31), end_reason="Abandon"), "ended_on"),  # a session on 01/04
])
def test_end_refusals(factory, db_snapshot, kwargs, field):
    with db.session_scope(factory, 1) as s:
        child, p, conv = _setup(s)
        cr = make_cr(s, child, p, conv, requested_on=D(2026, 2, 1))
        add_sessions(s, cr, [D(2026, 4, 1)])
        cid = cr.id
    before = db_snapshot()
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            crs.end_care_referral(s, cid, **kwargs)
    assert err.value.field == field
    assert db_snapshot() == before


def test_overdue_counts_days_across_month_and_year(session):
    child, p, conv = _setup(session)
    short = make_convention(session, make_partner(session, name="Rapide"), delay=15, reference="R")
    no_answer = make_cr(session, child, p, conv, requested_on=D(2026, 10, 1), sent_on=D(2026, 10, 20))
    no_first = make_cr(session, child, p, conv, requested_on=D(2026, 9, 1), sent_on=D(2026, 9, 2),
                       answered_on=D(2026, 9, 15))
    make_cr(session, child, p, conv, requested_on=D(2026, 9, 1), sent_on=D(2026, 9, 2),
            answered_on=D(2026, 9, 15), first_appointment_on=D(2026, 9, 20))  # complete: never overdue
    other = family_with_child(session, name="Benali", first_name="Adam")
    fast = make_cr(session, other, short.partner, short, requested_on=D(2026, 11, 1), sent_on=D(2026, 11, 6))
    # Today 22/11/2026: 33 days since 20/10 (> 30); 81 days since 02/09; 16 days since 06/11 (> 15)
    rows = {r.care_referral_id: r for r in crs.overdue(session)}
    assert set(rows) == {no_answer.id, no_first.id, fast.id}
    assert (rows[no_answer.id].days_waiting, rows[no_answer.id].missing) == (33, "réponse")
    assert (rows[no_first.id].days_waiting, rows[no_first.id].missing) == (81, "premier rendez-vous")
    assert (rows[fast.id].days_waiting, rows[fast.id].delay_days) == (16, 15)
    assert rows[no_answer.id].referent_name == "Karim Benali" and rows[no_answer.id].partner_name == p.name
    assert rows[no_answer.id].child_name == "DUPONT Léa"
    # Year boundary: sent 15/12/2026, 30 days later on 14/01/2027 not yet late, late on 15/01/2027
    year = make_cr(session, child, make_partner(session, name="Sans conv"), None, requested_on=D(2026, 11, 1),
                   sent_on=None)
    year.sent_on, year.state = D(2026, 12, 15), CareReferralState.SENT
    session.flush()
    assert year.id not in {r.care_referral_id for r in crs.overdue(session, D(2027, 1, 14))}
    late = {r.care_referral_id: r for r in crs.overdue(session, D(2027, 1, 15))}[year.id]
    assert (late.days_waiting, late.delay_days) == (31, 30)
    # Falls back on the request date when no sending date is known
    fallback = make_cr(session, child, p, conv, requested_on=D(2026, 1, 30), sent_on=None,
                       state=CareReferralState.SENT)
    assert {r.care_referral_id: r for r in crs.overdue(session, D(2026, 3, 2))}[fallback.id].days_waiting == 31


def test_liaison_data_is_minimal(session):
    session.add(StructureSettings(pre_name="PRE de Corbeil-Essonnes"))
    child, p, conv = _setup(session, school="Collège Senghor", notes="Suivi ASE confidentiel")
    sibling = Child(family=child.family, last_name="Dupont", first_name="Noé", birth_date=D(2017, 1, 1),
                    school="École Jaurès")
    session.add(sibling)
    cr = crs.create_care_referral(session, child_id=child.id, partner_id=p.id, reason="Anxiété scolaire",
                                  requested_on=D(2026, 3, 2))
    crs.mark_sent(session, cr.id, sent_on=D(2026, 3, 3), how="Courriel")
    crs.record_answer(session, cr.id, answered_on=D(2026, 3, 9), first_appointment_on=D(2026, 3, 16),
                      psychologist_name="Mme Roche")
    data = crs.liaison_document_data(session, cr.id)
    assert {f.name for f in dataclasses.fields(data)} == {
        "pre_name", "requested_on", "beneficiary_kind", "beneficiary_last_name", "beneficiary_first_names", "beneficiary_birth_date",
        "reason", "referent_last_name", "referent_first_name", "referent_phone", "partner_name", "answered_on",
        "first_appointment_on", "psychologist_name"}
    assert data.pre_name == "PRE de Corbeil-Essonnes" and data.beneficiary_first_names == "Léa"
    assert (data.referent_last_name, data.referent_phone) == ("Benali", "06 12 34 56 78")
    assert data.psychologist_name == "Mme Roche" and data.first_appointment_on == D(2026, 3, 16)
    text = repr(data)
    for secret in ("Senghor", "Jaurès", "ASE", "confidentiel", "Noé", "CM1", "Sonia"):
        assert secret not in text


def test_liaison_data_for_parent_and_refused_without_consent(session):
    child, p, conv = _setup(session)
    g = child.family.guardians[0]
    g.birth_date = D(1985, 4, 4)
    cr = crs.create_care_referral(session, child_id=child.id, partner_id=p.id, reason="Soutien parental",
                                  beneficiary_kind=BeneficiaryKind.PARENT, guardian_id=g.id)
    data = crs.liaison_document_data(session, cr.id)
    assert (data.beneficiary_first_names, data.beneficiary_birth_date) == ("Sonia", D(1985, 4, 4))
    child.family.consents[0].withdrawn_on = D(2026, 11, 1)
    session.flush()
    with pytest.raises(DomainError) as err:
        crs.liaison_document_data(session, cr.id)
    assert err.value.field == "consent"


def test_update_care_referral(session):
    child, p, conv = _setup(session)
    cr = crs.create_care_referral(session, child_id=child.id, partner_id=p.id, reason="x", requested_on=D(2026, 3, 2))
    crs.update_care_referral(session, cr.id, expected_version=cr.version, reason="Phobie scolaire", referent_id=1)
    assert (cr.reason, cr.referent_id) == ("Phobie scolaire", 1)
    assert isinstance(session.get(CareReferral, cr.id), CareReferral)
    assert isinstance(child.family.guardians[0], Guardian)


def test_convention_stored_as_expired_is_in_force_on_a_past_request(session):
    child = family_with_child(session)
    p = make_partner(session)
    old = make_convention(session, p, start=D(2025, 1, 1), end=D(2025, 12, 31), reference="OLD",
                          status=ConventionStatus.EXPIRED)
    cr = crs.create_care_referral(session, child_id=child.id, partner_id=p.id, reason="x",
                                  requested_on=D(2025, 12, 1), convention_id=old.id)
    assert cr.convention_id == old.id
    implicit = crs.create_care_referral(session, child_id=child.id, partner_id=p.id, reason="y",
                                        requested_on=D(2025, 12, 2), confirm=True)
    assert implicit.convention_id == old.id


def test_orientation_carrying_out_an_eps_action_is_decided_by_that_eps(session):
    """Rule 8: the commission accepted a pathway with an action at this partner; the fiche
    de liaison made for it from the child's file is not "hors EPS" (it was listed as such)."""
    from pre_desktop.services import eps

    child, p, _conv = _setup(session)
    other = make_partner(session, name="CMPP Dolto", code="CMPP")
    meeting = eps.create_meeting(session, meeting_date="20/11/2026")
    decision = eps.record_decision(session, meeting_id=meeting.id, child_id=child.id, kind=eps.EpsDecisionKind.ACCEPT,
                                   actions=[{"label": "Soutien psychologique", "partner_id": p.id}],
                                   review_date="20/05/2027", confirm=True)
    decided = crs.create_care_referral(session, child_id=child.id, partner_id=p.id, reason="Anxiété")
    assert decided.eps_decision_id == decision.id and not decided.hors_eps
    elsewhere = crs.create_care_referral(session, child_id=child.id, partner_id=other.id, reason="Anxiété")
    assert elsewhere.hors_eps  # no EPS action names this partner
