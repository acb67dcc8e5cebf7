"""Database files for tests of opening, backups and restores: filled, damaged, from the future."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pre_desktop import db
from pre_desktop.migrate import open_database
from pre_desktop.models import Family


def make_base(path: Path, families: list[str]) -> Path:
    engine, factory = open_database(path)
    with db.session_scope(factory) as s:
        s.add_all([Family(name=name) for name in families])
    engine.dispose()
    return path


def family_names(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute("SELECT name FROM families ORDER BY name")]


def damage(path: Path) -> None:
    """Overwrite the middle of the file: SQLite still opens it, integrity_check fails."""
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(2 * page, len(data) - page, page):
        data[offset + 8:offset + 200] = b"\xff" * 192
    path.write_bytes(bytes(data))


def set_revision(path: Path, revision: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
