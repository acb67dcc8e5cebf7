"""Write tables to .xlsx with openpyxl: real dates and numbers, French display.

Cells keep their type (a date is a date, an amount a number) so partners and
funders can sort and add them up; number formats make Excel/LibreOffice show them
the French way (``22/11/2026``, ``1 234,50 €`` under a French locale).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .render import atomic_write

Kind = Literal["text", "date", "datetime", "amount", "int", "percent"]

NUMBER_FORMATS = {
    "date": "DD/MM/YYYY",
    "datetime": "DD/MM/YYYY HH:MM",  # a naive local date-time (Excel has no time zones)
    "amount": '#,##0.00 "€"',
    "int": "0",
    "percent": "0.0 %",
}
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")


@dataclass
class Column:
    header: str
    kind: Kind = "text"
    width: float = 15


@dataclass
class Sheet:
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    intro: list[str] = field(default_factory=list)  # lines above the table (structure, period…)
    total_row: bool = False  # last row in bold

    @property
    def header_row(self) -> int:
        """1-based row of the headers (after the intro and a blank line)."""
        return len(self.intro) + 2 if self.intro else 1


def sheet_title(text: str) -> str:
    """Excel refuses some characters and more than 31 characters in a sheet name."""
    return re.sub(r"[\[\]:*?/\\]", "-", text)[:31] or "Feuille"


def _value(value: Any, kind: Kind) -> Any:
    if value is None or value == "":
        return None
    if kind == "amount" and isinstance(value, Decimal):
        return float(value)
    if kind == "date" and isinstance(value, dt.datetime):
        return value.date()
    return value


def fill_sheet(ws: Any, sheet: Sheet) -> None:
    for i, line in enumerate(sheet.intro, start=1):
        ws.cell(row=i, column=1, value=line).font = Font(bold=(i == 1), size=12 if i == 1 else 10)
    head = sheet.header_row
    for c, column in enumerate(sheet.columns, start=1):
        cell = ws.cell(row=head, column=c, value=column.header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(c)].width = column.width
    last = len(sheet.rows) - 1
    for r, row in enumerate(sheet.rows):
        for c, column in enumerate(sheet.columns, start=1):
            cell = ws.cell(row=head + 1 + r, column=c, value=_value(row[c - 1] if c - 1 < len(row) else None, column.kind))
            if column.kind in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[column.kind]
            if sheet.total_row and r == last:
                cell.font = Font(bold=True)
    ws.freeze_panes = ws.cell(row=head + 1, column=1)
    if sheet.rows and not sheet.total_row:
        ws.auto_filter.ref = f"A{head}:{get_column_letter(len(sheet.columns))}{head + len(sheet.rows)}"


def build_workbook(sheets: list[Sheet]) -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        fill_sheet(workbook.create_sheet(sheet_title(sheet.title)), sheet)
    return workbook


def write_xlsx(sheets: list[Sheet], path: Path) -> Path:
    workbook = build_workbook(sheets)
    return atomic_write(Path(path), lambda tmp: workbook.save(str(tmp)))
