"""The check every refusal test makes: the right error, and the database exactly as before."""

from __future__ import annotations

import pytest

from pre_desktop import db
from pre_desktop.services.errors import DomainError


def refused(factory, db_snapshot, fn, exc=DomainError, user_id=1):
    """Run ``fn(session)`` in its own transaction, acting as ``user_id`` (the coordinator by
    default); it must raise ``exc`` and write nothing."""
    before = db_snapshot()
    with pytest.raises(exc) as err:
        with db.session_scope(factory, user_id) as s:
            fn(s)
    assert db_snapshot() == before
    return err.value
