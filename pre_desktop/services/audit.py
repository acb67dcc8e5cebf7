"""Audit trail: every create, update or delete of an audited record writes an
AuditEvent with field-level before/after, in the same transaction.

Hooked on the session's ``before_flush`` so that no service can forget it; the
user is read from ``session.info["user_id"]`` (set by :func:`pre_desktop.db.session_scope`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from pathlib import Path
from typing import Any, Iterable, Optional

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from ..models import AuditAction, AuditEvent, Child, Family
from ..models.base import utcnow

# Columns that change on every write and say nothing to a reader.
_IGNORED = {"version", "created_at", "updated_at", "search_name"}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dict):  # JSON columns stay structured in the trail
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


def _is_audited(obj: Any) -> bool:
    return bool(getattr(type(obj), "__audited__", False))


def _columns(obj: Any) -> Iterable[str]:
    # A model may keep some columns out of the trail (``__audit_ignore__``): secrets such
    # as a password hash, or counters that change on every login.
    ignored = _IGNORED | set(getattr(type(obj), "__audit_ignore__", ()))
    for attr in inspect(type(obj)).column_attrs:
        if attr.key not in ignored:
            yield attr.key


def _family_id(obj: Any) -> Optional[int]:
    if isinstance(obj, Family):
        return obj.id
    fid = getattr(obj, "family_id", None)
    if fid is None:
        child = getattr(obj, "child", None)
        fid = getattr(child, "family_id", None) if child is not None else None
    return fid


def _snapshot(obj: Any) -> dict[str, list[Any]]:
    return {key: [None, _jsonable(getattr(obj, key))] for key in _columns(obj) if getattr(obj, key) is not None}


def _diff(obj: Any) -> dict[str, list[Any]]:
    state = inspect(obj)
    changes: dict[str, list[Any]] = {}
    for key in _columns(obj):
        hist = state.attrs[key].history
        if not hist.has_changes():
            continue
        before = hist.deleted[0] if hist.deleted else None
        after = hist.added[0] if hist.added else None
        if _jsonable(before) != _jsonable(after):
            changes[key] = [_jsonable(before), _jsonable(after)]
    return changes


def _orphans(session: Session, deleted: list[Any]) -> list[Any]:
    """Rows removed from a delete-orphan collection (``family.guardians.remove(g)``): the
    flush deletes them although they are not in ``session.deleted`` yet."""
    seen = {id(obj) for obj in deleted}
    out = []
    for parent in list(session.dirty):
        state = inspect(parent)
        for rel in state.mapper.relationships:
            if not rel.cascade.delete_orphan or not rel.uselist:
                continue
            for item in state.attrs[rel.key].history.deleted:
                item_state = inspect(item)
                if id(item) in seen or not item_state.persistent:
                    continue
                if rel.back_populates and getattr(item, rel.back_populates) is not None:
                    continue  # moved to another parent, not deleted
                seen.add(id(item))
                out.append(item)
    return out


def before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    # Left over only by a flush that failed (after_flush never ran): those rows were
    # rolled back, and must not be traced by this flush.
    session.info.pop("_audit_pending", None)
    user_id = session.info.get("user_id")
    pending: list[tuple[Any, AuditAction]] = []
    for obj in list(session.new):
        if _is_audited(obj):
            pending.append((obj, AuditAction.CREATE))
    for obj in list(session.dirty):
        if _is_audited(obj) and session.is_modified(obj, include_collections=False):
            pending.append((obj, AuditAction.UPDATE))
    deleted = list(session.deleted)
    for obj in deleted + _orphans(session, deleted):
        if _is_audited(obj):
            pending.append((obj, AuditAction.DELETE))
    if not pending:
        return
    # Deleted rows are read now, while they are whole. Created and updated rows are
    # read in after_flush: only then do they carry their ids, column defaults and the
    # foreign keys set through a relationship (``child.family = other``), while the
    # attribute history still holds the values from before the flush.
    events = session.info.setdefault("_audit_pending", [])
    for obj, action in pending:
        if action is AuditAction.DELETE:
            changes: Optional[dict[str, list[Any]]] = {k: [v[1], None] for k, v in _snapshot(obj).items()}
        else:
            changes = None
        events.append((obj, action, changes, user_id))


def after_flush(session: Session, flush_context: Any) -> None:
    events = session.info.pop("_audit_pending", None)
    if not events:
        return
    rows = []
    for obj, action, changes, user_id in events:
        if action is AuditAction.UPDATE:
            changes = _diff(obj)
            if not changes:
                continue
        elif action is AuditAction.CREATE:
            changes = _snapshot(obj)
        state = inspect(obj)
        entity_id = state.identity[0] if state.identity else getattr(obj, "id", None)
        if action is AuditAction.CREATE and "id" not in changes and entity_id is not None:
            changes = {"id": [None, entity_id], **changes}
        try:
            child_id = getattr(obj, "audit_child_id", None)
        except Exception:  # detached relationship on a deleted row
            child_id = None
        try:
            family_id = _family_id(obj)
        except Exception:
            family_id = None
        rows.append(
            {
                "at": utcnow(),
                "user_id": user_id,
                "action": action,
                "entity": type(obj).__tablename__,
                "entity_id": entity_id,
                "child_id": child_id,
                "family_id": family_id,
                "changes": changes,
            }
        )
    if not rows:
        return
    # Core insert: adding ORM objects inside after_flush would need another flush.
    session.connection().execute(AuditEvent.__table__.insert(), rows)


def record(session: Session, action: AuditAction, entity: str, entity_id: Optional[int], *,
           child_id: Optional[int] = None, family_id: Optional[int] = None, summary: Optional[str] = None) -> None:
    """Trace an operation that changes no row: opening a file, generating a document, an export."""
    session.add(
        AuditEvent(
            user_id=session.info.get("user_id"),
            action=action,
            entity=entity,
            entity_id=entity_id,
            child_id=child_id,
            family_id=family_id,
            summary=summary,
        )
    )


def export_summary(title: str, file_format: Optional[str] = None, file_path: Optional[str] = None,
                   children: Optional[int] = None) -> str:
    """What an export event says: what was exported (its title holds the kind and the
    period), in which format, how many children it concerns, and the file's name."""
    text = title + (f" ({file_format.upper()})" if file_format else "")
    if children is not None:
        text += f" — {children} enfant{'s' if children > 1 else ''}"
    if file_path:
        text += f" — fichier : {Path(file_path).name}"
    return text


def record_export(session: Session, title: str, *, entity: str, entity_id: Optional[int] = None,
                  file_format: Optional[str] = None, file_path: Optional[str] = None,
                  children: Optional[int] = None, child_ids: Iterable[int] = ()) -> None:
    """Trace a file written by the app (a document, a list, a copy of the base).

    A file that names children leaves one event per child named in ``child_ids``, so
    that each child's trail (and a right-of-access request) says where their data went;
    otherwise one event, with the number of children it concerns in ``children``.
    """
    ids = sorted(set(child_ids))
    summary = export_summary(title, file_format, file_path, len(ids) if ids else children)
    if not ids:
        record(session, AuditAction.EXPORT, entity, entity_id, summary=summary)
        return
    families: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        families.update((row[0], row[1]) for row in session.execute(select(Child.id, Child.family_id).where(Child.id.in_(chunk))))
    user_id = session.info.get("user_id")
    session.flush()
    session.connection().execute(AuditEvent.__table__.insert(), [
        {"at": utcnow(), "user_id": user_id, "action": AuditAction.EXPORT, "entity": entity,
         "entity_id": entity_id, "child_id": child_id, "family_id": families.get(child_id),
         "changes": None, "summary": summary}
        for child_id in ids])


def record_database_copy(session: Session, path: Path | str) -> None:
    """Trace a copy of the whole base written where the user chose (a USB key…): it holds
    every file, so the trail says so, with the number of children in it."""
    children = session.scalar(select(func.count()).select_from(Child)) or 0
    record_export(session, "Copie de la base", entity="database", file_format=Path(path).suffix.lstrip(".") or None,
                  file_path=str(Path(path).expanduser().resolve()), children=children)
    session.flush()


def trail_for_child(session: Session, child_id: int) -> list[AuditEvent]:
    """The audit trail of one child's file, newest first."""
    return list(session.scalars(select(AuditEvent).where(AuditEvent.child_id == child_id).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())))
