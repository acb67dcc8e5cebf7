"""The Utilisateurs area (coordinator only): the accounts, and what a coordinator does with them.

A list over ``services.users.list_accounts``; create an account with its first password,
change a role, deactivate or reactivate, give a new password (forgotten, or an account
from before passwords). Each dialog is one service call; a refusal (weak password, the
last coordinator, a login taken) is shown on its field and nothing is written.
"""

from __future__ import annotations

from typing import Any, Optional

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget

from ..formatting import fr_date
from ..models import Role
from ..services import auth
from ..services.errors import DomainError
from ..services.labels import label
from ..services.users import AccountRow, change_role, create_user, list_accounts, set_active
from .context import AppContext
from .fields import ChoiceField, FieldSet, TextField
from .form_dialog import FormDialog
from .forms import confirm, run_action
from .rows_model import Column, RowsView
from .widgets import area_layout, push_button

# The roles that see this area (ui.areas decides from it which areas each role has).
ROLES = frozenset({Role.COORDINATOR})
ROLE_CHOICES = [(label(role), role) for role in (Role.REFERENT, Role.COORDINATOR, Role.SECRETARIAT)]


def visible_for(role: Optional[Role]) -> bool:
    """Whether a user with ``role`` has the Utilisateurs area (the services refuse the others anyway)."""
    return role in ROLES


class PasswordField(TextField):
    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent, max_length=200)
        self.widget.setEchoMode(QLineEdit.EchoMode.Password)

    def value(self) -> str:
        return self.widget.text()  # as typed: spaces count in a password


def _last_login(row: AccountRow) -> str:
    return fr_date(row.last_login_at.date()) if row.last_login_at else "jamais"


def _state(row: AccountRow) -> str:
    if not row.active:
        return "Désactivé"
    if not row.has_password:
        return "Sans mot de passe"
    if row.locked_out:
        return "Essais en échec"
    return "Actif"


COLUMNS = [
    Column("Nom", lambda r: r.name),
    Column("Identifiant", lambda r: r.login),
    Column("Rôle", lambda r: r.role_label),
    Column("État", _state, tone=lambda r: None if r.active and r.has_password else "warning"),
    Column("Dernière connexion", _last_login, sort=lambda r: r.last_login_at),
]


class UsersArea(QWidget):
    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout, top = area_layout(self, "Utilisateurs")
        intro = QLabel("Chaque personne a son compte : son rôle décide de ce qu'elle voit (coordination : tout ; "
                       "référent(e) : sa file active et les dossiers partagés ; secrétariat : partenaires, "
                       "conventions et saisie des séances). Un compte désactivé ne peut plus se connecter ; "
                       "son travail passé garde son nom.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.list = RowsView(COLUMNS, "Aucun compte.", self, name="accounts", search=lambda r: f"{r.name} {r.login}")
        self.list.activated.connect(lambda _row: self.change_role())
        self.list.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        layout.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        self.new_button = push_button(self, "&Nouveau compte…", "new_account", self.new_account)
        self.role_button = push_button(self, "Changer le &rôle…", "change_role", self.change_role)
        self.password_button = push_button(self, "Attribuer un &mot de passe…", "reset_password", self.reset_password)
        self.active_button = push_button(self, "&Désactiver", "toggle_active", self.toggle_active)
        for button in (self.new_button, self.role_button, self.password_button, self.active_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        try:
            with self.ctx.read() as session:
                rows = list_accounts(session)
        except DomainError:  # not a coordinator (the area is not offered then)
            rows = []
        self.list.set_rows(rows)
        self._enable()

    def _enable(self) -> None:
        row: Optional[AccountRow] = self.list.selected()
        for button in (self.role_button, self.password_button, self.active_button):
            button.setEnabled(row is not None)
        self.active_button.setText("Réa&ctiver" if row is not None and not row.active else "&Désactiver")

    def _done(self, login: str) -> None:
        self.ctx.data_changed.emit()
        self.refresh()
        self.list.select(lambda r: r.login == login)

    # --- actions -----------------------------------------------------------------------

    def new_account(self) -> Optional[Any]:
        rows = [("first_name", "Prénom* :", TextField(max_length=100)),
                ("last_name", "Nom* :", TextField(max_length=100)),
                ("login", "Identifiant* :", TextField(max_length=40, placeholder="par exemple c.martin")),
                ("role", "Rôle* :", ChoiceField(ROLE_CHOICES)),
                ("phone", "Téléphone :", TextField(max_length=40)),
                ("email", "Courriel :", TextField(max_length=200)),
                ("password", "Mot de passe* :", PasswordField()),
                ("confirmation", "Confirmer* :", PasswordField())]

        def save(fields: FieldSet, _confirm: bool) -> str:
            with self.ctx.write() as session:
                return create_user(session, **fields.values()).login

        dialog = FormDialog(self, "Nouveau compte", rows, {"role": Role.REFERENT}, save)
        dialog.setObjectName("new_account_dialog")
        if dialog.exec():
            self._done(dialog.result_value)
            return dialog.result_value
        return None

    def change_role(self) -> bool:
        row: Optional[AccountRow] = self.list.selected()
        if row is None:
            return False

        def save(fields: FieldSet, _confirm: bool) -> str:
            with self.ctx.write() as session:
                return change_role(session, row.id, fields.values()["role"]).login

        dialog = FormDialog(self, f"Rôle de {row.name}", [("role", "Rôle :", ChoiceField(ROLE_CHOICES))],
                            {"role": row.role}, save)
        dialog.setObjectName("role_dialog")
        if dialog.exec():
            self._done(row.login)
            return True
        return False

    def reset_password(self) -> bool:
        row: Optional[AccountRow] = self.list.selected()
        if row is None:
            return False

        def save(fields: FieldSet, _confirm: bool) -> str:
            with self.ctx.write() as session:
                return auth.set_password(session, row.id, **fields.values()).login

        dialog = FormDialog(self, f"Mot de passe de {row.name}",
                            [("password", "Nouveau mot de passe :", PasswordField()),
                             ("confirmation", "Confirmer :", PasswordField())], {}, save)
        dialog.setObjectName("password_dialog")
        if dialog.exec():
            self._done(row.login)
            return True
        return False

    def toggle_active(self) -> bool:
        row: Optional[AccountRow] = self.list.selected()
        if row is None:
            return False
        if row.active and not confirm(self, "Désactiver le compte",
                                      f"{row.name} ne pourra plus se connecter. Son travail passé garde son nom ; "
                                      "le compte pourra être réactivé.", yes="Désactiver"):
            return False

        def action(_confirm: bool) -> str:
            with self.ctx.write() as session:
                return set_active(session, row.id, not row.active).login

        if run_action(self, action, title="Compte") is None:
            return False
        self._done(row.login)
        return True
