import datetime as dt

import pytest

from pre_desktop.models import Family
from pre_desktop.services import consent
from pre_desktop.services.errors import DomainError


def test_consent_in_force_until_withdrawn(session):
    fam = Family(name="Dupont")
    session.add(fam)
    session.flush()
    assert not consent.has_active_consent(session, fam.id)
    with pytest.raises(DomainError) as err:
        consent.require_consent(session, fam.id)
    assert err.value.field == "consent" and "accord" in err.value.message
    c = consent.record_consent(session, fam.id, given_on="01/09/2026", given_by="Mme Dupont", scope="Orientation soin")
    assert consent.has_active_consent(session, fam.id)
    assert not consent.has_active_consent(session, fam.id, on=dt.date(2026, 8, 31))
    consent.withdraw_consent(session, c.id, withdrawn_on=dt.date(2026, 11, 1))
    assert not consent.has_active_consent(session, fam.id)
    assert consent.has_active_consent(session, fam.id, on=dt.date(2026, 10, 31))


def test_refused_consent_leaves_database_unchanged(factory, db_snapshot):
    from pre_desktop import db

    with db.session_scope(factory, 1) as s:
        fam = Family(name="Durand")
        s.add(fam)
    before = db_snapshot()
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            consent.record_consent(s, fam.id, given_on="31/12/2030", given_by="M. Durand")
    assert err.value.field == "given_on"
    assert db_snapshot() == before


def test_withdrawal_refused_in_the_future(factory, db_snapshot):
    """A withdrawal is a fact the family stated: dated in the future it would keep sharing allowed until then."""
    from pre_desktop import db

    with db.session_scope(factory, 1) as s:
        fam = Family(name="Durand")
        s.add(fam)
        s.flush()
        cid = consent.record_consent(s, fam.id, given_on="01/09/2026", given_by="M. Durand").id
    before = db_snapshot()
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            consent.withdraw_consent(s, cid, withdrawn_on="23/11/2026")
    assert err.value.field == "withdrawn_on" and "futur" in err.value.message
    assert db_snapshot() == before
