"""The people working in the app: their accounts, roles, and the lists forms offer.

Accounts are managed by a coordinator only (the command line too: it holds the file).
The last active coordinator can be neither deactivated nor given another role: nobody
could then manage accounts nor settings. Changes to an account are traced by the audit
trail (``User.__audit_ignore__`` keeps the password hash and the login counters out of
it); passwords and logins are in ``services.auth``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..models import Role, User
from .access import require_role
from .common import check_version, get_or_fail, optional_text, required_text
from .errors import DomainError
from .labels import label


@dataclass(frozen=True)
class UserRow:
    id: int
    login: str
    name: str
    role: Role
    role_label: str
    active: bool


def _row(user: User) -> UserRow:
    return UserRow(user.id, user.login, f"{user.first_name} {user.last_name}", user.role, label(user.role), user.active)


def list_users(session: Session, *, active_only: bool = True, role: Optional[Role] = None) -> list[UserRow]:
    query = select(User).order_by(User.last_name, User.first_name)
    if active_only:
        query = query.where(User.active.is_(True))
    if role is not None:
        query = query.where(User.role == role)
    return [_row(u) for u in session.scalars(query)]


def user_row(session: Session, user_id: int) -> Optional[UserRow]:
    user = session.get(User, user_id)
    return _row(user) if user is not None else None


def default_user(session: Session) -> Optional[UserRow]:
    """The first active coordinator (or user): who a window built by a test or a tool acts
    as; the app itself always goes through the login (ui.login_dialog)."""
    first_coordinator = case((User.role == Role.COORDINATOR, 0), else_=1)
    user = session.scalars(
        select(User).where(User.active.is_(True)).order_by(first_coordinator, User.id).limit(1)
    ).first()
    return _row(user) if user else None


def _role(value: Any) -> Role:
    """A role given as the enum or its code (a combo box's data comes back as text)."""
    try:
        return value if isinstance(value, Role) else Role(value)
    except ValueError:
        raise DomainError(f"Rôle inconnu : « {value} ».", "role") from None


_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")


def create_user(session: Session, *, login: Any, first_name: Any, last_name: Any, role: Role = Role.COORDINATOR,
                phone: Any = None, email: Any = None, password: Optional[str] = None,
                confirmation: Optional[str] = None) -> User:
    """A new account; the login is lower-case letters, digits, '.', '_' or '-' and unique.

    ``password`` (checked by ``auth.check_new_password``; ``confirmation``, when given, must
    repeat it) is its initial password; without one the account cannot log in until a
    coordinator gives it one.
    """
    require_role(session, Role.COORDINATOR, what="créer un compte")
    clean_login = required_text(login, "login", "Identifiant", 40).lower()
    if not _LOGIN.match(clean_login):
        raise DomainError(
            "L'identifiant doit compter 2 à 40 caractères : lettres sans accent, chiffres, « . », « _ » ou « - » "
            "(par exemple « c.martin »).", "login")
    first = required_text(first_name, "first_name", "Prénom", 100)
    last = required_text(last_name, "last_name", "Nom", 100)
    role = _role(role)
    clean_phone = optional_text(phone, "phone", "Téléphone", 40)
    clean_email = optional_text(email, "email", "Courriel", 200)
    if session.scalars(select(User).where(User.login == clean_login)).first() is not None:
        raise DomainError(f"L'identifiant « {clean_login} » est déjà utilisé.", "login")
    password_hash = None
    if password is not None:
        from .auth import check_new_password, hash_password

        check_new_password(password, confirmation, login=clean_login, first_name=first, last_name=last)
        password_hash = hash_password(password)
    user = User(login=clean_login, first_name=first, last_name=last, role=role, phone=clean_phone,
                email=clean_email, active=True, password_hash=password_hash)
    session.add(user)
    session.flush()
    return user


@dataclass(frozen=True)
class AccountRow:
    """One line of the coordinator's list of accounts."""

    id: int
    login: str
    name: str
    role: Role
    role_label: str
    active: bool
    has_password: bool
    last_login_at: Optional[dt.datetime]
    locked_out: bool  # 5 failures or more in a row: the next try waits


def list_accounts(session: Session) -> list[AccountRow]:
    """Every account, active ones first: the coordinator's list."""
    require_role(session, Role.COORDINATOR, what="gérer les comptes")
    query = select(User).order_by(User.active.desc(), User.last_name, User.first_name)
    return [AccountRow(u.id, u.login, u.full_name, u.role, label(u.role), u.active, bool(u.password_hash),
                       u.last_login_at, (u.failed_logins or 0) >= 5) for u in session.scalars(query)]


def _other_active_coordinators(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(User).where(
        User.active.is_(True), User.role == Role.COORDINATOR, User.id != user.id)) or 0


def _keep_a_coordinator(session: Session, user: User, field: str, what: str) -> None:
    if user.active and user.role is Role.COORDINATOR and not _other_active_coordinators(session, user):
        raise DomainError(f"{user.full_name} est le seul compte de coordination actif : on ne peut pas {what}. "
                          "Créez ou réactivez d'abord un autre compte de coordonnateur(trice).", field)


def change_role(session: Session, user_id: int, role: Any, *, expected_version: Optional[int] = None) -> User:
    require_role(session, Role.COORDINATOR, what="changer le rôle d'un compte")
    user = get_or_fail(session, User, user_id, "Compte")
    check_version(user, expected_version, "Ce compte")
    role = _role(role)
    if role is not user.role:
        if role is not Role.COORDINATOR:
            _keep_a_coordinator(session, user, "role", "lui retirer ce rôle")
        user.role = role
        session.flush()
    return user


def set_active(session: Session, user_id: int, active: bool, *, expected_version: Optional[int] = None) -> User:
    """Deactivate (the account can no longer log in; its past work keeps its name) or reactivate."""
    require_role(session, Role.COORDINATOR, what="désactiver ou réactiver un compte")
    user = get_or_fail(session, User, user_id, "Compte")
    check_version(user, expected_version, "Ce compte")
    if not active:
        if user.id == session.info.get("user_id"):
            raise DomainError("Vous ne pouvez pas désactiver votre propre compte.", "active")
        _keep_a_coordinator(session, user, "active", "le désactiver")
    if user.active != bool(active):
        user.active = bool(active)
        if active:
            user.failed_logins = 0
            user.last_failed_at = None
        session.flush()
    return user
