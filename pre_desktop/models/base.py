"""Declarative base shared by every table.

The naming convention gives every constraint a stable name so that Alembic
migrations stay portable (SQLite batch mode and PostgreSQL alike).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, MetaData, func
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Naive UTC timestamp: SQLite has no time zones, and naive UTC stays comparable."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Versioned:
    """Optimistic locking for every editable record.

    SQLAlchemy increments ``version`` on each UPDATE and refuses to write a row whose
    version moved underneath (StaleDataError). Services additionally compare the
    version the user read with the current one, so a stale form gets a French message
    instead of a silent overwrite.
    """

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, server_default=func.current_timestamp())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow, server_default=func.current_timestamp())

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}


def enum_column(enum_cls: type) -> SAEnum:
    """Store an enum as its English code in a plain VARCHAR (portable, readable)."""
    return SAEnum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=30,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
