"""The partners directory as an .xlsx workbook.

The first sheet uses the import's column names, so a directory exported from one
PRE can be imported by another (or corrected in Excel and imported back into an
empty base); it carries each partner's first contact, and the "Contacts" sheet
lists them all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

from sqlalchemy.orm import Session

from ..formatting import fr_date
from ..services.clock import today
from ..services.documents import record_document
from ..services.partner_import import TARGET_LABELS
from ..services.partners import DirectoryEntry, directory
from ..services.settings import structure_name
from .xlsx import Column, Sheet, write_xlsx

DIRECTORY_COLUMNS: list[tuple[str, str, float]] = [  # (import field, kind, width)
    ("name", "text", 34), ("type", "text", 30), ("address", "text", 30), ("postal_code", "text", 10),
    ("town", "text", 20), ("phone", "text", 16), ("email", "text", 26), ("sector", "text", 16),
    ("age_min", "int", 9), ("age_max", "int", 9), ("active", "text", 9), ("contact_name", "text", 22),
    ("contact_function", "text", 18), ("contact_phone", "text", 16), ("contact_email", "text", 26),
    ("notes", "text", 40),
]


def _row(entry: DirectoryEntry) -> list[object]:
    first = entry.contacts[0] if entry.contacts else None
    values = {
        "name": entry.name, "type": entry.type_label, "address": entry.address, "postal_code": entry.postal_code,
        "town": entry.town, "phone": entry.phone, "email": entry.email, "sector": entry.sector,
        "age_min": entry.age_min, "age_max": entry.age_max, "active": "oui" if entry.active else "non",
        "contact_name": first.name if first else None, "contact_function": first.function if first else None,
        "contact_phone": first.phone if first else None, "contact_email": first.email if first else None,
        "notes": entry.notes,
    }
    return [values[key] for key, _, _ in DIRECTORY_COLUMNS]


def directory_sheets(entries: list[DirectoryEntry], structure: str, on: dt.date) -> list[Sheet]:
    partners = Sheet(
        "Annuaire des partenaires",
        [Column(TARGET_LABELS[key], kind, width) for key, kind, width in DIRECTORY_COLUMNS],  # type: ignore[arg-type]
        [_row(e) for e in entries],
    )
    contacts = Sheet(
        "Contacts",
        [Column("Structure", "text", 34), Column("Commune", "text", 20), Column("Nom", "text", 24),
         Column("Fonction", "text", 20), Column("Téléphone", "text", 16), Column("Courriel", "text", 28)],
        [[e.name, e.town, c.name, c.function, c.phone, c.email] for e in entries for c in e.contacts],
        intro=[f"{structure} — contacts des structures partenaires", f"Au {fr_date(on)}"],
    )
    return [partners, contacts]


DOCUMENT_KIND = "partners_directory"
DOCUMENT_TARGET = "partners_directory"  # the whole directory: target id 0


def write_directory(entries: list[DirectoryEntry], path: Path, structure: str,
                    on: Optional[dt.date] = None) -> Path:
    return write_xlsx(directory_sheets(entries, structure, on or today()), Path(path))


def export_directory(session: Session, path: Path, *, active: Optional[bool] = None) -> tuple[Path, int]:
    """Write the directory and record the document (who, when); returns the file and the partners count."""
    entries = directory(session, active=active)
    written = write_directory(entries, path, structure_name(session))
    record_document(session, kind=DOCUMENT_KIND, file_format="xlsx",
                    title=f"Annuaire des partenaires ({len(entries)} structures)", target_type=DOCUMENT_TARGET,
                    target_id=0, file_path=str(written))
    return written, len(entries)
