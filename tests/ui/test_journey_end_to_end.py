"""A PRE coordinator's year through the real main window, area after area, as one journey:
the structure's settings, a partner and its convention signed, a child repéré, the EPS
commission that accepts a pathway, the orientation (family agreement first), the fiche de
liaison produced, sent and answered, the sessions of a month, the monthly table and the
quarterly statement, then À traiter and Documents. Areas were built separately: this test
checks they hand over to one another (what one stores, the next one offers)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLabel, QMessageBox, QPushButton
from sqlalchemy import select

from pre_desktop import db
from pre_desktop.models import (
    CareReferral,
    Child,
    ChildStatus,
    Consent,
    Convention,
    ConventionStatus,
    GeneratedDocument,
    Partner,
    PartnerType,
)
from pre_desktop.services import settings as settings_service
from pre_desktop.ui.main_window import MainWindow

from test_main_window import type_text

D = dt.date


def retype(qtbot, widget, text: str) -> None:
    widget.clear()
    type_text(qtbot, widget, text)


def ctrl_s(qtbot, window, widget) -> None:
    """Ctrl+S as the user presses it, the cursor in ``widget`` of the active window."""
    window.activateWindow()
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=2000)
    qtbot.keyClick(widget, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)


@pytest.fixture
def window(qtbot, engine, factory, tmp_path):
    win = MainWindow(Path(engine.url.database), engine, factory,
                     settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    yield win
    for child_file in list(win.child_files.values()):
        child_file.close()


@pytest.fixture
def dialogs(monkeypatch, tmp_path):
    """Questions answered Yes except « open it? »; files saved where the test says."""
    asked: list[str] = []

    def question(parent, title, text, *args, **kwargs):
        asked.append(text)
        return QMessageBox.StandardButton.No if "ouvrir" in text.lower() else QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: asked.append(text))
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a, **k: asked.append(text))
    target = {"path": tmp_path / "docs" / "x.pdf"}
    target["path"].parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(target["path"]), "PDF (*.pdf)"))
    return asked, target


def test_a_coordinators_year_through_the_main_window(qtbot, window, factory, dialogs, monkeypatch):
    asked, target = dialogs
    ctx = window.ctx
    assert ctx.user_id == 1  # Claire Martin, coordinator

    # --- 1. Paramètres: the structure's identity -----------------------------------------
    window.show_area("settings")
    area = window.screen("settings")
    retype(qtbot, area.inputs["pre_name"], "PRE de Saint-Éloi")
    area.carrier_kind.setCurrentIndex(area.carrier_kind.findData("CCAS"))
    retype(qtbot, area.inputs["legal_carrier_name"], "CCAS de Saint-Éloi")
    retype(qtbot, area.inputs["legal_representative"], "Mme Durand")
    ctrl_s(qtbot, window, area.inputs["pre_name"])
    assert area.status.text() == "Paramètres enregistrés."
    with ctx.read() as s:
        row = settings_service.get_settings(s)
        assert (row.pre_name, row.legal_carrier_kind, row.legal_carrier_name) == (
            "PRE de Saint-Éloi", "CCAS", "CCAS de Saint-Éloi")

    # --- 2. Partenaires: an association of psychologists ---------------------------------
    window.show_area("partners")
    area = window.screen("partners")
    area.new_partner()
    type_text(qtbot, area.form.inputs["name"], "Association Écoute")
    with ctx.read() as s:
        type_id = s.scalars(select(PartnerType.id).where(PartnerType.code == "ASSO_PSY")).one()
    area.form.type_combo.setCurrentIndex(area.form.type_combo.findData(type_id))
    type_text(qtbot, area.form.inputs["town"], "Saint-Éloi")
    ctrl_s(qtbot, window, area.form.inputs["town"])
    assert not area.form.dirty and area.row_names() == ["Association Écoute"]
    with ctx.read() as s:
        partner = s.scalars(select(Partner)).one()
        assert (partner.name, partner.type_id, partner.town) == ("Association Écoute", type_id, "Saint-Éloi")
        partner_id = partner.id

    # --- 3. Conventions: one for this partner, signed ------------------------------------
    window.show_area("conventions")
    area = window.screen("conventions")
    area.new_convention()
    form = area.form
    form.partner.setCurrentIndex(form.partner.findData(partner_id))
    assert form.partner.currentData() == partner_id  # the partner typed in step 2 is offered
    for name, text in {"reference": "CONV-2026-01", "start_date": "01/01/2026", "tariff_individual": "45",
                       "tariff_parents": "45", "tariff_family": "60", "psychologist_name": "Mme Zoé Leroy"}.items():
        retype(qtbot, form.w[name], text)
    ctrl_s(qtbot, window, form.w["reference"])
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("15/12/2025", True)))
    form.sign_button.click()
    assert area.proxy.index(0, 4).data() == "Signée"
    with ctx.read() as s:
        conv = s.scalars(select(Convention)).one()
        assert (conv.partner_id, conv.status, conv.signed_on, conv.end_date, conv.tariff_individual) == (
            partner_id, ConventionStatus.SIGNED, D(2025, 12, 15), D(2026, 12, 31), Decimal("45"))
        convention_id = conv.id

    # --- 4. Nouveau repérage (Ctrl+N): the child, the family, the repérage -----------------
    from pre_desktop.ui import new_referral
    from pre_desktop.ui.children_model import COL_LAST_NAME, COL_STATUS
    from pre_desktop.ui.new_referral import NewReferralWizard

    def type_the_referral(wizard: NewReferralWizard) -> int:
        wizard.show()  # what exec does first: the wizard starts on its first page
        page = wizard.child_page
        type_text(qtbot, page.last_name, "Dupré")
        type_text(qtbot, page.first_name, "Éloïse")
        type_text(qtbot, page.birth_date, "04/03/2015")
        page.school.setCurrentText("École Jules-Ferry")
        wizard.next()
        type_text(qtbot, wizard.family_page.guardian_last, "Dupré")
        type_text(qtbot, wizard.family_page.guardian_first, "Samira")
        wizard.next()
        page = wizard.referral_page
        page.source.setCurrentText("École")
        retype(qtbot, page.referred_on, "02/11/2026")
        type_text(qtbot, page.reasons, "Anxiété, décrochage scolaire")
        page.referent.setCurrentIndex(page.referent.findData(2))
        wizard.button(wizard.WizardButton.FinishButton).click()
        return wizard.result()

    monkeypatch.setattr(NewReferralWizard, "exec", type_the_referral)
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.current_area() == "children"
    children = window.screen("children")
    assert children.proxy.rowCount() == 1
    assert children.proxy.index(0, COL_LAST_NAME).data() == "DUPRÉ"
    assert children.proxy.index(0, COL_STATUS).data() == "Repéré — attend l'EPS"
    with ctx.read() as s:
        child = s.scalars(select(Child)).one()
        assert (child.first_name, child.birth_date, child.status, child.referent_id) == (
            "Éloïse", D(2015, 3, 4), ChildStatus.REFERRED, 2)
        assert [(r.referred_on, r.source) for r in child.referrals] == [(D(2026, 11, 2), "École")]
        child_id, family_id = child.id, child.family_id

    # --- 5. EPS: a commission, the child put on its agenda from the suggestions, accepted ----
    from pre_desktop.ui.eps_dialogs import DecisionDialog, MeetingDialog

    def type_the_meeting(dialog: MeetingDialog) -> int:
        retype(qtbot, dialog.date_edit, "20/11/2026")
        retype(qtbot, dialog.place_edit, "Mairie annexe")
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(MeetingDialog, "exec", type_the_meeting)
    window.show_area("eps")
    area = window.screen("eps")
    area.new_button.click()
    page = area.meeting_page
    assert area.stack.currentWidget() is page
    suggestions = page.suggestions.model()
    assert [suggestions.index(r, 0).data() for r in range(suggestions.rowCount())] == ["DUPRÉ Éloïse"]
    page.suggestions.selectRow(0)
    page.add_suggestion_button.click()
    agenda = page.agenda.model()
    assert [agenda.index(r, 1).data() for r in range(agenda.rowCount())] == ["DUPRÉ Éloïse"]

    def decide_accept(dialog: DecisionDialog) -> int:
        assert dialog.kind().name == "ACCEPT"
        dialog.objectives_edit.setPlainText("Apaiser l'anxiété, retrouver le goût de l'école")
        action = dialog.actions.rows[0]
        action.label_edit.setText("Soutien psychologique")
        action.partner_box.setCurrentIndex(action.partner_box.findText("Association Écoute"))
        assert action.partner_box.currentText() == "Association Écoute"  # the partner of step 2 offered
        retype(qtbot, dialog.review_edit, "20/05/2027")
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(DecisionDialog, "exec", decide_accept)
    page.agenda.selectRow(0)
    assert page.decide_button.isEnabled()
    page.decide_button.click()
    agenda = page.agenda.model()
    assert agenda.index(0, 5).data() == "Parcours accepté"
    with ctx.read() as s:
        child = s.get(Child, child_id)
        assert child.status is ChildStatus.ACTIVE
        [pathway] = child.pathways
        assert [(a.label, a.partner_id) for a in pathway.actions] == [("Soutien psychologique", partner_id)]
        assert pathway.review_date == D(2027, 5, 20)

    # --- 6. The child's file: no orientation without the family's agreement; record it -----
    from pre_desktop.ui.form_dialog import FormDialog
    from pre_desktop.ui.orient_dialog import OrientDialog

    window.show_area("children")
    children.table.activated.emit(children.proxy.index(0, COL_LAST_NAME))  # Enter / double-click on the row
    file = window.child_files[child_id]
    file.tabs.setCurrentWidget(file.orientations)
    tab = file.orientations
    refusals: list[str] = []

    def orient_without_agreement(dialog: OrientDialog) -> int:
        dialog.show()
        assert dialog.consent_info.isVisible()
        dialog.select_partner("Association Écoute")
        dialog.reason.set_value("Anxiété")
        assert not dialog.create()
        refusals.append(dialog.consent_info.text())
        dialog.reject()
        return dialog.result()

    monkeypatch.setattr(OrientDialog, "exec", orient_without_agreement)
    tab.findChild(QPushButton, "orient").click()
    assert refusals and "« Identité et famille », « Accord de la famille »" in refusals[0]
    with ctx.read() as s:
        assert s.scalars(select(CareReferral)).all() == []

    # where the refusal sends the user: the identity tab's « Accord de la famille… »
    file.tabs.setCurrentWidget(file.identity)
    assert "aucun accord en cours" in file.identity.status.text()

    def fill(values: dict[str, str]):
        def exec_(dialog: FormDialog) -> int:
            for name, value in values.items():
                dialog.fields[name].set_value(value)
            assert dialog.save(), dialog.errors.shown_field  # a refusal would be a failed step
            return dialog.result()
        return exec_

    monkeypatch.setattr(FormDialog, "exec", fill({"given_on": "20/11/2026", "given_by": "Samira Dupré",
                                                  "scope": "Orientation vers un psychologue"}))
    file.identity.consent_button.click()
    assert "Accord de la famille : " in file.identity.status.text()
    assert "aucun accord" not in file.identity.status.text()
    with ctx.read() as s:
        consent = s.scalars(select(Consent)).one()
        assert (consent.family_id, consent.given_on, consent.given_by, consent.recorded_by_id) == (
            family_id, D(2026, 11, 20), "Samira Dupré", 1)

    # --- 7. Orienter vers un partenaire, the fiche de liaison produced, sent, answered -------
    def orient(dialog: OrientDialog) -> int:
        dialog.show()
        assert not dialog.consent_info.isVisible()
        assert dialog.select_partner("Association Écoute")
        dialog.reason.set_value("Anxiété, décrochage scolaire")
        dialog.create()
        return dialog.result()

    monkeypatch.setattr(OrientDialog, "exec", orient)
    target["path"] = target["path"].with_name("fiche_dupre.pdf")
    file.tabs.setCurrentWidget(tab)
    tab.findChild(QPushButton, "orient").click()  # created → « produce the fiche now? » Yes → saved
    assert any("Produire maintenant" in q for q in asked)
    assert target["path"].exists() and target["path"].read_bytes().startswith(b"%PDF")
    assert tab.orientations.row_count() == 1 and tab.orientations.text_at(0, 0) == "Association Écoute"
    with ctx.read() as s:
        cr = s.scalars(select(CareReferral)).one()
        assert (cr.child_id, cr.partner_id, cr.convention_id) == (child_id, partner_id, convention_id)
        [doc] = s.scalars(select(GeneratedDocument)).all()
        assert (doc.file_format, doc.file_path) == ("pdf", str(target["path"]))
        fiche_id = cr.id

    tab.orientations.select(lambda r: r.id == fiche_id)
    monkeypatch.setattr(FormDialog, "exec", fill({"sent_on": "22/11/2026", "how": "Courriel"}))
    tab.findChild(QPushButton, "mark_sent").click()
    monkeypatch.setattr(FormDialog, "exec", fill({"answered_on": "22/11/2026", "first_appointment_on": "22/11/2026",
                                                  "psychologist_name": "Mme Zoé Leroy"}))
    tab.findChild(QPushButton, "answer").click()
    assert tab.findChild(QLabel, "history").text() == (
        f"Fiche n° {fiche_id} : Demande du 22/11/2026 · Envoyée le 22/11/2026 (Courriel) · Réponse du 22/11/2026, "
        "premier entretien proposé le 22/11/2026, Mme Zoé Leroy.")
    assert tab.orientations.text_at(0, 3) == "Réponse reçue"
    with ctx.read() as s:
        cr = s.get(CareReferral, fiche_id)
        assert ([x.sent_on for x in cr.sendings], cr.first_appointment_on) == ([D(2026, 11, 22)], D(2026, 11, 22))
    file.close()

    # --- 8. Séances: the month's grid for this partner, typed at the keyboard -------------
    from PySide6.QtCore import QDate

    from pre_desktop.models import CareSession, SessionKind, SessionStatus
    from pre_desktop.ui.sessions_grid import COL_QUOTA, COL_SESSIONS

    window.show_area("sessions")
    area = window.screen("sessions")
    area.month.setDate(QDate(2026, 11, 1))
    area.partner.setCurrentIndex(area.partner.findData(partner_id))
    assert area.partner.currentText() == "Association Écoute (1)"
    assert [line.row.last_name for line in area.model.lines] == ["Dupré"]
    grid = area.grid
    grid.setCurrentIndex(area.model.index(0, COL_SESSIONS))
    grid.setFocus()
    qtbot.keyClicks(grid, "2")  # any key starts editing, as in a spreadsheet
    editor = grid.focusWidget()
    qtbot.keyClicks(editor, "2")  # « 22 »: the 22nd, present, individual
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.wait(20)  # the delegate commits through a queued call
    ctrl_s(qtbot, window, grid)
    assert "Enregistré" in area.status.text()
    assert area.model.index(0, COL_QUOTA).data() == "1 / 20"
    with ctx.read() as s:
        assert [(x.care_referral_id, x.session_date, x.kind, x.status) for x in s.scalars(select(CareSession))] == [
            (fiche_id, D(2026, 11, 22), SessionKind.INDIVIDUAL, SessionStatus.PRESENT)]

    # --- 9. The monthly table and the quarterly statement --------------------------------
    from pre_desktop.ui.sessions_area import StatementDialog

    target["path"] = target["path"].with_name("tableau_novembre.pdf")
    area.table_action.trigger()
    assert target["path"].exists() and target["path"].read_bytes().startswith(b"%PDF")

    def choose_quarter(dialog: StatementDialog) -> int:
        assert dialog.convention.currentData() == (convention_id, "CONV-2026-01")  # the partner's, chosen for us
        dialog.year.setValue(2026)
        dialog.quarter.setCurrentIndex(dialog.quarter.findData(4))
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(StatementDialog, "exec", choose_quarter)
    target["path"] = target["path"].with_name("etat_t4.pdf")
    area.statement_action.trigger()
    assert target["path"].exists() and target["path"].read_bytes().startswith(b"%PDF")
    with ctx.read() as s:
        documents = [(d.kind, d.file_format, Path(d.file_path).name)
                     for d in s.scalars(select(GeneratedDocument).order_by(GeneratedDocument.id))]
    assert documents == [("liaison", "pdf", "fiche_dupre.pdf"), ("monthly_table", "pdf", "tableau_novembre.pdf"),
                         ("quarterly_statement", "pdf", "etat_t4.pdf")]

    # --- 10. À traiter and Documents ------------------------------------------------------
    window.show_area("todo")
    todo = window.screen("todo")
    lines = [[todo.proxy.index(r, c).data() for c in range(todo.proxy.columnCount())]
             for r in range(todo.proxy.rowCount())]
    # the convention ends within 40 days; the orientation was decided by the EPS of step 5,
    # so it is NOT listed "Hors EPS"; the fiche was sent and answered, nothing is late
    assert lines == [["Convention à renouveler", "Association Écoute",
                      "Convention CONV-2026-01 : fin le 31/12/2026, dans 39 jours", "31/12/2026", "dans 39 j"]]
    with ctx.read() as s:
        [pathway] = s.get(Child, child_id).pathways
        assert s.get(CareReferral, fiche_id).eps_decision_id == pathway.actions[0].eps_decision_id is not None

    window.show_area("documents")
    docs = window.screen("documents")
    assert docs.count_label.text() == "3 documents"
    shown = [docs.list.row_at(n) for n in range(docs.list.row_count())]
    assert [(r.kind_label, r.title, r.file_format, r.child_name, r.created_by, r.file_exists) for r in shown] == [
        ("État trimestriel", "État trimestriel T4 2026 — Association Écoute — CONV-2026-01", "PDF", "",
         "Claire Martin", True),
        ("Tableau mensuel", "Tableau mensuel — Association Écoute — novembre 2026", "PDF", "", "Claire Martin", True),
        ("Fiche de liaison", "Fiche de liaison « Association Écoute »", "PDF", "DUPRÉ Éloïse", "Claire Martin", True)]
    assert [Path(r.file_path).name for r in shown] == ["etat_t4.pdf", "tableau_novembre.pdf", "fiche_dupre.pdf"]
