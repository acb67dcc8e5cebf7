"""The main window lists the children of the file and filters them as the user types."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QSettings, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from pre_desktop import db
from pre_desktop.migrate import open_database
from pre_desktop.models import Child, ChildStatus, Family, Role, User
from pre_desktop.ui.children_model import COL_AGE, COL_FIRST_NAME, COL_LAST_NAME, RECORD_ROLE
from pre_desktop.textnorm import fold
from pre_desktop.ui.main_window import MainWindow


def make_file(path: Path, children: list[tuple[str, str, dt.date, str]]) -> Path:
    engine, factory = open_database(path)
    with db.session_scope(factory) as s:
        for last, first, born, school in children:
            s.add(Child(family=Family(name=last), last_name=last, first_name=first, birth_date=born,
                        school=school, status=ChildStatus.ACTIVE))
    engine.dispose()
    return path


@pytest.fixture
def window(qtbot, tmp_path):
    path = make_file(tmp_path / "pre.sqlite", [
        ("Dupré", "Éloïse", dt.date(2015, 3, 4), "École Jules Ferry"),
        ("Martin", "Noé", dt.date(2018, 9, 1), "École Pasteur"),
    ])
    engine, factory = open_database(path)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(path, engine, factory, settings=settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.engine.dispose()


def type_text(qtbot, widget, text: str) -> None:
    """Key presses as a keyboard sends them; QTest only knows ASCII, so accented
    letters go as key events carrying their text (as a French layout produces)."""
    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char))


def search(qtbot, win: MainWindow, text: str, expected: int) -> None:
    win.screen("children").search.clear()
    type_text(qtbot, win.screen("children").search, text)
    assert win.screen("children").search.text() == text
    qtbot.waitUntil(lambda: win.screen("children").proxy.words == fold(text).split(), timeout=2000)  # debounced
    assert win.screen("children").proxy.rowCount() == expected


def test_shows_the_children_of_the_file(window):
    assert window.windowTitle() == "PRE Desktop — pre.sqlite"
    assert window.screen("children").proxy.rowCount() == 2
    proxy = window.screen("children").proxy
    names = [(proxy.index(r, COL_LAST_NAME).data(), proxy.index(r, COL_FIRST_NAME).data()) for r in range(2)]
    assert names == [("DUPRÉ", "Éloïse"), ("MARTIN", "Noé")]
    assert proxy.index(0, COL_AGE).data() == "11 ans"
    assert proxy.index(0, COL_AGE).data(Qt.ItemDataRole.ToolTipRole) == "DUPRÉ Éloïse, né(e) le 04/03/2015"
    assert proxy.index(0, COL_LAST_NAME).data(RECORD_ROLE).birth_date == dt.date(2015, 3, 4)
    assert window.screen("children").count_label.text() == "2 enfants"
    assert "pre.sqlite" in window.path_label.text()


def test_search_ignores_accents_and_case(qtbot, window):
    search(qtbot, window, "eloise", 1)
    assert window.screen("children").proxy.index(0, COL_FIRST_NAME).data() == "Éloïse"
    assert window.screen("children").count_label.text() == "1 sur 2 enfants"
    search(qtbot, window, "ÉLOÏSE dupre", 1)
    search(qtbot, window, "Noé", 1)
    assert window.screen("children").proxy.index(0, COL_FIRST_NAME).data() == "Noé"
    search(qtbot, window, "pasteur", 1)
    search(qtbot, window, "zzz", 0)
    assert window.screen("children").count_label.text() == "0 sur 2 enfants"
    window.screen("children").search.clear()
    qtbot.waitUntil(lambda: window.screen("children").proxy.words == [])
    assert window.screen("children").proxy.rowCount() == 2


def test_sorting_by_age_uses_the_birth_date_not_the_text(window):
    window.screen("children").table.sortByColumn(COL_AGE, Qt.SortOrder.AscendingOrder)
    assert window.screen("children").proxy.index(0, COL_FIRST_NAME).data() == "Noé"  # 8 ans before 11 ans
    window.screen("children").table.sortByColumn(COL_AGE, Qt.SortOrder.DescendingOrder)
    assert window.screen("children").proxy.index(0, COL_FIRST_NAME).data() == "Éloïse"


def test_open_another_database(qtbot, window, tmp_path):
    other = make_file(tmp_path / "autre.sqlite", [("Bernard", "Inès", dt.date(2012, 1, 2), "Collège Zola")])
    assert window.open_path(other)
    assert window.windowTitle() == "PRE Desktop — autre.sqlite"
    assert window.screen("children").proxy.rowCount() == 1
    assert window.settings.value("last_database") == str(other)


def test_refused_database_keeps_the_current_one(qtbot, window, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    assert not window.open_path(tmp_path / "absente.sqlite")
    assert shown and "n'existe pas" in shown[0]
    assert window.windowTitle() == "PRE Desktop — pre.sqlite"
    assert window.screen("children").proxy.rowCount() == 2


def test_geometry_is_remembered(qtbot, window, tmp_path):
    window.resize(700, 450)  # within the offscreen screen (800×600)
    window.close()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    engine, factory = open_database(window.db_path)
    again = MainWindow(window.db_path, engine, factory, settings=settings)
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == (700, 450)
    engine.dispose()


def test_starts_on_a_traiter_and_ctrl_f_goes_to_the_search(qtbot, window):
    assert window.current_area() == "todo"  # nothing remembered yet
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.current_area() == "children"
    qtbot.waitUntil(lambda: window.screen("children").search.hasFocus(), timeout=2000)


def test_ctrl_n_opens_the_new_referral(qtbot, window, monkeypatch):
    from pre_desktop.ui import new_referral

    shown = []
    monkeypatch.setattr(new_referral.NewReferralWizard, "exec", lambda self: shown.append(self.windowTitle()) or 0)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert shown == ["Nouveau repérage"]
    assert window.current_area() == "children"


def test_each_area_is_built_when_first_shown(qtbot, window):
    """On a large file some areas read for seconds: the window opens on its start area only."""
    assert set(window._screens) == {"todo"}
    labels = [window.nav.item(row).text() for row in range(window.nav.count())]
    assert labels[:8] == ["À traiter", "Enfants", "EPS", "Partenaires", "Conventions", "Fiches de liaison",
                          "Séances", "Documents"]
    for row in range(window.nav.count()):
        window.nav.setCurrentRow(row)
        key = window.current_area()
        assert window.stack.currentWidget().widget() is window.screen(key)
    assert len(window._screens) == window.nav.count()


def test_the_status_bar_says_who_works_on_which_file(window, tmp_path):
    assert window.user_label.text() == "Utilisateur : aucun compte"  # a file made without accounts
    assert window.path_label.text() == f"Base : {window.db_path}"
    other = make_file(tmp_path / "avec_compte.sqlite", [])
    engine, factory = open_database(other)
    with db.session_scope(factory) as s:
        s.add(User(login="c.martin", first_name="Claire", last_name="Martin", role=Role.COORDINATOR))
    engine.dispose()
    assert window.open_path(other)
    assert window.user_label.text() == "Utilisateur : Claire Martin (Coordonnateur(trice))"
    assert window.path_label.text() == f"Base : {other.resolve()}"
