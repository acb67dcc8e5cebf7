"""What every screen shares: the open database, who is acting, and app-wide signals.

Screens never talk to each other directly: a screen that changed data emits
``data_changed`` and the others reload when next shown; a screen that wants a child's
file opened emits ``open_child`` and the main window opens it. That keeps each area
in its own module, testable alone.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from PySide6.QtCore import QObject, QSettings, Signal
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .. import db
from ..encryption import Passphrase
from ..models import Role
from ..services.users import UserRow, default_user


class AppContext(QObject):
    data_changed = Signal()
    open_child = Signal(int)  # child id
    open_record = Signal(str, int)  # another record to show, e.g. ("convention", id): the main window shows its area
    database_changed = Signal()
    settings_changed = Signal()  # the structure's settings were saved (the idle lock's delay…)

    def __init__(
        self,
        db_path: Path,
        engine: Engine,
        factory: sessionmaker[Session],
        settings: QSettings,
        parent: Optional[QObject] = None,
        user: Optional[UserRow] = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.db_path = Path(db_path).resolve()
        self.engine = engine
        self.factory = factory
        # The logged-in user (ui.login_dialog); a window built without one (tests, tools)
        # acts as the first active coordinator.
        self.user: Optional[UserRow] = user
        if user is None:
            self._load_user()
        self.key: Optional[Passphrase] = None  # an encrypted base's passphrase (memory only: backups, reopening)

    def _load_user(self) -> None:
        with self.factory() as session:
            self.user = default_user(session)

    @property
    def user_id(self) -> Optional[int]:
        return self.user.id if self.user else None

    @property
    def role(self) -> Optional[Role]:
        """The acting user's role: the areas and actions shown (the services check it again)."""
        return self.user.role if self.user else None

    def switch_database(self, db_path: Path, engine: Engine, factory: sessionmaker[Session],
                        user: Optional[UserRow] = None, key: Optional[Passphrase] = None) -> None:
        """Work on another base, as ``user`` (who logged in to it; None: tests and tools)."""
        old = self.engine
        self.db_path, self.engine, self.factory = Path(db_path).resolve(), engine, factory
        self.key = key
        old.dispose()
        self.user = user
        if user is None:
            self._load_user()
        self.database_changed.emit()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; nothing it holds outlives the block."""
        with self.factory() as session:
            session.info["user_id"] = self.user_id
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction attributed to the current user: committed, or rolled back on error."""
        with db.session_scope(self.factory, self.user_id) as session:
            yield session
