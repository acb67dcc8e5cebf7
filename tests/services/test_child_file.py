"""The child's file: its sections, its one save (all or nothing) and its readable history."""

from __future__ import annotations

import datetime as dt

import pytest

from pre_desktop import db
from pre_desktop.formatting import fr_datetime
from pre_desktop.models import AuditAction, AuditEvent, Child, Family, Pathway
from pre_desktop.services import child_file, file_history
from pre_desktop.services.children import add_guardian
from pre_desktop.services.errors import NeedsConfirmation, StaleRecordError
from pre_desktop.services.pathways import add_action

from care_fixtures import add_sessions, care_referral, convention, family_with_child, partner, weekly
from refusal import refused

D = dt.date


@pytest.fixture
def child_id(factory) -> int:
    with db.session_scope(factory, 1) as s:
        child = family_with_child(s)
        sister = Child(family=child.family, last_name="Dupont", first_name="Inès", birth_date=D(2012, 6, 1))
        s.add(sister)
        p = partner(s)
        cr = care_referral(s, child, p, convention(s, p, quota=10, threshold=8))
        add_sessions(s, cr, weekly(D(2026, 3, 2), 9))
        add_action(s, child_id=child.id, label="Soutien psychologique", start_date=D(2026, 2, 1))
        return child.id


def test_sections_show_the_child_and_the_family(session, child_id):
    data = child_file.identity(session, child_id)
    assert (data.last_name, data.first_name, data.school_class) == ("Dupont", "Léa", "CM1")
    assert data.referent_name == "Karim Benali"
    assert [g.name for g in data.guardians] == ["Sonia Dupont"]
    assert [s.name for s in data.siblings] == ["DUPONT Inès"]
    assert data.consent.startswith("donné le 05/01/2026 par Mme Dupont")
    [orientation] = child_file.orientation_rows(session, child_id)
    assert (orientation.partner_name, orientation.sessions_text, orientation.level) == (
        "Association Filigrane", "9 / 10", "warning")
    assert len(child_file.session_rows(session, child_id)) == 9
    [pathway] = child_file.pathway_views(session, child_id)
    assert pathway.is_open and [a.label for a in pathway.actions] == ["Soutien psychologique"]
    assert pathway.actions[0].hors_eps


def test_save_changes_child_family_and_review_date_together(factory, session, child_id):
    data = child_file.identity(session, child_id)
    [pathway] = child_file.pathway_views(session, child_id)
    with db.session_scope(factory, 1) as s:
        child_file.save_child_file(
            s, child_id, expected_version=data.version, child={"school_class": "CM2"},
            family={"languages": "français, tamoul", "interpreter_needed": True}, family_version=data.family.version,
            pathway_id=pathway.id, pathway_version=pathway.version, review_date="15/06/2027")
    with factory() as s:
        child = s.get(Child, child_id)
        assert child.school_class == "CM2"
        assert (child.family.languages, child.family.interpreter_needed) == ("français, tamoul", True)
        assert s.get(Pathway, pathway.id).review_date == D(2027, 6, 15)


def test_a_refused_family_field_stores_nothing_and_names_the_family_field(factory, db_snapshot, session, child_id):
    data = child_file.identity(session, child_id)
    error = refused(factory, db_snapshot, lambda s: child_file.save_child_file(
        s, child_id, expected_version=data.version, child={"school_class": "CM2"},
        family={"postal_code": "9100"}, family_version=data.family.version))
    assert error.field == "family.postal_code" and "code postal" in error.message


def test_a_refused_review_date_stores_the_child_fields_neither(factory, db_snapshot, session, child_id):
    data = child_file.identity(session, child_id)
    [pathway] = child_file.pathway_views(session, child_id)
    error = refused(factory, db_snapshot, lambda s: child_file.save_child_file(
        s, child_id, expected_version=data.version, child={"school_class": "CM2"},
        pathway_id=pathway.id, pathway_version=pathway.version, review_date="01/01/2020"))
    assert error.field == "review_date"


def test_stale_family_and_age_warning(factory, db_snapshot, session, child_id):
    data = child_file.identity(session, child_id)
    refused(factory, db_snapshot, lambda s: child_file.save_child_file(
        s, child_id, expected_version=data.version, family={"town": "Évry"}, family_version=data.family.version - 1),
        exc=StaleRecordError)
    confirmation = refused(factory, db_snapshot, lambda s: child_file.save_child_file(
        s, child_id, expected_version=data.version, child={"birth_date": "01/01/2026"}), exc=NeedsConfirmation)
    assert confirmation.warnings[0].code == "age_outside_public"


def test_history_reads_field_changes_in_french(factory, session, child_id):
    data = child_file.identity(session, child_id)
    with db.session_scope(factory, 2) as s:
        child_file.save_child_file(s, child_id, expected_version=data.version,
                                   child={"birth_date": "12/03/2015", "sex": "F"},
                                   family={"interpreter_needed": True}, family_version=data.family.version)
    with db.session_scope(factory, 1) as s:  # only the coordinator hands a file to someone else
        child_file.save_child_file(s, child_id, expected_version=data.version + 1, child={"referent_id": 1})
        add_guardian(s, data.family.id, last_name="Dupont", first_name="Marc", relationship_label="père")
        child_file.record_view(s, child_id)
    lines = file_history.history(session, child_id)
    changed = {(line.entity_label, line.field_label): (line.before, line.after, line.user_name)
               for line in lines if line.action is AuditAction.UPDATE}
    assert changed[("Dossier de l'enfant", "Date de naissance")] == ("10/03/2015", "12/03/2015", "Karim Benali")
    assert changed[("Dossier de l'enfant", "Sexe")] == ("", "Fille", "Karim Benali")
    assert changed[("Dossier de l'enfant", "Référent(e)")] == ("Karim Benali", "Claire Martin", "Claire Martin")
    assert changed[("Famille", "Interprète nécessaire")] == ("Non", "Oui", "Karim Benali")
    created = [line for line in lines if line.action is AuditAction.CREATE and line.entity_label == "Responsable"]
    assert created[0].after.startswith("Nom : Dupont ; Prénom : Marc ; Lien avec l'enfant : père")
    assert lines[0].action_label == "Consultation" and lines[0].user_name == "Claire Martin"
    event = session.get(AuditEvent, lines[0].event_id)
    assert lines[0].at_text == fr_datetime(event.at) and len(lines[0].at_text) == 16
    assert not any(line.action is AuditAction.VIEW for line in file_history.history(session, child_id, views=False))


def test_history_leaves_out_other_families(factory, session, child_id):
    with db.session_scope(factory, 1) as s:
        s.add(Family(name="Autre"))
    assert all(line.entity_label != "Famille" or "Autre" not in line.after
               for line in file_history.history(session, child_id))
