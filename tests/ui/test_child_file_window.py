"""A child's file, used as a référent uses it: open it from the app, read each tab, edit,
save with Ctrl+S, be refused, close with unsaved edits, several files at once."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))

from care_fixtures import add_sessions, care_referral, convention, family_with_child, partner, weekly  # noqa: E402
from test_main_window import type_text  # noqa: E402

from pre_desktop import db  # noqa: E402
from pre_desktop.models import AuditAction, AuditEvent, Child, EpsDecisionKind, Family, Guardian  # noqa: E402
from pre_desktop.services.documents import record_document  # noqa: E402
from pre_desktop.services.eps import create_meeting, record_decision  # noqa: E402
from pre_desktop.services.referrals import add_referral  # noqa: E402
from pre_desktop.ui import child_tabs  # noqa: E402,F401
from pre_desktop.ui.child_file import ChildFile  # noqa: E402
from pre_desktop.ui.main_window import MainWindow  # noqa: E402

D = dt.date
Button = QMessageBox.StandardButton


@pytest.fixture
def ids(factory) -> dict[str, int]:
    """Léa Dupont, followed since an EPS, oriented to a partner (9 sessions of 10), and her sister Inès."""
    with db.session_scope(factory, 1) as s:
        child = family_with_child(s)
        sister = Child(family=child.family, last_name="Dupont", first_name="Inès", birth_date=D(2012, 6, 1))
        s.add(sister)
        add_referral(s, child_id=child.id, referred_on=D(2025, 9, 15), source="École", referrer_name="Mme Roux",
                     referrer_function="directrice", reasons="Absences répétées")
        meeting = create_meeting(s, meeting_date=D(2025, 10, 14), place="Mairie annexe")
        record_decision(s, meeting_id=meeting.id, child_id=child.id, kind=EpsDecisionKind.ACCEPT,
                        objectives="Retrouver confiance en soi", actions=[{"label": "Soutien psychologique"}],
                        review_date=D(2026, 4, 14), reason="Situation examinée avec la famille", confirm=True)
        p = partner(s)
        cr = care_referral(s, child, p, convention(s, p, quota=10, threshold=8))
        add_sessions(s, cr, weekly(D(2026, 3, 2), 9))
        record_document(s, kind="liaison", file_format="pdf", title="Fiche de liaison — DUPONT Léa",
                        target_type="care_referrals", target_id=cr.id, child_id=child.id)
        s.flush()
        return {"child": child.id, "sister": sister.id, "family": child.family_id,
                "guardian": child.family.guardians[0].id}


@pytest.fixture
def win(qtbot, engine, factory, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(Path(engine.url.database), engine, factory, settings=settings)
    window.show()
    yield window
    for file in list(window.child_files.values()):  # a failed test may leave edits: never ask
        file._discard = True
        file.close()
    window.close()
    window.deleteLater()


def open_file(qtbot, win: MainWindow, child_id: int) -> ChildFile:
    win.ctx.open_child.emit(child_id)
    file = win.child_files[child_id]
    qtbot.waitExposed(file)
    return file


def retype(qtbot, widget, text: str) -> None:
    widget.selectAll()
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    type_text(qtbot, widget, text)


def ctrl(qtbot, file: ChildFile, key: Qt.Key) -> None:
    """The shortcut as typed in the file's window (shortcuts go to the active window)."""
    file.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is file, timeout=2000)
    qtbot.keyClick(QApplication.focusWidget() or file, key, Qt.KeyboardModifier.ControlModifier)


def show_tab(file: ChildFile, tab) -> None:  # noqa: ANN001
    file.tabs.setCurrentWidget(tab)


def answer(monkeypatch, button: QMessageBox.StandardButton) -> list[str]:
    """Every question (unsaved changes, warnings) answered with ``button``; returns the texts asked."""
    asked: list[str] = []

    def question(parent, title, text, *args, **kwargs):  # noqa: ANN001
        asked.append(text)
        return button

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def test_each_tab_shows_the_childs_data(qtbot, win, ids, monkeypatch):
    file = open_file(qtbot, win, ids["child"])
    assert file.windowTitle() == "DUPONT Léa — Dossier enfant[*]"
    assert "Référent(e) : Karim Benali" in file.subheading.text()
    identity = file.identity
    assert identity.child_fields["last_name"].value() == "Dupont"
    assert identity.child_fields["birth_date"].value() == "10/03/2015"
    assert identity.child_fields["referent_id"].value() == 2
    assert identity.family_fields["name"].value() == "Dupont"
    assert "Statut : En parcours" in identity.status.text()
    assert "Accord de la famille : donné le 05/01/2026 par Mme Dupont" in identity.status.text()
    assert identity.guardians.column_texts(0) == ["Sonia Dupont"]
    assert identity.siblings.column_texts(0) == ["DUPONT Inès"]

    show_tab(file, file.referrals)
    assert [file.referrals.referrals.text_at(0, c) for c in range(4)] == [
        "15/09/2025", "École", "Mme Roux, directrice", "Absences répétées"]
    show_tab(file, file.eps)
    assert [file.eps.decisions.text_at(0, c) for c in range(3)] == [
        "14/10/2025", "Parcours accepté", "Situation examinée avec la famille"]
    show_tab(file, file.pathway)
    assert file.pathway.box.title() == "Parcours en cours"
    assert file.pathway.review.value() == "14/04/2026"
    assert file.pathway.objectives.text() == "Retrouver confiance en soi"
    assert file.pathway.actions.column_texts(0) == ["Soutien psychologique"]
    assert file.pathway.actions.text_at(0, 5) == "EPS"
    show_tab(file, file.orientations)
    row = [file.orientations.orientations.text_at(0, c) for c in range(6)]
    assert row == ["Association Filigrane", "Enfant", "01/02/2026", "Envoyée", "", "9 / 10"]
    show_tab(file, file.sessions)
    assert file.sessions.sessions.row_count() == 9
    assert file.sessions.sessions.text_at(0, 0) == "27/04/2026"  # newest first
    assert file.sessions.summary.text() == "9 séances, dont 9 présences."
    show_tab(file, file.documents)
    assert file.documents.documents.text_at(0, 1) == "Fiche de liaison — DUPONT Léa"
    assert file.documents.documents.text_at(0, 2) == "Fiche de liaison"
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: told.append(a[2]))
    assert not file.documents.open_button.isEnabled()
    file.documents.documents.select(lambda row: True)
    file.documents.open_button.click()  # recorded without a file: said, not silently ignored
    assert told and "n'existe plus" in told[0]
    show_tab(file, file.history)
    lines = file.history.lines
    assert "Création" in lines.column_texts(2) and "Dossier de l'enfant" in lines.column_texts(3)
    assert "Consultation" not in lines.column_texts(2)
    file.history.show_views.setChecked(True)
    assert lines.text_at(0, 2) == "Consultation" and lines.text_at(0, 1) == "Claire Martin"


def test_opening_records_who_read_the_file(qtbot, win, ids, factory):
    open_file(qtbot, win, ids["child"])
    with factory() as s:
        views = s.query(AuditEvent).filter_by(action=AuditAction.VIEW, child_id=ids["child"]).all()
    assert [(v.user_id, v.entity) for v in views] == [(1, "children")]


def test_an_empty_file_says_there_is_nothing(qtbot, win, ids):
    file = open_file(qtbot, win, ids["sister"])
    for tab, view in ((file.referrals, file.referrals.referrals), (file.eps, file.eps.decisions),
                      (file.orientations, file.orientations.orientations), (file.sessions, file.sessions.sessions),
                      (file.documents, file.documents.documents)):
        show_tab(file, tab)
        assert view.empty.isVisible() and view.empty.text().startswith("Aucun"), view.empty.text()
        assert not view.table.isVisible()
    show_tab(file, file.pathway)
    assert file.pathway.none_label.isVisible() and not file.pathway.box.isVisible()
    assert file.identity.siblings.column_texts(0) == ["DUPONT Léa"]


def test_a_refused_value_is_shown_on_its_field_and_nothing_is_stored(qtbot, win, ids, db_snapshot):
    file = open_file(qtbot, win, ids["child"])
    before = db_snapshot()
    birth = file.identity.child_fields["birth_date"].widget
    retype(qtbot, birth, "31/02/2015")
    assert file.is_dirty() and file.isWindowModified()
    ctrl(qtbot, file, Qt.Key.Key_S)
    assert file.errors.shown_field == "birth_date"
    assert "n'est pas une date valide" in file.errors.message("birth_date")
    assert birth.property("refused") is True
    assert db_snapshot() == before
    assert file.is_dirty()  # what was typed is still there

    retype(qtbot, birth, "10/03/2015")
    retype(qtbot, file.identity.family_fields["postal_code"].widget, "9100")
    ctrl(qtbot, file, Qt.Key.Key_S)
    assert file.errors.shown_field == "family.postal_code"
    assert "code postal" in file.errors.message("family.postal_code")
    assert file.errors.message("birth_date") == ""
    assert db_snapshot() == before


def test_a_refused_review_date_brings_its_tab_forward(qtbot, win, ids, db_snapshot):
    file = open_file(qtbot, win, ids["child"])
    show_tab(file, file.pathway)
    retype(qtbot, file.pathway.review.widget, "01/01/2020")
    show_tab(file, file.identity)
    before = db_snapshot()
    ctrl(qtbot, file, Qt.Key.Key_S)
    assert file.tabs.currentWidget() is file.pathway
    assert "doit suivre le début du parcours" in file.errors.message("review_date")
    assert db_snapshot() == before


def test_a_valid_edit_is_saved_by_ctrl_s_and_shows_in_the_history(qtbot, win, ids, factory):
    file = open_file(qtbot, win, ids["child"])
    retype(qtbot, file.identity.child_fields["school_class"].widget, "CM2")
    retype(qtbot, file.identity.family_fields["languages"].widget, "français, créole")
    file.identity.family_fields["interpreter_needed"].widget.setChecked(True)
    show_tab(file, file.pathway)
    retype(qtbot, file.pathway.review.widget, "30/06/2026")
    ctrl(qtbot, file, Qt.Key.Key_S)
    assert file.errors.shown_field is None
    assert not file.is_dirty() and not file.isWindowModified()
    with factory() as s:
        child = s.get(Child, ids["child"])
        assert child.school_class == "CM2"
        assert (child.family.languages, child.family.interpreter_needed) == ("français, créole", True)
        assert child.pathways[0].review_date == D(2026, 6, 30)
    show_tab(file, file.history)
    rows = file.history.lines
    lines = {(rows.text_at(r, 3), rows.text_at(r, 4)): (rows.text_at(r, 1), rows.text_at(r, 5), rows.text_at(r, 6))
             for r in range(rows.row_count())}
    assert lines[("Dossier de l'enfant", "Classe")] == ("Claire Martin", "CM1", "CM2")
    assert lines[("Famille", "Interprète nécessaire")] == ("Claire Martin", "Non", "Oui")
    assert lines[("Parcours", "Date de révision")] == ("Claire Martin", "14/04/2026", "30/06/2026")
    assert len(rows.text_at(0, 0)) == 16  # JJ/MM/AAAA HH:MM
    # the selected line read in full under the list (a creation's values are too long for a cell)
    rows.select(lambda line: line.field_label == "Classe")
    assert file.history.detail.text().endswith("par Claire Martin : Dossier de l'enfant — Classe\n« CM1 » → « CM2 »")
    rows.select(lambda line: line.action_label == "Création" and line.entity_label == "Famille")
    assert "Nom de la famille : Dupont" in file.history.detail.text()


def test_a_warning_is_asked_and_declining_stores_nothing(qtbot, win, ids, db_snapshot, monkeypatch, factory):
    file = open_file(qtbot, win, ids["child"])
    retype(qtbot, file.identity.child_fields["birth_date"].widget, "01/01/2025")
    before = db_snapshot()
    asked = answer(monkeypatch, Button.No)
    ctrl(qtbot, file, Qt.Key.Key_S)
    assert "hors du public habituel" in asked[0]
    assert db_snapshot() == before and file.is_dirty()
    answer(monkeypatch, Button.Yes)
    ctrl(qtbot, file, Qt.Key.Key_S)
    with factory() as s:
        assert s.get(Child, ids["child"]).birth_date == D(2025, 1, 1)


def test_closing_with_unsaved_changes_asks_and_cancel_keeps_the_edits(qtbot, win, ids, db_snapshot, monkeypatch):
    file = open_file(qtbot, win, ids["child"])
    notes = file.identity.child_fields["school"].widget
    retype(qtbot, notes.lineEdit(), "Collège Zola")
    before = db_snapshot()
    asked = answer(monkeypatch, Button.Cancel)
    ctrl(qtbot, file, Qt.Key.Key_W)
    assert "Le dossier de DUPONT Léa contient des modifications non enregistrées" in asked[0]
    assert file.isVisible() and win.child_files[ids["child"]] is file
    assert file.identity.child_fields["school"].value() == "Collège Zola"

    answer(monkeypatch, Button.Discard)
    ctrl(qtbot, file, Qt.Key.Key_W)
    assert ids["child"] not in win.child_files
    assert db_snapshot() == before


def test_closing_and_choosing_save_stores_the_edits(qtbot, win, ids, monkeypatch, factory):
    file = open_file(qtbot, win, ids["child"])
    retype(qtbot, file.identity.child_fields["school_class"].widget, "CE2")
    answer(monkeypatch, Button.Save)
    assert file.close()
    with factory() as s:
        assert s.get(Child, ids["child"]).school_class == "CE2"


def test_closing_the_main_window_asks_for_each_file_with_edits(qtbot, win, ids, monkeypatch):
    first = open_file(qtbot, win, ids["child"])
    second = open_file(qtbot, win, ids["sister"])
    retype(qtbot, second.identity.child_fields["school_class"].widget, "4e")
    asked = answer(monkeypatch, Button.Cancel)
    assert not win.close()
    assert win.isVisible() and second.isVisible() and len(asked) == 1
    assert first is not second
    answer(monkeypatch, Button.Discard)
    assert win.close()
    assert win.child_files == {}


def test_several_files_and_the_same_child_twice_raises_its_window(qtbot, win, ids):
    file = open_file(qtbot, win, ids["child"])
    file.identity.siblings.table.selectRow(0)
    file.identity.siblings.table.activated.emit(file.identity.siblings.proxy.index(0, 0))  # Enter on the sister
    assert set(win.child_files) == {ids["child"], ids["sister"]}
    sister = win.child_files[ids["sister"]]
    assert sister.windowTitle().startswith("DUPONT Inès")
    win.ctx.open_child.emit(ids["child"])
    assert win.child_files[ids["child"]] is file and len(win.child_files) == 2


def test_a_change_elsewhere_reloads_a_clean_file_and_spares_an_edited_one(qtbot, win, ids, monkeypatch, factory):
    lea = open_file(qtbot, win, ids["child"])
    ines = open_file(qtbot, win, ids["sister"])
    retype(qtbot, ines.identity.child_fields["school_class"].widget, "5e")
    retype(qtbot, lea.identity.family_fields["town"].widget, "Évry-Courcouronnes")
    ctrl(qtbot, lea, Qt.Key.Key_S)
    assert ines.identity.family_fields["town"].value() == ""  # edited form kept as it was read
    assert ines.identity.child_fields["school_class"].value() == "5e"
    retype(qtbot, ines.identity.family_fields["phone"].widget, "01 02 03 04 05")
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warned.append(text))
    ctrl(qtbot, ines, Qt.Key.Key_S)
    assert warned and "modifié entre-temps" in warned[0]  # the family moved on: never overwritten
    with factory() as s:
        assert s.get(Family, ids["family"]).town == "Évry-Courcouronnes"
        assert s.get(Child, ids["sister"]).school_class is None
    ines.revert()
    assert ines.identity.family_fields["town"].value() == "Évry-Courcouronnes" and not ines.is_dirty()


def fill_dialog(values: dict[str, str], checks: dict[str, bool] | None = None, *, then_fix: dict[str, str] | None = None,
                seen: list | None = None) -> None:
    """When the modal dialog opens: type ``values`` and save; if refused, type ``then_fix`` and save."""
    def act() -> None:
        dialog = QApplication.activeModalWidget()
        for name, text in values.items():
            dialog.fields[name].set_value(text)
        for name, checked in (checks or {}).items():
            dialog.fields[name].set_value(checked)
        ok = dialog.save()
        if seen is not None:
            seen.append((ok, dialog.errors.shown_field, dialog.errors.shown_message))
        if not ok and then_fix:
            for name, text in then_fix.items():
                dialog.fields[name].set_value(text)
            dialog.save()
        if dialog.isVisible():
            dialog.reject()
    QTimer.singleShot(0, act)


def test_adults_of_the_family_are_added_corrected_and_removed(qtbot, win, ids, monkeypatch, factory):
    file = open_file(qtbot, win, ids["child"])
    seen: list = []
    fill_dialog({"last_name": "Dupont", "first_name": "Marc", "relationship_label": "père",
                 "email": "marc@", "phone": "06 11 22 33 44"}, then_fix={"email": "marc@example.fr"}, seen=seen)
    file.identity.add_guardian_button.click()
    assert seen[0][:2] == (False, "email")  # refused on its field, dialog kept open
    assert file.identity.guardians.column_texts(0) == ["Sonia Dupont", "Marc Dupont"]

    file.identity.guardians.select(lambda r: r.first_name == "Marc")
    fill_dialog({"phone": "07 00 00 00 00"})
    file.identity.edit_guardian_button.click()
    assert file.identity.guardians.text_at(1, 3) == "07 00 00 00 00"

    import pre_desktop.ui.child_tabs.identity as identity_module
    asked: list[str] = []
    monkeypatch.setattr(identity_module, "confirm", lambda parent, title, text: asked.append(text) or True)
    file.identity.guardians.select(lambda r: r.first_name == "Marc")
    file.identity.remove_guardian_button.click()
    assert asked == ["Supprimer Marc Dupont de la famille ? Ses coordonnées seront effacées."]
    assert file.identity.guardians.column_texts(0) == ["Sonia Dupont"]
    with factory() as s:
        assert [g.first_name for g in s.query(Guardian).filter_by(family_id=ids["family"])] == ["Sonia"]


def test_repérages_are_added_and_deleted_from_their_tab(qtbot, win, ids, monkeypatch):
    file = open_file(qtbot, win, ids["child"])
    show_tab(file, file.referrals)
    seen: list = []
    fill_dialog({"referred_on": "12/12/2099", "source": "PMI", "reasons": "Retard de langage"},
                then_fix={"referred_on": "02/11/2026"}, seen=seen)
    file.referrals.add_button.click()
    assert seen[0][:2] == (False, "referred_on")
    assert file.referrals.referrals.column_texts(0) == ["02/11/2026", "15/09/2025"]

    import pre_desktop.ui.child_tabs.referrals as referrals_module
    monkeypatch.setattr(referrals_module, "confirm", lambda parent, title, text: True)
    file.referrals.referrals.select(lambda r: r.source == "PMI")
    file.referrals.delete_button.click()
    assert file.referrals.referrals.column_texts(0) == ["15/09/2025"]


def test_the_window_size_is_remembered(qtbot, win, ids):
    file = open_file(qtbot, win, ids["child"])
    file.resize(760, 540)
    file.close()
    again = open_file(qtbot, win, ids["child"])
    assert (again.width(), again.height()) == (760, 540)


def test_tab_goes_through_the_form_in_order(qtbot, win, ids):
    file = open_file(qtbot, win, ids["child"])
    fields = file.identity.child_fields.fields | {
        "family." + name: field for name, field in file.identity.family_fields.fields.items()}
    expected = list(fields)
    widget, seen = fields["last_name"].widget, []
    while len(seen) < len(expected):
        if widget.objectName() in fields and widget.objectName() not in seen:
            seen.append(widget.objectName())
        widget = widget.nextInFocusChain()
    assert seen == expected


def test_the_family_withdraws_its_agreement_from_the_identity_tab(qtbot, win, ids, factory, monkeypatch):
    """Rule 7: once withdrawn, no orientation; the withdrawal is recorded with its date."""
    from pre_desktop.models import Consent
    from pre_desktop.services.consent import has_active_consent
    from pre_desktop.ui.form_dialog import FormDialog

    file = open_file(qtbot, win, ids["child"])
    identity = file.identity
    assert identity.withdraw_button.isEnabled()

    def refuse_then_accept(dialog: FormDialog) -> int:
        dialog.fields["withdrawn_on"].set_value("01/01/2026")  # before the agreement (05/01/2026)
        assert not dialog.save() and dialog.errors.shown_field == "withdrawn_on"
        dialog.fields["withdrawn_on"].set_value("21/11/2026")
        assert dialog.save()
        return dialog.result()

    monkeypatch.setattr(FormDialog, "exec", refuse_then_accept)
    identity.withdraw_button.click()
    with db.session_scope(factory) as s:
        consent = s.query(Consent).one()
        assert consent.withdrawn_on == D(2026, 11, 21)
        assert not has_active_consent(s, ids["family"])
    assert "aucun accord en cours" in identity.status.text()
    assert not identity.withdraw_button.isEnabled()
