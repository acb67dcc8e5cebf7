"""GDPR life cycle: archive list by the last contact, read-only archive, opening with a
reason, anonymisation that leaves nothing of the person in the database file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from pre_desktop import db
from pre_desktop.models import (
    AuditAction,
    AuditEvent,
    CareReferral,
    CareReferralState,
    CareSession,
    Child,
    ChildStatus,
    Consent,
    EpsDecision,
    EpsMeeting,
    Family,
    Guardian,
    Pathway,
    Role,
    Sex,
    User,
)
from pre_desktop.services import clock, consent, referrals, retention, sessions
from pre_desktop.services import children as children_service
from pre_desktop.services.children_list import children_table
from pre_desktop.services.errors import DomainError, PermissionDeniedError
from pre_desktop.services.school_levels import anonymous_class, canonical_class, school_level
from pre_desktop.services.settings import update_settings
from pre_desktop.textnorm import fold

from care_fixtures import add_sessions, care_referral, convention, family_with_child, partner
from refusal import refused
from retention_fixtures import SECRETS, old_file

D = dt.date


def _ended(s, name: str, last: dt.date, **kw) -> Child:
    child = family_with_child(s, name=name, consent=False, **kw)
    child.status = ChildStatus.ENDED
    child.entry_date = D(2020, 1, 6)
    child.last_contact_on = last
    s.flush()
    return child


def _secretariat(factory) -> int:
    with db.session_scope(factory) as s:
        user = User(login="sec", first_name="Sam", last_name="Leroy", role=Role.SECRETARIAT)
        s.add(user)
        s.flush()
        return user.id


# --- last contact and the archive list ---------------------------------------------------


def test_last_contact_is_the_latest_dated_trace_up_to_today(session):
    child = _ended(session, "Alpha", D(2021, 1, 1))
    p = partner(session)
    cr = care_referral(session, child, p, requested_on=D(2022, 5, 2), sent_on=D(2022, 5, 3),
                       state=CareReferralState.ENDED)
    add_sessions(session, cr, [D(2023, 4, 4)])
    from pre_desktop.models import SessionStatus
    add_sessions(session, cr, [D(2023, 9, 9)], status=SessionStatus.UNEXCUSED)  # not a contact
    assert retention.last_contact(session, child.id) == D(2023, 4, 4)
    child.family.consents.append(Consent(given_on=D(2023, 6, 1), given_by="Mme Alpha"))
    session.flush()
    assert retention.last_contact(session, child.id) == D(2023, 6, 1)
    child.last_contact_on = D(2027, 1, 1)  # a typing mistake in the future does not count
    session.flush()
    assert retention.last_contact(session, child.id) == D(2023, 6, 1)


def test_candidates_follow_the_two_year_rule_with_the_setting(session):
    old = _ended(session, "Ancien", D(2024, 11, 21))  # more than 2 years before 22/11/2026
    edge = _ended(session, "Limite", D(2024, 11, 22))  # exactly 2 years: not yet
    recent = _ended(session, "Recent", D(2025, 6, 1))
    open_pathway = _ended(session, "Parcours", D(2023, 1, 1))
    session.add(Pathway(child=open_pathway, start_date=D(2022, 1, 1)))
    running = _ended(session, "Fiche", D(2023, 1, 1))
    care_referral(session, running, partner(session), requested_on=D(2023, 1, 1), sent_on=D(2023, 1, 2))
    active = _ended(session, "Actif", D(2023, 1, 1))
    active.status = ChildStatus.ACTIVE
    session.flush()

    found = retention.archive_candidates(session)
    assert [c.child_id for c in found] == [old.id]
    assert found[0].last_contact == D(2024, 11, 21)
    assert found[0].name == "ANCIEN Léa" and found[0].referent_name == "Karim Benali"

    update_settings(session, pre_name="PRE", retention_years="1")
    assert {c.child_id for c in retention.archive_candidates(session)} == {old.id, edge.id, recent.id}
    with pytest.raises(DomainError) as error:
        update_settings(session, retention_years="0")
    assert error.value.field == "retention_years"


def test_archiving_moves_the_file_out_of_the_lists(factory):
    with db.session_scope(factory, 1) as s:
        kept = _ended(s, "Garde", D(2026, 1, 1)).id
        gone = _ended(s, "Parti", D(2023, 1, 1)).id
    with db.session_scope(factory, 1) as s:
        retention.archive_children(s, [gone])
    with db.session_scope(factory, 1) as s:
        child = s.get(Child, gone)
        assert child.archived_on == clock.today() and child.archived_by_id == 1
        assert children_table(s).ids == [kept]
        assert [f.child_id for f in retention.archived_files(s)] == [gone]
        assert retention.archived_files(s)[0].anonymise_on == D(2029, 11, 22)
        assert retention.archive_candidates(s) == []
        assert [c.id for c in children_service.search_children(s, "")] == [kept]


def test_only_a_coordinator_archives(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        child_id = _ended(s, "Parti", D(2023, 1, 1)).id
    secretariat = _secretariat(factory)
    for user in (2, secretariat):
        before = db_snapshot()
        with pytest.raises(PermissionDeniedError) as error:
            with db.session_scope(factory, user) as s:
                retention.archive_children(s, [child_id])
        assert "archiver des dossiers" in error.value.message
        assert db_snapshot() == before


def test_a_file_still_in_use_is_not_archived(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        child_id = _ended(s, "Recent", D(2026, 1, 1)).id
    error = refused(factory, db_snapshot, lambda s: retention.archive_children(s, [child_id]))
    assert "n'est pas à archiver" in error.message


# --- archived = read-only ------------------------------------------------------------------


@pytest.fixture
def archived(factory, tmp_path):
    made = old_file(factory, tmp_path)
    with db.session_scope(factory, 1) as s:
        retention.archive_children(s, [made.child_id])
    return made


def test_every_write_to_an_archived_file_is_refused(factory, db_snapshot, archived):
    child_id, family_id = archived.child_id, archived.family_id
    with factory() as s:
        cr_id = s.scalars(select(CareReferral.id).where(CareReferral.child_id == child_id)).one()
        guardian_id = s.scalars(select(Guardian.id).where(Guardian.family_id == family_id)).first()
    attempts = [
        lambda s: children_service.update_child(s, child_id, expected_version=None, notes="Nouvelle note"),
        lambda s: referrals.add_referral(s, child_id=child_id, referred_on="01/10/2026", source="école",
                                         reasons="Nouveau repérage"),
        lambda s: sessions.record_session(s, care_referral_id=cr_id, session_date="16/01/2024"),
        lambda s: consent.record_consent(s, family_id, given_on="01/10/2026", given_by="Mme Kasongo"),
        lambda s: children_service.update_guardian(s, guardian_id, None, phone="07 00 00 00 00"),
        lambda s: children_service.delete_child(s, child_id),
    ]
    for attempt in attempts:
        def run(s, attempt=attempt):
            attempt(s)
            s.flush()
        assert refused(factory, db_snapshot, run).message == "Ce dossier est archivé : il ne peut plus être modifié."

    def unarchive_by_hand(s):
        s.get(Child, child_id).archived_on = None
        s.flush()
    assert "Archivage" in refused(factory, db_snapshot, unarchive_by_hand).message


def test_a_sibling_still_followed_keeps_the_family_editable(factory, tmp_path, archived):
    with db.session_scope(factory, 1) as s:
        fam = s.get(Family, archived.family_id)
        s.add(Child(family=fam, last_name="Zephyrin", first_name="Noa", birth_date=D(2016, 2, 2),
                    status=ChildStatus.ACTIVE))
    with db.session_scope(factory, 1) as s:
        children_service.update_family(s, archived.family_id, None, phone="01 02 03 04 05")


def test_a_coordinator_opens_an_archived_file_with_a_traced_reason(factory, db_snapshot, archived):
    child_id = archived.child_id
    with db.session_scope(factory, 1) as s:
        retention.record_archived_view(s, child_id, "Demande du juge des enfants")
    with factory() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.child_id == child_id,
                                                   AuditEvent.action == AuditAction.VIEW)).one()
        assert event.user_id == 1
        assert event.summary == "Consultation du dossier archivé — motif : Demande du juge des enfants"
    error = refused(factory, db_snapshot, lambda s: retention.record_archived_view(s, child_id, "  "))
    assert error.field == "reason"
    secretariat = _secretariat(factory)
    for user in (2, secretariat):
        before = db_snapshot()
        with pytest.raises(PermissionDeniedError):
            with db.session_scope(factory, user) as s:
                retention.record_archived_view(s, child_id, "Curiosité")
        assert db_snapshot() == before


# --- anonymisation -------------------------------------------------------------------------


def _variants(secret: str) -> set[bytes]:
    """How a string can sit in the file: UTF-8, folded (search columns), JSON-escaped (trail)."""
    forms = {secret, secret.lower(), fold(secret), json.dumps(secret)[1:-1], json.dumps(secret.lower())[1:-1]}
    return {f.encode("utf-8") for f in forms if f}


def _file_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


def test_anonymisation_leaves_nothing_of_the_person_in_the_file(engine, factory, archived):
    path = Path(engine.url.database)
    with factory() as s:
        before_counts = (s.scalar(select(CareSession.id).limit(1)) is not None,
                         len(s.scalars(select(EpsDecision)).all()))
    raw = _file_bytes(path).lower()
    assert [secret for secret in SECRETS if not any(v.lower() in raw for v in _variants(secret))] == []  # all there

    clock.set_today(D(2029, 11, 22))  # end of the 3-year archive period
    with db.session_scope(factory, 1) as s:
        assert [f.child_id for f in retention.anonymisation_due(s)] == [archived.child_id]
        result = retention.anonymise(s, [archived.child_id])
    assert sorted(result.files) == sorted([archived.consent_file, archived.document_file])
    deleted, left = retention.delete_files(result.files)
    assert sorted(deleted) == sorted(result.files) and left == []
    assert not Path(archived.consent_file).exists() and not Path(archived.document_file).exists()
    retention.purge_free_pages(engine)
    engine.dispose()

    raw = _file_bytes(path).lower()
    leaks = [secret for secret in SECRETS if any(v.lower() in raw for v in _variants(secret))]
    assert leaks == []

    with factory() as s:
        child = s.get(Child, archived.child_id)
        assert (child.last_name, child.first_name) == ("Anonyme", f"n° {child.id}")
        assert (child.sex, child.birth_date, child.school, child.school_class) == (Sex.FEMALE, D(2012, 5, 1), None, "CM1")
        assert (child.entry_date, child.exit_date, child.status) == (D(2022, 10, 1), D(2024, 2, 1), ChildStatus.ENDED)
        assert child.anonymised_on == D(2029, 11, 22)
        fam = s.get(Family, archived.family_id)
        assert (fam.name, fam.neighbourhood, fam.phone, fam.guardians) == ("Anonyme", "Tarterêts", None, [])
        assert fam.consents[0].given_on == D(2022, 9, 20)
        assert len(s.scalars(select(CareSession)).all()) == 3  # counts kept for statistics
        assert (s.scalar(select(CareSession.id).limit(1)) is not None,
                len(s.scalars(select(EpsDecision)).all())) == before_counts
        assert s.scalars(select(EpsMeeting.notes)).one() == "Situation très préoccupante : (effacé) (effacé), 10 ans"
        assert retention.anonymisation_due(s) == []
        assert [f.child_id for f in retention.archived_files(s, anonymised=True)] == [archived.child_id]


def test_a_family_with_a_child_still_followed_is_kept(factory, tmp_path, archived):
    with db.session_scope(factory, 1) as s:
        fam = s.get(Family, archived.family_id)
        s.add(Child(family=fam, last_name="Zephyrin", first_name="Noa", birth_date=D(2016, 2, 2),
                    status=ChildStatus.ACTIVE))
    clock.set_today(D(2029, 11, 22))
    with db.session_scope(factory, 1) as s:
        result = retention.anonymise(s, [archived.child_id])
    assert (result.children, result.families) == (1, 0)
    assert result.files == [archived.document_file]  # the family's agreement stays with it
    with factory() as s:
        fam = s.get(Family, archived.family_id)
        assert fam.name == "Zephyrin-Kasongo" and len(fam.guardians) == 2


def test_anonymisation_waits_for_the_end_of_the_archive_period(factory, db_snapshot, archived):
    clock.set_today(D(2029, 11, 21))
    error = refused(factory, db_snapshot, lambda s: retention.anonymise(s, [archived.child_id]))
    assert "reste en archive jusqu'au 22/11/2029" in error.message
    clock.set_today(D(2029, 11, 22))
    before = db_snapshot()
    with pytest.raises(PermissionDeniedError):
        with db.session_scope(factory, 2) as s:
            retention.anonymise(s, [archived.child_id])
    assert db_snapshot() == before


# --- school level ----------------------------------------------------------------------------


@pytest.mark.parametrize("typed, canonical, level", [
    ("CM1", "CM1", "élémentaire"), ("cm 1", "CM1", "élémentaire"), ("6ème", "6e", "collège"),
    ("Petite section", "PS", "maternelle"), ("2nde pro", "2de", "lycée"), ("Terminale", "Tle", "lycée"),
    ("ULIS collège", None, "collège"), ("classe de Mme Dupont", None, None), (None, None, None),
])
def test_school_level_from_the_class(typed, canonical, level):
    assert canonical_class(typed) == canonical
    assert school_level(typed) == level
    assert anonymous_class(typed) == (canonical or level)


def test_archived_files_leave_every_everyday_list(factory):
    from pre_desktop.services.eps import agenda_suggestions, create_meeting
    from pre_desktop.services.liaisons import list_liaisons
    from pre_desktop.services.session_batches import month_grid, partners_of_month
    from pre_desktop.services.todo import todo_items

    with db.session_scope(factory, 1) as s:
        waiting = family_with_child(s, name="Attente", consent=False)  # repéré, never examined
        referrals.add_referral(s, child_id=waiting.id, referred_on="02/02/2023", source="école", reasons="Absences")
        ended = _ended(s, "Fini", D(2023, 3, 1))
        p = partner(s)
        conv = convention(s, p, start=D(2023, 1, 1), end=D(2023, 12, 31), reference="C-2023")
        old = care_referral(s, ended, p, conv, requested_on=D(2023, 1, 5), sent_on=D(2023, 1, 6),
                            state=CareReferralState.ENDED)
        old.ended_on = D(2023, 3, 1)
        add_sessions(s, old, [D(2023, 2, 7)])
        care_referral(s, ended, p, requested_on=D(2023, 2, 1), sent_on=None)  # a forgotten draft, hors EPS
        meeting = create_meeting(s, meeting_date=D(2026, 12, 8), place="Mairie")
        ids, partner_id, meeting_id = [waiting.id, ended.id], p.id, meeting.id
    with factory() as s:
        assert {c.child_id for c in retention.archive_candidates(s)} == set(ids)
        assert {x.child.id for x in agenda_suggestions(s, meeting_id)} == {waiting.id}
        assert {r.child_id for r in list_liaisons(s)} == {ended.id}
        assert ended.id in {i.target_id for i in todo_items(s)}
        assert [r.care_referral_id for r in month_grid(s, partner_id, 2023, 2)] == [old.id]
    with db.session_scope(factory, 1) as s:
        retention.archive_children(s, ids)
    with factory() as s:
        assert agenda_suggestions(s, meeting_id) == []
        assert list_liaisons(s) == [] and len(list_liaisons(s, child_id=ended.id)) == 2  # the file still shows them
        assert todo_items(s) == []
        assert month_grid(s, partner_id, 2023, 2) == [] and partners_of_month(s, 2023, 2) == []
        assert children_table(s).ids == [] and children_service.search_children(s, "") == []


def test_a_coordinator_reactivates_an_archived_file(factory, db_snapshot, archived):
    child_id = archived.child_id
    before = db_snapshot()
    with pytest.raises(PermissionDeniedError):
        with db.session_scope(factory, 2) as s:
            retention.reactivate_children(s, [child_id])
    assert db_snapshot() == before
    with db.session_scope(factory, 1) as s:
        retention.reactivate_children(s, [child_id])
    with db.session_scope(factory, 1) as s:
        child = s.get(Child, child_id)
        assert (child.archived_on, child.last_contact_on) == (None, D(2026, 11, 22))
        children_service.update_child(s, child_id, expected_version=None, notes="Revenu en 2026")  # writable again
    clock.set_today(D(2029, 11, 22))
    error = refused(factory, db_snapshot, lambda s: retention.reactivate_children(s, [child_id]))
    assert "n'est pas archivé" in error.message
