"""Tableau mensuel for a partner (rule 5): PDF and Word from one Document, .xlsx from
the same service data, and the month's batch for every partner.

The .xlsx is also the form the partner fills in and sends back: a "Séances" sheet
(one line per session, N° de fiche as the stable key, the session's number in a
hidden column so corrections go back to it), the answer columns of the first sheet,
and a hidden sheet naming the partner and the month, read by
``services.attendance_import``. Only what rule 7 allows a partner to see is written.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy.orm import Session, sessionmaker

from .. import db
from ..formatting import fr_date
from ..models import SessionKind, SessionStatus
from ..services.attendance_import import (
    ANSWER_HEADER,
    META_SHEET,
    META_VERSION,
    REMARK_HEADER,
    SESSION_HEADERS,
    SESSIONS_SHEET,
    TABLE_SHEET,
    YES,
    NO,
)
from ..services.clock import today
from ..services.documents import children_of_liaisons, record_document
from ..services.labels import label
from ..services.reports import MonthlyRow, MonthlyTable, monthly_table
from ..services.session_batches import partners_of_month
from ..services.settings import get_settings
from .document import Document, Fields, Letterhead, Paragraph, Table
from .letterhead import letterhead
from .render import atomic_write, render
from .xlsx import Column, Sheet, build_workbook

FORMATS = ("pdf", "docx", "xlsx")
KIND = "monthly_table"
EXTRA_LINES = 40  # empty lines the partner may fill with sessions not in the table

ASK = ("Merci d'indiquer pour chaque bénéficiaire s'il vient régulièrement aux rendez-vous proposés "
       "(oui / non), vos remarques, et les séances du mois qui manqueraient, puis de retourner ce tableau "
       "au programme de réussite éducative.")


def answer_text(value: Optional[bool]) -> str:
    return "" if value is None else (YES if value else NO)


KIND_SHORT = {SessionKind.INDIVIDUAL: "individuel", SessionKind.PARENTS: "parents", SessionKind.FAMILY: "familial"}


def session_line(s: object) -> str:
    """``05/10 individuel — Présent``: the month is the table's, the line must fit a cell."""
    return f"{s.session_date:%d/%m} {KIND_SHORT[s.kind]} — {label(s.status)}"  # type: ignore[attr-defined]


def _end_text(row: MonthlyRow) -> str:
    if row.ended_on is None:
        return ""
    return fr_date(row.ended_on) + (f"\n{row.end_reason}" if row.end_reason else "")


def _used_text(row: MonthlyRow) -> str:
    text = f"{row.used} / {row.quota}"
    return text + f"\n+ {row.hors_quota} hors quota" if row.hors_quota else text


def title_of(table: MonthlyTable) -> str:
    return f"Tableau mensuel — {table.partner_name} — {table.month_label}"


def monthly_document(table: MonthlyTable, head: Letterhead, printed_on: Optional[dt.date] = None) -> Document:
    """The table as printed for the partner (landscape: one line per beneficiary)."""
    doc = Document("Tableau mensuel des bénéficiaires", subtitle=f"{table.partner_name} — {table.month_label}",
                   letterhead=head, landscape=True,
                   footer=f"{title_of(table)} — confidentiel, réservé au partenaire destinataire")
    doc.add(Fields([("Structure", table.pre_name), ("Partenaire", table.partner_name), ("Mois", table.month_label),
                    ("Édité le", fr_date(printed_on or today())),
                    ("Bénéficiaires", str(len(table.rows)))], label_width=0.18))
    headers = ["N°", "Nom", "Prénom", "Orientée le", "1er rendez-vous", "Séances du mois (date, type — statut)",
               "Séances / quota", "Fin de parcours", "Vient régulièrement : oui / non", "Remarque"]
    rows = [[str(r.care_referral_id), r.last_name, r.first_name, fr_date(r.requested_on),
             fr_date(r.first_appointment_on), "\n".join(session_line(s) for s in r.sessions) or "Aucune",
             _used_text(r), _end_text(r), answer_text(r.comes_regularly), r.remark or ""] for r in table.rows]
    if rows:
        doc.add(Table(headers, rows, widths=[0.45, 1.25, 1.0, 0.95, 1.0, 2.45, 0.8, 1.35, 1.35, 1.2],
                      align=["right", "left", "left", "left", "left", "left", "center", "left", "center", "left"],
                      small=True))
    else:
        doc.add(Paragraph(f"Aucun bénéficiaire suivi par {table.partner_name} en {table.month_label}.", italic=True))
    doc.add(Paragraph(ASK, small=True))
    return doc


def monthly_sheets(table: MonthlyTable, printed_on: Optional[dt.date] = None) -> list[Sheet]:
    """The same content as the document, as typed cells, plus the sessions sheet to fill in."""
    intro = [table.pre_name, title_of(table), f"Édité le {fr_date(printed_on or today())}", ASK]
    main = Sheet(TABLE_SHEET, [
        Column("N° fiche", "int", 9), Column("Nom", "text", 18), Column("Prénom", "text", 14),
        Column("Orientée le", "date", 12), Column("1er rendez-vous", "date", 13),
        Column("Séances du mois (date, type — statut)", "text", 36), Column("Séances / quota", "text", 14),
        Column("Fin de parcours", "date", 13), Column("Motif de fin", "text", 18),
        Column(ANSWER_HEADER, "text", 16), Column(REMARK_HEADER, "text", 40),
    ], [[r.care_referral_id, r.last_name, r.first_name, r.requested_on, r.first_appointment_on,
         "\n".join(session_line(s) for s in r.sessions), _used_text(r), r.ended_on, r.end_reason or "",
         answer_text(r.comes_regularly), r.remark or ""] for r in table.rows], intro=intro)
    sessions = Sheet(SESSIONS_SHEET, [
        Column(header, kind, width) for header, kind, width in zip(
            SESSION_HEADERS, ("int", "text", "text", "date", "text", "text", "int"), (9, 18, 14, 12, 22, 24, 8))
    ], [[r.care_referral_id, r.last_name, r.first_name, s.session_date, label(s.kind), label(s.status), s.session_id]
        for r in table.rows for s in r.sessions],
        intro=[title_of(table), "Une ligne par séance : ajoutez les séances manquantes (N° fiche, date, type, statut), "
                                "corrigez un statut si besoin."])
    return [main, sessions]


def _finish_workbook(workbook, table: MonthlyTable, sheets: list[Sheet]) -> None:  # noqa: ANN001
    """What the partner needs to fill the file in safely and what the import needs to read it back."""
    main, sessions = sheets
    ws = workbook[TABLE_SHEET]
    first, last = main.header_row + 1, main.header_row + max(len(main.rows), 1)
    wrapped = Alignment(wrap_text=True, vertical="top")
    for number, row in enumerate(ws.iter_rows(min_row=first, max_row=last)):
        for cell in row:
            cell.alignment = wrapped
        if number < len(table.rows):  # spreadsheets do not grow a row for wrapped lines by themselves
            r = table.rows[number]
            lines = max(len(r.sessions), 1 + (r.hors_quota > 0), 1 + bool(r.remark and len(r.remark) > 40))
            ws.row_dimensions[row[0].row].height = 15 * lines
    answers = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True,
                             errorTitle="Vient régulièrement", error="Répondez « oui » ou « non ».")
    ws.add_data_validation(answers)
    answers.add(f"J{first}:J{last}")
    ws = workbook[SESSIONS_SHEET]
    first = sessions.header_row + 1
    last = sessions.header_row + len(sessions.rows) + EXTRA_LINES
    kinds = DataValidation(type="list", formula1='"' + ",".join(label(k) for k in SessionKind) + '"', allow_blank=True)
    statuses = DataValidation(type="list", formula1='"' + ",".join(label(s) for s in SessionStatus) + '"',
                              allow_blank=True)
    for validation, column in ((kinds, "E"), (statuses, "F")):
        ws.add_data_validation(validation)
        validation.add(f"{column}{first}:{column}{last}")
    for r in range(first + len(sessions.rows), last + 1):
        ws.cell(row=r, column=4).number_format = "DD/MM/YYYY"
    ws.column_dimensions[get_column_letter(7)].hidden = True
    if ws.auto_filter.ref:
        ws.auto_filter.ref = f"A{sessions.header_row}:F{last}"
    for sheet in (workbook[TABLE_SHEET], ws):  # printed like the PDF: landscape, as wide as the page
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        sheet.row_dimensions[main.header_row if sheet.title == TABLE_SHEET else sessions.header_row].height = 30
        sheet.print_title_rows = f"{main.header_row if sheet.title == TABLE_SHEET else sessions.header_row}:" \
                                 f"{main.header_row if sheet.title == TABLE_SHEET else sessions.header_row}"
    meta = workbook.create_sheet(META_SHEET)
    for r, (key, value) in enumerate((("format", META_VERSION), ("partner_id", table.partner_id),
                                      ("month", f"{table.year:04d}-{table.month:02d}")), start=1):
        meta.cell(row=r, column=1, value=key)
        meta.cell(row=r, column=2, value=value)
    meta.sheet_state = "hidden"


def write_monthly(table: MonthlyTable, head: Letterhead, file_format: str, path: Path,
                  printed_on: Optional[dt.date] = None) -> Path:
    if file_format == "xlsx":
        sheets = monthly_sheets(table, printed_on)
        workbook = build_workbook(sheets)
        _finish_workbook(workbook, table, sheets)
        return atomic_write(Path(path), lambda tmp: workbook.save(str(tmp)))
    if file_format not in FORMATS:
        raise ValueError(f"unknown format: {file_format}")
    return render(monthly_document(table, head, printed_on), file_format, Path(path))


def export_monthly(session: Session, partner_id: int, year: int, month: int, file_format: str, path: Path) -> Path:
    """Build, write and record the partner's table for the month (the action behind the UI and CLI)."""
    table = monthly_table(session, partner_id, year, month)
    out = write_monthly(table, letterhead(get_settings(session)), file_format, Path(path))
    record_document(session, kind=KIND, file_format=file_format, title=title_of(table), target_type="partner",
                    target_id=partner_id, file_path=str(out), child_ids=_children(session, table))
    return out


def _children(session: Session, table: MonthlyTable) -> set[int]:
    return children_of_liaisons(session, (row.care_referral_id for row in table.rows))


def default_name(partner_name: str, year: int, month: int, file_format: str) -> str:
    safe = re.sub(r'[\\/:*?"<>|]+', "-", partner_name).strip(" .") or "partenaire"
    return f"Tableau mensuel {year:04d}-{month:02d} - {safe}.{file_format}"


@dataclass(frozen=True)
class BatchResult:
    written: tuple[Path, ...]
    skipped: tuple[str, ...]  # partners with no beneficiary whose family agreed
    cancelled: bool
    left_out: int = 0  # beneficiaries without their family's agreement, in no table (rule 7)


def export_month_batch(factory: sessionmaker[Session], user_id: Optional[int], year: int, month: int, folder: Path,
                       formats: Sequence[str], progress: Callable[[int, int, str], None] = lambda *_: None,
                       cancelled: Callable[[], bool] = lambda: False) -> BatchResult:
    """Every partner's table of the month into ``folder``; each partner in its own
    transaction (a document written is recorded even if the batch is stopped later)."""
    with factory() as session:
        partners = partners_of_month(session, year, month)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    skipped: list[str] = []
    left_out = 0
    for number, partner in enumerate(partners):
        if cancelled():
            return BatchResult(tuple(written), tuple(skipped), True, left_out)
        progress(number, len(partners), partner.name)
        with db.session_scope(factory, user_id) as session:
            table = monthly_table(session, partner.partner_id, year, month)
            left_out += table.omitted_without_consent
            if not table.rows:
                skipped.append(partner.name)
                continue
            head = letterhead(get_settings(session))
            for file_format in formats:
                out = write_monthly(table, head, file_format, folder / default_name(partner.name, year, month,
                                                                                    file_format))
                record_document(session, kind=KIND, file_format=file_format, title=title_of(table),
                                target_type="partner", target_id=partner.partner_id, file_path=str(out),
                                child_ids=_children(session, table))
                written.append(out)
    progress(len(partners), len(partners), "")
    return BatchResult(tuple(written), tuple(skipped), False, left_out)
