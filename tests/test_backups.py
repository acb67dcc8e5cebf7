"""Backups: consistent while the app writes, rotated by policy, checked and restored safely."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from pre_desktop import db
from pre_desktop.backups import (
    AUTO,
    BackupInfo,
    RetentionPolicy,
    automatic_backup,
    backups_to_remove,
    check_database_file,
    list_backups,
    make_backup,
    restore_backup,
)
from pre_desktop.cli import main
from pre_desktop.migrate import DatabaseOpenError, open_database
from pre_desktop.opening import ensure_writable, open_for_work
from pre_desktop import opening
from pre_desktop.models import Family

from dbfiles import damage, family_names, make_base, set_revision


@pytest.fixture
def base(tmp_path) -> Path:
    return make_base(tmp_path / "pre.sqlite", ["Dupré", "Martin"])


def test_backup_while_a_write_transaction_is_open_elsewhere(base):
    engine = db.make_engine(base)
    factory = db.make_session_factory(engine)
    try:
        with db.session_scope(factory) as s:
            s.add(Family(name="Committed"))
        with factory() as s:
            s.add(Family(name="Pending"))
            s.flush()  # the write lock is held, the row not committed
            assert s.connection().exec_driver_sql("SELECT count(*) FROM families").scalar() == 4
            backup = make_backup(base)
            s.rollback()
    finally:
        engine.dispose()
    assert family_names(backup.path) == ["Committed", "Dupré", "Martin"]
    assert check_database_file(backup.path).ok
    assert backup.path.parent == base.parent / "sauvegardes"
    assert not backup.path.with_name(backup.path.name + "-wal").exists()


def test_cli_backup_and_refusal_to_overwrite(base, tmp_path, capsys):
    out = tmp_path / "copie.sqlite"
    assert main(["backup", "--db", str(base), "--out", str(out)]) == 0
    assert family_names(out) == ["Dupré", "Martin"]
    assert main(["backup", "--db", str(base), "--out", str(out)]) == 1
    assert "existe déjà" in capsys.readouterr().err
    assert main(["backup", "--db", str(tmp_path / "absent.sqlite"), "--out", str(tmp_path / "x.sqlite")]) == 2
    assert not (tmp_path / "x.sqlite").exists()


def test_check_command_exit_codes(base, tmp_path, capsys):
    assert main(["check", "--db", str(base)]) == 0
    assert "Intégrité : correcte" in capsys.readouterr().out

    broken = tmp_path / "broken.sqlite"
    shutil.copyfile(base, broken)
    damage(broken)
    assert main(["check", "--db", str(broken)]) == 2
    assert "endommagée" in capsys.readouterr().err

    newer = tmp_path / "newer.sqlite"
    shutil.copyfile(base, newer)
    set_revision(newer, "9999_future")
    assert main(["check", "--db", str(newer)]) == 2
    assert "version plus récente" in capsys.readouterr().err

    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    assert main(["check", "--db", str(other)]) == 2
    assert "pas une base PRE Desktop" in capsys.readouterr().err

    text_file = tmp_path / "notes.sqlite"
    text_file.write_text("bonjour", encoding="utf-8")
    assert main(["check", "--db", str(text_file)]) == 2
    assert "pas une base SQLite lisible" in capsys.readouterr().err


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))


def test_rotation_keeps_daily_and_monthly():
    start = dt.date(2025, 1, 1)
    fake = [BackupInfo(Path(f"/x/pre.auto-{i}.sqlite"), at(start + dt.timedelta(days=i), 9 + i % 2), 1, AUTO)
            for i in range(0, 700, 1)]
    extra_same_day = BackupInfo(Path("/x/pre.auto-late.sqlite"), at(start + dt.timedelta(days=699), 8), 1, AUTO)
    manual = BackupInfo(Path("/x/pre.copie.sqlite"), at(start), 1, "copie")
    removed = {b.path for b in backups_to_remove(fake + [extra_same_day, manual], RetentionPolicy(14, 12))}
    kept = [b for b in fake + [extra_same_day] if b.path not in removed]
    newest = start + dt.timedelta(days=699)
    daily = {b.taken_at.date() for b in kept if b.taken_at.date() > newest - dt.timedelta(days=14)}
    assert len(daily) == 14 and len([b for b in kept if b.taken_at.date() > newest - dt.timedelta(days=14)]) == 14
    assert extra_same_day.path in removed  # older of two on the same day
    months = {(b.taken_at.year, b.taken_at.month) for b in kept}
    assert len(months) == 12
    older = [b for b in kept if b.taken_at.date() <= newest - dt.timedelta(days=14)]
    assert all(b.taken_at.day == max(d.taken_at.day for d in fake if (d.taken_at.year, d.taken_at.month) ==
                                     (b.taken_at.year, b.taken_at.month)) for b in older)
    assert manual.path not in removed
    assert len(kept) <= 14 + 12


def test_automatic_backup_once_a_day_and_rotated_on_disk(base):
    day = dt.datetime(2026, 11, 1, 8, 0)
    for i in range(5):
        assert automatic_backup(base, RetentionPolicy(daily=2, monthly=1), now=day + dt.timedelta(days=i)) is not None
        assert automatic_backup(base, RetentionPolicy(daily=2, monthly=1), now=day + dt.timedelta(days=i, hours=3)) is None
    autos = [b for b in list_backups(base) if b.kind == AUTO]
    assert [b.taken_at.day for b in autos] == [5, 4]  # two daily; the month's newest is among them
    assert automatic_backup(base, RetentionPolicy(daily=2, monthly=1), now=dt.datetime(2026, 12, 1, 8)) is not None
    autos = [b for b in list_backups(base) if b.kind == AUTO]
    assert [(b.taken_at.month, b.taken_at.day) for b in autos] == [(12, 1), (11, 5)]


def test_restore_replaces_the_base_and_keeps_the_old_one(base, tmp_path):
    saved = make_backup(base, now=dt.datetime(2026, 11, 20, 10))
    make_base(base, ["Nouvelle"])  # adds a family after the backup
    engine = db.make_engine(base)  # the app's engine, closed before restoring as the window does
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    engine.dispose()
    kept = restore_backup(saved.path, base)
    assert family_names(base) == ["Dupré", "Martin"]
    assert family_names(kept.path) == ["Dupré", "Martin", "Nouvelle"]
    assert kept.kind == "avant-restauration"
    assert check_database_file(base).ok
    open_database(base)[0].dispose()


def test_restore_of_a_damaged_file_is_refused_and_the_base_untouched(base, tmp_path):
    broken = tmp_path / "sauvegardes" / "pre.auto-20261120-100000.sqlite"
    broken.parent.mkdir()
    shutil.copyfile(base, broken)
    damage(broken)
    before = base.read_bytes()
    with pytest.raises(DatabaseOpenError, match="endommagée"):
        restore_backup(broken, base)
    assert base.read_bytes() == before
    assert [b.kind for b in list_backups(base)] == [AUTO]  # no copy made either


def test_restore_of_a_newer_schema_is_refused(base, tmp_path):
    newer = tmp_path / "newer.sqlite"
    shutil.copyfile(base, newer)
    set_revision(newer, "9999_future")
    before = base.read_bytes()
    with pytest.raises(DatabaseOpenError, match="plus récente"):
        restore_backup(newer, base)
    assert base.read_bytes() == before


def test_restore_over_a_damaged_base_keeps_its_bytes(base, tmp_path):
    saved = make_backup(base)
    damage(base)
    damaged = base.read_bytes()
    kept = restore_backup(saved.path, base)
    assert kept.path.read_bytes() == damaged
    assert family_names(base) == ["Dupré", "Martin"]


def test_list_backups_includes_the_copies_made_before_a_migration(base):
    from pre_desktop.migrate import backup_database

    before_migration = backup_database(base, label="avant-migration-0001")
    make_backup(base, now=dt.datetime(2020, 1, 1))
    found = list_backups(base)
    assert found[0].path == before_migration and found[0].kind_label == "avant mise à jour"
    assert found[1].kind_label == "automatique" and found[1].size > 0


def test_read_only_and_locked_bases_are_refused_in_french(base):
    lock = sqlite3.connect(base)
    lock.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseOpenError, match="verrouillée"):
            ensure_writable(base)
    finally:
        lock.rollback()
        lock.close()
    ensure_writable(base)
    base.chmod(0o444)
    try:
        import os
        if os.access(base, os.W_OK):  # root ignores permissions
            pytest.skip("running as root: file permissions do not apply")
        with pytest.raises(DatabaseOpenError, match="lecture seule"):
            ensure_writable(base)
    finally:
        base.chmod(0o644)


def test_read_only_folder_is_refused_even_as_root(base, monkeypatch):
    real_access = opening.os.access
    monkeypatch.setattr(opening.os, "access", lambda p, mode: False if Path(p) == base.parent else real_access(p, mode))
    with pytest.raises(DatabaseOpenError, match="lecture seule"):
        ensure_writable(base)


def test_open_for_work_refuses_missing_and_locked(base, tmp_path):
    with pytest.raises(DatabaseOpenError, match="n'existe pas"):
        open_for_work(tmp_path / "absent.sqlite")
    assert not (tmp_path / "absent.sqlite").exists()
    engine, _factory = open_for_work(base)
    engine.dispose()
