"""The EPS area: a commission's agenda prepared from the suggestions, two decisions
recorded through the dialog, the relevé de décisions generated and recorded."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlalchemy import select

from pre_desktop import db
from pre_desktop.models import Child, ChildStatus, EpsDecisionKind as K, GeneratedDocument, Partner, PartnerType
from pre_desktop.services import eps, referrals
from pre_desktop.ui.context import AppContext
from pre_desktop.ui.eps_area import EpsArea
from pre_desktop.ui.eps_dialogs import DecisionDialog

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "exports"))
from readback import pdf_text, squash  # noqa: E402

NOTE = "Mère hospitalisée en psychiatrie"


@pytest.fixture
def ctx(qtbot, tmp_path, engine, factory):
    with db.session_scope(factory, 1) as s:
        s.add(Partner(name="CMPP Dolto", type_id=s.scalars(select(PartnerType.id)).first()))
        for first in ("Aïcha", "Noé", "Zoé"):
            referrals.new_referral(
                s, family=dict(name="Diallo"),
                child=dict(last_name="Diallo", first_name=first, birth_date=dt.date(2016, 5, 1), referent_id=2,
                           notes=NOTE),
                referral=dict(referred_on=dt.date(2026, 10, 1), source="École", reasons=NOTE), confirm=True)
        eps.create_meeting(s, meeting_date="10/11/2026", place="Mairie annexe")
        eps.create_meeting(s, meeting_date="08/12/2026", place="Centre social")
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    context = AppContext(tmp_path / "test.sqlite", engine, factory, settings)
    return context


@pytest.fixture
def area(qtbot, ctx):
    widget = EpsArea(ctx)
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    return widget


def _texts(view, column: int) -> list[str]:
    model = view.model()
    return [str(model.index(r, column).data()) for r in range(model.rowCount())]


def test_meetings_listed_and_filtered(area):
    assert _texts(area.table, 0) == ["08/12/2026", "10/11/2026"]  # newest first
    area.filter.setCurrentIndex(2)  # past
    assert _texts(area.table, 0) == ["10/11/2026"]
    area.filter.setCurrentIndex(1)  # planned
    assert _texts(area.table, 0) == ["08/12/2026"] and _texts(area.table, 4) == ["À venir"]


def test_prepare_agenda_decide_twice_and_generate_minutes(qtbot, area, ctx, tmp_path, monkeypatch, factory):
    changes = []
    ctx.data_changed.connect(lambda: changes.append(1))
    area.filter.setCurrentIndex(0)
    assert area.open_meeting(_meeting_id(factory, dt.date(2026, 11, 10)))
    page = area.meeting_page
    assert _texts(page.suggestions, 0) == ["DIALLO Aïcha", "DIALLO Noé", "DIALLO Zoé"]

    # one click per suggestion: select then "Inscrire"
    for _ in range(2):
        page.suggestions.selectRow(0)
        page.add_suggestion_button.click()
    assert _texts(page.agenda, 1) == ["DIALLO Aïcha", "DIALLO Noé"]
    assert _texts(page.suggestions, 0) == ["DIALLO Zoé"] and changes

    # accept Aïcha with a pathway: objectives, one action with its partner, review date
    page.agenda.selectRow(0)
    dialog = page.decision_dialog()
    assert isinstance(dialog, DecisionDialog) and dialog.kind() is K.ACCEPT
    dialog.objectives_edit.setPlainText("Retrouver confiance en soi")
    row = dialog.actions.rows[0]
    row.label_edit.setText("Soutien psychologique")
    row.partner_box.setCurrentIndex(row.partner_box.findText("CMPP Dolto"))
    dialog.review_edit.setText("10/05/2027")
    dialog.accept()
    assert dialog.result() == DecisionDialog.DialogCode.Accepted
    page.refresh()

    # postpone Noé: a date before the meeting is refused on its field, then a later meeting is chosen
    page.agenda.selectRow(1)
    dialog = page.decision_dialog()
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData(K.POSTPONE))
    dialog.postpone_edit.setText("01/11/2026")
    dialog.accept()
    assert dialog.errors.shown_field == "postponed_to" and "10/11/2026" in dialog.errors.message("postponed_to")
    assert dialog.result() != DecisionDialog.DialogCode.Accepted
    dialog.later_box.setCurrentIndex(1)
    dialog._later_chosen(1)
    assert dialog.postpone_edit.text() == "08/12/2026"
    dialog.accept()
    assert dialog.result() == DecisionDialog.DialogCode.Accepted
    page.refresh()
    assert _texts(page.agenda, 5) == ["Parcours accepté", "Ajourné au 08/12/2026"]
    page.agenda.selectRow(0)
    assert "Soutien psychologique (CMPP Dolto)" in page.detail.text()

    with db.session_scope(factory) as s:
        statuses = {c.first_name: c.status for c in s.scalars(select(Child))}
    assert statuses == {"Aïcha": ChildStatus.ACTIVE, "Noé": ChildStatus.REFERRED, "Zoé": ChildStatus.REFERRED}

    # the relevé de décisions, saved where the user says, recorded, offered to open (declined)
    out = tmp_path / "docs" / "releve.pdf"
    out.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "PDF (*.pdf)"))
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    assert page.generate("minutes") == out
    assert out.exists() and asked and str(out) in asked[0]
    text = squash(pdf_text(out))
    assert "DIALLO" in text and "Parcours accepté" in text and "Ajourné au 08/12/2026" in text
    assert NOTE not in text
    with db.session_scope(factory) as s:
        docs = list(s.scalars(select(GeneratedDocument)))
    assert [(d.kind, d.file_format, d.file_path) for d in docs] == [("eps_minutes", "pdf", str(out))]
    assert ctx.settings.value("documents/last_folder") == str(out.parent)


def test_removing_a_decided_situation_asks_and_reverts(qtbot, area, factory, monkeypatch):
    meeting_id = _meeting_id(factory, dt.date(2026, 11, 10))
    with db.session_scope(factory, 1) as s:
        child_id = s.scalars(select(Child.id).where(Child.first_name == "Zoé")).one()
        eps.record_decision(s, meeting_id=meeting_id, child_id=child_id, kind=K.ACCEPT, confirm=True)
    area.open_meeting(meeting_id)
    page = area.meeting_page
    page.agenda.selectRow(0)
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or answers.pop(0))
    assert not page.remove_situation()  # declined: nothing changes
    assert _texts(page.agenda, 1) == ["DIALLO Zoé"]
    assert page.remove_situation()
    assert "supprimera cette décision" in asked[0] and _texts(page.agenda, 1) == []
    with db.session_scope(factory) as s:
        child = s.get(Child, child_id)
        assert child.status is ChildStatus.REFERRED and child.pathways == []


def test_the_decision_offers_only_partners_the_pre_may_orient_to(qtbot, area, factory):
    with db.session_scope(factory, 1) as s:
        s.add(Partner(name="CATTP Les Lucioles",
                      type_id=s.scalars(select(PartnerType.id).where(PartnerType.code == "CATTP_ENF")).one()))
    area.open_meeting(_meeting_id(factory, dt.date(2026, 11, 10)))
    page = area.meeting_page
    page.suggestions.selectRow(0)
    page.add_suggestion_button.click()
    page.agenda.selectRow(0)
    box = page.decision_dialog().actions.rows[0].partner_box
    offered = [box.itemText(i) for i in range(box.count())]
    assert "CMPP Dolto" in offered and "CATTP Les Lucioles" not in offered


def test_modifying_a_postponement_keeps_its_reason(qtbot, area, factory):
    meeting_id = _meeting_id(factory, dt.date(2026, 11, 10))
    with db.session_scope(factory, 1) as s:
        child_id = s.scalars(select(Child.id).where(Child.first_name == "Noé")).one()
        eps.record_decision(s, meeting_id=meeting_id, child_id=child_id, kind=K.POSTPONE, postponed_to="08/12/2026",
                            reason="Bilan orthophonique attendu", confirm=True)
    area.open_meeting(meeting_id)
    page = area.meeting_page
    page.agenda.selectRow(0)
    dialog = page.decision_dialog()
    assert dialog.form.isRowVisible(dialog._rows["reason"])  # the motive is shown for a postponement
    assert dialog.reason_edit.toPlainText() == "Bilan orthophonique attendu"
    dialog.postpone_edit.setText("12/01/2027")
    dialog.accept()
    assert dialog.result() == DecisionDialog.DialogCode.Accepted
    with db.session_scope(factory) as s:
        (row,) = eps.decisions_for_child(s, child_id)
    assert (row.postponed_to, row.reason) == (dt.date(2027, 1, 12), "Bilan orthophonique attendu")


def test_search_adds_a_child_typed_without_accents_and_opens_its_file(qtbot, area, ctx, factory):
    area.open_meeting(_meeting_id(factory, dt.date(2026, 12, 8)))
    page = area.meeting_page
    opened = []
    ctx.open_child.connect(opened.append)
    page.search.setText("zoe diallo")
    page.run_search()
    assert _texts(page.results, 0) == ["DIALLO Zoé"]
    page.add_found_button.click()
    assert _texts(page.agenda, 1) == ["DIALLO Zoé"] and _texts(page.results, 0) == []
    assert not page.decide_button.isEnabled() or not page.meeting.held  # planned: no decision yet
    page.agenda.selectRow(0)
    page.open_button.click()
    with db.session_scope(factory) as s:
        assert opened == [s.scalars(select(Child.id).where(Child.first_name == "Zoé")).one()]


def test_meeting_dialog_refuses_a_bad_date_on_its_field(qtbot, area, factory, monkeypatch):
    from pre_desktop.ui.eps_dialogs import MeetingDialog

    dialog = MeetingDialog(area, area.ctx)
    dialog.date_edit.setText("31/02/2027")
    dialog.accept()
    assert dialog.errors.shown_field == "meeting_date" and dialog.result() != MeetingDialog.DialogCode.Accepted
    dialog.date_edit.setText("12/01/2027")
    dialog.place_edit.setText("Salle B")
    dialog.accept()
    assert dialog.result() == MeetingDialog.DialogCode.Accepted
    area.refresh()
    assert _texts(area.table, 0)[0] == "12/01/2027"


def _meeting_id(factory, day: dt.date) -> int:
    with db.session_scope(factory) as s:
        return next(r.id for r in eps.meetings(s) if r.meeting_date == day)
