"""The people working in the app: who is acting, and the lists forms offer.

Until accounts and login exist, the window acts as the first active coordinator (or,
failing that, the first active user): every change is still attributed to someone in
the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from ..models import Role, User
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
