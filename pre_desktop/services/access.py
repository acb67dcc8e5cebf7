"""Who is acting, and what their role lets them do (issue 9).

Rules are enforced here, in the services, not only hidden in the window: a service
reads the acting user from ``session.info["user_id"]`` (set by the window's
``ctx.read()`` / ``ctx.write()`` and by :func:`pre_desktop.db.session_scope`).

A session without a user is the command line or the app's own maintenance (migrations,
backups, demo data): whoever holds the file — and, for an encrypted base, its
passphrase — is trusted with it.
"""

from __future__ import annotations

from typing import Optional

from sqlalchemy.orm import Session

from ..models import Role, User
from .errors import PermissionDeniedError

ROLE_NAMES = {
    Role.COORDINATOR: "coordinateur",
    Role.REFERENT: "référent de parcours",
    Role.SECRETARIAT: "secrétariat",
}


def acting_user(session: Session) -> Optional[User]:
    """The logged-in user of this session, or None for the command line."""
    user_id = session.info.get("user_id")
    if user_id is None:
        return None
    cache = session.info.setdefault("_acting_user", {})
    user = cache.get(user_id)
    if user is None or user not in session:
        user = session.get(User, user_id)
        cache[user_id] = user
    return user


def acting_role(session: Session) -> Optional[Role]:
    user = acting_user(session)
    return user.role if user is not None else None


def require_role(session: Session, *roles: Role, what: str) -> None:
    """Refuse, in French, an action the acting user's role does not allow.

    ``what`` completes "Votre rôle ne permet pas de …" (e.g. "gérer les comptes").
    No user (command line) passes.
    """
    role = acting_role(session)
    if role is None or role in roles:
        return
    raise PermissionDeniedError(
        f"Votre rôle ({ROLE_NAMES.get(role, str(role))}) ne permet pas de {what}.", None)
