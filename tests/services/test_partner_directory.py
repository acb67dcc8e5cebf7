"""The directory as the partners screen uses it: types of structure, the form's save with
its contacts, deletion, search on the type."""

import pytest
from care_fixtures import care_referral, convention, family_with_child, partner as make_partner, ptype
from refusal import refused
from sqlalchemy import select

from pre_desktop import db
from pre_desktop.models import OrientationMode, Partner, PartnerContact
from pre_desktop.services import partners
from pre_desktop.services.partners import ContactRow
from pre_desktop.services.errors import DomainError, StaleRecordError
from pre_desktop.services.reference_data import PARTNER_TYPES
from pre_desktop.textnorm import fold

# --------------------------------------------------------------------------- types of structure

GUIDE_TABLE = {  # code: (public ages, may the PRE orient directly) — seed 003, "Cartographie non-exhaustive"
    "MDA": ((11, 25), True), "PAEJ": ((12, 25), True), "ESJ": ((12, 25), True), "CJC": ((11, None), True),
    "REAAP": ((None, None), True), "CMP_ENF": ((0, 17), True), "CMP_ADU": ((16, None), True),
    "CATTP_ENF": ((0, 17), False), "CATTP_ADU": ((18, None), False), "HDJ": ((None, None), False),
    "CMPP": ((0, 20), True), "MSP": ((None, None), True), "PCO": ((0, 6), True), "MPF": ((None, None), True),
    "LAEP": ((0, 6), True), "ASSO_PSY": ((None, None), True), "PSY_LIB": ((None, None), True),
    "AUTRE": ((None, None), True),
}


def test_type_rows_follow_the_guide_table(session):
    rows = {r.code: r for r in partners.partner_type_rows(session)}
    assert len(PARTNER_TYPES) == len(rows) == 18
    for code, (ages, direct) in GUIDE_TABLE.items():
        assert ((rows[code].age_min, rows[code].age_max), rows[code].direct_orientation_allowed) == (ages, direct), code
    assert {c for c, r in rows.items() if not r.direct_orientation_allowed} == {"CATTP_ENF", "CATTP_ADU", "HDJ"}
    assert "psychiatre" in rows["HDJ"].refusal_explanation
    assert rows["CMPP"].orientation_mode_label == "Prescription / orientation médicale"
    assert rows["LAEP"].orientation_mode_label == "Accès libre"
    assert rows["CMP_ENF"].ages_text == "0 à 17 ans" and rows["CJC"].ages_text == "à partir de 11 ans"
    assert rows["MSP"].ages_text == "Tous âges"
    labels = [r.label for r in partners.partner_type_rows(session)]
    assert labels == sorted(labels, key=fold) and labels[0] == "Association de psychologues"


def test_type_rows_count_partners(session):
    make_partner(session, code="CMPP", name="CMPP Dolto")
    rows = {r.code: r for r in partners.partner_type_rows(session)}
    assert rows["CMPP"].partners == 1 and rows["MDA"].partners == 0


def test_new_type_by_name_gets_a_code(session):
    t = partners.create_partner_type(session, label="Éducation spéciale (SESSAD)",
                                     orientation_mode=OrientationMode.MEDICAL, age_min=0, age_max=20)
    assert t.code == "EDUCATION_SPECIALE_SESSAD" and not t.builtin
    again = partners.create_partner_type(session, label="Education speciale - SESSAD", orientation_mode="partners")
    assert again.code == "EDUCATION_SPECIALE_SESSAD_2"


@pytest.mark.parametrize("kwargs, field", [
    (dict(label="  "), "label"),
    (dict(label="cmp ENFANTS"), "label"),  # same name as a guide's type, accents and case ignored
    (dict(label="Nouveau", age_min=-1), "age_min"),
    (dict(label="Nouveau", age_max=-3), "age_max"),
    (dict(label="Nouveau", age_min=12, age_max=6), "age_min"),
    (dict(label="Nouveau", age_min="six"), "age_min"),
    (dict(label="Nouveau", orientation_mode="téléphone"), "orientation_mode"),
])
def test_new_type_refusals(factory, db_snapshot, kwargs, field):
    args = dict(orientation_mode="free_access") | kwargs
    assert refused(factory, db_snapshot, lambda s: partners.create_partner_type(s, **args)).field == field


@pytest.mark.parametrize("fields, field", [
    (dict(age_min=-2), "age_min"),
    (dict(age_min=20, age_max=10), "age_min"),
    (dict(label=""), "label"),
    (dict(label="Maison des adolescents (MDA)"), "label"),
])
def test_adjusting_a_type_refusals(factory, db_snapshot, fields, field):
    def change(s):
        cmpp = ptype(s, "CMPP")
        partners.update_partner_type(s, cmpp.id, expected_version=cmpp.version, **fields)
    assert refused(factory, db_snapshot, change).field == field


def test_adjusting_a_type_keeps_its_own_name_and_checks_version(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        cmpp = ptype(s, "CMPP")
        type_id, version = cmpp.id, cmpp.version
        partners.update_partner_type(s, type_id, expected_version=version, label="centre médico-psycho-pédagogique (CMPP)",
                                     age_min=3, age_max=18)
    with db.session_scope(factory, 1) as s:
        row = next(r for r in partners.partner_type_rows(s) if r.id == type_id)
        assert (row.age_min, row.age_max, row.direct_orientation_allowed) == (3, 18, True)
    refused(factory, db_snapshot, lambda s: partners.update_partner_type(s, type_id, expected_version=version, age_max=19),
            StaleRecordError)


# --------------------------------------------------------------------------- the form's save


def _values(s, **extra):
    return dict(name="CMP Évry Centre", type_id=ptype(s, "CMP_ENF").id, town="Évry-Courcouronnes",
                email="cmp@ght.fr") | extra


def test_save_new_partner_with_contacts(factory):
    with db.session_scope(factory, 1) as s:
        p = partners.save_partner(s, None, expected_version=None, values=_values(s, age_min=None, age_max=None),
                                  contacts=[ContactRow(None, "Dr Roux", "Pédopsychiatre", "01 60 00 00 01"),
                                            ContactRow(None, "Mme Lin", "Secrétariat", email="secretariat@ght.fr")])
        pid = p.id
    with db.session_scope(factory) as s:
        d = partners.partner_detail(s, pid)
        assert (d.name, d.town, d.age_min, d.age_max, d.active) == ("CMP Évry Centre", "Évry-Courcouronnes", 0, 17, True)
        assert [(c.name, c.function) for c in d.contacts] == [("Dr Roux", "Pédopsychiatre"), ("Mme Lin", "Secrétariat")]
        assert d.type_label == "CMP enfants" and d.conventions == 0


def test_save_existing_partner_edits_adds_and_removes_contacts(factory):
    with db.session_scope(factory, 1) as s:
        p = partners.save_partner(s, None, expected_version=None, values=_values(s),
                                  contacts=[ContactRow(None, "Dr Roux"), ContactRow(None, "Mme Lin")])
        pid = p.id
    with db.session_scope(factory) as s:
        d = partners.partner_detail(s, pid)
    roux, lin = d.contacts
    with db.session_scope(factory, 1) as s:
        partners.save_partner(s, pid, expected_version=d.version, values={"sector": "Secteur 91I03", "active": False},
                              contacts=[ContactRow(roux.id, "Dr Roux", "Pédopsychiatre", version=roux.version),
                                        ContactRow(None, "M. Diaz", "Infirmier")])
    with db.session_scope(factory) as s:
        d2 = partners.partner_detail(s, pid)
        assert (d2.sector, d2.active) == ("Secteur 91I03", False)
        assert [(c.name, c.function) for c in d2.contacts] == [("Dr Roux", "Pédopsychiatre"), ("M. Diaz", "Infirmier")]
        assert s.get(PartnerContact, lin.id) is None


@pytest.mark.parametrize("values, contacts, field", [
    (dict(email="cmp.ght.fr"), [], "email"),
    (dict(age_min=15, age_max=4), [], "age_min"),
    (dict(age_min=-1), [], "age_min"),
    (dict(name=""), [], "name"),
    (dict(), [ContactRow(None, "Dr Roux", email="roux@")], "contacts"),
    (dict(), [ContactRow(None, " ")], "contacts"),
    (dict(couleur="bleu"), [], "couleur"),
])
def test_save_refusals_write_nothing(factory, db_snapshot, values, contacts, field):
    with db.session_scope(factory, 1) as s:
        existing = partners.save_partner(s, None, expected_version=None, values=_values(s, name="Existant"),
                                         contacts=[ContactRow(None, "Mme Lin")])
        pid, version = existing.id, existing.version
    err = refused(factory, db_snapshot,
                  lambda s: partners.save_partner(s, None, expected_version=None, values=_values(s, **values),
                                                  contacts=contacts))
    assert err.field == field
    err = refused(factory, db_snapshot,
                  lambda s: partners.save_partner(s, pid, expected_version=version, values=values, contacts=contacts))
    if values or contacts:
        assert err.field == field


def test_contact_refusal_names_the_contact(session):
    with pytest.raises(DomainError, match="Contact « Dr Roux » : .*courriel"):
        partners.save_partner(session, None, expected_version=None, values=_values(session),
                              contacts=[ContactRow(None, "Dr Roux", email="roux")])


def test_save_stale_partner_or_contact_refused(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        p = partners.save_partner(s, None, expected_version=None, values=_values(s), contacts=[ContactRow(None, "Dr Roux")])
        pid = p.id
    with db.session_scope(factory) as s:
        d = partners.partner_detail(s, pid)
    with db.session_scope(factory, 1) as s:  # someone else edits the contact meanwhile
        partners.update_contact(s, d.contacts[0].id, expected_version=None, phone="01 02 03 04 05")
    refused(factory, db_snapshot, lambda s: partners.save_partner(
        s, pid, expected_version=d.version, values={}, contacts=[ContactRow(d.contacts[0].id, "Dr R.", version=d.contacts[0].version)]),
        StaleRecordError)
    refused(factory, db_snapshot, lambda s: partners.save_partner(
        s, pid, expected_version=d.version + 5, values={"town": "Ris"}, contacts=[]), StaleRecordError)


def test_check_contact_for_the_dialog():
    assert partners.check_contact({"name": " Dr Roux ", "email": "roux@ght.fr"}) == ContactRow(None, "Dr Roux", None, None, "roux@ght.fr")
    with pytest.raises(DomainError) as err:
        partners.check_contact({"name": "Dr Roux", "email": "roux@ght"})
    assert err.value.field == "email"


# --------------------------------------------------------------------------- deleting


def test_delete_a_partner_entered_by_mistake(factory):
    with db.session_scope(factory, 1) as s:
        p = partners.save_partner(s, None, expected_version=None, values=_values(s), contacts=[ContactRow(None, "Dr Roux")])
        pid, version = p.id, p.version
    with db.session_scope(factory, 1) as s:
        partners.delete_partner(s, pid, expected_version=version)
    with db.session_scope(factory) as s:
        assert s.get(Partner, pid) is None and s.scalars(select(PartnerContact)).all() == []


def test_delete_refused_for_a_partner_with_conventions_or_fiches(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        with_convention = make_partner(s, name="Filigrane")
        convention(s, with_convention)
        with_fiche = make_partner(s, name="CMPP Dolto", code="CMPP")
        care_referral(s, family_with_child(s), with_fiche)
        ids = with_convention.id, with_fiche.id
    err = refused(factory, db_snapshot, lambda s: partners.delete_partner(s, ids[0]))
    assert "1 convention(s)" in err.message and "Structure active" in err.message
    err = refused(factory, db_snapshot, lambda s: partners.delete_partner(s, ids[1]))
    assert "1 fiche(s) de liaison" in err.message


def test_search_also_matches_the_type(session):
    partners.create_partner(session, name="Centre Françoise Dolto", type_id=ptype(session, "CMPP").id, town="Évry")
    partners.create_partner(session, name="Le Phare", type_id=ptype(session, "MDA").id, town="Évry")
    assert [r.name for r in partners.search_partners(session, "cmpp")] == ["Centre Françoise Dolto"]
    assert [r.name for r in partners.search_partners(session, "adolescents evry")] == ["Le Phare"]


def test_directory_lists_partners_with_their_contacts(session):
    p = partners.save_partner(session, None, expected_version=None, values=_values(session),
                              contacts=[ContactRow(None, "Dr Roux")])
    partners.create_partner(session, name="Ancien CMP", type_id=ptype(session, "CMP_ENF").id, active=False)
    entries = partners.directory(session)
    assert [e.name for e in entries] == ["Ancien CMP", "CMP Évry Centre"]
    assert entries[1].contacts[0].name == "Dr Roux" and entries[1].type_label == "CMP enfants"
    assert [e.name for e in partners.directory(session, active=True)] == [p.name]
