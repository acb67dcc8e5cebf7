"""An unexpected exception: logged, explained in French, and the app goes on."""

from __future__ import annotations

import logging
import sys
import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QPushButton

from pre_desktop import logs
from pre_desktop.ui import error_dialog
from pre_desktop.ui.error_dialog import ErrorDialog


@pytest.fixture
def reporter(tmp_path, monkeypatch, qapp):
    shown: list[ErrorDialog] = []
    monkeypatch.setattr(ErrorDialog, "exec", lambda self: shown.append(self) or 0)
    log_file = logs.setup_logging(tmp_path / "logs")
    rep = error_dialog.install(log_file)
    rep.shown_dialogs = shown
    yield rep
    logs.uninstall_exception_hooks()
    logs.setup_logging(tmp_path / "logs-after")


@pytest.mark.qt_no_exception_capture
def test_exception_in_a_slot_shows_the_french_dialog_and_the_app_goes_on(qtbot, reporter, tmp_path):
    button = QPushButton("Enregistrer")
    qtbot.addWidget(button)
    button.clicked.connect(lambda: 1 / 0)
    button.click()  # the exception reaches sys.excepthook, not the caller
    qtbot.waitUntil(lambda: reporter.count == 1, timeout=2000)
    dialog = reporter.shown_dialogs[0]
    assert dialog.windowTitle() == "PRE Desktop — erreur inattendue"
    assert "Une erreur inattendue" in dialog.summary.text()
    assert "Aucune donnée enregistrée n'a été perdue" in dialog.reassurance.text()
    assert "erreur interne du programme (ZeroDivisionError : division by zero)" in dialog.detail.text()
    log_file = tmp_path / "logs" / "pre_desktop.log"
    assert str(log_file) in dialog.log_label.text()
    assert not dialog.trace.isVisible()
    assert "ZeroDivisionError" in dialog.trace.toPlainText()
    for handler in logging.getLogger("pre_desktop").handlers:
        handler.flush()
    logged = log_file.read_text(encoding="utf-8")
    assert "Exception non interceptée" in logged and "1 / 0" in logged

    ran = []
    QTimer.singleShot(0, lambda: ran.append(True))
    qtbot.waitUntil(lambda: ran == [True], timeout=2000)  # the event loop still runs


@pytest.mark.qt_no_exception_capture
def test_exception_in_a_worker_thread_is_shown_in_the_gui_thread(qtbot, reporter):
    def work() -> None:
        raise PermissionError("fichier verrouillé")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: reporter.count == 1, timeout=2000)
    assert reporter.last.thread() is reporter.thread()
    assert "accès refusé à un fichier (fichier verrouillé)" in reporter.last.detail.text()


def test_details_toggle(qtbot, tmp_path):
    try:
        raise ValueError("valeur inattendue")
    except ValueError:
        exc = sys.exc_info()
    dialog = ErrorDialog(exc, tmp_path / "x.log")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.details_button.click()
    assert dialog.trace.isVisible()
    assert dialog.open_log_button is not None


def test_log_rotates(tmp_path):
    path = logs.setup_logging(tmp_path)
    try:
        for i in range(3000):
            logs.logger.info("ligne %d %s", i, "x" * 500)
        files = sorted(p.name for p in tmp_path.iterdir())
        assert files[0] == "pre_desktop.log" and "pre_desktop.log.1" in files
        assert len(files) <= logs.BACKUP_COUNT + 1
        assert path.stat().st_size <= logs.MAX_BYTES
    finally:
        logs.setup_logging(tmp_path / "after")


def test_error_while_starting_is_explained_then_the_app_stops(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QSettings

    from pre_desktop import app as app_module
    from pre_desktop.ui import main_window
    from dbfiles import make_base

    base = make_base(tmp_path / "pre.sqlite", ["Dupré"])
    ini = tmp_path / "settings.ini"
    monkeypatch.setattr(app_module, "QSettings", lambda *a: QSettings(str(ini), QSettings.Format.IniFormat))
    monkeypatch.setattr(app_module, "setup_logging", lambda: logs.setup_logging(tmp_path / "logs"))

    def broken(*args, **kwargs):
        raise RuntimeError("écran cassé")

    monkeypatch.setattr(main_window, "MainWindow", broken)
    from pre_desktop.models import Role
    from pre_desktop.services.users import UserRow

    coordinator = UserRow(1, "coord", "Claire Martin", Role.COORDINATOR, "Coordonnateur(trice)", True)
    monkeypatch.setattr(app_module, "log_in", lambda *a, **k: coordinator)  # the login is not what fails here
    shown: list[ErrorDialog] = []
    monkeypatch.setattr(ErrorDialog, "exec", lambda self: shown.append(self) or 0)
    try:
        assert app_module.run_app(base) == 1
        assert app_module.run_app(base, quit_after=0) == 1 and len(shown) == 1  # headless: no dialog to wait on
    finally:
        logs.uninstall_exception_hooks()
        logs.setup_logging(tmp_path / "logs-after")
    dialog = shown[0]
    assert "n'a pas pu s'ouvrir" in dialog.summary.text() and "écran cassé" in dialog.detail.text()
    assert dialog.continue_button.text() == "Quitter" and "n'a pas été modifiée" in dialog.reassurance.text()
    assert "Démarrage impossible" in (tmp_path / "logs" / "pre_desktop.log").read_text(encoding="utf-8")
    assert QSettings(str(ini), QSettings.Format.IniFormat).value("last_database") is None  # not reopened next time
