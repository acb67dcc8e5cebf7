"""``export annual``: the Rapport annuel of a school year from a real base, PDF and .xlsx,
each figure of the statistics (both years) in the file, the document recorded."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from pre_desktop import db
from pre_desktop.cli import EXIT_OK, EXIT_REFUSED, main
from pre_desktop.exports.annual_report import row_label
from pre_desktop.migrate import open_database
from pre_desktop.models import AuditEvent, GeneratedDocument, Sex, SessionStatus
from pre_desktop.services.reference_data import ensure_partner_types
from pre_desktop.services.statistics import dashboard, format_value

sys.path.insert(0, str(Path(__file__).resolve().parent / "services"))
sys.path.insert(0, str(Path(__file__).resolve().parent / "exports"))
from care_fixtures import add_sessions, care_referral, convention, family_with_child, partner  # noqa: E402
from readback import pdf_text, squash  # noqa: E402

D = dt.date


@pytest.fixture
def base(tmp_path):
    """Two years of activity: Léa followed since October 2024, Inès entering in October
    2025 and leaving in March 2026; sessions in both years under one convention."""
    path = tmp_path / "pre.sqlite"
    engine, factory = open_database(path)
    with db.session_scope(factory) as s:
        ensure_partner_types(s)
        p = partner(s)
        conv = convention(s, p, start=D(2024, 9, 1), end=D(2026, 8, 31))
        conv.funder = "CAF"
        lea = family_with_child(s, name="Dupont", first_name="Léa", referent_id=None)
        lea.sex, lea.entry_date, lea.school_class = Sex.FEMALE, D(2024, 10, 1), "CM1"
        lea.family.neighbourhood = "Les Tilleuls"
        ines = family_with_child(s, name="Arnaud", first_name="Inès", birth_date=D(2012, 5, 2), referent_id=None)
        ines.sex, ines.entry_date, ines.school_class = Sex.FEMALE, D(2025, 10, 1), "5e"
        ines.exit_date, ines.exit_reason = D(2026, 3, 1), "Objectifs atteints"
        cr = care_referral(s, lea, p, conv, requested_on=D(2024, 11, 2), sent_on=D(2024, 11, 4),
                           answered_on=D(2024, 11, 10), first_appointment_on=D(2024, 11, 20))
        add_sessions(s, cr, [D(2024, 11, 20), D(2024, 12, 4)])
        add_sessions(s, cr, [D(2025, 9, 10), D(2025, 10, 1), D(2026, 1, 7)])
        cr2 = care_referral(s, ines, p, conv, requested_on=D(2025, 10, 6), sent_on=D(2025, 10, 7),
                            answered_on=D(2025, 10, 9), first_appointment_on=D(2025, 10, 20))
        add_sessions(s, cr2, [D(2025, 10, 20)])
        add_sessions(s, cr2, [D(2025, 11, 3)], status=SessionStatus.EXCUSED)
    with db.session_scope(factory) as s:
        data = dashboard(s, "2025-2026")
    engine.dispose()
    return path, data


def _export(path, out, fmt, year="2025-2026"):
    return main(["export", "annual", "--db", str(path), "--year", year, "--format", fmt, "--out", str(out)])


def test_the_pdf_carries_every_figure_of_both_years_and_its_definition(base, tmp_path, capsys):
    path, data = base
    out = tmp_path / "rapport.pdf"
    assert _export(path, out, "pdf") == EXIT_OK
    assert "Fichier écrit" in capsys.readouterr().out
    text = squash(pdf_text(out))
    assert data.figure("sessions_held").value == 4 and data.figure("sessions_held").previous_value == 2
    for section in data.sections:
        assert section.title in text
        for f in section.figures:
            line = squash(f"{row_label(f)} {format_value(f.value, f.unit)} {format_value(f.previous_value, f.unit)}")
            assert line in text, line
        for b in section.breakdowns:
            for r in b.rows:
                line = squash(f"{row_label(r)} {format_value(r.value, b.unit)} {format_value(r.previous_value, b.unit)}")
                assert line in text, line
    for _label, definition in data.definitions():
        assert squash(definition) in text
    assert "Aucune activité" not in text
    assert "Dupont" not in text and "Arnaud" not in text and "Léa" not in text  # counts only, no child named


def test_the_xlsx_carries_the_same_figures_as_typed_cells(base, tmp_path):
    path, data = base
    out = tmp_path / "rapport.xlsx"
    assert _export(path, out, "xlsx") == EXIT_OK
    book = load_workbook(out)
    cells = {}
    for ws in book.worksheets[:-1]:
        for row in ws.iter_rows(min_row=7):
            cells[(row[0].value, row[1].value)] = (row[2].value, row[3].value)
    for section in data.sections:
        for f in section.figures:
            expected = tuple(None if v is None else pytest.approx(float(v)) for v in (f.value, f.previous_value))
            assert cells[(row_label(f), None)] == expected, f.label
        for b in section.breakdowns:
            for r in b.rows:
                expected = tuple(None if v is None else pytest.approx(float(v)) for v in (r.value, r.previous_value))
                assert cells[(b.title, r.label)] == expected, (b.title, r.label)
    assert isinstance(cells[("Séances tenues", None)][0], int)
    definitions = {row[1].value for row in book["Définitions"].iter_rows(min_row=5)}
    assert {label for label, _ in data.definitions()} <= definitions


def test_the_report_is_recorded_and_traced(base, tmp_path):
    path, _data = base
    assert _export(path, tmp_path / "rapport.pdf", "pdf") == EXIT_OK
    engine, factory = open_database(path, create=False)
    try:
        with factory() as s:
            doc = s.scalars(select(GeneratedDocument)).one()
            assert (doc.kind, doc.file_format, doc.target_type, doc.target_id) == ("annual_report", "pdf",
                                                                                 "school_year", 2025)
            assert doc.title.startswith("Rapport annuel 2025-2026")
            assert doc.file_path == str((tmp_path / "rapport.pdf").resolve())
            assert s.scalars(select(AuditEvent).where(AuditEvent.summary.contains("Rapport annuel 2025-2026"))).first()
    finally:
        engine.dispose()


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_a_year_without_activity_gives_a_report_that_says_so(base, tmp_path, fmt):
    path, _data = base
    out = tmp_path / f"vide.{fmt}"
    assert _export(path, out, fmt, year="2019-2020") == EXIT_OK
    text = squash(pdf_text(out)) if fmt == "pdf" else "\n".join(
        str(c.value) for ws in load_workbook(out).worksheets for row in ws.iter_rows() for c in row if c.value)
    assert "Aucune activité n'est enregistrée pour l'année scolaire 2019-2020" in text


def test_a_year_that_cannot_be_read_is_refused_before_anything_is_written(base, tmp_path, capsys):
    path, _data = base
    out = tmp_path / "r.pdf"
    assert _export(path, out, "pdf", year="2025") == EXIT_REFUSED
    assert "2025-2026" in capsys.readouterr().err
    assert not out.exists()


def test_the_screen_s_figures_are_reused_for_their_year_only(base, tmp_path, monkeypatch):
    from pre_desktop.exports import annual_report

    path, data = base
    engine, factory = open_database(path, create=False)
    try:
        with db.session_scope(factory) as s:
            computed = []
            monkeypatch.setattr(annual_report, "dashboard", lambda session, year: computed.append(year) or data)
            annual_report.write_annual_report(s, "2025-2026", "xlsx", tmp_path / "a.xlsx", data=data)
            assert computed == []
            annual_report.write_annual_report(s, "2024-2025", "xlsx", tmp_path / "b.xlsx", data=data)
            assert computed == ["2024-2025"]
    finally:
        engine.dispose()
