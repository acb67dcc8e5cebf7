"""The Journal des accès screen (coordinator), its traced export; a file opened again is
a new consultation; a copy of the base from the Fichier menu is traced."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlalchemy import select

from pre_desktop import db
from pre_desktop.models import AuditAction, AuditEvent, Child, Family, PrivateNote
from pre_desktop.services.children import update_child
from pre_desktop.services.users import user_row
from pre_desktop.ui import areas, backup_actions
from pre_desktop.ui.audit_area import AuditArea
from pre_desktop.ui.context import AppContext
from pre_desktop.ui.main_window import MainWindow

from test_main_window import type_text

SECRET = "La mère confie des violences conjugales"


@pytest.fixture
def kids(factory):
    with db.session_scope(factory, 1) as s:
        eloise = Child(family=Family(name="Dupré"), last_name="Dupré", first_name="Éloïse",
                       birth_date=dt.date(2015, 3, 4), school_class="CE2")
        noe = Child(family=Family(name="Martin"), last_name="Martin", first_name="Noé", birth_date=dt.date(2018, 9, 1))
        s.add_all([eloise, noe])
        s.flush()
        s.add(PrivateNote(child_id=eloise.id, author_id=1, text=SECRET))
        ids = {"eloise": eloise.id, "noe": noe.id}
    with db.session_scope(factory, 1) as s:
        update_child(s, ids["eloise"], expected_version=None, school_class="CM1")
    return ids


@pytest.fixture
def ctx(engine, factory, tmp_path):
    return AppContext(Path(engine.url.database), engine, factory,
                      QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def area(qtbot, ctx, kids):
    widget = AuditArea(ctx)
    qtbot.addWidget(widget)
    widget.resize(1200, 600)
    widget.show()
    return widget


def test_the_area_is_in_the_navigation():
    assert "audit" in areas.SCREENS and ("audit", "Journal") in areas.ORDER


def test_search_by_child_typed_without_accents(qtbot, area, kids):
    assert area.list.row_count() >= 3 and area.message.text().endswith("résultats.")
    type_text(qtbot, area.child_edit, "eloise")
    qtbot.waitUntil(lambda: area.list.row_count() and set(area.list.column_texts(3)) == {"DUPRÉ Éloïse"})
    assert "Modification" in area.list.column_texts(2)
    change = area.list.column_texts(2).index("Modification")
    assert area.list.text_at(change, 5) == "Classe : CE2 → CM1"
    assert area.list.text_at(change, 1) == "Claire Martin"
    assert SECRET not in " ".join(area.list.text_at(r, c) for r in range(area.list.row_count()) for c in range(6))


def test_filters_by_action_and_user_and_a_wrong_date_is_shown_on_its_field(qtbot, area, kids):
    area.action_filter.setCurrentIndex(area.action_filter.findText("Modification"))
    assert set(area.list.column_texts(2)) == {"Modification"}
    area.user_filter.setCurrentIndex(area.user_filter.findText("Karim Benali"))
    assert area.list.row_count() == 0 and area.message.text() == "Aucun événement ne correspond à ces filtres."
    assert not area.export_button.isEnabled()
    type_text(qtbot, area.date_from, "31/02/2026")
    area.search()
    assert area.errors.shown_field == "date_from" and "JJ/MM/AAAA" in area.errors.shown_message


def test_export_of_the_filtered_journal_is_written_and_traced(qtbot, area, kids, factory, tmp_path, monkeypatch):
    area.child_edit.setText("martin")
    area.search()
    target = tmp_path / "journal"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    written = area.export()
    assert written == tmp_path / "journal.xlsx"
    cells = [c for row in load_workbook(written).active.iter_rows(values_only=True) for c in row if c]
    assert "Filtres : dossier : « martin »" in cells and "MARTIN Noé" in cells and "DUPRÉ Éloïse" not in cells
    with factory() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.entity == "audit_events")).one()
    assert event.action is AuditAction.EXPORT and event.user_id == 1 and "journal.xlsx" in event.summary


def test_a_referent_is_refused_the_journal(qtbot, engine, factory, tmp_path, kids):
    with factory() as s:
        referent = user_row(s, 2)
    ctx = AppContext(Path(engine.url.database), engine, factory,
                     QSettings(str(tmp_path / "r.ini"), QSettings.Format.IniFormat), user=referent)
    widget = AuditArea(ctx)
    qtbot.addWidget(widget)
    assert widget.list.row_count() == 0 and not widget.export_button.isEnabled()
    assert "consulter le journal des accès" in widget.errors.banner.text()


def test_opening_a_file_again_is_traced_again(qtbot, engine, factory, tmp_path, kids):
    win = MainWindow(Path(engine.url.database), engine, factory,
                     settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    for _ in range(2):
        assert win.open_child_file(kids["noe"]) is not None
    with factory() as s:
        views = s.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.VIEW,
                                                   AuditEvent.child_id == kids["noe"])).all()
    assert [v.user_id for v in views] == [1, 1]
    for file in list(win.child_files.values()):
        file.close()


def test_a_copy_of_the_base_from_the_menu_is_traced(qtbot, engine, factory, tmp_path, kids, monkeypatch):
    win = MainWindow(Path(engine.url.database), engine, factory,
                     settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "cle.sqlite"), ""))
    monkeypatch.setattr(QMessageBox, "information", lambda *a: None)
    assert backup_actions.save_copy(win) == tmp_path / "cle.sqlite"
    with factory() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.entity == "database")).one()
    assert event.user_id == 1 and event.summary == "Copie de la base (SQLITE) — 2 enfants — fichier : cle.sqlite"
