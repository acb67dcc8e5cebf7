"""The secretariat at service level: partners, conventions and session entry; never a
child's file, its notes or its health reasons (secret partagé: the minimum)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

import pytest

from pre_desktop import db
from pre_desktop.models import SessionKind, SessionStatus
from pre_desktop.services import (
    care_referrals,
    child_file,
    children,
    children_list,
    conventions,
    document_list,
    eps,
    liaisons,
    partners,
    private_notes,
    reports,
    session_batches,
    sessions,
    todo,
)
from pre_desktop.services.access import NO_CHILD_FILE
from pre_desktop.services.errors import PermissionDeniedError

from access_fixtures import COORD, KARIM, SECRETARIAT, World, acting, world  # noqa: F401 - fixture
from refusal import refused

D = dt.date

FILE_CALLS = {
    "identity": lambda s, w: child_file.identity(s, w.lea),
    "referral_rows": lambda s, w: child_file.referral_rows(s, w.lea),
    "pathway_views": lambda s, w: child_file.pathway_views(s, w.lea),
    "decisions": lambda s, w: eps.decisions_for_child(s, w.lea),
    "liaison_document": lambda s, w: care_referrals.liaison_document_data(s, w.lea_fiche),
    "orientation_form": lambda s, w: liaisons.orientation_form(s, w.lea),
    "update_child": lambda s, w: children.update_child(s, w.lea, expected_version=1, notes="x"),
    "create_care_referral": lambda s, w: care_referrals.create_care_referral(
        s, child_id=w.lea, partner_id=w.partner, reason="x", confirm=True),
    "meeting_view": lambda s, w: eps.meeting_view(s, w.meeting),
    "meetings": lambda s, w: eps.meetings(s),
    "private_notes": lambda s, w: private_notes.add_note(s, w.lea, "x"),
    "new_family": lambda s, w: children.create_family(s, name="Petit"),
}


@pytest.mark.parametrize("name", sorted(FILE_CALLS))
def test_the_secretariat_cannot_open_a_childs_file(factory, db_snapshot, world: World, name):
    error = refused(factory, db_snapshot, lambda s: FILE_CALLS[name](s, world), exc=PermissionDeniedError,
                    user_id=SECRETARIAT)
    assert error.message == NO_CHILD_FILE or "secrétariat" in error.message


def test_no_child_in_the_lists_that_show_files(factory, world: World):
    with acting(factory, SECRETARIAT) as s:
        assert children_list.children_table(s).ids == [] and children_list.count_children(s) == 0
        assert children.search_children(s, "") == [] and children.search_families(s, "") == []
        assert liaisons.list_liaisons(s) == []
        assert [i.target for i in todo.todo_items(s)] == [i.target for i in todo.todo_items(s)
                                                          if i.target == "convention"]
        assert document_list.document_list(s) == []  # the children's fiches de liaison are not theirs


def test_session_entry_names_every_beneficiary_and_carries_no_note_nor_reason(factory, world: World):
    with acting(factory, SECRETARIAT) as s:
        grid = session_batches.month_grid(s, world.partner, 2026, 10)
        assert {(r.last_name, r.first_name) for r in grid} == {("Dupont", "Léa"), ("Moreau", "Noé")}
        table = reports.monthly_table(s, world.partner, 2026, 10)
        statement = reports.quarterly_statement(s, world.convention, 2026, 4)
        texts = repr([asdict(r) for r in grid]) + repr(table) + repr(statement)
    for secret in ("Notes du dossier", "Motif de santé", "Objectifs de", "Anxiété scolaire", "Notes du repérage",
                   "Note famille"):
        assert secret not in texts
    with db.session_scope(factory, SECRETARIAT) as s:  # they type the month's sessions
        session_batches.save_month(s, partner_id=world.partner, year=2026, month=10, confirm=True, rows=[
            session_batches.BeneficiaryMonth(world.lea_fiche, [
                session_batches.EntryInput(D(2026, 10, 5), SessionKind.INDIVIDUAL, SessionStatus.PRESENT),
                session_batches.EntryInput(D(2026, 10, 12), SessionKind.INDIVIDUAL, SessionStatus.PRESENT),
                session_batches.EntryInput(D(2026, 10, 19), SessionKind.INDIVIDUAL, SessionStatus.EXCUSED)])])
        sessions.record_session(s, care_referral_id=world.noe_fiche, session_date=D(2026, 10, 26), confirm=True)
    with acting(factory, COORD) as s:
        assert len(child_file.session_rows(s, world.lea)) == 3


def test_the_secretariat_keeps_partners_and_conventions(factory, db_snapshot, world: World):
    with db.session_scope(factory, SECRETARIAT) as s:
        partners.update_partner(s, world.partner, expected_version=None, town="Évry")
        conventions.update_convention(s, world.convention, expected_version=None, notes="Relue")
    with acting(factory, SECRETARIAT) as s:
        assert [d.kind for d in document_list.document_list(s)] == []
    # a référent reads them, and cannot change them
    refused(factory, db_snapshot, lambda s: partners.update_partner(s, world.partner, expected_version=None,
                                                                     town="Étampes"),
            exc=PermissionDeniedError, user_id=KARIM)
    refused(factory, db_snapshot, lambda s: conventions.update_convention(s, world.convention, expected_version=None,
                                                                           notes="x"),
            exc=PermissionDeniedError, user_id=KARIM)
