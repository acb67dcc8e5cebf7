"""Opening a base from the window, and what to do when it cannot be opened.

Never a traceback: the French reason (locked, damaged, newer schema, read-only) and
the ways out — try again, put a backup back in place, open another file, or go back
to the welcome screen at start-up.
"""

from __future__ import annotations

import enum
import logging
from pathlib import Path
from typing import NamedTuple, Optional

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ..backups import copy_database, list_backups, restore_backup
from ..opening import open_for_work
from ..services.errors import DomainError
from .background import run_with_progress
from .restore_dialog import DB_FILTER, RestoreDialog

log = logging.getLogger("pre_desktop.ui")


class Opened(NamedTuple):
    path: Path
    engine: Engine
    factory: sessionmaker[Session]


class Choice(enum.Enum):
    RETRY = "retry"
    RESTORE = "restore"
    OTHER_FILE = "other"
    WELCOME = "welcome"
    CANCEL = "cancel"


def ask_after_failure(parent: Optional[QWidget], path: Path, message: str, *, has_backups: bool,
                      welcome: bool) -> Choice:
    """The reason, and the ways out that make sense here."""
    box = QMessageBox(QMessageBox.Icon.Critical, "Ouverture impossible", message, QMessageBox.StandardButton.NoButton, parent)
    box.setInformativeText(
        "La base n'a pas été modifiée. Que voulez-vous faire ?"
        + ("" if has_backups else f"\n(Aucune sauvegarde de « {path.name} » n'a été trouvée.)")
    )
    buttons = {box.addButton("Réessayer", QMessageBox.ButtonRole.ActionRole): Choice.RETRY}
    if has_backups:
        buttons[box.addButton("Restaurer une sauvegarde…", QMessageBox.ButtonRole.ActionRole)] = Choice.RESTORE
    buttons[box.addButton("Ouvrir un autre fichier…", QMessageBox.ButtonRole.ActionRole)] = Choice.OTHER_FILE
    if welcome:
        buttons[box.addButton("Créer une base ou essayer la démo…", QMessageBox.ButtonRole.ActionRole)] = Choice.WELCOME
    cancel = box.addButton("Quitter" if welcome else "Annuler", QMessageBox.ButtonRole.RejectRole)
    buttons[cancel] = Choice.CANCEL
    box.setEscapeButton(cancel)
    box.exec()
    return buttons.get(box.clickedButton(), Choice.CANCEL)


def restore_in_place(parent: Optional[QWidget], backup: Path, path: Path) -> bool:
    """Put ``backup`` in place of ``path`` (whose connections must be closed); say the outcome."""
    try:
        if path.exists():
            kept = run_with_progress(parent, "Restauration de la sauvegarde…", lambda: restore_backup(backup, path))
            where = f"\n\nL'ancienne base a été gardée : {kept.path}"
        else:
            run_with_progress(parent, "Restauration de la sauvegarde…", lambda: copy_database(backup, path))
            where = ""
    except DomainError as error:
        QMessageBox.critical(parent, "Restauration impossible", error.message)
        return False
    log.info("Sauvegarde %s restaurée dans %s", backup, path)
    QMessageBox.information(parent, "Sauvegarde restaurée", f"La sauvegarde a été remise en place dans « {path} ».{where}")
    return True


def open_with_recovery(parent: Optional[QWidget], path: Path, settings: QSettings, *,
                       welcome: bool = False) -> Opened | Choice | None:
    """Open ``path`` for work; on failure, offer the ways out until one works.

    Returns the opened base, ``Choice.WELCOME`` if the user asked for the welcome
    screen (only offered when ``welcome``), or None if they gave up.
    """
    path = Path(path).expanduser()
    while True:
        try:
            engine, factory = open_for_work(path)
            log.info("Base ouverte : %s", path)
            return Opened(path.resolve(), engine, factory)
        except DomainError as error:
            log.warning("Ouverture refusée (%s) : %s", path, error.message)
            if not path.exists() and not welcome:
                QMessageBox.critical(parent, "Ouverture impossible", error.message)
                return None
            choice = ask_after_failure(parent, path, error.message, has_backups=bool(list_backups(path)),
                                       welcome=welcome)
        if choice is Choice.RETRY:
            continue
        if choice is Choice.RESTORE:
            dialog = RestoreDialog(path, settings, parent, reason="La base ne peut pas être ouverte.")
            if dialog.exec() and dialog.chosen is not None:
                restore_in_place(parent, dialog.chosen, path)
            continue
        if choice is Choice.OTHER_FILE:
            chosen, _ = QFileDialog.getOpenFileName(parent, "Ouvrir une base PRE Desktop", str(path.parent), DB_FILTER)
            if chosen:
                path = Path(chosen)
            continue
        if choice is Choice.WELCOME:
            return Choice.WELCOME
        return None
