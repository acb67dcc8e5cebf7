"""Fichier > Sauvegarder une copie / Restaurer, the restore dialog, À propos, French Qt."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QSettings, QTranslator
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from pre_desktop import __version__
from pre_desktop.app import install_french, app_icon
from pre_desktop.backups import list_backups, make_backup
from pre_desktop.migrate import open_database
from pre_desktop.models import Family
from pre_desktop.ui import backup_actions
from pre_desktop.ui.about import AboutDialog
from pre_desktop.ui.main_window import MainWindow
from pre_desktop.ui.restore_dialog import RestoreDialog, retention_policy

from dbfiles import damage, family_names, make_base, set_revision


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, tmp_path, settings):
    path = make_base(tmp_path / "pre.sqlite", ["Dupré", "Martin"])
    engine, factory = open_database(path)
    win = MainWindow(path, engine, factory, settings=settings)
    qtbot.addWidget(win)
    yield win
    win.engine.dispose()


def test_file_and_help_menus(window):
    texts = [a.text() for a in window.file_menu.actions() if not a.isSeparator()]
    assert texts[-6:] == ["&Sauvegarder une copie…", "&Restaurer une sauvegarde…", "&Changer mon mot de passe…",
                          "&Verrouiller", "Se &déconnecter", "&Quitter"]
    assert window.help_menu.title() == "&Aide"
    assert window.about_action.text() == "À &propos de PRE Desktop"


def test_save_a_copy_where_the_user_chooses(window, tmp_path, monkeypatch):
    target = tmp_path / "cle" / "copie"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: told.append(a[2]))
    written = backup_actions.save_copy(window)
    assert written == target.with_name("copie.sqlite")
    assert family_names(written) == ["Dupré", "Martin"]
    assert str(written) in told[0]


def test_restore_from_the_menu_reopens_the_restored_base(window, tmp_path, monkeypatch):
    backup = make_backup(window.db_path)
    with window.ctx.write() as s:
        s.add(Family(name="Ajoutée après"))
    assert family_names(window.db_path) == ["Ajoutée après", "Dupré", "Martin"]

    def choose(self):
        assert self.selected().path == backup.path and self.restore_button.isEnabled()
        self.chosen = backup.path
        return 1

    monkeypatch.setattr(RestoreDialog, "exec", choose)
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: told.append(a[2]))
    old_engine = window.engine
    assert backup_actions.restore(window)
    assert window.engine is not old_engine
    with window.ctx.read() as s:
        assert sorted(f.name for f in s.query(Family)) == ["Dupré", "Martin"]
    kept = [b for b in list_backups(window.db_path) if b.kind == "avant-restauration"]
    assert len(kept) == 1 and family_names(kept[0].path) == ["Ajoutée après", "Dupré", "Martin"]
    assert "L'ancienne base a été gardée" in told[0]


def test_restore_dialog_lists_and_checks(qtbot, window, tmp_path, settings, monkeypatch):
    good = make_backup(window.db_path)
    damaged = tmp_path / "sauvegardes" / "pre.auto-20261001-090000.sqlite"
    shutil.copyfile(good.path, damaged)
    damage(damaged)
    newer = tmp_path / "future.sqlite"
    shutil.copyfile(good.path, newer)
    set_revision(newer, "9999_future")

    dialog = RestoreDialog(window.db_path, settings, window)
    qtbot.addWidget(dialog)
    model = dialog.model
    assert model.rowCount() == 2
    assert model.index(0, 1).data() == "automatique"
    assert model.index(1, 0).data() == "01/10/2026 09:00"
    assert model.index(0, 2).data().endswith("ko")
    assert dialog.restore_button.isEnabled()
    assert "Sauvegarde vérifiée : fichier intact, de la version actuelle" in dialog.status.text()

    dialog.table.selectRow(1)
    assert not dialog.restore_button.isEnabled()
    assert "ne peut pas être restaurée" in dialog.status.text() and "endommagée" in dialog.status.text()

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(newer), ""))
    dialog.other_button.click()
    assert dialog.selected().path == newer
    assert not dialog.restore_button.isEnabled() and "plus récente" in dialog.status.text()

    before = window.db_path.read_bytes()
    dialog.restore_button.click()  # disabled: nothing happens
    assert dialog.chosen is None and window.db_path.read_bytes() == before

    dialog.daily.setValue(7)
    dialog.monthly.setValue(3)
    assert retention_policy(settings).daily == 7 and retention_policy(settings).monthly == 3


def test_restore_dialog_asks_before_restoring(qtbot, window, settings, monkeypatch):
    make_backup(window.db_path)
    dialog = RestoreDialog(window.db_path, settings, window)
    qtbot.addWidget(dialog)
    asked = []
    monkeypatch.setattr("pre_desktop.ui.restore_dialog.confirm", lambda *a, **k: asked.append(a[2]) or False)
    dialog.restore_button.click()
    assert dialog.chosen is None and "va être remplacée" in asked[0]
    monkeypatch.setattr("pre_desktop.ui.restore_dialog.confirm", lambda *a, **k: True)
    dialog.restore_button.click()
    assert dialog.chosen == dialog.model.backups[0].path


def test_about_shows_version_and_database(qtbot, window):
    dialog = AboutDialog(window.db_path, window)
    qtbot.addWidget(dialog)
    assert f"Version {__version__}" in dialog.text.text()
    assert str(window.db_path) in dialog.text.text()


def test_automatic_backup_in_the_background(qtbot, window, settings):
    messages = []
    backup_actions.start_automatic_backup(window.db_path, settings, messages.append)
    qtbot.waitUntil(lambda: len(messages) == 1, timeout=5000)
    assert messages[0].startswith("Sauvegarde automatique faite : pre.auto-")
    backup_actions.start_automatic_backup(window.db_path, settings, messages.append)
    qtbot.wait(300)
    assert len(messages) == 1  # not again the same day


def test_french_qt_and_icon(qapp):
    before = QLocale()
    try:
        assert install_french(qapp)
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Annuler"
        assert QLocale().toString(1234.5, "f", 1) == "1\u202f234,5"
    finally:
        QLocale.setDefault(before)
        for translator in qapp.findChildren(QTranslator):
            QApplication.removeTranslator(translator)
            translator.deleteLater()
    assert max(s.width() for s in app_icon().availableSizes()) == 256  # the icon files are shipped in the package


def test_headless_check_shows_every_area_then_closes(qtbot, window, monkeypatch):
    from pre_desktop import app as app_module
    from pre_desktop.ui import areas

    window.show()
    assert app_module.visit_areas(window) == [a.label for a in areas.available()]
    assert window.current_area() == areas.available()[-1].key
    exits = []
    monkeypatch.setattr(QApplication.instance(), "exit", exits.append)
    monkeypatch.setattr(window.screen("todo"), "refresh", lambda: 1 / 0)
    app_module.smoke_close(window)
    assert exits == [1] and window.isVisible()  # an area failing: exit code 1, no dialog to wait on
    monkeypatch.undo()
    app_module.smoke_close(window)
    assert not window.isVisible()


def test_own_task_bar_entry_on_windows(monkeypatch):
    import ctypes
    import types

    from pre_desktop import app as app_module

    if app_module.sys.platform != "win32":
        assert app_module.show_as_own_app_in_taskbar() is False  # nothing to do elsewhere
    ids = []
    shell = types.SimpleNamespace(SetCurrentProcessExplicitAppUserModelID=ids.append)
    monkeypatch.setattr(ctypes, "windll", types.SimpleNamespace(shell32=shell), raising=False)
    monkeypatch.setattr(app_module.sys, "platform", "win32")
    assert app_module.show_as_own_app_in_taskbar() is True and ids == ["fr.pre-desktop.app"]
