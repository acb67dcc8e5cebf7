"""The logged-in user's own actions in the Fichier menu: change my password, lock (Ctrl+L,
from any window of the app), log out; and the idle lock of the main window."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QVBoxLayout, QWidget

from ..services import auth
from ..services.errors import DomainError
from .context import AppContext
from .forms import FieldErrors
from .lock import IdleLock
from .login_dialog import password_edit, rules_label
from .widgets import ok_cancel

if TYPE_CHECKING:
    from .main_window import MainWindow


class ChangePasswordDialog(QDialog):
    """The old password, the new one twice; refusals under their field."""

    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Changer mon mot de passe")
        self.setObjectName("change_password")
        layout = QVBoxLayout(self)
        who = ctx.user
        intro = QLabel(f"Compte : <b>{who.name if who else ''}</b> ({who.login if who else ''})", self)
        rules = rules_label(self)
        self.errors = FieldErrors(QLabel(self))
        form = QFormLayout()
        self.old = password_edit(self, "old_password")
        self.new = password_edit(self, "password")
        self.confirmation = password_edit(self, "confirmation")
        self.errors.add_row(form, "&Mot de passe actuel :", "old_password", self.old)
        self.errors.add_row(form, "&Nouveau mot de passe :", "password", self.new)
        self.errors.add_row(form, "&Confirmer :", "confirmation", self.confirmation)
        layout.addWidget(intro)
        layout.addWidget(rules)
        layout.addLayout(form)
        layout.addWidget(self.errors.banner)
        layout.addWidget(ok_cancel(self, "Enregistrer", self.save))
        self.setMinimumWidth(460)

    def save(self) -> bool:
        old, new, again = self.old.text(), self.new.text(), self.confirmation.text()
        try:
            auth.kept_even_if_refused(self.ctx.factory, self.ctx.user_id,
                                      lambda s: auth.change_own_password(s, old, new, confirmation=again))
        except DomainError as error:
            self.errors.show(error)
            return False
        self.accept()
        return True


def install(window: "MainWindow") -> None:
    """The idle lock and the account actions, in the Fichier menu before Quitter."""
    ctx = window.ctx
    window.idle_lock = IdleLock(ctx, window)
    ctx.settings_changed.connect(lambda: window.idle_lock.set_timeout())
    ctx.database_changed.connect(lambda: window.idle_lock.set_timeout())

    window.change_password_action = QAction("&Changer mon mot de passe…", window)
    window.change_password_action.setStatusTip("Choisir un nouveau mot de passe pour votre compte")
    window.change_password_action.triggered.connect(lambda: ChangePasswordDialog(ctx, window).exec())
    window.lock_action = QAction("&Verrouiller", window)
    window.lock_action.setShortcut(QKeySequence("Ctrl+L"))
    window.lock_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)  # from a child's file too
    window.lock_action.setStatusTip("Masquer les données jusqu'à la saisie de votre mot de passe (Ctrl+L)")
    window.lock_action.triggered.connect(lambda: window.idle_lock.lock())  # by hand: not "after N minutes"
    window.logout_action = QAction("Se &déconnecter", window)
    window.logout_action.setStatusTip("Fermer la session et revenir à la connexion")
    window.logout_action.triggered.connect(window.log_out)
    menu = window.file_menu
    for action in (window.change_password_action, window.lock_action, window.logout_action):
        menu.insertAction(window.quit_action, action)
        window.addAction(action)
    menu.insertSeparator(window.quit_action)
