"""The Séances area's grid typed at the keyboard, the sessions dialog, the repeat dialog, the batch."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))
from care_fixtures import add_sessions, care_referral, convention, family_with_child, partner, weekly  # noqa: E402

from pre_desktop import db  # noqa: E402
from pre_desktop.models import CareReferral, CareSession, MonthlyAnswer, SessionKind, SessionStatus  # noqa: E402
from pre_desktop.ui import sessions_area  # noqa: E402
from pre_desktop.ui.context import AppContext  # noqa: E402
from pre_desktop.ui.session_dialogs import RepeatDialog, SessionsDialog  # noqa: E402
from pre_desktop.ui.sessions_grid import COL_ANSWER, COL_QUOTA, COL_RELAY, COL_SESSIONS, COL_STATE  # noqa: E402

D = dt.date


@pytest.fixture
def ctx(engine, factory, tmp_path):
    with db.session_scope(factory, 1) as s:
        p = partner(s)
        conv = convention(s, p)
        a = care_referral(s, family_with_child(s, name="Arnaud", first_name="Inès"), p, conv)
        add_sessions(s, a, weekly(D(2026, 2, 9), 19))  # 19 held: the 20th reaches the quota
        care_referral(s, family_with_child(s, name="Blanc", first_name="Théo"), p, conv)
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    return AppContext(tmp_path / "test.sqlite", engine, factory, settings)


@pytest.fixture
def area(qtbot, ctx):
    widget = sessions_area.SessionsArea(ctx)
    qtbot.addWidget(widget)
    widget.month.setDate(QDate(2026, 10, 1))
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _sessions(factory, last_name):
    with factory() as s:
        return [(x.session_date, x.kind, x.status, x.hors_quota) for x in s.scalars(
            select(CareSession).join(CareReferral).join(CareReferral.child)
            .where(CareSession.session_date >= D(2026, 10, 1)).order_by(CareSession.session_date))
            if x.care_referral.child.last_name == last_name]


def type_in(qtbot, grid, row, column, text):
    grid.setCurrentIndex(grid.model().index(row, column))
    grid.setFocus()
    qtbot.keyClicks(grid, text[0])  # any key starts editing, as in a spreadsheet
    editor = grid.focusWidget()
    qtbot.keyClicks(editor, text[1:])
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.wait(20)  # the delegate commits and closes the editor through a queued call


def test_grid_typed_with_the_keyboard_then_saved(qtbot, area, ctx, monkeypatch):
    model = area.model
    assert [line.row.last_name for line in model.lines] == ["Arnaud", "Blanc"]
    assert model.index(0, COL_QUOTA).data() == "19 / 20" and model.index(0, COL_QUOTA).data(Qt.ItemDataRole.BackgroundRole)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    type_in(qtbot, area.grid, 0, COL_SESSIONS, "5; 12 E; 19 PA X")
    assert area.grid.currentIndex().row() == 1  # Enter went down to the next beneficiary
    type_in(qtbot, area.grid, 1, COL_SESSIONS, "7 F A")
    type_in(qtbot, area.grid, 1, COL_ANSWER, "n")
    assert model.index(0, COL_STATE).data() == "Modifié"
    qtbot.keyClick(area.grid, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert asked and "20 séances sur 20" in asked[0]  # the 20th reaches the quota: asked
    assert _sessions(ctx.factory, "Arnaud") == [
        (D(2026, 10, 5), SessionKind.INDIVIDUAL, SessionStatus.PRESENT, False),
        (D(2026, 10, 12), SessionKind.INDIVIDUAL, SessionStatus.EXCUSED, False),
        (D(2026, 10, 19), SessionKind.PARENTS, SessionStatus.CANCELLED, False)]
    assert "Enregistré" in area.status.text()
    with ctx.factory() as s:
        assert s.scalars(select(MonthlyAnswer.comes_regularly)).all() == [False]
    assert _sessions(ctx.factory, "Blanc") == [(D(2026, 10, 7), SessionKind.FAMILY, SessionStatus.UNEXCUSED, False)]
    assert area.model.index(0, COL_QUOTA).data() == "20 / 20"


def test_grid_refusals_are_shown_on_their_rows_and_nothing_saved(qtbot, area, ctx, db_snapshot, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    before = db_snapshot()
    type_in(qtbot, area.grid, 0, COL_SESSIONS, "5; 6")  # 20th then 21st: the 21st needs the relay
    type_in(qtbot, area.grid, 1, COL_SESSIONS, "7")
    assert not area.save()
    assert "relais" in area.model.index(0, COL_STATE).data()
    assert area.model.index(1, COL_STATE).data() == "Modifié"
    assert "rien n'a été enregistré" in area.status.text()
    type_in(qtbot, area.grid, 1, COL_SESSIONS, "7 Z")
    assert not area.save() and "« Z »" in area.model.index(1, COL_STATE).data()
    assert db_snapshot() == before
    type_in(qtbot, area.grid, 1, COL_SESSIONS, "7")
    type_in(qtbot, area.grid, 0, COL_RELAY, "CMP de secteur")
    assert area.save()
    assert [x[3] for x in _sessions(ctx.factory, "Arnaud")] == [False, True]


def test_sessions_dialog_asks_the_relay_at_the_quota(qtbot, ctx, monkeypatch):
    with ctx.factory() as s:
        fiche = s.scalars(select(CareReferral.id)).first()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog = SessionsDialog(ctx, fiche)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "19 / 20" in dialog.quota.text() and not dialog.relay.widget.isVisible()
    dialog.date.set_value("01/10/2026")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # the 20th, confirmed
    assert "20 / 20" in dialog.quota.text() and dialog.relay.widget.isVisible()
    dialog.date.set_value("08/10/2026")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # the 21st without relay: refused
    assert dialog.errors.shown_field == "relay_funding_note"
    dialog.relay.set_value("Relais CMP")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "+ 1 hors quota" in dialog.quota.text() and dialog.list.row_count() == 21
    dialog.date.set_value("23/11/2026")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.errors.shown_field == "session_date" and "futur" in dialog.errors.message("session_date")


def test_repeat_dialog_previews_and_records(qtbot, ctx, monkeypatch):
    with ctx.factory() as s:
        fiche = s.scalars(select(CareReferral.id).order_by(CareReferral.id.desc())).first()
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    dialog = RepeatDialog(ctx, fiche)
    qtbot.addWidget(dialog)
    dialog.weekday.setCurrentIndex(1)  # Tuesdays
    dialog.start.set_value("01/11/2026")
    dialog.end.set_value("22/11/2026")
    assert dialog.preview.text().startswith("3 séance(s) : 03/11, 10/11, 17/11")
    dialog.weekday.setCurrentIndex(2)  # Wednesdays: 11/11 is a holiday
    assert "11/11/2026 (Armistice 1918)" in dialog.preview.text()
    dialog.save()
    assert dialog.result() == dialog.DialogCode.Accepted and "2 séance(s) enregistrée(s)" in shown[0]
    assert [x[0] for x in _sessions(ctx.factory, "Blanc")] == [D(2026, 11, 4), D(2026, 11, 18)]


def test_batch_runs_in_a_worker_with_progress(qtbot, area, ctx, tmp_path, monkeypatch):
    result = sessions_area.run_batch(area, ctx, 2026, 10, tmp_path / "lot", ["pdf", "xlsx"])
    assert result is not None and not result.cancelled
    assert sorted(p.name for p in (tmp_path / "lot").iterdir()) == [
        "Tableau mensuel 2026-10 - Association Filigrane.pdf", "Tableau mensuel 2026-10 - Association Filigrane.xlsx"]


def test_batch_stop_button_stops_the_worker(qtbot, area, ctx, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QProgressDialog, QPushButton

    def show_and_stop(dialog):
        shown(dialog)
        stop = dialog.findChild(QPushButton)
        assert stop.text() == "Arrêter"
        stop.click()  # before the worker starts: deterministic

    shown = QProgressDialog.show
    monkeypatch.setattr(QProgressDialog, "show", show_and_stop)
    result = sessions_area.run_batch(area, ctx, 2026, 10, tmp_path / "lot", ["pdf"])
    assert result is not None and result.cancelled and result.written == ()


def test_import_the_filled_table_from_the_area(qtbot, area, ctx, db_snapshot, tmp_path, monkeypatch):
    from openpyxl import load_workbook
    from PySide6.QtWidgets import QFileDialog

    from pre_desktop.exports.monthly_table import export_monthly

    with db.session_scope(ctx.factory, 1) as s:
        path = export_monthly(s, area.partner_id(), 2026, 10, "xlsx", tmp_path / "octobre.xlsx")
    book = load_workbook(path)
    table = book["Tableau mensuel"]
    arnaud = next(r[0].row for r in table.iter_rows() if r[1].value == "Arnaud")
    table.cell(arnaud, 10, "oui")
    sessions = book["Séances"]
    bad = sessions.max_row + 1
    for column, value in enumerate([table.cell(arnaud, 1).value, None, None, "20/10/2026", "individuel", "venu"], 1):
        sessions.cell(bad, column, value)
    book.save(tmp_path / "rempli.xlsx")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a: (str(tmp_path / "rempli.xlsx"), ""))
    reports: list[str] = []
    monkeypatch.setattr(sessions_area.ReportDialog, "exec", lambda self: reports.append(self.text.toPlainText()))
    before = db_snapshot()
    area.import_file()
    assert len(reports) == 1 and f"Séances, ligne {bad} : statut inconnu « venu »" in reports[0]
    assert db_snapshot() == before  # refused: nothing written
    sessions.cell(bad, 6, "présent")
    book.save(tmp_path / "rempli.xlsx")
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: shown.append(text))
    area.import_file()
    assert "1 séance(s) ajoutée(s)" in shown[0] and "1 réponse(s) du partenaire" in shown[0]
    with ctx.factory() as s:
        assert s.scalars(select(MonthlyAnswer.comes_regularly)).one() is True
    assert [x[0] for x in _sessions(ctx.factory, "Arnaud")][-1] == D(2026, 10, 20)


def test_export_says_who_was_left_out_for_lack_of_agreement(qtbot, area, ctx, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    with db.session_scope(ctx.factory, 1) as s:
        fiche = s.scalars(select(CareReferral)).first()
        care_referral(s, family_with_child(s, name="Fofana", consent=False), fiche.partner, fiche.convention)
    area.refresh()
    target = tmp_path / "octobre.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(target), "PDF (*.pdf)"))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)  # not opened
    area.export_table()
    assert target.exists()
    assert area.status.text().startswith("1 bénéficiaire(s) sans accord de la famille en vigueur ne figure(nt) pas")
