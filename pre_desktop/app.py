"""Start-up of the window: Qt in French, the log, which base to open, the main window.

Which base: ``--db`` if given, else the last one opened (QSettings), else the default
file in the user's data folder. If that file does not exist yet, the welcome screen
asks what to do: nothing is created silently. A base that cannot be opened is
explained with the ways out (ui.recovery), never as a traceback; any later
unexpected error goes to the log and a French dialog, and the app keeps running.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from PySide6.QtCore import QLibraryInfo, QLocale, QSettings, QThreadPool, QTimer, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from . import APP_NAME, __version__
from .logs import setup_logging
from .paths import asset_path, default_db_path

if TYPE_CHECKING:
    from .ui.main_window import MainWindow

log = logging.getLogger("pre_desktop")

APP_USER_MODEL_ID = "fr.pre-desktop.app"
FRENCH = QLocale(QLocale.Language.French, QLocale.Country.France)


def app_icon() -> QIcon:
    icon = QIcon()
    folder = asset_path("icons")
    for size in (16, 24, 32, 48, 64, 128, 256):
        candidate = folder / f"pre-desktop-{size}.png"
        if candidate.is_file():
            icon.addFile(str(candidate))
    return icon


def translations_dirs() -> list[Path]:
    """Qt's own translations: from Qt's install, or where PyInstaller put them."""
    dirs = [Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))]
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass:
        dirs += [Path(meipass) / "PySide6" / "Qt" / "translations", Path(meipass) / "PySide6" / "translations"]
    return dirs


def install_french(app: QApplication) -> bool:
    """French for Qt's own texts (buttons, file dialogs, context menus) and for numbers/dates."""
    QLocale.setDefault(FRENCH)
    for folder in translations_dirs():
        translator = QTranslator(app)
        if translator.load(FRENCH, "qtbase", "_", str(folder)):
            app.installTranslator(translator)
            log.info("Traductions de Qt chargées depuis %s", folder)
            return True
    log.warning("Traductions de Qt introuvables (%s) : boutons standard en anglais", translations_dirs())
    return False


def ensure_application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        install_french(app)  # type: ignore[arg-type]
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("pre-desktop")
    app.setWindowIcon(app_icon())
    show_as_own_app_in_taskbar()
    return app  # type: ignore[return-value]


def show_as_own_app_in_taskbar() -> bool:
    """Windows groups a window under the program that runs it: started with python.exe,
    the task bar would show Python's icon and name. An app id of its own gives it ours."""
    if sys.platform != "win32":
        return False
    try:
        import ctypes

        ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID(APP_USER_MODEL_ID)
    except (AttributeError, OSError):
        log.warning("Identifiant d'application Windows non défini : icône de Python dans la barre des tâches")
        return False
    return True


def start_path(db_path: Optional[Path], settings: QSettings) -> Path:
    """The base to open: ``--db``, else the last one opened if still there, else the default."""
    if db_path is not None:
        return Path(db_path).expanduser()
    last = settings.value("last_database")
    if last and Path(str(last)).is_file():
        return Path(str(last))
    return default_db_path()


def choose_base(db_path: Optional[Path], settings: QSettings, key=None):  # noqa: ANN001, ANN201 - Opened | None
    """Open the start base, or go through the welcome screen; None if the user quits.

    ``key`` (``--passphrase-file``) opens an encrypted base without its dialog; a wrong one
    asks, as a mistyped passphrase would."""
    from .ui.recovery import Choice, Opened, open_with_recovery
    from .ui.welcome import WelcomeDialog

    path = start_path(db_path, settings)
    if path.exists():
        opened = open_with_recovery(None, path, settings, welcome=True, key=key)
        if isinstance(opened, Opened) or opened is not Choice.WELCOME:
            return opened
    welcome = WelcomeDialog(settings, path if db_path is not None else None)
    return welcome.opened if welcome.exec() else None


def visit_areas(window: MainWindow) -> list[str]:
    """Show and refresh every area of the user's role in turn; the labels shown, in order.

    Screens are imported by name (ui.areas.SCREENS), so a build that left one out only
    fails when it is shown: the headless check of a build goes through all of them.
    """
    from .ui import areas

    shown = []
    for area in areas.available(window.ctx.role):  # the logged-in role's areas, as in the navigation
        window.show_area(area.key)
        window.screen(area.key).refresh()  # type: ignore[attr-defined]
        QApplication.processEvents()
        log.info("Espace affiché : %s", area.label)
        shown.append(area.label)
    return shown


def smoke_close(window: MainWindow) -> None:
    """End of ``--quit-after``: every area shown, then closed; an error exits with 1, not a dialog."""
    try:
        visit_areas(window)
    except Exception:
        log.exception("Un espace ne s'affiche pas")
        QApplication.instance().exit(1)  # type: ignore[union-attr]
        return
    window.close()


def log_in(opened, settings: QSettings, credentials: Optional[tuple[str, str]] = None):  # noqa: ANN001, ANN201
    """The user who logs in to the opened base (UserRow), or None.

    ``credentials`` (login, password) replace the dialog for a scripted start: checked by
    the same service, with the same delay after failures, so they open nothing that
    typing the same password would not.
    """
    from .services import auth
    from .services.errors import DomainError
    from .services.users import user_row
    from .ui.login_dialog import ask_login

    if credentials is None:
        return ask_login(None, opened.factory, opened.path.name, settings)
    login, password = credentials
    try:
        user_id = auth.kept_even_if_refused(opened.factory, None, lambda s: auth.authenticate(s, login, password).id)
    except DomainError as error:
        log.error("Connexion refusée pour « %s » : %s", login, error.message)
        print(f"pre-desktop : connexion refusée : {error.message}", file=sys.stderr)
        return None
    with opened.factory() as session:
        return user_row(session, user_id)


def run_app(db_path: Optional[Path], quit_after: Optional[float] = None,
            credentials: Optional[tuple[str, str]] = None, key=None) -> int:
    """Show the window on the chosen base, once someone has logged in; return the exit code.

    ``quit_after`` (seconds) shows every area, then closes the window by itself: a
    headless check that a build starts, opens a base, runs its event loop and has
    every screen. ``credentials`` log in without the dialog (see :func:`log_in`).
    "Se déconnecter" closes the window and comes back to the login on the same base.
    """
    from .ui import error_dialog
    from .ui.backup_actions import start_automatic_backup
    from .ui.main_window import MainWindow
    from .ui.recovery import Opened

    log_file = setup_logging()
    app = ensure_application()
    log.info("%s %s démarre", APP_NAME, __version__)
    error_dialog.install(log_file)
    settings = QSettings(APP_NAME, APP_NAME)
    opened = None
    try:
        opened = choose_base(db_path, settings, key)
        if opened is None:
            return 0
        user = log_in(opened, settings, credentials)
        if user is None:
            opened.engine.dispose()
            return 0 if credentials is None else 1
        log.info("Connexion : %s", user.login)
        window = MainWindow(opened.path, opened.engine, opened.factory, settings=settings, user=user, key=opened.key)
    except Exception:
        # Before the window exists there is no work to go back to: say so in French, then stop.
        log.exception("Démarrage impossible")
        if quit_after is None:  # nobody to read a dialog in the headless check
            error_dialog.ErrorDialog(sys.exc_info(), log_file, fatal=True).exec()  # type: ignore[arg-type]
        if opened is not None:
            opened.engine.dispose()
        return 1
    window.show()
    settings.setValue("last_database", str(opened.path))
    start_automatic_backup(opened.path, settings, lambda text: window.statusBar().showMessage(text, 15000),
                           key=opened.key)
    log.info("Fenêtre affichée")  # its time stamp gives the start-up time (tests/test_frozen_build.py)
    if quit_after is not None:
        QTimer.singleShot(int(quit_after * 1000), lambda: smoke_close(window))
    code = app.exec()
    while window.logged_out:
        log.info("Déconnexion : %s", window.ctx.user.login if window.ctx.user else "")
        if window.next_session is not None:  # another base, logged in to with another role
            window.engine.dispose()
            opened, user = window.next_session
        else:
            opened = Opened(window.db_path, window.engine, window.factory, window.ctx.key)
            user = log_in(opened, settings)
            if user is None:
                break
        window = MainWindow(opened.path, opened.engine, opened.factory, settings=settings, user=user, key=opened.key)
        window.show()
        code = app.exec()
    QThreadPool.globalInstance().waitForDone(60000)  # a backup still copying finishes first
    window.engine.dispose()
    log.info("Fermeture (code %s)", code)
    return code
