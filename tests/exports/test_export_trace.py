"""Every file the app writes leaves an audit event saying what was exported: kind and
period (the title), format, number of children, file name — one event per child for a
document that names children, so each child's trail says where their data went."""

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))

import pytest  # noqa: E402
from care_fixtures import (  # noqa: E402
    add_sessions,
    care_referral as make_cr,
    convention as make_convention,
    family_with_child,
    partner as make_partner,
)
from sqlalchemy import select  # noqa: E402

from pre_desktop import cli, db  # noqa: E402
from pre_desktop.exports.liaisons_list import write_liaisons_xlsx  # noqa: E402
from pre_desktop.exports.monthly_table import export_month_batch, export_monthly  # noqa: E402
from pre_desktop.exports.partners_directory import export_directory  # noqa: E402
from pre_desktop.models import (  # noqa: E402
    AuditAction,
    AuditEvent,
    EpsMeeting,
    EpsMember,
    PartnerContact,
    StructureSettings,
    User,
)
from pre_desktop.services import audit, file_history, liaisons  # noqa: E402

D = dt.date


@pytest.fixture
def october(factory):
    """Two children followed at the Association Filigrane in October, one elsewhere."""
    with db.session_scope(factory, 1) as s:
        s.add(StructureSettings(pre_name="PRE de Corbeil-Essonnes"))
        p = make_partner(s)
        conv = make_convention(s, p)
        a = family_with_child(s, name="Arnaud", first_name="Inès")
        b = family_with_child(s, name="Blanc", first_name="Théo")
        c = family_with_child(s, name="Cissé", first_name="Awa")
        add_sessions(s, make_cr(s, a, p, conv), [D(2026, 10, 5)])
        add_sessions(s, make_cr(s, b, p, conv), [D(2026, 10, 6)])
        add_sessions(s, make_cr(s, c, make_partner(s, name="CMP Autre"), None), [D(2026, 10, 7)])
        return p.id, a.id, b.id, c.id


def _exports(factory):
    with factory() as s:
        return s.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)
                         .order_by(AuditEvent.id)).all()


def test_monthly_table_leaves_one_event_per_child_named(factory, october, tmp_path):
    pid, a, b, c = october
    with db.session_scope(factory, 1) as s:  # the coordinator's (or the secretariat's) document
        export_monthly(s, pid, 2026, 10, "pdf", tmp_path / "Tableau octobre.pdf")
    events = _exports(factory)
    assert sorted(e.child_id for e in events) == [a, b]  # not Cissé, followed by another partner
    for event in events:
        assert event.user_id == 1 and event.family_id is not None
        assert "octobre 2026" in event.summary and "(PDF)" in event.summary
        assert "2 enfants" in event.summary and "fichier : Tableau octobre.pdf" in event.summary
    with factory() as s:  # and the child's Historique tab says it
        line = next(x for x in file_history.history(s, a) if x.action is AuditAction.EXPORT)
        assert "Tableau octobre.pdf" in line.after and line.user_name == "Claire Martin"


def test_monthly_batch_is_traced_per_partner_and_child(factory, october, tmp_path):
    pid, a, b, c = october
    result = export_month_batch(factory, 1, 2026, 10, tmp_path / "lot", ["xlsx"])
    assert len(result.written) == 2
    events = _exports(factory)
    assert sorted(e.child_id for e in events) == sorted([a, b, c])
    assert {e.user_id for e in events} == {1}
    assert all(".xlsx" in e.summary for e in events)


def test_lists_without_names_in_the_trail_say_how_many_children(factory, october, tmp_path):
    with db.session_scope(factory, 1) as s:
        rows = liaisons.list_liaisons(s)
        write_liaisons_xlsx(s, rows, tmp_path / "fiches.xlsx")
        export_directory(s, tmp_path / "annuaire.xlsx")
    listed, directory = _exports(factory)
    assert listed.child_id is None and "3 enfants" in listed.summary and "fichier : fiches.xlsx" in listed.summary
    assert "Annuaire des partenaires" in directory.summary and "annuaire.xlsx" in directory.summary


def test_a_copy_of_the_base_from_the_command_line_is_traced(engine, factory, october, tmp_path):
    path = Path(engine.url.database)
    assert cli.main(["backup", "--db", str(path), "--out", str(tmp_path / "copie.sqlite")]) == 0
    (event,) = _exports(factory)
    assert event.entity == "database" and event.user_id is None
    assert event.summary == "Copie de la base (SQLITE) — 3 enfants — fichier : copie.sqlite"


def test_record_export_with_no_child_named_keeps_the_count(session):
    audit.record_export(session, "Journal des accès", entity="audit_events", file_format="xlsx",
                        file_path="/tmp/journal.xlsx", children=1)
    session.flush()
    (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).all()
    assert event.summary == "Journal des accès (XLSX) — 1 enfant — fichier : journal.xlsx"


def test_accounts_are_traced_without_their_password_hash(factory):
    with db.session_scope(factory, 1) as s:
        user = s.get(User, 2)
        user.password_hash = "$argon2id$v=19$secret"
        user.failed_logins = 3
        user.last_login_at = dt.datetime(2026, 11, 22, 8, 0)
    with db.session_scope(factory, 1) as s:
        s.get(User, 2).active = False
    with factory() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.entity == "users",
                                                   AuditEvent.action == AuditAction.UPDATE)).all()
    assert [(e.action, e.changes) for e in events] == [(AuditAction.UPDATE, {"active": [True, False]})]
    assert "argon2" not in str([e.changes for e in events])


def test_professionals_personal_data_is_traced(factory, october):
    pid = october[0]
    with db.session_scope(factory, 1) as s:
        s.add(PartnerContact(partner_id=pid, name="Dr Sophie Marchand", phone="01 60 00 00 00"))
        meeting = EpsMeeting(meeting_date=D(2026, 11, 10))
        s.add(meeting)
        s.flush()
        s.add(EpsMember(meeting_id=meeting.id, name="Mme Leroy", function="Directrice d'école"))
    with factory() as s:
        entities = {e.entity: e for e in s.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.CREATE))}
    assert entities["partner_contacts"].changes["name"] == [None, "Dr Sophie Marchand"]
    assert entities["eps_members"].changes["function"] == [None, "Directrice d'école"]
