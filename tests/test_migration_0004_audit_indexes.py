"""Revision 0004 on a database holding a trail: the events stay, and the Journal's
filters by action and by user read an index instead of the whole trail."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, text

from pre_desktop import migrate
from pre_desktop.models import AuditAction, AuditEvent
from test_migrations import fill_every_table


def test_trail_from_0003_keeps_its_events_and_gains_the_search_indexes(tmp_path):
    path = tmp_path / "old.sqlite"
    migrate.upgrade(path, "0003")
    fill_every_table(path, rows_per_table=1, given={
        "audit_events": [{"at": dt.datetime(2026, 11, 2, 9, 0), "user_id": None, "action": "delete",
                          "entity": "guardians", "entity_id": 9, "child_id": None, "family_id": None,
                          "changes": None, "summary": None}],
    })
    engine, factory = migrate.open_database(path)
    try:
        assert migrate.current_revision(engine) == migrate.head_revision()
        with factory() as s:
            (event,) = s.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.DELETE)).all()
            assert event.entity == "guardians" and event.at == dt.datetime(2026, 11, 2, 9, 0)
            for where, index in (("action = 'delete'", "ix_audit_events_action_at"),
                                 ("user_id = 1", "ix_audit_events_user_at")):
                plan = " ".join(str(row) for row in s.execute(text(
                    f"EXPLAIN QUERY PLAN SELECT id FROM audit_events WHERE {where} ORDER BY at DESC LIMIT 500")))
                assert index in plan, plan
    finally:
        engine.dispose()
