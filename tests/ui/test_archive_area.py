"""The Archivage area and the archived child file, used as the coordinator (and refused
to the others): archive after a confirmation, open read-only with a reason, anonymise;
the family's agreement recorded with its scanned document."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog, QLineEdit, QMessageBox, QPlainTextEdit
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))

from care_fixtures import family_with_child  # noqa: E402
from retention_fixtures import old_file  # noqa: E402

from pre_desktop import db  # noqa: E402
from pre_desktop.models import AuditAction, AuditEvent, Child, ChildStatus, Consent, Role  # noqa: E402
from pre_desktop.services import clock, retention  # noqa: E402
from pre_desktop.services.users import UserRow  # noqa: E402
from pre_desktop.ui import archive_area  # noqa: E402
from pre_desktop.ui.archived_file import ArchiveReasonDialog  # noqa: E402
from pre_desktop.ui.form_dialog import FormDialog  # noqa: E402
from pre_desktop.ui.main_window import MainWindow  # noqa: E402

D = dt.date
COORDINATOR = UserRow(1, "coord", "Claire Martin", Role.COORDINATOR, "coordinateur", True)
REFERENT = UserRow(2, "ref", "Karim Benali", Role.REFERENT, "référent de parcours", True)


@pytest.fixture
def files(factory, tmp_path):
    """Two old ended files (to archive) and a current one."""
    made = old_file(factory, tmp_path)
    with db.session_scope(factory, 1) as s:
        other = family_with_child(s, name="Ancien", consent=False)
        other.status, other.last_contact_on, other.entry_date = ChildStatus.ENDED, D(2023, 5, 2), D(2022, 1, 3)
        current = family_with_child(s, name="Actuel", consent=False)
        current.last_contact_on = D(2026, 11, 2)
        s.flush()
        return {"old": made.child_id, "other": other.id, "current": current.id, "made": made}


@pytest.fixture
def win(qtbot, engine, factory, tmp_path):
    window = MainWindow(Path(engine.url.database), engine, factory,
                        settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    window.ctx.user = COORDINATOR
    window.show()
    yield window
    for file in list(window.child_files.values()):
        file._discard = True
        file.close()
    window.close()
    window.deleteLater()


def area_of(win: MainWindow) -> archive_area.ArchiveArea:
    win.show_area("archive")
    area = win.screen("archive")
    area.refresh()
    return area


def test_the_coordinator_archives_selected_files_after_a_confirmation(qtbot, win, files, monkeypatch, factory):
    area = area_of(win)
    assert [r.child_id for r in area.candidates.model.rows] == [files["other"], files["old"]]  # oldest contact first
    assert area.candidates.column_texts(2) == ["02/05/2023", "10/03/2024"]  # typed; the last session held
    assert "plus de 2 ans" in area.rule.text() and "Dernier contact" in area.rule.text()
    assert not area.archive_button.isEnabled()
    area.candidates.table.selectAll()
    shown: list[list[str]] = []

    def confirm(dialog: QDialog) -> int:
        shown.append(dialog.list.column_texts(0))
        return 1

    monkeypatch.setattr(archive_area.ConfirmList, "exec", confirm)
    area.archive_button.click()
    assert shown == [["ANCIEN Léa", "ZEPHYRIN Oriane"]]
    assert area.candidates.row_count() == 0
    assert sorted(r.child_id for r in area.archived.model.rows) == sorted([files["old"], files["other"]])
    assert area.archived.text_at(0, 1) == "22/11/2026" and area.archived.text_at(0, 3) == "22/11/2029"
    children = win.screen("children")
    children.refresh()
    with factory() as s:
        assert s.scalars(select(Child.id).where(Child.archived_on.is_not(None))).all() == sorted(
            [files["old"], files["other"]])


def test_declining_the_confirmation_archives_nothing(qtbot, win, files, monkeypatch, db_snapshot):
    area = area_of(win)
    area.candidates.table.selectAll()
    monkeypatch.setattr(archive_area.ConfirmList, "exec", lambda dialog: 0)
    before = db_snapshot()
    assert not area.archive_selected()
    assert db_snapshot() == before


def test_other_roles_see_why_the_area_is_not_theirs(qtbot, win, files):
    win.ctx.user = REFERENT
    area = area_of(win)
    assert area.body.isHidden() and "réservé au coordinateur" in area.rule.text()


def _archive(factory, child_id: int) -> None:
    with db.session_scope(factory, 1) as s:
        retention.archive_children(s, [child_id])


def test_an_archived_file_opens_read_only_after_a_reason(qtbot, win, files, monkeypatch, factory):
    _archive(factory, files["old"])

    def give_reason(dialog: ArchiveReasonDialog) -> int:
        assert not dialog.save()  # no reason: refused under the field
        assert dialog.errors.shown_field == "reason"
        dialog.reason.set_value("Demande de la famille (droit d'accès)")
        assert dialog.save()
        return dialog.result()

    monkeypatch.setattr(ArchiveReasonDialog, "exec", give_reason)
    area = area_of(win)
    area.archived.table.selectRow(0)
    area.open_button.click()
    file = win.child_files[files["old"]]
    qtbot.waitExposed(file)
    assert file.archive_banner.isVisible()
    assert file.archive_banner.text() == "Dossier archivé le 22/11/2026 — lecture seule"
    assert file.save_button.isHidden() and file.revert_button.isHidden()
    assert file.identity.child_fields["last_name"].widget.isReadOnly()
    assert all(edit.isReadOnly() for edit in file.identity.findChildren(QLineEdit) + file.identity.findChildren(QPlainTextEdit))
    assert file.identity.add_guardian_button.isHidden() and file.identity.consent_button.isHidden()
    assert file.referrals.add_button.isHidden() and not file.documents.open_button.isHidden()
    with factory() as s:
        views = s.scalars(select(AuditEvent).where(AuditEvent.child_id == files["old"],
                                                   AuditEvent.action == AuditAction.VIEW)).all()
        assert [v.summary for v in views] == ["Consultation du dossier archivé — motif : Demande de la famille "
                                              "(droit d'accès)"]


def test_a_referent_is_told_the_file_is_archived(qtbot, win, files, monkeypatch, factory, db_snapshot):
    _archive(factory, files["old"])
    win.ctx.user = REFERENT
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a: told.append(text))
    before = db_snapshot()
    assert win.open_child_file(files["old"]) is None
    assert "seul un coordinateur" in told[0] and files["old"] not in win.child_files
    assert db_snapshot() == before


def test_files_at_the_end_of_the_archive_period_are_anonymised(qtbot, win, files, monkeypatch, factory):
    _archive(factory, files["old"])
    clock.set_today(D(2029, 11, 22))
    area = area_of(win)
    assert [r.child_id for r in area.due.model.rows] == [files["old"]]
    area.due.table.selectAll()
    listed: list[list[str]] = []

    def confirm(dialog: QDialog) -> int:
        listed.append(dialog.list.column_texts(0))
        return 1

    monkeypatch.setattr(archive_area.ConfirmList, "exec", confirm)
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a: told.append(text))
    area.anonymise_button.click()
    assert listed == [["ZEPHYRIN Oriane"]]
    assert told == ["1 dossier anonymisé."]
    assert area.due.row_count() == 0 and "1 dossier anonymisé, conservé pour les statistiques." == area.anonymised.text()
    assert not Path(files["made"].document_file).exists()
    with factory() as s:
        assert s.get(Child, files["old"]).last_name == "Anonyme"


def test_the_agreement_is_recorded_with_its_scanned_document(qtbot, win, files, monkeypatch, factory, tmp_path):
    scan = tmp_path / "scans" / "accord Actuel.pdf"
    scan.parent.mkdir()
    scan.write_bytes(b"%PDF-1.4 accord")
    file = win.open_child_file(files["current"])
    qtbot.waitExposed(file)
    assert file.identity.consents.row_count() == 0

    def fill(dialog: FormDialog) -> int:
        assert dialog.fields["given_on"].value() == "22/11/2026"
        dialog.fields["given_by"].set_value("Mme Actuel")
        dialog.fields["scope"].set_value("Orientation soin")
        dialog.fields["document_path"].set_value(str(tmp_path / "scans" / "perdu.pdf"))
        assert not dialog.save() and dialog.errors.shown_field == "document_path"
        dialog.fields["document_path"].set_value(str(scan))
        assert dialog.save()
        return dialog.result()

    monkeypatch.setattr(FormDialog, "exec", fill)
    file.identity.consent_button.click()
    with factory() as s:
        stored = s.scalars(select(Consent.document_path).where(Consent.given_by == "Mme Actuel")).one()
    assert Path(stored).parent == (Path(win.ctx.db_path).parent / "accords") and Path(stored).read_bytes() == scan.read_bytes()
    assert file.identity.consents.column_texts(1) == ["Mme Actuel"]
    assert file.identity.consents.text_at(0, 3) == "en cours" and file.identity.consents.text_at(0, 4) == "Oui"
    opened: list[str] = []
    from pre_desktop.ui.child_tabs import identity
    monkeypatch.setattr(identity.QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    file.identity.consents.table.selectRow(0)
    assert file.identity.open_consent_button.isEnabled()
    file.identity.open_consent_button.click()
    assert opened == [stored]


def test_the_retention_periods_are_set_in_the_settings(qtbot, factory, engine, tmp_path, db_snapshot):
    from pre_desktop.services.settings import get_settings
    from pre_desktop.ui.context import AppContext
    from pre_desktop.ui.settings_area import SettingsArea

    ctx = AppContext(Path(engine.url.database), engine, factory,
                     QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    area = SettingsArea(ctx)
    qtbot.addWidget(area)
    assert {f: e.text() for f, e in area.retention_inputs.items()} == {"retention_years": "2", "archive_years": "3"}
    area.inputs["pre_name"].setText("PRE de Ville-Exemple")
    area.retention_inputs["archive_years"].setText("cinq")
    before = db_snapshot()
    assert not area.save()
    assert "nombre d'années" in area.errors.message("archive_years") and db_snapshot() == before
    area.retention_inputs["archive_years"].setText("5")
    area.retention_inputs["retention_years"].setText("1")
    assert area.save()
    with ctx.read() as s:
        row = get_settings(s)
        assert (row.retention_years, row.archive_years) == (1, 5)


def test_an_archived_file_is_reactivated_after_a_confirmation(qtbot, win, files, monkeypatch, factory):
    _archive(factory, files["old"])
    area = area_of(win)
    area.archived.table.selectRow(0)
    monkeypatch.setattr(archive_area.ConfirmList, "exec", lambda dialog: 1)
    assert area.reactivate_selected()
    assert area.archived.row_count() == 0
    with factory() as s:
        assert s.get(Child, files["old"]).archived_on is None
