"""Charts in documents: drawn in the PDF, their figures as a table in Word and in the text."""

from __future__ import annotations

from pre_desktop.exports import document as d
from pre_desktop.exports.render import render
from readback import docx_text, pdf_pages, pdf_text, squash

Y, P = "2025-2026", "2024-2025"


def report() -> d.Document:
    return d.Document("Rapport", blocks=[
        d.Chart("bar", "Enfants suivis par tranche d'âge", ["2–5 ans", "6–10 ans", "11–16 ans"],
                [(Y, [12, 1234, 0]), (P, [10, 980, 61])], label_header="Tranche d'âge"),
        d.Chart("hbar", "Taux de présence par partenaire", ["CMP Montreuil", "CMPP Henri-Wallon"],
                [(Y, [0.82, 0.755]), (P, [0.7, 0])], value_kind="percent"),
        d.Chart("pie", "Répartition par sexe", ["Filles", "Garçons"], [(Y, [45, 55]), (P, [40, 40])]),
        d.Chart("bar", "Montants par financeur", ["CAF"], [(Y, [1234.5]), (P, [0])], value_kind="amount"),
    ])


def test_the_pdf_draws_each_chart_with_french_figures_and_the_years_in_a_legend(tmp_path):
    text = squash(pdf_text(render(report(), "pdf", tmp_path / "r.pdf")))
    for expected in ("Enfants suivis par tranche d'âge", "6–10 ans", "1 234", "980",
                     "Taux de présence par partenaire", "CMPP Henri-Wallon", "82 %", "76 %", "70 %", "100 %",
                     "Répartition par sexe", "45 %", "55 %", "50 %", "1 234,50 €"):
        assert expected in text, expected
    assert text.count(Y) >= 4 and text.count(P) >= 4  # each chart's legend names both years


def test_word_and_plain_text_give_each_chart_as_its_data_table(tmp_path):
    doc = report()
    word = squash(docx_text(render(doc, "docx", tmp_path / "r.docx")))
    plain = squash(doc.plain_text())
    for text in (word, plain):
        assert "Tranche d'âge | 2025-2026 | 2024-2025" in text
        assert "6–10 ans | 1 234 | 980" in text
        assert "CMPP Henri-Wallon | 76 % | 0 %" in text
        assert "Garçons | 55 | 40" in text
        assert "CAF | 1 234,50 € | 0,00 €" in text
        assert "Montants par financeur" in text


def test_a_chart_with_nothing_to_draw_says_so(tmp_path):
    doc = d.Document("Rapport", blocks=[
        d.Chart("pie", "Répartition par sexe", ["Filles", "Garçons"], [(Y, [0, 0]), (P, [0, 0])]),
        d.Chart("hbar", "Quartiers", [], [(Y, []), (P, [])]),
    ])
    text = squash(pdf_text(render(doc, "pdf", tmp_path / "r.pdf")))
    assert text.count("Aucune donnée pour cette période.") == 2


def test_a_long_label_is_shortened_in_the_drawing_and_whole_in_the_table(tmp_path):
    long = "Bas-Montreuil – République et Étienne-Marcel-Chanzy, quartier prioritaire de la politique de la ville"
    doc = d.Document("Rapport", blocks=[d.Chart("hbar", "Quartiers", [long, "Centre"], [(Y, [3, 1]), (P, [2, 2])])])
    pdf = squash(pdf_text(render(doc, "pdf", tmp_path / "r.pdf")))
    assert "Bas-Montreuil – République" in pdf and "…" in pdf and long not in pdf
    assert long in squash(docx_text(render(doc, "docx", tmp_path / "r.docx")))


def test_one_year_alone_has_no_legend_and_a_single_pie(tmp_path):
    doc = d.Document("Rapport", blocks=[d.Chart("pie", "Sexe", ["Filles", "Garçons"], [(Y, [1, 3])]),
                                        d.Chart("bar", "Âge", ["6–10 ans"], [(Y, [7])])])
    text = squash(pdf_text(render(doc, "pdf", tmp_path / "r.pdf")))
    assert "25 %" in text and "75 %" in text and "7" in text


def _near_page_end(keep: bool, heading: bool = False) -> d.Document:
    rows = [[f"Ligne {i}", str(i)] for i in range(8)] + [["Total", "28"]]
    table = d.Table(["Catégorie", "Nombre"], rows, total_row=True, keep_together=keep)
    return d.Document("Rapport", blocks=[d.Spacer(218), d.Heading("Parcours"), table] if heading else
                      [d.Spacer(228), table])


def test_a_table_kept_together_moves_whole_to_the_next_page_with_its_heading(tmp_path):
    from pypdf import PdfReader

    split = PdfReader(str(render(_near_page_end(False), "pdf", tmp_path / "split.pdf"))).pages
    assert "Ligne 0" in split[0].extract_text() and "Total" in split[1].extract_text()  # what keeping avoids
    kept = PdfReader(str(render(_near_page_end(True), "pdf", tmp_path / "kept.pdf"))).pages
    assert "Ligne" not in kept[0].extract_text()
    assert "Ligne 0" in kept[1].extract_text() and "Total" in kept[1].extract_text()
    headed = PdfReader(str(render(_near_page_end(True, heading=True), "pdf", tmp_path / "headed.pdf"))).pages
    assert "Parcours" not in headed[0].extract_text()  # not left alone at the foot of the page
    assert all(text in headed[1].extract_text() for text in ("Parcours", "Ligne 0", "Total"))


def test_a_table_too_long_for_a_page_splits_even_when_kept_together(tmp_path):
    rows = [[f"Ligne {i}", str(i)] for i in range(80)]
    path = render(d.Document("Rapport", blocks=[d.Table(["Catégorie", "Nombre"], rows, keep_together=True)]), "pdf",
                  tmp_path / "long.pdf")
    assert pdf_pages(path) == 2 and "Ligne 79" in pdf_text(path)


def test_word_keeps_the_rows_of_such_a_table_with_the_next(tmp_path):
    from docx import Document as open_docx

    word = open_docx(str(render(_near_page_end(True), "docx", tmp_path / "kept.docx")))
    rows = word.tables[0].rows
    assert all(row.cells[0].paragraphs[0].paragraph_format.keep_with_next for row in rows[:-1])
    assert not rows[-1].cells[0].paragraphs[0].paragraph_format.keep_with_next
    loose = open_docx(str(render(_near_page_end(False), "docx", tmp_path / "loose.docx")))
    assert not any(row.cells[0].paragraphs[0].paragraph_format.keep_with_next for row in loose.tables[0].rows)
