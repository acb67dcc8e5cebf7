"""Encryption at rest (issue 9): SQLCipher bases unreadable without their passphrase.

A created or converted base, its backups (automatic, copies, before a migration or a
restore) are unreadable by plain sqlite3 and hold none of a child's name bytes; the
passphrase opens them through the normal open path; a wrong one changes nothing.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pre_desktop import db, migrate
from pre_desktop.backups import (
    MANUAL,
    automatic_backup,
    check_database_file,
    copy_database,
    list_backups,
    make_backup,
    restore_backup,
)
from pre_desktop.cli import main
from pre_desktop.encryption import (
    Passphrase,
    PassphraseRequired,
    WrongPassphrase,
    connect,
    encrypt_database,
    is_encrypted,
    new_passphrase,
    read_passphrase_file,
    table_counts,
)
from pre_desktop.first_run import create_new_database
from pre_desktop.models import Child, Family
from pre_desktop.opening import open_for_work
from pre_desktop.services.errors import DomainError

KEY_TEXT = "le chat dort au soleil"
NAME = "Zébulon-Quintessa"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of the folder and its bytes: a refusal must leave all of them as they were."""
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def plain_sqlite_refuses(path: Path) -> bool:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as error:
        return "not a database" in str(error)
    finally:
        conn.close()
    return False


def assert_sealed(path: Path) -> None:
    data = path.read_bytes()
    assert is_encrypted(path)
    assert not data.startswith(b"SQLite format 3")
    assert NAME.encode("utf-8") not in data and NAME.encode("utf-16-le") not in data
    assert plain_sqlite_refuses(path)


def families(path: Path, key: Passphrase | None) -> list[str]:
    engine, factory = migrate.open_database(path, create=False, key=key)
    try:
        with factory() as s:
            return list(s.scalars(select(Family.name).order_by(Family.name)))
    finally:
        engine.dispose()


def make_encrypted(path: Path, names: list[str] = [NAME]) -> Passphrase:  # noqa: B006 - read only
    key = Passphrase(KEY_TEXT)
    engine, factory = migrate.open_database(path, key=key)
    with db.session_scope(factory) as s:
        s.add_all([Family(name=n) for n in names])
    engine.dispose()
    return key


@pytest.fixture
def encrypted(tmp_path) -> tuple[Path, Passphrase]:
    path = tmp_path / "pre.sqlite"
    return path, make_encrypted(path, [NAME, "Martin"])


def test_encrypted_base_is_unreadable_without_and_readable_with_its_passphrase(encrypted):
    path, _key = encrypted
    assert_sealed(path)
    # The normal open path, with a passphrase typed again (a new object, as at the next start).
    engine, factory = open_for_work(path, Passphrase(KEY_TEXT))
    try:
        with factory() as s:
            assert sorted(s.scalars(select(Family.name))) == ["Martin", NAME]
            pragmas = s.connection().exec_driver_sql
            assert pragmas("PRAGMA foreign_keys").scalar() == 1
            assert pragmas("PRAGMA journal_mode").scalar() == "wal"
            assert pragmas("PRAGMA busy_timeout").scalar() == db.BUSY_TIMEOUT_MS
    finally:
        engine.dispose()
    assert_sealed(path)


def test_wrong_or_missing_passphrase_is_refused_and_changes_nothing(encrypted):
    path, _key = encrypted
    before = snapshot(path.parent)
    with pytest.raises(WrongPassphrase, match="Phrase secrète incorrecte"):
        open_for_work(path, Passphrase("le chien dort au soleil"))
    with pytest.raises(WrongPassphrase):
        migrate.open_database(path, key=Passphrase(KEY_TEXT.upper()))
    with pytest.raises(PassphraseRequired, match="est chiffrée"):
        open_for_work(path)
    with pytest.raises(PassphraseRequired):
        migrate.open_database(path)
    assert snapshot(path.parent) == before


def test_a_passphrase_for_a_plain_base_is_refused(tmp_path):
    path = tmp_path / "clair.sqlite"
    engine, _ = migrate.open_database(path)
    engine.dispose()
    with pytest.raises(migrate.DatabaseOpenError, match="n'est pas chiffrée"):
        migrate.open_database(path, key=Passphrase(KEY_TEXT))


def test_the_passphrase_never_shows_in_its_text_form():
    key = Passphrase(KEY_TEXT)
    assert KEY_TEXT not in repr(key) and KEY_TEXT not in str(key) and KEY_TEXT not in f"{key!r} {key}"


@pytest.mark.parametrize("text, confirmation, field, message", [
    ("", "", "passphrase", "Choisissez"),
    ("court", "court", "passphrase", "au moins 12"),
    ("onze caract", "onze caract", "passphrase", "11 caractères"),
    ("le chat dort au soleil", "le chat dort au soleiL", "passphrase_confirmation", "ne correspond pas"),
    ("le chat\tdort au soleil", "le chat\tdort au soleil", "passphrase", "contrôle"),
])
def test_a_weak_or_mistyped_new_passphrase_is_refused_on_its_field(text, confirmation, field, message):
    with pytest.raises(DomainError) as refused:
        new_passphrase(text, confirmation)
    assert refused.value.field == field
    assert message in refused.value.message


def test_new_passphrase_of_twelve_characters_with_accents_and_quotes():
    key = new_passphrase("l'été à Évry", "l'été à Évry")
    assert isinstance(key, Passphrase)


def test_quotes_and_accents_in_the_passphrase_open_the_base(tmp_path):
    path = tmp_path / "guillemets.sqlite"
    key = Passphrase("l'été « à » Évry ; DROP TABLE families; --'")
    engine, factory = migrate.open_database(path, key=key)
    with db.session_scope(factory) as s:
        s.add(Family(name=NAME))
    engine.dispose()
    assert families(path, Passphrase("l'été « à » Évry ; DROP TABLE families; --'")) == [NAME]
    with pytest.raises(WrongPassphrase):
        families(path, Passphrase("l'ete « a » Evry ; DROP TABLE families; --'"))


def test_a_new_base_created_encrypted_from_the_welcome_screen_service(tmp_path):
    path = tmp_path / "nouvelle.sqlite"
    create_new_database(path, {"pre_name": "PRE d'Évry"},
                        {"login": "c.martin", "first_name": NAME, "last_name": "Martin", "password": "Tournesol-Bleu-2026"},
                        key=Passphrase(KEY_TEXT))
    assert_sealed(path)
    assert not list(tmp_path.glob("*.creation*"))
    engine, factory = open_for_work(path, Passphrase(KEY_TEXT))
    with factory() as s:
        from pre_desktop.models import User

        assert s.scalar(select(User.first_name)) == NAME
    engine.dispose()


# --- conversion -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_plain(tmp_path_factory) -> Path:
    from pre_desktop.first_run import create_demo_database

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    create_demo_database(path)
    return path


def counts_and_names(path: Path, key: Passphrase | None) -> tuple[dict[str, int], list[str]]:
    conn = sqlite3.connect(path) if key is None else connect(path, key)
    try:
        names = [f"{r[0]} {r[1]}" for r in conn.execute(
            "SELECT first_name, last_name FROM children ORDER BY id LIMIT 5")]
        return table_counts(conn), names
    finally:
        conn.close()


def test_conversion_keeps_every_row_and_encrypts_the_backups(demo_plain, tmp_path):
    path = tmp_path / "pre.sqlite"
    shutil.copy2(demo_plain, path)
    engine, factory = migrate.open_database(path)  # the app had it open: WAL file beside it
    with db.session_scope(factory) as s:
        s.add(Family(name=NAME))
        child_name = s.scalar(select(Child.first_name).order_by(Child.id))
    auto = make_backup(path, now=dt.datetime(2026, 11, 20, 9, 0))
    copy = make_backup(path, MANUAL, now=dt.datetime(2026, 11, 21, 9, 0))
    engine.dispose()
    expected = counts_and_names(path, None)
    assert NAME.encode() in auto.path.read_bytes()

    result = encrypt_database(path, Passphrase(KEY_TEXT), [b.path for b in list_backups(path)])

    key = Passphrase(KEY_TEXT)
    assert counts_and_names(path, key) == expected
    assert result.counts == expected[0] and result.rows == sum(expected[0].values()) > 5000
    assert sorted(result.backups_encrypted) == sorted([auto.path, copy.path]) and not result.backups_failed
    for sealed in (path, auto.path, copy.path):
        assert_sealed(sealed)
        assert child_name.encode() not in sealed.read_bytes()
    assert NAME in families(path, key) and NAME in families(auto.path, key)
    leftovers = [p.name for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".sqlite"]
    assert leftovers == [], leftovers  # no -wal in clear, no temporary or aside copy
    with pytest.raises(migrate.DatabaseOpenError, match="déjà chiffrée"):
        encrypt_database(path, key)


def test_conversion_refuses_a_damaged_base_and_leaves_it(tmp_path):
    from dbfiles import damage, make_base

    path = make_base(tmp_path / "abimee.sqlite", ["Dupré"] * 50)
    damage(path)
    before = snapshot(tmp_path)
    with pytest.raises(migrate.DatabaseOpenError):
        encrypt_database(path, Passphrase(KEY_TEXT))
    assert snapshot(tmp_path) == before


# --- backups ------------------------------------------------------------------------------


def test_backups_of_an_encrypted_base_are_encrypted_and_checked_with_the_key(encrypted, tmp_path):
    path, key = encrypted
    daily = automatic_backup(path, now=dt.datetime(2026, 11, 22, 8, 0), key=key)
    assert daily is not None
    copy = copy_database(path, tmp_path / "ailleurs" / "copie.sqlite", key)
    for backup in (daily.path, copy):
        assert_sealed(backup)
        assert families(backup, Passphrase(KEY_TEXT)) == ["Martin", NAME]
        report = check_database_file(backup, key)
        assert report.ok and report.encrypted
        assert not check_database_file(backup).ok
        assert "phrase secrète" in check_database_file(backup).problems[0]
        assert "n'ouvre pas" in check_database_file(backup, Passphrase("une autre phrase")).problems[0]


def test_restore_into_an_encrypted_base_keeps_it_encrypted(encrypted, tmp_path):
    path, key = encrypted
    backup = make_backup(path, MANUAL, now=dt.datetime(2026, 11, 1, 8, 0), key=key)
    engine, factory = migrate.open_database(path, key=key)
    with db.session_scope(factory) as s:
        s.add(Family(name="Ajoutée après"))
    engine.dispose()
    plain_old = tmp_path / "ancienne-en-clair.sqlite"
    from dbfiles import make_base

    make_base(plain_old, ["Ancienne"])

    kept = restore_backup(backup.path, path, now=dt.datetime(2026, 11, 22, 9, 0), key=key)
    assert families(path, key) == ["Martin", NAME]
    assert_sealed(kept.path)
    assert "Ajoutée après" in families(kept.path, key)

    restore_backup(plain_old, path, now=dt.datetime(2026, 11, 22, 10, 0), key=key)  # taken before encryption
    assert is_encrypted(path) and plain_sqlite_refuses(path)
    assert families(path, key) == ["Ancienne"]
    assert not list(path.parent.rglob("*.chiffrement*"))


def test_restore_refuses_an_encrypted_backup_without_its_passphrase(encrypted, tmp_path):
    path, key = encrypted
    backup = make_backup(path, MANUAL, key=key)
    from dbfiles import make_base

    plain = make_base(tmp_path / "autre" / "clair.sqlite", ["Claire"])
    before = snapshot(plain.parent)
    with pytest.raises(migrate.DatabaseOpenError, match="phrase secrète"):
        restore_backup(backup.path, plain)
    assert snapshot(plain.parent) == before


def test_the_copy_before_a_migration_is_encrypted(tmp_path):
    path = tmp_path / "ancienne.sqlite"
    key = Passphrase(KEY_TEXT)
    migrate.upgrade(path, migrate.revision_ids()[-2], key=key)
    conn = connect(path, key)
    conn.execute("INSERT INTO families (name, search_name, interpreter_needed, version) VALUES (?, ?, 0, 1)",
                 (NAME, NAME.lower()))
    conn.commit()
    conn.close()
    assert_sealed(path)
    assert families(path, key) == [NAME]  # upgraded to head on the way
    copies = [b for b in list_backups(path) if b.kind.startswith("avant-migration")]
    assert len(copies) == 1
    assert_sealed(copies[0].path)
    assert check_database_file(copies[0].path, key).needs_upgrade


# --- command line -------------------------------------------------------------------------


@pytest.fixture
def key_file(tmp_path) -> Path:
    path = tmp_path / "phrase.txt"
    path.write_text(KEY_TEXT + "\n", encoding="utf-8")
    return path


def test_passphrase_file_first_line_only(tmp_path):
    path = tmp_path / "p.txt"
    path.write_bytes(("\ufeff" + KEY_TEXT + "\r\nautre ligne\r\n").encode("utf-8"))
    assert read_passphrase_file(path) == Passphrase(KEY_TEXT)
    (tmp_path / "vide.txt").write_text("\n")
    with pytest.raises(DomainError, match="vide"):
        read_passphrase_file(tmp_path / "vide.txt")
    with pytest.raises(DomainError, match="introuvable"):
        read_passphrase_file(tmp_path / "absent.txt")


def test_cli_commands_open_an_encrypted_base_with_passphrase_file(encrypted, key_file, tmp_path, capsys):
    path, _key = encrypted
    wrong = tmp_path / "faux.txt"
    wrong.write_text("le chien dort au soleil\n", encoding="utf-8")
    before = snapshot(path.parent)

    assert main(["list", "families", "--db", str(path)]) == 2
    assert "est chiffrée" in capsys.readouterr().err
    assert main(["list", "families", "--db", str(path), "--passphrase-file", str(wrong)]) == 2
    assert "Phrase secrète incorrecte" in capsys.readouterr().err
    assert main(["check", "--db", str(path)]) == 2
    assert "phrase secrète" in capsys.readouterr().err
    assert main(["list", "families", "--db", str(path), "--passphrase-file", str(tmp_path / "absent.txt")]) == 1
    assert "introuvable" in capsys.readouterr().err
    assert snapshot(path.parent) == before

    assert main(["list", "families", "--db", str(path), "--passphrase-file", str(key_file), "--json"]) == 0
    assert NAME in capsys.readouterr().out
    assert main(["check", "--db", str(path), "--passphrase-file", str(key_file)]) == 0
    assert "chiffrée" in capsys.readouterr().out
    out = tmp_path / "copie.sqlite"
    assert main(["backup", "--db", str(path), "--passphrase-file", str(key_file), "--out", str(out)]) == 0
    assert_sealed(out)
    assert main(["export", "partners", "--db", str(path), "--passphrase-file", str(key_file),
                 "--out", str(tmp_path / "p.csv")]) in (0, 1)


def test_cli_encrypt_converts_base_and_backups(tmp_path, key_file, capsys):
    from dbfiles import make_base

    path = make_base(tmp_path / "pre.sqlite", [NAME, "Martin"])
    backup = make_backup(path, MANUAL)
    short = tmp_path / "court.txt"
    short.write_text("court\n", encoding="utf-8")
    before = snapshot(tmp_path)
    assert main(["encrypt", "--db", str(path), "--passphrase-file", str(short)]) == 1
    assert "au moins 12" in capsys.readouterr().err
    assert snapshot(tmp_path) == before

    assert main(["encrypt", "--db", str(path), "--passphrase-file", str(key_file)]) == 0
    printed = capsys.readouterr().out
    assert "Base chiffrée" in printed and "Sauvegardes chiffrées avec la même phrase secrète : 1" in printed
    assert_sealed(path)
    assert_sealed(backup.path)
    assert main(["list", "families", "--db", str(path), "--passphrase-file", str(key_file), "--json"]) == 0
    assert NAME in capsys.readouterr().out
    assert main(["encrypt", "--db", str(path), "--passphrase-file", str(key_file)]) == 1
    assert "déjà chiffrée" in capsys.readouterr().err


def test_changing_the_passphrase_rekeys_the_base_and_its_backups(encrypted, key_file, tmp_path, capsys):
    path, key = encrypted
    backup = make_backup(path, MANUAL, key=key)
    new_file = tmp_path / "nouvelle.txt"
    new_file.write_text("la lune brille ce soir\n", encoding="utf-8")
    wrong = tmp_path / "faux.txt"
    wrong.write_text("le chien dort au soleil\n", encoding="utf-8")
    before = snapshot(path.parent)
    assert main(["rekey", "--db", str(path), "--passphrase-file", str(wrong), "--new-passphrase-file", str(new_file)]) == 2
    assert "Phrase secrète incorrecte" in capsys.readouterr().err
    assert snapshot(path.parent) == before

    assert main(["rekey", "--db", str(path), "--passphrase-file", str(key_file),
                 "--new-passphrase-file", str(new_file)]) == 0
    assert "Sauvegardes rechiffrées avec la nouvelle phrase secrète : 1" in capsys.readouterr().out
    new = Passphrase("la lune brille ce soir")
    for sealed in (path, backup.path):
        assert_sealed(sealed)
        assert families(sealed, new) == ["Martin", NAME]
        with pytest.raises(WrongPassphrase):
            families(sealed, Passphrase(KEY_TEXT))


def test_an_encrypted_base_locked_by_another_program_is_said_so(encrypted):
    path, key = encrypted
    holder = connect(path, key)
    holder.execute("PRAGMA journal_mode=DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO families (name, search_name, interpreter_needed, version) VALUES ('x', 'x', 0, 1)")
    try:
        with pytest.raises(migrate.DatabaseOpenError, match="verrouillée"):
            open_for_work(path, Passphrase(KEY_TEXT))
    finally:
        holder.rollback()
        holder.close()
