"""First run: the welcome screen creates, opens or builds the demo; never anything silently."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlalchemy import func, select

from pre_desktop import app as app_module
from pre_desktop.backups import make_backup
from pre_desktop.models import Child, User
from pre_desktop.services.settings import get_settings
from pre_desktop.ui import recovery, welcome as welcome_module
from pre_desktop.ui.recovery import Choice, Opened
from pre_desktop.ui.restore_dialog import RestoreDialog
from pre_desktop.ui.welcome import WelcomeDialog
from dbfiles import damage, family_names, make_base
from test_main_window import type_text


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def data(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for module in (welcome_module, app_module):
        monkeypatch.setattr(module, "default_db_path", lambda: folder / "pre_desktop.sqlite")
    monkeypatch.setattr(welcome_module, "data_dir", lambda: folder)
    return folder


@pytest.fixture
def dialog(qtbot, settings, data):
    dlg = WelcomeDialog(settings)
    qtbot.addWidget(dlg)
    dlg.show()
    yield dlg
    if dlg.opened is not None:
        dlg.opened.engine.dispose()


def test_create_a_new_base(qtbot, dialog, data, settings):
    dialog.new_button.click()
    assert dialog.pages.currentIndex() == 1
    assert dialog.path_edit.text() == str(data / "pre_desktop.sqlite")
    type_text(qtbot, dialog.pre_name, "PRE de Roubaix")
    dialog.carrier_kind.setCurrentText("CCAS")
    type_text(qtbot, dialog.first_name, "Hélène")
    type_text(qtbot, dialog.last_name, "Lefèvre")
    assert dialog.login.text() == "h.lefevre"  # suggested, accents folded
    dialog.create_button.click()
    assert dialog.errors.shown_field == "password" and dialog.opened is None  # the first password is required
    type_text(qtbot, dialog.password, "Jardin-Bleu-42")
    type_text(qtbot, dialog.confirmation, "Jardin-Bleu-42")
    dialog.create_button.click()
    assert dialog.result() == WelcomeDialog.DialogCode.Accepted
    assert dialog.opened.path == (data / "pre_desktop.sqlite").resolve()
    assert settings.value("last_database") == str(dialog.opened.path)
    with dialog.opened.factory() as s:
        assert get_settings(s).pre_name == "PRE de Roubaix"
        assert get_settings(s).legal_carrier_kind == "CCAS"
        assert [(u.login, u.full_name) for u in s.scalars(select(User))] == [("h.lefevre", "Hélène Lefèvre")]
        assert s.scalars(select(User)).one().password_hash.startswith("$argon2id$")
    assert settings.value("last_login") == "h.lefevre"  # the login that follows asks only the password


def test_refusal_is_shown_on_its_field_and_nothing_is_created(qtbot, dialog, data):
    dialog.new_button.click()
    type_text(qtbot, dialog.first_name, "Claire")
    type_text(qtbot, dialog.last_name, "Martin")
    dialog.create_button.click()
    assert dialog.errors.shown_field == "pre_name"
    assert "obligatoire" in dialog.errors.message("pre_name")
    assert dialog.opened is None and dialog.isVisible()
    assert list(data.iterdir()) == []


def test_open_an_existing_base(dialog, tmp_path, monkeypatch):
    base = make_base(tmp_path / "ailleurs.sqlite", ["Dupré"])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(base), ""))
    assert dialog.open_button.click() is None and dialog.opened is not None
    assert dialog.opened.path == base.resolve()


def test_damaged_file_is_explained_and_left_alone(dialog, tmp_path, monkeypatch):
    base = make_base(tmp_path / "abimee.sqlite", ["Dupré"])
    damage(base)
    before = base.read_bytes()
    asked = []
    monkeypatch.setattr(recovery, "ask_after_failure",
                        lambda parent, path, message, **kw: asked.append((message, kw)) or Choice.CANCEL)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(base), ""))
    dialog.open_button.click()
    assert dialog.opened is None
    assert "endommagé" in asked[0][0] and asked[0][1] == {"has_backups": False, "welcome": False}
    assert base.read_bytes() == before


def test_try_the_demo(dialog, data, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(data / "pre_demo.sqlite"), ""))
    dialog.demo_button.click()
    assert dialog.opened.path == (data / "pre_demo.sqlite").resolve()
    with dialog.opened.factory() as s:
        assert s.scalar(select(func.count()).select_from(Child)) > 100


def test_demo_never_overwrites_the_working_base(dialog, data, monkeypatch):
    working = make_base(data / "pre_desktop.sqlite", ["Dupré"])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(working), ""))
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    dialog.demo_button.click()
    assert dialog.opened is None and "base de travail" in warned[0]
    assert family_names(working) == ["Dupré"]


def test_start_without_a_base_shows_the_welcome_screen(qtbot, data, settings, monkeypatch):
    shown = []
    monkeypatch.setattr(WelcomeDialog, "exec", lambda self: shown.append(self) or 0)
    assert app_module.choose_base(None, settings) is None  # the user closed it: nothing created
    assert len(shown) == 1 and list(data.iterdir()) == []


def test_start_with_an_explicit_missing_db_proposes_it_for_the_new_base(qtbot, tmp_path, data, settings, monkeypatch):
    shown = []
    monkeypatch.setattr(WelcomeDialog, "exec", lambda self: shown.append(self) or 0)
    app_module.choose_base(tmp_path / "nouvelle.sqlite", settings)
    assert shown[0].path_edit.text() == str(tmp_path / "nouvelle.sqlite")
    assert not (tmp_path / "nouvelle.sqlite").exists()


def test_start_opens_the_last_base_directly(qtbot, tmp_path, data, settings, monkeypatch):
    base = make_base(tmp_path / "derniere.sqlite", ["Dupré"])
    settings.setValue("last_database", str(base))
    monkeypatch.setattr(WelcomeDialog, "exec", lambda self: pytest.fail("welcome shown"))
    opened = app_module.choose_base(None, settings)
    assert isinstance(opened, Opened) and opened.path == base.resolve()
    opened.engine.dispose()


def test_start_on_a_damaged_base_offers_a_backup(qtbot, tmp_path, data, settings, monkeypatch):
    base = make_base(tmp_path / "pre.sqlite", ["Dupré", "Martin"])
    backup = make_backup(base)
    damage(base)
    answers = iter([Choice.RESTORE])
    monkeypatch.setattr(recovery, "ask_after_failure", lambda *a, **k: next(answers))

    def choose(self):
        assert [b.path for b in self.model.backups] == [backup.path]
        self.chosen = backup.path
        return 1

    monkeypatch.setattr(RestoreDialog, "exec", choose)
    monkeypatch.setattr(QMessageBox, "information", lambda *a: None)
    opened = app_module.choose_base(base, settings)
    assert isinstance(opened, Opened)
    opened.engine.dispose()
    assert family_names(base) == ["Dupré", "Martin"]
    kept = list((tmp_path / "sauvegardes").glob("pre.avant-restauration-*.sqlite"))
    assert len(kept) == 1


def test_start_on_a_damaged_base_can_go_to_the_welcome_screen(qtbot, tmp_path, data, settings, monkeypatch):
    base = make_base(tmp_path / "pre.sqlite", ["Dupré"])
    shutil.copyfile(base, tmp_path / "copy.sqlite")
    damage(base)
    monkeypatch.setattr(recovery, "ask_after_failure", lambda *a, **k: Choice.WELCOME)
    shown = []
    monkeypatch.setattr(WelcomeDialog, "exec", lambda self: shown.append(self) or 0)
    assert app_module.choose_base(base, settings) is None
    assert len(shown) == 1


@pytest.mark.parametrize("problem, said", [("newer", "version plus récente"), ("locked", "verrouillée")])
def test_start_on_a_newer_or_locked_base_explains_and_leaves_it(qtbot, tmp_path, data, settings, monkeypatch,
                                                                problem, said):
    import sqlite3

    from dbfiles import set_revision

    base = make_base(tmp_path / "pre.sqlite", ["Dupré"])
    lock = None
    if problem == "newer":
        set_revision(base, "9999_future")
    else:
        lock = sqlite3.connect(base)
        lock.execute("BEGIN IMMEDIATE")
    before = base.read_bytes()
    asked = []
    monkeypatch.setattr(recovery, "ask_after_failure",
                        lambda parent, path, message, **k: asked.append((message, k)) or Choice.CANCEL)
    try:
        assert app_module.choose_base(base, settings) is None  # the user chose Quitter
    finally:
        if lock is not None:
            lock.rollback()
            lock.close()
    assert said in asked[0][0] and asked[0][1]["welcome"]
    assert base.read_bytes() == before
