"""What each role sees in the window: the areas, the children list, the file's private notes
and sharing, the caseload transfer (the services refuse anyway: tests/services/test_access_*)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))

from access_fixtures import COORD, KARIM, SECRETARIAT, SOPHIE, World, world  # noqa: E402,F401 - fixture

from pre_desktop.models import ChildShare, PrivateNote  # noqa: E402
from pre_desktop.services import children_list  # noqa: E402
from pre_desktop.services.users import user_row  # noqa: E402
from pre_desktop.ui.children_model import COL_FIRST_NAME  # noqa: E402
from pre_desktop.ui.main_window import MainWindow  # noqa: E402

OUT = Path("/tmp/access_ui")


def window_as(qtbot, engine, factory, tmp_path, user_id: int) -> MainWindow:
    with factory() as s:
        user = user_row(s, user_id)
    win = MainWindow(Path(engine.url.database), engine, factory, user=user,
                     settings=QSettings(str(tmp_path / f"s{user_id}.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    return win


def areas_of(win: MainWindow) -> list[str]:
    return [win.nav.item(r).text() for r in range(win.nav.count())]


def test_a_referent_sees_only_their_children_in_the_enfants_list(qtbot, engine, factory, tmp_path, world: World):
    win = window_as(qtbot, engine, factory, tmp_path, KARIM)
    win.show_area("children")
    area = win.screen("children")
    proxy = area.proxy
    assert [proxy.index(r, COL_FIRST_NAME).data() for r in range(proxy.rowCount())] == ["Léa"]
    assert "Paramètres" not in areas_of(win) and "Enfants" in areas_of(win)
    assert not hasattr(win, "transfer_action")  # the coordinator's
    child = win.open_child_file(world.lea)
    titles = [child.tabs.tabText(n) for n in range(child.tabs.count())]
    assert "Notes privées" in titles and "Partage" not in titles
    win.close()


def test_the_secretariat_has_partners_conventions_and_sessions_only(qtbot, engine, factory, tmp_path, world: World):
    win = window_as(qtbot, engine, factory, tmp_path, SECRETARIAT)
    assert areas_of(win) == ["À traiter", "Partenaires", "Conventions", "Séances", "Documents"]
    assert not hasattr(win, "new_referral_action")  # no Enfants menu
    win.show_area("sessions")
    win.close()


def test_private_notes_tab_writes_and_lists_the_authors_notes(qtbot, engine, factory, tmp_path, world: World,
                                                               monkeypatch):
    OUT.mkdir(exist_ok=True)
    win = window_as(qtbot, engine, factory, tmp_path, KARIM)
    child = win.open_child_file(world.lea)
    tab = next(t for t in child.tab_widgets() if t.title == "Notes privées")
    child.tabs.setCurrentWidget(tab)
    dialog = tab.note_dialog()
    dialog.fields.load({"text": "Maman inquiète au sujet du collège.\nRappeler jeudi."})
    dialog.show()
    dialog.grab().save(str(OUT / "private_note_dialog.png"))
    assert dialog.save()
    tab.refresh()
    assert tab.notes.model.rowCount() == 1
    child.resize(1040, 600)
    child.grab().save(str(OUT / "private_notes_tab.png"))
    monkeypatch.setattr("pre_desktop.ui.child_tabs.private_notes.confirm", lambda *a, **k: True)
    tab.notes.table.selectRow(0)
    assert tab.delete_note(tab.selected())
    with factory() as s:
        assert s.query(PrivateNote).count() == 0
    win.close()


def test_the_coordinator_shares_a_file_then_removes_the_share(qtbot, engine, factory, tmp_path, world: World,
                                                              monkeypatch):
    OUT.mkdir(exist_ok=True)
    win = window_as(qtbot, engine, factory, tmp_path, COORD)
    child = win.open_child_file(world.noe)
    tab = next(t for t in child.tab_widgets() if t.title == "Partage")
    child.tabs.setCurrentWidget(tab)
    dialog = tab.share_dialog()
    dialog.show()
    dialog.grab().save(str(OUT / "share_dialog.png"))
    assert dialog.fields.values()["user_id"] == KARIM and dialog.save()
    tab.refresh()
    child.resize(1040, 600)
    child.grab().save(str(OUT / "shares_tab.png"))
    with factory() as s:
        s.info["user_id"] = KARIM
        assert world.noe in children_list.children_table(s).ids
    monkeypatch.setattr("pre_desktop.ui.child_tabs.shares.confirm", lambda *a, **k: True)
    tab.shares.table.selectRow(0)
    assert tab.unshare(tab.selected())
    with factory() as s:
        assert s.query(ChildShare).count() == 0
    win.close()


def test_the_transfer_asks_with_the_count_and_moves_the_caseload(qtbot, engine, factory, tmp_path, world: World,
                                                                 monkeypatch):
    OUT.mkdir(exist_ok=True)
    from pre_desktop.ui import caseload_actions

    win = window_as(qtbot, engine, factory, tmp_path, COORD)
    assert win.transfer_action.text() == "&Transférer une file active…"
    dialog = caseload_actions.transfer_dialog(win.ctx, win)
    dialog.fields.load({"from_id": SOPHIE, "to_id": KARIM})
    dialog.show()
    dialog.grab().save(str(OUT / "transfer_dialog.png"))
    asked = []

    def answer(parent, title, text, *args):
        asked.append(text)
        return QMessageBox.StandardButton.No if len(asked) == 1 else QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    assert not dialog.save()  # said no: nothing moved, the dialog stays
    with factory() as s:
        s.info["user_id"] = SOPHIE
        assert children_list.children_table(s).ids == [world.noe]
    assert dialog.save()
    assert asked[0].startswith("Le dossier de la file active de Sophie Leroy va être confié à Karim Benali")
    with factory() as s:
        s.info["user_id"] = KARIM
        assert set(children_list.children_table(s).ids) == {world.lea, world.noe}
    win.close()


@pytest.mark.parametrize("user_id", [COORD, KARIM])
def test_the_enfants_menu_offers_the_transfer_to_the_coordinator_only(qtbot, engine, factory, tmp_path, world, user_id):
    win = window_as(qtbot, engine, factory, tmp_path, user_id)
    assert hasattr(win, "transfer_action") == (user_id == COORD)
    win.close()


def test_a_window_built_without_a_login_acts_as_the_first_coordinator(qtbot, engine, factory, tmp_path):
    win = MainWindow(Path(engine.url.database), engine, factory,
                     settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    assert "Paramètres" in areas_of(win) and win.ctx.user_id == COORD  # tests, tools/screenshot.py
    win.close()


def test_actions_a_role_cannot_do_are_out_of_sight(qtbot, engine, factory, tmp_path, world: World):
    ref = window_as(qtbot, engine, factory, tmp_path, KARIM)
    partners, conventions = ref.screen("partners"), ref.screen("conventions")
    eps_area, sessions_area = ref.screen("eps"), ref.screen("sessions")
    assert partners.new_button.isHidden() and partners.form.save_button.isHidden()
    assert not partners.export_button.isHidden()  # reading the directory is everyone's
    assert conventions.new_button.isHidden() and conventions.form.sign_button.isHidden()
    assert eps_area.new_button.isHidden() and eps_area.meeting_page.edit_button.isHidden()
    assert not eps_area.open_button.isHidden()
    assert sessions_area.documents_button.isHidden() and not sessions_area.one_button.isHidden()
    child = ref.open_child_file(world.lea)
    assert not child.identity.referent.widget.isEnabled()
    ref.close()
    secretariat = window_as(qtbot, engine, factory, tmp_path, SECRETARIAT)
    partners, sessions_area = secretariat.screen("partners"), secretariat.screen("sessions")
    assert not partners.new_button.isHidden() and partners.types_button.isHidden()
    assert not sessions_area.documents_button.isHidden()
    secretariat.close()
    coordinator = window_as(qtbot, engine, factory, tmp_path, COORD)
    assert not coordinator.screen("partners").types_button.isHidden()
    assert not coordinator.screen("eps").new_button.isHidden()
    assert coordinator.open_child_file(world.noe).identity.referent.widget.isEnabled()
    coordinator.close()


@pytest.mark.parametrize("user_id", [KARIM, SECRETARIAT])
def test_the_headless_check_visits_the_areas_of_the_logged_in_role(qtbot, engine, factory, tmp_path, world: World,
                                                                    user_id):
    # `--login … --quit-after` of a référent or the secretariat exited 1 on an area not theirs.
    from pre_desktop import app as app_module

    win = window_as(qtbot, engine, factory, tmp_path, user_id)
    assert app_module.visit_areas(win) == areas_of(win)
    win.close()
