"""One document description, two files that say the same thing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from pre_desktop.exports import document as d
from pre_desktop.exports.render import render
from pre_desktop.exports.xlsx import Column, Sheet, write_xlsx
from pre_desktop.formatting import fr_amount, fr_date
from readback import docx_text, pdf_pages, pdf_text, squash


def sample() -> d.Document:
    doc = d.Document(
        title="Convention de partenariat",
        subtitle="Exercice 2026-2027",
        letterhead=d.Letterhead("PRE de Montreuil", ["Caisse des écoles", "93100 Montreuil"]),
        footer="Convention n° 2026-04",
    )
    doc.add(
        d.Heading("Article 1 — Cadre d'intervention"),
        d.Paragraph([d.Run("Le prestataire "), d.Run("s'engage", bold=True), d.Run(" à recevoir l'enfant Éloïse.")]),
        d.Bullets(["Entretiens individuels", "Entretiens avec les parents"]),
        d.Fields([("Date de la réponse", ""), ("Psychologue", "")], fill=True),
        d.Table(["Type", "Nombre", "Tarif", "Montant"],
                [["Individuel", "12", fr_amount(Decimal("45")), fr_amount(Decimal("540"))],
                 ["Total", "12", "", fr_amount(Decimal("1234.5"))]],
                align=["left", "right", "right", "right"], total_row=True),
        d.PageBreak(),
        d.Signatures([d.SignatureBlock("Pour la Caisse des écoles", "Mme Dupré", "Présidente"),
                      d.SignatureBlock("Pour le prestataire")], place_and_date=f"Fait à Montreuil, le {fr_date(dt.date(2026, 11, 22))}"),
    )
    return doc


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_both_formats_say_the_same_thing(tmp_path, fmt):
    path = render(sample(), fmt, tmp_path / f"convention.{fmt}")
    text = squash(pdf_text(path) if fmt == "pdf" else docx_text(path))
    for expected in ("PRE de Montreuil", "Convention de partenariat", "Article 1 — Cadre d'intervention",
                     "s'engage", "Éloïse", "Entretiens individuels", "Date de la réponse", "1 234,50 €",
                     "Pour la Caisse des écoles", "Fait à Montreuil, le 22/11/2026", "Convention n° 2026-04"):
        assert expected in text, expected
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_pdf_pages_are_numbered_x_of_y(tmp_path):
    path = render(sample(), "pdf", tmp_path / "c.pdf")
    assert pdf_pages(path) == 2
    text = pdf_text(path)
    assert "page 1 / 2" in text and "page 2 / 2" in text


def test_a_failed_render_leaves_the_previous_file(tmp_path):
    target = tmp_path / "c.pdf"
    target.write_bytes(b"previous")
    broken = d.Document(title="x", blocks=[d.Table(["a"], [["1"]], align=["nowhere"])])  # type: ignore[list-item]
    with pytest.raises(KeyError):
        render(broken, "pdf", target)
    assert target.read_bytes() == b"previous"
    assert list(tmp_path.iterdir()) == [target]


def test_xlsx_keeps_dates_and_amounts_as_values(tmp_path):
    sheet = Sheet("Tableau / mars", [Column("Nom"), Column("Date", "date"), Column("Montant", "amount")],
                  [["Dupré", dt.date(2026, 3, 4), Decimal("1234.5")]], intro=["PRE de Montreuil", "Mars 2026"])
    path = write_xlsx([sheet], tmp_path / "t.xlsx")
    ws = load_workbook(path).active
    assert ws.title == "Tableau - mars"
    assert ws["A1"].value == "PRE de Montreuil"
    assert [c.value for c in ws[4]] == ["Nom", "Date", "Montant"]
    assert ws["B5"].value == dt.datetime(2026, 3, 4) and ws["B5"].number_format == "DD/MM/YYYY"
    assert ws["C5"].value == 1234.5 and "€" in ws["C5"].number_format


def test_letterhead_does_not_repeat_the_carrier_kind():
    from pre_desktop.exports.letterhead import carrier_line

    assert carrier_line("Caisse des écoles", "Caisse des Écoles de Montreuil") == "Caisse des Écoles de Montreuil"
    assert carrier_line("CCAS", "Ville de Bondy") == "CCAS — Ville de Bondy"
    assert carrier_line(None, "GIP Réussite") == "GIP Réussite"
