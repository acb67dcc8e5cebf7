"""Structure settings, generated-document records and the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Versioned, enum_column, utcnow
from .enums import AuditAction


class StructureSettings(Versioned, Base):
    """The PRE's own identity, used by every document (a single row)."""

    __tablename__ = "structure_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    pre_name: Mapped[str] = mapped_column(String(200), default="")
    legal_carrier_kind: Mapped[Optional[str]] = mapped_column(String(80))  # Caisse des écoles, CCAS, GIP, commune
    legal_carrier_name: Mapped[Optional[str]] = mapped_column(String(200))
    address: Mapped[Optional[str]] = mapped_column(String(300))
    postal_code: Mapped[Optional[str]] = mapped_column(String(10))
    town: Mapped[Optional[str]] = mapped_column(String(120))
    legal_representative: Mapped[Optional[str]] = mapped_column(String(200))
    legal_representative_title: Mapped[Optional[str]] = mapped_column(String(200))
    coordinator_name: Mapped[Optional[str]] = mapped_column(String(200))
    phone: Mapped[Optional[str]] = mapped_column(String(40))
    email: Mapped[Optional[str]] = mapped_column(String(200))
    logo_path: Mapped[Optional[str]] = mapped_column(String(500))
    administrative_court: Mapped[Optional[str]] = mapped_column(String(200))
    public_age_min: Mapped[int] = mapped_column(Integer, default=2)
    public_age_max: Mapped[int] = mapped_column(Integer, default=16)
    # Data protection (issue 9): idle minutes before the window locks; years after the last
    # contact before a file is listed for archiving; years in the archive before anonymisation.
    lock_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=10, server_default="10")
    retention_years: Mapped[int] = mapped_column(Integer, nullable=False, default=2, server_default="2")
    archive_years: Mapped[int] = mapped_column(Integer, nullable=False, default=3, server_default="3")


class GeneratedDocument(Base):
    """A document produced by the app: who, when, from which version of the data."""

    __tablename__ = "generated_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # convention, liaison, monthly, statement, eps_minutes…
    file_format: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int] = mapped_column(Integer, index=True)
    target_version: Mapped[Optional[int]] = mapped_column(Integer)
    child_id: Mapped[Optional[int]] = mapped_column(ForeignKey("children.id", ondelete="SET NULL"), index=True)
    file_path: Mapped[Optional[str]] = mapped_column(String(1000))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))


class AuditEvent(Base):
    """One traced operation: who, when, which record, field-level before/after."""

    __tablename__ = "audit_events"
    # The Journal des accès filters by action or by user, newest first (revision 0004).
    __table_args__ = (Index("ix_audit_events_action_at", "action", "at"),
                      Index("ix_audit_events_user_at", "user_id", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[AuditAction] = mapped_column(enum_column(AuditAction))
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[Optional[int]] = mapped_column(Integer)
    child_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)  # no FK: the trail outlives the file
    family_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)
    # {"field": [before, after], ...} as JSON-safe strings
    changes: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    summary: Mapped[Optional[str]] = mapped_column(Text)
