"""A référent at service level: their caseload and the files shared with them, nothing else.

Every service reading or writing one child's data refuses another référent's child
(PermissionDeniedError, database unchanged); every list holds only visible children.
"""

from __future__ import annotations

import datetime as dt

import pytest

from pre_desktop import db
from pre_desktop.models import ChildShare, EpsDecisionKind, SessionKind, SessionStatus
from pre_desktop.services import (
    care_referrals,
    caseload,
    child_file,
    children,
    children_list,
    consent,
    document_list,
    documents,
    eps,
    file_history,
    liaisons,
    pathways,
    private_notes,
    referrals,
    reports,
    session_batches,
    sessions,
    todo,
)
from pre_desktop.services.access import OUT_OF_CASELOAD
from pre_desktop.services.errors import NeedsConfirmation, PermissionDeniedError

from access_fixtures import COORD, KARIM, SOPHIE, World, acting, world  # noqa: F401 - fixture
from refusal import refused

D = dt.date

# Every per-child service, called by Karim on Sophie's child Noé.
CALLS = {
    # the child's file, tab by tab
    "identity": lambda s, w: child_file.identity(s, w.noe),
    "record_view": lambda s, w: child_file.record_view(s, w.noe),
    "referral_rows": lambda s, w: child_file.referral_rows(s, w.noe),
    "agenda_rows": lambda s, w: child_file.agenda_rows(s, w.noe),
    "pathway_views": lambda s, w: child_file.pathway_views(s, w.noe),
    "orientation_rows": lambda s, w: child_file.orientation_rows(s, w.noe),
    "session_rows": lambda s, w: child_file.session_rows(s, w.noe),
    "document_rows": lambda s, w: child_file.document_rows(s, w.noe),
    "documents_for_child": lambda s, w: documents.documents_for_child(s, w.noe),
    "history": lambda s, w: file_history.history(s, w.noe),
    "decisions_for_child": lambda s, w: eps.decisions_for_child(s, w.noe),
    "siblings": lambda s, w: children.siblings(s, w.noe),
    "private_notes": lambda s, w: private_notes.list_notes(s, w.noe),
    "shares": lambda s, w: caseload.shares_of_child(s, w.noe),
    # saving the file
    "save_child_file": lambda s, w: child_file.save_child_file(s, w.noe, expected_version=1, child={"school": "X"}),
    "update_child": lambda s, w: children.update_child(s, w.noe, expected_version=1, notes="écrasé"),
    "delete_child": lambda s, w: children.delete_child(s, w.noe),
    "update_family": lambda s, w: children.update_family(s, w.noe_family, None, town="Évry"),
    "add_guardian": lambda s, w: children.add_guardian(s, w.noe_family, last_name="X", first_name="Y"),
    "record_consent": lambda s, w: consent.record_consent(s, w.noe_family, given_on="01/02/2026", given_by="Mme"),
    "add_note": lambda s, w: private_notes.add_note(s, w.noe, "Ma note"),
    "add_referral": lambda s, w: referrals.add_referral(s, child_id=w.noe, referred_on="01/03/2026", source="École",
                                                        reasons="x"),
    "update_referral": lambda s, w: referrals.update_referral(s, w.noe_referral, expected_version=None, reasons="x"),
    "new_referral_in_family": lambda s, w: referrals.new_referral(
        s, family_id=w.noe_family, child={"last_name": "Moreau", "first_name": "Zoé", "birth_date": "01/01/2017"},
        referral={"referred_on": "01/10/2026", "source": "École", "reasons": "x"}),
    # pathway and EPS
    "add_action": lambda s, w: pathways.add_action(s, child_id=w.noe, label="Soutien scolaire"),
    "end_pathway": lambda s, w: pathways.end_pathway(s, w.noe_pathway, end_date="01/10/2026", end_reason="x"),
    "add_situation": lambda s, w: eps.add_situation(s, w.meeting, w.noe),
    "record_decision": lambda s, w: eps.record_decision(s, meeting_id=w.meeting, child_id=w.noe,
                                                        kind=EpsDecisionKind.POSTPONE, confirm=True),
    # liaisons
    "orientation_form": lambda s, w: liaisons.orientation_form(s, w.noe),
    "liaison_row": lambda s, w: liaisons.liaison_row(s, w.noe_fiche),
    "liaison_document": lambda s, w: care_referrals.liaison_document_data(s, w.noe_fiche),
    "create_care_referral": lambda s, w: care_referrals.create_care_referral(
        s, child_id=w.noe, partner_id=w.partner, reason="x", confirm=True),
    "mark_sent": lambda s, w: care_referrals.mark_sent(s, w.noe_fiche, sent_on="03/02/2026", how="courriel",
                                                       confirm=True),
    "end_care_referral": lambda s, w: care_referrals.end_care_referral(s, w.noe_fiche, ended_on="20/10/2026",
                                                                       end_reason="Fin de prise en charge"),
    # sessions
    "quota_status": lambda s, w: sessions.quota_status(s, w.noe_fiche),
    "record_session": lambda s, w: sessions.record_session(s, care_referral_id=w.noe_fiche,
                                                           session_date=D(2026, 10, 19), confirm=True),
    "update_session": lambda s, w: sessions.update_session(s, w.noe_session, expected_version=None,
                                                           status=SessionStatus.EXCUSED),
    "delete_session": lambda s, w: sessions.delete_session(s, w.noe_session),
    "save_month": lambda s, w: session_batches.save_month(
        s, partner_id=w.partner, year=2026, month=10, confirm=True,
        rows=[session_batches.BeneficiaryMonth(w.noe_fiche, [session_batches.EntryInput(
            D(2026, 10, 26), SessionKind.INDIVIDUAL, SessionStatus.PRESENT)])]),
    "monthly_answer": lambda s, w: reports.record_monthly_answer(s, care_referral_id=w.noe_fiche, year=2026,
                                                                 month=10, comes_regularly=True),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_referent_is_refused_another_referents_child(factory, db_snapshot, world: World, name):
    error = refused(factory, db_snapshot, lambda s: CALLS[name](s, world), exc=PermissionDeniedError, user_id=KARIM)
    assert "votre file active" in error.message or "ne permet pas" in error.message


def test_the_same_calls_pass_for_the_childs_own_referent(factory, world: World):
    with acting(factory, SOPHIE) as s:
        assert child_file.identity(s, world.noe).notes == "Notes du dossier de Noé"
        assert child_file.referral_rows(s, world.noe)[0].reasons == "Motif de santé de Noé"
        assert [r.id for r in child_file.orientation_rows(s, world.noe)] == [world.noe_fiche]
    with db.session_scope(factory, SOPHIE) as s:
        sessions.record_session(s, care_referral_id=world.noe_fiche, session_date=D(2026, 10, 19), confirm=True)
        children.update_child(s, world.noe, expected_version=1, school="Collège Rostand")


def test_lists_hold_the_referents_own_children_only(factory, world: World):
    with acting(factory, KARIM) as s:
        table = children_list.children_table(s)
        assert table.ids == [world.lea] and children_list.count_children(s) == 1
        assert children_list.children_table(s, limit=10).ids == [world.lea]
        assert [r.id for r in children.search_children(s, "")] == [world.lea]
        assert [r.id for r in children.search_children(s, "moreau")] == []
        assert [f.id for f in children.search_families(s, "")] == [world.lea_family]
        assert {r.child_id for r in liaisons.list_liaisons(s)} == {world.lea}
        assert {i.target_id for i in todo.todo_items(s) if i.target == "child"} <= {world.lea}
        assert {r.child_id for r in pathways.hors_eps_actions(s)} <= {world.lea}
        assert {r.child_id for r in care_referrals.overdue(s)} <= {world.lea}
        assert {a.child_id for a in sessions.quota_alerts(s)} <= {world.lea}
        assert {d.child_id for d in document_list.document_list(s)} <= {world.lea, None}
        view = eps.meeting_view(s, world.meeting)
        assert [sit.child_id for sit in view.situations] == [world.lea]
        assert all(r.child_id == world.lea for r in eps.agenda_suggestion_rows(s, world.meeting))
        grid = session_batches.month_grid(s, world.partner, 2026, 10)
        assert [r.child_id for r in grid] == [world.lea]
        assert [p.beneficiaries for p in session_batches.partners_of_month(s, 2026, 10)] == [1]
    with acting(factory, COORD) as s:  # the coordinator, and the command line, see every file
        assert set(children_list.children_table(s).ids) == {world.lea, world.noe}
        assert len(eps.meeting_view(s, world.meeting).situations) == 2
    with factory() as s:
        assert set(children_list.children_table(s).ids) == {world.lea, world.noe}


def test_a_duplicate_out_of_reach_is_reported_without_naming_the_child(factory, world: World):
    with acting(factory, KARIM) as s:
        warnings = children.child_warnings(s, last_name="MOREAU", first_name="noe", birth_date=D(2015, 3, 10))
    assert [w.code for w in warnings] == ["duplicate_elsewhere"]
    assert "Moreau" not in warnings[0].message and warnings[0].related_id is None
    with acting(factory, COORD) as s:
        warnings = children.child_warnings(s, last_name="MOREAU", first_name="noe", birth_date=D(2015, 3, 10))
    assert [(w.code, w.related_id) for w in warnings] == [("duplicate", world.noe)]


def test_a_referent_opens_files_in_their_own_caseload_only(factory, db_snapshot, world: World):
    new = dict(family={"name": "Petit"}, child={"last_name": "Petit", "first_name": "Ali", "birth_date": "02/02/2016"},
               referral={"referred_on": "01/10/2026", "source": "École", "reasons": "Repéré en classe"})
    error = refused(factory, db_snapshot, lambda s: referrals.new_referral(
        s, **{**new, "child": {**new["child"], "referent_id": SOPHIE}}), exc=PermissionDeniedError, user_id=KARIM)
    assert error.field == "referent_id"
    refused(factory, db_snapshot, lambda s: children.update_child(s, world.lea, expected_version=1,
                                                                   referent_id=SOPHIE),
            exc=PermissionDeniedError, user_id=KARIM)
    with db.session_scope(factory, KARIM) as s:
        created = referrals.new_referral(s, **new).child
        assert created.referent_id == KARIM  # theirs, without saying so
    with acting(factory, KARIM) as s:
        assert created.id in children_list.children_table(s).ids


def test_a_shared_file_becomes_visible_then_invisible_when_unshared(factory, db_snapshot, world: World):
    refused(factory, db_snapshot, lambda s: caseload.share_child(s, world.noe, KARIM), exc=PermissionDeniedError,
            user_id=SOPHIE)  # sharing is the coordinator's
    with db.session_scope(factory, COORD) as s:
        assert [u.id for u in caseload.share_choices(s, world.noe)] == [KARIM]
        share_id = caseload.share_child(s, world.noe, KARIM).id
    with acting(factory, KARIM) as s:
        assert set(children_list.children_table(s).ids) == {world.lea, world.noe}
        assert child_file.identity(s, world.noe).first_name == "Noé"
        assert [r.child_id for r in session_batches.month_grid(s, world.partner, 2026, 10)] == [world.lea, world.noe]
        assert [sh.user_name for sh in caseload.shares_of_child(s, world.noe)] == ["Karim Benali"]
    with db.session_scope(factory, KARIM) as s:  # a shared file is worked on like one's own
        sessions.record_session(s, care_referral_id=world.noe_fiche, session_date=D(2026, 10, 19), confirm=True)
    with acting(factory, COORD) as s:
        line = next(x for x in file_history.history(s, world.noe) if x.entity_label == "Partage du dossier")
        assert "Karim Benali" in line.after and line.user_name == "Claire Martin"
    refused(factory, db_snapshot, lambda s: caseload.share_child(s, world.noe, KARIM), user_id=COORD)  # twice
    with db.session_scope(factory, COORD) as s:
        caseload.unshare_child(s, share_id)
    with acting(factory, KARIM) as s:
        assert children_list.children_table(s).ids == [world.lea]
        with pytest.raises(PermissionDeniedError, match="file active"):
            child_file.identity(s, world.noe)
        assert s.query(ChildShare).count() == 0


def test_sharing_with_the_childs_own_referent_or_a_coordinator_is_refused(factory, db_snapshot, world: World):
    assert refused(factory, db_snapshot, lambda s: caseload.share_child(s, world.noe, SOPHIE)).field == "user_id"
    assert refused(factory, db_snapshot, lambda s: caseload.share_child(s, world.noe, COORD)).field == "user_id"
    assert refused(factory, db_snapshot, lambda s: caseload.share_child(s, world.noe, None)).field == "user_id"


def test_the_refusal_says_why_in_french(factory, world: World):
    with acting(factory, KARIM) as s, pytest.raises(PermissionDeniedError) as err:
        child_file.identity(s, world.noe)
    assert err.value.message == OUT_OF_CASELOAD


def test_a_referent_cannot_run_the_commission_nor_produce_its_documents(factory, db_snapshot, world: World):
    for call in (lambda s: eps.create_meeting(s, meeting_date="10/12/2026"),
                 lambda s: eps.delete_meeting(s, world.meeting),
                 lambda s: eps.meeting_minutes_data(s, world.meeting),
                 lambda s: eps.meeting_agenda_data(s, world.meeting),
                 lambda s: reports.monthly_table(s, world.partner, 2026, 10)):
        refused(factory, db_snapshot, call, exc=PermissionDeniedError, user_id=KARIM)


def test_confirmation_asked_before_a_referent_records_anything(factory, db_snapshot, world: World):
    """The refusal comes before the warnings: a question is never asked about a file out of reach."""
    refused(factory, db_snapshot, lambda s: care_referrals.create_care_referral(
        s, child_id=world.noe, partner_id=world.partner, reason="x"), exc=PermissionDeniedError, user_id=KARIM)
    with pytest.raises(NeedsConfirmation):
        with db.session_scope(factory, SOPHIE) as s:
            care_referrals.create_care_referral(s, child_id=world.noe, partner_id=world.partner, reason="x")


def test_a_referent_counts_the_situations_of_their_files_in_the_commissions_list(factory, world: World):
    with acting(factory, KARIM) as s:
        assert [m.situation_count for m in eps.meetings(s)] == [1]
    with acting(factory, COORD) as s:
        assert [m.situation_count for m in eps.meetings(s)] == [2]
