"""Records of generated documents: who produced which document, when, from which
version of the data. A coordinator must be able to say what was sent to a partner."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import CareReferral, EpsDecision, EpsSituation, GeneratedDocument
from . import audit
from .common import optional_text, required_text
from .access import require_child
from .errors import DomainError

FORMATS = ("pdf", "docx", "xlsx", "csv")


def record_document(session: Session, *, kind: str, file_format: str, title: str, target_type: str, target_id: int,
                    target_version: Optional[int] = None, child_id: Optional[int] = None,
                    file_path: Optional[str] = None, child_ids: Iterable[int] = (),
                    children: Optional[int] = None) -> GeneratedDocument:
    """Keep a trace of a produced document, and an "export" event in the audit trail.

    The event names the file and how many children the document concerns: one event
    per child for a document that names several (``child_ids``: a monthly table, an
    EPS agenda), one with the count ``children`` for a working list."""
    fmt = (file_format or "").lower().lstrip(".")
    if fmt not in FORMATS:
        raise DomainError(f"Format de document inconnu : « {file_format} » ({', '.join(FORMATS)}).", "file_format")
    doc = GeneratedDocument(
        kind=required_text(kind, "kind", "Type de document", 40),
        file_format=fmt,
        title=required_text(title, "title", "Titre", 300),
        target_type=required_text(target_type, "target_type", "Objet du document", 40),
        target_id=target_id,
        target_version=target_version,
        child_id=child_id,
        # Absolute: a path relative to where a command ran would not be found later.
        file_path=optional_text(str(Path(file_path).expanduser().resolve()) if file_path else None,
                                "file_path", "Fichier", 1000),
        created_by_id=session.info.get("user_id"),
    )
    session.add(doc)
    session.flush()
    ids = set(child_ids) | ({child_id} if child_id is not None else set())
    audit.record_export(session, doc.title, entity=target_type, entity_id=target_id, file_format=fmt,
                        file_path=doc.file_path, child_ids=ids, children=children)
    session.flush()
    return doc


def children_of_liaisons(session: Session, care_referral_ids: Iterable[int]) -> set[int]:
    """The children of fiches de liaison (a parent beneficiary counts for their child's file)."""
    ids = sorted(set(care_referral_ids))
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        found.update(session.scalars(select(CareReferral.child_id).where(CareReferral.id.in_(ids[start:start + 500]))))
    return found


def children_of_meeting(session: Session, meeting_id: int) -> set[int]:
    """The children an EPS meeting's documents name: on its agenda or decided on."""
    return set(session.scalars(select(EpsSituation.child_id).where(EpsSituation.meeting_id == meeting_id))) | set(
        session.scalars(select(EpsDecision.child_id).where(EpsDecision.meeting_id == meeting_id)))


def documents_for(session: Session, target_type: str, target_id: int) -> list[GeneratedDocument]:
    """Documents produced for one record (a convention, a fiche, a meeting…), newest first."""
    stmt = (select(GeneratedDocument)
            .where(GeneratedDocument.target_type == target_type, GeneratedDocument.target_id == target_id)
            .order_by(GeneratedDocument.created_at.desc(), GeneratedDocument.id.desc()))
    return list(session.scalars(stmt))


def documents_for_child(session: Session, child_id: int) -> list[GeneratedDocument]:
    """Every document that concerns one child's file, newest first (the file's Documents tab)."""
    require_child(session, child_id)
    stmt = (select(GeneratedDocument).where(GeneratedDocument.child_id == child_id)
            .order_by(GeneratedDocument.created_at.desc(), GeneratedDocument.id.desc()))
    return list(session.scalars(stmt))
