"""The people working in the app: who is acting, and the lists forms offer.

Until accounts and login exist, the window acts as the first active coordinator (or,
failing that, the first active user): every change is still attributed to someone in
the audit trail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from ..models import Role, User
from .common import optional_text, required_text
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


def default_user(session: Session) -> Optional[UserRow]:
    """The user the window acts as when nobody has logged in (coordinator first)."""
    first_coordinator = case((User.role == Role.COORDINATOR, 0), else_=1)
    user = session.scalars(
        select(User).where(User.active.is_(True)).order_by(first_coordinator, User.id).limit(1)
    ).first()
    return _row(user) if user else None


_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")


def create_user(session: Session, *, login: Any, first_name: Any, last_name: Any, role: Role = Role.COORDINATOR,
                phone: Any = None, email: Any = None) -> User:
    """A new account; the login is lower-case letters, digits, '.', '_' or '-' and unique."""
    clean_login = required_text(login, "login", "Identifiant", 40).lower()
    if not _LOGIN.match(clean_login):
        raise DomainError(
            "L'identifiant doit compter 2 à 40 caractères : lettres sans accent, chiffres, « . », « _ » ou « - » "
            "(par exemple « c.martin »).", "login")
    first = required_text(first_name, "first_name", "Prénom", 100)
    last = required_text(last_name, "last_name", "Nom", 100)
    if not isinstance(role, Role):
        raise DomainError(f"Rôle inconnu : « {role} ».", "role")
    clean_phone = optional_text(phone, "phone", "Téléphone", 40)
    clean_email = optional_text(email, "email", "Courriel", 200)
    if session.scalars(select(User).where(User.login == clean_login)).first() is not None:
        raise DomainError(f"L'identifiant « {clean_login} » est déjà utilisé.", "login")
    user = User(login=clean_login, first_name=first, last_name=last, role=role, phone=clean_phone,
                email=clean_email, active=True)
    session.add(user)
    session.flush()
    return user
