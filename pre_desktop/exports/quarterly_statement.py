"""État trimestriel for a convention (rule 4): PDF from one Document, .xlsx from the same
statement. Payment is quarterly and per act: held, in-quota sessions in the
convention's dates × the tariff of their type; every other session of the quarter is
listed with the reason it is not billed, so the partner's invoice can be checked line
by line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

from sqlalchemy.orm import Session

from ..formatting import fr_amount, fr_date
from ..services.clock import today
from ..services.documents import children_of_liaisons, record_document
from ..services.labels import label
from ..services.reports import Statement, quarterly_statement
from ..services.settings import get_settings
from .document import Document, Fields, Heading, Letterhead, Paragraph, Table
from .letterhead import letterhead
from .render import render
from .xlsx import Column, Sheet, write_xlsx

FORMATS = ("pdf", "xlsx")
KIND = "quarterly_statement"


def title_of(st: Statement) -> str:
    return f"État trimestriel T{st.quarter} {st.year} — {st.partner_name} — {st.reference}"


def _period(st: Statement) -> str:
    return f"T{st.quarter} {st.year}, du {fr_date(st.period_start)} au {fr_date(st.period_end)}"


def _billed(st: Statement) -> Optional[str]:
    """The covered part of the quarter, when the convention starts or ends within it."""
    if st.billed_start is None or st.billed_end is None:
        return None
    if (st.billed_start, st.billed_end) == (st.period_start, st.period_end):
        return None
    return f"du {fr_date(st.billed_start)} au {fr_date(st.billed_end)} (dates de la convention)"


def _reasons(st: Statement) -> str:
    return " ; ".join(f"{reason} : {count}" for reason, count in st.excluded_by_reason.items())


def statement_document(st: Statement, head: Letterhead, printed_on: Optional[dt.date] = None) -> Document:
    doc = Document("État trimestriel des prestations", subtitle=f"{st.partner_name} — convention {st.reference}",
                   letterhead=head, footer=title_of(st))
    fields = [("Structure", st.pre_name), ("Partenaire", st.partner_name), ("Convention", st.reference),
              ("Trimestre", _period(st))]
    billed = _billed(st)
    if billed:
        fields.append(("Période facturable", billed))
    fields += [("Règlement", "trimestriel, à l'acte"), ("Édité le", fr_date(printed_on or today()))]
    doc.add(Fields(fields, label_width=0.25))
    doc.add(Heading("Séances facturables"))
    rows = [[line.label, str(line.count), fr_amount(line.tariff), fr_amount(line.amount)] for line in st.lines]
    rows.append(["Total", str(st.billable_count), "", fr_amount(st.total)])
    doc.add(Table(["Type d'entretien", "Nombre", "Tarif unitaire", "Montant"], rows, widths=[2.6, 1, 1.3, 1.4],
                  align=["left", "right", "right", "right"], total_row=True))
    doc.add(Paragraph("Séances présentes, dans le quota de la convention et dans ses dates, au tarif de leur type.",
                      small=True, italic=True))
    doc.add(Heading("Séances non facturées"))
    if st.excluded:
        doc.add(Paragraph(f"{len(st.excluded)} séance(s) — {_reasons(st)}.", small=True))
        doc.add(Table(["Date", "Bénéficiaire", "Type", "Statut", "Motif"],
                      [[fr_date(e.session_date), f"{e.last_name} {e.first_name}", label(e.kind), label(e.status),
                        e.reason] for e in st.excluded],
                      widths=[1, 2.2, 1.8, 1.8, 1.9], small=True))
    else:
        doc.add(Paragraph("Aucune : toutes les séances du trimestre sont facturables.", italic=True))
    return doc


def statement_sheets(st: Statement, printed_on: Optional[dt.date] = None) -> list[Sheet]:
    intro = [st.pre_name, title_of(st), f"Trimestre : {_period(st)}"]
    billed = _billed(st)
    if billed:
        intro.append(f"Période facturable : {billed}")
    intro.append(f"Total à régler : {fr_amount(st.total)} pour {st.billable_count} séance(s)")  # French whatever the locale
    intro.append(f"Édité le {fr_date(printed_on or today())}")
    lines = [[line.label, line.count, line.tariff, line.amount] for line in st.lines]
    lines.append(["Total", st.billable_count, None, st.total])
    billed_sheet = Sheet(f"État T{st.quarter} {st.year}", [
        Column("Type d'entretien", "text", 26), Column("Nombre", "int", 10), Column("Tarif unitaire", "amount", 15),
        Column("Montant", "amount", 15)], lines, intro=intro, total_row=True)
    excluded = Sheet("Non facturées", [
        Column("Date", "date", 12), Column("Nom", "text", 18), Column("Prénom", "text", 14),
        Column("Type", "text", 22), Column("Statut", "text", 24), Column("Motif", "text", 30)],
        [[e.session_date, e.last_name, e.first_name, label(e.kind), label(e.status), e.reason] for e in st.excluded],
        intro=[title_of(st), f"{len(st.excluded)} séance(s) non facturée(s)" + (f" — {_reasons(st)}" if st.excluded
                                                                              else "")])
    return [billed_sheet, excluded]


def write_statement(st: Statement, head: Letterhead, file_format: str, path: Path,
                    printed_on: Optional[dt.date] = None) -> Path:
    if file_format == "xlsx":
        return write_xlsx(statement_sheets(st, printed_on), Path(path))
    if file_format != "pdf":
        raise ValueError(f"unknown format: {file_format}")
    return render(statement_document(st, head, printed_on), "pdf", Path(path))


def export_statement(session: Session, convention_id: int, year: int, quarter: int, file_format: str,
                     path: Path) -> Path:
    """Build, write and record the statement (the action behind the UI and the command line)."""
    st = quarterly_statement(session, convention_id, year, quarter)
    out = write_statement(st, letterhead(get_settings(session)), file_format, Path(path))
    record_document(session, kind=KIND, file_format=file_format, title=title_of(st), target_type="convention",
                    target_id=convention_id, file_path=str(out),
                    child_ids=children_of_liaisons(session, (e.care_referral_id for e in st.excluded)))
    return out
