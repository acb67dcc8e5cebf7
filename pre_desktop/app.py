"""Start-up of the window: Qt application, database (migrated, backed up), main window.

A database that cannot be opened is explained in a dialog, not a traceback: the
people using this are not developers, and the message says what to do.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

from PySide6.QtWidgets import QApplication, QMessageBox

from . import APP_NAME, __version__
from .migrate import open_database
from .services.errors import DomainError


def ensure_application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    return app  # type: ignore[return-value]


def run_app(db_path: Optional[Path]) -> int:
    """Open the window on ``db_path`` (created and migrated if needed); return the exit code."""
    from .paths import default_db_path
    from .ui.main_window import MainWindow

    app = ensure_application()
    path = Path(db_path) if db_path else default_db_path()
    try:
        engine, factory = open_database(path)
    except DomainError as error:
        QMessageBox.critical(None, f"{APP_NAME} — ouverture impossible", error.message)
        return 2
    window = MainWindow(path, engine, factory)
    window.show()
    code = app.exec()
    window.engine.dispose()
    return code
