"""Private notes: what a professional writes for themself about a child, read by its author only.

Not even the coordinator reads another's note (a working memo, not the file: what the
team must know goes in the file's notes). The audit trail records that a note was
written, changed or deleted, by whom and for which child, never its text:
``PrivateNote`` is not ``__audited__`` (the field-level trail would copy the text
where the coordinator reads it), so each service writes its own event.

A note needs an author: the command line (no user) writes and reads none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import AuditAction, PrivateNote
from ..models.base import utcnow
from . import audit
from .access import acting_user, require_child
from .common import check_version, required_text
from .errors import NotFoundError, PermissionDeniedError

NOTE_MAX = 10_000
NO_AUTHOR = "Une note privée a un auteur : connectez-vous avec votre compte pour en écrire ou en lire."
NOT_YOURS = "Cette note privée n'est pas la vôtre : seul(e) son auteur(e) peut la lire, la modifier ou la supprimer."


@dataclass(frozen=True)
class NoteRow:
    id: int
    version: int
    written_at: dt.datetime  # naive UTC, as stored
    text: str

    @property
    def first_line(self) -> str:
        return self.text.strip().splitlines()[0] if self.text.strip() else ""


def _author(session: Session) -> int:
    user = acting_user(session)
    if user is None:
        raise PermissionDeniedError(NO_AUTHOR, None)
    return user.id


def _own(session: Session, note_id: int, *, expected_version: Optional[int]) -> PrivateNote:
    author_id = _author(session)
    note = session.get(PrivateNote, note_id)
    if note is None:
        raise NotFoundError(f"Note privée introuvable (n° {note_id}).", None)
    if note.author_id != author_id:
        raise PermissionDeniedError(NOT_YOURS, None)
    require_child(session, note.child_id, write=True)
    check_version(note, expected_version, "Cette note privée")
    return note


def _trace(session: Session, action: AuditAction, note: PrivateNote, what: str) -> None:
    child = require_child(session, note.child_id)
    audit.record(session, action, "private_notes", note.id, child_id=child.id, family_id=child.family_id,
                 summary=f"Note privée {what} (texte réservé à son auteur, non conservé dans le journal)")


def add_note(session: Session, child_id: int, text: str) -> PrivateNote:
    """A new private note of the acting user on a child whose file they may change."""
    author_id = _author(session)
    require_child(session, child_id, write=True)
    body = required_text(text, "text", "Note privée", NOTE_MAX)
    note = PrivateNote(child_id=child_id, author_id=author_id, text=body, written_at=utcnow())
    session.add(note)
    session.flush()
    _trace(session, AuditAction.CREATE, note, "écrite")
    session.flush()
    return note


def edit_note(session: Session, note_id: int, text: str, *, expected_version: Optional[int]) -> PrivateNote:
    note = _own(session, note_id, expected_version=expected_version)
    body = required_text(text, "text", "Note privée", NOTE_MAX)
    if body != note.text:
        note.text = body
        session.flush()
        _trace(session, AuditAction.UPDATE, note, "modifiée")
        session.flush()
    return note


def delete_note(session: Session, note_id: int, *, expected_version: Optional[int] = None) -> None:
    note = _own(session, note_id, expected_version=expected_version)
    _trace(session, AuditAction.DELETE, note, "supprimée")
    session.delete(note)
    session.flush()


def list_notes(session: Session, child_id: int) -> list[NoteRow]:
    """The acting user's own notes on the child, newest first (nobody else's, whatever their role)."""
    require_child(session, child_id)
    user = acting_user(session)
    if user is None:
        return []
    stmt = (select(PrivateNote).where(PrivateNote.child_id == child_id, PrivateNote.author_id == user.id)
            .order_by(PrivateNote.written_at.desc(), PrivateNote.id.desc()))
    return [NoteRow(n.id, n.version, n.written_at, n.text) for n in session.scalars(stmt)]
