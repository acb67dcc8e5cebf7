"""Alembic migrations shipped with the package (configured in pre_desktop.migrate)."""
