"""Migrations: every revision upgrades a database holding data to head and keeps it;
the models and the migrations describe the same schema; a backup comes first; a
newer or foreign file is refused without being touched."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, func, select, text
from sqlalchemy import types as sa_types

from pre_desktop import db, migrate
from pre_desktop.models import Base, Child, Family, Partner
from pre_desktop.services.reference_data import PARTNER_TYPES


def _url(path: Path) -> str:
    return db.sqlite_url(path)


def _value_for(table_name: str, column, row_index: int, parent_ids: dict[str, list[int]]):  # noqa: ANN001
    """A plausible value for a reflected column, valid for today's models too."""
    if column.foreign_keys:
        target = next(iter(column.foreign_keys)).column.table.name
        ids = parent_ids.get(target) or []
        if ids:
            return ids[row_index % len(ids)]
        return None
    model_table = Base.metadata.tables.get(table_name)
    model_col = model_table.c.get(column.name) if model_table is not None else None
    if model_col is not None and isinstance(model_col.type, sa_types.Enum):
        return model_col.type.enums[row_index % len(model_col.type.enums)]
    ctype = column.type
    if isinstance(ctype, sa_types.Boolean):
        return row_index % 2 == 0
    if isinstance(ctype, sa_types.DateTime):
        return dt.datetime(2025, 1 + row_index, 15, 10, 30)
    if isinstance(ctype, sa_types.Date):
        return dt.date(2015, 1 + row_index, 10 + row_index)
    if isinstance(ctype, (sa_types.Integer,)):
        return 1 if column.name == "version" else 10 + row_index
    if isinstance(ctype, sa_types.Numeric):
        return Decimal("45.50")
    if isinstance(ctype, sa_types.LargeBinary):
        return f"contenu n°{row_index}".encode()
    if isinstance(ctype, sa_types.JSON):
        return {"champ": ["avant", "après"]}
    if column.name == "month":
        return f"2025-0{1 + row_index}"
    length = getattr(ctype, "length", None) or 200
    return f"Éloïse n°{row_index} « test »"[:length]


def fill_every_table(path: Path, rows_per_table: int = 2, given: dict[str, list[dict]] | None = None) -> dict[str, int]:
    """Insert rows into every table of the file as it is now, parents first, in plain SQL.

    Works on the schema of any revision (it reflects the tables), so the test over
    the revision list keeps checking real data as revisions are added.
    """
    given = given or {}
    engine = create_engine(_url(path))
    meta = MetaData()
    meta.reflect(engine)
    parent_ids: dict[str, list[int]] = {}
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        for table in meta.sorted_tables:
            if table.name == migrate.VERSION_TABLE:
                continue
            rows = list(given.get(table.name, []))
            while len(rows) < rows_per_table:
                rows.append({})
            ids = []
            for index, explicit in enumerate(rows):
                values = {}
                for column in table.columns:
                    if column.name in explicit:
                        values[column.name] = explicit[column.name]
                    elif column.primary_key:
                        values[column.name] = index + 1
                    else:
                        values[column.name] = _value_for(table.name, column, index, parent_ids)
                conn.execute(table.insert().values(**values))
                ids.append(values.get("id", index + 1))
            parent_ids[table.name] = ids
            counts[table.name] = len(rows)
    engine.dispose()
    return counts


def table_rows(path: Path) -> dict[str, list[dict]]:
    engine = create_engine(_url(path))
    meta = MetaData()
    meta.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            out[table.name] = [dict(r._mapping) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]
    engine.dispose()
    return out


REVISIONS = migrate.revision_ids()


def test_revision_list_is_linear_with_one_head():
    assert REVISIONS, "no migration shipped"
    assert migrate.head_revision() == REVISIONS[-1]
    assert REVISIONS[0] == "0001"


def test_empty_file_upgrades_to_head(tmp_path):
    path = tmp_path / "new.sqlite"
    engine, factory = migrate.open_database(path)
    try:
        assert migrate.current_revision(engine) == migrate.head_revision()
        with factory() as session:
            assert session.scalar(select(func.count()).select_from(Child)) == 0
            # reference data seeded in the same start-up
            assert session.scalar(text("SELECT count(*) FROM partner_types")) == len(PARTNER_TYPES)
    finally:
        engine.dispose()
    assert not list(tmp_path.glob("*avant-migration*")), "no backup for an empty file"


@pytest.mark.parametrize("start", REVISIONS)
def test_database_with_data_at_each_revision_upgrades_and_keeps_it(tmp_path, start):
    path = tmp_path / f"at_{start}.sqlite"
    migrate.upgrade(path, start)
    counts = fill_every_table(path)
    before = table_rows(path)

    engine, factory = migrate.open_database(path)
    try:
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()
    after = table_rows(path)
    for table, n in counts.items():
        if table not in after:
            continue  # a later revision dropped it on purpose; that revision's own test says so
        if table == "partner_types":
            assert len(after[table]) >= n
        else:
            assert len(after[table]) == n, table
        for old, new in zip(before[table], after[table]):
            kept = {k: v for k, v in old.items() if k in new}
            assert {k: new[k] for k in kept} == kept, table
    if start != migrate.head_revision():
        assert list(tmp_path.glob(f"at_{start}.avant-migration-{start}-*.sqlite"))


def test_first_revision_with_a_real_case_file_reads_through_the_orm(tmp_path):
    """Plain SQL as an old version wrote it; the current models must read it back."""
    path = tmp_path / "old.sqlite"
    migrate.upgrade(path, REVISIONS[0])
    fill_every_table(
        path,
        rows_per_table=1,
        given={
            "families": [{"name": "Dupré", "search_name": "dupre", "town": "Roubaix"}],
            "children": [{"last_name": "Dupré", "first_name": "Léa", "search_name": "dupre lea",
                          "birth_date": dt.date(2015, 3, 4), "status": "active", "sex": "F"}],
            "partner_types": [{"code": "CMPP", "label": "CMPP", "orientation_mode": "medical"}],
            "partners": [{"name": "CMPP Les Tilleuls", "search_name": "cmpp les tilleuls"}],
        },
    )
    engine, factory = migrate.open_database(path)
    try:
        with factory() as session:
            child = session.scalars(select(Child)).one()
            assert child.full_name == "DUPRÉ Léa"
            assert child.birth_date == dt.date(2015, 3, 4)
            assert child.family.name == "Dupré"
            assert session.scalars(select(Partner)).one().name == "CMPP Les Tilleuls"
            assert session.scalar(select(func.count()).select_from(Family)) == 1
    finally:
        engine.dispose()


def test_models_and_migrations_agree(tmp_path):
    path = tmp_path / "head.sqlite"
    migrate.upgrade(path)
    engine = create_engine(_url(path))
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == [], (
        "The models differ from the migrations. Add a revision (released ones are never edited):\n"
        + "\n".join(map(str, diff))
    )


# --- backup and atomicity, with an extra revision on top of the shipped ones -------------

EXTRA = '''
from alembic import op
import sqlalchemy as sa

revision = "9999"
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("children") as batch:
        batch.add_column(sa.Column("extra_note", sa.String(50), nullable=True))
    {tail}


def downgrade():
    with op.batch_alter_table("children") as batch:
        batch.drop_column("extra_note")
'''


@pytest.fixture
def extra_revision(tmp_path, monkeypatch):
    """Ship a copy of the migrations with one more step, as a future version would."""

    def install(fail: bool = False) -> None:
        folder = tmp_path / "migrations"
        shutil.copytree(migrate.migrations_dir(), folder, ignore=shutil.ignore_patterns("__pycache__"))
        tail = 'raise RuntimeError("étape en échec")' if fail else "pass"
        (folder / "versions" / "9999_extra.py").write_text(EXTRA.format(down=migrate.head_revision(), tail=tail), encoding="utf-8")
        monkeypatch.setattr(migrate, "migrations_dir", lambda: folder)
        monkeypatch.setattr(migrate, "_script", None)

    yield install
    migrate._script = None


def _db_at_current_head_with_data(path: Path) -> None:
    migrate.upgrade(path)
    fill_every_table(path)


def test_backup_is_written_before_migrating_a_database_holding_data(tmp_path, extra_revision):
    path = tmp_path / "pre.sqlite"
    _db_at_current_head_with_data(path)
    old_head = migrate.head_revision()
    before = table_rows(path)
    extra_revision()

    engine, _ = migrate.open_database(path)
    assert migrate.current_revision(engine) == "9999"
    engine.dispose()

    backups = list(tmp_path.glob(f"pre.avant-migration-{old_head}-*.sqlite"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == old_head
        assert conn.execute("SELECT count(*) FROM children").fetchone()[0] == len(before["children"])
        assert "extra_note" not in [r[1] for r in conn.execute("PRAGMA table_info(children)")]


def test_a_failing_step_leaves_the_database_untouched(tmp_path, extra_revision):
    path = tmp_path / "pre.sqlite"
    _db_at_current_head_with_data(path)
    old_head = migrate.head_revision()
    before = table_rows(path)
    extra_revision(fail=True)

    with pytest.raises(migrate.DatabaseOpenError, match="a échoué et a été annulée.*sauvegarde"):
        migrate.open_database(path)
    migrate._script = None
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == old_head
        assert "extra_note" not in [r[1] for r in conn.execute("PRAGMA table_info(children)")]
    assert table_rows(path) == before
    assert list(tmp_path.glob("pre.avant-migration-*.sqlite"))


def test_no_backup_when_already_at_head(tmp_path):
    path = tmp_path / "pre.sqlite"
    _db_at_current_head_with_data(path)
    engine, _ = migrate.open_database(path)
    engine.dispose()
    assert not list(tmp_path.glob("pre.*-*.sqlite"))


# --- refusals --------------------------------------------------------------------------


def test_database_from_a_newer_version_is_refused_untouched(tmp_path):
    path = tmp_path / "newer.sqlite"
    _db_at_current_head_with_data(path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'f00dbabe1234'")
    before = path.read_bytes()
    with pytest.raises(migrate.DatabaseOpenError) as refused:
        migrate.open_database(path)
    assert "version plus récente" in refused.value.message
    assert "f00dbabe1234" in refused.value.message
    assert path.read_bytes() == before


def test_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "autre.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE recettes (id INTEGER PRIMARY KEY, nom TEXT)")
    with pytest.raises(migrate.DatabaseOpenError, match="pas été créée par PRE Desktop"):
        migrate.open_database(path)


def test_file_that_is_not_a_database_is_refused(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("ceci n'est pas une base " * 100, encoding="utf-8")
    with pytest.raises(migrate.DatabaseOpenError, match="ne peut pas être ouvert"):
        migrate.open_database(path)


def test_missing_file_is_refused_when_creation_is_not_wanted(tmp_path):
    with pytest.raises(migrate.DatabaseOpenError, match="n'existe pas"):
        migrate.open_database(tmp_path / "absente.sqlite", create=False)
    assert not (tmp_path / "absente.sqlite").exists()


def test_a_failing_backup_stops_the_upgrade_with_a_french_message(tmp_path, extra_revision, monkeypatch):
    """No room or no right to write the copy next to the file: say so in French (not a raw
    sqlite3/OSError trace) and leave the database as it was, since there is no copy."""
    path = tmp_path / "pre.sqlite"
    _db_at_current_head_with_data(path)
    old_head = migrate.head_revision()
    before = table_rows(path)
    extra_revision()

    def no_room(*args, **kwargs):  # noqa: ANN002, ANN003
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(migrate, "backup_database", no_room)
    with pytest.raises(migrate.DatabaseOpenError) as refused:
        migrate.open_database(path)
    assert "sauvegarde" in refused.value.message and "n'a pas été modifiée" in refused.value.message
    migrate._script = None
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == old_head
    assert table_rows(path) == before


def test_backup_before_migrating_includes_what_is_still_in_the_wal_file(tmp_path, extra_revision):
    """A file left with its -wal companion (the app was killed): the copy holds those rows too."""
    live = tmp_path / "live" / "pre.sqlite"
    live.parent.mkdir()
    _db_at_current_head_with_data(live)
    keeper = sqlite3.connect(live)  # holds the WAL open so it is not checkpointed away
    keeper.execute("PRAGMA journal_mode=WAL")
    keeper.execute("PRAGMA wal_autocheckpoint=0")
    keeper.execute("UPDATE children SET first_name = 'Dans-le-WAL'")
    keeper.commit()
    path = tmp_path / "pre.sqlite"
    shutil.copyfile(live, path)
    shutil.copyfile(live.with_name("pre.sqlite-wal"), path.with_name("pre.sqlite-wal"))
    keeper.close()
    old_head = migrate.head_revision()
    extra_revision()

    engine, _ = migrate.open_database(path)
    engine.dispose()
    (backup,) = tmp_path.glob(f"pre.avant-migration-{old_head}-*.sqlite")
    with sqlite3.connect(backup) as conn:
        assert {r[0] for r in conn.execute("SELECT first_name FROM children")} == {"Dans-le-WAL"}


def test_a_failed_backup_leaves_no_file_that_looks_like_a_backup(tmp_path):
    """A copy that failed half-way (not a database, disk full) must not stay next to the
    file under a backup's name: someone would restore it one day."""
    path = tmp_path / "notes.sqlite"
    path.write_text("ceci n'est pas une base " * 100, encoding="utf-8")
    with pytest.raises(sqlite3.DatabaseError):
        migrate.backup_database(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.sqlite"]
