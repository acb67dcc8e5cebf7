"""Fichier › « Chiffrer la base… »: convert the open plain base (and its backups) to SQLCipher.

Coordinator only (services.access.require_role). The dialog says plainly that a lost
passphrase means lost data, what happens to the plain original (overwritten, then
removed) and to the backups (encrypted with the same passphrase). The conversion runs
in a worker with the base closed; the window then works on the encrypted base with
the same user, without asking the passphrase again.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QThreadPool
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QCheckBox, QDialog, QFormLayout, QLabel, QMainWindow, QMessageBox, QVBoxLayout, QWidget

from ..backups import backup_dir, list_backups
from ..encryption import ConversionResult, Passphrase, encrypt_database, is_encrypted
from ..models import Role
from ..opening import open_for_work
from ..services.access import require_role
from ..services.errors import DomainError
from . import background
from .form_dialog import fit_height
from .forms import FieldErrors
from .passphrase_dialog import LOST_WARNING, NewPassphraseFields
from .widgets import ok_cancel

log = logging.getLogger("pre_desktop.ui")


def add_encryption_actions(window: QMainWindow) -> None:
    """« Chiffrer la base… » in the Fichier menu, before the backup actions; hidden once encrypted."""
    menu = window.file_menu  # type: ignore[attr-defined]
    window.encrypt_action = QAction("C&hiffrer la base…", window)  # type: ignore[attr-defined]
    window.encrypt_action.setStatusTip("Rendre la base et ses sauvegardes illisibles sans une phrase secrète")
    window.encrypt_action.triggered.connect(lambda: encrypt_open_base(window))
    before = getattr(window, "save_copy_action", None) or getattr(window, "quit_action", None)
    if before is not None:
        menu.insertAction(before, window.encrypt_action)
    else:
        menu.addAction(window.encrypt_action)
    ctx = window.ctx  # type: ignore[attr-defined]

    def update() -> None:
        window.encrypt_action.setVisible(ctx.key is None)  # type: ignore[attr-defined]

    ctx.database_changed.connect(update)
    update()


class EncryptDialog(QDialog):
    """Choose the passphrase, after the warning; accepted with ``key`` set."""

    def __init__(self, db_path: Path, backups: int, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Chiffrer la base")
        self.setObjectName("encrypt_dialog")
        self.key: Optional[Passphrase] = None
        self.errors = FieldErrors(QLabel(self))
        intro = QLabel(
            f"<h3>Chiffrer la base</h3>La base <b>{db_path.name}</b> sera chiffrée (SQLCipher) : sans la "
            "phrase secrète, le fichier est illisible, même copié sur une clé USB ou un disque volé. La phrase "
            "sera demandée à chaque ouverture de la base.", self)
        intro.setWordWrap(True)
        warning = QLabel(LOST_WARNING, self)
        warning.setWordWrap(True)
        warning.setStyleSheet("color: #a93226;")
        saved = (f"ses {backups} sauvegardes (dossier « {backup_dir(db_path).name} » et copies d'avant mise à "
                 "jour) sont chiffrées avec la même phrase ;" if backups > 1 else
                 "sa sauvegarde est chiffrée avec la même phrase ;" if backups == 1 else "")
        steps = QLabel(
            "<ul style='margin-left:-20px'>"
            "<li>la base est recopiée chiffrée, la copie vérifiée, puis elle remplace l'originale ;</li>"
            + (f"<li>{saved}</li>" if saved else "")
            + "<li>les versions en clair sont écrasées puis supprimées (sur un disque SSD ou un dossier "
            "synchronisé, des traces peuvent subsister) ;</li>"
            "<li>les copies que vous avez rangées ailleurs (clé USB…) ne sont pas concernées : remplacez-les "
            "par une nouvelle copie.</li></ul>", self)
        steps.setWordWrap(True)
        form = QFormLayout()
        self.fields = NewPassphraseFields(self, form, self.errors)
        self.understood = QCheckBox("J'ai noté la phrase secrète en lieu sûr ; je sais qu'elle ne peut pas être "
                                    "retrouvée.", self)
        self.understood.setObjectName("understood")
        self.errors.bind("understood", self.understood)
        form.addRow(self.understood)
        self.buttons = ok_cancel(self, "Chiffrer la base", self.try_accept)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(warning)
        layout.addWidget(steps)
        layout.addLayout(form)
        layout.addWidget(self.errors.banner)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)

    def try_accept(self) -> bool:
        self.errors.clear()
        try:
            key = self.fields.read()
            if not self.understood.isChecked():
                raise DomainError("Cochez cette case une fois la phrase secrète notée : elle ne pourra pas être "
                                  "retrouvée.", "understood")
        except DomainError as error:
            self.errors.show(error)
            fit_height(self)
            return False
        self.key = key
        self.accept()
        return True


def encrypt_open_base(window: QMainWindow) -> Optional[ConversionResult]:
    """Ask, convert in a worker with the base closed, then go on working on the encrypted base."""
    ctx = window.ctx  # type: ignore[attr-defined]
    path: Path = ctx.db_path
    try:
        with ctx.read() as session:
            require_role(session, Role.COORDINATOR, what="chiffrer la base")
    except DomainError as error:
        QMessageBox.warning(window, "Chiffrer la base", error.message)
        return None
    if ctx.key is not None or is_encrypted(path):
        QMessageBox.information(window, "Chiffrer la base", "Cette base est déjà chiffrée.")
        return None
    backups = [b.path for b in list_backups(path)]
    dialog = EncryptDialog(path, len(backups), window)
    if not dialog.exec() or dialog.key is None:
        return None
    key = dialog.key
    close_files = getattr(window, "close_child_files", None)
    if close_files is not None and not close_files():
        return None
    QThreadPool.globalInstance().waitForDone(60000)  # an automatic backup still copying the plain base
    ctx.engine.dispose()
    try:
        result = background.run_with_progress(window, "Chiffrement de la base et de ses sauvegardes…",
                                              lambda: encrypt_database(path, key, backups))
    except DomainError as error:
        QMessageBox.critical(window, "Chiffrement impossible", error.message)
        return None
    engine, factory = open_for_work(path, key)
    ctx.switch_database(path, engine, factory, ctx.user, key)
    show = getattr(window, "_show_database", None)
    if show is not None:
        show()
    ctx.data_changed.emit()
    log.info("Base chiffrée : %s (%s sauvegardes chiffrées)", path, len(result.backups_encrypted))
    QMessageBox.information(window, "Base chiffrée", conversion_summary(result))
    return result


def conversion_summary(result: ConversionResult) -> str:
    lines = [f"La base « {result.path.name} » est chiffrée ({result.rows} lignes vérifiées)."]
    if result.backups_encrypted:
        lines.append(f"{len(result.backups_encrypted)} sauvegarde(s) chiffrée(s) avec la même phrase secrète.")
    for backup, reason in result.backups_failed:
        lines.append(f"La sauvegarde « {backup.name} » n'a pas pu être chiffrée ({reason}) : elle est restée en "
                     "clair ; supprimez-la si elle n'est plus utile.")
    lines.append("Les versions en clair ont été écrasées puis supprimées. La phrase secrète sera demandée à "
                 "chaque ouverture : sans elle, la base et ses sauvegardes sont perdues.")
    return "\n\n".join(lines)
