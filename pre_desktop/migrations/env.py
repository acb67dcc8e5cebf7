"""Alembic environment, driven by pre_desktop.migrate (there is no alembic.ini).

The caller hands over an open connection in ``config.attributes["connection"]``
so the migration runs on the very engine the app uses (same pragmas). Batch mode
lets SQLite alter tables by copying them; the schema stays portable to PostgreSQL.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from pre_desktop.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(**kwargs) -> None:  # noqa: ANN003
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    """Emit SQL text only (``alembic upgrade --sql``), for review."""
    _configure(url=config.get_main_option("sqlalchemy.url") or "sqlite://", literal_binds=True,
               dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection: Connection | None = config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.connect() as conn:
            _configure(connection=conn)
            with context.begin_transaction():
                context.run_migrations()
        engine.dispose()
        return
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
