"""The children list as a référent uses it: filters, a sort on every column, Enter opens
the file, and the alerts stay on screen in a laptop-sized window."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))

from care_fixtures import family_with_child  # noqa: E402

from pre_desktop import db  # noqa: E402
from pre_desktop.models import ChildStatus, Pathway  # noqa: E402
from pre_desktop.ui.children_model import COL_ALERTS, COL_FIRST_NAME, HEADERS, SORT_ROLE  # noqa: E402
from pre_desktop.ui.main_window import MainWindow  # noqa: E402

D = dt.date


@pytest.fixture
def win(qtbot, engine, factory, tmp_path):
    """Léa (Karim's, Jaurès, in a pathway whose review is past), Noé (Claire's, Pasteur,
    waiting for the EPS), Inès (nobody's, Jaurès, ended)."""
    with db.session_scope(factory, 1) as s:
        lea = family_with_child(s, first_name="Léa", referent_id=2)
        lea.status, lea.entry_date = ChildStatus.ACTIVE, D(2025, 10, 14)
        s.add(Pathway(child=lea, start_date=D(2025, 10, 14), review_date=D(2026, 4, 14), objectives="Confiance"))
        noe = family_with_child(s, name="Martin", first_name="Noé", school="École Pasteur", referent_id=1,
                                birth_date=D(2018, 9, 1))
        ines = family_with_child(s, name="Bernard", first_name="Inès", referent_id=None, birth_date=D(2012, 1, 2))
        ines.status = ChildStatus.ENDED
    window = MainWindow(Path(engine.url.database), engine, factory,
                        settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    window.show_area("children")
    yield window
    window.close()


def shown(win: MainWindow) -> list[str]:
    proxy = win.screen("children").proxy
    return sorted(proxy.index(r, COL_FIRST_NAME).data() for r in range(proxy.rowCount()))


def choose(combo, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, [combo.itemText(n) for n in range(combo.count())]
    combo.setCurrentIndex(index)


def test_filters_by_status_referent_school_and_alert(win):
    area = win.screen("children")
    choose(area.status_filter, "En parcours")
    assert shown(win) == ["Léa"] and area.count_label.text() == "1 sur 3 enfants"
    area.clear_filters()
    choose(area.referent_filter, "Karim Benali")
    assert shown(win) == ["Léa"]
    choose(area.referent_filter, "Sans référent")
    assert shown(win) == ["Inès"]
    area.clear_filters()
    choose(area.school_filter, "École Jaurès")
    assert shown(win) == ["Inès", "Léa"]
    assert area.clear_filters_button.isEnabled()
    area.clear_filters_button.click()
    assert shown(win) == ["Inès", "Léa", "Noé"] and not area.clear_filters_button.isEnabled()
    area.alert_filter.setChecked(True)
    assert "Léa" in shown(win) and "Inès" not in shown(win)  # her review date is past; Inès has left
    row = next(r for r in range(area.proxy.rowCount()) if area.proxy.index(r, COL_FIRST_NAME).data() == "Léa")
    assert "Révision" in area.proxy.index(row, COL_ALERTS).data()


def test_every_column_sorts_on_its_value(win):
    area = win.screen("children")
    for column in HEADERS:
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            area.table.sortByColumn(column, order)
            keys = [area.proxy.index(r, column).data(SORT_ROLE) for r in range(area.proxy.rowCount())]
            assert keys == sorted(keys, reverse=order == Qt.SortOrder.DescendingOrder), HEADERS[column]


def test_enter_opens_the_selected_file_and_a_single_match_from_the_search(qtbot, win):
    area = win.screen("children")
    asked: list[int] = []
    win.ctx.open_child.disconnect(win.open_child_file)
    win.ctx.open_child.connect(asked.append)
    area.table.setFocus()
    area.table.setCurrentIndex(area.proxy.index(0, 0))
    qtbot.keyClick(area.table, Qt.Key.Key_Return)
    assert len(asked) == 1
    area.search.setFocus()
    qtbot.keyClicks(area.search, "martin")
    qtbot.keyClick(area.search, Qt.Key.Key_Return)  # one child left: Enter opens it
    assert len(asked) == 2 and asked[1] != asked[0]


def test_the_alerts_stay_on_screen_in_a_laptop_window(qtbot, win):
    win.resize(1200, 720)
    area = win.screen("children")
    qtbot.waitUntil(lambda: area.table.viewport().width() > 900, timeout=2000)
    header = area.table.horizontalHeader()
    assert header.sectionViewportPosition(COL_ALERTS) + 150 <= area.table.viewport().width()
