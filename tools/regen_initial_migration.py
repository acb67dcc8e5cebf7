"""Regenerate the initial migration (0001_initial) from the current models.

While the schema is still being built no database exists in the field, so the
first revision is rewritten from the models instead of stacking small steps.
Refuses once later revisions exist: from then on, every change is a new revision.

    .venv/bin/python tools/regen_initial_migration.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from pre_desktop import migrate
from pre_desktop.paths import migrations_dir

REV_ID = "0001"
MESSAGE = "initial"


def main() -> int:
    versions = migrations_dir() / "versions"
    versions.mkdir(exist_ok=True)
    others = [p.name for p in versions.glob("*.py") if not p.name.startswith(f"{REV_ID}_") and p.name != "__init__.py"]
    if others:
        print(f"Refusé : d'autres révisions existent ({', '.join(sorted(others))}). Ajoutez une nouvelle révision.", file=sys.stderr)
        return 1
    for old in versions.glob(f"{REV_ID}_*.py"):
        old.unlink()
        print(f"supprimé : {old}")
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'empty.sqlite'}")
        with engine.begin() as conn:
            command.revision(migrate.alembic_config(conn), message=MESSAGE, autogenerate=True, rev_id=REV_ID)
        engine.dispose()
    created = sorted(versions.glob(f"{REV_ID}_*.py"))
    print(f"créé : {created[0] if created else '?'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
