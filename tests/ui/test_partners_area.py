"""The Partenaires area: type a partner, save it, find it in the list; refusals on their field
with nothing stored; contacts; deletion; types of structure; the import dialog."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QSettings, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from sqlalchemy import select

from pre_desktop.models import Partner, PartnerType
from pre_desktop.services import partners
from pre_desktop.textnorm import fold
from pre_desktop.ui import forms
from pre_desktop.ui.context import AppContext
from pre_desktop.ui.partner_form import ContactDialog
from pre_desktop.ui.partner_import_dialog import PartnerImportDialog
from pre_desktop.ui.partner_types_dialog import NewTypeDialog, PartnerTypesDialog
from pre_desktop.ui.partners_area import PartnersArea


def type_text(qtbot, widget, text: str) -> None:
    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char))


@pytest.fixture
def ctx(factory, engine, tmp_path):
    return AppContext(tmp_path / "test.sqlite", engine, factory,
                      QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def area(qtbot, ctx):
    widget = PartnersArea(ctx)
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    return widget


def type_id(ctx, code: str) -> int:
    with ctx.read() as s:
        return s.scalars(select(PartnerType.id).where(PartnerType.code == code)).one()


def choose_type(area, code: str) -> None:
    combo = area.form.type_combo
    combo.setCurrentIndex(combo.findData(type_id(area.ctx, code)))


def test_type_a_partner_save_with_ctrl_s_and_find_it(qtbot, area, ctx, db_snapshot):
    changes = []
    ctx.data_changed.connect(lambda: changes.append(1))
    area.new_partner()
    type_text(qtbot, area.form.inputs["name"], "CMP Évry Centre")
    choose_type(area, "CMP_ENF")
    assert (area.form.inputs["age_min"].text(), area.form.inputs["age_max"].text()) == ("0", "17")  # from the type
    assert "Prescription ou orientation" in area.form.orientation_note.text()
    type_text(qtbot, area.form.inputs["town"], "Évry-Courcouronnes")
    type_text(qtbot, area.form.inputs["email"], "cmp@ght.fr")
    area.form.inputs["email"].setFocus()
    qtbot.keyClick(area.form.inputs["email"], Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert changes and not area.form.dirty and area.form.detail is not None
    with ctx.read() as s:
        row = partners.search_partners(s)[0]
        assert (row.name, row.town, row.age_min, row.age_max) == ("CMP Évry Centre", "Évry-Courcouronnes", 0, 17)
    type_text(qtbot, area.search, "evry cmp enf")
    qtbot.waitUntil(lambda: area.proxy.words == fold("evry cmp enf").split(), timeout=2000)
    assert area.row_names() == ["CMP Évry Centre"]
    area.search.clear()
    type_text(qtbot, area.search, "zzz")
    qtbot.waitUntil(lambda: area.proxy.rowCount() == 0, timeout=2000)
    assert area.count_label.text() == "0 sur 1"


@pytest.mark.parametrize("field, text, expected", [
    ("email", "accueil.cmp.fr", "courriel"),
    ("age_min", "15", "ne peut pas dépasser"),
    ("age_max", "douze", "n'est pas un âge valide"),
    ("postal_code", "910", "code postal"),
])
def test_refusal_shown_on_its_field_nothing_stored(qtbot, area, ctx, db_snapshot, field, text, expected):
    area.new_partner()
    type_text(qtbot, area.form.inputs["name"], "MDA")
    choose_type(area, "MDA")
    if field == "age_min":
        area.form.inputs["age_max"].setText("12")
    area.form.inputs[field].setText(text)
    before = db_snapshot()
    assert not area.save()
    errors = area.form.errors
    assert errors.shown_field == field and expected in errors.message(field)
    assert errors.widget(field).property("refused")
    assert db_snapshot() == before


def test_missing_type_shown_on_the_type(qtbot, area, db_snapshot):
    area.new_partner()
    type_text(qtbot, area.form.inputs["name"], "Sans type")
    before = db_snapshot()
    assert not area.save()
    assert area.form.errors.shown_field == "type_id" and "introuvable" in area.form.errors.message("type_id")
    assert db_snapshot() == before


def test_contacts_added_edited_removed_and_saved(qtbot, area, ctx, monkeypatch):
    area.new_partner()
    area.form.inputs["name"].setText("Filigrane")
    choose_type(area, "ASSO_PSY")
    answers = iter([("Mme Leclerc", "roux@"), ("Mme Leclerc", "leclerc@filigrane.fr"), ("M. Diaz", "")])

    def fake_exec(dialog: ContactDialog) -> int:
        while True:
            name, email = next(answers)
            dialog.inputs["name"].setText(name)
            dialog.inputs["email"].setText(email)
            dialog.accept()
            if dialog.result() == QDialog.DialogCode.Accepted:
                return QDialog.DialogCode.Accepted
            assert dialog.errors.shown_field == "email"  # refused in the dialog, which stays open

    monkeypatch.setattr(ContactDialog, "exec", fake_exec)
    assert not area.form.edit_contact_button.isEnabled() and not area.form.remove_contact_button.isEnabled()
    area.form.add_contact()
    area.form.add_contact()
    assert [c.name for c in area.form.contacts()] == ["Mme Leclerc", "M. Diaz"]
    assert not area.form.remove_contact_button.isEnabled()  # nothing selected: nothing to remove
    area.form.contacts_view.selectRow(1)
    assert area.form.edit_contact_button.isEnabled() and area.form.remove_contact_button.isEnabled()
    area.form.remove_contact()
    assert area.save()
    with ctx.read() as s:
        detail = partners.partner_detail(s, area.form.detail.id)
        assert [(c.name, c.email) for c in detail.contacts] == [("Mme Leclerc", "leclerc@filigrane.fr")]


def test_edit_existing_and_stale_version(qtbot, area, ctx, monkeypatch):
    with ctx.write() as s:
        pid = partners.create_partner(s, name="CMPP Dolto", type_id=type_id(ctx, "CMPP")).id
    area.refresh()
    area.select_partner(pid)
    assert area.form.detail.id == pid and area.form.inputs["name"].text() == "CMPP Dolto"
    with ctx.write() as s:  # someone else saves meanwhile
        partners.update_partner(s, pid, expected_version=None, town="Corbeil")
    area.form.inputs["sector"].setText("91I03")
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    assert not area.save()
    assert shown and "modifié entre-temps" in shown[0]


def test_delete_asks_then_refuses_a_partner_with_history(qtbot, area, ctx, monkeypatch):
    import datetime as dt

    from pre_desktop.models import Convention

    with ctx.write() as s:
        kept = partners.create_partner(s, name="Avec convention", type_id=type_id(ctx, "ASSO_PSY"))
        s.add(Convention(partner=kept, reference="C-1", start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31)))
        gone = partners.create_partner(s, name="Doublon", type_id=type_id(ctx, "MDA")).id
        kept_id = kept.id
    area.refresh()
    asked, warned = [], []
    monkeypatch.setattr(forms, "confirm", lambda parent, title, text, **kw: asked.append(text) or True)
    monkeypatch.setattr("pre_desktop.ui.partners_area.confirm", lambda parent, title, text, **kw: asked.append(text) or True)
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warned.append(text))
    area.select_partner(kept_id)
    area.delete()
    assert asked and warned and "convention" in warned[0]
    area.select_partner(gone)
    area.delete()
    with ctx.read() as s:
        assert [p.name for p in s.scalars(select(Partner))] == ["Avec convention"]
    assert area.row_names() == ["Avec convention"]


def test_filters_by_type_and_active(qtbot, area, ctx):
    with ctx.write() as s:
        partners.create_partner(s, name="CMP A", type_id=type_id(ctx, "CMP_ENF"))
        partners.create_partner(s, name="MDA B", type_id=type_id(ctx, "MDA"))
        partners.create_partner(s, name="CMP ancien", type_id=type_id(ctx, "CMP_ENF"), active=False)
    area.refresh()
    assert area.row_names() == ["CMP A", "MDA B"]
    area.type_filter.setCurrentIndex(area.type_filter.findData(type_id(ctx, "CMP_ENF")))
    assert area.row_names() == ["CMP A"]
    area.active_filter.setCurrentIndex(2)
    assert area.row_names() == ["CMP A", "CMP ancien"]


def test_types_dialog_adjusts_ages_and_adds_a_type(qtbot, ctx, db_snapshot, monkeypatch):
    dialog = PartnerTypesDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.model.rowCount() == 18
    indirect = [r.label for r in dialog.model.rows if not r.direct_orientation_allowed]
    assert indirect == ["CATTP adultes", "CATTP enfants", "Hôpital de jour (HDJ)"]
    number = next(n for n, r in enumerate(dialog.model.rows) if r.code == "CMPP")
    dialog.table.selectRow(number)
    dialog.age_min.setText("12")
    dialog.age_max.setText("6")
    before = db_snapshot()
    dialog.save()
    assert dialog.errors.shown_field == "age_min" and "ne peut pas dépasser" in dialog.errors.message("age_min")
    assert db_snapshot() == before
    dialog.age_min.setText("3")
    dialog.age_max.setText("18")
    dialog.save()
    assert next(r for r in dialog.model.rows if r.code == "CMPP").ages_text == "3 à 18 ans"

    def fill(new: NewTypeDialog) -> int:
        new.label.setText("CMP enfants")  # duplicate name first
        new.accept()
        assert new.errors.shown_field == "label" and "existe déjà" in new.errors.message("label")
        new.label.setText("SESSAD")
        new.age_min.setText("-1")
        new.accept()
        assert new.errors.shown_field == "age_min"
        new.age_min.setText("0")
        new.age_max.setText("20")
        new.mode.setCurrentIndex(new.mode.findData("medical"))
        new.direct.setChecked(False)
        new.explanation.setPlainText("Sur notification de la MDPH.")
        new.accept()
        return new.result()

    monkeypatch.setattr(NewTypeDialog, "exec", fill)
    dialog.add_type()
    added = dialog.current
    assert added is not None and added.label == "SESSAD" and not added.direct_orientation_allowed
    assert added.refusal_explanation == "Sur notification de la MDPH." and dialog.model.rowCount() == 19


def test_import_dialog_mapping_preview_and_report(qtbot, ctx, tmp_path, db_snapshot):
    path = tmp_path / "annuaire.csv"
    path.write_bytes("Structure;Catégorie;Ville;Mail\r\nCMP Évry;CMP enfants;Évry;cmp@ght.fr\r\n"
                     "PAEJ;PAEJ;Ris;paej@nord\r\n".encode("cp1252"))
    dialog = PartnerImportDialog(ctx)
    qtbot.addWidget(dialog)
    assert not dialog.import_button.isEnabled()
    assert dialog.load_file(path)
    assert "point-virgule" in dialog.file_label.text() and "cp1252" in dialog.file_label.text()
    assert dialog.mapping() | {} == {**dialog.mapping(), "name": 0, "type": 1, "town": 2, "email": 3}
    assert dialog.preview_model.headers == ["Ligne", "Nom de la structure", "Type de structure", "Commune", "Courriel"]
    assert dialog.preview_model.rows[0] == ["2", "CMP Évry", "CMP enfants", "Évry", "cmp@ght.fr"]
    before = db_snapshot()
    assert not dialog.run_import()
    assert db_snapshot() == before
    assert dialog.report_model.rows == [["3", "Courriel", "« paej@nord » n'est pas une adresse de courriel valide "
                                                           "(exemple : accueil@cmp.fr)."]]
    assert "Rien n'a été enregistré" in dialog.report_label.text()
    dialog.set_mapping("email", None)  # the user leaves the e-mails out
    assert dialog.check().ok
    assert dialog.run_import() and dialog.imported
    assert "2 structure(s)" in dialog.report_label.text()
    with ctx.read() as s:
        assert sorted(r.name for r in partners.search_partners(s)) == ["CMP Évry", "PAEJ"]


def test_import_dialog_reads_checks_and_writes_off_the_gui_thread(qtbot, ctx, tmp_path, monkeypatch):
    import threading

    from pre_desktop.ui import partner_import_dialog as module

    threads: list[str] = []

    def spy(fn):
        def call(*args, **kwargs):
            threads.append(fn.__name__ if threading.current_thread() is not threading.main_thread() else "GUI")
            return fn(*args, **kwargs)
        return call

    for name in ("read_table", "check_rows", "import_partners"):
        monkeypatch.setattr(module, name, spy(getattr(module, name)))
    path = tmp_path / "annuaire.csv"
    path.write_text("Structure;Catégorie\n" + "".join(f"Lieu {n};PAEJ\n" for n in range(300)), encoding="utf-8")
    dialog = PartnerImportDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.load_file(path) and dialog.check().ok and dialog.run_import()
    assert threads == ["read_table", "check_rows", "import_partners"]
    with ctx.read() as s:
        assert len(partners.search_partners(s, "lieu")) == 300


def test_import_dialog_shows_an_unreadable_file(qtbot, ctx, tmp_path):
    dialog = PartnerImportDialog(ctx)
    qtbot.addWidget(dialog)
    bad = tmp_path / "annuaire.ods"
    bad.write_bytes(b"x")
    assert not dialog.load_file(bad)
    assert "non pris en charge" in dialog.file_label.text() and not dialog.import_button.isEnabled()


def test_export_writes_the_directory(qtbot, area, ctx, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    with ctx.write() as s:
        partners.create_partner(s, name="CMP A", type_id=type_id(ctx, "CMP_ENF"))
    target = tmp_path / "annuaire"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    area.export_directory()
    assert (tmp_path / "annuaire.xlsx").is_file() and "1 structure(s)" in asked[0]
