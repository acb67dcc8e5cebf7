"""The fiches de liaison list and the orientation form's read-ahead of rule 6."""

from __future__ import annotations

import datetime as dt

from care_fixtures import add_sessions, care_referral, convention, family_with_child, partner
from refusal import refused

from pre_desktop.models import BeneficiaryKind, CareReferralState, Guardian, SessionStatus
from pre_desktop.services import care_referrals as crs
from pre_desktop.services import liaisons
from pre_desktop.services.sessions import record_session

D = dt.date


def test_rows_carry_state_waiting_and_quota(session):
    child = family_with_child(session)
    p = partner(session, name="CMPP Dolto", code="CMPP")
    conv = convention(session, p, quota=20)
    draft = care_referral(session, child, p, conv, requested_on=D(2026, 11, 1), sent_on=None)
    waiting = care_referral(session, child, p, conv, requested_on=D(2026, 11, 1), sent_on=D(2026, 11, 2))
    followed = care_referral(session, child, p, conv, requested_on=D(2026, 9, 1), sent_on=D(2026, 9, 2),
                             answered_on=D(2026, 9, 10), first_appointment_on=D(2026, 9, 20),
                             state=CareReferralState.IN_PROGRESS)
    add_sessions(session, followed, [D(2026, 9, 20), D(2026, 9, 27)])
    add_sessions(session, followed, [D(2026, 10, 4)], status=SessionStatus.EXCUSED)
    add_sessions(session, followed, [D(2026, 10, 11)], hors_quota=True)
    rows = {r.id: r for r in liaisons.list_liaisons(session)}
    assert rows[draft.id].state_label == "Brouillon" and rows[draft.id].days_waiting is None
    assert rows[waiting.id].days_waiting == 20 and rows[waiting.id].overdue_days is None
    assert rows[waiting.id].waiting_text == "20 j" and rows[waiting.id].referent_name == "Karim Benali"
    assert rows[followed.id].days_waiting is None and rows[followed.id].sessions_text == "2 / 20 (+1 hors quota)"
    assert rows[followed.id].beneficiary == "Enfant" and rows[followed.id].child_name == "DUPONT Léa"
    assert [r.id for r in liaisons.list_liaisons(session, child_id=child.id)][0] in (draft.id, waiting.id)
    assert liaisons.list_liaisons(session, child_id=family_with_child(session, name="Autre").id) == []


def test_overdue_days_across_month_and_year(session):
    child = family_with_child(session)
    p = partner(session)
    fast = convention(session, p, delay=15, start=D(2026, 1, 1), end=D(2027, 12, 31))
    # Sent 20/12/2026, delay 15 days: 04/01/2027 is day 15 (on time), 05/01/2027 day 16 (late)
    care_referral(session, child, p, fast, requested_on=D(2026, 12, 18), sent_on=D(2026, 12, 20))
    row = liaisons.list_liaisons(session, D(2027, 1, 4))[0]
    assert (row.days_waiting, row.overdue_days, row.delay_days) == (15, None, 15)
    row = liaisons.list_liaisons(session, D(2027, 1, 5))[0]
    assert (row.overdue_days, row.missing, row.waiting_text) == (16, "réponse", "16 j, en retard")
    # Across the end of February (28 days in 2027): sent 31/01, answered, no first appointment by 03/03
    late = care_referral(session, child, p, fast, requested_on=D(2027, 1, 30), sent_on=D(2027, 1, 31),
                         answered_on=D(2027, 2, 2))
    rows = {r.id: r for r in liaisons.list_liaisons(session, D(2027, 3, 3))}
    assert (rows[late.id].overdue_days, rows[late.id].missing) == (31, "premier rendez-vous")
    assert {r.care_referral_id for r in crs.overdue(session, D(2027, 3, 3))} == {
        r.id for r in rows.values() if r.overdue_days is not None}


def test_in_progress_once_the_first_session_is_held(session):
    child = family_with_child(session)
    p = partner(session)
    convention(session, p)
    cr = crs.create_care_referral(session, child_id=child.id, partner_id=p.id, reason="x", requested_on=D(2026, 3, 2))
    crs.mark_sent(session, cr.id, sent_on=D(2026, 3, 3), how="Courrier")
    crs.record_answer(session, cr.id, answered_on=D(2026, 3, 9), first_appointment_on=D(2026, 3, 16))
    record_session(session, care_referral_id=cr.id, session_date=D(2026, 3, 16), status="unexcused")
    assert cr.state is CareReferralState.ANSWERED  # an absence is not a session held
    record_session(session, care_referral_id=cr.id, session_date=D(2026, 3, 23))
    assert cr.state is CareReferralState.IN_PROGRESS
    assert liaisons.list_liaisons(session)[0].state_label == "Prise en charge en cours"


def test_end_refused_before_the_start(factory, db_snapshot):
    from pre_desktop import db

    with db.session_scope(factory, 1) as s:
        child = family_with_child(s)
        p = partner(s)
        cid = crs.create_care_referral(s, child_id=child.id, partner_id=p.id, reason="x",
                                       requested_on=D(2026, 3, 2)).id
    err = refused(factory, db_snapshot, lambda s: crs.end_care_referral(s, cid, ended_on=D(2026, 3, 1),
                                                                        end_reason="Abandon"))
    assert err.field == "ended_on" and "précéder la demande (02/03/2026)" in err.message


def test_orientation_form_offers_beneficiaries_partners_and_referent(session):
    child = family_with_child(session)
    child.family.guardians.append(Guardian(last_name="Dupont", first_name="Marc", relationship_label="père"))
    partner(session, name="Association Filigrane")
    partner(session, name="CATTP Les Lucioles", code="CATTP_ENF")
    session.flush()
    form = liaisons.orientation_form(session, child.id)
    assert form.consent_message == "" and form.default_referent_id == 2
    assert [(b.kind, b.label) for b in form.beneficiaries] == [
        (BeneficiaryKind.CHILD, "L'enfant : Léa Dupont"), (BeneficiaryKind.PARENT, "Un parent : Sonia Dupont"),
        (BeneficiaryKind.PARENT, "Un parent : Marc Dupont (père)"), (BeneficiaryKind.FAMILY, "La famille Dupont")]
    cattp = next(p for p in form.partners if p.name == "CATTP Les Lucioles")
    assert not cattp.direct_allowed and "psychiatre" in cattp.explanation
    assert next(p for p in form.partners if p.name == "Association Filigrane").direct_allowed
    assert (2, "Karim Benali") in form.referents
    no_consent = family_with_child(session, name="Martin", consent=False)
    assert "Accord de la famille" in liaisons.orientation_form(session, no_consent.id).consent_message


def test_partner_preview_matches_the_creation_rules(session):
    child = family_with_child(session, birth_date=D(2019, 5, 1))
    mda = partner(session, name="MDA", code="MDA")
    cattp = partner(session, name="CATTP", code="CATTP_ENF")
    asso = partner(session)
    conv = convention(session, asso, reference="CONV-7", quota=12, delay=21)
    preview = liaisons.partner_preview(session, mda.id, child.birth_date)
    assert "7 ans" in preview.age_warning and preview.refusal == "" and preview.convention_id is None
    assert "psychiatre" in liaisons.partner_preview(session, cattp.id, child.birth_date).refusal
    ok = liaisons.partner_preview(session, asso.id, child.birth_date)
    assert (ok.refusal, ok.age_warning, ok.convention_id) == ("", "", conv.id)
    assert ok.convention == ("CONV-7 — du 01/01/2026 au 31/12/2026, 12 séances par personne, "
                             "premier rendez-vous sous 21 jours")


def test_history_keeps_every_sending_and_the_answer_and_end(session):
    child = family_with_child(session)
    p = partner(session, name="CMPP Dolto", code="CMPP")
    conv = convention(session, p)
    cr = care_referral(session, child, p, conv, requested_on=D(2026, 9, 1), sent_on=None)
    crs.mark_sent(session, cr.id, sent_on=D(2026, 9, 2), how="Courrier")
    crs.mark_sent(session, cr.id, sent_on=D(2026, 9, 20), how="Courriel", confirm=True)
    crs.record_answer(session, cr.id, answered_on=D(2026, 9, 25), first_appointment_on=D(2026, 10, 5),
                      psychologist_name="Mme Roche")
    record_session(session, care_referral_id=cr.id, session_date=D(2026, 10, 5))
    crs.end_care_referral(session, cr.id, ended_on=D(2026, 11, 2), end_reason="Déménagement")
    row = liaisons.liaison_row(session, cr.id)
    assert row.history == (
        "Demande du 01/09/2026", "Envoyée le 02/09/2026 (Courrier)", "Envoyée de nouveau le 20/09/2026 (Courriel)",
        "Réponse du 25/09/2026, premier entretien proposé le 05/10/2026, Mme Roche",
        "Première séance tenue le 05/10/2026", "Terminée le 02/11/2026 — Déménagement")
    assert row.sent_on == D(2026, 9, 2)  # the partner's delay still runs from the first sending


def test_quota_level_marks_the_threshold(session):
    child = family_with_child(session)
    p = partner(session)
    conv = convention(session, p, quota=20)
    cr = care_referral(session, child, p, conv, requested_on=D(2026, 1, 5), sent_on=D(2026, 1, 6),
                       state=CareReferralState.IN_PROGRESS)
    add_sessions(session, cr, [D(2026, 1, 12) + dt.timedelta(days=7 * k) for k in range(14)])
    assert liaisons.liaison_row(session, cr.id).quota_level == "ok"
    add_sessions(session, cr, [D(2026, 6, 1)])  # the 15th: the default threshold
    assert liaisons.liaison_row(session, cr.id).quota_level == "warning"
    add_sessions(session, cr, [D(2026, 6, 2) + dt.timedelta(days=k) for k in range(5)])
    assert liaisons.liaison_row(session, cr.id).quota_level == "reached"
    add_sessions(session, cr, [D(2026, 7, 1)], hors_quota=True)
    row = liaisons.liaison_row(session, cr.id)
    assert (row.quota_level, row.sessions_text) == ("beyond", "20 / 20 (+1 hors quota)")


def test_late_fiches_are_listed_in_a_traiter_with_their_days(session):
    from pre_desktop.services.todo import todo_items

    child = family_with_child(session)
    p = partner(session, name="CMPP Dolto", code="CMPP")
    conv = convention(session, p, delay=30)
    late = care_referral(session, child, p, conv, requested_on=D(2026, 10, 1), sent_on=D(2026, 10, 2))
    care_referral(session, child, p, conv, requested_on=D(2026, 11, 1), sent_on=D(2026, 11, 2))  # 20 days: in time
    row = liaisons.liaison_row(session, late.id)
    items = [i for i in todo_items(session) if i.kind == "answer_overdue"]
    assert len(items) == 1 and row.overdue_days == 51
    assert "CMPP Dolto : réponse en attente depuis 51 jours (délai 30 jours)" == items[0].what
