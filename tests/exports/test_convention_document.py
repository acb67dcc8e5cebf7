"""The convention document: the model's articles filled from the settings, the partner and
the convention, in Word and PDF; a structure's own template; every file recorded."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from docx import Document as new_docx
from sqlalchemy import select

from pre_desktop import db
from pre_desktop.exports import convention_document as cd
from pre_desktop.exports.docx_template import fields_in, fill
from pre_desktop.models import AuditEvent, Convention, DocumentTemplate, GeneratedDocument, Partner, PartnerType
from pre_desktop.services import conventions as cv
from pre_desktop.services.convention_documents import convention_document_data, convention_documents
from pre_desktop.services.errors import DomainError
from pre_desktop.services.settings import update_settings
from readback import docx_text, pdf_pages, pdf_text, squash

D = dt.date


@pytest.fixture
def conv_id(factory) -> int:
    with db.session_scope(factory, 1) as s:
        update_settings(s, pre_name="PRE de Montreuil-sur-Mer", legal_carrier_kind="Caisse des écoles",
                        legal_carrier_name="Caisse des écoles de Montreuil-sur-Mer", address="1 place Jean-Jaurès",
                        postal_code="62170", town="Montreuil-sur-Mer", legal_representative="M. Étienne Lefèvre",
                        legal_representative_title="Président", coordinator_name="Mme Hélène Carré",
                        administrative_court="Tribunal administratif de Lille")
        ptype = s.scalars(select(PartnerType).where(PartnerType.code == "ASSO_PSY")).one()
        partner = Partner(name="Association Écoute & Grandir", type=ptype, address="25 rue Émile-Zola",
                          postal_code="62170", town="Montreuil-sur-Mer")
        s.add(partner)
        s.flush()
        conv = cv.create_convention(
            s, partner_id=partner.id, reference="PRE-2026-04", start_date="01/03/2026", signed_on="15/02/2026",
            tariff_individual="1 234,50", tariff_parents="45,50", tariff_family="60",
            psychologist_name="Mme Nadia Kaci", signatory_partner="Mme Zoé Müller",
            signatory_partner_title="Directrice", bank_details="FR76 3000 1007 9412\nCrédit coopératif")
        return conv.id


def _data(factory, conv_id):
    with factory() as s:
        return convention_document_data(s, conv_id)


EXPECTED = ["PRE de Montreuil-sur-Mer", "Convention de partenariat", "Caisse des écoles de Montreuil-sur-Mer",
            "Association Écoute & Grandir", "représenté(e) par M. Étienne Lefèvre, Président",
            "Article 1 — Cadre d'intervention", "Article 2 — Objet de la mission",
            "Article 3 — Engagement du prestataire", "Article 4 — Modalités de réalisation de la prestation",
            "Article 5 — Modalités de fonctionnement de la collaboration", "Article 6 — Durée de la mission",
            "Article 7 — Montant des prestations et modalités de règlement", "Article 8 — Évaluation",
            "Article 9 — Résiliation", "Article 10 — Litiges", "Article 11 — Signatures",
            "30 jours", "20 entretiens par personne", "12 mois", "du 01/03/2026 au 28/02/2027",
            "1 234,50 €", "45,50 €", "60,00 €", "trimestrielle", "Mme Nadia Kaci",
            "coordonnateur du PRE (Mme Hélène Carré)", "Tribunal administratif de Lille",
            "Fait en deux exemplaires à Montreuil-sur-Mer, le 15/02/2026", "Mme Zoé Müller", "Directrice",
            "FR76 3000 1007 9412", "délai d'un mois", "Convention PRE-2026-04 — PRE de Montreuil-sur-Mer",
            # the model convention's clauses (seed 003), article by article
            "plan de cohésion sociale du 30 juin 2004", "loi n° 2005-32 du 18 janvier 2005",
            "portage juridique, financier et opérationnel", "doivent obligatoirement s'inscrire",
            "vacations médicales", "espace d'échange spécifique", "souffrance psychique",
            "Il est convenu ce qui suit", "un suivi individuel ou familial", "guidance parentale et de la thérapie",
            "au moyen d'une fiche de liaison", "prise en charge psychothérapeutique", "organisés sur rendez-vous",
            "l'orientation éventuelle du bénéficiaire", "Un tableau mensuel", "Obligations du PRE",
            "Obligations du prestataire", "nommer un psychologue référent", "Révision des honoraires",
            "exclusif de toute autre rémunération", "indicateurs mesurables", "lettre recommandée avec accusé de "
            "réception", "épuisement des voies amiables"]


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_both_formats_carry_the_articles_and_the_filled_values(factory, conv_id, tmp_path, fmt):
    out = tmp_path / f"convention.{fmt}"
    with db.session_scope(factory, 1) as s:
        result = cd.export_convention(s, conv_id, fmt, out)
    assert result.path == out and result.template_name is None and not result.builtin_pdf_despite_template
    text = squash(pdf_text(out) if fmt == "pdf" else docx_text(out))
    for expected in EXPECTED:
        assert expected in text, expected
    if fmt == "pdf":
        pages = pdf_pages(out)
        assert pages >= 2 and f"page 1 / {pages}" in text and f"page {pages} / {pages}" in text
    else:
        word = new_docx(str(out))
        headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
        assert len(headings) == 11 and headings[0] == "Article 1 — Cadre d'intervention"
        assert any("1 234,50 €" in squash(c.text) for t in word.tables for row in t.rows for c in row.cells)
        footer = "".join(p._p.xml for p in word.sections[0].footer.paragraphs)
        assert "NUMPAGES" in footer and "PAGE" in footer


def test_every_file_is_recorded_with_the_version_it_was_read_at(factory, conv_id, tmp_path):
    with db.session_scope(factory, 1) as s:
        cd.export_convention(s, conv_id, "pdf", tmp_path / "a.pdf")
        version = s.get(Convention, conv_id).version
    with db.session_scope(factory, 1) as s:  # conventions: the coordinator and the secretariat change them
        cv.update_convention(s, conv_id, expected_version=None, notes="Relue")
    with db.session_scope(factory, 2) as s:
        cd.export_convention(s, conv_id, "docx", tmp_path / "a.docx")
    with factory() as s:
        docs = convention_documents(s, conv_id)
        assert [(d.file_format, d.created_by_id, d.target_version) for d in docs] == [
            ("docx", 2, version + 1), ("pdf", 1, version)]
        assert docs[0].title == "Convention PRE-2026-04 — Association Écoute & Grandir"
        assert docs[0].file_path == str(tmp_path / "a.docx")
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "export", AuditEvent.user_id == 2)) is not None


def test_unset_values_become_lines_to_fill_in(factory, tmp_path):
    with db.session_scope(factory, 1) as s:
        ptype = s.scalars(select(PartnerType)).first()
        partner = Partner(name="Cabinet Roussel", type=ptype)
        s.add(partner)
        s.flush()
        cid = cv.create_convention(s, partner_id=partner.id, reference="X", start_date=D(2026, 1, 1),
                                   tariff_individual=45, tariff_parents=45, tariff_family=45).id
    text = _data(factory, cid)
    doc = cd.convention_document(text).plain_text()
    assert "le …/…/……" in doc and "psychologue référent pour les interventions prévues : ....." in doc
    assert "Programme de réussite éducative" in doc  # the default name before the settings are entered


def _template(parts: dict[str, list[list[str]]]) -> bytes:
    """A .docx whose body paragraphs, one table cell, header and footer are given as lists of runs."""
    word = new_docx()
    for runs in parts.get("body", []):
        p = word.add_paragraph()
        for i, text in enumerate(runs):
            p.add_run(text).bold = i % 2 == 1  # alternate formatting, as Word splits runs
    if parts.get("cell"):
        cell = word.add_table(rows=1, cols=2).rows[0].cells[1]
        for text in parts["cell"][0]:
            cell.paragraphs[0].add_run(text)
    for where in ("header", "footer"):
        for runs in parts.get(where, []):
            p = getattr(word.sections[0], where).paragraphs[0]
            for text in runs:
                p.add_run(text)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def test_template_placeholders_are_filled_everywhere_even_split_across_runs(factory, conv_id):
    content = _template({
        "body": [["Convention entre {{ porteur_nom }} et {{partenaire_nom}}."],
                 ["Début : {{ conv", "ention_de", "but }}, fin : {{", " convention_fin }}", " !"],
                 ["Tarif {{ tarif_individuel }} / {{ tarif_parents }} / {{ tarif_familial }}"]],
        "cell": [["Psychologue : {{ psychologue_", "referent }}"]],
        "header": [["{{ structure_nom }}"]],
        "footer": [["Réf. {{ convention_reference }} — {{ coordonnees_bancaires }}"]],
    })
    assert fields_in(content)[:3] == ["porteur_nom", "partenaire_nom", "convention_debut"]
    filled = new_docx(io.BytesIO(fill(content, cd.template_values(_data(factory, conv_id)))))
    body = [p.text for p in filled.paragraphs]
    assert body == ["Convention entre Caisse des écoles de Montreuil-sur-Mer et Association Écoute & Grandir.",
                    "Début : 01/03/2026, fin : 28/02/2027 !",
                    "Tarif 1\u202f234,50\u00a0€ / 45,50\u00a0€ / 60,00\u00a0€"]
    assert filled.paragraphs[1].runs[0].text == "Début : 01/03/2026"  # value in the first run, its formatting kept
    assert filled.tables[0].rows[0].cells[1].text == "Psychologue : Mme Nadia Kaci"
    assert filled.sections[0].header.paragraphs[0].text == "PRE de Montreuil-sur-Mer"
    assert filled.sections[0].footer.paragraphs[0].text == "Réf. PRE-2026-04 — FR76 3000 1007 9412 — Crédit coopératif"


def test_template_with_an_unknown_field_is_refused_by_name_and_nothing_is_written(factory, db_snapshot, conv_id,
                                                                                    tmp_path):
    bad = tmp_path / "modèle.docx"
    bad.write_bytes(_template({"body": [["{{ partenaire_nom }} le {{ date_sig", "nature }}"]]}))
    before = db_snapshot()
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            cd.install_template(s, bad)
    assert err.value.field == "template" and "« date_signature »" in err.value.message
    assert db_snapshot() == before
    # a template stored by an older version (or edited in the database) is refused at generation
    with db.session_scope(factory, 1) as s:
        s.add(DocumentTemplate(kind="convention", file_name="modèle.docx", content=bad.read_bytes()))
    before = db_snapshot()
    out = tmp_path / "out.docx"
    with pytest.raises(DomainError, match="date_signature"):
        with db.session_scope(factory, 1) as s:
            cd.export_convention(s, conv_id, "docx", out)
    assert not out.exists() and db_snapshot() == before
    assert not list(tmp_path.glob("*.docx.*")) and not list(tmp_path.glob(".~*"))


@pytest.mark.parametrize("name, content, text", [
    ("modele.odt", b"PK", ".docx"),
    ("modele.docx", b"ceci n'est pas un document Word", "lisible"),
])
def test_template_that_is_not_a_word_file_is_refused(factory, db_snapshot, tmp_path, name, content, text):
    path = tmp_path / name
    path.write_bytes(content)
    before = db_snapshot()
    with pytest.raises(DomainError, match=text):
        with db.session_scope(factory, 1) as s:
            cd.install_template(s, path)
    assert db_snapshot() == before


def test_installed_template_makes_the_word_file_and_pdf_keeps_the_built_in_layout(factory, conv_id, tmp_path):
    path = tmp_path / "Notre convention.docx"
    path.write_bytes(_template({"body": [["Entre {{ structure_nom }} et {{ partenaire_nom }} : {{ tarif_individuel }}"]]}))
    with db.session_scope(factory, 1) as s:
        assert cd.install_template(s, path) == ["structure_nom", "partenaire_nom", "tarif_individuel"]
    with db.session_scope(factory, 1) as s:
        word = cd.export_convention(s, conv_id, "docx", tmp_path / "c.docx")
        pdf = cd.export_convention(s, conv_id, "pdf", tmp_path / "c.pdf")
    assert word.template_name == "Notre convention.docx" and not word.builtin_pdf_despite_template
    assert squash(docx_text(word.path)) == "Entre PRE de Montreuil-sur-Mer et Association Écoute & Grandir : 1 234,50 €"
    assert pdf.template_name is None and pdf.builtin_pdf_despite_template
    assert "Article 10 — Litiges" in squash(pdf_text(pdf.path))
    with factory() as s:
        titles = [d.title for d in s.scalars(select(GeneratedDocument).order_by(GeneratedDocument.id))]
    assert titles[0].endswith("(modèle « Notre convention.docx »)") and "modèle" not in titles[1]


def test_example_template_uses_every_field_once_listed_and_fills_completely(factory, conv_id):
    content = cd.example_template()
    used = cd.check_template(content)
    assert set(used) <= cd.FIELD_NAMES
    assert {"structure_nom", "partenaire_nom", "convention_debut", "tarif_individuel", "tribunal_administratif",
            "signataire_partenaire_qualite", "coordonnees_bancaires"} <= set(used)
    filled = fill(content, cd.template_values(_data(factory, conv_id)))
    text = squash(docx_text_bytes(filled))
    assert "{{" not in text and "1 234,50 €" in text and "Mme Zoé Müller" in text
    descriptions = [f.description for f in cd.TEMPLATE_FIELDS]
    assert len(cd.FIELD_NAMES) == len(cd.TEMPLATE_FIELDS) and all(descriptions)


def docx_text_bytes(content: bytes) -> str:
    word = new_docx(io.BytesIO(content))
    parts = [p.text for p in word.paragraphs]
    parts += [c.text for t in word.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_amount_values_in_the_document_data_are_decimals(factory, conv_id):
    assert _data(factory, conv_id).tariff_individual == Decimal("1234.50")


def test_readme_lists_every_template_field():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    missing = [f.name for f in cd.TEMPLATE_FIELDS if f"`{{{{ {f.name} }}}}`" not in readme]
    assert missing == [], "README.md: add these fields to the convention template table"


def test_the_signatures_heading_never_ends_a_page_alone(tmp_path):
    """Whatever the length of the articles, « Signatures » sits on the page of the blocks it announces."""
    from pypdf import PdfReader

    from pre_desktop.exports import document as doc_model
    from pre_desktop.exports.render import render

    for lines in range(30, 42):  # the heading falls near the foot of page 1 somewhere in this range
        doc = doc_model.Document(title="Convention de partenariat")
        doc.add(*[doc_model.Paragraph(f"Ligne {n} de l'article.") for n in range(lines)])
        doc.add(doc_model.Heading("Article 11 — Signatures"),
                doc_model.Signatures([doc_model.SignatureBlock("Le PRE", "Mme A"), doc_model.SignatureBlock("Le partenaire", "M. B")],
                                     place_and_date="Fait à Lille, le 01/03/2026"))
        path = render(doc, "pdf", tmp_path / f"c{lines}.pdf")
        pages = [page.extract_text() or "" for page in PdfReader(str(path)).pages]
        with_heading = [n for n, text in enumerate(pages) if "Article 11" in text]
        assert with_heading and "Fait à Lille" in pages[with_heading[0]] and "Mme A" in pages[with_heading[0]], lines


def test_the_representative_title_goes_to_the_pre_signatory_only_when_he_signs(factory, conv_id):
    values = cd.template_values(_data(factory, conv_id))
    assert (values["signataire_pre"], values["signataire_pre_qualite"]) == ("M. Étienne Lefèvre", "Président")
    with db.session_scope(factory, 1) as s:
        cv.update_convention(s, conv_id, expected_version=None, signatory_pre="Mme Anne Vidal")
    values = cd.template_values(_data(factory, conv_id))
    assert (values["signataire_pre"], values["signataire_pre_qualite"]) == ("Mme Anne Vidal", "")
    with db.session_scope(factory, 1) as s:
        cv.update_convention(s, conv_id, expected_version=None, signatory_pre_title="Vice-présidente")
    assert cd.template_values(_data(factory, conv_id))["signataire_pre_qualite"] == "Vice-présidente"


@pytest.mark.skipif(__import__("shutil").which("soffice") is None, reason="LibreOffice absent")
def test_libreoffice_opens_the_word_convention_and_finds_its_articles(factory, conv_id, tmp_path):
    import subprocess

    with db.session_scope(factory, 1) as s:
        cd.export_convention(s, conv_id, "docx", tmp_path / "convention.docx")
    done = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
                           "--convert-to", "pdf", "--outdir", str(tmp_path / "lo"), str(tmp_path / "convention.docx")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Error" not in done.stderr, done.stderr
    text = squash(pdf_text(tmp_path / "lo" / "convention.pdf"))
    assert "Article 11 — Signatures" in text and "1 234,50 €" in text and "Association Écoute & Grandir" in text
    assert "page 1 / " in text  # Word's PAGE / NUMPAGES fields computed by LibreOffice
