"""Records of generated documents: who produced which document, when, from which
version of the data. A coordinator must be able to say what was sent to a partner."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import AuditAction, GeneratedDocument
from . import audit
from .common import optional_text, required_text
from .errors import DomainError

FORMATS = ("pdf", "docx", "xlsx", "csv")


def record_document(session: Session, *, kind: str, file_format: str, title: str, target_type: str, target_id: int,
                    target_version: Optional[int] = None, child_id: Optional[int] = None,
                    file_path: Optional[str] = None) -> GeneratedDocument:
    """Keep a trace of a produced document, and an "export" event in the audit trail."""
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
    audit.record(session, AuditAction.EXPORT, target_type, target_id, child_id=child_id,
                 summary=f"{title} ({fmt})")
    session.flush()
    return doc


def documents_for(session: Session, target_type: str, target_id: int) -> list[GeneratedDocument]:
    """Documents produced for one record (a convention, a fiche, a meeting…), newest first."""
    stmt = (select(GeneratedDocument)
            .where(GeneratedDocument.target_type == target_type, GeneratedDocument.target_id == target_id)
            .order_by(GeneratedDocument.created_at.desc(), GeneratedDocument.id.desc()))
    return list(session.scalars(stmt))


def documents_for_child(session: Session, child_id: int) -> list[GeneratedDocument]:
    """Every document that concerns one child's file, newest first (the file's Documents tab)."""
    stmt = (select(GeneratedDocument).where(GeneratedDocument.child_id == child_id)
            .order_by(GeneratedDocument.created_at.desc(), GeneratedDocument.id.desc()))
    return list(session.scalars(stmt))
