import datetime as dt
import time

import pytest
from sqlalchemy import insert, select

from pre_desktop import db
from pre_desktop.models import (
    AuditAction,
    AuditEvent,
    CareReferral,
    CareSession,
    Child,
    ChildStatus,
    Family,
    Guardian,
    Partner,
    PartnerType,
    Role,
    StructureSettings,
    User,
)
from pre_desktop.services import children as svc
from pre_desktop.services.errors import DomainError, NeedsConfirmation, NotFoundError, StaleRecordError
from pre_desktop.textnorm import fold
from refusal import refused as _refused

BD = dt.date(2016, 3, 4)  # 10 years old on 2026-11-22


def _family(factory, name="Nguyen") -> int:
    with db.session_scope(factory, 1) as s:
        fam = svc.create_family(s, name=name)
    return fam.id


def _child(factory, fam_id=None, **kw) -> int:
    fam_id = fam_id or _family(factory)
    args = dict(family_id=fam_id, last_name="Nguyen", first_name="Éloïse", birth_date=BD)
    args.update(kw)
    with db.session_scope(factory, 1) as s:
        child = svc.create_child(s, **args)
    return child.id




# --- families and guardians ---------------------------------------------------

def test_create_and_update_family(session):
    fam = svc.create_family(session, name="  Dupont ", postal_code="93200", town="Saint-Denis", interpreter_needed=True)
    assert fam.name == "Dupont" and fam.search_name == "dupont" and fam.interpreter_needed
    svc.update_family(session, fam.id, fam.version, town="Aubervilliers", phone="01 02 03 04 05")
    assert fam.town == "Aubervilliers" and fam.version == 2


@pytest.mark.parametrize("kwargs, field", [
    (dict(name="  "), "name"),
    (dict(name="X", postal_code="9320"), "postal_code"),
    (dict(name="X" * 151), "name"),
])
def test_create_family_refusals(factory, db_snapshot, kwargs, field):
    err = _refused(factory, db_snapshot, lambda s: svc.create_family(s, **kwargs))
    assert err.field == field


def test_update_family_refusals(factory, db_snapshot):
    fam_id = _family(factory)
    assert _refused(factory, db_snapshot, lambda s: svc.update_family(s, fam_id, 1, colour="bleu")).field == "colour"
    assert _refused(factory, db_snapshot, lambda s: svc.update_family(s, fam_id, 1, name="")).field == "name"
    _refused(factory, db_snapshot, lambda s: svc.update_family(s, fam_id, 7, name="Autre"), StaleRecordError)
    _refused(factory, db_snapshot, lambda s: svc.update_family(s, 999, None, name="Autre"), NotFoundError)


def test_guardians_add_update_remove(session):
    fam = svc.create_family(session, name="Dupont")
    g = svc.add_guardian(session, fam.id, last_name="Dupont", first_name="Marie", relationship_label="Mère",
                         email="marie@example.fr")
    assert g.is_legal_guardian and fam.guardians == [g]
    svc.update_guardian(session, g.id, g.version, phone="06 00 00 00 00", is_legal_guardian=False)
    assert g.phone == "06 00 00 00 00" and not g.is_legal_guardian
    svc.remove_guardian(session, g.id, g.version)
    assert session.get(Guardian, g.id) is None and fam.guardians == []


def test_guardian_refusals(factory, db_snapshot):
    fam_id = _family(factory)
    assert _refused(factory, db_snapshot, lambda s: svc.add_guardian(
        s, fam_id, last_name="", first_name="Marie")).field == "last_name"
    assert _refused(factory, db_snapshot, lambda s: svc.add_guardian(
        s, fam_id, last_name="D", first_name="M", email="pas-un-courriel")).field == "email"
    with db.session_scope(factory, 1) as s:
        g = svc.add_guardian(s, fam_id, last_name="Dupont", first_name="Marie")
    assert _refused(factory, db_snapshot, lambda s: svc.update_guardian(s, g.id, g.version, age=3)).field == "age"
    _refused(factory, db_snapshot, lambda s: svc.update_guardian(s, g.id, 99, phone="1"), StaleRecordError)


def test_guardian_named_on_a_fiche_cannot_be_removed(factory, db_snapshot):
    child_id = _child(factory)
    with db.session_scope(factory, 1) as s:
        child = s.get(Child, child_id)
        g = svc.add_guardian(s, child.family_id, last_name="Nguyen", first_name="Lan")
        ptype = s.scalars(select(PartnerType)).first()
        partner = Partner(name="CMP", type_id=ptype.id)
        s.add(CareReferral(child=child, guardian=g, partner=partner, requested_on=dt.date(2026, 10, 1)))
    err = _refused(factory, db_snapshot, lambda s: svc.remove_guardian(s, g.id))
    assert "fiche de liaison" in err.message


# --- children -----------------------------------------------------------------

def test_create_child_happy_path(session):
    fam = svc.create_family(session, name="Nguyen")
    child = svc.create_child(session, family_id=fam.id, last_name="Nguyen", first_name="Éloïse", birth_date="04/03/2016",
                             sex="F", school="École Jean-Jaurès", school_class="CM2", referent_id=2)
    assert child.id and child.status is ChildStatus.REFERRED and child.birth_date == BD
    assert child.search_name == "nguyen eloise" and child.referent.login == "ref"


@pytest.mark.parametrize("kwargs, field", [
    (dict(last_name=" "), "last_name"),
    (dict(first_name=""), "first_name"),
    (dict(birth_date=None), "birth_date"),
    (dict(birth_date="31/02/2016"), "birth_date"),
    (dict(birth_date=dt.date(2026, 11, 23)), "birth_date"),
    (dict(sex="X"), "sex"),
    (dict(referent_id=99), "referent_id"),
    (dict(entry_date=dt.date(2015, 1, 1)), "entry_date"),
    (dict(entry_date=dt.date(2027, 1, 1)), "entry_date"),
    (dict(family_id=999), "family_id"),
])
def test_create_child_refusals(factory, db_snapshot, kwargs, field):
    fam_id = _family(factory)
    args = dict(family_id=fam_id, last_name="Nguyen", first_name="Éloïse", birth_date=BD)
    args.update(kwargs)
    err = _refused(factory, db_snapshot, lambda s: svc.create_child(s, **args))
    assert err.field == field


def test_referent_must_be_active_referent_or_coordinator(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        sec = User(login="sec", first_name="Sam", last_name="Leroy", role=Role.SECRETARIAT)
        old = User(login="old", first_name="Ana", last_name="Roux", role=Role.REFERENT, active=False)
        s.add_all([sec, old])
    fam_id = _family(factory)
    for uid, words in ((sec.id, "n'est pas référent"), (old.id, "plus actif")):
        err = _refused(factory, db_snapshot, lambda s: svc.create_child(
            s, family_id=fam_id, last_name="A", first_name="B", birth_date=BD, referent_id=uid))
        assert err.field == "referent_id" and words in err.message
    with db.session_scope(factory, 1) as s:  # coordinator accepted
        assert svc.create_child(s, family_id=fam_id, last_name="A", first_name="B", birth_date=BD, referent_id=1).id


def test_age_outside_public_needs_confirmation(factory, db_snapshot):
    fam_id = _family(factory)
    err = _refused(factory, db_snapshot, lambda s: svc.create_child(
        s, family_id=fam_id, last_name="Petit", first_name="Léo", birth_date=dt.date(2025, 6, 1)), NeedsConfirmation)
    assert [w.code for w in err.warnings] == ["age_outside_public"] and "1 an " in err.warnings[0].message
    with db.session_scope(factory, 1) as s:
        assert svc.create_child(s, family_id=fam_id, last_name="Petit", first_name="Léo",
                                birth_date=dt.date(2025, 6, 1), confirm=True).id


def test_public_age_range_comes_from_settings(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        s.add(StructureSettings(pre_name="PRE", public_age_min=3, public_age_max=18))
    fam_id = _family(factory)
    with db.session_scope(factory, 1) as s:  # 17 years: inside 3–18, no warning
        svc.create_child(s, family_id=fam_id, last_name="Grand", first_name="Tom", birth_date=dt.date(2009, 1, 1))
    err = _refused(factory, db_snapshot, lambda s: svc.create_child(
        s, family_id=fam_id, last_name="Bebe", first_name="Lou", birth_date=dt.date(2024, 1, 1)), NeedsConfirmation)
    assert "3 à 18 ans" in err.warnings[0].message


def test_likely_duplicate_names_existing_file(factory, db_snapshot):
    child_id = _child(factory)
    fam2 = _family(factory, "Autre")
    err = _refused(factory, db_snapshot, lambda s: svc.create_child(
        s, family_id=fam2, last_name="NGUYEN", first_name="eloise", birth_date=BD), NeedsConfirmation)
    (w,) = err.warnings
    assert w.code == "duplicate" and w.related_id == child_id
    assert w.message == f"Un dossier existe déjà pour NGUYEN Éloïse, né(e) le 04/03/2016 (dossier n° {child_id})"\
        or w.message.startswith(f"Un dossier existe déjà pour NGUYEN Éloïse, né(e) le 04/03/2016 (dossier n° {child_id})")
    with db.session_scope(factory, 1) as s:
        assert [c.id for c in svc.find_duplicates(s, "Nguyen", "Éloïse", BD)] == [child_id]
        assert svc.find_duplicates(s, "Éloïse", "Nguyen", BD)  # names swapped
        assert svc.find_duplicates(s, "Nguyen", "Éloïse", BD, exclude_id=child_id) == []
        assert svc.find_duplicates(s, "Nguyen", "Éloïse", dt.date(2016, 3, 5)) == []
        svc.create_child(s, family_id=fam2, last_name="Nguyen", first_name="Éloïse", birth_date=BD, confirm=True)


def test_update_child_and_audit_trail(factory):
    child_id = _child(factory)
    with db.session_scope(factory, 1) as s:  # the coordinator gives the file its référent
        svc.update_child(s, child_id, expected_version=1, school="Collège Politzer", school_class="6e", referent_id=2)
    with db.session_scope(factory) as s:
        child = s.get(Child, child_id)
        assert (child.school, child.school_class, child.version) == ("Collège Politzer", "6e", 2)
        ev = s.scalars(select(AuditEvent).where(AuditEvent.entity == "children", AuditEvent.action == AuditAction.UPDATE)).one()
    assert ev.user_id == 1 and ev.child_id == child_id and ev.entity_id == child_id
    assert ev.changes == {"school": [None, "Collège Politzer"], "school_class": [None, "6e"], "referent_id": [None, 2]}


def test_update_child_refusals(factory, db_snapshot):
    child_id = _child(factory)
    assert _refused(factory, db_snapshot, lambda s: svc.update_child(
        s, child_id, expected_version=1, shoe_size=32)).field == "shoe_size"
    assert _refused(factory, db_snapshot, lambda s: svc.update_child(
        s, child_id, expected_version=1, status=ChildStatus.ENDED)).field == "status"
    assert _refused(factory, db_snapshot, lambda s: svc.update_child(
        s, child_id, expected_version=1, first_name="")).field == "first_name"
    assert _refused(factory, db_snapshot, lambda s: svc.update_child(
        s, child_id, expected_version=1, entry_date=dt.date(2010, 1, 1))).field == "entry_date"
    _refused(factory, db_snapshot, lambda s: svc.update_child(s, child_id, expected_version=3, school="X"), StaleRecordError)


def test_update_child_warns_on_new_duplicate_and_age(factory, db_snapshot):
    fam_id = _family(factory)
    first = _child(factory, fam_id)
    other = _child(factory, fam_id, first_name="Lina")
    err = _refused(factory, db_snapshot, lambda s: svc.update_child(
        s, other, expected_version=1, first_name="Eloise"), NeedsConfirmation)
    assert [(w.code, w.related_id) for w in err.warnings] == [("duplicate", first)]
    err = _refused(factory, db_snapshot, lambda s: svc.update_child(
        s, other, expected_version=1, birth_date=dt.date(2007, 1, 1)), NeedsConfirmation)
    assert [w.code for w in err.warnings] == ["age_outside_public"]
    with db.session_scope(factory, 1) as s:  # unrelated field: no warning even for an existing duplicate
        svc.update_child(s, other, expected_version=1, first_name="Eloise", confirm=True)
        svc.update_child(s, other, expected_version=2, notes="RAS")


def test_siblings(session):
    fam = svc.create_family(session, name="Diallo")
    a = svc.create_child(session, family_id=fam.id, last_name="Diallo", first_name="Awa", birth_date=dt.date(2014, 1, 1))
    b = svc.create_child(session, family_id=fam.id, last_name="Diallo", first_name="Moussa", birth_date=dt.date(2017, 1, 1))
    c = svc.create_child(session, family_id=fam.id, last_name="Diallo", first_name="Fanta", birth_date=dt.date(2012, 1, 1))
    assert svc.siblings(session, a.id) == [c, b]


def test_delete_child(factory, db_snapshot):
    child_id = _child(factory)
    with db.session_scope(factory, 1) as s:
        svc.delete_child(s, child_id, expected_version=1)
    with db.session_scope(factory) as s:
        assert s.get(Child, child_id) is None


def test_delete_child_refused_with_fiche_or_sessions(factory, db_snapshot):
    child_id = _child(factory)
    with db.session_scope(factory, 1) as s:
        ptype = s.scalars(select(PartnerType)).first()
        cr = CareReferral(child_id=child_id, partner=Partner(name="CMPP", type_id=ptype.id),
                          requested_on=dt.date(2026, 10, 1))
        cr.sessions.append(CareSession(session_date=dt.date(2026, 10, 20)))
        s.add(cr)
    err = _refused(factory, db_snapshot, lambda s: svc.delete_child(s, child_id))
    assert "1 fiche(s) de liaison et 1 séance(s)" in err.message


# --- search ---------------------------------------------------------------------

@pytest.fixture
def populated(session):
    fam = svc.create_family(session, name="F")
    mk = lambda last, first, **kw: svc.create_child(session, family_id=fam.id, last_name=last, first_name=first,  # noqa: E731
                                                      birth_date=kw.pop("bd", BD), confirm=True, **kw)
    kids = {
        "eloise": mk("N'Diaye", "Éloïse", school="École Jean-Jaurès", referent_id=2),
        "eloi": mk("Martin", "Éloi", school="Collège Politzer"),
        "lea": mk("Lefèvre", "Léa", school="École Jean-Jaurès", referent_id=2),
        "zoe": mk("Nguyen", "Zoé", bd=dt.date(2012, 5, 6)),
    }
    session.flush()
    return kids


def test_search_folds_accents_and_case(session, populated):
    names = lambda rows: [r.first_name for r in rows]  # noqa: E731
    assert names(svc.search_children(session, "eloise")) == ["Éloïse"]
    assert names(svc.search_children(session, "ÉLOÏSE")) == ["Éloïse"]
    assert names(svc.search_children(session, "eloi")) == ["Éloi", "Éloïse"]  # ordered by name
    assert names(svc.search_children(session, "lefevre")) == ["Léa"]
    assert len(svc.search_children(session)) == 4


def test_search_every_word_must_match(session, populated):
    assert [r.last_name for r in svc.search_children(session, "eloi diaye")] == ["N'Diaye"]
    assert [r.last_name for r in svc.search_children(session, "diaye  ELOI")] == ["N'Diaye"]
    assert svc.search_children(session, "eloi zoe") == []
    assert svc.search_children(session, "%") == [] and svc.search_children(session, "_") == []


def test_search_filters_and_row_content(session, populated):
    rows = svc.search_children(session, referent_id=2)
    assert {r.first_name for r in rows} == {"Éloïse", "Léa"}
    assert rows[0].referent_name == "Karim Benali" and rows[0].age == 10 and rows[0].family_id
    assert [r.first_name for r in svc.search_children(session, school="École Jean-Jaurès")] == ["Léa", "Éloïse"]
    populated["zoe"].status = ChildStatus.ACTIVE
    session.flush()
    assert [r.first_name for r in svc.search_children(session, status=ChildStatus.ACTIVE)] == ["Zoé"]
    assert len(svc.search_children(session, status=[ChildStatus.ACTIVE, ChildStatus.REFERRED])) == 4
    zoe = svc.search_children(session, "zoe")[0]
    assert zoe.age == 14 and zoe.referent_name is None and zoe.status is ChildStatus.ACTIVE
    page = svc.search_children(session, limit=2, offset=1)
    assert [r.first_name for r in page] == ["Éloi", "Éloïse"]
    assert svc.schools(session) == ["Collège Politzer", "École Jean-Jaurès"]


def test_search_is_fast_on_20000_children(session):
    fam = Family(name="Bulk")
    session.add(fam)
    session.flush()
    rows = []
    for i in range(20_000):
        last, first = f"Nom{i:05d}", ("Éloïse" if i % 1000 == 0 else f"Prénom{i}")
        rows.append(dict(family_id=fam.id, last_name=last, first_name=first, search_name=fold(f"{last} {first}"),
                         birth_date=BD, status="referred", version=1))
    session.execute(insert(Child), rows)
    start = time.perf_counter()
    found = svc.search_children(session, "eloise")
    first_page = svc.search_children(session, "", limit=50)
    narrow = svc.search_children(session, "nom19 eloise")
    elapsed = time.perf_counter() - start
    assert len(found) == 20 and len(first_page) == 50 and len(narrow) == 1
    assert elapsed < 0.5


def test_duplicates_ignore_hyphens_apostrophes_spaces_and_order(factory, db_snapshot):
    """"Jean-Pierre" on one form, "Jean Pierre" on the next; "N'Diaye" or "Ndiaye";
    compound names swapped between the two fields: still the same child."""
    fam_id = _family(factory)
    jp = _child(factory, fam_id, last_name="N'Diaye", first_name="Jean-Pierre")
    with db.session_scope(factory, 1) as s:
        for last, first in (("N'Diaye", "Jean Pierre"), ("Ndiaye", "Jean-Pierre"), ("N Diaye", "Jeanpierre"),
                            ("  n'diaye ", " JEAN  PIERRE "), ("Jean-Pierre", "N'Diaye"), ("Jean Pierre", "Ndiaye")):
            assert [c.id for c in svc.find_duplicates(s, last, first, BD)] == [jp], (last, first)
        assert svc.find_duplicates(s, "N'Diaye", "Jean", BD) == []
        assert svc.find_duplicates(s, "N'Diaye", "Jean-Pierre", dt.date(2016, 3, 5)) == []
    err = _refused(factory, db_snapshot, lambda s: svc.create_child(
        s, family_id=fam_id, last_name="Ndiaye", first_name="Jean Pierre", birth_date=BD), NeedsConfirmation)
    assert [(w.code, w.related_id) for w in err.warnings] == [("duplicate", jp)]


def test_search_typed_hyphens_and_apostrophes_split_words(session, populated):
    """"jean-pierre" finds Jean Pierre as well as Jean-Pierre; "N’Diaye" typed with the
    typographic apostrophe finds N'Diaye."""
    fam = svc.create_family(session, name="G")
    svc.create_child(session, family_id=fam.id, last_name="Moreau", first_name="Jean Pierre", birth_date=BD)
    svc.create_child(session, family_id=fam.id, last_name="Petit", first_name="Jean-Pierre", birth_date=BD)
    assert [r.last_name for r in svc.search_children(session, "jean-pierre")] == ["Moreau", "Petit"]
    assert [r.last_name for r in svc.search_children(session, "N’Diaye")] == ["N'Diaye"]
    assert [r.last_name for r in svc.search_children(session, "n'diaye")] == ["N'Diaye"]
    assert svc.search_children(session, "-") == svc.search_children(session, "")


def test_birth_date_cannot_move_after_a_recorded_referral(factory, db_snapshot):
    """A repérage cannot precede the birth (add_referral refuses it); correcting the birth
    date must not create that state the other way round."""
    from pre_desktop.services import referrals

    child_id = _child(factory)
    with db.session_scope(factory, 1) as s:
        referrals.add_referral(s, child_id=child_id, referred_on="01/09/2020", source="PMI", reasons="Langage")
    err = _refused(factory, db_snapshot, lambda s: svc.update_child(
        s, child_id, expected_version=1, birth_date="01/01/2021", confirm=True))
    assert err.field == "birth_date" and "01/09/2020" in err.message
    with db.session_scope(factory, 1) as s:  # a correction that keeps the order is fine
        svc.update_child(s, child_id, expected_version=1, birth_date="01/01/2017", confirm=True)


def test_interpreter_needed_text_false_is_false_and_nonsense_refused(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        fam = svc.create_family(s, name="Kovač", interpreter_needed="non")
        assert fam.interpreter_needed is False
        fam_id, version = fam.id, fam.version
    err = _refused(factory, db_snapshot, lambda s: svc.update_family(s, fam_id, version, interpreter_needed="bof"))
    assert err.field == "interpreter_needed"
