import datetime as dt

import pytest
from sqlalchemy import select

from pre_desktop import db
from pre_desktop.models import (
    Child,
    ChildStatus,
    EpsDecision,
    EpsDecisionKind,
    EpsMeeting,
    Partner,
    PartnerType,
    Pathway,
    PathwayAction,
)
from pre_desktop.services import children, pathways as svc
from pre_desktop.services.errors import DomainError, NotFoundError, StaleRecordError
from refusal import refused as _refused

BD = dt.date(2016, 3, 4)


def _child(factory, first_name="Éloïse") -> int:
    with db.session_scope(factory, 1) as s:
        fam = children.create_family(s, name="Nguyen")
        return children.create_child(s, family_id=fam.id, last_name="Nguyen", first_name=first_name, birth_date=BD).id




def _accepted(factory, child_id, start=dt.date(2026, 10, 1)) -> tuple[int, int]:
    """An open pathway recommended by an EPS (built directly: eps.py is tested apart)."""
    with db.session_scope(factory, 1) as s:
        p = Pathway(child_id=child_id, start_date=start, review_date=dt.date(2027, 4, 1), objectives="Lire")
        meeting = EpsMeeting(meeting_date=start)
        s.add_all([p, meeting])
        s.flush()
        d = EpsDecision(meeting=meeting, child_id=child_id, kind=EpsDecisionKind.ACCEPT, decided_on=start, pathway_id=p.id)
        s.add(d)
        s.get(Child, child_id).status = ChildStatus.ACTIVE
    return p.id, d.id


def test_hors_eps_action_opens_a_pathway_and_is_listed(factory):
    child_id = _child(factory)
    with db.session_scope(factory, 1) as s:
        assert svc.open_pathway(s, child_id) is None
        action = svc.add_action(s, child_id=child_id, label="Accompagnement scolaire", action_type="scolaire",
                                start_date="02/11/2026")
        assert action.hors_eps and action.pathway.start_date == dt.date(2026, 11, 2)
        assert svc.open_pathway(s, child_id) is action.pathway
        second = svc.add_action(s, child_id=child_id, label="Sophrologie")
        assert second.pathway is action.pathway and second.start_date == dt.date(2026, 11, 22)
        rows = svc.hors_eps_actions(s)
    assert [(r.label, r.since, r.child_name) for r in rows] == [
        ("Accompagnement scolaire", dt.date(2026, 11, 2), "NGUYEN Éloïse"),
        ("Sophrologie", dt.date(2026, 11, 22), "NGUYEN Éloïse")]


def test_action_with_eps_decision_is_not_hors_eps(factory):
    child_id = _child(factory)
    p_id, d_id = _accepted(factory, child_id)
    with db.session_scope(factory, 1) as s:
        ptype = s.scalars(select(PartnerType)).first()
        partner = Partner(name="CMPP Pasteur", type_id=ptype.id)
        s.add(partner)
        s.flush()
        action = svc.add_action(s, child_id=child_id, label="Soutien psychologique", partner_id=partner.id,
                                eps_decision_id=d_id)
        assert not action.hors_eps and action.pathway_id == p_id
        assert svc.hors_eps_actions(s) == []


@pytest.mark.parametrize("kwargs, field, exc", [
    (dict(label=" "), "label", DomainError),
    (dict(partner_id=999), "partner_id", NotFoundError),
    (dict(start_date="pas une date"), "start_date", DomainError),
    (dict(start_date="01/09/2026"), "start_date", DomainError),  # before the pathway's start
    (dict(eps_decision_id=999), "eps_decision_id", DomainError),
])
def test_add_action_refusals(factory, db_snapshot, kwargs, field, exc):
    child_id = _child(factory)
    _accepted(factory, child_id)
    args = dict(child_id=child_id, label="Théâtre")
    args.update(kwargs)
    assert _refused(factory, db_snapshot, lambda s: svc.add_action(s, **args), exc).field == field


def test_add_action_refusals_decision_of_other_child_or_ended(factory, db_snapshot):
    a, b = _child(factory), _child(factory, "Minh")
    _, d_id = _accepted(factory, a)
    err = _refused(factory, db_snapshot, lambda s: svc.add_action(s, child_id=b, label="X", eps_decision_id=d_id))
    assert err.field == "eps_decision_id"
    with db.session_scope(factory, 1) as s:
        s.get(Child, b).status = ChildStatus.ENDED
    err = _refused(factory, db_snapshot, lambda s: svc.add_action(s, child_id=b, label="X"))
    assert "terminé" in err.message
    _refused(factory, db_snapshot, lambda s: svc.add_action(s, child_id=777, label="X"), NotFoundError)


def test_remove_action(factory):
    child_id = _child(factory)
    with db.session_scope(factory, 1) as s:
        action = svc.add_action(s, child_id=child_id, label="Théâtre")
    with db.session_scope(factory, 1) as s:
        svc.remove_action(s, action.id, expected_version=1)
        assert s.get(PathwayAction, action.id) is None


def test_review_date_and_due_list(factory, db_snapshot):
    a, b = _child(factory), _child(factory, "Minh")
    pa, _ = _accepted(factory, a)
    pb, _ = _accepted(factory, b)
    with db.session_scope(factory, 1) as s:
        svc.set_review_date(s, pa, dt.date(2026, 11, 2), expected_version=1)
        svc.set_review_date(s, pb, "22/11/2026")
        rows = svc.pathways_due_for_review(s)
        assert [(r.child_id, r.days_late) for r in rows] == [(a, 20), (b, 0)]
        assert [r.child_id for r in svc.pathways_due_for_review(s, on=dt.date(2026, 11, 10))] == [a]
    assert _refused(factory, db_snapshot, lambda s: svc.set_review_date(s, pa, "01/10/2026")).field == "review_date"
    _refused(factory, db_snapshot, lambda s: svc.set_review_date(s, pa, "01/12/2026", expected_version=1),
             StaleRecordError)


def test_end_pathway(factory, db_snapshot):
    child_id = _child(factory)
    p_id, _ = _accepted(factory, child_id)
    assert _refused(factory, db_snapshot, lambda s: svc.end_pathway(
        s, p_id, end_date="30/09/2026", end_reason="Déménagement")).field == "end_date"
    assert _refused(factory, db_snapshot, lambda s: svc.end_pathway(
        s, p_id, end_date="30/10/2026", end_reason="")).field == "end_reason"
    with db.session_scope(factory, 1) as s:
        p = svc.end_pathway(s, p_id, end_date="30/10/2026", end_reason="Déménagement")
        assert p.end_date == dt.date(2026, 10, 30) and svc.open_pathway(s, child_id) is None
        assert svc.pathways_due_for_review(s, on=dt.date(2027, 6, 1)) == []
    assert "déjà terminé" in _refused(factory, db_snapshot, lambda s: svc.end_pathway(
        s, p_id, end_date="31/10/2026", end_reason="x")).message
    assert _refused(factory, db_snapshot, lambda s: svc.set_review_date(s, p_id, "01/12/2026")).field == "review_date"


def test_hors_eps_of_ended_pathway_not_listed(factory):
    child_id = _child(factory)
    with db.session_scope(factory, 1) as s:
        action = svc.add_action(s, child_id=child_id, label="Théâtre", start_date="01/11/2026")
        svc.end_pathway(s, action.pathway_id, end_date="20/11/2026", end_reason="Erreur de saisie")
        assert svc.hors_eps_actions(s) == []


def test_hors_eps_action_at_a_structure_the_pre_cannot_orient_to_is_refused(factory, db_snapshot):
    child_id = _child(factory)
    with db.session_scope(factory, 1) as s:
        hdj = Partner(name="Hôpital de jour Winnicott",
                      type_id=s.scalars(select(PartnerType.id).where(PartnerType.code == "HDJ")).one())
        s.add(hdj)
        s.flush()
        hdj_id = hdj.id
    error = _refused(factory, db_snapshot, lambda s: svc.add_action(s, child_id=child_id, label="Soins de jour",
                                                                    partner_id=hdj_id))
    assert error.field == "partner_id" and "Hôpital de jour Winnicott" in error.message and "psychiatre" in error.message
