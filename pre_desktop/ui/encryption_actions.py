"""Fichier › « Chiffrer la base… »: convert the open plain base (and its backups) to SQLCipher;
« Changer la phrase secrète… » once it is encrypted.

Coordinator only (services.access.require_role). The dialog says plainly that a lost
passphrase means lost data, what happens to the plain original (overwritten, then
removed) and to the backups (encrypted with the same passphrase). The conversion runs
in a worker with the base closed; the window then works on the encrypted base with
the same user, without asking the passphrase again.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import QThreadPool
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QCheckBox, QDialog, QFormLayout, QLabel, QMainWindow, QMessageBox, QVBoxLayout, QWidget

from ..backups import backup_dir, list_backups
from ..encryption import ConversionResult, Passphrase, change_passphrase, encrypt_database, is_encrypted
from ..models import Role
from ..opening import open_for_work
from ..services.access import require_role
from ..services.errors import DomainError
from . import background
from .form_dialog import fit_height
from .forms import FieldErrors
from .passphrase_dialog import LOST_WARNING, NewPassphraseFields, secret_edit
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

    window.rekey_action = QAction("Changer la &phrase secrète…", window)  # type: ignore[attr-defined]
    window.rekey_action.setStatusTip("Rechiffrer la base et ses sauvegardes avec une nouvelle phrase secrète")
    window.rekey_action.triggered.connect(lambda: change_open_base_passphrase(window))
    menu.insertAction(window.encrypt_action, window.rekey_action)

    def update() -> None:
        window.encrypt_action.setVisible(ctx.key is None)  # type: ignore[attr-defined]
        window.rekey_action.setVisible(ctx.key is not None)  # type: ignore[attr-defined]

    ctx.database_changed.connect(update)
    update()


def _coordinator(window: QMainWindow, what: str) -> bool:
    try:
        with window.ctx.read() as session:  # type: ignore[attr-defined]
            require_role(session, Role.COORDINATOR, what=what)
    except DomainError as error:
        QMessageBox.warning(window, "Phrase secrète de la base", error.message)
        return False
    return True


def _run_closed(window: QMainWindow, text: str, work: Callable[[], ConversionResult],
                key_after: Callable[[], Optional[Passphrase]]) -> Optional[ConversionResult]:
    """Close the base, run ``work`` in a worker, then go on working on the base (same user)."""
    ctx = window.ctx  # type: ignore[attr-defined]
    close_files = getattr(window, "close_child_files", None)
    if close_files is not None and not close_files():
        return None
    QThreadPool.globalInstance().waitForDone(60000)  # an automatic backup still copying the base
    ctx.engine.dispose()
    try:
        result = background.run_with_progress(window, text, work)
    except DomainError as error:
        QMessageBox.critical(window, "Opération impossible", error.message)
        return None
    key = key_after()
    engine, factory = open_for_work(ctx.db_path, key)
    ctx.switch_database(ctx.db_path, engine, factory, ctx.user, key)
    show = getattr(window, "_show_database", None)
    if show is not None:
        show()
    ctx.data_changed.emit()
    return result


class NewKeyDialog(QDialog):
    """A dialog that ends on a new passphrase: accepted once ``read_key`` returns one, its
    refusal shown under the field it names otherwise."""

    key: Optional[Passphrase] = None
    errors: FieldErrors

    def read_key(self) -> Passphrase:
        raise NotImplementedError

    def try_accept(self) -> bool:
        self.errors.clear()
        try:
            key = self.read_key()
        except DomainError as error:
            self.errors.show(error)
            fit_height(self)
            return False
        self.key = key
        self.accept()
        return True


class EncryptDialog(NewKeyDialog):
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

    def read_key(self) -> Passphrase:
        key = self.fields.read()
        if not self.understood.isChecked():
            raise DomainError("Cochez cette case une fois la phrase secrète notée : elle ne pourra pas être "
                              "retrouvée.", "understood")
        return key


def encrypt_open_base(window: QMainWindow) -> Optional[ConversionResult]:
    """Ask, convert in a worker with the base closed, then go on working on the encrypted base."""
    ctx = window.ctx  # type: ignore[attr-defined]
    path: Path = ctx.db_path
    if not _coordinator(window, "chiffrer la base"):
        return None
    if ctx.key is not None or is_encrypted(path):
        QMessageBox.information(window, "Chiffrer la base", "Cette base est déjà chiffrée.")
        return None
    backups = [b.path for b in list_backups(path)]
    dialog = EncryptDialog(path, len(backups), window)
    if not dialog.exec() or dialog.key is None:
        return None
    key = dialog.key
    result = _run_closed(window, "Chiffrement de la base et de ses sauvegardes…",
                         lambda: encrypt_database(path, key, backups), lambda: key)
    if result is None:
        return None
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


class ChangePassphraseDialog(NewKeyDialog):
    """The current passphrase, then the new one twice; accepted with ``key`` (the new one) set."""

    def __init__(self, current: Passphrase, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Changer la phrase secrète")
        self.setObjectName("rekey_dialog")
        self._current = current
        self.key: Optional[Passphrase] = None
        self.errors = FieldErrors(QLabel(self))
        intro = QLabel("<h3>Changer la phrase secrète</h3>La base et ses sauvegardes seront rechiffrées avec la "
                       "nouvelle phrase ; l'ancienne ne les ouvrira plus. Les copies rangées ailleurs (clé USB…) "
                       "gardent l'ancienne.", self)
        intro.setWordWrap(True)
        warning = QLabel(LOST_WARNING, self)
        warning.setWordWrap(True)
        warning.setStyleSheet("color: #a93226;")
        form = QFormLayout()
        self.current = secret_edit(self, "current_passphrase")
        self.errors.add_row(form, "Phrase actuelle :", "current", self.current)
        self.fields = NewPassphraseFields(self, form, self.errors)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(warning)
        layout.addLayout(form)
        layout.addWidget(self.errors.banner)
        layout.addStretch(1)
        layout.addWidget(ok_cancel(self, "Changer la phrase secrète", self.try_accept))
        self.setMinimumWidth(520)

    def read_key(self) -> Passphrase:
        if Passphrase(self.current.text() or " ") != self._current:
            raise DomainError("Phrase secrète actuelle incorrecte.", "current")
        key = self.fields.read()
        if key == self._current:
            raise DomainError("La nouvelle phrase secrète est identique à l'actuelle.", "passphrase")
        return key


def change_open_base_passphrase(window: QMainWindow) -> Optional[ConversionResult]:
    """Coordinator only: rekey the open base and its backups, then go on working with the new key."""
    ctx = window.ctx  # type: ignore[attr-defined]
    if ctx.key is None or not _coordinator(window, "changer la phrase secrète de la base"):
        return None
    dialog = ChangePassphraseDialog(ctx.key, window)
    if not dialog.exec() or dialog.key is None:
        return None
    old, new = ctx.key, dialog.key
    backups = [b.path for b in list_backups(ctx.db_path)]
    done: dict[str, Passphrase] = {}

    def work() -> ConversionResult:
        result = change_passphrase(ctx.db_path, old, new, backups)
        done["key"] = new
        return result

    result = _run_closed(window, "Nouvelle phrase secrète pour la base et ses sauvegardes…", work,
                         lambda: done.get("key", old))
    if result is None:
        return None
    log.info("Phrase secrète changée : %s", ctx.db_path)
    lines = [f"La base « {ctx.db_path.name} » s'ouvre désormais avec la nouvelle phrase secrète.",
             f"{len(result.backups_encrypted)} sauvegarde(s) rechiffrée(s) avec elle."]
    lines += [f"La sauvegarde « {b.name} » garde l'ancienne phrase ({reason})." for b, reason in result.backups_failed]
    QMessageBox.information(window, "Phrase secrète changée", "\n\n".join(lines))
    return result
