"""The Tableau de bord on the statistics' fixed data set (tests/services/statistics_fixtures.py):
the figures as the service counts them (and two by hand), the year selector, the lists of
children behind a figure, a bar or a row, per role, and the report buttons."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QThread
from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))

from statistics_fixtures import StatsData, build_statistics_data  # noqa: E402

from pre_desktop import db  # noqa: E402
from pre_desktop.models import GeneratedDocument, Role, User  # noqa: E402
from pre_desktop.services.statistics import SchoolYear, dashboard, format_value  # noqa: E402
from pre_desktop.services.users import user_row  # noqa: E402
from pre_desktop.ui import areas, dashboard_area  # noqa: E402
from pre_desktop.ui.context import AppContext  # noqa: E402
from pre_desktop.ui.dashboard_area import DashboardArea  # noqa: E402

Y = SchoolYear(2025)


@pytest.fixture
def data(factory) -> StatsData:
    with db.session_scope(factory) as s:
        built = build_statistics_data(s)
    return built


def open_area(qtbot, engine, factory, tmp_path, user_id: int = 1, year: SchoolYear = Y) -> DashboardArea:
    with factory() as s:
        user = user_row(s, user_id)
    ctx = AppContext(tmp_path / "t.sqlite", engine, factory,
                     QSettings(str(tmp_path / f"s{user_id}.ini"), QSettings.Format.IniFormat), user=user)
    area = DashboardArea(ctx)
    qtbot.addWidget(area)
    area.resize(1300, 900)
    area.show()
    assert area.wait_loaded()
    if area.selected_year() != year:
        area.select_year(year)
        assert area.wait_loaded()
    return area


@pytest.fixture
def area(qtbot, engine, factory, tmp_path, data) -> DashboardArea:
    return open_area(qtbot, engine, factory, tmp_path)


def service_board(factory, user_id: int = 1, year: SchoolYear = Y):
    with factory() as s:
        s.info["user_id"] = user_id
        return dashboard(s, year)


def names(dialog) -> set[str]:
    return {dialog.list.row_at(n).name for n in range(dialog.list.row_count())}


def add_secretary(factory) -> int:
    with db.session_scope(factory) as s:
        s.add(User(login="secr", first_name="Sam", last_name="Dupont", role=Role.SECRETARIAT))
    with factory() as s:
        return s.scalar(select(User.id).where(User.login == "secr"))


def test_the_area_is_the_coordinators_and_the_referents():
    assert [a.label for a in areas.available(Role.COORDINATOR) if a.key == "dashboard"] == ["Tableau de bord"]
    assert "dashboard" in [a.key for a in areas.available(Role.REFERENT)]
    assert "dashboard" not in [a.key for a in areas.available(Role.SECRETARIAT)]  # ui/areas.ROLES


def test_every_figure_shown_is_the_services_and_two_are_counted_by_hand(area, factory):
    board = service_board(factory)
    shown = 0
    for section in board.sections:
        for figure in section.figures:
            card = area.cards[figure.key]
            assert card.value.text() == format_value(figure.value, figure.unit)
            assert card.label.text() == figure.label and figure.definition in card.toolTip()
            shown += 1
        for breakdown in section.breakdowns:
            widget = area.charts.get(breakdown.key) or area.tables[breakdown.key]
            if breakdown.key in area.charts:
                assert [(b.label, b.value, b.previous) for b in widget.bars] == [
                    (r.label, float(r.value or 0), float(r.previous_value or 0)) for r in breakdown.rows]
            else:
                assert widget.list.column_texts(1) == [format_value(r.value, breakdown.unit) for r in breakdown.rows]
    assert shown == len(area.cards) >= 15
    # By hand: A (since 01/10/2024), B (15/10/2025–20/03/2026) and C (the whole year) were
    # followed in 2025-2026; A and D (left 31/08/2025) in 2024-2025. B and C entered.
    followed = area.cards["children_followed"]
    assert followed.value.text() == "3"
    assert followed.previous.text() == "2024-2025 : 2   ▲ +1"
    assert area.cards["new_entries"].value.text() == "2"
    # amounts are in euros, shares in %: written the French way
    assert area.cards["sessions_amount"].value.text().endswith("\u00a0€")
    assert area.charts["by_sex"].bars[0].label == "Fille"


def test_the_current_school_year_is_chosen_first_and_another_year_reloads(qtbot, engine, factory, tmp_path, data):
    area = open_area(qtbot, engine, factory, tmp_path, year=SchoolYear(2026))
    years = [area.year_combo.itemText(i) for i in range(area.year_combo.count())]
    assert years[0] == "2026-2027" and "2024-2025" in years and "2023-2024" in years  # back to D's first repérage
    assert area.current.year == SchoolYear(2026)
    assert area.cards["children_followed"].value.text() == "2"  # A (still followed) and E (entered 01/09/2026)
    area.select_year(Y)
    assert area.loading and area.progress.isVisible()  # counted in the background, the old figures greyed
    assert not area.content.isEnabled()
    assert area.wait_loaded()
    assert area.current.year == Y and area.cards["children_followed"].value.text() == "3"
    assert area.status.text() == "comparée à 2024-2025"
    area.select_year(SchoolYear(2026))  # counted already: shown at once
    assert not area.loading and area.current.year == SchoolYear(2026)
    assert area.status.text() == "comparée à 2025-2026 — année en cours : chiffres au 22/11/2026"


def test_the_count_runs_in_a_worker_thread(qtbot, area, monkeypatch):
    threads = []
    real = dashboard_area.dashboard

    def spy(session, year):
        threads.append(QThread.currentThread())
        return real(session, year)

    monkeypatch.setattr(dashboard_area, "dashboard", spy)
    area.refresh()
    assert area.wait_loaded()
    assert threads and threads[0] is not area.thread()


def test_a_figure_opens_its_children_and_a_double_click_their_file(qtbot, area, data):
    qtbot.mouseClick(area.cards["new_entries"], Qt.MouseButton.LeftButton)
    dialog = area.dialogs[-1]
    assert dialog.isVisible() and not dialog.isModal()
    assert names(dialog) == {"MARTIN Bilal", "NGUYEN Chloé"}
    assert dialog.count.text() == "2 enfants"
    headers = [dialog.list.model.headerData(c, Qt.Orientation.Horizontal) for c in range(5)]
    assert headers == ["Nom", "Âge au 31/12/2025", "École", "Référent(e)", "Statut"]
    row = next(n for n in range(2) if dialog.list.row_at(n).id == data.c)
    assert [dialog.list.text_at(row, c) for c in range(5)] == [
        "NGUYEN Chloé", "4", "École Jaurès — MS", "Karim Benali", "Sorti"]
    index = dialog.list.proxy.index(row, 0)
    with qtbot.waitSignal(area.ctx.open_child) as opened:
        dialog.list.table.doubleClicked.emit(index)  # what a double click sends
        dialog.list.table.activated.emit(index)
    assert opened.args == [data.c]
    with qtbot.waitSignal(area.ctx.open_child) as opened:  # Enter on the selected row
        dialog.list.table.setFocus()
        dialog.list.table.setCurrentIndex(index)
        qtbot.keyClick(dialog.list.table, Qt.Key.Key_Return)
    assert opened.args == [data.c]


def test_a_bar_opens_the_children_of_its_category_and_year(qtbot, area, data):
    chart = area.charts["by_sex"]
    girls = [b.label for b in chart.bars].index("Fille")
    assert "Cliquer sur une barre" in chart.bar_tooltip(girls, False)
    series = chart.chart().series()[0]
    current = next(s for s in series.barSets() if s.label() == "2025-2026")
    previous = next(s for s in series.barSets() if s.label() == "2024-2025")
    current.clicked.emit(len(chart.bars) - 1 - girls)  # the chart counts its categories from the bottom
    assert names(area.dialogs[-1]) == {"MARTIN Alice", "NGUYEN Chloé"}
    boys = [b.label for b in chart.bars].index("Garçon")
    previous.clicked.emit(len(chart.bars) - 1 - boys)  # last year's boys: D only
    dialog = area.dialogs[-1]
    assert names(dialog) == {"NGUYEN David"} and "2024-2025" in dialog.windowTitle()


def test_a_table_row_opens_its_children(qtbot, area, data):
    table = area.tables["amounts_by_partner"]
    labels = table.list.column_texts(0)
    row = labels.index("CMPP Dolto")
    table.list.table.activated.emit(table.list.proxy.index(row, 0))
    assert names(area.dialogs[-1]) == {"MARTIN Bilal", "NGUYEN Chloé"}


def test_a_referent_sees_the_structures_counts_and_lists_of_their_own_files(qtbot, engine, factory, tmp_path, data):
    area = open_area(qtbot, engine, factory, tmp_path, user_id=2)
    assert area.cards["children_followed"].value.text() == "3"  # the structure's count
    assert area.note.isVisible() and "votre file active" in area.note.text()
    qtbot.mouseClick(area.cards["children_followed"], Qt.MouseButton.LeftButton)
    dialog = area.dialogs[-1]
    assert names(dialog) == {"MARTIN Alice", "NGUYEN Chloé"}  # B has no référent: not his
    assert "limitée" in dialog.count.text()
    assert area.pseudonymised_button is None  # the whole structure's rows: the coordination's export


def test_the_screen_shown_to_the_secretariat_gives_counts_and_no_list(qtbot, engine, factory, tmp_path, data):
    secretary = add_secretary(factory)
    area = open_area(qtbot, engine, factory, tmp_path, user_id=secretary)
    card = area.cards["children_followed"]
    assert card.value.text() == "3" and not card.drillable
    assert "n'est pas accessible au secrétariat" in card.toolTip()
    assert "secrétariat" in area.note.text()
    qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
    assert area.dialogs == []
    chart = area.charts["by_sex"]
    assert "n'est pas accessible au secrétariat" in chart.bar_tooltip(0, False)
    chart.bar_clicked.emit(0, False)
    assert area.dialogs == []


def save_as(monkeypatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), "")))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.No))


@pytest.mark.parametrize("button, suffix, magic", [("report_pdf", "pdf", b"%PDF"), ("report_xlsx", "xlsx", b"PK")])
def test_the_report_buttons_write_and_record_the_years_report(qtbot, area, factory, tmp_path, monkeypatch,
                                                              button, suffix, magic):
    target = tmp_path / f"rapport.{suffix}"
    save_as(monkeypatch, target)
    refreshed = []
    area.ctx.data_changed.connect(lambda: refreshed.append(area.loading))
    qtbot.mouseClick(getattr(area, button), Qt.MouseButton.LeftButton)
    assert target.read_bytes().startswith(magic)
    with factory() as s:
        doc = s.scalars(select(GeneratedDocument)).one()
    assert (doc.kind, doc.file_format, doc.file_path, doc.created_by_id) == ("annual_report", suffix, str(target), 1)
    assert "2025-2026" in doc.title
    assert refreshed == [False]  # the others are told; the figures on screen stay (a document changes none)


def test_the_pseudonymised_export_writes_a_csv_without_names(qtbot, area, factory, tmp_path, monkeypatch):
    target = tmp_path / "export.csv"
    save_as(monkeypatch, target)
    qtbot.mouseClick(area.pseudonymised_button, Qt.MouseButton.LeftButton)
    text = target.read_text(encoding="utf-8-sig")
    assert len(text.strip().splitlines()) == 1 + 3  # header + A, B, C
    assert "Martin" not in text and "Chloé" not in text
    with factory() as s:
        assert s.scalars(select(GeneratedDocument.file_format)).all() == ["csv"]
