"""The login: who works in the app, asked after the base is opened and before any window.

Login and password, Entrée validates; a refusal is shown under its field (the same words
for an unknown login and a wrong password; the wait after 5 failures). A failure is
counted even though the login is refused (``auth.kept_even_if_refused``).

A base nobody has secured yet (made before accounts had passwords): its coordinator's
login, without a password, leads to a second page where they choose one (twice) and
are logged in; that path closes once a coordinator has a password (``services.auth``).
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session, sessionmaker

from .. import APP_NAME
from ..demo import demo_hint
from ..services import auth
from ..services.errors import DomainError
from ..services.users import UserRow, user_row
from .forms import FieldErrors
from .widgets import ok_cancel

LAST_LOGIN_KEY = "last_login"


def password_edit(parent: QWidget, name: str) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setObjectName(name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMaxLength(200)
    return edit


def rules_label(parent: QWidget) -> QLabel:
    """What a password must be, said before it is refused."""
    rules = QLabel(f"Au moins {auth.MIN_LENGTH} caractères, dont trois sortes parmi minuscules, majuscules, "
                   "chiffres et autres signes ; ni votre identifiant ni votre nom.", parent)
    rules.setWordWrap(True)
    rules.setStyleSheet("color: #555;")
    return rules


class LoginDialog(QDialog):
    """Accepted once someone is logged in: ``user`` holds them."""

    def __init__(self, factory: sessionmaker[Session], base_name: str, settings: Optional[QSettings] = None,
                 parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.factory = factory
        self.settings = settings
        self.user: Optional[UserRow] = None
        self._first_user_id: Optional[int] = None
        self.setWindowTitle(f"Connexion — {APP_NAME}")
        self.setObjectName("login")
        self.setWindowIcon(QApplication.windowIcon())
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._login_page(base_name))
        self.pages.addWidget(self._first_password_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.setMinimumWidth(460)
        remembered = str(settings.value(LAST_LOGIN_KEY, "")) if settings is not None else ""
        self.login.setText(remembered)
        (self.password if remembered else self.login).setFocus()
        self._show_page(0)

    # --- pages -------------------------------------------------------------------------

    def _login_page(self, base_name: str) -> QWidget:
        page = QWidget(self)
        title = QLabel(f"<h3>{APP_NAME}</h3>", page)
        where = QLabel(f"Base : <b>{base_name}</b>", page)
        where.setTextFormat(Qt.TextFormat.RichText)
        self.errors = FieldErrors(QLabel(page))
        form = QFormLayout()
        self.login = QLineEdit(page)
        self.login.setObjectName("login")
        self.login.setMaxLength(80)
        self.password = password_edit(page, "password")
        self.errors.add_row(form, "&Identifiant :", "login", self.login)
        self.errors.add_row(form, "&Mot de passe :", "password", self.password)
        self.hint = QLabel(page)
        self.hint.setObjectName("demo_hint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555;")
        with self.factory() as session:
            hint = demo_hint(session)
        self.hint.setText(hint or "")
        self.hint.setVisible(bool(hint))
        self.buttons = ok_cancel(self, "Se connecter", self.try_login)
        self.buttons.button(self.buttons.StandardButton.Cancel).setText("Quitter")
        layout = QVBoxLayout(page)
        layout.addWidget(title)
        layout.addWidget(where)
        layout.addLayout(form)
        layout.addWidget(self.errors.banner)
        layout.addWidget(self.hint)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        return page

    def _first_password_page(self) -> QWidget:
        page = QWidget(self)
        self.first_title = QLabel(page)
        explain = QLabel(
            "Cette base n'est pas encore protégée par un mot de passe (elle a été créée avant les comptes, ou "
            "aucun compte de coordination n'en a). Choisissez maintenant le vôtre : il sera demandé à chaque "
            "ouverture et après une période d'inactivité. Vous attribuerez ensuite un mot de passe à chaque "
            "collègue dans l'espace « Utilisateurs ».", page)
        explain.setWordWrap(True)
        rules = rules_label(page)
        self.first_errors = FieldErrors(QLabel(page))
        form = QFormLayout()
        self.new_password = password_edit(page, "new_password")
        self.confirmation = password_edit(page, "confirmation")
        self.first_errors.add_row(form, "&Nouveau mot de passe :", "password", self.new_password)
        self.first_errors.add_row(form, "&Confirmer :", "confirmation", self.confirmation)
        self.first_buttons = ok_cancel(self, "Enregistrer et se connecter", self.choose_first_password)
        self.first_buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Quitter")
        back = QPushButton("Retour", page)
        back.clicked.connect(self._back)
        self.first_buttons.addButton(back, self.first_buttons.ButtonRole.ResetRole)
        layout = QVBoxLayout(page)
        layout.addWidget(self.first_title)
        layout.addWidget(explain)
        layout.addWidget(rules)
        layout.addLayout(form)
        layout.addWidget(self.first_errors.banner)
        layout.addStretch(1)
        layout.addWidget(self.first_buttons)
        return page

    def _show_page(self, number: int) -> None:
        """Entrée clicks the shown page's main button (the dialog's default button)."""
        self.pages.setCurrentIndex(number)
        ok = QDialogButtonBox.StandardButton.Ok
        self.buttons.button(ok).setDefault(number == 0)
        self.first_buttons.button(ok).setDefault(number == 1)

    def _back(self) -> None:
        self._first_user_id = None
        self._show_page(0)
        self.password.setFocus()

    # --- actions -----------------------------------------------------------------------

    def try_login(self) -> bool:
        login, password = self.login.text(), self.password.text()
        if not login.strip():
            self.login.setFocus()
            return False
        try:
            if not password:  # Entrée after the login: on to the password, unless it has none yet
                auth.kept_even_if_refused(self.factory, None, lambda s: auth.check_password_set(s, login))
                self.errors.clear()
                self.password.setFocus()
                return False
            user_id = auth.kept_even_if_refused(self.factory, None,
                                                lambda s: auth.authenticate(s, login, password).id)
        except auth.PasswordNotSetError as missing:
            if missing.first_password_allowed:
                self._first_user_id = missing.user_id
                self.errors.clear()
                self.first_title.setText(f"<h3>Premier mot de passe pour « {login.strip().lower()} »</h3>")
                self._show_page(1)
                self.new_password.setFocus()
                return False
            self.errors.show(missing)
            return False
        except DomainError as error:
            self.password.clear()
            self.errors.show(error)
            return False
        return self._logged_in(user_id)

    def choose_first_password(self) -> bool:
        if self._first_user_id is None:
            return False
        user_id, password, confirmation = self._first_user_id, self.new_password.text(), self.confirmation.text()
        if password and not confirmation and self.new_password.hasFocus():
            self.confirmation.setFocus()
            return False
        try:
            with self.factory.begin() as session:
                auth.set_first_password(session, user_id, password, confirmation)
        except DomainError as error:
            self.first_errors.show(error)
            return False
        return self._logged_in(user_id)

    def _logged_in(self, user_id: int) -> bool:
        with self.factory() as session:
            self.user = user_row(session, user_id)
        if self.settings is not None and self.user is not None:
            self.settings.setValue(LAST_LOGIN_KEY, self.user.login)
        self.accept()
        return True


def ask_login(parent: Optional[QWidget], factory: sessionmaker[Session], base_name: str,
              settings: Optional[QSettings] = None) -> Optional[UserRow]:
    """The logged-in user, or None if they gave up (Quitter / Échap)."""
    dialog = LoginDialog(factory, base_name, settings, parent)
    return dialog.user if dialog.exec() else None
