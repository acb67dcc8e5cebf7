"""The Utilisateurs area: a coordinator creates an account, changes its role, gives it a
password, deactivates it; refusals (weak password, last coordinator) on their field."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from pre_desktop import db
from pre_desktop.models import Role, User
from pre_desktop.services import auth
from pre_desktop.ui.context import AppContext
from pre_desktop.ui.form_dialog import FormDialog
from pre_desktop.ui.users_area import UsersArea, visible_for


@pytest.fixture
def area(qtbot, engine, factory, tmp_path, fast_hashing):
    with db.session_scope(factory) as s:
        auth.set_password(s, 1, "Jardin-Bleu-42")
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    ctx = AppContext(Path(engine.url.database), engine, factory, settings)  # acts as the coordinator (user 1)
    widget = UsersArea(ctx)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def run_dialog(monkeypatch, fill):
    """Replace FormDialog.exec: fill the fields, click Enregistrer, report what the dialog said."""
    seen = []

    def exec_(dialog: FormDialog) -> int:
        for step in fill:
            for name, value in step.items():
                dialog.fields[name].set_value(value)
            ok = dialog.save()
            seen.append((dialog.errors.shown_field, dialog.errors.shown_message))
            if ok:
                return 1
        return 0

    monkeypatch.setattr(FormDialog, "exec", exec_)
    return seen


def test_only_the_coordinator_has_the_area():
    assert visible_for(Role.COORDINATOR) and not visible_for(Role.REFERENT) and not visible_for(Role.SECRETARIAT)


def test_lists_the_accounts(area):
    assert area.list.column_texts(1) == ["ref", "coord"]  # by name: Benali, Martin
    states = dict(zip(area.list.column_texts(1), area.list.column_texts(3)))
    assert states == {"coord": "Actif", "ref": "Sans mot de passe"}
    assert area.list.column_texts(4) == ["jamais", "jamais"]
    assert not area.role_button.isEnabled()


def test_create_an_account_weak_password_refused_first(area, monkeypatch):
    seen = run_dialog(monkeypatch, [
        {"first_name": "Sonia", "last_name": "Petit", "login": "s.petit", "role": Role.SECRETARIAT,
         "password": "petit12345", "confirmation": "petit12345"},
        {"password": "Accueil-Partenaires-7", "confirmation": "Accueil-Partenaires-7"},
    ])
    result = area.new_account()
    assert result == "s.petit", seen
    assert seen[0][0] == "password" and "trois sortes" in seen[0][1]
    assert seen[1] == (None, None)
    assert area.list.selected().login == "s.petit" and area.list.selected().role is Role.SECRETARIAT
    with area.ctx.read() as s:
        assert auth.authenticate(s, "s.petit", "Accueil-Partenaires-7").role is Role.SECRETARIAT


def test_the_last_coordinator_cannot_be_demoted_nor_deactivated(area, monkeypatch, db_snapshot):
    area.list.select(lambda r: r.login == "coord")
    before = db_snapshot()
    seen = run_dialog(monkeypatch, [{"role": Role.REFERENT}])
    assert not area.change_role()
    assert seen[0][0] == "role" and "seul compte de coordination actif" in seen[0][1]
    monkeypatch.setattr("pre_desktop.ui.users_area.confirm", lambda *a, **k: True)
    said = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: said.append(text))
    assert not area.toggle_active()
    assert said and "propre compte" in said[0]  # and it is one's own account
    assert db_snapshot() == before


def test_reset_password_then_deactivate_and_reactivate(area, monkeypatch):
    area.list.select(lambda r: r.login == "ref")
    run_dialog(monkeypatch, [{"password": "Suivi-Parcours-2026", "confirmation": "Suivi-Parcours-2026"}])
    assert area.reset_password()
    assert dict(zip(area.list.column_texts(1), area.list.column_texts(3)))["ref"] == "Actif"
    monkeypatch.setattr("pre_desktop.ui.users_area.confirm", lambda *a, **k: True)
    assert area.toggle_active()
    assert area.list.selected().login == "ref" and not area.list.selected().active
    assert area.active_button.text() == "Réa&ctiver"
    assert area.toggle_active()
    with area.ctx.read() as s:
        assert s.get(User, 2).active and auth.authenticate(s, "ref", "Suivi-Parcours-2026").id == 2
