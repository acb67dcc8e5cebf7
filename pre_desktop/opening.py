"""Opening a base to work in it: readable, of a known schema, and writable.

``migrate.open_database`` answers "can this version read this file"; the window also
needs to know, before showing anything, that the user's changes can be saved: a file
on a read-only share or held by another program is refused here with a French
message, instead of failing at the first save.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .encryption import DATABASE_ERRORS, OPERATIONAL_ERRORS, Passphrase, check_key_matches, open_connection
from .migrate import DatabaseOpenError, open_database


def open_for_work(path: Path, key: Optional[Passphrase] = None) -> tuple[Engine, sessionmaker[Session]]:
    """An existing base opened (migrated if needed) after checking it can be written.

    ``key`` is the passphrase of an encrypted base: checked first, so a wrong one is
    reported as such (not as an unreadable file) and nothing is written.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise DatabaseOpenError(f"La base « {path} » n'existe pas (déplacée, renommée, ou sur un support absent).")
    check_key_matches(path, key)
    ensure_writable(path, key)
    return open_database(path, create=False, key=key)


def ensure_writable(path: Path, key: Optional[Passphrase] = None) -> None:
    """Refuse, in French, a database the user can read but not change.

    Tried for real (a write transaction started and rolled back): permissions, a
    read-only medium, a folder where SQLite cannot create its journal, or another
    program holding the file locked all show up here, before any screen is built.
    """
    path = Path(path)
    if not path.is_file():
        return
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise DatabaseOpenError(
            f"La base « {path} » est en lecture seule pour vous (droits du fichier ou du dossier, "
            "ou support protégé en écriture) : vos modifications ne pourraient pas être enregistrées. "
            "Copiez-la dans un dossier où vous pouvez écrire, ou demandez les droits d'écriture."
        )
    conn = open_connection(path, key, timeout=2)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except OPERATIONAL_ERRORS as error:
        text = str(error).lower()
        if "locked" in text or "busy" in text:
            raise DatabaseOpenError(
                f"La base « {path.name} » est verrouillée par un autre programme (une autre fenêtre de "
                "PRE Desktop, une synchronisation de fichiers…). Fermez-le puis réessayez."
            ) from None
        raise DatabaseOpenError(
            f"La base « {path} » ne peut pas être modifiée ({error}) : vos modifications ne pourraient "
            "pas être enregistrées. Copiez-la dans un dossier où vous pouvez écrire."
        ) from None
    except DATABASE_ERRORS as error:
        raise DatabaseOpenError(
            f"Le fichier « {path.name} » n'est pas une base lisible (endommagé ou d'un autre type) : {error}."
        ) from None
    finally:
        conn.close()


