"""The child file's Séances tab: the quota shown, "Saisir une séance…" and "Rendez-vous réguliers…"."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from test_child_file_window import ids, open_file, show_tab, win  # noqa: F401 - fixtures

from pre_desktop.ui import session_actions
from pre_desktop.ui.session_dialogs import RepeatDialog, SessionsDialog


def test_sessions_tab_shows_the_quota_and_records_a_session(qtbot, win, ids, monkeypatch):  # noqa: F811
    file = open_file(qtbot, win, ids["child"])
    tab = file.sessions
    show_tab(file, tab)
    actions = tab.session_actions
    assert "9 / 10" in actions.quota.text() and "#fff3cd" in actions.quota.text()  # threshold 8: marked
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    opened = []

    class Typed(SessionsDialog):
        def exec(self) -> int:  # the user types a date and saves the 10th session
            opened.append(self.care_referral_id)
            self.date.set_value("04/05/2026")
            qtbot.mouseClick(self.save_button, Qt.MouseButton.LeftButton)
            return 1

    monkeypatch.setattr(session_actions, "SessionsDialog", Typed)
    qtbot.mouseClick(actions.record_button, Qt.MouseButton.LeftButton)
    assert opened and tab.sessions.row_count() == 10
    assert "10 / 10" in actions.quota.text() and "#f8d7da" in actions.quota.text()


def test_repeating_appointments_from_the_tab(qtbot, win, ids, monkeypatch):  # noqa: F811
    file = open_file(qtbot, win, ids["child"])
    tab = file.sessions
    show_tab(file, tab)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)

    class Typed(RepeatDialog):
        def exec(self) -> int:  # Mondays of May 2026 with the relay noted: 4, 11, 18 (25 = Whit Monday)
            self.weekday.setCurrentIndex(0)
            self.start.set_value("01/05/2026")
            self.end.set_value("31/05/2026")
            self.relay.set_value("CMP de secteur")
            self.save()
            return self.result()

    monkeypatch.setattr(session_actions, "RepeatDialog", Typed)
    qtbot.mouseClick(tab.session_actions.repeat_button, Qt.MouseButton.LeftButton)
    assert tab.sessions.row_count() == 12
    assert [tab.sessions.text_at(i, 0) for i in range(3)] == ["18/05/2026", "11/05/2026", "04/05/2026"]
    assert "10 / 10 (+2 hors quota)" in tab.session_actions.quota.text()
    assert dt.date(2026, 5, 25).weekday() == 0
