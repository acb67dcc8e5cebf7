"""The Paramètres area: the structure's identity saved, refusals on their field, the logo
copied beside the database and previewed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QImage

from pre_desktop.services import settings
from pre_desktop.ui.context import AppContext
from pre_desktop.ui.settings_area import SettingsArea


@pytest.fixture
def area(qtbot, factory, engine, tmp_path):
    ctx = AppContext(tmp_path / "test.sqlite", engine, factory,
                     QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    widget = SettingsArea(ctx)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_first_save_then_reload(qtbot, area, tmp_path):
    assert "pas encore été enregistrés" in area.status.text()
    assert (area.age_min.text(), area.age_max.text()) == ("2", "16")
    area.inputs["pre_name"].setText("PRE de Ville-Exemple")
    area.carrier_kind.setCurrentIndex(area.carrier_kind.findData("CCAS"))
    area.inputs["legal_carrier_name"].setText("CCAS de Ville-Exemple")
    area.inputs["legal_representative"].setText("Mme Durand")
    area.inputs["legal_representative_title"].setText("Vice-présidente du CCAS")
    area.inputs["administrative_court"].setText("Tribunal administratif de Versailles")
    area.age_max.setText("18")
    image = QImage(120, 40, QImage.Format.Format_RGB32)
    image.fill(QColor("#2e86c1"))
    source = tmp_path / "téléchargements" / "logo PRE.png"
    source.parent.mkdir()
    image.save(str(source))
    assert area.use_logo_file(str(source))
    assert area.logo_preview.pixmap() is not None and not area.logo_preview.pixmap().isNull()
    qtbot.keyClick(area.inputs["pre_name"], Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert area.status.text() == "Paramètres enregistrés."
    with area.ctx.read() as s:
        row = settings.get_settings(s)
        assert (row.pre_name, row.legal_carrier_kind, row.public_age_max) == ("PRE de Ville-Exemple", "CCAS", 18)
        assert row.administrative_court == "Tribunal administratif de Versailles"
        stored = row.logo_path
    assert stored.startswith(str(tmp_path / "logos")) and stored.endswith(".png")
    source.unlink()  # the original goes away: the copy stays
    area.refresh()
    assert not area.logo_preview.pixmap().isNull() and area.inputs["legal_representative"].text() == "Mme Durand"


@pytest.mark.parametrize("field, widget, text", [
    ("pre_name", "pre_name", ""),
    ("public_age_min", "age_min", "deux"),
    ("public_age_min", "age_min", "17"),
])
def test_refusals_on_their_field_nothing_stored(area, db_snapshot, field, widget, text):
    area.inputs["pre_name"].setText("PRE")
    target = area.inputs.get(widget) or getattr(area, widget)
    target.setText(text)
    before = db_snapshot()
    assert not area.save()
    assert area.errors.shown_field == field and area.errors.message(field)
    assert db_snapshot() == before


def test_not_an_image_refused_on_the_logo(area, tmp_path):
    fake = tmp_path / "logo.png"
    fake.write_bytes(b"pas une image")
    assert not area.use_logo_file(str(fake))
    assert area.errors.shown_field == "logo_path" and "image" in area.errors.message("logo_path")
    assert area.logo_path is None


def test_what_the_screen_saves_is_on_every_document_produced_next(qtbot, area, tmp_path):
    """PRE name, logo and tribunal typed here, then the convention, the EPS agenda and minutes
    and the partners directory produced: each carries them (PDF and Word)."""
    import sys
    from pathlib import Path

    from docx import Document as open_docx
    from openpyxl import load_workbook
    from pypdf import PdfReader
    from sqlalchemy import select

    from pre_desktop.exports.convention_document import export_convention
    from pre_desktop.exports.eps_documents import write_eps_document
    from pre_desktop.exports.partners_directory import export_directory
    from pre_desktop.models import Partner, PartnerType
    from pre_desktop.services import conventions, eps

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "exports"))
    from readback import docx_text, pdf_text, squash

    with area.ctx.write() as s:
        partner = Partner(name="CMPP Dolto", type=s.scalars(select(PartnerType)).first())
        s.add(partner)
        s.flush()
        conv_id = conventions.create_convention(s, partner_id=partner.id, reference="C-1", start_date="01/01/2026",
                                                tariff_individual="45", tariff_parents="45", tariff_family="50").id
        meeting_id = eps.create_meeting(s, meeting_date="10/11/2026").id
    area.refresh()
    area.inputs["pre_name"].setText("PRE de Saint-Ébène")
    area.inputs["administrative_court"].setText("Tribunal administratif de Nantes")
    image = QImage(120, 40, QImage.Format.Format_RGB32)
    image.fill(QColor("#2e86c1"))
    image.save(str(tmp_path / "logo.png"))
    assert area.use_logo_file(str(tmp_path / "logo.png")) and area.save()

    out = tmp_path / "docs"
    out.mkdir()
    with area.ctx.write() as s:
        for fmt in ("pdf", "docx"):
            export_convention(s, conv_id, fmt, out / f"convention.{fmt}")
            write_eps_document(s, meeting_id, "agenda", fmt, out / f"odj.{fmt}")
            write_eps_document(s, meeting_id, "minutes", fmt, out / f"releve.{fmt}")
        export_directory(s, out / "annuaire.xlsx")
    for name in ("convention", "odj", "releve"):
        assert "PRE de Saint-Ébène" in squash(pdf_text(out / f"{name}.pdf")), name
        assert "PRE de Saint-Ébène" in squash(docx_text(out / f"{name}.docx")), name
        assert PdfReader(str(out / f"{name}.pdf")).pages[0].images, f"{name}.pdf: no logo"
        assert open_docx(str(out / f"{name}.docx")).inline_shapes, f"{name}.docx: no logo"
    assert "Tribunal administratif de Nantes" in squash(pdf_text(out / "convention.pdf"))
    sheets = load_workbook(out / "annuaire.xlsx")
    assert any("PRE de Saint-Ébène" in str(cell.value) for ws in sheets for row in ws.iter_rows() for cell in row
               if cell.value)
