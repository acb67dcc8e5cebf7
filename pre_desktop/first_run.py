"""What the welcome screen creates: a new base, or the demonstration base, all or nothing.

The file is built under a temporary name and renamed into place only once complete:
a refusal (a required field left blank, a bad login) or a crash half-way leaves no
empty or half-filled base behind that the next start would take for the user's.
No Qt here; the welcome screen calls these from a worker thread.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Optional

from . import db
from .encryption import Passphrase, remove_files
from .migrate import DatabaseOpenError, open_database
from .models import Role
from .services.errors import DomainError
from .services.settings import update_settings
from .services.users import create_user

DEMO_DB_NAME = "pre_demo.sqlite"


_remove = remove_files


def _build(path: Path, fill: Callable[[Any], Any], replace: bool, key: Optional[Passphrase] = None) -> Any:
    path = Path(path).expanduser()
    if path.exists() and not replace:
        raise DatabaseOpenError(f"Le fichier « {path} » existe déjà : choisissez un autre nom, ou ouvrez-le.", "path")
    if path.is_dir():
        raise DatabaseOpenError(f"« {path} » est un dossier.", "path")
    partial = path.with_name(path.name + ".creation")
    _remove(partial)
    engine = None
    try:
        engine, factory = open_database(partial, key=key)
        with db.session_scope(factory) as session:
            result = fill(session)
        engine.dispose()
        engine = None
        if replace:
            _remove(path)
        os.replace(partial, path)
    except BaseException:
        if engine is not None:
            engine.dispose()
        _remove(partial)
        raise
    return result


def create_new_database(path: Path, structure: dict[str, Any], coordinator: dict[str, Any],
                        key: Optional[Passphrase] = None) -> Path:
    """A base holding the structure's settings and its first coordinator's account.

    With ``key`` the base is created encrypted (SQLCipher) with that passphrase: no byte
    of it is ever written in clear, not even under its temporary name.

    ``structure`` goes to services.settings.update_settings (``pre_name`` required),
    ``coordinator`` to services.users.create_user (login, first_name, last_name, password,
    confirmation…): the base is protected by the coordinator's password from the start.
    Field errors are DomainError naming the field, raised before the file exists.
    """

    def fill(session: Any) -> None:
        update_settings(session, **structure)
        create_user(session, role=Role.COORDINATOR, **{**coordinator, "password": coordinator.get("password") or ""})
        if "coordinator_name" not in structure:
            update_settings(session, coordinator_name=f"{coordinator['first_name']} {coordinator['last_name']}".strip())

    try:
        _build(path, fill, replace=False, key=key)
    except OSError as error:
        raise DomainError(f"La base n'a pas pu être créée dans « {Path(path).parent} » : {error.strerror}.", "path") from None
    return Path(path)


def create_demo_database(path: Path, replace: bool = False) -> dict[str, int]:
    """The demonstration base (fictitious data); returns the counts of what it holds."""
    from .demo import build_demo

    try:
        counts: Optional[dict[str, int]] = _build(path, build_demo, replace=replace)
    except OSError as error:
        raise DomainError(f"La base de démonstration n'a pas pu être créée : {error.strerror}.", "path") from None
    return counts or {}
