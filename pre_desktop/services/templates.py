"""A structure's own Word templates, kept in the database (see models.templates).

Checking what a template may contain is the document's business (its field list lives
with the document builder, in exports/); this module only stores, replaces and removes
the file, so that the app and the command line read the same one.
"""

from __future__ import annotations

from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import AuditAction, DocumentTemplate
from . import audit
from .access import require_directory
from .common import required_text
from .errors import DomainError

MAX_TEMPLATE_BYTES = 20 * 1024 * 1024  # a Word letter with a logo is well under this


def get_template(session: Session, kind: str) -> Optional[DocumentTemplate]:
    return session.scalars(select(DocumentTemplate).where(DocumentTemplate.kind == kind)).first()


def save_template(session: Session, kind: str, file_name: str, content: bytes) -> DocumentTemplate:
    """Store ``content`` as the template for ``kind``, replacing the previous one."""
    require_directory(session)
    name = required_text(file_name, "template", "Nom du fichier du modèle", 300)
    if not content:
        raise DomainError("Le fichier du modèle est vide.", "template")
    if len(content) > MAX_TEMPLATE_BYTES:
        raise DomainError(f"Le fichier du modèle est trop lourd ({len(content) // (1024 * 1024)} Mo, "
                          f"{MAX_TEMPLATE_BYTES // (1024 * 1024)} Mo au plus).", "template")
    template = get_template(session, kind)
    if template is None:
        template = DocumentTemplate(kind=kind, file_name=name, content=content)
        session.add(template)
    else:
        template.file_name, template.content = name, content
    session.flush()
    audit.record(session, AuditAction.UPDATE, "document_template", template.id,
                 summary=f"Modèle de document « {kind} » : {name}")
    return template


def remove_template(session: Session, kind: str) -> bool:
    """Back to the built-in layout; False when there was no template."""
    require_directory(session)
    template = get_template(session, kind)
    if template is None:
        return False
    audit.record(session, AuditAction.DELETE, "document_template", template.id,
                 summary=f"Modèle de document « {kind} » retiré : {template.file_name}")
    session.delete(template)
    session.flush()
    return True
