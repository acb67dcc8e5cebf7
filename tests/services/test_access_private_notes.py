"""Private notes: read, changed and deleted by their author only — not even by a
coordinator — and traced without their text."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from pre_desktop import db
from pre_desktop.models import AuditAction, AuditEvent, PrivateNote
from pre_desktop.services import file_history, private_notes
from pre_desktop.services.errors import DomainError, PermissionDeniedError, StaleRecordError

from access_fixtures import COORD, KARIM, SOPHIE, World, acting, world  # noqa: F401 - fixture
from refusal import refused

SECRET = "Mère inquiète, évoque des violences : à vérifier avec l'ASE"


def _note(factory, user_id: int, child_id: int, body: str = SECRET) -> int:
    with db.session_scope(factory, user_id) as s:
        return private_notes.add_note(s, child_id, body).id


def test_a_note_is_read_by_its_author_only_even_the_coordinator_cannot(factory, world: World):
    note_id = _note(factory, KARIM, world.lea)
    with acting(factory, KARIM) as s:
        assert [(n.id, n.text) for n in private_notes.list_notes(s, world.lea)] == [(note_id, SECRET)]
    with acting(factory, COORD) as s:
        assert private_notes.list_notes(s, world.lea) == []
    with factory() as s:  # nor the command line
        assert private_notes.list_notes(s, world.lea) == []
    coord_note = _note(factory, COORD, world.lea, "Note de la coordination")
    with acting(factory, KARIM) as s:
        assert [n.id for n in private_notes.list_notes(s, world.lea)] == [note_id]
    with acting(factory, COORD) as s:
        assert [n.id for n in private_notes.list_notes(s, world.lea)] == [coord_note]


def test_only_the_author_changes_or_deletes_a_note(factory, db_snapshot, world: World):
    note_id = _note(factory, KARIM, world.lea)
    for user in (COORD, SOPHIE):
        refused(factory, db_snapshot, lambda s: private_notes.edit_note(s, note_id, "x", expected_version=1),
                exc=PermissionDeniedError, user_id=user)
        refused(factory, db_snapshot, lambda s: private_notes.delete_note(s, note_id), exc=PermissionDeniedError,
                user_id=user)
    refused(factory, db_snapshot, lambda s: private_notes.edit_note(s, note_id, "x", expected_version=7),
            exc=StaleRecordError, user_id=KARIM)
    assert refused(factory, db_snapshot, lambda s: private_notes.edit_note(s, note_id, "  ", expected_version=1),
                   user_id=KARIM).field == "text"
    refused(factory, db_snapshot, lambda s: private_notes.add_note(s, world.lea, "x"), exc=PermissionDeniedError,
            user_id=None)  # the command line has no author
    with db.session_scope(factory, KARIM) as s:
        private_notes.edit_note(s, note_id, "Revu avec la famille", expected_version=1)
    with acting(factory, KARIM) as s:
        assert [n.text for n in private_notes.list_notes(s, world.lea)] == ["Revu avec la famille"]
    with db.session_scope(factory, KARIM) as s:
        private_notes.delete_note(s, note_id)
    with factory() as s:
        assert s.scalar(select(PrivateNote.id)) is None


def test_the_trail_says_a_note_was_written_never_what(factory, engine, world: World):
    note_id = _note(factory, KARIM, world.lea)
    with db.session_scope(factory, KARIM) as s:
        private_notes.edit_note(s, note_id, SECRET + " (suite)", expected_version=1)
    with factory() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.entity == "private_notes")
                           .order_by(AuditEvent.id)).all()
        assert [(e.action, e.user_id, e.child_id, e.entity_id) for e in events] == [
            (AuditAction.CREATE, KARIM, world.lea, note_id), (AuditAction.UPDATE, KARIM, world.lea, note_id)]
    with acting(factory, COORD) as s:
        lines = [x for x in file_history.history(s, world.lea) if x.entity_label == "Note privée"]
        assert len(lines) == 2 and all(x.user_name == "Karim Benali" for x in lines)
    with engine.connect() as conn:  # the text is nowhere but in the note itself
        trail = " ".join(str(row) for row in conn.execute(text("SELECT * FROM audit_events")))
    assert "violences" not in trail and "Mère" not in trail


def test_a_note_goes_on_a_file_the_author_may_read(factory, db_snapshot, world: World):
    refused(factory, db_snapshot, lambda s: private_notes.add_note(s, world.noe, "x"), exc=PermissionDeniedError,
            user_id=KARIM)
    with pytest.raises(DomainError):
        with db.session_scope(factory, KARIM) as s:
            private_notes.add_note(s, 999_999, "x")
