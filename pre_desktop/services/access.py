"""Who is acting, and what their role lets them do (issue 9).

Rules are enforced here, in the services, not only hidden in the window: a service
reads the acting user from ``session.info["user_id"]`` (set by the window's
``ctx.read()`` / ``ctx.write()`` and by :func:`pre_desktop.db.session_scope`).

A session without a user is the command line or the app's own maintenance (migrations,
backups, demo data): whoever holds the file — and, for an encrypted base, its
passphrase — is trusted with it.

The three roles (CNIL référentiels: access limited to what each role needs; secret
partagé, CASF L.121-6-2: share only what is strictly necessary):

- coordinateur: every file;
- référent de parcours: the children of their caseload (``children.referent_id``) and
  the files a coordinator shared with them (``child_shares``);
- secrétariat: partners, conventions and session entry (the beneficiaries' names of a
  partner's month); never a child's file, nor its notes and reasons.

Two helpers carry the rule to every service: :func:`visible_children`, one SQL
condition on a child-id column that every list adds to its query (so a list of 20,000
files stays one query), and :func:`require_child`, which every service reading or
writing one child's data calls first.
"""

from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import false, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ..models import Child, ChildShare, Family, Role, User
from .errors import DomainError, NotFoundError, PermissionDeniedError

ROLE_NAMES = {
    Role.COORDINATOR: "coordinateur",
    Role.REFERENT: "référent de parcours",
    Role.SECRETARIAT: "secrétariat",
}

OUT_OF_CASELOAD = ("Ce dossier n'est pas dans votre file active : seuls son ou sa référent(e), la coordination "
                   "et les référent(e)s à qui la coordination l'a partagé peuvent le consulter.")
NO_CHILD_FILE = ("Votre rôle (secrétariat) ne permet pas d'ouvrir le dossier d'un enfant : il est réservé aux "
                 "référent(e)s de parcours et à la coordination (secret partagé).")
ARCHIVED = "Ce dossier est archivé : il ne peut plus être modifié."
ARCHIVED_FOR_COORDINATOR = ("Ce dossier est archivé : seule la coordination peut le consulter, en indiquant un "
                            "motif.")


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
    """The acting user's role, read once per session: every list asks, and a screen's
    refresh (``expire_all``) must not cost one more query each time."""
    user_id = session.info.get("user_id")
    if user_id is None:
        return None
    roles = session.info.setdefault("_acting_role", {})
    if user_id not in roles:
        user = acting_user(session)
        roles[user_id] = user.role if user is not None else None
    return roles[user_id]


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


def require_coordinator(session: Session, what: str) -> None:
    require_role(session, Role.COORDINATOR, what=what)


def sees_every_file(session: Session) -> bool:
    """The command line and the coordinator: no filter on the children."""
    return acting_role(session) in (None, Role.COORDINATOR)


def may_read_notes(session: Session) -> bool:
    """Notes, reasons and motives of a file (health, family): never the secretariat's."""
    return acting_role(session) is not Role.SECRETARIAT


def redacted(session: Session, text: Any) -> Any:
    """The text, or None for a role that may not read notes and reasons."""
    return text if may_read_notes(session) else None


def visible_children(session: Session, column: Any = None) -> ColumnElement[bool]:
    """The SQL condition "this child's file may be read by the acting user".

    ``column`` is any child-id column (``CareReferral.child_id``…; ``Child.id`` by
    default): lists add the condition to their own query rather than loading ids.
    Always a condition (``true()`` when every file is visible), so callers never branch.
    """
    role = acting_role(session)
    if role in (None, Role.COORDINATOR):
        return true()
    if role is not Role.REFERENT:
        return false()
    user_id = session.info["user_id"]
    shared = select(ChildShare.child_id).where(ChildShare.user_id == user_id)
    if column is None or column is Child.id:
        return or_(Child.referent_id == user_id, Child.id.in_(shared))
    caseload = select(Child.id).where(Child.referent_id == user_id)
    return or_(column.in_(caseload), column.in_(shared))


def session_entry_children(session: Session, column: Any = None) -> ColumnElement[bool]:
    """Children whose sessions the acting user may see and type: the secretariat types every
    partner's month (names and sessions only); the others, the files they may read."""
    if acting_role(session) is Role.SECRETARIAT:
        return true()
    return visible_children(session, column)


def can_see_child(session: Session, child: Child) -> bool:
    role = acting_role(session)
    if role in (None, Role.COORDINATOR):
        return True
    if role is not Role.REFERENT:
        return False
    user_id = session.info["user_id"]
    if child.referent_id == user_id:
        return True
    return session.scalar(select(ChildShare.id).where(ChildShare.child_id == child.id,
                                                      ChildShare.user_id == user_id)) is not None


def require_child(session: Session, child_id: Optional[int], *, write: bool = False,
                  field: Optional[str] = None) -> Child:
    """The child, if the acting user may read (or, with ``write``, change) their file.

    Every service touching one child's data calls this first, so a refusal always
    comes before anything is written. An archived file is read-only for everyone.
    """
    child = session.get(Child, child_id) if child_id is not None else None
    if child is None:
        raise NotFoundError(f"Enfant introuvable (n° {child_id}).", field)
    check_child(session, child, write=write, field=field)
    return child


def check_child(session: Session, child: Child, *, write: bool = False, field: Optional[str] = None) -> None:
    """:func:`require_child` for a child already loaded (through a fiche, a pathway…)."""
    if not can_see_child(session, child):
        if acting_role(session) is Role.SECRETARIAT:
            raise PermissionDeniedError(NO_CHILD_FILE, field)
        raise PermissionDeniedError(OUT_OF_CASELOAD, field)
    if child.archived_on is not None:
        if not sees_every_file(session):
            raise PermissionDeniedError(ARCHIVED_FOR_COORDINATOR, field)
        if write:
            raise DomainError(ARCHIVED, field)


def require_session_entry(session: Session, child: Child, *, write: bool = False, field: Optional[str] = None) -> None:
    """Typing or reading a child's sessions: the secretariat may (session entry), the
    référents for the files they may read."""
    if acting_role(session) is not Role.SECRETARIAT:
        check_child(session, child, write=write, field=field)
    elif write and child.archived_on is not None:
        raise DomainError(ARCHIVED, field)


def require_family(session: Session, family_id: Optional[int], *, write: bool = False,
                   field: Optional[str] = None) -> Family:
    """A household, if the acting user may read one of its children's files.

    A family with no child yet (just created, the child comes in the same step) is
    open to the roles that follow children.
    """
    family = session.get(Family, family_id) if family_id is not None else None
    if family is None:
        raise NotFoundError(f"Famille introuvable (n° {family_id}).", field)
    role = acting_role(session)
    if role in (None, Role.COORDINATOR):
        return family
    if role is not Role.REFERENT:
        raise PermissionDeniedError(NO_CHILD_FILE, field)
    if not family.children:
        return family
    visible = [c for c in family.children if can_see_child(session, c)]
    if not visible:
        raise PermissionDeniedError(OUT_OF_CASELOAD, field)
    if write and all(c.archived_on is not None for c in visible):
        raise DomainError(ARCHIVED, field)
    return family


def visible_families(session: Session, column: Any = None) -> ColumnElement[bool]:
    """The SQL condition "this family has a child whose file the acting user may read"
    (``Family.id`` by default)."""
    if sees_every_file(session):
        return true()
    column = column if column is not None else Family.id
    return column.in_(select(Child.family_id).where(visible_children(session)))


def require_directory(session: Session) -> None:
    """Partners, conventions and their templates: the coordinator's and the secretariat's
    (a référent reads them to orient a child)."""
    require_role(session, Role.COORDINATOR, Role.SECRETARIAT,
                 what="modifier l'annuaire des partenaires, les conventions ou leurs modèles")
