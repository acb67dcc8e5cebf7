"""The pseudonymised statistical export as .csv or .xlsx, recorded as an export.

.csv: UTF-8 with a byte order mark and « ; » between fields, what French Excel opens
directly (accents intact, one column per field); dates JJ/MM/AAAA. .xlsx: the same
columns as typed cells, under a short heading, with a sheet defining each column.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ..formatting import fr_date
from ..services.clock import today
from ..services.documents import record_document
from ..services.errors import DomainError
from ..services.pseudonymised import COLUMNS, PseudonymisedData, pseudonymised_rows
from ..services.settings import structure_name
from ..services.statistics import SchoolYear
from .render import atomic_write
from .xlsx import Column, Sheet, build_workbook

FORMATS = ("csv", "xlsx")
DOCUMENT_KIND = "pseudonymised_export"
DOCUMENT_TARGET = "school_year"  # target id: the year's first calendar year


def _cell(value: Any) -> Any:
    if isinstance(value, dt.date):
        return fr_date(value)
    return "" if value is None else value


def write_csv(data: PseudonymisedData, path: Path) -> Path:
    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as handle:
            out = csv.writer(handle, delimiter=";", lineterminator="\r\n")
            out.writerow([header for _, header, _, _, _ in COLUMNS])
            for row in data.rows:
                out.writerow([_cell(getattr(row, name)) for name, *_ in COLUMNS])

    return atomic_write(Path(path), write)


def write_workbook(data: PseudonymisedData, path: Path, structure: str, on: dt.date) -> Path:
    rows = Sheet(
        f"Données {data.year.label}",
        [Column(header, kind, width) for _, header, kind, width, _ in COLUMNS],  # type: ignore[arg-type]
        [[getattr(row, name) for name, *_ in COLUMNS] for row in data.rows],
        intro=[f"Export statistique pseudonymisé — année scolaire {data.year.label}",
               f"{structure} — au {fr_date(on)} — {len(data.rows)} enfants suivis, une ligne chacun ; ni nom, "
               "ni contact, ni texte saisi."],
    )
    definitions = Sheet("Définitions", [Column("Colonne", "text", 30), Column("Définition", "text", 100)],
                        [[header, text] for _, header, _, _, text in COLUMNS])
    workbook = build_workbook([rows, definitions])
    # Headers wrap on two or three lines in their narrow columns: a row high enough to show them.
    lines = max(math.ceil(len(header) / max(width - 2, 1)) for _, header, _, width, _ in COLUMNS)
    workbook.worksheets[0].row_dimensions[rows.header_row].height = 15 * lines
    return atomic_write(Path(path), lambda tmp: workbook.save(str(tmp)))


def export_pseudonymised(session: Session, year: SchoolYear | str | int, file_format: str, path: Path) -> Path:
    """Write the export and record it (who, when, how many children: not which — it names none)."""
    if file_format not in FORMATS:
        raise DomainError(f"Format inconnu : « {file_format} » (csv ou xlsx).", "file_format")
    data = pseudonymised_rows(session, year)
    path = Path(path)
    if path.suffix.lower() != f".{file_format}":
        path = path.with_name(path.name + f".{file_format}")
    written = (write_csv(data, path) if file_format == "csv"
               else write_workbook(data, path, structure_name(session), today()))
    record_document(session, kind=DOCUMENT_KIND, file_format=file_format,
                    title=f"Export statistique pseudonymisé {data.year.label}",
                    target_type=DOCUMENT_TARGET, target_id=data.year.start_year, file_path=str(written),
                    children=len(data.rows))
    return written
