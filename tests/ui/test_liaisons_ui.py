"""From « Orienter vers un partenaire » to the fiche sent, and the Fiches de liaison area."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QLabel, QMessageBox, QPushButton
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "exports"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from care_fixtures import add_sessions, care_referral, convention, family_with_child, partner  # noqa: E402
from readback import pdf_text, squash  # noqa: E402
from test_main_window import type_text  # noqa: E402

from pre_desktop import db  # noqa: E402
from pre_desktop.models import CareReferral, CareReferralState, GeneratedDocument  # noqa: E402
from pre_desktop.ui import liaison_actions  # noqa: E402
from pre_desktop.ui.context import AppContext  # noqa: E402
from pre_desktop.ui.form_dialog import FormDialog  # noqa: E402
from pre_desktop.ui.liaisons_area import LiaisonsArea  # noqa: E402
from pre_desktop.ui.orient_dialog import OrientDialog, orient_child  # noqa: E402

D = dt.date


@pytest.fixture
def ctx(engine, factory, tmp_path):
    context = AppContext(tmp_path / "test.sqlite", engine, factory,
                         QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    assert context.user_id == 1  # the coordinator of the fixtures
    return context


@pytest.fixture
def answers(monkeypatch, tmp_path):
    """Record the questions asked; answer Yes to confirmations, No to « open the file? »; save in tmp."""
    asked: list[str] = []

    def question(parent, title, text, *args, **kwargs):
        asked.append(text)
        return QMessageBox.StandardButton.No if "L'ouvrir" in text else QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: asked.append(text))
    target = {"path": tmp_path / "out" / "fiche.pdf"}
    target["path"].parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda parent, title, start, filters: (str(target["path"]), filters.split(";;")[0]))
    return asked, target


def _case(factory, *, consent: bool = True, birth: dt.date = D(2015, 3, 10)) -> dict[str, int]:
    with db.session_scope(factory, 1) as s:
        child = family_with_child(s, consent=consent, birth_date=birth, school="Collège Senghor")
        asso = partner(s, name="Association Filigrane")
        convention(s, asso, reference="CONV-FIL")
        cattp = partner(s, name="CATTP Les Lucioles", code="CATTP_ENF")
        mda = partner(s, name="Maison des adolescents", code="MDA")
        return {"child": child.id, "asso": asso.id, "cattp": cattp.id, "mda": mda.id}


def test_orient_then_generate_the_fiche(qtbot, ctx, factory, answers):
    asked, target = answers
    ids = _case(factory)
    dialog = OrientDialog(ctx, ids["child"])
    qtbot.addWidget(dialog)
    # Public and orientation mode are in the list, before any choice
    assert dialog.partners.column_texts(0) == ["Association Filigrane", "CATTP Les Lucioles", "Maison des adolescents"]
    orientation = dialog.partners.column_texts(3)
    assert orientation[1] == "Orientation directe impossible" and dialog.partners.column_texts(2)[2] == "11 à 25 ans"
    assert dialog.referent.value() == 2  # the child's référent by default
    assert dialog.select_partner("Association Filigrane")
    assert "CONV-FIL" in dialog.convention.text()
    assert not dialog.age_reason.widget.isVisible()
    type_text(qtbot, dialog.reason.widget, "Anxiété, refus scolaire")
    with qtbot.waitSignal(ctx.data_changed):
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.created_id is not None
    path = liaison_actions.generate_fiche(dialog, ctx, dialog.created_id)
    assert path == target["path"] and path.exists()
    text = squash(pdf_text(path))
    assert "Anxiété, refus scolaire" in text and "Karim" in text and "Senghor" not in text
    with db.session_scope(factory, 1) as s:
        cr = s.get(CareReferral, dialog.created_id)
        assert (cr.state, cr.reason, cr.referent_id, cr.convention.reference) == (
            CareReferralState.DRAFT, "Anxiété, refus scolaire", 2, "CONV-FIL")
        doc = s.scalars(select(GeneratedDocument)).one()
        assert (doc.kind, doc.target_id, doc.file_format, doc.file_path) == ("liaison", cr.id, "pdf", str(path))
    assert any("L'ouvrir" in q for q in asked)


def test_orient_child_offers_the_fiche_right_away(qtbot, ctx, factory, answers, monkeypatch):
    asked, target = answers
    target["path"] = target["path"].with_suffix(".docx")
    ids = _case(factory)

    def fill_and_create(dialog: OrientDialog) -> int:
        dialog.select_partner("Association Filigrane")
        dialog.reason.set_value("Troubles du sommeil")
        dialog.create()
        return dialog.result()

    monkeypatch.setattr(OrientDialog, "exec", fill_and_create)
    created = orient_child(None, ctx, ids["child"])
    assert created is not None and target["path"].exists()
    with db.session_scope(factory, 1) as s:
        assert s.scalars(select(GeneratedDocument.file_format)).one() == "docx"


def test_no_family_agreement_refused_with_the_way_to_record_it(qtbot, ctx, factory, db_snapshot, answers):
    ids = _case(factory, consent=False)
    dialog = OrientDialog(ctx, ids["child"])
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.consent_info.isVisible() and "Accord de la famille" in dialog.consent_info.text()
    dialog.select_partner("Association Filigrane")
    dialog.reason.set_value("Anxiété")
    before = db_snapshot()
    assert not dialog.create()
    assert dialog.errors.shown_field == "consent" and "Identité et famille" in dialog.consent_info.text()
    assert dialog.consent_info.isVisible() and dialog.isVisible()
    assert db_snapshot() == before


def test_structure_out_of_direct_reach_refused_on_its_field(qtbot, ctx, factory, db_snapshot, answers):
    ids = _case(factory)
    dialog = OrientDialog(ctx, ids["child"])
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.select_partner("CATTP Les Lucioles")
    assert "Orientation directe impossible" in dialog.partner_info.text()
    assert "psychiatre" in dialog.partner_info.text()
    dialog.reason.set_value("Anxiété")
    before = db_snapshot()
    assert not dialog.create()
    assert dialog.errors.shown_field == "partner_id" and "psychiatre" in dialog.errors.message("partner_id")
    nothing = OrientDialog(ctx, ids["child"])
    qtbot.addWidget(nothing)
    nothing.reason.set_value("Anxiété")
    assert not nothing.create() and nothing.errors.shown_field == "partner_id"
    assert "Choisissez la structure" in nothing.errors.message("partner_id")
    assert db_snapshot() == before


def test_age_outside_public_asks_for_a_reason(qtbot, ctx, factory, db_snapshot, answers):
    asked, _ = answers
    ids = _case(factory, birth=D(2019, 5, 1))  # 7 years old; the MDA takes 11 to 25
    dialog = OrientDialog(ctx, ids["child"])
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.select_partner("Maison des adolescents")
    assert "7 ans" in dialog.partner_info.text() and dialog.age_reason.widget.isVisible()
    dialog.reason.set_value("Anxiété")
    before = db_snapshot()
    assert not dialog.create()
    assert dialog.errors.shown_field == "age_warning_reason" and any("7 ans" in q for q in asked)
    assert db_snapshot() == before
    dialog.age_reason.set_value("Frère suivi à la MDA")
    assert dialog.create()
    with db.session_scope(factory, 1) as s:
        assert s.get(CareReferral, dialog.created_id).age_warning_reason == "Frère suivi à la MDA"


# --------------------------------------------------------------------------- the area


def _fill(values: dict[str, str]):
    """FormDialog.exec replaced: type the values, press Enregistrer, report like exec."""
    def exec_(dialog: FormDialog) -> int:
        for name, value in values.items():
            dialog.fields[name].set_value(value)
        dialog.save()
        return dialog.result()
    return exec_


def _area_case(factory) -> dict[str, int]:
    with db.session_scope(factory, 1) as s:
        child = family_with_child(s)
        other = family_with_child(s, name="Martin", first_name="Noé", referent_id=1)
        asso = partner(s, name="Association Filigrane")
        conv = convention(s, asso)
        cmpp = partner(s, name="CMPP Dolto", code="CMPP")
        late = care_referral(s, child, asso, conv, requested_on=D(2026, 10, 1), sent_on=D(2026, 10, 2))
        fresh = care_referral(s, other, cmpp, None, requested_on=D(2026, 11, 20), sent_on=None)
        ended = care_referral(s, child, cmpp, None, requested_on=D(2026, 1, 5), sent_on=D(2026, 1, 6),
                              state=CareReferralState.ENDED)
        return {"late": late.id, "fresh": fresh.id, "ended": ended.id, "other": other.id}


def test_area_lists_filters_and_marks_the_late(qtbot, ctx, factory):
    ids = _area_case(factory)
    area = LiaisonsArea(ctx)
    qtbot.addWidget(area)
    assert sorted(r.id for r in area.shown_rows()) == sorted([ids["late"], ids["fresh"]])  # not the ended one
    assert area.count_label.text() == "2 fiches, dont 1 en retard"
    area.state.setCurrentIndex(area.state.findText("Toutes"))
    assert area.list.row_count() == 3
    area.state.setCurrentIndex(area.state.findText("En retard"))
    assert [r.id for r in area.shown_rows()] == [ids["late"]]
    assert area.list.text_at(0, 5) == "51 j, en retard"  # sent 02/10, today 22/11
    area.state.setCurrentIndex(area.state.findText("Terminée"))  # one state: the combo hands back text
    assert [r.id for r in area.shown_rows()] == [ids["ended"]]
    area.state.setCurrentIndex(area.state.findText("Toutes"))
    area.partner.setCurrentIndex(area.partner.findText("CMPP Dolto"))
    assert sorted(r.id for r in area.shown_rows()) == sorted([ids["fresh"], ids["ended"]])
    area.partner.setCurrentIndex(0)
    area.referent.setCurrentIndex(area.referent.findText("Claire Martin"))
    assert [r.id for r in area.shown_rows()] == [ids["fresh"]]
    assert area.list.text_at(0, 6) == "0 / 20"


def test_area_actions_send_answer_end_and_open(qtbot, ctx, factory, answers, monkeypatch):
    asked, _ = answers
    ids = _area_case(factory)
    area = LiaisonsArea(ctx)
    qtbot.addWidget(area)
    assert area.select(ids["fresh"])
    assert area.sent_button.isEnabled() and not area.answer_button.isEnabled()
    monkeypatch.setattr(FormDialog, "exec", _fill({"sent_on": "21/11/2026", "how": "Courrier"}))
    assert area.mark_sent()
    assert area.selected().state is CareReferralState.SENT and area.answer_button.isEnabled()
    monkeypatch.setattr(FormDialog, "exec", _fill({"sent_on": "22/11/2026", "how": "Courriel"}))
    assert area.mark_sent()  # asks first (answered Yes), keeps both dates
    assert any("déjà été envoyée le 21/11/2026" in q for q in asked)
    assert area.history.isVisibleTo(area) and ("Envoyée le 21/11/2026 (Courrier) · Envoyée de nouveau le "
                                               "22/11/2026 (Courriel)") in area.history.text()
    monkeypatch.setattr(FormDialog, "exec", _fill({"answered_on": "20/11/2026"}))
    assert not area.record_answer()  # before the sending: refused, nothing stored
    monkeypatch.setattr(FormDialog, "exec", _fill({"answered_on": "22/11/2026", "first_appointment_on": "21/11/2026"}))
    assert not area.record_answer()
    monkeypatch.setattr(FormDialog, "exec", _fill({"answered_on": "22/11/2026", "first_appointment_on": "01/12/2026",
                                                   "psychologist_name": "Mme Roche"}))
    assert area.record_answer()
    assert area.selected().state is CareReferralState.ANSWERED
    monkeypatch.setattr(FormDialog, "exec", _fill({"ended_on": "19/11/2026", "end_reason": "Déménagement"}))
    assert not area.end()  # before the request
    monkeypatch.setattr(FormDialog, "exec", _fill({"ended_on": "22/11/2026", "end_reason": "Déménagement"}))
    assert area.end()
    with db.session_scope(factory, 1) as s:
        cr = s.get(CareReferral, ids["fresh"])
        assert [x.sent_on for x in cr.sendings] == [D(2026, 11, 21), D(2026, 11, 22)]
        assert (cr.sent_on, cr.psychologist_name, cr.state, cr.end_reason) == (
            D(2026, 11, 21), "Mme Roche", CareReferralState.ENDED, "Déménagement")
    area.state.setCurrentIndex(area.state.findText("Toutes"))
    area.select(ids["fresh"])
    assert not area.sent_button.isEnabled() and not area.end_button.isEnabled()
    with qtbot.waitSignal(ctx.open_child) as opened:
        area.open_button.click()
    assert opened.args == [ids["other"]]


def test_area_exports_the_filtered_list(qtbot, ctx, factory, answers):
    _, target = answers
    target["path"] = target["path"].with_name("liste.xlsx")
    ids = _area_case(factory)
    area = LiaisonsArea(ctx)
    qtbot.addWidget(area)
    area.partner.setCurrentIndex(area.partner.findText("Association Filigrane"))
    path = area.export_list()
    sheet = load_workbook(path).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[2] == ["Filtres : état : non terminées ; structure : Association Filigrane"] + [None] * 17
    header = values.index(next(v for v in values if v[0] == "N°"))
    data = [v for v in values[header + 1:] if v[0] is not None]
    assert [v[0] for v in data] == [ids["late"]] and data[0][6] == dt.datetime(2026, 10, 1)
    assert data[0][10] == 51 and data[0][12] == "51 j sans réponse"
    with db.session_scope(factory, 1) as s:
        assert s.scalars(select(GeneratedDocument.kind)).one() == "liaisons_list"


# --------------------------------------------------------------------------- the child's file


def _orientations_tab(qtbot, engine, factory, tmp_path, child_id):
    """The main window, the child's file opened on its Orientations tab."""
    from pre_desktop.ui.main_window import MainWindow

    win = MainWindow(Path(engine.url.database), engine, factory,
                     settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.ctx.open_child.emit(child_id)
    file = win.child_files[child_id]
    file.tabs.setCurrentWidget(file.orientations)
    return win, file.orientations


def test_from_the_child_file_orient_generate_and_open(qtbot, engine, factory, tmp_path, answers, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    _, target = answers
    ids = _case(factory)
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))

    def fill_and_create(dialog: OrientDialog) -> int:
        dialog.select_partner("Association Filigrane")
        dialog.reason.set_value("Anxiété")
        dialog.create()
        return dialog.result()

    monkeypatch.setattr(OrientDialog, "exec", fill_and_create)
    win, tab = _orientations_tab(qtbot, engine, factory, tmp_path, ids["child"])
    assert tab.orientations.row_count() == 0
    generate = tab.findChild(QPushButton, "generate_fiche")
    open_last = tab.findChild(QPushButton, "open_fiche")
    assert not generate.isEnabled() and not open_last.isEnabled()
    tab.findChild(QPushButton, "orient").click()  # dialog → created → « produce now? » Yes → saved
    assert target["path"].exists()
    assert tab.orientations.row_count() == 1 and tab.orientations.text_at(0, 0) == "Association Filigrane"
    tab.orientations.select(lambda r: True)
    assert generate.isEnabled() and open_last.isEnabled()
    open_last.click()
    assert opened == [str(target["path"])]
    target["path"] = target["path"].with_name("nouvelle.docx")
    generate.click()
    with db.session_scope(factory, 1) as s:
        assert sorted(s.scalars(select(GeneratedDocument.file_format))) == ["docx", "pdf"]
    open_last.click()
    assert opened[-1] == str(target["path"])
    for child_file in list(win.child_files.values()):
        child_file.close()


def test_area_marks_the_quota_threshold(qtbot, ctx, factory):
    from PySide6.QtCore import Qt as _Qt

    ids = _area_case(factory)
    with db.session_scope(factory, 1) as s:
        cr = s.get(CareReferral, ids["late"])
        add_sessions(s, cr, [D(2026, 10, 5) + dt.timedelta(days=k) for k in range(15)])  # the 15th of 20
    area = LiaisonsArea(ctx)
    qtbot.addWidget(area)
    area.select(ids["late"])
    model, column = area.list.table.model(), 6
    index = next(model.index(r, column) for r in range(model.rowCount())
                 if area.list.row_at(r).id == ids["late"])
    assert index.data() == "15 / 20" and index.data(_Qt.ItemDataRole.BackgroundRole) is not None
    assert "Seuil d'alerte atteint" in index.data(_Qt.ItemDataRole.ToolTipRole)
    assert "Séances 15 / 20 — Seuil d'alerte atteint" in area.history.text()


def test_a_long_refusal_grows_the_dialog_instead_of_overlapping(qtbot, ctx, factory, answers):
    ids = _area_case(factory)
    dialog = liaison_actions.end_dialog(None, ctx, ids["late"], None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert not dialog.save()  # no reason chosen: the list of reasons under the field
    message = dialog.findChild(QLabel, "error_end_reason")
    assert message.isVisible() and "Choisissez le motif de fin" in message.text()
    bottom = message.mapTo(dialog, message.rect().bottomLeft()).y()
    assert bottom < dialog.buttons.mapTo(dialog, dialog.buttons.rect().topLeft()).y()
    assert message.height() >= message.heightForWidth(message.width())  # every line of it shown


def test_from_the_child_file_send_answer_and_end(qtbot, engine, factory, tmp_path, answers, monkeypatch):
    asked, _ = answers
    ids = _area_case(factory)
    win, tab = _orientations_tab(qtbot, engine, factory, tmp_path, ids["other"])
    sent, answer, end = (tab.findChild(QPushButton, n) for n in ("mark_sent", "answer", "end"))
    history = tab.findChild(QLabel, "history")
    assert not sent.isEnabled() and not history.isVisibleTo(tab)
    tab.orientations.select(lambda r: r.id == ids["fresh"])
    assert sent.isEnabled() and not answer.isEnabled() and history.text().startswith("Fiche n° ")
    monkeypatch.setattr(FormDialog, "exec", _fill({"sent_on": "21/11/2026", "how": "Courrier"}))
    sent.click()
    monkeypatch.setattr(FormDialog, "exec", _fill({"sent_on": "22/11/2026", "how": "Courriel"}))
    sent.click()
    assert any("déjà été envoyée le 21/11/2026" in q for q in asked)
    assert "Envoyée de nouveau le 22/11/2026 (Courriel)" in history.text() and answer.isEnabled()
    monkeypatch.setattr(FormDialog, "exec", _fill({"answered_on": "22/11/2026", "first_appointment_on": "01/12/2026"}))
    answer.click()
    monkeypatch.setattr(FormDialog, "exec", _fill({"ended_on": "22/11/2026", "end_reason": "Abandon"}))
    end.click()
    assert "Terminée le 22/11/2026 — Abandon" in history.text() and not end.isEnabled()
    with db.session_scope(factory, 1) as s:
        cr = s.get(CareReferral, ids["fresh"])
        assert ([x.sent_on for x in cr.sendings], cr.first_appointment_on, cr.state) == (
            [D(2026, 11, 21), D(2026, 11, 22)], D(2026, 12, 1), CareReferralState.ENDED)
    for child_file in list(win.child_files.values()):
        child_file.close()
