"""Journal des accès: filters (child, user, period, action) against a hand-made trail,
the events in French, the limit, the export (itself traced), the coordinator only."""

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "exports"))

import pytest  # noqa: E402
from openpyxl import load_workbook  # noqa: E402
from sqlalchemy import select  # noqa: E402

from pre_desktop import db  # noqa: E402
from pre_desktop.exports.audit_trail import export_trail  # noqa: E402
from pre_desktop.models import (  # noqa: E402
    AuditAction,
    AuditEvent,
    Child,
    Family,
    GeneratedDocument,
    PrivateNote,
    Role,
    User,
)
from pre_desktop.services import audit_search  # noqa: E402
from pre_desktop.services.audit_search import TrailFilter, search_trail  # noqa: E402
from pre_desktop.services.errors import DomainError, PermissionDeniedError  # noqa: E402

A = AuditAction


def utc(day: int, hour: int = 10) -> dt.datetime:
    """A moment of November 2026 stored as the trail does (naive UTC) for a local hour."""
    local = dt.datetime(2026, 11, day, hour, 0).astimezone()
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


@pytest.fixture
def trail(factory):
    """Éloïse Dupré and her brother Léo (family Dupré), Noé Martin; a secretary, Sofia Haddad.
    The trail is written by hand (the hooks would date every event now)."""
    with db.session_scope(factory) as s:
        s.add(User(login="sec", first_name="Sofia", last_name="Haddad", role=Role.SECRETARIAT))
        dupre = Family(name="Dupré")
        eloise = Child(family=dupre, last_name="Dupré", first_name="Éloïse", birth_date=dt.date(2015, 3, 4))
        leo = Child(family=dupre, last_name="Dupré", first_name="Léo", birth_date=dt.date(2017, 5, 6))
        noe = Child(family=Family(name="Martin"), last_name="Martin", first_name="Noé", birth_date=dt.date(2018, 9, 1))
        s.add_all([eloise, leo, noe])
        s.flush()
        s.execute(AuditEvent.__table__.delete())  # only the hand-made trail below
        ids = {"eloise": eloise.id, "leo": leo.id, "noe": noe.id, "dupre": dupre.id, "martin": noe.family_id}
        events = [
            (utc(2), 1, A.VIEW, "children", eloise.id, eloise.id, dupre.id, None, "Consultation du dossier"),
            (utc(3), 2, A.UPDATE, "children", eloise.id, eloise.id, dupre.id,
             {"school_class": ["CE2", "CM1"], "referent_id": [1, 2]}, None),
            (utc(5), 2, A.VIEW, "children", noe.id, noe.id, noe.family_id, None, "Consultation du dossier"),
            (utc(10, 23), 1, A.UPDATE, "families", dupre.id, None, dupre.id, {"phone": ["01", "06 12 34 56 78"]}, None),
            (utc(11, 0), 2, A.EXPORT, "partner", 4, noe.id, noe.family_id, None,
             "Tableau mensuel octobre 2026 — CMP (PDF) — 1 enfant — fichier : t.pdf"),
            (utc(20), 1, A.DELETE, "guardians", 9, None, noe.family_id, {"first_name": ["Ali", None]}, None),
        ]
        s.execute(AuditEvent.__table__.insert(), [
            {"at": at, "user_id": user, "action": action, "entity": entity, "entity_id": eid, "child_id": cid,
             "family_id": fid, "changes": changes, "summary": summary}
            for at, user, action, entity, eid, cid, fid, changes, summary in events])
    return ids


def found(session, **filters) -> list[tuple[str, str, str]]:
    page = search_trail(session, TrailFilter(**filters))
    return [(r.at_text[:5], r.action_label, r.child_name) for r in page.rows]


def test_everything_newest_first_in_french(session, trail):
    page = search_trail(session)
    assert page.total == 6 and not page.truncated and page.message == "6 résultats."
    first, *_, last = page.rows
    assert (first.at_text, first.user_name, first.action_label, first.entity_label) == (
        "20/11/2026 10:00", "Claire Martin", "Suppression", "Responsable")
    assert first.child_name == "MARTIN Noé" and first.what == "Prénom : Ali"
    assert (last.action_label, last.child_name, last.what) == ("Consultation", "DUPRÉ Éloïse",
                                                                "Consultation du dossier")
    change = next(r for r in page.rows if r.action is A.UPDATE and r.child_id == trail["eloise"])
    assert change.what == "Classe : CE2 → CM1 ; Référent(e) : Claire Martin → Karim Benali"
    family = next(r for r in page.rows if r.entity_label == "Famille")
    assert family.child_name == "DUPRÉ Éloïse, DUPRÉ Léo"  # a family event is in each of its children's files
    assert family.what == "Téléphone : 01 → 06 12 34 56 78"


def test_by_child_typed_without_accents_includes_the_familys_events(session, trail):
    assert found(session, child="eloise") == [("10/11", "Modification", "DUPRÉ Éloïse, DUPRÉ Léo"),
                                              ("03/11", "Modification", "DUPRÉ Éloïse"),
                                              ("02/11", "Consultation", "DUPRÉ Éloïse")]
    assert found(session, child="DUPRE leo") == [("10/11", "Modification", "DUPRÉ Éloïse, DUPRÉ Léo")]
    assert [r[2] for r in found(session, child="noé")] == ["MARTIN Noé"] * 3
    assert found(session, child="nobody") == []
    assert found(session, child="%") == []  # typed as text, not a wildcard
    assert len(found(session, child_id=trail["noe"])) == 3


def test_by_user_and_by_action(session, trail):
    assert [r[1] for r in found(session, user_id=2)] == ["Export", "Consultation", "Modification"]
    assert found(session, user_id=3) == []
    assert [r[0] for r in found(session, action=A.VIEW)] == ["05/11", "02/11"]
    assert found(session, user_id=1, action=A.VIEW, child="dupre") == [("02/11", "Consultation", "DUPRÉ Éloïse")]


def test_by_period_in_local_days_both_included(session, trail):
    assert [r[0] for r in found(session, date_from=dt.date(2026, 11, 3), date_to=dt.date(2026, 11, 10))] == [
        "10/11", "05/11", "03/11"]  # the 10th at 23:00 local time is still the 10th
    assert [r[0] for r in found(session, date_from=dt.date(2026, 11, 11))] == ["20/11", "11/11"]
    assert [r[0] for r in found(session, date_to=dt.date(2026, 11, 2))] == ["02/11"]
    with pytest.raises(DomainError) as refusal:
        search_trail(session, TrailFilter(date_from=dt.date(2026, 11, 10), date_to=dt.date(2026, 11, 1)))
    assert refusal.value.field == "date_from"


def test_past_the_limit_it_says_how_many_and_asks_to_narrow(session, trail):
    page = search_trail(session, limit=4)
    assert len(page.rows) == 4 and page.total == 6 and page.truncated
    assert page.message.startswith("6 résultats : seuls les 4 plus récents sont affichés, affinez")
    assert page.rows[0].at_text.startswith("20/11")


def test_a_referent_or_the_secretariat_cannot_read_it(factory, trail, tmp_path):
    for user in (2, 3):
        with db.session_scope(factory, user) as s:
            with pytest.raises(PermissionDeniedError) as refusal:
                search_trail(s)
            assert "consulter le journal des accès" in refusal.value.message
            with pytest.raises(PermissionDeniedError):
                export_trail(s, TrailFilter(), tmp_path / "j.xlsx")
    assert not (tmp_path / "j.xlsx").exists()


def test_export_writes_the_filtered_trail_and_is_traced(factory, trail, tmp_path):
    with db.session_scope(factory, 1) as s:
        path, count = export_trail(s, TrailFilter(child="dupre"), tmp_path / "journal.xlsx")
    assert count == 3
    ws = load_workbook(path).active
    values = list(ws.iter_rows(values_only=True))
    assert values[2][0] == "Filtres : dossier : « dupre »"
    header = values[4]
    assert header[:4] == ("Date et heure", "Utilisateur", "Action", "Dossier")
    body = values[5:]
    assert [r[2] for r in body] == ["Modification", "Modification", "Consultation"]
    assert body[2][0] == dt.datetime(2026, 11, 2, 10, 0) and body[2][1] == "Claire Martin"
    assert ws.cell(row=8, column=1).number_format == "DD/MM/YYYY HH:MM"
    assert body[1][5] == "Classe : CE2 → CM1 ; Référent(e) : Claire Martin → Karim Benali"
    assert "Noé" not in str(values)
    with factory() as s:
        (event,) = s.scalars(select(AuditEvent).where(AuditEvent.action == A.EXPORT,
                                                      AuditEvent.entity == "audit_events")).all()
        assert event.user_id == 1 and "Journal des accès" in event.summary and "journal.xlsx" in event.summary
        assert s.scalars(select(GeneratedDocument.kind)).all() == ["audit_trail"]
        # and the export shows in the journal itself
        assert search_trail(s, TrailFilter(action=A.EXPORT)).rows[0].what == event.summary


def test_the_journal_never_shows_a_private_note(factory, trail):
    secret = "Confidence de la mère sur le conflit du couple"
    with db.session_scope(factory, 2) as s:
        note = PrivateNote(child_id=trail["eloise"], author_id=2, text=secret)
        s.add(note)
        s.flush()
        # Whatever a service traces about a note (even with its text by mistake), the
        # journal only says a note was written.
        s.add(AuditEvent(user_id=2, action=A.CREATE, entity="private_notes", entity_id=note.id,
                         child_id=trail["eloise"], family_id=trail["dupre"],
                         changes={"text": [None, secret]}, summary=secret))
    with db.session_scope(factory, 2) as s:
        s.get(PrivateNote, 1).text = secret + " (suite)"
    with factory() as s:
        s.info["user_id"] = 1
        rows = search_trail(s).rows + search_trail(s, TrailFilter(child="eloise")).rows
    text = " ".join(f"{r.entity_label} {r.what}" for r in rows)
    assert "Confidence" not in text and "Note privée (contenu non tracé)" in text


def test_action_choices_cover_every_kind():
    choices = dict(audit_search.action_choices())
    assert set(choices) == set(AuditAction)
    assert [choices[a] for a in (A.VIEW, A.CREATE, A.UPDATE, A.DELETE, A.EXPORT)] == [
        "Consultation", "Création", "Modification", "Suppression", "Export"]


def test_dates_typed_in_the_screen_are_read_or_refused_on_their_field(session, trail):
    assert [r[0] for r in found(session, date_from="05/11/2026", date_to=" 10/11/2026")] == ["10/11", "05/11"]
    with pytest.raises(DomainError) as refusal:
        search_trail(session, TrailFilter(date_to="31/11/2026"))
    assert refusal.value.field == "date_to" and "JJ/MM/AAAA" in refusal.value.message


def test_an_export_past_its_limit_says_it_keeps_the_newest(factory, trail, tmp_path):
    with db.session_scope(factory, 1) as s:
        path, count = export_trail(s, TrailFilter(), tmp_path / "j.xlsx", limit=2)
    values = list(load_workbook(path).active.iter_rows(values_only=True))
    assert count == 2 and values[3][0].startswith("Seuls les 2 événements les plus récents")
    assert [row[2] for row in values[6:]] == ["Suppression", "Export"]


def test_a_page_costs_the_same_few_queries_for_6_or_606_events(engine, factory, trail):
    from sqlalchemy import event as sa_event

    def queries() -> int:
        statements: list[str] = []
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        sa_event.listen(engine, "before_cursor_execute", listen)
        try:
            with factory() as s:
                page = search_trail(s, limit=500)
        finally:
            sa_event.remove(engine, "before_cursor_execute", listen)
        assert page.rows
        return len(statements)

    few = queries()
    with db.session_scope(factory) as s:
        rows = [{"at": utc(1), "user_id": 1 + n % 2, "action": A.VIEW, "entity": "children",
                 "entity_id": trail[k], "child_id": trail[k], "family_id": None, "changes": None,
                 "summary": "Consultation du dossier"} for n in range(200) for k in ("eloise", "leo", "noe")]
        s.execute(AuditEvent.__table__.insert(), rows)
    assert queries() == few + 1 <= 8  # + the capped count, once the page is full
