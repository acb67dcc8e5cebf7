"""Files the user picks (the structure's logo, a scanned agreement) kept beside the database.

The original often sits in a downloads folder or on a USB key and disappears; the copy
stays (and travels) with the base it belongs to. Named after its content, so choosing
the same file twice stores it once and two bases in one folder never overwrite each
other's copies; written under a temporary name first, so a failed copy leaves no half file.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from .errors import DomainError


def store_beside(source: Path, database_path: Path | str, folder_name: str, prefix: str, *, field: str,
                 what: str) -> Path:
    """Copy ``source`` into ``folder_name`` beside the database; ``what`` names it in a refusal
    ("Le logo", "Le document")."""
    suffix = source.suffix.lower()
    data = source.read_bytes()
    folder = Path(database_path).resolve().parent / folder_name
    target = folder / f"{prefix}-{hashlib.sha256(data).hexdigest()[:12]}{'.jpg' if suffix == '.jpeg' else suffix}"
    if not target.is_file():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(target.suffix + ".part")
            shutil.copyfile(source, partial)
            partial.replace(target)
        except OSError as error:
            raise DomainError(f"{what} n'a pas pu être copié dans {folder} : {error.strerror or error}", field) from None
    return target
