"""Word templates a structure gives for its documents (its own convention wording)."""

from __future__ import annotations

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Versioned


class DocumentTemplate(Versioned, Base):
    """The .docx itself, stored in the database rather than as a path.

    A path breaks when the database moves to another computer or is restored from a
    backup; the bytes travel with the data, and the command line finds the same
    template as the app. One row per kind of document ("convention").
    """

    __tablename__ = "document_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), unique=True)
    file_name: Mapped[str] = mapped_column(String(300))
    content: Mapped[bytes] = mapped_column(LargeBinary)
