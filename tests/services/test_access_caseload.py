"""Caseload transfer: the coordinator moves every file of one référent to another in one
step, after a confirmation that says how many; each file's history records it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from pre_desktop import db
from pre_desktop.models import AuditAction, AuditEvent, CareReferral, Child, ChildShare
from pre_desktop.services import caseload, children_list, file_history, retention
from pre_desktop.services.errors import NeedsConfirmation, PermissionDeniedError

from access_fixtures import COORD, KARIM, SECRETARIAT, SOPHIE, World, acting, world  # noqa: F401 - fixture
from care_fixtures import family_with_child
from refusal import refused


def _more_children_for_sophie(factory, count: int) -> list[int]:
    with db.session_scope(factory) as s:
        return [family_with_child(s, name=f"Famille{i}", first_name="Enfant", referent_id=SOPHIE).id
                for i in range(count)]


def test_a_transfer_asks_with_the_count_then_moves_every_file_in_one_step(factory, db_snapshot, world: World):
    extra = _more_children_for_sophie(factory, 2)
    with db.session_scope(factory, COORD) as s:  # Karim already had Noé shared: the share becomes pointless
        caseload.share_child(s, world.noe, KARIM)
    question = refused(factory, db_snapshot, lambda s: caseload.transfer_caseload(s, SOPHIE, KARIM),
                       exc=NeedsConfirmation)
    text = question.warnings[0].message
    assert text.startswith("Les 3 dossiers de la file active de Sophie Leroy vont être confiés à Karim Benali")
    assert "1 fiche(s) de liaison en cours" in text
    with db.session_scope(factory, COORD) as s:
        result = caseload.transfer_caseload(s, SOPHIE, KARIM, confirm=True)
    assert (result.children, result.liaisons, result.archived_left) == (3, 1, 0)
    with acting(factory, KARIM) as s:
        assert set(children_list.children_table(s).ids) == {world.lea, world.noe, *extra}
    with acting(factory, SOPHIE) as s:
        assert children_list.children_table(s).ids == []
    with factory() as s:
        assert s.get(CareReferral, world.noe_fiche).referent_id == KARIM
        assert s.scalar(select(ChildShare.id)) is None
        moved = s.scalars(select(AuditEvent).where(AuditEvent.entity == "children",
                                                   AuditEvent.action == AuditAction.UPDATE)).all()
        assert sorted(e.child_id for e in moved) == sorted([world.noe, *extra])
        assert all(e.changes == {"referent_id": [SOPHIE, KARIM]} and e.user_id == COORD for e in moved)
        summary = s.scalars(select(AuditEvent).where(AuditEvent.entity == "users",
                                                     AuditEvent.summary.like("Transfert%"))).one()
        assert summary.summary == "Transfert de la file active de Sophie Leroy à Karim Benali : 3 dossier(s)"
    with acting(factory, COORD) as s:
        line = next(x for x in file_history.history(s, world.noe) if x.field_label == "Référent(e)")
        assert (line.before, line.after, line.user_name) == ("Sophie Leroy", "Karim Benali", "Claire Martin")


def test_only_the_coordinator_transfers(factory, db_snapshot, world: World):
    for user in (KARIM, SOPHIE, SECRETARIAT):
        refused(factory, db_snapshot, lambda s: caseload.transfer_caseload(s, SOPHIE, KARIM, confirm=True),
                exc=PermissionDeniedError, user_id=user)


def test_transfer_refusals(factory, db_snapshot, world: World):
    assert refused(factory, db_snapshot, lambda s: caseload.transfer_caseload(s, SOPHIE, SOPHIE)).field == "to_id"
    assert refused(factory, db_snapshot, lambda s: caseload.transfer_caseload(s, SOPHIE, SECRETARIAT)).field == "to_id"
    assert refused(factory, db_snapshot, lambda s: caseload.transfer_caseload(s, None, KARIM)).field == "from_id"
    assert refused(factory, db_snapshot, lambda s: caseload.transfer_caseload(s, COORD, KARIM)).field == "from_id"
    with db.session_scope(factory) as s:
        s.get(Child, world.noe).referent_id = KARIM  # Sophie's caseload is now empty
    error = refused(factory, db_snapshot, lambda s: caseload.transfer_caseload(s, SOPHIE, KARIM, confirm=True))
    assert error.message == "Sophie Leroy n'a aucun dossier dans sa file active."


def test_archived_files_stay_as_they_are(factory, db_snapshot, world: World):
    extra = _more_children_for_sophie(factory, 1)
    with db.session_scope(factory) as s, retention._unguarded(s):  # archived as the Archivage screen does
        s.get(Child, extra[0]).archived_on = dt.date(2026, 9, 1)
        s.flush()
    question = refused(factory, db_snapshot, lambda s: caseload.transfer_caseload(s, SOPHIE, KARIM),
                       exc=NeedsConfirmation)
    assert question.warnings[0].message.startswith("Le dossier de la file active de Sophie Leroy va être confié")
    assert "1 dossier(s) archivé(s) restent inchangés" in question.warnings[0].message
    with db.session_scope(factory, COORD) as s:
        assert caseload.caseload_size(s, SOPHIE) == 1
        result = caseload.transfer_caseload(s, SOPHIE, KARIM, confirm=True)
    assert (result.children, result.archived_left) == (1, 1)
    with factory() as s:
        assert s.get(Child, extra[0]).referent_id == SOPHIE
