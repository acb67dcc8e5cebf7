"""Rapport annuel: the school year's figures for the State's survey and the funders.

Built from the Tableau de bord's figures (``services.statistics.Dashboard``), so the
report and the screen cannot disagree: the PDF lays each section out as a table (this
year, the previous year, the difference) with a chart where a distribution reads
better drawn; the .xlsx holds the same figures as typed cells a coordinator can copy
into the survey. Both end with the definitions (how each figure is counted), which
the survey and the funders ask for. No child is named: only counts leave the base.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path
from typing import Optional, Union

from openpyxl.styles import Alignment, Font
from sqlalchemy.orm import Session

from ..formatting import NBSP, fr_amount, fr_date, fr_number
from ..services.clock import today
from ..services.documents import record_document
from ..services.settings import get_settings
from ..services.statistics import (Breakdown, BreakdownRow, Dashboard, Figure, Number, SchoolYear, Unit,
                                   as_school_year, dashboard, format_value)
from .document import Chart, Document, Fields, Heading, Letterhead, PageBreak, Paragraph, Table, ValueKind
from .letterhead import letterhead
from .render import atomic_write, render
from .xlsx import NUMBER_FORMATS, Column, Sheet, build_workbook

FORMATS = ("pdf", "xlsx")
KIND = "annual_report"
TARGET = "school_year"  # target id: the year's first calendar year (2025 for 2025-2026)

# The figures on the cover ("chiffres clés"), when the dashboard has them.
KEY_FIGURES = ("children_followed", "new_entries", "exits", "referrals", "eps_meetings", "orientations",
               "sessions_held", "sessions_amount")
CHART_KIND: dict[Unit, ValueKind] = {"count": "int", "days": "number", "percent": "percent", "amount": "amount"}
# Sheet names (31 characters at most in Excel): the section titles, shortened where too long.
SHEET_NAMES = {"eps": "EPS", "orientations": "Orientations"}
COLUMN_WIDTHS = [2.8, 1.2, 1.2, 1.3]  # room for "+1 234 567,00 €" in bold on a total row
KEEP_ROWS = 20  # tables this short are never split across two pages
SHORT_LABEL = 16  # characters: longer category labels are drawn on horizontal bars
# .xlsx formats of a difference: always signed; a share's difference is in points of percentage.
CHANGE_FORMATS: dict[Unit, str] = {
    "count": "+0;-0;0",
    "days": '+0.0" j";-0.0" j";0" j"',
    "percent": '+0.0" pts";-0.0" pts";0',
    "amount": '+#,##0.00 "€";-#,##0.00 "€";0.00 "€"',
}
VALUE_FORMATS: dict[Unit, str] = {"count": NUMBER_FORMATS["int"], "days": '0.0" j"',
                                  "percent": NUMBER_FORMATS["percent"], "amount": NUMBER_FORMATS["amount"]}


def title_of(data: Dashboard) -> str:
    return f"Rapport annuel {data.year.label}"


def _period(year: SchoolYear) -> str:
    return f"du {fr_date(year.start)} au {fr_date(year.end)}"


# --------------------------------------------------------------------------- figures


def _difference(value: Optional[Number], previous: Optional[Number]) -> Optional[Decimal]:
    if value is None or previous is None:
        return None
    return Decimal(str(value)) - Decimal(str(previous))


def fr_change(value: Optional[Number], previous: Optional[Number], unit: Unit) -> str:
    """The difference with the previous year, signed: "+12", "-3", "+2,5 pts" (a share), "+120,00 €"."""
    diff = _difference(value, previous)
    if diff is None:
        return "—"
    if diff == 0:
        return "="
    sign = "+" if diff > 0 else "-"
    size = abs(diff)
    if unit == "amount":
        return sign + fr_amount(size)
    if unit == "percent":
        return f"{sign}{fr_number(size * 100, 1)}{NBSP}pts"
    if unit == "days":
        return f"{sign}{fr_number(size, 0 if size == size.to_integral_value() else 1)}{NBSP}j"
    return sign + fr_number(size)


def row_label(item: Union[Figure, BreakdownRow]) -> str:
    """A figure's or category's label with its precision: "Premiers rendez-vous dans le délai (45 sur 60)"."""
    return f"{item.label} ({item.detail})" if item.detail else item.label


def _has_value(value: Optional[Number]) -> bool:
    return value is not None and value != 0


def breakdown_has_data(b: Breakdown) -> bool:
    return any(_has_value(r.value) or _has_value(r.previous_value) for r in b.rows)


def year_has_data(data: Dashboard) -> bool:
    """Anything counted in the selected year (a figure or a category not nil)."""
    return any(_has_value(f.value) for s in data.sections for f in s.figures) or any(
        _has_value(r.value) for s in data.sections for b in s.breakdowns for r in b.rows)


def no_data_notice(data: Dashboard) -> str:
    return (f"Aucune activité n'est enregistrée pour l'année scolaire {data.year.label} ({_period(data.year)}) : "
            f"les chiffres de cette année valent zéro ; ceux de {data.previous_year.label} sont donnés pour mémoire.")


# --------------------------------------------------------------------------- PDF


def _figures_table(figures: tuple[Figure, ...], data: Dashboard) -> Table:
    rows = [[row_label(f), format_value(f.value, f.unit),
             format_value(f.previous_value, f.unit), fr_change(f.value, f.previous_value, f.unit)] for f in figures]
    return Table(["Indicateur", data.year.label, data.previous_year.label, "Évolution"], rows,
                 widths=COLUMN_WIDTHS, align=["left", "right", "right", "right"],
                 keep_together=len(rows) <= KEEP_ROWS)


def _breakdown_table(b: Breakdown, data: Dashboard) -> Table:
    rows = [[row_label(r), format_value(r.value, b.unit),
             format_value(r.previous_value, b.unit), fr_change(r.value, r.previous_value, b.unit)] for r in b.rows]
    if b.total is not None:
        rows.append(["Total", format_value(b.total, b.unit), format_value(b.previous_total, b.unit),
                     fr_change(b.total, b.previous_total, b.unit)])
    return Table([b.title, data.year.label, data.previous_year.label, "Évolution"], rows,
                 widths=COLUMN_WIDTHS, align=["left", "right", "right", "right"],
                 total_row=b.total is not None, keep_together=len(rows) <= KEEP_ROWS)


def breakdown_chart(b: Breakdown, data: Dashboard) -> Optional[Chart]:
    """The breakdown drawn, when its figures suggest a chart and there is something to draw."""
    if not b.chart or not b.rows or not breakdown_has_data(b):
        return None
    labels = [r.label for r in b.rows]
    if b.chart == "pie" and len(labels) <= 8 and b.unit == "count":
        kind = "pie"
    elif len(labels) <= 6 and all(len(label) <= SHORT_LABEL for label in labels):
        kind = "bar"
    else:
        kind = "hbar"
    series = [(data.year.label, [float(r.value or 0) for r in b.rows]),
              (data.previous_year.label, [float(r.previous_value or 0) for r in b.rows])]
    return Chart(kind, b.title, labels, series, value_kind=CHART_KIND[b.unit])  # type: ignore[arg-type]


def _cover(doc: Document, data: Dashboard, printed_on: dt.date) -> None:
    doc.add(Fields([("Année scolaire", f"{data.year.label}, {_period(data.year)}"),
                    ("Comparée à", f"{data.previous_year.label}, {_period(data.previous_year)}"),
                    ("Chiffres arrêtés le", fr_date(data.computed_on)),
                    ("Édité le", fr_date(printed_on))], label_width=0.3))
    if not year_has_data(data):
        doc.add(Paragraph(no_data_notice(data), align="left", bold=True))
    figures = {f.key: f for s in data.sections for f in s.figures}
    key = [figures[k] for k in KEY_FIGURES if k in figures]
    if key:
        doc.add(Heading("Chiffres clés"), _figures_table(tuple(key), data))
    doc.add(Paragraph("Chaque chiffre est compté comme l'indique la page « Définitions » en fin de rapport ; "
                      "l'évolution est la différence avec l'année précédente (en points pour un taux).",
                      small=True, italic=True))


def annual_report_document(data: Dashboard, head: Letterhead, printed_on: Optional[dt.date] = None) -> Document:
    """The report as one Document: cover with key figures, a part per section, the definitions."""
    printed_on = printed_on or today()
    doc = Document("Rapport annuel d'activité",
                   subtitle=f"Programme de réussite éducative — année scolaire {data.year.label}",
                   letterhead=head, footer=f"{head.name} — {title_of(data)}")
    _cover(doc, data, printed_on)
    doc.add(PageBreak())
    for section in data.sections:
        doc.add(Heading(section.title))
        current = any(_has_value(f.value) for f in section.figures) or any(
            _has_value(r.value) for b in section.breakdowns for r in b.rows)
        if section.figures:
            doc.add(_figures_table(section.figures, data))
        if not current:  # after the table: the heading stays with it
            doc.add(Paragraph(f"Aucune donnée pour {data.year.label} dans cette partie.", italic=True, small=True))
        for b in section.breakdowns:
            chart = breakdown_chart(b, data)
            if chart is not None:
                doc.add(chart, _breakdown_table(b, data))  # the chart's title heads both
            elif b.rows:
                doc.add(Heading(b.title, level=2), _breakdown_table(b, data))
            else:
                doc.add(Heading(b.title, level=2),
                        Paragraph("Aucune donnée pour ces deux années.", italic=True, small=True))
    doc.add(PageBreak(), Heading("Définitions"),
            Paragraph(f"L'année scolaire va du 1er septembre au 31 août (ici {_period(data.year)}) ; l'année "
                      f"précédente est comptée de la même façon. Les chiffres portent sur toute la structure."))
    for section in data.sections:
        items = [(f.label, f.definition) for f in section.figures]
        items += [(b.title, b.definition) for b in section.breakdowns]
        if items:
            doc.add(Heading(section.title, level=2), Fields(items, label_width=0.3))
    return doc


# --------------------------------------------------------------------------- .xlsx


def _xlsx_value(value: Optional[Number], unit: Unit) -> Union[int, float, None]:
    if value is None:
        return None
    if unit == "count":
        return int(value)
    return float(value)


def _xlsx_row(indicator: str, category: str, value: Optional[Number], previous: Optional[Number],
              unit: Unit) -> list[object]:
    diff = _difference(value, previous)
    if diff is not None and unit == "percent":
        diff *= 100  # points of percentage
    return [indicator, category, _xlsx_value(value, unit), _xlsx_value(previous, unit), _xlsx_value(diff, unit),
            unit]


def annual_report_sheets(data: Dashboard, structure: str, printed_on: Optional[dt.date] = None
                         ) -> tuple[list[Sheet], list[list[Unit]]]:
    """One sheet per section (figures, then each breakdown's categories and total) and a
    "Définitions" sheet; with each sheet's row units, which give the cells their format."""
    printed_on = printed_on or today()
    sheets: list[Sheet] = []
    units: list[list[Unit]] = []
    notice = [] if year_has_data(data) else [no_data_notice(data)]
    for section in data.sections:
        rows: list[list[object]] = [_xlsx_row(row_label(f), "", f.value, f.previous_value, f.unit)
                                    for f in section.figures]
        for b in section.breakdowns:
            rows += [_xlsx_row(b.title, r.label, r.value, r.previous_value, b.unit) for r in b.rows]
            if b.total is not None:
                rows.append(_xlsx_row(b.title, "Total", b.total, b.previous_total, b.unit))
        sheets.append(Sheet(SHEET_NAMES.get(section.key, section.title), [
            Column("Indicateur", "text", 46), Column("Catégorie", "text", 44),
            Column(data.year.label, "text", 14), Column(data.previous_year.label, "text", 14),
            Column("Évolution", "text", 13)],
            [row[:5] for row in rows],
            intro=[structure, f"{title_of(data)} — {section.title}",
                   f"Année scolaire {data.year.label} ({_period(data.year)}), comparée à {data.previous_year.label}",
                   f"Édité le {fr_date(printed_on)}", *notice]))
        units.append([row[5] for row in rows])  # type: ignore[misc]
    definitions = [[section.title, label, text] for section in data.sections
                   for label, text in [*((f.label, f.definition) for f in section.figures),
                                       *((b.title, b.definition) for b in section.breakdowns)]]
    sheets.append(Sheet("Définitions", [Column("Partie", "text", 26), Column("Indicateur", "text", 40),
                                        Column("Définition", "text", 90)], definitions,
                        intro=[structure, f"{title_of(data)} — comment chaque chiffre est compté",
                               f"L'année scolaire va du 1er septembre au 31 août ; "
                               f"l'année précédente est comptée de la même façon."]))
    units.append([])
    return sheets, units


def write_annual_report_xlsx(data: Dashboard, structure: str, path: Path,
                             printed_on: Optional[dt.date] = None) -> Path:
    sheets, units = annual_report_sheets(data, structure, printed_on)
    workbook = build_workbook(sheets)
    for ws, sheet, row_units in zip(workbook.worksheets, sheets, units):
        first = sheet.header_row + 1
        for r, unit in enumerate(row_units):
            for column in (3, 4):
                ws.cell(row=first + r, column=column).number_format = VALUE_FORMATS[unit]
            ws.cell(row=first + r, column=5).number_format = CHANGE_FORMATS[unit]
        if not row_units:  # the definitions: long text wraps in its column, on rows made high enough
            for r, row in enumerate(ws.iter_rows(min_row=first, max_row=first + len(sheet.rows) - 1)):
                lines = 1
                for cell, column in zip(row, sheet.columns):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                    lines = max(lines, math.ceil(len(str(cell.value or "")) * 1.1 / column.width))
                ws.row_dimensions[first + r].height = 13 * lines + 2
        for line in range(2, len(sheet.intro) + 1):
            if sheet.intro[line - 1].startswith("Aucune activité"):
                ws.cell(row=line, column=1).font = Font(bold=True, color="C00000")
        for r, row in enumerate(sheet.rows):
            if row[1] == "Total":
                for column in range(1, len(sheet.columns) + 1):
                    ws.cell(row=first + r, column=column).font = Font(bold=True)
        # printed on the width of a landscape page (LibreOffice and Excel would cut the columns)
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.print_title_rows = f"{sheet.header_row}:{sheet.header_row}"
    return atomic_write(Path(path), lambda tmp: workbook.save(str(tmp)))


# --------------------------------------------------------------------------- writing


def write_annual_report_file(data: Dashboard, head: Letterhead, file_format: str, path: Path,
                             printed_on: Optional[dt.date] = None) -> Path:
    """Write already computed figures (no database): "pdf" or "xlsx"."""
    if file_format == "xlsx":
        return write_annual_report_xlsx(data, head.name, Path(path), printed_on)
    if file_format != "pdf":
        raise ValueError(f"unknown format: {file_format}")
    return render(annual_report_document(data, head, printed_on), "pdf", Path(path))


def write_annual_report(session: Session, year: Union[SchoolYear, str, int], file_format: str, path: Path,
                        data: Optional[Dashboard] = None) -> Path:
    """Write the Rapport annuel of ``year`` as ``file_format`` ("pdf" or "xlsx") into
    ``path`` and record it (GeneratedDocument kind "annual_report", target "school_year"
    / the year's first calendar year, and the audit EXPORT event) in ``session``. The
    action behind the Tableau de bord's report button and ``export annual``.

    ``year``: a SchoolYear, "2025-2026" or 2025; one that cannot be read raises
    DomainError (field "year") before anything is written. ``data``: the year's
    figures when the caller already holds them (the dashboard on screen), else they
    are computed here. The file is written atomically (a failure leaves no half file);
    the caller commits the session (the UI within ``ctx.write()``, which attributes
    the record to the user). Under a second on the 20 000-children benchmark base,
    statistics included: run it off the UI thread all the same, with its own session.
    """
    if data is None or data.year != as_school_year(year):
        data = dashboard(session, year)
    out = write_annual_report_file(data, letterhead(get_settings(session)), file_format, Path(path))
    record_document(session, kind=KIND, file_format=file_format,
                    title=f"{title_of(data)} ({data.year.label} comparée à {data.previous_year.label})",
                    target_type=TARGET, target_id=data.year.start_year, file_path=str(out))
    return out
