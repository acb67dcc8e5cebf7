"""The Rapport annuel from a school year's figures: every section, both years, the
difference, charts in the PDF, typed cells in the .xlsx, the definitions."""

from __future__ import annotations

import datetime as dt

from openpyxl import load_workbook

from annual_sample import empty_dashboard, sample_dashboard
from pre_desktop.exports.annual_report import annual_report_document, fr_change, write_annual_report_file
from pre_desktop.exports.document import Chart, Letterhead
from readback import pdf_text, squash

HEAD = Letterhead("PRE de Montreuil", ["Caisse des écoles de Montreuil"])
PRINTED = dt.date(2026, 11, 22)


def test_changes_are_signed_and_in_points_for_a_share():
    assert fr_change(87, 95, "count") == "-8"
    assert fr_change(1234, 1100, "count") == "+134"
    assert fr_change(41, 41, "count") == "="
    assert fr_change(0.75, 0.7, "percent") == "+5,0\u00a0pts"
    assert fr_change(212.5, 190, "days") == "+22,5\u00a0j"
    assert squash(fr_change(36540, 35100.5, "amount")) == "+1 439,50 €"
    assert fr_change(200, None, "days") == "—"


def test_the_pdf_carries_every_section_both_years_and_the_definitions(tmp_path):
    data = sample_dashboard()
    text = squash(pdf_text(write_annual_report_file(data, HEAD, "pdf", tmp_path / "r.pdf", PRINTED)))
    assert "PRE de Montreuil" in text and "Rapport annuel d'activité" in text
    assert "2025-2026, du 01/09/2025 au 31/08/2026" in text and "Édité le 22/11/2026" in text
    # each section's heading, and a figure or category of it with both years and the difference
    for expected in (
            "Enfants suivis 1 234 1 100 +134", "Nouvelles entrées 87 95 -8", "Objectifs atteints 25 20 +5",
            "Total 41 41 =", "Filles 560 500 +60", "6 à 10 ans 700 640 +60", "Collège 380 330 +50",
            "Bel-Air – Grands-Pêchers 400 380 +20",
            "Repérages", "Éducation nationale 90 100 -10", "Difficultés scolaires 70 75 -5",
            "Parcours", "Durée moyenne d'un parcours 212,5 j 190 j +22,5 j", "Durée médiane d'un parcours 200 j — —",
            "Équipe pluridisciplinaire de soutien", "Commissions EPS tenues 10 9 +1", "Parcours accepté 120 110 +10",
            "Orientations vers les partenaires", "CMPP 24 20 +4",
            "Premiers rendez-vous dans le délai (45 sur 60) 75,0 % 70,0 % +5,0 pts", "Quota atteint 5 3 +2",
            "Séances et montants", "CMPP Henri-Wallon 75,5 % 78,0 % -2,5 pts",
            "Montant des séances facturables 36 540,00 € 35 100,50 € +1 439,50 €",
            "Ville 20 000,00 € 19 000,50 € +999,50 €"):
        assert expected in text, expected
    assert "Définitions" in text
    for label, definition in data.definitions():
        assert squash(definition) in text, label


def test_distributions_are_charts_and_plain_lists_are_tables():
    doc = annual_report_document(sample_dashboard(), HEAD, PRINTED)
    charts = {c.title: c for c in doc.blocks if isinstance(c, Chart)}
    assert charts["Répartition par sexe"].kind == "pie"
    assert charts["Tranches d'âge"].kind == "bar"
    assert charts["Quartiers"].kind == "hbar"  # long labels
    assert charts["Taux de présence par partenaire"].value_kind == "percent"
    assert charts["Montants par financeur"].value_kind == "amount"
    assert charts["Tranches d'âge"].series == [("2025-2026", [120, 700, 400, 14]), ("2024-2025", [110, 640, 340, 10])]
    assert "Décisions par nature" not in charts  # the statistics say a table reads better


def test_the_xlsx_has_a_sheet_per_section_with_typed_cells_and_the_definitions(tmp_path):
    data = sample_dashboard()
    book = load_workbook(write_annual_report_file(data, HEAD, "xlsx", tmp_path / "r.xlsx", PRINTED))
    assert book.sheetnames == ["Enfants suivis", "Repérages", "Parcours", "EPS", "Orientations", "Séances et montants", "Définitions"]
    ws = book["Enfants suivis"]
    assert ws["A1"].value == "PRE de Montreuil"
    head = 6
    assert [c.value for c in ws[head]] == ["Indicateur", "Catégorie", "2025-2026", "2024-2025", "Évolution"]
    rows = {(r[0].value, r[1].value): r for r in ws.iter_rows(min_row=head + 1)}
    followed = rows[("Enfants suivis", None)]
    assert [c.value for c in followed[2:]] == [1234, 1100, 134]
    assert followed[2].number_format == "0" and followed[4].number_format.startswith("+0")
    girls = rows[("Répartition par sexe", "Filles")]
    assert [c.value for c in girls[2:]] == [560, 500, 60]
    assert [c.value for c in rows[("Motifs de sortie", "Total")][2:]] == [41, 41, 0]

    orientations = {(r[0].value, r[1].value): r for r in book["Orientations"].iter_rows(min_row=head + 1)}
    share = orientations[("Premiers rendez-vous dans le délai (45 sur 60)", None)]
    assert [c.value for c in share[2:4]] == [0.75, 0.7] and share[2].number_format == "0.0 %"
    assert round(share[4].value, 6) == 5.0 and "pts" in share[4].number_format
    sessions = {(r[0].value, r[1].value): r for r in book["Séances et montants"].iter_rows(min_row=head + 1)}
    amount = sessions[("Montant des séances facturables", None)]
    assert [c.value for c in amount[2:]] == [36540.0, 35100.5, 1439.5]
    assert all("€" in c.number_format for c in amount[2:])
    days = {(r[0].value, r[1].value): r for r in book["Parcours"].iter_rows(min_row=head + 1)}
    assert [c.value for c in days[("Durée médiane d'un parcours", None)][2:]] == [200.0, None, None]

    definitions = book["Définitions"]
    found = {(r[1].value, r[2].value) for r in definitions.iter_rows(min_row=5)}
    assert set(data.definitions()) <= found


def test_a_year_with_no_activity_says_so(tmp_path):
    data = empty_dashboard(2030)
    text = squash(pdf_text(write_annual_report_file(data, HEAD, "pdf", tmp_path / "r.pdf", PRINTED)))
    assert "Aucune activité n'est enregistrée pour l'année scolaire 2030-2031" in text
    assert "Aucune donnée pour ces deux années." in text
    assert "Enfants suivis 0 0 =" in text
    book = load_workbook(write_annual_report_file(data, HEAD, "xlsx", tmp_path / "r.xlsx", PRINTED))
    assert book["Enfants suivis"]["A5"].value.startswith("Aucune activité n'est enregistrée pour l'année scolaire 2030-2031")
