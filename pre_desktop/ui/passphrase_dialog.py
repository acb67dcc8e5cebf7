"""The passphrase of an encrypted base: asked at opening, chosen when a base is encrypted.

Asked before anything reads the base (before migrations and the login): a wrong one is
refused in the dialog, under its field, and the file is not touched; the user may try
again or give up. The passphrase is kept in memory only (never in QSettings or the log).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from .. import APP_NAME
from ..encryption import MIN_LENGTH, Passphrase, WrongPassphrase, new_passphrase, verify
from ..services.errors import DomainError
from .form_dialog import fit_height
from .forms import FieldErrors
from .login_dialog import password_edit
from .widgets import ok_cancel

LOST_WARNING = ("<b>Une phrase secrète perdue ne se récupère pas</b> : personne, pas même l'éditeur, ne pourra "
                "ouvrir la base ni ses sauvegardes sans elle. Notez-la et rangez-la en lieu sûr (coffre, "
                "enveloppe scellée chez le porteur du PRE).")


secret_edit = password_edit  # the same masked field as the login's password


class PassphraseDialog(QDialog):
    """Accepted once the typed passphrase opens the base: ``key`` holds it.

    ``attempts`` counts the refused ones and ``last_attempt`` keeps the last: after a
    cancel, a restore of (encrypted) backups can still use what the user typed.
    """

    def __init__(self, path: Path, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self.key: Optional[Passphrase] = None
        self.last_attempt: Optional[Passphrase] = None
        self.attempts = 0
        self.setWindowTitle(f"Base chiffrée — {APP_NAME}")
        self.setObjectName("passphrase_dialog")
        self.setWindowIcon(QApplication.windowIcon())
        self.errors = FieldErrors()
        intro = QLabel(f"<h3>Base chiffrée</h3>La base <b>{self.path.name}</b> est chiffrée. "
                       "Saisissez sa phrase secrète pour l'ouvrir.", self)
        intro.setWordWrap(True)
        where = QLabel(f"Dossier : {self.path.parent}", self)
        where.setStyleSheet("color: #555;")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.passphrase = secret_edit(self, "passphrase")
        self.show_text = QCheckBox("Afficher la saisie", self)
        self.show_text.toggled.connect(lambda on: self.passphrase.setEchoMode(
            QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password))
        form = QFormLayout()
        self.errors.add_row(form, "Phrase secrète :", "passphrase", self.passphrase)
        form.addRow("", self.show_text)
        buttons = ok_cancel(self, "Ouvrir la base", self.try_open)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(where)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)
        self.passphrase.setFocus()

    def try_open(self) -> bool:
        """Check the typed passphrase against the file (read-only); accept only if it opens it."""
        self.errors.clear()
        text = self.passphrase.text()
        if not text:
            self.errors.show(DomainError("Saisissez la phrase secrète de la base.", "passphrase"))
            fit_height(self)
            return False
        key = Passphrase(text)
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            verify(self.path, key)
        except WrongPassphrase:
            self.attempts += 1
            self.last_attempt = key
            self.errors.show(DomainError(
                "Phrase secrète incorrecte. Vérifiez la saisie (majuscules, accents, espaces) et réessayez."
                + (" Si vous êtes sûr(e) de la phrase, le fichier est peut-être endommagé : annulez pour "
                   "restaurer une sauvegarde." if self.attempts >= 3 else ""), "passphrase"))
            self.passphrase.selectAll()
            self.passphrase.setFocus()
            fit_height(self)
            return False
        except DomainError as error:
            self.errors.show(DomainError(error.message, "passphrase"))
            fit_height(self)
            return False
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.key = key
        self.accept()
        return True


def ask_passphrase(parent: Optional[QWidget], path: Path) -> PassphraseDialog:
    """The dialog after it closed: ``key`` is set when the passphrase opened the base."""
    dialog = PassphraseDialog(path, parent)
    dialog.exec()
    return dialog


class NewPassphraseFields:
    """The two fields where a new passphrase is chosen, with the rule shown beside them.

    ``read()`` returns the Passphrase, or raises the service's DomainError on the field
    to highlight (``passphrase`` / ``passphrase_confirmation``).
    """

    def __init__(self, parent: QWidget, form: QFormLayout, errors: FieldErrors) -> None:
        self.passphrase = secret_edit(parent, "new_passphrase")
        self.passphrase.setPlaceholderText(f"au moins {MIN_LENGTH} caractères : une courte phrase")
        self.confirmation = secret_edit(parent, "passphrase_confirmation")
        self.show_text = QCheckBox("Afficher la saisie", parent)
        self.show_text.toggled.connect(self._echo)
        errors.add_row(form, "Phrase secrète :", "passphrase", self.passphrase)
        errors.add_row(form, "Confirmer :", "passphrase_confirmation", self.confirmation)
        form.addRow("", self.show_text)

    def _echo(self, visible: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if visible else QLineEdit.EchoMode.Password
        self.passphrase.setEchoMode(mode)
        self.confirmation.setEchoMode(mode)

    def read(self) -> Passphrase:
        return new_passphrase(self.passphrase.text(), self.confirmation.text())

    def setEnabled(self, enabled: bool) -> None:  # noqa: N802 - Qt naming, used as a slot
        for widget in (self.passphrase, self.confirmation, self.show_text):
            widget.setEnabled(enabled)
