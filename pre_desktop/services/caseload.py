"""Whose files a référent follows: a coordinator shares one file with a colleague, or
moves a whole caseload (file active) from one référent to another.

Both are the coordinator's decisions (secret partagé: who may read a child's file is
not left to each référent). Sharing gives a référent a file outside their caseload
(a colleague on leave, a sibling followed by two référents); the share is removed as
easily. A transfer is one step: every file of the caseload changes référent in one
transaction, each change traced in the child's history, after a confirmation that
states how many files move.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import AuditAction, CareReferral, CareReferralState, Child, ChildShare, Role, User
from . import audit
from .access import acting_user, require_child, require_coordinator
from .clock import today
from .common import check_version, get_or_fail
from .errors import DomainError, DomainWarning, NeedsConfirmation
from .users import UserRow, list_users

SHARE = "partager un dossier avec un(e) référent(e)"
TRANSFER = "transférer la file active d'un(e) référent(e)"


# --------------------------------------------------------------------------- sharing


@dataclass(frozen=True)
class ShareRow:
    id: int
    version: int
    user_id: int
    user_name: str
    shared_on: dt.date
    shared_by: str


def shares_of_child(session: Session, child_id: int) -> list[ShareRow]:
    """The référents a coordinator shared the file with, by name."""
    require_child(session, child_id)
    by = {u.id: u.full_name for u in session.scalars(select(User))}
    stmt = (select(ChildShare).where(ChildShare.child_id == child_id)
            .order_by(ChildShare.shared_on, ChildShare.id))
    return [ShareRow(s.id, s.version, s.user_id, by.get(s.user_id, ""), s.shared_on, by.get(s.shared_by_id or 0, ""))
            for s in session.scalars(stmt)]


def share_choices(session: Session, child_id: int) -> list[UserRow]:
    """Active référents the file may still be shared with (not its own référent, not already shared)."""
    child = require_child(session, child_id)
    shared = set(session.scalars(select(ChildShare.user_id).where(ChildShare.child_id == child_id)))
    return [u for u in list_users(session, role=Role.REFERENT) if u.id != child.referent_id and u.id not in shared]


def share_child(session: Session, child_id: int, user_id: Optional[int]) -> ChildShare:
    """Give one référent access to a file outside their caseload (traced in the file's history)."""
    require_coordinator(session, SHARE)
    child = require_child(session, child_id, write=True)
    if user_id is None:
        raise DomainError("Choisissez le ou la référent(e) avec qui partager ce dossier.", "user_id")
    user = get_or_fail(session, User, user_id, "Référent(e)", "user_id")
    if not user.active:
        raise DomainError(f"{user.full_name} n'est plus actif(ve) : choisissez un autre référent.", "user_id")
    if user.role is not Role.REFERENT:
        raise DomainError(f"{user.full_name} n'est pas référent(e) de parcours : la coordination voit déjà tous les "
                          "dossiers, le secrétariat n'ouvre pas ceux des enfants.", "user_id")
    if user.id == child.referent_id:
        raise DomainError(f"{user.full_name} est déjà le ou la référent(e) de {child.full_name}.", "user_id")
    if session.scalar(select(ChildShare.id).where(ChildShare.child_id == child.id,
                                                  ChildShare.user_id == user.id)) is not None:
        raise DomainError(f"Ce dossier est déjà partagé avec {user.full_name}.", "user_id")
    me = acting_user(session)
    share = ChildShare(child_id=child.id, user_id=user.id, shared_by_id=me.id if me else None, shared_on=today())
    session.add(share)
    session.flush()
    return share


def unshare_child(session: Session, share_id: int, *, expected_version: Optional[int] = None) -> None:
    """End a share: the file leaves that référent's list at once."""
    require_coordinator(session, SHARE)
    share = get_or_fail(session, ChildShare, share_id, "Partage")
    check_version(share, expected_version, "Ce partage")
    session.delete(share)
    session.flush()


# --------------------------------------------------------------------------- caseload transfer


@dataclass(frozen=True)
class TransferResult:
    children: int  # files that changed référent
    liaisons: int  # running fiches de liaison whose contact changed with them
    archived_left: int  # archived files, read-only, left as they were


def caseload_size(session: Session, referent_id: int) -> int:
    """Files (not archived) whose référent is this user."""
    return session.scalar(select(func.count()).select_from(Child).where(
        Child.referent_id == referent_id, Child.archived_on.is_(None))) or 0


def transfer_caseload(session: Session, from_id: Optional[int], to_id: Optional[int], *,
                      confirm: bool = False) -> TransferResult:
    """Move every file of one référent's caseload to another, in one transaction.

    The running fiches de liaison naming the first référent as the partner's contact
    name the new one. Archived files are read-only and stay as they are. Asks first,
    with the number of files (``NeedsConfirmation``); nothing is written before.
    """
    require_coordinator(session, TRANSFER)
    if from_id is None:
        raise DomainError("Choisissez le ou la référent(e) dont la file active est transférée.", "from_id")
    if to_id is None:
        raise DomainError("Choisissez le ou la référent(e) qui reprend la file active.", "to_id")
    source = get_or_fail(session, User, from_id, "Référent(e)", "from_id")
    target = get_or_fail(session, User, to_id, "Référent(e)", "to_id")
    if source.id == target.id:
        raise DomainError("Choisissez deux référent(e)s différent(e)s.", "to_id")
    if not target.active:
        raise DomainError(f"{target.full_name} n'est plus actif(ve) : choisissez un autre référent.", "to_id")
    if target.role not in (Role.REFERENT, Role.COORDINATOR):
        raise DomainError(f"{target.full_name} n'est pas référent(e) de parcours ni coordonnateur(trice).", "to_id")
    children = list(session.scalars(select(Child).where(Child.referent_id == source.id, Child.archived_on.is_(None))
                                    .order_by(Child.id)))
    if not children:
        raise DomainError(f"{source.full_name} n'a aucun dossier dans sa file active.", "from_id")
    archived = session.scalar(select(func.count()).select_from(Child).where(
        Child.referent_id == source.id, Child.archived_on.is_not(None))) or 0
    ids = [c.id for c in children]
    fiches = list(session.scalars(select(CareReferral).where(
        CareReferral.child_id.in_(ids), CareReferral.referent_id == source.id,
        CareReferral.state != CareReferralState.ENDED)))
    if not confirm:
        text = (f"Les {len(children)} dossiers de la file active de {source.full_name} vont être confiés à "
                f"{target.full_name}" if len(children) > 1 else
                f"Le dossier de la file active de {source.full_name} va être confié à {target.full_name}")
        if fiches:
            text += f" ({len(fiches)} fiche(s) de liaison en cours changent de contact)"
        if archived:
            text += f" ; {archived} dossier(s) archivé(s) restent inchangés"
        raise NeedsConfirmation([DomainWarning("transfer", text + ".", "to_id", len(children))])
    # The target's shares of these files become their own caseload: the shares go.
    for share in session.scalars(select(ChildShare).where(ChildShare.child_id.in_(ids),
                                                          ChildShare.user_id == target.id)):
        session.delete(share)
    for child in children:
        child.referent_id = target.id
    for cr in fiches:
        cr.referent_id = target.id
    audit.record(session, AuditAction.UPDATE, "users", source.id,
                 summary=f"Transfert de la file active de {source.full_name} à {target.full_name} : "
                         f"{len(children)} dossier(s)")
    session.flush()
    return TransferResult(len(children), len(fiches), archived)
