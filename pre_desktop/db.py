"""Engine, connection pragmas and the unit of work.

SQLite with foreign keys on, WAL and a busy timeout; everything else stays portable
so a team may later point the same code at PostgreSQL.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Optional

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from .services import audit, retention
from .services.errors import DomainError

if TYPE_CHECKING:
    from .encryption import Passphrase

BUSY_TIMEOUT_MS = 5000


class DatabaseOpenError(DomainError):
    """The file cannot be used as a PRE Desktop database; the message says why, in French."""


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # noqa: ANN001
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def sqlite_url(path: Path | str) -> str:
    return f"sqlite:///{Path(path)}" if str(path) != ":memory:" else "sqlite://"


def file_engine(path: Path | str, key: Optional[Passphrase] = None, **connect_kwargs: Any) -> Engine:
    """A bare engine on the file: sqlite3, or sqlcipher3 keyed before anything is read."""
    connect_kwargs.setdefault("timeout", BUSY_TIMEOUT_MS / 1000)
    if key is None:
        return create_engine(sqlite_url(path), connect_args=connect_kwargs)
    from .encryption import engine_options  # encryption builds on this module

    return create_engine(sqlite_url(path), **engine_options(path, key, **connect_kwargs))


def make_engine(path: Path | str, key: Optional[Passphrase] = None) -> Engine:
    """Engine on a SQLite file (created if missing), pragmas set on every connection.

    With ``key`` the file is an encrypted (SQLCipher) base: same pragmas, keyed first.
    """
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = file_engine(path, key)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that audit every change (see services.audit)."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    # Archived files are read-only, whatever the service (checked before the trail is written).
    event.listen(factory, "before_flush", retention.guard_archived)
    event.listen(factory, "before_flush", audit.before_flush)
    event.listen(factory, "after_flush", audit.after_flush)
    return factory


@contextlib.contextmanager
def session_scope(factory: sessionmaker[Session], user_id: Optional[int] = None) -> Iterator[Session]:
    """One user action = one transaction: committed whole, or rolled back whole."""
    session = factory()
    session.info["user_id"] = user_id
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
