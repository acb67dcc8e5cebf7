"""One fresh database per test, an offscreen Qt platform, and a pinned 'today'."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from pre_desktop import db, migrate
from pre_desktop.models import Role, User
from pre_desktop.services import clock
from pre_desktop.services.reference_data import ensure_partner_types

TODAY = dt.date(2026, 11, 22)


@pytest.fixture(autouse=True)
def pinned_today():
    """Services see a fixed today so date rules give the same answer every day."""
    clock.set_today(TODAY)
    yield TODAY
    clock.set_today(None)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path:
    """An empty database built once through the migrations (upgrade head).

    Tests then run on the very schema users get; copying the file per test keeps
    that as fast as create_all.
    """
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    migrate.upgrade(path)
    return path


@pytest.fixture
def engine(tmp_path, migrated_template) -> Engine:
    path = tmp_path / "test.sqlite"
    shutil.copyfile(migrated_template, path)
    eng = db.make_engine(path)
    yield eng
    eng.dispose()


@pytest.fixture
def factory(engine) -> sessionmaker[Session]:
    fac = db.make_session_factory(engine)
    with db.session_scope(fac) as s:
        s.add(User(login="coord", first_name="Claire", last_name="Martin", role=Role.COORDINATOR, phone="01 23 45 67 89"))
        s.add(User(login="ref", first_name="Karim", last_name="Benali", role=Role.REFERENT, phone="06 12 34 56 78"))
        ensure_partner_types(s)
    return fac


@pytest.fixture
def session(factory) -> Session:
    """A session acting as the coordinator (user 1); commit/rollback is the test's."""
    s = factory()
    s.info["user_id"] = 1
    yield s
    s.rollback()
    s.close()


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table: compare before and after a refused call."""
    out: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        for table in sorted(inspect(engine).get_table_names()):
            out[table] = [tuple(r) for r in conn.execute(text(f'SELECT * FROM "{table}" ORDER BY 1'))]
    return out


@pytest.fixture
def db_snapshot(engine):
    """Call to take a snapshot of the database as committed."""
    return lambda: snapshot(engine)


@pytest.fixture
def fast_hashing(monkeypatch):
    """Argon2id with tiny parameters: the real ones take about 0.1–0.3 s a hash, which a
    test creating and logging in several accounts does not need (the format is the same)."""
    from argon2 import PasswordHasher

    from pre_desktop.services import auth

    monkeypatch.setattr(auth, "hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    return auth.hasher
