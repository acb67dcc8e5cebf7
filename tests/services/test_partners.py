import datetime as dt

import pytest
from care_fixtures import family_with_child, partner as make_partner, ptype

from pre_desktop import db
from pre_desktop.models import OrientationMode, Partner
from pre_desktop.services import partners
from pre_desktop.services.errors import DomainError, StaleRecordError

D = dt.date


def test_create_partner_takes_type_ages_and_checks_fields(session):
    mda = ptype(session, "MDA")
    p = partners.create_partner(session, name="  MDA de l'Essonne ", type_id=mda.id, town="Évry",
                                email="accueil@mda91.fr", postal_code="91000")
    assert p.name == "MDA de l'Essonne" and (p.age_min, p.age_max) == (11, 25)
    own = partners.create_partner(session, name="Filigrane", type_id=ptype(session, "ASSO_PSY").id, age_min=3, age_max=18)
    assert (own.age_min, own.age_max) == (3, 18)


@pytest.mark.parametrize("kwargs, field", [
    (dict(name=" "), "name"),
    (dict(email="accueil.mda.fr"), "email"),
    (dict(email="a b@x.fr"), "email"),
    (dict(age_min=12, age_max=8), "age_min"),
    (dict(age_min="douze"), "age_min"),
    (dict(postal_code="9100"), "postal_code"),
])
def test_create_partner_refusals_leave_database_unchanged(factory, db_snapshot, kwargs, field):
    with db.session_scope(factory, 1) as s:
        type_id = ptype(s, "MDA").id
    before = db_snapshot()
    args = dict(name="MDA", type_id=type_id) | kwargs
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            partners.create_partner(s, **args)
    assert err.value.field == field and err.value.message
    assert db_snapshot() == before


def test_unknown_type_refused(session):
    with pytest.raises(DomainError, match="introuvable") as err:
        partners.create_partner(session, name="X", type_id=9999)
    assert err.value.field == "type_id"


def test_update_partner_checks_version_and_whole_record(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        p = partners.create_partner(s, name="CMPP Corbeil", type_id=ptype(s, "CMPP").id)
        pid, version = p.id, p.version
    with db.session_scope(factory, 1) as s:
        p = partners.update_partner(s, pid, expected_version=version, town="Corbeil-Essonnes", age_max=18)
        assert (p.age_min, p.age_max, p.town) == (0, 18, "Corbeil-Essonnes")
    before = db_snapshot()
    with pytest.raises(StaleRecordError):
        with db.session_scope(factory, 1) as s:
            partners.update_partner(s, pid, expected_version=version, town="Évry")
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            partners.update_partner(s, pid, expected_version=None, town="Évry", age_min=19)
    assert err.value.field == "age_min"
    assert db_snapshot() == before


def test_contacts_lifecycle(session):
    p = make_partner(session)
    c = partners.add_contact(session, p.id, name="Mme Roche", function="Psychologue", email="roche@filigrane.fr")
    partners.update_contact(session, c.id, expected_version=c.version, phone="01 60 00 00 00")
    assert session.get(Partner, p.id).contacts[0].phone == "01 60 00 00 00"
    with pytest.raises(DomainError) as err:
        partners.update_contact(session, c.id, expected_version=None, email="pas-un-courriel")
    assert err.value.field == "email"
    partners.remove_contact(session, c.id)
    session.expire_all()
    assert session.get(Partner, p.id).contacts == []


def test_search_is_folded_on_name_and_town(session):
    t = ptype(session, "CMP_ENF").id
    partners.create_partner(session, name="CMP Évry Centre", type_id=t, town="Évry-Courcouronnes")
    partners.create_partner(session, name="Maison des Ados", type_id=ptype(session, "MDA").id, town="Corbeil-Essonnes")
    partners.create_partner(session, name="Ancien CMP", type_id=t, town="Ris-Orangis", active=False)
    assert [r.name for r in partners.search_partners(session, "evry")] == ["CMP Évry Centre"]
    assert [r.name for r in partners.search_partners(session, "corbeil")] == ["Maison des Ados"]
    assert [r.name for r in partners.search_partners(session, "cmp", active=True)] == ["CMP Évry Centre"]
    assert len(partners.search_partners(session, "", type_id=t)) == 2
    assert [r.name for r in partners.search_partners(session, town="EVRY-courcouronnes")] == ["CMP Évry Centre"]


def test_partner_types_create_and_update(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        t = partners.create_partner_type(s, code="sessad", label="SESSAD", orientation_mode=OrientationMode.MEDICAL,
                                         age_min=0, age_max=20, direct_orientation_allowed=False)
        assert t.code == "SESSAD" and t.refusal_explanation
        cmpp = ptype(s, "CMPP")
        partners.update_partner_type(s, cmpp.id, age_max=18)
        assert cmpp.age_max == 18
    before = db_snapshot()
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            partners.create_partner_type(s, code="SESSAD", label="Doublon", orientation_mode="medical")
    assert err.value.field == "code"
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            partners.update_partner_type(s, ptype(s, "MDA").id, age_min=30)
    assert err.value.field == "age_min"
    assert db_snapshot() == before


def test_orientation_check_refuses_cattp_and_hdj(session):
    for code in ("CATTP_ENF", "HDJ"):
        p = make_partner(session, name=f"Structure {code}", code=code)
        refusal, warnings = partners.orientation_check(session, p.id, D(2015, 1, 1), D(2026, 11, 22))
        assert refusal is not None and refusal.field == "partner_id"
        assert "psychiatre" in refusal.message and "directement" in refusal.message
        assert warnings == []


def test_orientation_check_age_warning_uses_partner_then_type(session):
    mda = make_partner(session, name="MDA", code="MDA")  # type 11-25
    refusal, warnings = partners.orientation_check(session, mda.id, D(2017, 1, 1), D(2026, 11, 22))  # 9 years
    assert refusal is None and [w.code for w in warnings] == ["age_outside_public"]
    assert "9 ans" in warnings[0].message and "11 à 25 ans" in warnings[0].message
    refusal, warnings = partners.orientation_check(session, mda.id, D(2012, 1, 1), D(2026, 11, 22))  # 14
    assert refusal is None and warnings == []
    own = make_partner(session, name="Filigrane", code="MDA", age_min=3, age_max=None)  # own min, type max
    assert partners.orientation_check(session, own.id, D(2017, 1, 1), D(2026, 11, 22))[1] == []
    assert partners.orientation_check(session, own.id, D(2000, 1, 1), D(2026, 11, 22))[1]
    # birthday edge: 11 on the day itself
    assert partners.orientation_check(session, mda.id, D(2015, 11, 22), D(2026, 11, 22))[1] == []
    assert partners.orientation_check(session, mda.id, D(2015, 11, 23), D(2026, 11, 22))[1]
    # unknown birth date: no age check
    assert partners.orientation_check(session, mda.id, None, D(2026, 11, 22)) == (None, [])


def test_orientation_to_archived_partner_refused(session):
    child = family_with_child(session)
    p = make_partner(session)
    p.active = False
    refusal, _ = partners.orientation_check(session, p.id, child.birth_date)
    assert refusal is not None and "archivée" in refusal.message


def test_update_with_an_unknown_field_is_refused_naming_it(factory, db_snapshot):
    from refusal import refused

    with db.session_scope(factory, 1) as s:
        partner = partners.create_partner(s, name="CMPP Dolto", type_id=ptype(s, "CMPP").id)
        pid, version = partner.id, partner.version
    err = refused(factory, db_snapshot,
                  lambda s: partners.update_partner(s, pid, expected_version=version, couleur="bleu"))
    assert err.field == "couleur"
