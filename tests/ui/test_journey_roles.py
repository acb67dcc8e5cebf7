"""Three roles on one base, through the real login and main window, as the app runs them
(app.run_app: log in, a window for that user, « Se déconnecter », log in again): the
coordinator creates a référent's and a secretariat's accounts; the référent sees only
their caseload and writes a private note; the coordinator cannot read it, shares a file
and transfers a caseload; the secretariat types a session without seeing notes or reasons;
the Journal holds the référent's consultation and the Tableau de bord counts the files.
Areas were built by different people: this checks the roles hold across all of them."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import time
from pathlib import Path
from typing import Optional

import pytest
from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))

from care_fixtures import care_referral, convention, family_with_child, partner  # noqa: E402
from test_main_window import type_text  # noqa: E402

from pre_desktop import db  # noqa: E402
from pre_desktop.models import AuditAction, CareSession, Child, ChildShare, PrivateNote, Role, User  # noqa: E402
from pre_desktop.services import auth, child_file  # noqa: E402
from pre_desktop.services.errors import DomainError  # noqa: E402
from pre_desktop.ui.child_file import ChildFile  # noqa: E402
from pre_desktop.ui.children_model import COL_FIRST_NAME  # noqa: E402
from pre_desktop.ui.form_dialog import FormDialog  # noqa: E402
from pre_desktop.ui.login_dialog import LoginDialog  # noqa: E402
from pre_desktop.ui.main_window import MainWindow  # noqa: E402

COORD_PASSWORD = "Jardin-Bleu-42"
REF_A_PASSWORD = "Parcours-Vert-7"
REF_B_PASSWORD = "Parcours-Bleu-8"
SECRETARIAT_PASSWORD = "Accueil-Rouge-9"


@pytest.fixture
def base(factory, fast_hashing):
    """Claire Martin (coord, coordinator) and Karim Benali (ref, référent B) have passwords;
    Karim follows Noé, sent to a partner; no other account yet."""
    with db.session_scope(factory) as s:
        auth.set_password(s, 1, COORD_PASSWORD)
        auth.set_password(s, 2, REF_B_PASSWORD)
        p = partner(s)
        conv = convention(s, p)
        noe = family_with_child(s, name="Moreau", first_name="Noé", referent_id=2, notes="Notes du dossier de Noé")
        noe.entry_date = dt.date(2026, 9, 15)  # entered the PRE this school year: followed
        care_referral(s, noe, p, conv)
        return {"noe": noe.id, "partner": p.id, "convention": conv.id}


class App:
    """What app.run_app does around the window: the login dialog, one window per session."""

    def __init__(self, qtbot, engine, factory, tmp_path, monkeypatch) -> None:
        self.qtbot, self.engine, self.factory = qtbot, engine, factory
        self.settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        self.window: Optional[MainWindow] = None
        self.warnings: list[str] = []
        monkeypatch.setattr(QMessageBox, "warning",
                            lambda parent, title, text, *a, **k: self.warnings.append(f"{title} : {text}"))
        monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a, **k: self.warnings.append(text))
        monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: QMessageBox.StandardButton.Ok)
        monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)

    def log_in(self, login: str, password: str) -> MainWindow:
        dialog = LoginDialog(self.factory, "test.sqlite", self.settings)
        self.qtbot.addWidget(dialog)
        dialog.show()
        self.qtbot.waitExposed(dialog)
        dialog.activateWindow()
        self.qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=2000)
        dialog.login.clear()
        type_text(self.qtbot, dialog.login, login)
        self.qtbot.keyClick(dialog.login, Qt.Key.Key_Return)  # Entrée: on to the password
        assert dialog.password.hasFocus(), dialog.errors.message("login")
        type_text(self.qtbot, dialog.password, password)
        self.qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
        assert dialog.result() == LoginDialog.DialogCode.Accepted, dialog.errors.message("password")
        window = MainWindow(Path(self.engine.url.database), self.engine, self.factory, settings=self.settings,
                            user=dialog.user)
        self.qtbot.addWidget(window)
        window.resize(1300, 850)
        window.show()
        self.qtbot.waitExposed(window)
        self.window = window
        return window

    def log_out(self) -> None:
        assert self.window is not None
        self.window.idle_lock.timer.stop()
        self.window.logout_action.trigger()  # Fichier → Se déconnecter
        assert self.window.logged_out and not self.window.isVisible()
        self.window = None


def copy_base(engine, target: Path) -> None:
    """The base as committed (its write-ahead log folded in first), as a second base."""
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(engine.url.database, target)


def areas_of(window: MainWindow) -> list[str]:
    return [window.nav.item(r).text() for r in range(window.nav.count())]


def first_names(window: MainWindow) -> list[str]:
    window.show_area("children")
    area = window.screen("children")
    area.wait_loaded()
    return sorted(area.proxy.index(r, COL_FIRST_NAME).data() for r in range(area.proxy.rowCount()))


def fill(values: dict):
    """FormDialog.exec replaced: the fields typed, Enregistrer clicked (a refusal fails the step)."""
    def exec_(dialog: FormDialog) -> int:
        for name, value in values.items():
            dialog.fields[name].set_value(value)
        assert dialog.save(), (dialog.errors.shown_field, dialog.errors.shown_message)
        return dialog.result()
    return exec_


def test_three_roles_on_one_base(qtbot, engine, factory, tmp_path, monkeypatch, base):
    started = time.perf_counter()
    app = App(qtbot, engine, factory, tmp_path, monkeypatch)

    # --- 1. The coordinator logs in and creates the référent's and the secretariat's accounts
    win = app.log_in("coord", COORD_PASSWORD)
    assert "Utilisateurs" in areas_of(win) and win.ctx.role is Role.COORDINATOR
    win.show_area("users")
    users_area = win.screen("users")
    monkeypatch.setattr(FormDialog, "exec", fill({
        "first_name": "Amélie", "last_name": "Roussel", "login": "a.roussel", "role": Role.REFERENT,
        "password": REF_A_PASSWORD, "confirmation": REF_A_PASSWORD}))
    assert users_area.new_button.isVisible()
    users_area.new_button.click()
    monkeypatch.setattr(FormDialog, "exec", fill({
        "first_name": "Nadia", "last_name": "Haddad", "login": "n.haddad", "role": Role.SECRETARIAT,
        "password": SECRETARIAT_PASSWORD, "confirmation": SECRETARIAT_PASSWORD}))
    users_area.new_button.click()
    assert sorted(users_area.list.column_texts(1)) == ["a.roussel", "coord", "n.haddad", "ref"]
    with factory() as s:
        ref_a = s.query(User).filter_by(login="a.roussel").one().id
    with db.session_scope(factory, 1) as s:  # Amélie's caseload: Léa, sent to the same partner
        lea = family_with_child(s, name="Dupont", first_name="Léa", referent_id=ref_a)
        lea.entry_date = dt.date(2026, 10, 1)
        care_referral(s, lea, s.get(Child, base["noe"]).care_referrals[0].partner,
                      s.get(Child, base["noe"]).care_referrals[0].convention)
        lea_id = lea.id
    win.ctx.data_changed.emit()
    assert first_names(win) == ["Léa", "Noé"]
    app.log_out()

    # --- 2. Référent A: their child only; B's file refused; a private note --------------
    win = app.log_in("a.roussel", REF_A_PASSWORD)
    assert win.ctx.user_id == ref_a and "Utilisateurs" not in areas_of(win) and "Journal" not in areas_of(win)
    assert first_names(win) == ["Léa"]
    assert win.open_child_file(base["noe"]) is None  # forced: the file does not open, a message says why
    assert len(app.warnings) == 1 and base["noe"] not in win.child_files
    assert app.warnings[0].startswith("Dossier non ouvert : "), app.warnings  # not « introuvable »: it exists
    with win.ctx.read() as s, pytest.raises(DomainError):
        child_file.identity(s, base["noe"])  # the service refuses by itself
    area = win.screen("children")
    area.table.activated.emit(area.proxy.index(0, COL_FIRST_NAME))  # Enter on Léa's row
    file: ChildFile = win.child_files[lea_id]
    notes_tab = next(t for t in file.tab_widgets() if t.title == "Notes privées")
    file.tabs.setCurrentWidget(notes_tab)
    monkeypatch.setattr(FormDialog, "exec", fill({"text": "Maman inquiète au sujet du collège."}))
    assert notes_tab.add_note()
    assert notes_tab.notes.model.rowCount() == 1
    file.close()
    app.log_out()

    # --- 3. The coordinator: no sight of the note; shares Noé with A; moves A's caseload to B
    win = app.log_in("coord", COORD_PASSWORD)
    win.show_area("children")
    file = win.open_child_file(lea_id)
    notes_tab = next(t for t in file.tab_widgets() if t.title == "Notes privées")
    file.tabs.setCurrentWidget(notes_tab)
    assert notes_tab.notes.model.rowCount() == 0  # the coordinator's own notes only: none
    file.close()
    file = win.open_child_file(base["noe"])
    shares_tab = next(t for t in file.tab_widgets() if t.title == "Partage")
    file.tabs.setCurrentWidget(shares_tab)
    monkeypatch.setattr(FormDialog, "exec", fill({"user_id": ref_a}))
    assert shares_tab.share()
    file.close()
    with factory() as s:
        assert [(x.child_id, x.user_id) for x in s.query(ChildShare)] == [(base["noe"], ref_a)]
        assert s.query(PrivateNote).count() == 1
    monkeypatch.setattr(FormDialog, "exec", fill({"from_id": ref_a, "to_id": 2}))
    win.transfer_action.trigger()  # Enfants → Transférer une file active…
    with factory() as s:
        assert {c.first_name: c.referent_id for c in s.query(Child)} == {"Léa": 2, "Noé": 2}
    app.log_out()

    # --- 4. The secretariat: Séances, a session typed in the grid; no file, no note, no reason
    win = app.log_in("n.haddad", SECRETARIAT_PASSWORD)
    assert "Enfants" not in areas_of(win) and "Séances" in areas_of(win)
    assert not win.has_area("children") and "Journal" not in areas_of(win)
    win.show_area("sessions")
    sessions = win.screen("sessions")
    sessions.month.setDate(QDate(2026, 11, 1))
    sessions.partner.setCurrentIndex(sessions.partner.findData(base["partner"]))
    from pre_desktop.ui.sessions_grid import COL_SESSIONS

    assert sorted(line.row.last_name for line in sessions.model.lines) == ["Dupont", "Moreau"]
    headers = [sessions.model.headerData(c, Qt.Orientation.Horizontal) for c in range(sessions.model.columnCount())]
    shown = " ".join(str(sessions.model.index(r, c).data() or "") for r in range(sessions.model.rowCount())
                     for c in range(sessions.model.columnCount()))
    assert "Motif" not in " ".join(map(str, headers)) and "Notes du dossier" not in shown
    row = next(n for n, line in enumerate(sessions.model.lines) if line.row.last_name == "Moreau")
    grid = sessions.grid
    grid.setCurrentIndex(sessions.model.index(row, COL_SESSIONS))
    grid.setFocus()
    qtbot.keyClicks(grid, "1")
    editor = grid.focusWidget()
    qtbot.keyClicks(editor, "8")  # « 18 »: the 18th, present, individual
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.wait(20)
    assert sessions.save(), sessions.status.text()
    with factory() as s:
        assert [x.session_date for x in s.query(CareSession)] == [dt.date(2026, 11, 18)]
    with win.ctx.read() as s, pytest.raises(DomainError):
        child_file.identity(s, base["noe"])
    with win.ctx.read() as s, pytest.raises(DomainError):
        child_file.referral_rows(s, base["noe"])
    app.log_out()

    # --- 5. The coordinator: the Journal shows A's consultation of Léa's file; the figures
    win = app.log_in("coord", COORD_PASSWORD)
    win.show_area("audit")
    journal = win.screen("audit")
    journal.user_filter.setCurrentIndex(journal.user_filter.findData(ref_a))
    journal.action_filter.setCurrentIndex(journal.action_filter.findData(AuditAction.VIEW))
    rows = [journal.list.row_at(n) for n in range(journal.list.row_count())]
    assert [(r.user_name, r.child_id) for r in rows] == [("Amélie Roussel", lea_id)], rows
    win.show_area("dashboard")
    board = win.screen("dashboard")
    assert board.wait_loaded(10_000)
    assert board.cards["children_followed"].value.text() == "2"
    assert board.cards["new_entries"].value.text() == "2"
    app.log_out()

    # --- 6. Référent B now has both files; A has Noé through the share only
    win = app.log_in("ref", REF_B_PASSWORD)
    assert first_names(win) == ["Léa", "Noé"]
    app.log_out()
    win = app.log_in("a.roussel", REF_A_PASSWORD)
    assert first_names(win) == ["Noé"]
    app.log_out()
    assert time.perf_counter() - started < 10


def test_another_base_opened_with_another_roles_account_gets_that_roles_window(
        qtbot, engine, factory, tmp_path, monkeypatch, base):
    """Fichier → Ouvrir une autre base, logged in there as a référent: the coordinator's
    areas (Utilisateurs, Journal…) and menus must not stay on screen for them."""
    from pre_desktop.migrate import open_database
    from pre_desktop.services.users import user_row
    from pre_desktop.ui import main_window

    app = App(qtbot, engine, factory, tmp_path, monkeypatch)
    win = app.log_in("coord", COORD_PASSWORD)
    for n in range(win.nav.count()):  # every area built, as after a day's work
        win.nav.setCurrentRow(n)
    other = tmp_path / "autre.sqlite"
    copy_base(engine, other)
    monkeypatch.setattr(main_window, "ask_login",
                        lambda parent, fac, name, settings: user_row(fac(), 2))  # Karim, référent
    assert win.open_path(other), app.warnings
    assert win.logged_out and not win.isVisible()  # this window was the coordinator's
    opened, user = win.next_session
    assert opened.path == other and user.role is Role.REFERENT
    # what app.run_app does next: the référent's window on the other base
    successor = MainWindow(opened.path, opened.engine, opened.factory, settings=app.settings, user=user)
    qtbot.addWidget(successor)
    assert "Utilisateurs" not in areas_of(successor) and "Journal" not in areas_of(successor)
    assert not hasattr(successor, "transfer_action")
    assert first_names(successor) == ["Noé"]
    successor.idle_lock.timer.stop()
    successor.close()
    opened.engine.dispose()
    engine2, _ = open_database(other)  # the base itself was left as it was
    engine2.dispose()


def test_another_base_with_the_same_role_goes_on_in_the_same_window(qtbot, engine, factory, tmp_path, monkeypatch,
                                                                    base):
    from pre_desktop.services.users import user_row
    from pre_desktop.ui import main_window

    app = App(qtbot, engine, factory, tmp_path, monkeypatch)
    win = app.log_in("coord", COORD_PASSWORD)
    other = tmp_path / "autre.sqlite"
    copy_base(engine, other)
    monkeypatch.setattr(main_window, "ask_login", lambda parent, fac, name, settings: user_row(fac(), 1))
    assert win.open_path(other)
    assert not win.logged_out and win.next_session is None and win.db_path == other.resolve()
    win.idle_lock.timer.stop()
    win.close()


def test_a_referent_reads_partners_and_conventions_in_forms_that_take_no_typing(
        qtbot, engine, factory, tmp_path, monkeypatch, base):
    from PySide6.QtWidgets import QLineEdit

    app = App(qtbot, engine, factory, tmp_path, monkeypatch)
    win = app.log_in("ref", REF_B_PASSWORD)
    conventions = win.screen("conventions")
    form = conventions.form
    assert form.heading.text() == "Choisissez une convention dans la liste"  # not « Nouvelle convention »
    form.load(base["convention"])
    assert not form.terms_box.isEnabled() and not form.people_box.isEnabled()
    assert not form.w["reference"].isEnabled()
    partners = win.screen("partners")
    partners.form.load(None)
    assert all(edit.isReadOnly() for edit in partners.form.findChildren(QLineEdit))
    app.log_out()
    win = app.log_in("coord", COORD_PASSWORD)  # the directory's roles still type
    assert win.screen("conventions").form.heading.text() == "Nouvelle convention"
    assert win.screen("conventions").form.terms_box.isEnabled()
    assert not any(edit.isReadOnly() for edit in win.screen("partners").form.inputs.values())
    app.log_out()
