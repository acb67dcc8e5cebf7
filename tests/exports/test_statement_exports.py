"""État trimestriel in PDF and .xlsx, checked against a hand count."""

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))

from care_fixtures import (  # noqa: E402
    add_sessions,
    care_referral as make_cr,
    convention as make_convention,
    family_with_child,
    partner as make_partner,
)
from openpyxl import load_workbook  # noqa: E402
from readback import pdf_text, squash  # noqa: E402
from refusal import refused  # noqa: E402
from sqlalchemy import select  # noqa: E402

from pre_desktop import db  # noqa: E402
from pre_desktop.exports.quarterly_statement import export_statement  # noqa: E402
from pre_desktop.models import GeneratedDocument, SessionKind, SessionStatus  # noqa: E402
from pre_desktop.services import reports  # noqa: E402

D = dt.date


def _setup(factory):
    """Convention from 15/02/2026 (45,00 / 50,00 / 60,50 €); first quarter of 2026, counted by hand:
    individual 4 × 45,00 = 180,00; parents 2 × 50,00 = 100,00; family 1 × 60,50 = 60,50; total 340,50 €.
    Left out: 1 absence, 1 cancelled, 1 hors quota, 1 before the convention's start (10/02)."""
    with db.session_scope(factory, 1) as s:
        p = make_partner(s)
        conv = make_convention(s, p, start=D(2026, 2, 15), end=D(2027, 2, 14), reference="CONV-2026-07")
        a = make_cr(s, family_with_child(s, name="Arnaud"), p, conv, sent_on=D(2026, 2, 2))
        b = make_cr(s, family_with_child(s, name="Blanc"), p, conv, sent_on=D(2026, 2, 2))
        add_sessions(s, a, [D(2026, 2, 16), D(2026, 2, 23), D(2026, 3, 2), D(2026, 3, 30)])
        add_sessions(s, a, [D(2026, 2, 10)])  # before the convention
        add_sessions(s, a, [D(2026, 3, 3), D(2026, 3, 17)], kind=SessionKind.PARENTS)
        add_sessions(s, b, [D(2026, 3, 4)], kind=SessionKind.FAMILY)
        add_sessions(s, b, [D(2026, 3, 11)], status=SessionStatus.UNEXCUSED)
        add_sessions(s, b, [D(2026, 3, 18)], status=SessionStatus.CANCELLED)
        add_sessions(s, b, [D(2026, 3, 25)], hors_quota=True)
        add_sessions(s, b, [D(2026, 4, 1)])  # next quarter
        return conv.id


def test_statement_matches_the_hand_count_and_the_covered_period(factory):
    cid = _setup(factory)
    with factory() as s:
        st = reports.quarterly_statement(s, cid, 2026, 1)
    assert [(l.count, l.amount) for l in st.lines] == [(4, Decimal("180.00")), (2, Decimal("100.00")),
                                                       (1, Decimal("60.50"))]
    assert st.total == Decimal("340.50") and st.billable_count == 7
    assert (st.billed_start, st.billed_end) == (D(2026, 2, 15), D(2026, 3, 31))
    assert [(e.session_date, e.reason) for e in st.excluded] == [
        (D(2026, 2, 10), "Hors des dates de la convention"), (D(2026, 3, 11), "Absence"), (D(2026, 3, 18), "Annulée"),
        (D(2026, 3, 25), "Hors quota")]


def test_pdf_and_xlsx_read_back(factory, tmp_path):
    cid = _setup(factory)
    for fmt in ("pdf", "xlsx"):
        with db.session_scope(factory, 1) as s:
            export_statement(s, cid, 2026, 1, fmt, tmp_path / f"etat.{fmt}")
    text = squash(pdf_text(tmp_path / "etat.pdf"))
    for expected in ("État trimestriel des prestations", "CONV-2026-07", "T1 2026, du 01/01/2026 au 31/03/2026",
                     "du 15/02/2026 au 31/03/2026 (dates de la convention)",
                     "Entretien individuel 4 45,00 € 180,00 €", "Entretien parents 2 50,00 € 100,00 €",
                     "Entretien familial 1 60,50 € 60,50 €", "Total 7 340,50 €",
                     "4 séance(s) — Hors des dates de la convention : 1 ; Absence : 1 ; Annulée : 1 ; Hors quota : 1",
                     "10/02/2026 Arnaud Léa Entretien individuel Présent Hors des dates de la convention",
                     "25/03/2026 Blanc Léa Entretien individuel Présent Hors quota"):
        assert expected in text, expected
    assert "01/04/2026" not in text.split("Séances non facturées")[1]
    wb = load_workbook(tmp_path / "etat.xlsx")
    ws = wb["État T1 2026"]
    values = [r for r in ws.iter_rows(values_only=True)]
    assert "Total à régler : 340,50\u00a0€ pour 7 séance(s)" in [r[0] for r in values]
    assert ("Entretien familial", 1, 60.5, 60.5) in values and ("Total", 7, None, 340.5) in values
    assert ws.cell(values.index(("Total", 7, None, 340.5)) + 1, 4).number_format == '#,##0.00 "€"'
    excluded = [r for r in wb["Non facturées"].iter_rows(values_only=True) if isinstance(r[0], dt.datetime)]
    assert [r[5] for r in excluded] == ["Hors des dates de la convention", "Absence", "Annulée", "Hors quota"]
    with factory() as s:
        assert [(d.kind, d.file_format, d.target_type) for d in s.scalars(select(GeneratedDocument))] == [
            ("quarterly_statement", "pdf", "convention"), ("quarterly_statement", "xlsx", "convention")]


def test_quarter_outside_the_convention_is_refused(factory, db_snapshot, tmp_path):
    cid = _setup(factory)
    err = refused(factory, db_snapshot, lambda s: export_statement(s, cid, 2025, 4, "pdf", tmp_path / "x.pdf"))
    assert err.field == "quarter" and "entièrement en dehors de la convention « CONV-2026-07 »" in err.message
    assert not (tmp_path / "x.pdf").exists()
