"""The login dialog, the first password of an unsecured base, the idle lock that keeps an
unsaved form, and the account actions of the Fichier menu (issue 9)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QLineEdit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))

from care_fixtures import family_with_child  # noqa: E402
from test_main_window import type_text  # noqa: E402

from pre_desktop import db  # noqa: E402
from pre_desktop.models import User  # noqa: E402
from pre_desktop.services import auth, users  # noqa: E402
from pre_desktop.ui.account_actions import ChangePasswordDialog  # noqa: E402
from pre_desktop.ui.lock import LOCKED_TITLE, LockCover  # noqa: E402
from pre_desktop.ui.login_dialog import LoginDialog  # noqa: E402
from pre_desktop.ui.main_window import MainWindow  # noqa: E402

GOOD = "Jardin-Bleu-42"


@pytest.fixture
def secured(factory, fast_hashing):
    with db.session_scope(factory) as s:
        auth.set_password(s, 1, GOOD)
    return factory


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def login_dialog(qtbot, factory, settings) -> LoginDialog:
    dialog = LoginDialog(factory, "pre.sqlite", settings)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=2000)
    return dialog


def test_login_with_enter_and_the_login_is_remembered(qtbot, secured, settings):
    dialog = login_dialog(qtbot, secured, settings)
    type_text(qtbot, dialog.login, "coord")
    qtbot.keyClick(dialog.login, Qt.Key.Key_Return)  # Entrée goes to the password
    assert dialog.password.hasFocus()
    type_text(qtbot, dialog.password, GOOD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.result() == LoginDialog.DialogCode.Accepted
    assert dialog.user.login == "coord" and dialog.user.name == "Claire Martin"
    again = login_dialog(qtbot, secured, settings)
    assert again.login.text() == "coord" and again.password.hasFocus()


def test_wrong_password_is_said_under_the_field_then_the_wait(qtbot, secured, settings):
    dialog = login_dialog(qtbot, secured, settings)
    dialog.login.setText("coord")
    for attempt in range(5):
        type_text(qtbot, dialog.password, "Pas-Le-Bon-1")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
        assert dialog.errors.message("password") == "Identifiant ou mot de passe incorrect."
        assert dialog.password.text() == "" and dialog.isVisible()
    type_text(qtbot, dialog.password, GOOD)  # right, but too soon
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.errors.message("password") in ("Trop d'essais : réessayez dans 30 s.",
                                                 "Trop d'essais : réessayez dans 29 s.")
    assert dialog.user is None
    with secured() as s:
        assert s.get(User, 1).failed_logins == 5  # counted although each login was refused


def test_first_password_of_a_base_nobody_secured(qtbot, factory, settings, fast_hashing):
    dialog = login_dialog(qtbot, factory, settings)
    type_text(qtbot, dialog.login, "coord")
    qtbot.keyClick(dialog.login, Qt.Key.Key_Return)  # the login without a password: the first password
    assert dialog.pages.currentIndex() == 1 and "coord" in dialog.first_title.text()
    type_text(qtbot, dialog.new_password, "court")
    qtbot.keyClick(dialog.new_password, Qt.Key.Key_Return)  # Entrée goes on to the confirmation
    assert dialog.confirmation.hasFocus()
    qtbot.keyClick(dialog.confirmation, Qt.Key.Key_Return)
    assert "au moins 10 caractères" in dialog.first_errors.message("password")
    dialog.new_password.setText(GOOD)
    dialog.confirmation.setText(GOOD)
    qtbot.keyClick(dialog.confirmation, Qt.Key.Key_Return)
    assert dialog.result() == LoginDialog.DialogCode.Accepted and dialog.user.id == 1
    # The référent's account still has none: it waits for the coordinator.
    other = login_dialog(qtbot, factory, settings)
    other.login.setText("ref")
    other.try_login()
    assert other.pages.currentIndex() == 0 and "doit vous en attribuer un" in other.errors.message("login")


def test_demo_base_says_its_accounts(qtbot, tmp_path, settings):
    from pre_desktop.demo import DEMO_PASSWORDS
    from pre_desktop.migrate import open_database
    from pre_desktop.models import Role
    from pre_desktop.services.settings import update_settings

    engine, factory = open_database(tmp_path / "demo.sqlite")
    with db.session_scope(factory) as s:  # what demo_hint recognises, without building the whole demo
        update_settings(s, pre_name="PRE de Ville-Exemple", town="Ville-Exemple", postal_code="99100")
        s.add(User(login="s.marchand", first_name="Sylvie", last_name="Marchand", role=Role.COORDINATOR))
    dialog = login_dialog(qtbot, factory, settings)
    assert dialog.hint.isVisibleTo(dialog) and DEMO_PASSWORDS[Role.COORDINATOR] in dialog.hint.text()
    engine.dispose()


# --- the idle lock -------------------------------------------------------------------------


@pytest.fixture
def win(qtbot, engine, secured, settings):
    with db.session_scope(secured, 1) as s:
        child_id = family_with_child(s).id
    with secured() as s:
        coordinator = users.user_row(s, 1)
    window = MainWindow(Path(engine.url.database), engine, secured, settings=settings, user=coordinator)
    window.child_id = child_id
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.idle_lock.timer.stop()
    for file in list(window.child_files.values()):
        file._discard = True
        file.close()
    window.close()
    window.deleteLater()


def test_lock_after_idle_and_unlock_keeps_the_unsaved_form(qtbot, win):
    win.ctx.open_child.emit(win.child_id)
    file = win.child_files[win.child_id]
    qtbot.waitExposed(file)
    school = file.identity.child_fields["school"].widget.lineEdit()
    school.selectAll()
    type_text(qtbot, school, "Collège Péguy")
    assert file.is_dirty()
    title = file.windowTitle()
    assert "Léa" in title

    win.idle_lock.set_timeout(80)  # injected: 80 ms without input
    qtbot.waitUntil(lambda: win.idle_lock.locked, timeout=3000)
    for window in (win, file):
        cover = win.idle_lock.cover_of(window)
        assert isinstance(cover, LockCover) and cover.isVisible() and cover.geometry() == window.rect()
        assert window.windowTitle() == LOCKED_TITLE  # no child's name
    covered = [w for w in file.findChildren(QLineEdit) if not win.idle_lock.cover_of(file).isAncestorOf(w)]
    assert covered and not any(w.isEnabled() for w in covered)  # nothing reachable under the cover
    assert not win.open_action.isEnabled() and not win.menuBar().isEnabled()

    cover = win.idle_lock.cover_of(file)
    type_text(qtbot, cover.password, "Pas-Le-Bon-1")
    qtbot.keyClick(cover.password, Qt.Key.Key_Return)
    assert cover.errors.message("password") == "Identifiant ou mot de passe incorrect." and win.idle_lock.locked

    type_text(qtbot, cover.password, GOOD)
    qtbot.keyClick(cover.password, Qt.Key.Key_Return)
    assert not win.idle_lock.locked
    assert win.idle_lock.cover_of(file) is None and file.windowTitle() == title
    assert school.text() == "Collège Péguy" and school.isEnabled() and file.is_dirty()  # still there, still unsaved
    assert win.open_action.isEnabled() and win.menuBar().isEnabled()
    assert win.idle_lock.timer.isActive()  # and counting again


def test_activity_postpones_the_lock(qtbot, win):
    win.idle_lock.set_timeout(400)
    for _ in range(6):
        qtbot.wait(100)
        qtbot.keyClick(win, Qt.Key.Key_Shift)
    assert not win.idle_lock.locked
    qtbot.waitUntil(lambda: win.idle_lock.locked, timeout=3000)


def test_ctrl_l_locks_and_the_delay_comes_from_the_settings(qtbot, win):
    assert win.idle_lock.timeout_ms == 10 * 60_000  # default: 10 minutes
    win.show_area("settings")
    area = win.screen("settings")
    area.inputs["pre_name"].setText("PRE de Roubaix")
    area.lock_minutes.setText("0")
    area.save()
    assert "entre 1 et 120 minutes" in area.errors.message("lock_minutes")
    area.lock_minutes.setText("3")
    assert area.save()
    assert win.idle_lock.timeout_ms == 3 * 60_000
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=2000)
    qtbot.keyClick(QApplication.focusWidget() or win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert win.idle_lock.locked
    said = win.idle_lock.cover_of(win).findChildren(type(area.status))[1].text()
    assert "PRE Desktop est verrouillé, pour protéger" in said and "minute" not in said  # by hand, not idle
    win.idle_lock.release()
    win.idle_lock._lock_idle()  # the timer's end: 3 minutes without input
    said = win.idle_lock.cover_of(win).findChildren(type(area.status))[1].text()
    assert "s'est verrouillé après 3 minutes sans activité" in said


def test_change_my_password(qtbot, win, secured):
    dialog = ChangePasswordDialog(win.ctx, win)
    qtbot.addWidget(dialog)
    dialog.old.setText("Pas-Le-Bon-1")
    dialog.new.setText("Chene-Vert-2026")
    dialog.confirmation.setText("Chene-Vert-2026")
    assert not dialog.save() and "ancien" in dialog.errors.message("old_password")
    dialog.old.setText(GOOD)
    dialog.confirmation.setText("Chene-Vert-2027")
    assert not dialog.save() and "différents" in dialog.errors.message("confirmation")
    dialog.confirmation.setText("Chene-Vert-2026")
    assert dialog.save()
    assert auth.kept_even_if_refused(secured, None, lambda s: auth.authenticate(s, "coord", "Chene-Vert-2026").id) == 1


def test_another_base_asks_for_a_login(qtbot, win, tmp_path, monkeypatch):
    from pre_desktop.migrate import open_database
    from pre_desktop.ui import main_window

    other = tmp_path / "autre.sqlite"
    engine, _ = open_database(other)
    engine.dispose()
    asked = []
    monkeypatch.setattr(main_window, "ask_login", lambda parent, factory, name, settings: asked.append(name))
    assert not win.open_path(other)  # the login was cancelled: the current base stays
    assert asked == ["autre.sqlite"] and win.windowTitle().endswith("test.sqlite")


def test_log_out_closes_the_window(qtbot, win):
    assert win.log_out()
    assert win.logged_out and not win.isVisible()


def test_scripted_start_logs_in_with_the_same_checks(secured, engine, settings, capsys):
    from pre_desktop import app as app_module
    from pre_desktop.ui.recovery import Opened

    opened = Opened(Path(engine.url.database), engine, secured)
    assert app_module.log_in(opened, settings, ("coord", "Pas-Le-Bon-1")) is None
    assert "connexion refusée : Identifiant ou mot de passe incorrect." in capsys.readouterr().err
    assert app_module.log_in(opened, settings, ("coord", GOOD)).login == "coord"
    with secured() as s:
        assert s.get(User, 1).failed_logins == 0 and s.get(User, 1).last_login_at is not None
