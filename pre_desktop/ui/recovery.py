"""Opening a base from the window, and what to do when it cannot be opened.

Never a traceback: the French reason (locked, damaged, newer schema, read-only) and
the ways out — try again, put a backup back in place, open another file, or go back
to the welcome screen at start-up. An encrypted base asks its passphrase first
(ui.passphrase_dialog), before anything reads or migrates it.
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
from ..encryption import Passphrase, is_encrypted
from ..opening import open_for_work
from ..services.errors import DomainError
from .background import run_with_progress
from .passphrase_dialog import ask_passphrase
from .restore_dialog import DB_FILTER, RestoreDialog

log = logging.getLogger("pre_desktop.ui")


class Opened(NamedTuple):
    path: Path
    engine: Engine
    factory: sessionmaker[Session]
    key: Optional[Passphrase] = None  # the passphrase of an encrypted base (memory only)


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


def restore_in_place(parent: Optional[QWidget], backup: Path, path: Path, key: Optional[Passphrase] = None) -> bool:
    """Put ``backup`` in place of ``path`` (whose connections must be closed); say the outcome.

    ``key``: the passphrase of the (encrypted) base; the restored base stays encrypted.
    """
    try:
        if path.exists():
            kept = run_with_progress(parent, "Restauration de la sauvegarde…",
                                     lambda: restore_backup(backup, path, key=key))
            where = f"\n\nL'ancienne base a été gardée : {kept.path}"
        else:
            run_with_progress(parent, "Restauration de la sauvegarde…",
                              lambda: copy_database(backup, path, key if is_encrypted(backup) else None))
            where = ""
    except DomainError as error:
        QMessageBox.critical(parent, "Restauration impossible", error.message)
        return False
    log.info("Sauvegarde %s restaurée dans %s", backup, path)
    QMessageBox.information(parent, "Sauvegarde restaurée", f"La sauvegarde a été remise en place dans « {path} ».{where}")
    return True


def open_with_recovery(parent: Optional[QWidget], path: Path, settings: QSettings, *,
                       welcome: bool = False, key: Optional[Passphrase] = None) -> Opened | Choice | None:
    """Open ``path`` for work; on failure, offer the ways out until one works.

    Returns the opened base, ``Choice.WELCOME`` if the user asked for the welcome
    screen (only offered when ``welcome``), or None if they gave up. An encrypted base
    is opened with ``key`` if given and right, else its passphrase is asked.
    """
    path = Path(path).expanduser()
    while True:
        try:
            if is_encrypted(path) and key is None:
                asked = ask_passphrase(parent, path)
                key = asked.key
                if key is None:  # gave up typing it
                    if not asked.attempts:
                        return None
                    key = asked.last_attempt  # wrong, or a damaged file: show the ways out (restore…)
            engine, factory = open_for_work(path, key if is_encrypted(path) else None)
            log.info("Base ouverte : %s%s", path, " (chiffrée)" if is_encrypted(path) else "")
            return Opened(path.resolve(), engine, factory, key if is_encrypted(path) else None)
        except DomainError as error:
            log.warning("Ouverture refusée (%s) : %s", path, error.message)
            if not path.exists() and not welcome:
                QMessageBox.critical(parent, "Ouverture impossible", error.message)
                return None
            choice = ask_after_failure(parent, path, error.message, has_backups=bool(list_backups(path)),
                                       welcome=welcome)
        typed, key = key, None  # ask again after any failure (a wrong passphrase, a restore…)
        if choice is Choice.RETRY:
            continue
        if choice is Choice.RESTORE:
            dialog = RestoreDialog(path, settings, parent, reason="La base ne peut pas être ouverte.", key=typed)
            if dialog.exec() and dialog.chosen is not None:
                if restore_in_place(parent, dialog.chosen, path, typed if is_encrypted(path) else None):
                    key = typed  # the restored base opens with the passphrase its backup was checked with
            continue
        if choice is Choice.OTHER_FILE:
            chosen, _ = QFileDialog.getOpenFileName(parent, "Ouvrir une base PRE Desktop", str(path.parent), DB_FILTER)
            if chosen:
                path = Path(chosen)
            continue
        if choice is Choice.WELCOME:
            return Choice.WELCOME
        return None
