"""The check every refusal test makes: the right error, and the database exactly as before."""

from __future__ import annotations

import pytest

from pre_desktop import db
from pre_desktop.services.errors import DomainError


def refused(factory, db_snapshot, fn, exc=DomainError):
    """Run ``fn(session)`` in its own transaction; it must raise ``exc`` and write nothing."""
    before = db_snapshot()
    with pytest.raises(exc) as err:
        with db.session_scope(factory, 1) as s:
            fn(s)
    assert db_snapshot() == before
    return err.value
