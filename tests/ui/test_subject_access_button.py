"""« Droit d'accès de la famille (PDF)… » in the child's file: a coordinator's button only;
it warns what the document holds, writes the PDF where chosen and traces it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlalchemy import select

from pre_desktop import db
from pre_desktop.models import AuditAction, AuditEvent, Child, Family
from pre_desktop.services.users import user_row
from pre_desktop.ui.child_file import ChildFile
from pre_desktop.ui.context import AppContext

Button = QMessageBox.StandardButton


@pytest.fixture
def child_id(factory):
    with db.session_scope(factory, 1) as s:
        child = Child(family=Family(name="Dupré", town="Évry"), last_name="Dupré", first_name="Éloïse",
                      birth_date=dt.date(2015, 3, 4), referent_id=2)
        s.add(child)
        s.flush()
        return child.id


def _file(qtbot, engine, factory, tmp_path, child_id, user_id):
    with factory() as s:
        user = user_row(s, user_id)
    ctx = AppContext(Path(engine.url.database), engine, factory,
                     QSettings(str(tmp_path / f"s{user_id}.ini"), QSettings.Format.IniFormat), user=user)
    window = ChildFile(ctx, child_id)
    qtbot.addWidget(window)
    return window


def test_only_a_coordinator_has_the_button(qtbot, engine, factory, tmp_path, child_id):
    assert _file(qtbot, engine, factory, tmp_path, child_id, 2).identity.access_button is None
    button = _file(qtbot, engine, factory, tmp_path, child_id, 1).identity.access_button
    assert button is not None and button.text() == "Droit d'accès de la famille (PDF)…"


def test_the_button_warns_then_writes_and_traces_the_pdf(qtbot, engine, factory, tmp_path, child_id, monkeypatch):
    window = _file(qtbot, engine, factory, tmp_path, child_id, 1)
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda _p, title, text, *a: asked.append(text) or Button.Yes
                        if title == "Droit d'accès de la famille" else Button.No)
    chosen: list[str] = []

    def save(_parent, _title, default, _filters):
        chosen.append(default)
        return str(tmp_path / "acces"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save)
    window.identity.access_button.click()
    assert "notes privées" in asked[0] and "art. 15-4" in asked[0]
    assert Path(chosen[0]).name == "Droit d'accès - famille Dupré - 2026-11-22.pdf"
    assert (tmp_path / "acces.pdf").read_bytes().startswith(b"%PDF")
    with factory() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).one()
    assert (event.child_id, event.user_id, event.entity) == (child_id, 1, "families")
