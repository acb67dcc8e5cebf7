"""The Fichier menu's backup actions and the automatic backup at start-up.

Copies and restores run in a worker (ui.background); the restore closes the open
base first, then reopens it through the main window's own open path, so every
screen reloads from the restored file.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from ..backups import BackupInfo, automatic_backup, copy_database, describe_size
from ..encryption import Passphrase
from ..services import audit
from ..services.errors import DomainError
from . import background
from .recovery import restore_in_place
from .restore_dialog import RestoreDialog, retention_policy

log = logging.getLogger("pre_desktop.ui")


def add_backup_actions(window: QMainWindow) -> None:
    """"Sauvegarder une copie…" and "Restaurer…" in the Fichier menu, before Quitter."""
    menu = window.file_menu  # type: ignore[attr-defined]
    quit_action = getattr(window, "quit_action", None)
    window.save_copy_action = QAction("&Sauvegarder une copie…", window)  # type: ignore[attr-defined]
    window.save_copy_action.setStatusTip("Enregistrer une copie de la base où vous voulez (clé USB, autre dossier)")
    window.save_copy_action.triggered.connect(lambda: save_copy(window))
    window.restore_action = QAction("&Restaurer une sauvegarde…", window)  # type: ignore[attr-defined]
    window.restore_action.setStatusTip("Remettre en place une sauvegarde de la base")
    window.restore_action.triggered.connect(lambda: restore(window))
    for action in (window.save_copy_action, window.restore_action):
        if quit_action is not None:
            menu.insertAction(quit_action, action)
        else:
            menu.addAction(action)
    if quit_action is not None:
        menu.insertSeparator(quit_action)


def save_copy(window: QMainWindow) -> Optional[Path]:
    db_path: Path = window.db_path  # type: ignore[attr-defined]
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(db_path.parent)
    suggested = Path(folder) / f"{db_path.stem}-copie-{dt.date.today():%Y-%m-%d}.sqlite"
    chosen, _ = QFileDialog.getSaveFileName(window, "Sauvegarder une copie de la base", str(suggested),
                                            "Bases PRE Desktop (*.sqlite)")
    if not chosen:
        return None
    target = Path(chosen)
    if target.suffix.lower() not in (".sqlite", ".db"):
        target = target.with_name(target.name + ".sqlite")
    try:
        key = window.ctx.key  # type: ignore[attr-defined]  # an encrypted base's copy is encrypted too
        written = background.run_with_progress(window, "Copie de la base…", lambda: copy_database(db_path, target, key))
    except DomainError as error:
        QMessageBox.critical(window, "Copie impossible", error.message)
        return None
    ctx = getattr(window, "ctx", None)
    if ctx is not None:  # the copy holds every file: traced like any export
        with ctx.write() as session:
            audit.record_database_copy(session, written)
        ctx.data_changed.emit()
    log.info("Copie de la base enregistrée : %s", written)
    QMessageBox.information(window, "Copie enregistrée",
                            f"La copie de la base a été enregistrée :\n{written}\n({describe_size(written.stat().st_size)})")
    return written


def restore(window: QMainWindow) -> bool:
    """Choose and check a backup, close the base, restore, reopen through ``open_path``."""
    db_path: Path = window.db_path  # type: ignore[attr-defined]
    settings: QSettings = window.settings  # type: ignore[attr-defined]
    key = window.ctx.key  # type: ignore[attr-defined]
    dialog = RestoreDialog(db_path, settings, window, key=key)
    if not dialog.exec() or dialog.chosen is None:
        return False
    close_files: Optional[Callable[[], bool]] = getattr(window, "close_child_files", None)
    if close_files is not None and not close_files():
        return False
    window.ctx.engine.dispose()  # type: ignore[attr-defined]
    restored = restore_in_place(window, dialog.chosen, db_path, key)
    reopened = window.open_path(db_path, key=key)  # type: ignore[attr-defined]
    return restored and reopened


def start_automatic_backup(db_path: Path, settings: QSettings,
                           report: Callable[[str], None], key: Optional[Passphrase] = None) -> None:
    """The daily backup, in the thread pool; ``report`` gets a French line for the status bar.

    ``key``: the passphrase of an encrypted base, whose backups are encrypted with it."""
    policy = retention_policy(settings)

    def done(result: Optional[BackupInfo], error: Optional[BaseException]) -> None:
        if error is not None:
            log.error("Sauvegarde automatique impossible", exc_info=(type(error), error, error.__traceback__))
            message = error.message if isinstance(error, DomainError) else str(error)
            report(f"Sauvegarde automatique impossible : {message}")
        elif result is not None:
            log.info("Sauvegarde automatique : %s", result.path)
            report(f"Sauvegarde automatique faite : {result.path.name}")

    background.start(lambda: automatic_backup(db_path, policy, key=key), done)
