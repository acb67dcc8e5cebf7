import datetime as dt

import pytest
from sqlalchemy import func, select

from pre_desktop import db
from pre_desktop.models import Child, ChildStatus, Family, Referral
from pre_desktop.services import children, referrals as svc
from pre_desktop.services.errors import DomainError, NeedsConfirmation, NotFoundError, StaleRecordError
from refusal import refused as _refused

BD = dt.date(2016, 3, 4)
CHILD = dict(last_name="Nguyen", first_name="Éloïse", birth_date=BD, school="École Jean-Jaurès")
REFERRAL = dict(referred_on="15/10/2026", source="école", referrer_name="Mme Roche", reasons="Absentéisme, isolement")


def _child(factory) -> int:
    with db.session_scope(factory, 1) as s:
        fam = children.create_family(s, name="Nguyen")
        return children.create_child(s, family_id=fam.id, **{k: v for k, v in CHILD.items()}).id




def test_sources_list():
    assert "École" in svc.SOURCES and "Service social départemental" in svc.SOURCES and svc.SOURCES[-1] == "Autre"
    assert len(svc.SOURCES) == 10


def test_add_update_delete_referral(factory):
    child_id = _child(factory)
    with db.session_scope(factory, 1) as s:
        ref = svc.add_referral(s, child_id=child_id, **REFERRAL)
        assert ref.source == "École" and ref.referred_on == dt.date(2026, 10, 15)
        svc.update_referral(s, ref.id, expected_version=ref.version, source="Club de prévention d'Aubervilliers",
                            reasons="Décrochage")
        assert ref.source == "Club de prévention d'Aubervilliers" and ref.reasons == "Décrochage"
    with db.session_scope(factory, 1) as s:
        svc.delete_referral(s, ref.id, expected_version=2)
    with db.session_scope(factory) as s:
        assert s.get(Referral, ref.id) is None


@pytest.mark.parametrize("change, field", [
    (dict(referred_on="23/11/2026"), "referred_on"),
    (dict(referred_on="01/01/2016"), "referred_on"),
    (dict(referred_on=None), "referred_on"),
    (dict(source="  "), "source"),
    (dict(reasons=""), "reasons"),
])
def test_add_referral_refusals(factory, db_snapshot, change, field):
    child_id = _child(factory)
    args = {**REFERRAL, **change}
    assert _refused(factory, db_snapshot, lambda s: svc.add_referral(s, child_id=child_id, **args)).field == field


def test_update_referral_refusals(factory, db_snapshot):
    child_id = _child(factory)
    with db.session_scope(factory, 1) as s:
        ref = svc.add_referral(s, child_id=child_id, **REFERRAL)
    assert _refused(factory, db_snapshot, lambda s: svc.update_referral(
        s, ref.id, expected_version=1, reasons=" ")).field == "reasons"
    assert _refused(factory, db_snapshot, lambda s: svc.update_referral(
        s, ref.id, expected_version=1, urgency="haute")).field == "urgency"
    _refused(factory, db_snapshot, lambda s: svc.update_referral(s, ref.id, expected_version=5, reasons="x"),
             StaleRecordError)
    _refused(factory, db_snapshot, lambda s: svc.delete_referral(s, ref.id, expected_version=5), StaleRecordError)


def test_new_referral_of_ended_child_puts_it_back_on_waiting(session):
    fam = children.create_family(session, name="X")
    child = children.create_child(session, family_id=fam.id, **CHILD)
    child.status = ChildStatus.ENDED
    svc.add_referral(session, child_id=child.id, **REFERRAL)
    assert child.status is ChildStatus.REFERRED


def test_new_referral_with_new_family(factory):
    with db.session_scope(factory, 1) as s:
        res = svc.new_referral(s, family=dict(name="Nguyen", town="Saint-Denis"), child=CHILD, referral=REFERRAL)
        assert res.child.family is res.family and res.referral.child is res.child
        assert res.child.status is ChildStatus.REFERRED and res.family.town == "Saint-Denis"
    with db.session_scope(factory) as s:
        assert s.scalar(select(func.count()).select_from(Child)) == 1


def test_new_referral_with_existing_family(factory):
    child_id = _child(factory)
    with db.session_scope(factory, 1) as s:
        fam_id = s.get(Child, child_id).family_id
        res = svc.new_referral(s, family_id=fam_id, child=dict(last_name="Nguyen", first_name="Minh", birth_date="02/02/2018"),
                               referral=REFERRAL)
        assert res.family.id == fam_id and [c.first_name for c in children.siblings(s, child_id)] == ["Minh"]


@pytest.mark.parametrize("kwargs, field", [
    (dict(family=dict(name="")), "name"),
    (dict(family=dict(name="N", postal_code="abc")), "postal_code"),
    (dict(family_id=999), "family_id"),
    (dict(), "family_id"),
    (dict(family_id=1, family=dict(name="N")), "family_id"),
    (dict(family=dict(name="N"), child={**CHILD, "first_name": ""}), "first_name"),
    (dict(family=dict(name="N"), child={**CHILD, "birth_date": None}), "birth_date"),
    (dict(family=dict(name="N"), child={k: v for k, v in CHILD.items() if k != "birth_date"}), "birth_date"),
    (dict(family=dict(name="N"), referral={**REFERRAL, "reasons": None}), "reasons"),
    (dict(family=dict(name="N"), referral={k: v for k, v in REFERRAL.items() if k != "source"}), "source"),
    (dict(family=dict(name="N"), referral={**REFERRAL, "referred_on": "01/01/2030"}), "referred_on"),
])
def test_new_referral_refusals_create_nothing(factory, db_snapshot, kwargs, field):
    args = dict(child=CHILD, referral=REFERRAL)
    args.update(kwargs)
    assert _refused(factory, db_snapshot, lambda s: svc.new_referral(s, **args)).field == field


def test_new_referral_warns_on_duplicate_then_confirms(factory, db_snapshot):
    child_id = _child(factory)
    err = _refused(factory, db_snapshot, lambda s: svc.new_referral(
        s, family=dict(name="Nguyen"), child=CHILD, referral=REFERRAL), NeedsConfirmation)
    assert [(w.code, w.related_id) for w in err.warnings] == [("duplicate", child_id)]
    with db.session_scope(factory, 1) as s:
        svc.new_referral(s, family=dict(name="Nguyen"), child=CHILD, referral=REFERRAL, confirm=True)
    with db.session_scope(factory) as s:
        assert s.scalar(select(func.count()).select_from(Family)) == 2


def test_add_referral_unknown_child(factory, db_snapshot):
    _refused(factory, db_snapshot, lambda s: svc.add_referral(s, child_id=42, **REFERRAL), NotFoundError)


def test_referral_dated_before_the_closing_decision_does_not_reopen_the_file(factory):
    """Entering an old repérage (history) of a child the EPS has since closed must not put
    the child back to "repéré": no commission would ever be suggested for it (the decision
    is newer), and the closing decision could no longer be undone."""
    from pre_desktop.services import eps
    from pre_desktop.models import EpsDecisionKind as K

    child_id = _child(factory)
    with db.session_scope(factory, 1) as s:
        meeting = eps.create_meeting(s, meeting_date=dt.date(2026, 11, 10))
        eps.record_decision(s, meeting_id=meeting.id, child_id=child_id, kind=K.REFUSE, reason="Suivi CMP",
                            confirm=True)
    with db.session_scope(factory, 1) as s:
        svc.add_referral(s, child_id=child_id, **{**REFERRAL, "referred_on": "01/09/2026"})
        assert s.get(Child, child_id).status is ChildStatus.REORIENTED
        svc.add_referral(s, child_id=child_id, **{**REFERRAL, "referred_on": "10/11/2026"})
        assert s.get(Child, child_id).status is ChildStatus.REORIENTED  # same day as the decision: before it
        svc.add_referral(s, child_id=child_id, **{**REFERRAL, "referred_on": "12/11/2026"})
        assert s.get(Child, child_id).status is ChildStatus.REFERRED
        assert [sug.child.id for sug in eps.agenda_suggestions(s, eps.create_meeting(s, meeting_date="20/11/2026").id)] \
            == [child_id]


def test_deleting_the_referral_that_reopened_a_file_closes_it_again(factory):
    """A repérage entered by mistake for a child the EPS had closed, then deleted: the child
    goes back to the status of that decision instead of staying "repéré" with no referral
    to wait on (never suggested, decision no longer revertible)."""
    from pre_desktop.services import eps
    from pre_desktop.models import EpsDecisionKind as K

    child_id = _child(factory)
    with db.session_scope(factory, 1) as s:
        meeting = eps.create_meeting(s, meeting_date=dt.date(2026, 11, 10))
        decision = eps.record_decision(s, meeting_id=meeting.id, child_id=child_id, kind=K.END, reason="Déménagement",
                                       confirm=True)
        first = svc.add_referral(s, child_id=child_id, **{**REFERRAL, "referred_on": "12/11/2026"})
        second = svc.add_referral(s, child_id=child_id, **{**REFERRAL, "referred_on": "13/11/2026"})
        assert s.get(Child, child_id).status is ChildStatus.REFERRED
    with db.session_scope(factory, 1) as s:
        svc.delete_referral(s, second.id)
        assert s.get(Child, child_id).status is ChildStatus.REFERRED  # the other one still waits
        svc.delete_referral(s, first.id)
        assert s.get(Child, child_id).status is ChildStatus.ENDED
    with db.session_scope(factory, 1) as s:
        eps.revert_decision(s, decision.id)
        assert s.get(Child, child_id).status is ChildStatus.REFERRED


def test_redating_the_referral_that_reopened_a_file_follows_the_closing_decision(factory):
    """Correcting the date of a repérage across the decision that closed the file moves the
    child between "repéré" and that decision's status, as adding or deleting it would."""
    from pre_desktop.services import eps
    from pre_desktop.models import EpsDecisionKind as K

    child_id = _child(factory)
    with db.session_scope(factory, 1) as s:
        meeting = eps.create_meeting(s, meeting_date=dt.date(2026, 11, 10))
        eps.record_decision(s, meeting_id=meeting.id, child_id=child_id, kind=K.REORIENT, reoriented_to="CMP",
                            reason="Soin", confirm=True)
        ref = svc.add_referral(s, child_id=child_id, **{**REFERRAL, "referred_on": "12/11/2026"})
        assert s.get(Child, child_id).status is ChildStatus.REFERRED
        svc.update_referral(s, ref.id, expected_version=ref.version, referred_on="01/11/2026")
        assert s.get(Child, child_id).status is ChildStatus.REORIENTED
        svc.update_referral(s, ref.id, expected_version=ref.version, referred_on="15/11/2026")
        assert s.get(Child, child_id).status is ChildStatus.REFERRED
