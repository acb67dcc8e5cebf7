"""The main window: a navigation between the app's areas, the menus, the status bar.

It holds no rule and no list of its own: each area is a screen module registered in
``ui.areas``; the window builds the ones that exist, switches between them, and keeps
the open database in the shared ``AppContext``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QScrollArea,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .. import APP_NAME
from ..services import child_file
from ..encryption import Passphrase
from ..services.errors import DomainError
from ..services.users import UserRow
from . import account_actions, areas, navigation_actions
from .about import add_help_menu
from .backup_actions import add_backup_actions
from .encryption_actions import add_encryption_actions
from .archived_file import ask_to_open
from .child_file import ChildFile
from .context import AppContext
from .login_dialog import ask_login
from .recovery import Opened, open_with_recovery

DB_FILTER = "Bases PRE Desktop (*.sqlite *.db);;Tous les fichiers (*)"
KEY_ROLE = Qt.ItemDataRole.UserRole + 1


class MainWindow(QMainWindow):
    def __init__(
        self,
        db_path: Path,
        engine: Engine,
        factory: sessionmaker[Session],
        settings: Optional[QSettings] = None,
        parent: Optional[QWidget] = None,
        user: Optional[UserRow] = None,
        key: Optional[Passphrase] = None,
    ) -> None:
        super().__init__(parent)
        settings = settings if settings is not None else QSettings(APP_NAME, APP_NAME, self)
        self.settings = settings
        # The app gives the user who logged in (app.run_app), and then another base asks for
        # a login too; a window built without one (tests, tools/screenshot.py) acts as the
        # first coordinator, on this base and the next.
        self.requires_login = user is not None
        self.logged_out = False
        # Another base opened by an account of another role: (the base, the user) for the
        # next window (app.run_app), instead of a login on the same base.
        self.next_session: Optional[tuple[Opened, UserRow]] = None
        self.ctx = AppContext(db_path, engine, factory, settings, self, user=user)
        self.ctx.key = key  # an encrypted base's passphrase (ui.recovery.Opened.key)
        self.ctx.data_changed.connect(self._mark_stale)
        self.ctx.open_child.connect(self.open_child_file)
        self.child_files: dict[int, ChildFile] = {}  # open files, by child id
        self._screens: dict[str, QWidget] = {}  # the areas built so far (each when first shown)
        self._pages: dict[str, QScrollArea] = {}
        self._stale: set[str] = set()

        self._build_widgets()
        self._build_menu()
        self._restore_geometry()
        self._show_database()
        start = str(self.settings.value("main_window/area", "todo"))
        self.show_area(start if start in self._pages else next(iter(self._pages), ""))

    # --- compatibility accessors ----------------------------------------------------

    @property
    def db_path(self) -> Path:
        return self.ctx.db_path

    @property
    def engine(self) -> Engine:
        return self.ctx.engine

    @property
    def factory(self) -> sessionmaker[Session]:
        return self.ctx.factory

    # --- layout ----------------------------------------------------------------------

    def _build_widgets(self) -> None:
        central = QWidget(self)
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.nav = QListWidget(central)
        self.nav.setObjectName("navigation")
        self.nav.setIconSize(QSize(0, 0))
        self.nav.setSpacing(2)
        self.stack = QStackedWidget(central)
        shown = areas.available(self.ctx.role)  # the areas of the user's role
        for area in shown:
            # Each area scrolls inside its page rather than imposing its minimum width on
            # the window: a small laptop screen still fits every area. The area itself is
            # built when first shown (screen()): on a large file some read for seconds, and
            # the window must open at once.
            page = QScrollArea(self.stack)
            page.setWidgetResizable(True)
            page.setFrameShape(QFrame.Shape.NoFrame)
            self._pages[area.key] = page
            self.stack.addWidget(page)
            item = QListWidgetItem(area.label, self.nav)
            item.setData(KEY_ROLE, area.key)
            item.setToolTip(f"{area.label} ({area.shortcut})" if area.shortcut else area.label)
            action = QAction(self)
            action.setShortcut(QKeySequence(area.shortcut))
            action.triggered.connect(lambda _=False, key=area.key: self.show_area(key))
            self.addAction(action)
        width = max((self.nav.fontMetrics().horizontalAdvance(a.label) for a in shown), default=80) + 40
        self.nav.setFixedWidth(width)
        self.nav.currentItemChanged.connect(self._nav_changed)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.user_label = QLabel(self)
        self.user_label.setObjectName("user")
        self.path_label = QLabel(self)
        self.path_label.setObjectName("db_path")
        self.path_label.setContentsMargins(6, 0, 0, 0)
        self.statusBar().addWidget(self.user_label)
        self.statusBar().addWidget(self.path_label, 1)

    def _build_menu(self) -> None:
        self.file_menu = self.menuBar().addMenu("&Fichier")
        self.open_action = QAction("&Ouvrir une autre base…", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.setStatusTip("Ouvrir un autre fichier de base de données PRE Desktop")
        self.open_action.triggered.connect(self.choose_database)
        self.file_menu.addAction(self.open_action)
        self.file_menu.addSeparator()
        self.quit_action = QAction("&Quitter", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        self.file_menu.addAction(self.quit_action)
        add_backup_actions(self)
        add_encryption_actions(self)
        account_actions.install(self)
        navigation_actions.install(self)
        add_help_menu(self)

    # --- areas -----------------------------------------------------------------------

    def has_area(self, key: str) -> bool:
        return key in self._pages

    def screen(self, key: str) -> QWidget:
        """The area's screen, built (and so read) now if it was not yet."""
        screen = self._screens.get(key)
        if screen is None:
            page = self._pages[key]
            screen = self._screens[key] = areas.create(key, self.ctx, page)
            page.setWidget(screen)
            self._stale.discard(key)
        return screen

    def current_area(self) -> str:
        item = self.nav.currentItem()
        return str(item.data(KEY_ROLE)) if item else ""

    def show_area(self, key: str) -> None:
        for row in range(self.nav.count()):
            if self.nav.item(row).data(KEY_ROLE) == key:
                self.nav.setCurrentRow(row)
                return

    def _nav_changed(self, current: Optional[QListWidgetItem], _previous: Optional[QListWidgetItem]) -> None:
        if current is None:
            return
        key = str(current.data(KEY_ROLE))
        screen = self.screen(key)
        if key in self._stale:
            self._stale.discard(key)
            screen.refresh()  # type: ignore[attr-defined]
        self.stack.setCurrentWidget(self._pages[key])
        self.settings.setValue("main_window/area", key)

    def _mark_stale(self) -> None:
        """Data changed: refresh the visible area now, the others when next shown."""
        current = self.current_area()
        self._stale = set(self._screens) - {current}
        if current:
            self._screens[current].refresh()  # type: ignore[attr-defined]

    def _show_database(self) -> None:
        self.setWindowTitle(f"{APP_NAME} — {self.db_path.name}")
        self.path_label.setText(f"Base : {self.db_path}" + (" (chiffrée)" if self.ctx.key is not None else ""))
        self.path_label.setToolTip(str(self.db_path))
        user = self.ctx.user
        self.user_label.setText(f"Utilisateur : {user.name} ({user.role_label})" if user else "Utilisateur : aucun compte")

    # --- another database ------------------------------------------------------------

    def choose_database(self) -> None:
        start = str(self.db_path.parent)
        path, _ = QFileDialog.getOpenFileName(self, "Ouvrir une base PRE Desktop", start, DB_FILTER)
        if path:
            self.open_path(Path(path))

    def open_path(self, path: Path, key: Optional[Passphrase] = None) -> bool:
        """Switch to another file; on refusal keep the current one and say why.

        ``key``: the passphrase of an encrypted base if already known (reopening after a
        restore or a conversion); otherwise it is asked."""
        if not self.close_child_files():  # they show the current database
            return False
        opened = open_with_recovery(self, path, self.settings, key=key)
        if not isinstance(opened, Opened):
            return False
        path, engine, factory, key = opened
        user = None
        if self.requires_login:  # another base, other accounts: log in to it
            user = ask_login(self, factory, path.name, self.settings)
            if user is None:
                engine.dispose()
                return False
            if user.role is not self.ctx.role:
                # The areas, menus and buttons were built for the previous role: this account
                # gets a window of its own (app.run_app opens it, as after « Se déconnecter »).
                return self._hand_over(Opened(path, engine, factory, key), user)
        self.ctx.switch_database(path, engine, factory, user, key)
        self.settings.setValue("last_database", str(self.db_path))
        self._show_database()
        for screen in self._screens.values():
            screen.refresh()  # type: ignore[attr-defined]
        self._stale.clear()
        return True

    def _hand_over(self, opened: Opened, user: UserRow) -> bool:
        self.next_session = (opened, user)
        if not self.log_out():
            self.next_session = None
            opened.engine.dispose()
            return False
        self.settings.setValue("last_database", str(opened.path))
        return True

    def log_out(self) -> bool:
        """Close the session (each open file asks about its unsaved edits); app.run_app
        then shows the login again."""
        self.logged_out = True
        if not self.close():
            self.logged_out = False
            return False
        return True

    # --- children's files -----------------------------------------------------------

    def open_child_file(self, child_id: int) -> Optional[ChildFile]:
        """Open the child's file in its own window, or bring it forward if already open."""
        window = self.child_files.get(child_id)
        archived = ask_to_open(self, self.ctx, child_id)  # None: not archived; else traced with a reason
        if archived is False:
            return None
        if window is None:
            try:
                window = ChildFile(self.ctx, child_id, view_traced=bool(archived))
            except DomainError as error:
                QMessageBox.warning(self, "Dossier non ouvert", error.message)  # deleted, or not for this role
                return None
            self.child_files[child_id] = window
            window.closed.connect(lambda cid: self.child_files.pop(cid, None))
        elif archived is None:  # asked again: another consultation, traced like the first
            try:
                with self.ctx.write() as session:
                    child_file.record_view(session, child_id)
            except DomainError as error:
                QMessageBox.warning(self, "Dossier non ouvert", error.message)  # deleted, or not for this role
                return None
        window.show()
        window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
        window.raise_()
        window.activateWindow()
        return window

    def close_child_files(self) -> bool:
        """Close every open file, each asking about its unsaved edits; False if one stays open."""
        for window in list(self.child_files.values()):
            if not window.close():
                return False
        return True

    # --- window state ----------------------------------------------------------------

    def _restore_geometry(self) -> None:
        geometry = self.settings.value("main_window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 720)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.close_child_files():
            event.ignore()
            return
        self.settings.setValue("main_window/geometry", self.saveGeometry())
        self.settings.sync()
        super().closeEvent(event)
