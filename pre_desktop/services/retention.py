"""The GDPR life cycle of a child's file: active base → restricted archive → anonymised.

The CNIL frameworks closest to a PRE (référentiel « protection de l'enfance »,
délibération 2022-008; social-support référentiels 2021-028 and 2023-095) keep a file in
the active base at most 2 years after the last contact, then in an archive whose access
is restricted, then delete or anonymise it. Here:

* **Last contact** (:func:`last_contacts`) is the latest day, not after today, among: the
  "dernier contact" typed in the file, the entry and exit dates, the repérages, the EPS
  commissions that examined the child and their decisions, the pathway's and its actions'
  start and end, the fiches de liaison (request, sending, answer, first appointment, end),
  each sending of a fiche, the sessions held (présent), and the family's agreements
  (given or withdrawn). ``children.last_contact_on`` alone is not enough: only the user
  sets it, by hand. A file with none of these dates counts from its creation.
* **Candidates for archiving** (:func:`archive_candidates`): not archived, not "en
  parcours" (status), no open pathway, no running fiche de liaison (sent, answered, in
  progress), not on the agenda of a coming EPS, and a last contact more than
  ``retention_years`` (setting, default 2) before today.
* **Archived** files are read-only (until a coordinator reactivates one whose child or
  family came back: :func:`reactivate_children`): :func:`guard_archived`, hooked on every session's
  ``before_flush`` (``db.make_session_factory``), refuses any write touching their data
  (and the family's, once all its followed children are archived) — the one place it is
  enforced, whatever the service. Only :func:`archive_children`, :func:`reactivate_children`
  and :func:`anonymise` write through it (:func:`_unguarded`). Opening one is for a coordinator, who states a
  reason traced in the file's history (:func:`record_archived_view`).
* **Anonymisation** (:func:`anonymise`) at the end of the archive period
  (``archive_years``, default 3, after the archive date): identity, contacts and free
  text go; sex, birth year and month, neighbourhood, school level, dates and counts
  stay for statistics. Then :func:`purge_free_pages` so the old text does not linger in
  the file's free pages or in the write-ahead log.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, Sequence

from sqlalchemy import Engine, case, func, inspect, or_, select, text, union_all, update
from sqlalchemy.orm import Session

from ..models import (
    AuditAction,
    AuditEvent,
    CareReferral,
    CareReferralSending,
    CareSession,
    Child,
    ChildShare,
    ChildStatus,
    Consent,
    EpsDecision,
    EpsMeeting,
    EpsSituation,
    Family,
    GeneratedDocument,
    Guardian,
    MonthlyAnswer,
    Pathway,
    PathwayAction,
    PrivateNote,
    Referral,
    Role,
    SessionStatus,
    User,
)
from . import audit
from .access import require_role
from .clock import today
from .common import add_months, get_or_fail, required_text
from .errors import DomainError
from .labels import label
from .school_levels import anonymous_class
from .sessions import ACTIVE_STATES
from .settings import get_settings

ARCHIVED_MESSAGE = "Ce dossier est archivé : il ne peut plus être modifié."
ARCHIVED_OPENING = ("Ce dossier est archivé : seul un coordinateur peut l'ouvrir, en lecture seule, "
                    "en indiquant le motif de la consultation (écran « Archivage »).")
DEFAULT_RETENTION_YEARS = 2
DEFAULT_ARCHIVE_YEARS = 3
ANONYMOUS_NAME = "Anonyme"

# Shown on the Archivage screen: the definition the list is built on, in the user's words.
LAST_CONTACT_DEFINITION = (
    "Dernier contact : la date la plus récente (jusqu'à aujourd'hui) parmi le « dernier contact » saisi dans le "
    "dossier, les dates d'entrée et de sortie, les repérages, les EPS qui ont examiné l'enfant et leurs décisions, "
    "le début et la fin du parcours et de ses actions, les fiches de liaison (demande, envoi, réponse, premier "
    "rendez-vous, fin), les séances tenues et les accords de la famille (donnés ou retirés).")
CANDIDATE_RULE = (
    "Sont proposés les dossiers sans parcours ouvert, sans fiche de liaison en cours, qui ne sont pas attendus "
    "à une prochaine EPS, et dont le dernier contact date de plus de {years} an{s}.")

_BYPASS = "_retention_unguarded"


# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------


def retention_years(session: Session) -> int:
    settings = get_settings(session)
    return settings.retention_years if settings is not None and settings.retention_years else DEFAULT_RETENTION_YEARS


def archive_years(session: Session) -> int:
    settings = get_settings(session)
    return settings.archive_years if settings is not None and settings.archive_years else DEFAULT_ARCHIVE_YEARS


def archive_cutoff(session: Session, on: Optional[dt.date] = None) -> dt.date:
    """Files whose last contact is before this day are listed for archiving."""
    return add_months(on or today(), -12 * retention_years(session))


def anonymisation_due_on(archived_on: dt.date, years: int) -> dt.date:
    return add_months(archived_on, 12 * years)


# ---------------------------------------------------------------------------
# Last contact
# ---------------------------------------------------------------------------


def _contact_dates(day: dt.date, only: Optional[Sequence[int]]) -> Any:
    """(child_id, day) for every dated trace of a contact, as one UNION ALL subquery."""
    def keep(child_col: Any, date_col: Any, *where: Any) -> Any:
        conditions = [date_col.is_not(None), date_col <= day, *where]
        if only is not None:
            conditions.append(child_col.in_(only))
        return select(child_col.label("child_id"), date_col.label("day")).where(*conditions)

    parts = [keep(Child.id, column) for column in (Child.last_contact_on, Child.entry_date, Child.exit_date)]
    parts.append(keep(Referral.child_id, Referral.referred_on))
    parts.append(keep(EpsDecision.child_id, EpsDecision.decided_on))
    parts.append(keep(EpsSituation.child_id, EpsMeeting.meeting_date).join_from(
        EpsSituation, EpsMeeting, EpsSituation.meeting_id == EpsMeeting.id))
    parts += [keep(Pathway.child_id, column) for column in (Pathway.start_date, Pathway.end_date)]
    parts += [keep(Pathway.child_id, column).join_from(Pathway, PathwayAction, PathwayAction.pathway_id == Pathway.id)
              for column in (PathwayAction.start_date, PathwayAction.end_date)]
    parts += [keep(CareReferral.child_id, column) for column in (
        CareReferral.requested_on, CareReferral.sent_on, CareReferral.answered_on, CareReferral.first_appointment_on,
        CareReferral.ended_on)]
    parts.append(keep(CareReferral.child_id, CareReferralSending.sent_on).join_from(
        CareReferralSending, CareReferral, CareReferralSending.care_referral_id == CareReferral.id))
    parts.append(keep(CareReferral.child_id, CareSession.session_date, CareSession.status == SessionStatus.PRESENT)
                 .join_from(CareSession, CareReferral, CareSession.care_referral_id == CareReferral.id))
    parts += [keep(Child.id, column).join_from(Child, Consent, Consent.family_id == Child.family_id)
              for column in (Consent.given_on, Consent.withdrawn_on)]
    return union_all(*parts).subquery("contacts")


def last_contacts(session: Session, child_ids: Optional[Iterable[int]] = None,
                  on: Optional[dt.date] = None) -> dict[int, dt.date]:
    """Each child's last contact (see the module's definition); a child with no dated
    trace at all counts from the day its file was created."""
    day = on or today()
    wanted = set(child_ids) if child_ids is not None else None
    # A long list of ids would repeat in each of the union's parts: read them all instead.
    only = sorted(wanted) if wanted is not None and len(wanted) <= 200 else None
    contacts = _contact_dates(day, only)
    found: dict[int, dt.date] = {}
    for child_id, last in session.execute(select(contacts.c.child_id, func.max(contacts.c.day))
                                          .group_by(contacts.c.child_id)):
        if wanted is None or child_id in wanted:
            found[child_id] = last if isinstance(last, dt.date) else dt.date.fromisoformat(str(last)[:10])
    created = select(Child.id, Child.created_at)
    if only is not None:
        created = created.where(Child.id.in_(only))
    for child_id, at in session.execute(created):
        if child_id not in found and (wanted is None or child_id in wanted):
            found[child_id] = at.date()
    return found


def last_contact(session: Session, child_id: int, on: Optional[dt.date] = None) -> dt.date:
    return last_contacts(session, [child_id], on)[child_id]


# ---------------------------------------------------------------------------
# Archive list and archiving
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveCandidate:
    child_id: int
    name: str
    birth_date: dt.date
    last_contact: dt.date
    status_label: str
    referent_name: str


def _busy_children(day: dt.date) -> Any:
    """Children whose file is in use: an open pathway, a running fiche, a coming EPS."""
    return union_all(
        select(Pathway.child_id).where(Pathway.end_date.is_(None)),
        select(CareReferral.child_id).where(CareReferral.state.in_(ACTIVE_STATES)),
        select(EpsSituation.child_id).join(EpsMeeting, EpsMeeting.id == EpsSituation.meeting_id)
        .where(EpsMeeting.meeting_date >= day),
    )


def archive_candidates(session: Session, on: Optional[dt.date] = None) -> list[ArchiveCandidate]:
    """Files to move to the archive, the oldest last contact first (see the module's rule)."""
    day = on or today()
    cutoff = archive_cutoff(session, day)
    rows = session.execute(
        select(Child.id, Child.last_name, Child.first_name, Child.birth_date, Child.status, Child.referent_id)
        .where(Child.archived_on.is_(None), Child.status != ChildStatus.ACTIVE, Child.id.not_in(_busy_children(day)))
    ).all()
    contacts = last_contacts(session, [r.id for r in rows], day) if rows else {}
    names = _user_names(session)
    out = [ArchiveCandidate(r.id, f"{r.last_name.upper()} {r.first_name}", r.birth_date, contacts[r.id],
                            label(r.status), names.get(r.referent_id, "") if r.referent_id else "")
           for r in rows if contacts[r.id] < cutoff]
    out.sort(key=lambda c: (c.last_contact, c.name))
    return out


def _user_names(session: Session) -> dict[int, str]:
    return {uid: f"{first} {last}" for uid, first, last in session.execute(
        select(User.id, User.first_name, User.last_name))}


@contextlib.contextmanager
def _unguarded(session: Session) -> Iterator[None]:
    """Writes to archived files, for archiving and anonymisation only."""
    session.info[_BYPASS] = True
    try:
        yield
    finally:
        session.info.pop(_BYPASS, None)


def archive_children(session: Session, child_ids: Iterable[int], on: Optional[dt.date] = None) -> list[Child]:
    """Move files to the archive (coordinator only); every one must still be a candidate."""
    require_role(session, Role.COORDINATOR, what="archiver des dossiers")
    ids = list(dict.fromkeys(child_ids))
    if not ids:
        raise DomainError("Choisissez au moins un dossier à archiver.", "child_ids")
    day = on or today()
    candidates = {c.child_id for c in archive_candidates(session, day)}
    children = [get_or_fail(session, Child, child_id, "Enfant") for child_id in ids]
    for child in children:
        if child.id not in candidates:
            state = ("est déjà archivé" if child.archived_on is not None
                     else "n'est pas à archiver (dossier en cours ou contact récent)")
            raise DomainError(f"Le dossier de {child.full_name} {state} : rien n'a été archivé.", "child_ids")
    with _unguarded(session):
        for child in children:
            child.archived_on = day
            child.archived_by_id = session.info.get("user_id")
        session.flush()
    return children


def reactivate_children(session: Session, child_ids: Iterable[int]) -> list[Child]:
    """Bring archived files back to the active base (coordinator only): the child or the
    family came back before the anonymisation. The file counts from this new contact."""
    require_role(session, Role.COORDINATOR, what="réactiver des dossiers archivés")
    ids = list(dict.fromkeys(child_ids))
    if not ids:
        raise DomainError("Choisissez au moins un dossier à réactiver.", "child_ids")
    children = [get_or_fail(session, Child, child_id, "Enfant") for child_id in ids]
    for child in children:
        if child.archived_on is None or child.anonymised_on is not None:
            state = "n'est pas archivé" if child.archived_on is None else "est anonymisé"
            raise DomainError(f"Le dossier de {child.full_name} {state} : rien n'a été réactivé.", "child_ids")
    with _unguarded(session):
        for child in children:
            child.archived_on = None
            child.archived_by_id = None
            child.last_contact_on = today()
        session.flush()
    return children


@dataclass(frozen=True)
class ArchivedFile:
    child_id: int
    name: str
    archived_on: dt.date
    archived_by: str
    anonymise_on: dt.date  # end of the archive period
    anonymised_on: Optional[dt.date]

    @property
    def due(self) -> bool:
        return self.anonymised_on is None and self.anonymise_on <= today()


def archived_files(session: Session, *, anonymised: bool = False) -> list[ArchivedFile]:
    """Archived files not anonymised yet (or, with ``anonymised``, those already done),
    the earliest end of archive period first."""
    years = archive_years(session)
    names = _user_names(session)
    stmt = (select(Child.id, Child.last_name, Child.first_name, Child.archived_on, Child.archived_by_id,
                   Child.anonymised_on)
            .where(Child.archived_on.is_not(None),
                   Child.anonymised_on.is_not(None) if anonymised else Child.anonymised_on.is_(None)))
    out = [ArchivedFile(r.id, f"{r.last_name.upper()} {r.first_name}", r.archived_on,
                        names.get(r.archived_by_id, "") if r.archived_by_id else "",
                        anonymisation_due_on(r.archived_on, years), r.anonymised_on)
           for r in session.execute(stmt)]
    out.sort(key=lambda f: (f.anonymise_on, f.name))
    return out


def anonymisation_due(session: Session, on: Optional[dt.date] = None) -> list[ArchivedFile]:
    """Archived files at the end of their archive period."""
    day = on or today()
    return [f for f in archived_files(session) if f.anonymise_on <= day]


def in_active_base() -> Any:
    """The condition on ``children`` for the everyday lists (not archived).

    Written so that SQLite does not pick the archive-date index for it: the lists walk
    the name index in order and stop at the first page; filtering through the archive
    index would sort all the files first (20 000 files: 0,5 → 5 ms for the first page).
    """
    return case((Child.archived_on.is_(None), 1), else_=0) == 1


def not_archived(child_id_column: Any) -> Any:
    """The SQL condition keeping archived files out of the everyday lists."""
    return child_id_column.not_in(select(Child.id).where(Child.archived_on.is_not(None)))


def archived_ids(session: Session) -> set[int]:
    return set(session.scalars(select(Child.id).where(Child.archived_on.is_not(None))))


def archived_on(session: Session, child_id: int) -> Optional[dt.date]:
    return session.scalar(select(Child.archived_on).where(Child.id == child_id))


def record_archived_view(session: Session, child_id: int, reason: Any) -> None:
    """A coordinator opens an archived file, saying why; the reason goes to its history."""
    require_role(session, Role.COORDINATOR, what="consulter un dossier archivé")
    child = get_or_fail(session, Child, child_id, "Enfant")
    if child.archived_on is None:
        raise DomainError("Ce dossier n'est pas archivé.", None)
    why = required_text(reason, "reason", "Motif de la consultation", 500)
    audit.record(session, AuditAction.VIEW, "children", child.id, child_id=child.id, family_id=child.family_id,
                 summary=f"Consultation du dossier archivé — motif : {why}")
    session.flush()


# ---------------------------------------------------------------------------
# Read-only archive: the one check over every write
# ---------------------------------------------------------------------------

_ARCHIVE_COLUMNS = ("archived_on", "archived_by_id", "anonymised_on")
_TRACES = (AuditEvent, GeneratedDocument)  # a view, a document about an archived file: allowed


def _touched_child(obj: Any) -> Optional[int]:
    try:
        child_id = getattr(obj, "audit_child_id", None)
    except Exception:  # a relationship of a half-built object
        child_id = None
    if child_id is None:
        child_id = getattr(obj, "child_id", None)
    return child_id


def _family_of(obj: Any) -> Optional[int]:
    if isinstance(obj, Family):
        return obj.id
    if obj.family_id is not None:
        return obj.family_id
    return obj.family.id if obj.family is not None else None


def guard_archived(session: Session, flush_context: Any, instances: Any) -> None:
    """Refuse a flush that writes an archived file's data (``before_flush`` hook)."""
    if session.info.get(_BYPASS):
        return
    children: set[int] = set()
    families: set[int] = set()
    dirty = [obj for obj in session.dirty if session.is_modified(obj, include_collections=False)]
    for obj in chain(session.new, dirty, session.deleted):
        if isinstance(obj, _TRACES):
            continue
        if isinstance(obj, Child):
            state = inspect(obj)
            if any(state.attrs[key].history.has_changes() for key in _ARCHIVE_COLUMNS) and (
                    obj.archived_on is not None or not state.pending):
                raise DomainError("Un dossier s'archive depuis l'écran « Archivage ».", None)
            if obj.id is not None:
                children.add(obj.id)
        elif isinstance(obj, (Family, Guardian, Consent)):
            family_id = _family_of(obj)
            if family_id is not None:
                families.add(family_id)
        else:
            child_id = _touched_child(obj)
            if child_id is not None:
                children.add(child_id)
    # A new child joins the family (a younger sibling referred years later): it is followed again.
    families -= {c.family_id if c.family_id is not None else getattr(c.family, "id", None)
                 for c in session.new if isinstance(c, Child)}
    if not children and not families:
        return
    connection = session.connection()
    if children and connection.execute(
            select(Child.id).where(Child.id.in_(children), Child.archived_on.is_not(None)).limit(1)).first():
        raise DomainError(ARCHIVED_MESSAGE, None)
    if families and connection.execute(
            select(Child.family_id).where(Child.family_id.in_(families)).group_by(Child.family_id)
            .having(func.count() == func.count(Child.archived_on)).limit(1)).first():
        raise DomainError(ARCHIVED_MESSAGE, None)


# ---------------------------------------------------------------------------
# Anonymisation
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AnonymisationResult:
    children: int
    families: int
    files: list[str]  # documents and scanned agreements to remove from the disk once committed


ERASED = "(effacé)"


def _names_of(child: Child) -> list[str]:
    names = {child.last_name, child.first_name, child.family.name}
    names |= {n for g in child.family.guardians for n in (g.last_name, g.first_name)}
    return sorted((n.strip() for n in names if n and len(n.strip()) >= 2), key=len, reverse=True)


def _without(text_value: Optional[str], names: Sequence[str]) -> Optional[str]:
    """``text_value`` with every name replaced (text shared with other children: EPS notes)."""
    if not text_value or not names:
        return text_value
    pattern = re.compile("|".join(re.escape(n) for n in names), re.IGNORECASE)
    return pattern.sub(ERASED, text_value)


def _erase_values(changes: Any) -> Any:
    """The trail keeps which fields changed, not what they held."""
    if isinstance(changes, dict):
        return {key: [None, ERASED] for key in changes}
    return None


def anonymise(session: Session, child_ids: Iterable[int], on: Optional[dt.date] = None) -> AnonymisationResult:
    """Anonymise archived files at the end of their archive period (coordinator only).

    Removed: names (the child becomes « Anonyme » and its file number), the birth day
    (kept: month and year), the school (kept: the class or level), every free text of
    the file (repérage, pathway, actions, fiches, sessions, decisions, monthly remarks),
    private notes, shares, the documents' titles and their files on disk, and the
    values held by the audit trail of the child. The family follows when all its
    followed children are anonymised: name, address, phone, languages, notes, its
    adults, the agreements' signatories and scanned copies. Names of the person in EPS
    commission notes (shared by several children) are replaced. Kept: sex, birth
    month and year, neighbourhood, school level, every date and count, the référent.

    The caller then runs :func:`purge_free_pages` outside the transaction and deletes
    ``files`` with :func:`delete_files` (not here: the transaction may still roll back).
    """
    require_role(session, Role.COORDINATOR, what="anonymiser des dossiers")
    ids = list(dict.fromkeys(child_ids))
    if not ids:
        raise DomainError("Choisissez au moins un dossier à anonymiser.", "child_ids")
    day = on or today()
    years = archive_years(session)
    children = [get_or_fail(session, Child, child_id, "Enfant") for child_id in ids]
    for child in children:
        if child.archived_on is None or child.anonymised_on is not None:
            state = "n'est pas archivé" if child.archived_on is None else "est déjà anonymisé"
            raise DomainError(f"Le dossier de {child.full_name} {state} : rien n'a été anonymisé.", "child_ids")
        due = anonymisation_due_on(child.archived_on, years)
        if due > day:
            raise DomainError(f"Le dossier de {child.full_name} reste en archive jusqu'au {due:%d/%m/%Y} : "
                              "rien n'a été anonymisé.", "child_ids")
    files: list[str] = []
    chosen = {c.id for c in children}
    families: dict[int, Family] = {}
    with _unguarded(session):
        names = {child.id: _names_of(child) for child in children}
        for child in children:
            files += _anonymise_child(session, child, names[child.id], day)
            fam = child.family
            if all(c.id in chosen or c.anonymised_on is not None for c in fam.children):
                families[fam.id] = fam
        for fam in families.values():
            files += _anonymise_family(session, fam)
        session.flush()
        # Last: the events of this very flush hold the old values too.
        _scrub_trail(session, list(chosen), list(families), sorted({n for v in names.values() for n in v},
                                                                  key=len, reverse=True))
        for child in children:
            audit.record(session, AuditAction.UPDATE, "children", child.id, child_id=child.id,
                         family_id=child.family_id, summary="Dossier anonymisé à la fin de la durée d'archivage")
        session.flush()
    return AnonymisationResult(len(children), len(families), files)


def _anonymise_child(session: Session, child: Child, names: Sequence[str], day: dt.date) -> list[str]:
    files: list[str] = []
    child.last_name = ANONYMOUS_NAME
    child.first_name = f"n° {child.id}"
    child.birth_date = child.birth_date.replace(day=1)
    child.school = None
    child.school_class = anonymous_class(child.school_class)
    child.exit_reason = None
    child.notes = None
    child.anonymised_on = day
    for referral in child.referrals:
        referral.referrer_name = None
        referral.referrer_function = None
        referral.reasons = ""
        referral.notes = None
    for pathway in child.pathways:
        pathway.objectives = ""
        pathway.end_reason = None
        for action in pathway.actions:
            action.notes = None
            if action.action_type:
                action.label = action.action_type
    for decision in session.scalars(select(EpsDecision).where(EpsDecision.child_id == child.id)):
        decision.reason = None
        decision.reoriented_to = None
        decision.effects = None
    for cr in child.care_referrals:
        cr.reason = ""
        cr.guardian_id = None
        cr.psychologist_name = None
        cr.end_reason = None
        cr.age_warning_reason = None
        cr.relay_funding_note = None
        for sitting in cr.sessions:
            sitting.note = None
            sitting.relay_funding_note = None
    for answer in session.scalars(select(MonthlyAnswer).join(CareReferral, CareReferral.id == MonthlyAnswer.care_referral_id)
                                  .where(CareReferral.child_id == child.id)):
        answer.remark = None
    for meeting in session.scalars(select(EpsMeeting).join(EpsSituation, EpsSituation.meeting_id == EpsMeeting.id)
                                   .where(EpsSituation.child_id == child.id)):
        meeting.notes = _without(meeting.notes, names)
    for row in chain(session.scalars(select(PrivateNote).where(PrivateNote.child_id == child.id)),
                     session.scalars(select(ChildShare).where(ChildShare.child_id == child.id))):
        session.delete(row)
    for doc in session.scalars(select(GeneratedDocument).where(GeneratedDocument.child_id == child.id)):
        doc.title = f"Document {doc.kind} (anonymisé)"
        if doc.file_path:
            files.append(doc.file_path)
            doc.file_path = None
    return files


def _anonymise_family(session: Session, fam: Family) -> list[str]:
    files: list[str] = []
    fam.name = ANONYMOUS_NAME
    for name in ("address", "postal_code", "town", "phone", "languages", "notes"):
        setattr(fam, name, None)
    fam.interpreter_needed = False
    for guardian in list(fam.guardians):
        fam.guardians.remove(guardian)
    for consent in fam.consents:
        consent.given_by = ANONYMOUS_NAME
        consent.scope = ""
        if consent.document_path:
            files.append(consent.document_path)
            consent.document_path = None
    return files


def _scrub_trail(session: Session, child_ids: list[int], family_ids: list[int], names: Sequence[str]) -> None:
    """The audit trail of the files (its before/after values hold the old names), and the
    names in the trail of shared records (EPS commission notes)."""
    condition = AuditEvent.child_id.in_(child_ids)
    if family_ids:
        condition = or_(condition, AuditEvent.family_id.in_(family_ids))
    connection = session.connection()
    rows = connection.execute(select(AuditEvent.id, AuditEvent.changes, AuditEvent.summary).where(condition)).all()
    for event_id, changes, summary in rows:
        connection.execute(update(AuditEvent).where(AuditEvent.id == event_id).values(
            changes=_erase_values(changes), summary=ERASED if summary else None))
    if not names:
        return
    shared = connection.execute(select(AuditEvent.id, AuditEvent.changes, AuditEvent.summary).where(
        AuditEvent.entity == EpsMeeting.__tablename__, AuditEvent.child_id.is_(None))).all()
    for event_id, changes, summary in shared:
        dumped = json.dumps(changes, ensure_ascii=False) if changes is not None else None
        cleaned = _without(dumped, names)
        new_summary = _without(summary, names)
        if cleaned != dumped or new_summary != summary:
            connection.execute(update(AuditEvent).where(AuditEvent.id == event_id).values(
                changes=json.loads(cleaned) if cleaned is not None else None, summary=new_summary))


def delete_files(paths: Iterable[str]) -> tuple[list[str], list[str]]:
    """Remove the files of anonymised files from the disk: (deleted, left)."""
    deleted, left = [], []
    for path in dict.fromkeys(paths):
        file = Path(path)
        try:
            if file.is_file():
                file.unlink()
                deleted.append(path)
        except OSError:
            left.append(path)
    return deleted, left


def purge_free_pages(engine: Engine) -> None:
    """Rewrite the database so erased text survives neither in free pages nor in the WAL.

    SQLite leaves deleted or overwritten text in free pages and in the write-ahead log
    until they are reused: VACUUM rebuilds the file, the checkpoints empty the log.
    Run outside any transaction (after the anonymisation's commit).
    """
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        connection.execute(text("VACUUM"))
        busy = connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)")).first()
    if busy is not None and busy[0]:
        raise DomainError("La base est utilisée par une autre fenêtre ou un autre poste : le nettoyage final n'a pas "
                          "pu se faire. Fermez les autres accès et relancez l'anonymisation.", None)
