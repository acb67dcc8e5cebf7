"""The Conventions area: create with the model's defaults, computed end shown live,
refusals on their field with nothing stored, sign / terminate / renew / delete, filters,
and the convention document generated and listed."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document as new_docx
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox
from sqlalchemy import select

from pre_desktop import db
from pre_desktop.models import Convention, ConventionStatus, GeneratedDocument, Partner, PartnerType
from pre_desktop.services import conventions as cv
from pre_desktop.ui.context import AppContext
from pre_desktop.ui.convention_template_dialog import ConventionTemplateDialog, FieldsDialog
from pre_desktop.ui.conventions_area import ConventionsArea
from test_main_window import type_text as type_keys

D = dt.date


def type_text(qtbot, widget, text: str) -> None:
    widget.clear()
    type_keys(qtbot, widget, text)


@pytest.fixture
def partners(factory) -> list[int]:
    with db.session_scope(factory, 1) as s:
        ptype = s.scalars(select(PartnerType)).first()
        made = [Partner(name="Association Écoute et Grandir", type=ptype), Partner(name="CMPP Dolto", type=ptype)]
        s.add_all(made)
        s.flush()
        return [p.id for p in made]


@pytest.fixture
def area(qtbot, engine, factory, tmp_path, partners):
    ctx = AppContext(tmp_path / "pre.sqlite", engine, factory,
                     QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    widget = ConventionsArea(ctx)
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    return widget


def _fill_new(qtbot, area, partner_id: int, **texts: str) -> None:
    area.new_convention()
    form = area.form
    form.partner.setCurrentIndex(form.partner.findData(partner_id))
    values = {"reference": "PRE-2026-01", "start_date": "01/03/2026", "tariff_individual": "45,50",
              "tariff_parents": "1 234,50", "tariff_family": "60", "psychologist_name": "Mme Zoé Müller"} | texts
    for name, text in values.items():
        type_text(qtbot, form.w[name], text)


def _conventions(factory) -> list[Convention]:
    with factory() as s:
        return list(s.scalars(select(Convention).order_by(Convention.id)))


def test_create_with_defaults_and_the_end_computed_as_one_types(qtbot, area, factory, partners):
    _fill_new(qtbot, area, partners[0])
    form = area.form
    assert form.end_label.text().startswith("28/02/2027")
    form.w["duration_months"].setValue(6)
    assert form.end_label.text().startswith("31/08/2026")
    type_text(qtbot, form.w["start_date"], "31/02/2026")
    assert form.end_label.text().startswith("—")
    type_text(qtbot, form.w["start_date"], "01/03/2026")
    form.w["duration_months"].setValue(12)
    qtbot.keyClick(form.w["reference"], Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # Ctrl+S saves
    [conv] = _conventions(factory)
    assert (conv.status, conv.end_date, conv.session_quota, conv.first_appointment_delay_days) == (
        ConventionStatus.DRAFT, D(2027, 2, 28), 20, 30)
    assert (conv.tariff_individual, conv.tariff_parents, conv.psychologist_name) == (
        Decimal("45.50"), Decimal("1234.50"), "Mme Zoé Müller")
    assert conv.billing_period.value == "quarterly"
    assert area.model.rowCount() == 1 and form.convention_id == conv.id
    assert form.heading.text() == "Convention PRE-2026-01 — Association Écoute et Grandir"
    assert area.proxy.index(0, 4).data() == "Brouillon"


@pytest.mark.parametrize("field, text, expected", [
    ("tariff_parents", "quarante", "n'est pas un montant valide"),
    ("tariff_individual", "45,5,0", "n'est pas un montant valide"),
    ("start_date", "31/02/2026", "n'est pas une date valide"),
])
def test_refusal_is_shown_on_its_field_and_nothing_is_stored(qtbot, area, factory, db_snapshot, partners,
                                                            field, text, expected):
    before = db_snapshot()
    _fill_new(qtbot, area, partners[0], **{field: text})
    area.form.save_button.click()
    assert area.form.errors.shown_field == field
    assert expected in area.form.errors.message(field)
    assert db_snapshot() == before and area.model.rowCount() == 0


def test_zero_quota_is_refused_on_its_field(qtbot, area, db_snapshot, partners):
    before = db_snapshot()
    _fill_new(qtbot, area, partners[0])
    area.form.w["session_quota"].setValue(0)
    area.form.save_button.click()
    assert area.form.errors.shown_field == "session_quota" and "supérieur à zéro" in area.form.errors.message("session_quota")
    assert db_snapshot() == before


def _answer(monkeypatch, *answers: str) -> None:
    queue = list(answers)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: (queue.pop(0), True)))


def test_sign_then_terms_are_frozen_and_renew_makes_a_new_draft(qtbot, area, factory, partners, monkeypatch):
    _fill_new(qtbot, area, partners[0], start_date="01/01/2026")
    area.form.save()
    _answer(monkeypatch, "20/12/2025")
    area.form.sign_button.click()
    [conv] = _conventions(factory)
    assert conv.status is ConventionStatus.SIGNED and conv.signed_on == D(2025, 12, 20)
    form = area.form
    assert not form.w["tariff_individual"].isEnabled() and not form.sign_button.isEnabled()
    assert form.renew_button.isEnabled() and form.terminate_button.isEnabled()
    assert "se termine le 31/12/2026 (dans 39 jours)" in form.state_label.text()
    assert area.proxy.index(0, 6).data() == "dans 39 j"
    _answer(monkeypatch, "01/01/2027", "PRE-2027-01")
    form.renew_button.click()
    old, new = _conventions(factory)
    assert (new.reference, new.start_date, new.end_date, new.status, new.renewed_from_id) == (
        "PRE-2027-01", D(2027, 1, 1), D(2027, 12, 31), ConventionStatus.DRAFT, old.id)
    assert (new.tariff_parents, new.psychologist_name) == (Decimal("1234.50"), "Mme Zoé Müller")
    assert form.convention_id == new.id and form.w["tariff_individual"].isEnabled()
    assert area.model.rowCount() == 2


def test_overlapping_signature_is_refused_on_the_start_date(qtbot, area, factory, db_snapshot, partners, monkeypatch):
    with db.session_scope(factory, 1) as s:
        a = cv.create_convention(s, partner_id=partners[0], reference="A", start_date=D(2026, 1, 1),
                                 tariff_individual=45, tariff_parents=45, tariff_family=45)
        cv.sign_convention(s, a.id, signed_on=D(2025, 12, 1))
        b = cv.create_convention(s, partner_id=partners[0], reference="B", start_date=D(2026, 6, 1),
                                 tariff_individual=45, tariff_parents=45, tariff_family=45)
        b_id = b.id
    area.refresh()
    area.select(b_id)
    before = db_snapshot()
    _answer(monkeypatch, "01/06/2026")
    area.form.sign_button.click()
    assert area.form.errors.shown_field == "start_date" and "« A »" in area.form.errors.message("start_date")
    assert db_snapshot() == before


def test_terminate_explains_the_notice_and_delete_asks_first(qtbot, area, factory, partners, monkeypatch):
    with db.session_scope(factory, 1) as s:
        a = cv.create_convention(s, partner_id=partners[1], reference="A", start_date=D(2026, 1, 1),
                                 tariff_individual=45, tariff_parents=45, tariff_family=45)
        cv.sign_convention(s, a.id, signed_on=D(2025, 12, 1))
        draft = cv.create_convention(s, partner_id=partners[0], reference="D", start_date=D(2027, 1, 1),
                                     tariff_individual=45, tariff_parents=45, tariff_family=45)
        ids = a.id, draft.id
    area.refresh()
    area.select(ids[0])
    asked = []
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda _p, _t, text, *a: (asked.append(text), ("15/11/2026", True))[1]))
    area.form.terminate_button.click()
    assert "préavis d'un mois" in asked[0]
    conv = _conventions(factory)[0]
    assert (conv.status, conv.terminated_on) == (ConventionStatus.TERMINATED, D(2026, 12, 15))
    assert "lettre de résiliation du 15/11/2026" in area.form.state_label.text()
    assert "jusqu'au 15/12/2026" in area.form.state_label.text()

    area.select(ids[1])
    monkeypatch.setattr(QMessageBox, "exec", lambda box: box.setProperty("x", 1))  # closed: "Annuler"
    area.form.delete_button.click()
    assert len(_conventions(factory)) == 2
    monkeypatch.setattr("pre_desktop.ui.conventions_area.confirm", lambda *a, **k: True)
    area.form.delete_button.click()
    assert [c.reference for c in _conventions(factory)] == ["A"]
    assert area.form.convention_id is None and area.model.rowCount() == 1


def test_filters_by_status_partner_and_search(qtbot, area, factory, partners):
    with db.session_scope(factory, 1) as s:
        for pid, ref, start in ((partners[0], "ECOUTE-1", D(2025, 1, 1)), (partners[1], "DOLTO-1", D(2026, 1, 1))):
            c = cv.create_convention(s, partner_id=pid, reference=ref, start_date=start,
                                     tariff_individual=45, tariff_parents=45, tariff_family=45)
            cv.sign_convention(s, c.id, signed_on=start)
    area.refresh()
    assert area.proxy.rowCount() == 2
    area.status_filter.setCurrentIndex(area.status_filter.findData(ConventionStatus.EXPIRED))
    assert area.proxy.rowCount() == 1 and area.proxy.index(0, 1).data() == "ECOUTE-1"
    area.status_filter.setCurrentIndex(0)
    area.partner_filter.setCurrentIndex(area.partner_filter.findData(partners[1]))
    assert area.proxy.rowCount() == 1 and area.proxy.index(0, 0).data() == "CMPP Dolto"
    area.partner_filter.setCurrentIndex(0)
    type_text(qtbot, area.search, "ecoute")
    assert area.proxy.rowCount() == 1 and area.count_label.text() == "1 sur 2"
    dolto = next(r.id for r in area.model.rows if r.reference == "DOLTO-1")
    area.show_record("convention", dolto)  # from À traiter: the filters give way
    assert area.proxy.rowCount() == 2 and area.form.convention_id == dolto
    assert area.table.selectionModel().selectedRows()[0].data() == "CMPP Dolto"


def test_generate_the_document_records_and_lists_it(qtbot, area, factory, partners, monkeypatch, tmp_path):
    _fill_new(qtbot, area, partners[0])
    area.form.save()
    out = tmp_path / "Convention.docx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(out), "")))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.No))
    area.form.generate_button.click()
    text = "\n".join(p.text for p in new_docx(str(out)).paragraphs)
    assert "Association Écoute et Grandir" in text and "Article 7 — Montant des prestations" in text
    with factory() as s:
        [doc] = s.scalars(select(GeneratedDocument)).all()
        assert (doc.file_format, doc.target_id, doc.created_by_id) == ("docx", area.form.convention_id, 1)
    assert area.form.documents.rowCount() == 1
    assert area.form.documents.index(0, 3).data() == str(out)


def _docx(*paragraphs: str) -> bytes:
    word = new_docx()
    for text in paragraphs:
        word.add_paragraph(text)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def test_template_dialog_refuses_an_unknown_field_by_name_then_installs_a_good_one(qtbot, area, factory, tmp_path):
    dialog = ConventionTemplateDialog(area.ctx, area)
    qtbot.addWidget(dialog)
    bad, good = tmp_path / "mauvais.docx", tmp_path / "Notre modèle.docx"
    bad.write_bytes(_docx("{{ partenaire_nom }} {{ nom_du_maire }}"))
    good.write_bytes(_docx("{{ partenaire_nom }} — {{ tarif_familial }}"))
    assert not dialog.install(bad)
    assert "« nom_du_maire »" in dialog.error.text() and not dialog.remove_button.isEnabled()
    assert dialog.install(good)
    assert "« Notre modèle.docx »" in dialog.current.text()
    area.form._update_actions()
    assert "votre modèle « Notre modèle.docx »" in area.form.template_note.text()
    assert "PDF : la mise en page intégrée" in area.form.template_note.text()
    dialog.remove_button.click()
    assert "convention intégrée" in dialog.current.text()
    fields = FieldsDialog(dialog)
    qtbot.addWidget(fields)
    names = [fields.model.index(r, 0).data() for r in range(fields.model.rowCount())]
    assert "{{ tarif_individuel }}" in names and "{{ convention_debut }}" in names


def test_the_help_menu_lists_the_template_fields(qtbot, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QMainWindow

    from pre_desktop.exports.convention_document import TEMPLATE_FIELDS
    from pre_desktop.ui.about import add_help_menu

    window = QMainWindow()
    qtbot.addWidget(window)
    window.db_path = tmp_path / "base.sqlite"
    add_help_menu(window)
    shown = []
    monkeypatch.setattr(FieldsDialog, "exec", lambda self: shown.append(
        [self.model.index(r, 0).data() for r in range(self.model.rowCount())]) or 0)
    assert [a.text() for a in window.help_menu.actions()][-1].startswith("À &propos")
    window.template_fields_action.trigger()
    assert shown == [["{{ " + f.name + " }}" for f in TEMPLATE_FIELDS]]


def test_funder_typed_in_the_form_also_on_a_signed_convention_and_kept_by_a_renewal(qtbot, area, factory, partners,
                                                                                     monkeypatch, db_snapshot):
    _fill_new(qtbot, area, partners[0], start_date="01/01/2026", funder="Cité éducative")
    area.form.save_button.click()
    [conv] = _conventions(factory)
    assert conv.funder == "Cité éducative"
    _answer(monkeypatch, "20/12/2025")
    area.form.sign_button.click()
    # Signed: the terms are frozen, the funder (who pays the PRE, not a term agreed with the partner) is not.
    assert area.form.w["funder"].isEnabled() and not area.form.w["tariff_individual"].isEnabled()
    type_text(qtbot, area.form.w["funder"], "ARS")
    area.form.save_button.click()
    [conv] = _conventions(factory)
    assert (conv.funder, conv.status) == ("ARS", ConventionStatus.SIGNED)
    before = db_snapshot()
    type_text(qtbot, area.form.w["funder"], "x" * 121)
    area.form.save_button.click()
    assert area.form.errors.shown_field == "funder" and "trop long" in area.form.errors.message("funder")
    assert db_snapshot() == before
    area.form.load(conv.id)
    assert area.form.w["funder"].text() == "ARS"
    with db.session_scope(factory, 1) as s:
        assert cv.renew_convention(s, conv.id).funder == "ARS"
