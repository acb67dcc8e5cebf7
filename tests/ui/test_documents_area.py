"""The Documents area lists every document produced, filters it by kind and period, and
opens a document's file (or says it is gone), or the file of its child."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import update

from pre_desktop import db
from pre_desktop.models import Child, ChildStatus, Family, GeneratedDocument
from pre_desktop.services.document_list import document_list, period_bounds
from pre_desktop.services.documents import record_document
from pre_desktop.ui import areas
from pre_desktop.ui.context import AppContext
from pre_desktop.ui.documents_area import DocumentsArea

from conftest import TODAY


@pytest.fixture
def docs(factory, tmp_path):
    fiche = tmp_path / "fiche.pdf"
    fiche.write_bytes(b"%PDF-1.4")
    table = tmp_path / "tableau.xlsx"
    table.write_bytes(b"PK")
    with db.session_scope(factory, 1) as s:
        child = Child(family=Family(name="Dupré"), last_name="Dupré", first_name="Éloïse",
                      birth_date=dt.date(2015, 3, 4), status=ChildStatus.ACTIVE)
        s.add(child)
        s.flush()
        made = {
            "fiche": record_document(s, kind="liaison", file_format="pdf", title="Fiche de liaison « CMP »",
                                     target_type="care_referrals", target_id=1, child_id=child.id, file_path=str(fiche)),
            "table": record_document(s, kind="monthly_table", file_format="xlsx", title="Tableau mensuel — CMP",
                                     target_type="partner", target_id=1, file_path=str(table)),
            "gone": record_document(s, kind="liaison", file_format="docx", title="Fiche de liaison « Orthophoniste »",
                                    target_type="care_referrals", target_id=2, child_id=child.id,
                                    file_path=str(tmp_path / "deplacee.docx")),
        }
        ids = {key: doc.id for key, doc in made.items()} | {"child": child.id}
        # the monthly table was produced in the summer, the fiches today
        s.execute(update(GeneratedDocument).where(GeneratedDocument.id == ids["table"])
                  .values(created_at=dt.datetime(2026, 7, 15, 10, 0)))
        s.execute(update(GeneratedDocument).where(GeneratedDocument.id != ids["table"])
                  .values(created_at=dt.datetime.combine(TODAY, dt.time(12, 0))))
    return ids


@pytest.fixture
def area(qtbot, engine, factory, tmp_path, docs):
    ctx = AppContext(tmp_path / "t.sqlite", engine, factory,
                     QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    widget = DocumentsArea(ctx)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def titles(area: DocumentsArea) -> set[str]:
    return {row.title for row in (area.list.row_at(n) for n in range(area.list.row_count()))}


def choose(combo, data) -> None:
    combo.setCurrentIndex(combo.findData(data))


def test_the_area_is_in_the_navigation():
    assert "documents" in [area.key for area in areas.available()]


def test_every_document_is_listed_with_its_child_and_author(area, docs):
    assert area.list.row_count() == 3 and area.count_label.text() == "3 documents"
    fiche = next(area.list.row_at(n) for n in range(3) if area.list.row_at(n).id == docs["fiche"])
    assert (fiche.kind_label, fiche.child_name, fiche.created_by, fiche.file_exists) == (
        "Fiche de liaison", "DUPRÉ Éloïse", "Claire Martin", True)
    assert "deplacee.docx (introuvable)" in area.list.column_texts(4)


def test_filters_by_kind_period_and_typed_words(area):
    assert [area.kind_filter.itemText(n) for n in range(area.kind_filter.count())] == [
        "Type : tous", "Fiche de liaison", "Tableau mensuel"]
    choose(area.kind_filter, "monthly_table")
    assert titles(area) == {"Tableau mensuel — CMP"}
    choose(area.kind_filter, None)
    choose(area.period_filter, "month")
    assert titles(area) == {"Fiche de liaison « CMP »", "Fiche de liaison « Orthophoniste »"}
    choose(area.period_filter, "all")
    area.search.setText("orthophoniste")
    assert titles(area) == {"Fiche de liaison « Orthophoniste »"} and area.count_label.text() == "1 document"
    area.search.setText("eloise")  # the child's name, accents optional
    assert len(titles(area)) == 2


def test_enter_opens_the_file_and_a_missing_one_is_said(qtbot, area, docs, monkeypatch):
    opened, told = [], []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    monkeypatch.setattr(QMessageBox, "information", lambda *a: told.append(a[2]))
    assert area.list.select(lambda row: row.id == docs["fiche"])
    assert area.open_button.isEnabled() and area.child_button.isEnabled()
    area.list.table.setFocus()
    qtbot.keyClick(area.list.table, Qt.Key.Key_Return)
    assert opened and opened[-1].endswith("fiche.pdf")
    area.open_folder()
    assert opened[-1] == str(area.list.selected().file_path).rsplit("/", 1)[0]

    assert area.list.select(lambda row: row.id == docs["gone"])
    assert not area.open_button.isEnabled()
    qtbot.keyClick(area.list.table, Qt.Key.Key_Return)
    assert len(opened) == 2 and "n'existe plus" in told[-1]


def test_a_document_opens_its_childs_file(area, docs):
    asked = []
    area.ctx.open_child.connect(asked.append)
    area.list.select(lambda row: row.id == docs["table"])
    assert not area.child_button.isEnabled()  # about a partner, no child
    area.list.select(lambda row: row.id == docs["fiche"])
    area.child_button.click()
    assert asked == [docs["child"]]


def test_period_bounds():
    day = dt.date(2026, 1, 20)
    assert period_bounds("all", day) == (None, None)
    assert period_bounds("month", day) == (dt.date(2026, 1, 1), day)
    assert period_bounds("last_month", day) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    assert period_bounds("three_months", day) == (dt.date(2025, 11, 1), day)
    assert period_bounds("year", day) == (dt.date(2026, 1, 1), day)


def test_the_list_reads_the_local_day(session, docs):
    summer = document_list(session, since=dt.date(2026, 7, 1), until=dt.date(2026, 7, 31))
    assert [row.id for row in summer] == [docs["table"]]
    assert document_list(session, since=dt.date(2026, 7, 16), until=dt.date(2026, 7, 31)) == []
