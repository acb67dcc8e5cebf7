"""Encrypted bases in the window: the passphrase asked at opening (wrong, then right), a
new base created encrypted from the welcome screen, « Chiffrer la base… » for a
coordinator only, and the copies made from the menu encrypted like the base."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox
from sqlalchemy import select

from pre_desktop import db
from pre_desktop.backups import list_backups, make_backup
from pre_desktop.encryption import Passphrase, is_encrypted
from pre_desktop.migrate import open_database
from pre_desktop.models import Family, Role, User
from pre_desktop.ui import backup_actions, encryption_actions, recovery
from pre_desktop.ui.encryption_actions import EncryptDialog
from pre_desktop.ui.main_window import MainWindow
from pre_desktop.ui.passphrase_dialog import PassphraseDialog
from pre_desktop.ui.recovery import Opened, open_with_recovery
from pre_desktop.ui.welcome import WelcomeDialog
from dbfiles import make_base
from test_encryption import KEY_TEXT, NAME, assert_sealed, families, make_encrypted, snapshot
from test_main_window import type_text


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def test_passphrase_dialog_wrong_then_right(qtbot, tmp_path):
    path = tmp_path / "pre.sqlite"
    make_encrypted(path, [NAME])
    before = snapshot(tmp_path)
    dialog = PassphraseDialog(path)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.try_open()
    assert dialog.errors.shown_field == "passphrase" and "Saisissez" in dialog.errors.message("passphrase")
    type_text(qtbot, dialog.passphrase, "le chat dort à l'ombre")
    assert not dialog.try_open()
    assert "Phrase secrète incorrecte" in dialog.errors.message("passphrase")
    assert dialog.isVisible() and dialog.key is None and dialog.attempts == 1
    assert snapshot(tmp_path) == before  # a wrong try changes no byte, creates no file
    dialog.passphrase.clear()
    type_text(qtbot, dialog.passphrase, KEY_TEXT)
    assert dialog.try_open()
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.key == Passphrase(KEY_TEXT)
    assert KEY_TEXT not in repr(vars(dialog))


def test_opening_an_encrypted_base_asks_its_passphrase_before_anything(qtbot, tmp_path, settings, monkeypatch):
    path = tmp_path / "pre.sqlite"
    make_encrypted(path, [NAME])
    asked = []

    def answer(parent, file):  # noqa: ANN001
        asked.append(file)
        dialog = PassphraseDialog(file)
        dialog.key = Passphrase(KEY_TEXT)
        return dialog

    monkeypatch.setattr(recovery, "ask_passphrase", answer)
    opened = open_with_recovery(None, path, settings)
    assert isinstance(opened, Opened) and asked == [path]
    assert opened.key == Passphrase(KEY_TEXT)
    with opened.factory() as s:
        assert s.scalar(select(Family.name)) == NAME
    opened.engine.dispose()
    assert KEY_TEXT not in str(settings.allKeys()) + "".join(str(settings.value(k)) for k in settings.allKeys())


def test_giving_up_on_the_passphrase_opens_nothing(qtbot, tmp_path, settings, monkeypatch):
    path = tmp_path / "pre.sqlite"
    make_encrypted(path, [NAME])
    before = snapshot(tmp_path)
    monkeypatch.setattr(recovery, "ask_passphrase", lambda parent, file: PassphraseDialog(file))
    assert open_with_recovery(None, path, settings) is None
    assert snapshot(tmp_path) == before


def test_welcome_creates_an_encrypted_base(qtbot, tmp_path, settings, monkeypatch):
    from pre_desktop.ui import welcome as welcome_module

    target = tmp_path / "data" / "pre.sqlite"
    monkeypatch.setattr(welcome_module, "default_db_path", lambda: target)
    dialog = WelcomeDialog(settings)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.new_button.click()
    assert not dialog.new_passphrase.passphrase.isEnabled()
    type_text(qtbot, dialog.pre_name, "PRE d'Évry")
    type_text(qtbot, dialog.first_name, NAME)
    type_text(qtbot, dialog.last_name, "Lefèvre")
    type_text(qtbot, dialog.password, "Jardin-Bleu-42")
    type_text(qtbot, dialog.confirmation, "Jardin-Bleu-42")
    dialog.encrypt.setChecked(True)
    assert dialog.new_passphrase.passphrase.isEnabled()
    type_text(qtbot, dialog.new_passphrase.passphrase, "trop court")
    type_text(qtbot, dialog.new_passphrase.confirmation, "trop court")
    dialog.create_button.click()
    assert dialog.errors.shown_field == "passphrase" and "au moins 12" in dialog.errors.message("passphrase")
    assert not target.exists() and dialog.opened is None
    dialog.new_passphrase.passphrase.clear()
    type_text(qtbot, dialog.new_passphrase.passphrase, KEY_TEXT)
    dialog.create_button.click()
    assert dialog.errors.shown_field == "passphrase_confirmation"
    dialog.new_passphrase.confirmation.clear()
    type_text(qtbot, dialog.new_passphrase.confirmation, KEY_TEXT)
    dialog.create_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.opened.key == Passphrase(KEY_TEXT)
    with dialog.opened.factory() as s:
        assert s.scalar(select(User.first_name)) == NAME
    dialog.opened.engine.dispose()
    assert_sealed(target)


@pytest.fixture
def plain_window(qtbot, tmp_path, settings):
    path = make_base(tmp_path / "pre.sqlite", [NAME, "Martin"])
    make_backup(path)
    engine, factory = open_database(path)
    win = MainWindow(path, engine, factory, settings=settings)
    qtbot.addWidget(win)
    yield win
    win.engine.dispose()


def fill_encrypt_dialog(qtbot, monkeypatch, text: str, confirmation: str, understood: bool) -> list[EncryptDialog]:
    seen: list[EncryptDialog] = []

    def run(dialog: EncryptDialog) -> int:
        seen.append(dialog)
        type_text(qtbot, dialog.fields.passphrase, text)
        type_text(qtbot, dialog.fields.confirmation, confirmation)
        dialog.understood.setChecked(understood)
        return dialog.try_accept()

    monkeypatch.setattr(EncryptDialog, "exec", run)
    return seen


def test_a_coordinator_encrypts_the_open_base_and_its_backups(qtbot, plain_window, tmp_path, monkeypatch):
    window = plain_window
    assert window.encrypt_action.isVisible()
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: told.append(a[2]))
    seen = fill_encrypt_dialog(qtbot, monkeypatch, KEY_TEXT, KEY_TEXT, understood=False)
    before = snapshot(tmp_path)
    assert encryption_actions.encrypt_open_base(window) is None
    assert seen[0].errors.shown_field == "understood"
    assert snapshot(tmp_path) == before

    fill_encrypt_dialog(qtbot, monkeypatch, KEY_TEXT, KEY_TEXT, understood=True)
    result = encryption_actions.encrypt_open_base(window)
    assert result is not None and len(result.backups_encrypted) == 1
    assert_sealed(window.db_path)
    assert_sealed(list_backups(window.db_path)[0].path)
    assert window.ctx.key == Passphrase(KEY_TEXT) and "chiffrée" in window.path_label.text()
    assert not window.encrypt_action.isVisible()
    assert "est chiffrée" in told[0]
    with window.ctx.write() as s:  # the window goes on working, on the encrypted base
        s.add(Family(name="Après chiffrement"))
    assert "Après chiffrement" in families(window.db_path, Passphrase(KEY_TEXT))

    target = tmp_path / "cle" / "copie.sqlite"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    written = backup_actions.save_copy(window)
    assert_sealed(written)
    assert "Après chiffrement" in families(written, Passphrase(KEY_TEXT))


def test_only_a_coordinator_may_encrypt_the_base(qtbot, tmp_path, settings, monkeypatch):
    path = make_base(tmp_path / "pre.sqlite", [NAME])
    engine, factory = open_database(path)
    with db.session_scope(factory) as s:
        s.add(User(login="ref", first_name="Karim", last_name="Benali", role=Role.REFERENT))
    with factory() as s:
        from pre_desktop.services.users import user_row

        referent = user_row(s, s.scalar(select(User.id).where(User.login == "ref")))
    window = MainWindow(path, engine, factory, settings=settings, user=referent)
    qtbot.addWidget(window)
    refused = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: refused.append(a[2]))
    monkeypatch.setattr(EncryptDialog, "exec", lambda self: pytest.fail("no dialog for a référent"))
    assert encryption_actions.encrypt_open_base(window) is None
    assert "ne permet pas de chiffrer la base" in refused[0]
    window.engine.dispose()
    assert not is_encrypted(path) and families(path, None) == [NAME]


def test_a_coordinator_changes_the_passphrase_of_the_open_base(qtbot, tmp_path, settings, monkeypatch):
    from pre_desktop.ui.encryption_actions import ChangePassphraseDialog

    path = tmp_path / "pre.sqlite"
    key = make_encrypted(path, [NAME])
    backup = make_backup(path, key=key)
    engine, factory = open_database(path, key=key)
    window = MainWindow(path, engine, factory, settings=settings, key=key)
    qtbot.addWidget(window)
    assert window.rekey_action.isVisible() and not window.encrypt_action.isVisible()
    seen: list[ChangePassphraseDialog] = []

    def run(dialog: ChangePassphraseDialog) -> int:
        seen.append(dialog)
        type_text(qtbot, dialog.current, "pas la bonne phrase")
        type_text(qtbot, dialog.fields.passphrase, "la lune brille ce soir")
        type_text(qtbot, dialog.fields.confirmation, "la lune brille ce soir")
        assert not dialog.try_accept() and dialog.errors.shown_field == "current"
        dialog.current.clear()
        type_text(qtbot, dialog.current, KEY_TEXT)
        return dialog.try_accept()

    monkeypatch.setattr(ChangePassphraseDialog, "exec", run)
    monkeypatch.setattr(QMessageBox, "information", lambda *a: None)
    result = encryption_actions.change_open_base_passphrase(window)
    assert result is not None and result.backups_encrypted == [backup.path]
    new = Passphrase("la lune brille ce soir")
    assert window.ctx.key == new
    with window.ctx.write() as s:
        s.add(Family(name="Après"))
    window.engine.dispose()
    assert families(path, new) == ["Après", NAME] and families(backup.path, new) == [NAME]


def test_the_start_opens_an_encrypted_base_with_passphrase_file(qtbot, tmp_path, settings, monkeypatch):
    # `python -m pre_desktop --db … --passphrase-file … --login …`: no dialog to answer in a script.
    from pre_desktop import app as app_module
    from pre_desktop.cli import build_parser

    path = tmp_path / "pre.sqlite"
    make_encrypted(path, [NAME])
    (tmp_path / "key.txt").write_text(KEY_TEXT + "\n", encoding="utf-8")
    args = build_parser().parse_args(["--db", str(path), "--passphrase-file", str(tmp_path / "key.txt")])
    assert args.command is None and args.start_passphrase_file == tmp_path / "key.txt"
    assert build_parser().parse_args(["list", "children", "--passphrase-file", "k"]).passphrase_file == Path("k")
    monkeypatch.setattr(recovery, "ask_passphrase", lambda parent, file: pytest.fail("asked"))
    opened = app_module.choose_base(path, settings, Passphrase(KEY_TEXT))
    assert isinstance(opened, Opened) and opened.key == Passphrase(KEY_TEXT)
    with opened.factory() as s:
        assert s.scalar(select(Family.name)) == NAME
    opened.engine.dispose()
