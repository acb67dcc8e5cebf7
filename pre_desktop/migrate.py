"""Open a database file: refuse what this version cannot read, back up, migrate, seed.

Every start goes through ``open_database`` so that a database written by an older
version is brought to the current schema before any screen reads it, after a copy
of the file has been put aside (an upgrade that fails half-way must never cost the
user their data). A file written by a newer version is refused rather than guessed at. An encrypted
base is opened with its passphrase (``key``) at every step, before anything reads it:
its before-migration copy is encrypted with the same passphrase.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event, inspect, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from . import db
from .db import DatabaseOpenError  # noqa: F401 - imported from here by callers
from .encryption import DATABASE_ERRORS, ERRORS, Passphrase, check_key_matches, open_connection
from .paths import migrations_dir
from .services.errors import DomainError
from .services.reference_data import ensure_partner_types

VERSION_TABLE = "alembic_version"


# --- Alembic configuration -------------------------------------------------------------


def alembic_config(connection=None) -> Config:  # noqa: ANN001 - sqlalchemy Connection
    """Alembic set up in code (no alembic.ini to ship or to lose in a frozen build)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


_script: Optional[ScriptDirectory] = None


def script_directory() -> ScriptDirectory:
    """Parsed once per process: reading every revision file on each open is wasted time."""
    global _script
    if _script is None:
        _script = ScriptDirectory.from_config(alembic_config())
    return _script


def head_revision() -> str:
    heads = script_directory().get_heads()
    if len(heads) != 1:  # a packaging error, never the user's
        raise RuntimeError(f"Expected one migration head, found {heads}")
    return heads[0]


def revision_ids() -> list[str]:
    """Every revision, oldest first (the order migrations apply in)."""
    return [rev.revision for rev in reversed(list(script_directory().walk_revisions()))]


def current_revision(engine: Engine) -> Optional[str]:
    """Schema revision stamped in the database; None for a new or foreign file."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


# --- Backup ----------------------------------------------------------------------------


def backup_database(path: Path | str, label: str = "sauvegarde", key: Optional[Passphrase] = None) -> Path:
    """Consistent copy of the file next to it, via SQLite's online backup API.

    The backup API copies a coherent snapshot even with a WAL file or another
    reader open, which a plain file copy does not guarantee.
    """
    src_path = Path(path)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = src_path.with_name(f"{src_path.stem}.{label}-{stamp}{src_path.suffix or '.sqlite'}")
    counter = 1
    while target.exists():
        counter += 1
        target = src_path.with_name(f"{src_path.stem}.{label}-{stamp}-{counter}{src_path.suffix or '.sqlite'}")
    src = open_connection(src_path, key)
    dst = open_connection(target, key)
    try:
        with dst:
            src.backup(dst)
    except BaseException:
        dst.close()
        target.unlink(missing_ok=True)  # a half-written copy must not pass for a backup
        raise
    finally:
        dst.close()
        src.close()
    return target


# --- Upgrade ---------------------------------------------------------------------------


def _migration_engine(path: Path, key: Optional[Passphrase] = None) -> Engine:
    """An engine whose connections run the whole upgrade in one real transaction.

    pysqlite's default commits before each DDL statement, so a failing step would
    leave a half-migrated file; taking over BEGIN makes the upgrade all or nothing.
    Foreign keys are off while tables are rebuilt (batch mode copies them), and
    checked once at the end.
    """
    engine = db.file_engine(path, key, isolation_level=None)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, connection_record) -> None:  # noqa: ANN001
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute(f"PRAGMA busy_timeout={db.BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:  # noqa: ANN001
        conn.exec_driver_sql("BEGIN")

    return engine


def upgrade(path: Path | str, revision: str = "head", key: Optional[Passphrase] = None) -> None:
    """Apply migrations up to ``revision`` in one transaction; foreign keys verified after."""
    engine = _migration_engine(Path(path), key)
    try:
        with engine.connect() as conn:
            with conn.begin():
                command.upgrade(alembic_config(conn), revision)
                problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise DatabaseOpenError(
                        "La mise à jour de la base a été annulée : des liens entre fiches sont incohérents "
                        f"({len(problems)} problème(s), table « {problems[0][0]} »). La base n'a pas été modifiée."
                    )
    finally:
        engine.dispose()


def _holds_data(engine: Engine) -> bool:
    """True if any table other than Alembic's has a row: then a backup is worth taking."""
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            if table == VERSION_TABLE:
                continue
            if conn.execute(text(f'SELECT 1 FROM "{table}" LIMIT 1')).first() is not None:
                return True
    return False


def _check_readable(engine: Engine, path: Path) -> tuple[Optional[str], list[str]]:
    """Current revision and table names, or a French refusal for a file that is not ours."""
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            revision = MigrationContext.configure(conn).get_current_revision() if VERSION_TABLE in tables else None
    except (sa_exc.DBAPIError, *DATABASE_ERRORS) as error:
        raise DatabaseOpenError(
            f"Le fichier « {path} » ne peut pas être ouvert comme base PRE Desktop "
            f"(ce n'est pas une base SQLite valide, ou elle est endommagée ou verrouillée). Détail : {error.orig if hasattr(error, 'orig') else error}"
        ) from None
    if revision is None and tables:
        raise DatabaseOpenError(
            f"Le fichier « {path} » contient une base qui n'a pas été créée par PRE Desktop "
            "(aucune version de schéma enregistrée). Elle n'a pas été modifiée."
        )
    if revision is not None and revision not in revision_ids():
        raise DatabaseOpenError(
            f"La base « {path.name} » a été enregistrée par une version plus récente de PRE Desktop "
            f"(schéma « {revision} », inconnu de cette version). Installez la dernière version de "
            "l'application pour l'ouvrir ; la base n'a pas été modifiée."
        )
    return revision, tables


def open_database(path: Path | str, *, create: bool = True,
                  key: Optional[Passphrase] = None) -> tuple[Engine, sessionmaker[Session]]:
    """Open (or create) the database file, migrated to the current schema and seeded.

    ``create=False`` refuses a missing file instead of creating an empty one, for
    commands that only read (a typo in a path must not produce a new empty database).
    ``key``: the passphrase of an encrypted base (a new file is created encrypted with
    it); an encrypted file without it, a wrong one, or one given for a plain file is
    refused before anything is read or written.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise DatabaseOpenError(f"« {path} » est un dossier, pas un fichier de base de données.")
    if not path.exists():
        if not create:
            raise DatabaseOpenError(f"La base « {path} » n'existe pas. Vérifiez le chemin indiqué.")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DatabaseOpenError(f"Impossible de créer le dossier « {path.parent} » : {error.strerror}.") from None

    check_key_matches(path, key)
    probe = db.file_engine(path, key)
    try:
        revision, _tables = _check_readable(probe, path)
        needs_upgrade = revision != head_revision()
        has_data = needs_upgrade and _holds_data(probe)
    finally:
        probe.dispose()

    if needs_upgrade:
        if has_data:
            try:
                backup_database(path, label=f"avant-migration-{revision}", key=key)
            except (OSError, *ERRORS) as error:
                raise DatabaseOpenError(
                    f"La base « {path.name} » doit être mise à jour, mais la copie de sauvegarde préalable n'a pas "
                    f"pu être écrite dans « {path.parent} » ({error}). La mise à jour n'a pas été faite et la base "
                    "n'a pas été modifiée : libérez de la place ou vérifiez les droits d'écriture du dossier."
                ) from None
        try:
            upgrade(path, key=key)
        except DomainError:
            raise
        except Exception as error:  # any failing step: the transaction is rolled back, say so in French
            raise DatabaseOpenError(
                f"La mise à jour de la base « {path.name} » a échoué et a été annulée : {error}. "
                "Une copie de sauvegarde a été faite avant la tentative."
                if has_data
                else f"La base « {path.name} » n'a pas pu être préparée : {error}."
            ) from None

    engine = db.make_engine(path, key)
    factory = db.make_session_factory(engine)
    with db.session_scope(factory) as session:
        ensure_partner_types(session)
    return engine, factory
