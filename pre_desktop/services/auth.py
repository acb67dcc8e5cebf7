"""Passwords and logging in: Argon2id hashes, strength, the growing delay after failures.

Hashing is argon2-cffi's (Argon2id, its RFC 9106 parameters), never our own crypto; a
hash made with older parameters is replaced at the next successful login. The users
table is not audited field by field (it would copy the hash into the trail): each
account operation writes one event here with a summary, never a password or a hash.

The one way into a base nobody has secured yet (every base made before accounts had
passwords): while no active coordinator has a password, an active coordinator without
one may choose theirs at the login (:func:`set_first_password`). Whoever holds such a
file could already read all of it, so this exposes nothing new; once a coordinator has
a password the path is closed, and other accounts get theirs from a coordinator.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Callable, Optional, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import AuditAction, Role, User
from ..models.base import utcnow
from ..textnorm import fold
from . import audit
from .access import acting_user, require_role
from .common import get_or_fail
from .errors import DomainError

if TYPE_CHECKING:
    from sqlalchemy.orm import sessionmaker

T = TypeVar("T")

WRONG_CREDENTIALS = "Identifiant ou mot de passe incorrect."
MIN_LENGTH = 10
FREE_TRIES = 5  # failures before the first delay
FIRST_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(minutes=15)

hasher = PasswordHasher()  # Argon2id with argon2-cffi's current recommended parameters
_dummy: dict[str, str] = {}

# The most used passwords (international and French lists), folded; a password is refused
# when it is one of these, possibly followed by digits or signs ("Azerty2024!").
COMMON_PASSWORDS = frozenset("""
password motdepasse azerty azertyuiop qwerty qwertyuiop 123456789 1234567890 0123456789 abcdef
abc123 iloveyou jetaime soleil bonjour doudou loulou chouchou marseille paris france football
admin administrateur utilisateur coordinateur coordonnateur referent secretariat secretaire
welcome bienvenue letmein monkey dragon sunshine princess liverpool chocolat nicolas camille
pre pre-desktop predesktop reussite reussiteeducative programme ecole mairie caisse
""".split())
_TRAILING = re.compile(r"[\W\d_]+$")


def hash_password(password: str) -> str:
    return hasher.hash(password)


def _classes(password: str) -> int:
    lower = any(c.islower() for c in password)
    upper = any(c.isupper() for c in password)
    digit = any(c.isdigit() for c in password)
    other = any(not c.isalnum() for c in password)
    return lower + upper + digit + other


def check_strength(password: Optional[str], *, login: str = "", first_name: str = "", last_name: str = "") -> str:
    """The password if strong enough; else a DomainError on "password" saying why, in French."""
    if not isinstance(password, str) or not password:
        raise DomainError("Choisissez un mot de passe.", "password")
    if password != password.strip():
        raise DomainError("Le mot de passe ne doit pas commencer ni finir par une espace.", "password")
    if len(password) < MIN_LENGTH:
        raise DomainError(f"Le mot de passe doit compter au moins {MIN_LENGTH} caractères "
                          f"(celui-ci en a {len(password)}).", "password")
    if len(password) > 200:
        raise DomainError("Le mot de passe ne doit pas dépasser 200 caractères.", "password")
    if _classes(password) < 3:
        raise DomainError("Le mot de passe doit mélanger au moins trois sortes de caractères parmi : minuscules, "
                          "majuscules, chiffres, autres signes (par exemple « Jardin-Bleu-42 »).", "password")
    folded = fold(password).replace(" ", "")
    for part, what in ((login, "l'identifiant"), (first_name, "le prénom"), (last_name, "le nom")):
        for word in re.split(r"[\s.'_-]+", fold(part or "")):
            if len(word) >= 4 and word in folded:
                raise DomainError(f"Le mot de passe ne doit pas contenir {what} (« {part} »).", "password")
    if folded in COMMON_PASSWORDS or _TRAILING.sub("", folded) in COMMON_PASSWORDS:
        raise DomainError("Ce mot de passe fait partie des plus courants : choisissez-en un autre.", "password")
    return password


def check_new_password(password: Optional[str], confirmation: Optional[str], *, login: str, first_name: str,
                       last_name: str) -> str:
    """A new password: strong enough, and typed the same twice (``confirmation`` None: asked once)."""
    check_strength(password, login=login, first_name=first_name, last_name=last_name)
    if confirmation is not None and confirmation != password:
        raise DomainError("Les deux mots de passe saisis sont différents.", "confirmation")
    return password  # type: ignore[return-value]


def _store(user: User, password: str, confirmation: Optional[str] = None) -> None:
    check_new_password(password, confirmation, login=user.login, first_name=user.first_name, last_name=user.last_name)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.last_failed_at = None


def trace(session: Session, user: User, summary: str, *, action: AuditAction = AuditAction.UPDATE,
          as_user: Optional[int] = None) -> None:
    """One audit event about an account (the users table is not audited column by column,
    which would copy the hash into the trail); ``as_user`` for a login, before anyone acts."""
    previous = session.info.get("user_id")
    if as_user is not None:
        session.info["user_id"] = as_user
    try:
        audit.record(session, action, "users", user.id, summary=summary)
        session.flush()
    finally:
        session.info["user_id"] = previous


def _user(session: Session, user_id: int) -> User:
    return get_or_fail(session, User, user_id, "Compte")


def set_password(session: Session, user_id: int, password: str, confirmation: Optional[str] = None) -> User:
    """A coordinator gives an account a new password (forgotten, new colleague).

    The command line (no acting user) may too: it holds the file. Users change their
    own password with :func:`change_own_password`, which asks the old one.
    """
    require_role(session, Role.COORDINATOR, what="attribuer le mot de passe d'un autre compte")
    user = _user(session, user_id)
    _store(user, password, confirmation)
    session.flush()
    trace(session, user, f"Mot de passe attribué au compte « {user.login} »")
    return user


def change_own_password(session: Session, old_password: str, new_password: str, *,
                        confirmation: Optional[str] = None, now: Optional[dt.datetime] = None) -> User:
    """The logged-in user changes their password; the old one is asked (an unattended,
    unlocked screen must not be enough), with the same delay as the login."""
    user = acting_user(session)
    if user is None:
        raise DomainError("Aucun utilisateur connecté.", None)
    now = now or utcnow()
    _refuse_while_waiting(user, now, "old_password")
    if not _verify(user, old_password or ""):
        _failed(session, user, now)
        raise DomainError("L'ancien mot de passe est incorrect.", "old_password")
    if new_password == old_password:
        raise DomainError("Le nouveau mot de passe doit être différent de l'ancien.", "password")
    _store(user, new_password, confirmation)
    session.flush()
    trace(session, user, "Mot de passe changé par son titulaire")
    return user


# --- logging in --------------------------------------------------------------------------


def delay_after(failures: int) -> dt.timedelta:
    """Wait before the next try after ``failures`` consecutive failures: none up to 4,
    then 30 s, 1 min, 2 min, 4 min, 8 min, and 15 min from the 10th on."""
    if failures < FREE_TRIES:
        return dt.timedelta(0)
    return min(FIRST_DELAY * 2 ** min(failures - FREE_TRIES, 10), MAX_DELAY)


def wait_left(user: User, now: Optional[dt.datetime] = None) -> dt.timedelta:
    """How long before this account's password may be tried again (zero: now)."""
    if user.last_failed_at is None:
        return dt.timedelta(0)
    left = user.last_failed_at + delay_after(user.failed_logins) - (now or utcnow())
    return max(left, dt.timedelta(0))


def wait_text(left: dt.timedelta) -> str:
    """« 30 s », « 2 min »: rounded up, so the user never tries a second too early."""
    seconds = int(-(-left.total_seconds() // 1))
    if seconds < 60:
        return f"{seconds} s"
    return f"{-(-seconds // 60)} min"


def _refuse_while_waiting(user: User, now: dt.datetime, field: str) -> None:
    left = wait_left(user, now)
    if left > dt.timedelta(0):
        raise DomainError(f"Trop d'essais : réessayez dans {wait_text(left)}.", field)


def _verify(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


def _failed(session: Session, user: User, now: dt.datetime) -> None:
    """Count a failure; written in its own step by the caller's commit (the refusal that
    follows must not roll it back: see :func:`authenticate`)."""
    user.failed_logins = (user.failed_logins or 0) + 1
    user.last_failed_at = now
    session.flush()
    trace(session, user, f"Échec de connexion ({user.failed_logins} à la suite)", action=AuditAction.LOGIN)


def _spend_as_long(password: str) -> None:
    """Verify against a hash of nothing: an unknown login takes as long to refuse as a
    wrong password, so the time taken does not tell which logins exist."""
    key = str(hasher.time_cost) + "/" + str(hasher.memory_cost)
    if key not in _dummy:
        _dummy[key] = hasher.hash("pre-desktop : compte inexistant")
    try:
        hasher.verify(_dummy[key], password)
    except VerificationError:
        pass


class PasswordNotSetError(DomainError):
    """The account has no password yet; ``first_password_allowed`` says whether it may
    choose one now (the base is not secured yet and it is a coordinator's)."""

    def __init__(self, message: str, user_id: int, first_password_allowed: bool) -> None:
        super().__init__(message, "login")
        self.user_id = user_id
        self.first_password_allowed = first_password_allowed


def _by_login(session: Session, login: str) -> Optional[User]:
    key = fold(login or "").replace(" ", "")
    return session.scalars(select(User).where(func.lower(User.login) == key)).first() if key else None


def _refuse_without_password(session: Session, user: User) -> None:
    if user.password_hash:
        return
    if user.active and user.role is Role.COORDINATOR and needs_first_password(session):
        raise PasswordNotSetError("Ce compte n'a pas encore de mot de passe : choisissez-le maintenant.",
                                  user.id, True)
    raise PasswordNotSetError("Ce compte n'a pas encore de mot de passe : un(e) coordonnateur(trice) doit vous "
                              "en attribuer un (espace « Utilisateurs »).", user.id, False)


def check_password_set(session: Session, login: str) -> None:
    """Refuse (PasswordNotSetError) an account that has no password yet; the login typed
    before its password (Entrée in the login field) leads to the first password."""
    user = _by_login(session, login)
    if user is not None:
        _refuse_without_password(session, user)


def authenticate(session: Session, login: str, password: str, now: Optional[dt.datetime] = None) -> User:
    """The user whose login and password these are, or a DomainError.

    A failure is counted on the account (written even though the call is refused: the
    caller commits the session either way, see ``ui.login_dialog``); after 5 in a row the
    password is not even checked before the delay has passed. Wrong login and wrong
    password read the same. A deactivated account is said so only to someone who knows
    its password.
    """
    now = now or utcnow()
    user = _by_login(session, login)
    if user is None:
        _spend_as_long(password or "")
        raise DomainError(WRONG_CREDENTIALS, "password")
    _refuse_without_password(session, user)
    _refuse_while_waiting(user, now, "password")
    if not _verify(user, password or ""):
        _failed(session, user, now)
        raise DomainError(WRONG_CREDENTIALS, "password")
    if not user.active:
        raise DomainError("Ce compte est désactivé : adressez-vous à votre coordonnateur(trice).", "login")
    user.failed_logins = 0
    user.last_failed_at = None
    user.last_login_at = now
    session.flush()
    trace(session, user, "Connexion", action=AuditAction.LOGIN, as_user=user.id)
    return user


def needs_first_password(session: Session) -> bool:
    """True while no active coordinator has a password: the base is not secured yet."""
    secured = session.scalar(select(func.count()).select_from(User).where(
        User.active.is_(True), User.role == Role.COORDINATOR, User.password_hash.is_not(None)))
    return not secured


def set_first_password(session: Session, user_id: int, password: str, confirmation: str,
                       now: Optional[dt.datetime] = None) -> User:
    """The first coordinator of an unsecured base chooses their password, and is logged in."""
    user = _user(session, user_id)
    if user.password_hash or not user.active or user.role is not Role.COORDINATOR or not needs_first_password(session):
        raise DomainError("Ce compte ne peut pas choisir son mot de passe ici : un(e) coordonnateur(trice) doit "
                          "le lui attribuer.", "password")
    _store(user, password, confirmation or "")
    user.last_login_at = now or utcnow()
    session.flush()
    trace(session, user, "Premier mot de passe choisi, connexion", action=AuditAction.LOGIN, as_user=user.id)
    return user


def kept_even_if_refused(factory: "sessionmaker[Session]", user_id: Optional[int],
                         action: "Callable[[Session], T]") -> T:
    """Run ``action`` in one transaction committed even when it is refused.

    :func:`authenticate` and :func:`change_own_password` count a failure, then refuse:
    the usual unit of work would roll the count back with the refusal, and the delay
    would never grow. They write nothing else before refusing.
    """
    session = factory()
    session.info["user_id"] = user_id
    try:
        result = action(session)
        session.commit()
        return result
    except DomainError:
        session.commit()
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
