import datetime as dt

import pytest
from sqlalchemy import func, select

from pre_desktop.services.common import add_months
from pre_desktop import db
from pre_desktop.models import (
    AgendaReason,
    CareReferral,
    CareReferralState,
    Child,
    ChildStatus,
    EpsDecision,
    EpsDecisionKind as K,
    EpsSituation,
    Partner,
    PartnerType,
    Pathway,
    PathwayAction,
)
from pre_desktop.services import children, eps, pathways, referrals
from pre_desktop.services.errors import DomainError, NeedsConfirmation, NotFoundError, StaleRecordError
from refusal import refused as _refused

BD = dt.date(2016, 3, 4)
MEETING = dt.date(2026, 11, 10)




def _child(s, first_name="Éloïse", referred_on=dt.date(2026, 10, 1), **kw) -> Child:
    res = referrals.new_referral(
        s, family=dict(name="Nguyen"), child=dict(last_name="Nguyen", first_name=first_name, birth_date=kw.pop("bd", BD),
                                                  referent_id=2, **kw),
        referral=dict(referred_on=referred_on, source="École", reasons="Absentéisme"), confirm=True)
    return res.child


@pytest.fixture
def setup(factory):
    """A meeting on 10/11/2026 with Éloïse (repérée) on its agenda."""
    with db.session_scope(factory, 1) as s:
        meeting = eps.create_meeting(s, meeting_date=MEETING, place="Mairie annexe")
        child = _child(s)
        eps.add_situation(s, meeting.id, child.id)
    return meeting.id, child.id


def _decide(factory, meeting_id, child_id, **kw) -> int:
    with db.session_scope(factory, 1) as s:
        return eps.record_decision(s, meeting_id=meeting_id, child_id=child_id, **kw).id


# --- meetings, members, agenda -------------------------------------------------

def test_meetings_and_members(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        past = eps.create_meeting(s, meeting_date="10/11/2026")
        coming = eps.create_meeting(s, meeting_date="08/12/2026", place="Salle B")
        m = eps.add_member(s, past.id, name="Mme Roche", function="Directrice", institution="École Jaurès")
        eps.add_member(s, past.id, name="M. Diop", function="Assistant social", present=False)
        eps.update_member(s, m.id, present=False)
        eps.update_meeting(s, coming.id, expected_version=1, place="Salle C")
        assert [r.id for r in eps.meetings(s, past=True)] == [past.id]
        assert [r.place for r in eps.meetings(s, past=False)] == ["Salle C"]
        assert [r.id for r in eps.meetings(s)] == [past.id, coming.id]
        eps.remove_member(s, m.id)
        assert [x.name for x in s.get(type(past), past.id).members] == ["M. Diop"]
    assert _refused(factory, db_snapshot, lambda s: eps.create_meeting(s, meeting_date=None)).field == "meeting_date"
    assert _refused(factory, db_snapshot, lambda s: eps.add_member(s, past.id, name=" ")).field == "name"
    _refused(factory, db_snapshot, lambda s: eps.update_meeting(s, coming.id, expected_version=1, place="X"),
             StaleRecordError)
    with db.session_scope(factory, 1) as s:
        eps.delete_meeting(s, coming.id)


def test_add_situation_no_duplicate_and_not_ended(factory, db_snapshot, setup):
    meeting_id, child_id = setup
    err = _refused(factory, db_snapshot, lambda s: eps.add_situation(s, meeting_id, child_id, AgendaReason.OTHER))
    assert "déjà à l'ordre du jour" in err.message
    with db.session_scope(factory, 1) as s:
        other = _child(s, "Minh")
        other.status = ChildStatus.ENDED
    assert "sorti" in _refused(factory, db_snapshot, lambda s: eps.add_situation(s, meeting_id, other.id)).message
    _refused(factory, db_snapshot, lambda s: eps.add_situation(s, 999, child_id), NotFoundError)


def test_remove_situation_without_decision(factory, setup):
    meeting_id, child_id = setup
    with db.session_scope(factory, 1) as s:
        sit = s.scalars(select(EpsSituation)).one()
        eps.remove_situation(s, sit.id)
        assert s.scalar(select(func.count()).select_from(EpsSituation)) == 0


def test_remove_situation_with_decision_needs_confirmation_and_reverts(factory, db_snapshot, setup):
    meeting_id, child_id = setup
    _decide(factory, meeting_id, child_id, kind=K.ACCEPT, objectives="Lecture")
    with db.session_scope(factory) as s:
        sit_id = s.scalars(select(EpsSituation.id)).one()
    err = _refused(factory, db_snapshot, lambda s: eps.remove_situation(s, sit_id), NeedsConfirmation)
    assert err.warnings[0].code == "decision_recorded"
    with db.session_scope(factory, 1) as s:
        eps.remove_situation(s, sit_id, confirm=True)
    with db.session_scope(factory) as s:
        child = s.get(Child, child_id)
        assert child.status is ChildStatus.REFERRED and child.pathways == [] and child.entry_date is None
        assert s.scalar(select(func.count()).select_from(EpsDecision)) == 0


def test_agenda_suggestions(factory, setup):
    meeting_id, waiting_id = setup
    with db.session_scope(factory, 1) as s:
        later = eps.create_meeting(s, meeting_date="20/11/2026")
        # waiting since referral (not on the new meeting's agenda)
        # due for review: accepted at the first meeting, review on 15/11
        reviewed = _child(s, "Paul")
        eps.record_decision(s, meeting_id=meeting_id, child_id=reviewed.id, kind=K.ACCEPT, review_date="15/11/2026",
                            confirm=True)
        # hors-EPS action
        hors = _child(s, "Inès")
        eps.record_decision(s, meeting_id=meeting_id, child_id=hors.id, kind=K.ACCEPT, confirm=True)
        pathways.add_action(s, child_id=hors.id, label="Sophrologie", start_date="12/11/2026")
        # postponed to a later date than the meeting: not suggested; postponed earlier: suggested
        far = _child(s, "Zoé")
        eps.record_decision(s, meeting_id=meeting_id, child_id=far.id, kind=K.POSTPONE, postponed_to="01/01/2027",
                            confirm=True)
        soon = _child(s, "Léo")
        eps.record_decision(s, meeting_id=meeting_id, child_id=soon.id, kind=K.POSTPONE, postponed_to="18/11/2026",
                            confirm=True)
        # referred after the meeting: not suggested; ended: not suggested; already on agenda: not suggested
        _child(s, "Tard", referred_on=dt.date(2026, 11, 21))
        ended = _child(s, "Fin")
        ended.status = ChildStatus.ENDED
        listed = _child(s, "Listé")
        eps.add_situation(s, later.id, listed.id)
        s.flush()
        got = {sugg.child.first_name: (sugg.reason, sugg.detail) for sugg in eps.agenda_suggestions(s, later.id)}
        ordered = [sugg.child.first_name for sugg in eps.agenda_suggestions(s, later.id)]
        child, reason, detail = eps.agenda_suggestions(s, later.id)[0]  # unpacks as (child, reason, detail)
    assert set(got) == {"Éloïse", "Léo", "Inès", "Paul"}
    assert got["Éloïse"] == (AgendaReason.NEW_REFERRAL, "En attente depuis le 01/10/2026 (repérage : École)")
    assert got["Léo"][0] is AgendaReason.NEW_REFERRAL and "ajournée le 10/11/2026" in got["Léo"][1]
    assert got["Inès"] == (AgendaReason.HORS_EPS, "1 action(s) hors EPS depuis le 12/11/2026 : Sophrologie")
    assert got["Paul"] == (AgendaReason.REVIEW, "Révision du parcours prévue le 15/11/2026")
    assert ordered == ["Éloïse", "Léo", "Inès", "Paul"] and child.first_name == "Éloïse"


# --- decisions: effects ---------------------------------------------------------

def test_accept_creates_pathway_with_actions(factory, setup):
    meeting_id, child_id = setup
    with db.session_scope(factory, 1) as s:
        ptype = s.scalars(select(PartnerType).where(PartnerType.code == "CMPP")).one()
        partner = Partner(name="CMPP", type_id=ptype.id)
        s.add(partner)
        s.flush()
        d = eps.record_decision(s, meeting_id=meeting_id, child_id=child_id, kind=K.ACCEPT, objectives="Lecture",
                                actions=[dict(label="Accompagnement scolaire", action_type="scolaire"),
                                         dict(label="Soutien psychologique", partner_id=partner.id)])
        p = d.pathway
        assert (p.start_date, p.review_date, p.objectives, p.end_date) == (MEETING, dt.date(2027, 5, 10), "Lecture", None)
        assert [(a.label, a.eps_decision_id, a.start_date) for a in p.actions] == [
            ("Accompagnement scolaire", d.id, MEETING), ("Soutien psychologique", d.id, MEETING)]
        child = s.get(Child, child_id)
        assert child.status is ChildStatus.ACTIVE and child.entry_date == MEETING
        assert d.previous_child_status == "referred" and d.decided_on == MEETING


def test_accept_on_open_pathway_extends_it_and_regularises_hors_eps(factory, setup):
    meeting_id, child_id = setup
    with db.session_scope(factory, 1) as s:
        hors = pathways.add_action(s, child_id=child_id, label="Sophrologie", start_date="01/11/2026")
        hors.pathway.objectives = "Confiance en soi"
        first_pathway = hors.pathway_id
    with db.session_scope(factory, 1) as s:
        d = eps.record_decision(s, meeting_id=meeting_id, child_id=child_id, kind=K.ACCEPT, objectives="Lecture",
                                review_date="01/03/2027", actions=[dict(label="Théâtre")])
        assert d.pathway_id == first_pathway
        assert s.scalar(select(func.count()).select_from(Pathway)) == 1
        p = d.pathway
        assert p.objectives == "Confiance en soi\n\nEPS du 10/11/2026 : Lecture" and p.review_date == dt.date(2027, 3, 1)
        assert [(a.label, a.eps_decision_id) for a in p.actions] == [("Sophrologie", d.id), ("Théâtre", d.id)]
        assert pathways.hors_eps_actions(s) == []
    # revert: Théâtre deleted, Sophrologie back to hors EPS, objectives and review date restored
    with db.session_scope(factory, 1) as s:
        eps.revert_decision(s, d.id)
    with db.session_scope(factory) as s:
        p = s.get(Pathway, first_pathway)
        assert (p.objectives, p.review_date) == ("Confiance en soi", None)
        assert [(a.label, a.eps_decision_id) for a in p.actions] == [("Sophrologie", None)]
        child = s.get(Child, child_id)
        assert child.status is ChildStatus.REFERRED and child.entry_date is None


def test_accept_without_regularising_keeps_hors_eps(factory, setup):
    meeting_id, child_id = setup
    with db.session_scope(factory, 1) as s:
        pathways.add_action(s, child_id=child_id, label="Sophrologie", start_date="01/11/2026")
        eps.record_decision(s, meeting_id=meeting_id, child_id=child_id, kind=K.ACCEPT, regularise_hors_eps=False)
        assert [r.label for r in pathways.hors_eps_actions(s)] == ["Sophrologie"]


def test_postpone(factory, setup):
    meeting_id, child_id = setup
    d = _decide(factory, meeting_id, child_id, kind=K.POSTPONE, postponed_to="08/12/2026")
    with db.session_scope(factory) as s:
        assert s.get(Child, child_id).status is ChildStatus.REFERRED
        assert [r.label for r in eps.decisions_for_child(s, child_id)] == ["Ajourné au 08/12/2026"]
        assert s.get(EpsDecision, d).postponed_to == dt.date(2026, 12, 8)


def test_refuse_and_reorient(factory, setup):
    meeting_id, child_id = setup
    _decide(factory, meeting_id, child_id, kind=K.REFUSE, reason="Relève de l'ASE")
    with db.session_scope(factory, 1) as s:
        assert s.get(Child, child_id).status is ChildStatus.REORIENTED
        other = _child(s, "Minh")
        eps.record_decision(s, meeting_id=meeting_id, child_id=other.id, kind=K.REORIENT, reoriented_to="CMP",
                            reason="Soin", confirm=True)
        assert other.status is ChildStatus.REORIENTED


def test_reorient_closes_open_pathway_and_revert_reopens(factory, setup):
    meeting_id, child_id = setup
    _decide(factory, meeting_id, child_id, kind=K.ACCEPT)
    with db.session_scope(factory, 1) as s:
        m2 = eps.create_meeting(s, meeting_date="20/11/2026")
        d = eps.record_decision(s, meeting_id=m2.id, child_id=child_id, kind=K.REORIENT, reoriented_to="CMP Nord",
                                reason="Besoin de soin", confirm=True)
        assert d.pathway.end_date == dt.date(2026, 11, 20) and d.pathway.end_reason == "Réorientation : CMP Nord"
        eps.revert_decision(s, d.id)
        assert pathways.open_pathway(s, child_id).end_reason is None
        assert s.get(Child, child_id).status is ChildStatus.ACTIVE


def test_end_closes_pathway_and_revert_reopens(factory, setup):
    meeting_id, child_id = setup
    _decide(factory, meeting_id, child_id, kind=K.ACCEPT)
    with db.session_scope(factory, 1) as s:
        m2 = eps.create_meeting(s, meeting_date="20/11/2026")
        d = eps.record_decision(s, meeting_id=m2.id, child_id=child_id, kind=K.END, reason="Objectifs atteints",
                                confirm=True)
        d_id, p_id = d.id, d.pathway_id
    with db.session_scope(factory) as s:
        p, child = s.get(Pathway, p_id), s.get(Child, child_id)
        assert (p.end_date, p.end_reason) == (dt.date(2026, 11, 20), "Objectifs atteints")
        assert (child.status, child.exit_date, child.exit_reason) == (ChildStatus.ENDED, dt.date(2026, 11, 20),
                                                                      "Objectifs atteints")
        assert d_id in [r.id for r in eps.decisions_for_child(s, child_id)]
    with db.session_scope(factory, 1) as s:
        eps.revert_decision(s, d_id)
    with db.session_scope(factory) as s:
        p, child = s.get(Pathway, p_id), s.get(Child, child_id)
        assert (p.end_date, p.end_reason) == (None, None)
        assert (child.status, child.exit_date, child.exit_reason) == (ChildStatus.ACTIVE, None, None)


def test_end_with_explicit_date(factory, setup):
    meeting_id, child_id = setup
    with db.session_scope(factory, 1) as s:
        d = eps.record_decision(s, meeting_id=meeting_id, child_id=child_id, kind=K.END, end_date="05/11/2026",
                                reason="Déménagement")
        assert d.pathway is None and s.get(Child, child_id).exit_date == dt.date(2026, 11, 5)


# --- decisions: refusals ----------------------------------------------------------

DECISION_REFUSALS = [
    (dict(kind="maybe"), "kind"),
    (dict(kind=K.POSTPONE), "postponed_to"),
    (dict(kind=K.POSTPONE, postponed_to="09/11/2026"), "postponed_to"),
    (dict(kind=K.POSTPONE, postponed_to="10/11/2026"), "postponed_to"),
    (dict(kind=K.REFUSE), "reason"),
    (dict(kind=K.REORIENT, reason="Soin"), "reoriented_to"),
    (dict(kind=K.REORIENT, reoriented_to="CMP"), "reason"),
    (dict(kind=K.END), "reason"),
    (dict(kind=K.ACCEPT, review_date="01/11/2026"), "review_date"),
    (dict(kind=K.ACCEPT, actions=[dict(label="")]), "actions"),
    (dict(kind=K.ACCEPT, actions=[dict(label="X", partner_id=999)]), "actions"),
    (dict(kind=K.ACCEPT, actions=[dict(label="X", colour="bleu")]), "actions"),
]


def test_decision_refusals(factory, db_snapshot, setup):
    """Each missing or wrong field is refused, naming the field, with nothing written.

    One test over all cases (one database), to keep the file fast.
    """
    meeting_id, child_id = setup
    for kwargs, field in DECISION_REFUSALS:
        err = _refused(factory, db_snapshot, lambda s: eps.record_decision(s, meeting_id=meeting_id,
                                                                           child_id=child_id, **kwargs))
        assert err.field == field, kwargs


def test_decision_refused_for_ended_child_second_decision_and_future_meeting(factory, db_snapshot, setup):
    meeting_id, child_id = setup
    _decide(factory, meeting_id, child_id, kind=K.POSTPONE, postponed_to="08/12/2026")
    err = _refused(factory, db_snapshot, lambda s: eps.record_decision(
        s, meeting_id=meeting_id, child_id=child_id, kind=K.ACCEPT))
    assert "déjà enregistrée" in err.message and "modifiez-la" in err.message
    with db.session_scope(factory, 1) as s:
        future = eps.create_meeting(s, meeting_date="08/12/2026").id
        m2 = eps.create_meeting(s, meeting_date="20/11/2026").id
    assert "pas encore eu lieu" in _refused(factory, db_snapshot, lambda s: eps.record_decision(
        s, meeting_id=future, child_id=child_id, kind=K.ACCEPT, confirm=True)).message
    _decide(factory, m2, child_id, kind=K.END, reason="Déménagement", confirm=True)
    err = _refused(factory, db_snapshot, lambda s: eps.record_decision(
        s, meeting_id=m2, child_id=child_id, kind=K.ACCEPT, confirm=True))
    assert "sorti" in err.message and err.field == "child_id"


def test_decision_at_older_meeting_than_latest_refused(factory, db_snapshot, setup):
    meeting_id, child_id = setup
    with db.session_scope(factory, 1) as s:
        m2 = eps.create_meeting(s, meeting_date="20/11/2026").id
    _decide(factory, m2, child_id, kind=K.ACCEPT, confirm=True)
    err = _refused(factory, db_snapshot, lambda s: eps.record_decision(
        s, meeting_id=meeting_id, child_id=child_id, kind=K.POSTPONE, postponed_to="01/12/2026"))
    assert "plus récente" in err.message


def test_refuse_with_open_pathway_refused(factory, db_snapshot, setup):
    meeting_id, child_id = setup
    with db.session_scope(factory, 1) as s:
        pathways.add_action(s, child_id=child_id, label="Sophrologie", start_date="01/11/2026")
    err = _refused(factory, db_snapshot, lambda s: eps.record_decision(
        s, meeting_id=meeting_id, child_id=child_id, kind=K.REFUSE, reason="x"))
    assert err.field == "kind"


def test_warnings_not_on_agenda_and_age(factory, db_snapshot, setup):
    meeting_id, _ = setup
    with db.session_scope(factory, 1) as s:
        old = _child(s, "Grand", bd=dt.date(2008, 1, 1))
    err = _refused(factory, db_snapshot, lambda s: eps.record_decision(
        s, meeting_id=meeting_id, child_id=old.id, kind=K.ACCEPT), NeedsConfirmation)
    assert sorted(w.code for w in err.warnings) == ["age_outside_public", "not_on_agenda"]
    with db.session_scope(factory, 1) as s:
        eps.record_decision(s, meeting_id=meeting_id, child_id=old.id, kind=K.ACCEPT, confirm=True)
        sit = s.scalars(select(EpsSituation).where(EpsSituation.child_id == old.id)).one()
        assert sit.reason is AgendaReason.NEW_REFERRAL and sit.position == 2


# --- revert and update --------------------------------------------------------------

def test_revert_accept_deletes_created_pathway(factory, setup):
    meeting_id, child_id = setup
    d = _decide(factory, meeting_id, child_id, kind=K.ACCEPT, actions=[dict(label="Théâtre")])
    with db.session_scope(factory, 1) as s:
        eps.revert_decision(s, d, expected_version=s.get(EpsDecision, d).version)
    with db.session_scope(factory) as s:
        assert s.scalar(select(func.count()).select_from(Pathway)) == 0
        assert s.scalar(select(func.count()).select_from(PathwayAction)) == 0
        assert s.get(Child, child_id).status is ChildStatus.REFERRED
        assert s.scalar(select(func.count()).select_from(EpsSituation)) == 1  # stays on the agenda


def test_revert_refusals(factory, db_snapshot, setup):
    meeting_id, child_id = setup
    d = _decide(factory, meeting_id, child_id, kind=K.ACCEPT)
    with db.session_scope(factory, 1) as s:
        pathways.add_action(s, child_id=child_id, label="Sophrologie")
    assert "ajoutées depuis" in _refused(factory, db_snapshot, lambda s: eps.revert_decision(s, d)).message
    with db.session_scope(factory, 1) as s:
        ptype = s.scalars(select(PartnerType)).first()
        s.add(CareReferral(child_id=child_id, partner=Partner(name="CMPP", type_id=ptype.id),
                           requested_on=dt.date(2026, 11, 15), eps_decision_id=d))
    assert "fiche(s) de liaison" in _refused(factory, db_snapshot, lambda s: eps.revert_decision(s, d)).message
    _refused(factory, db_snapshot, lambda s: eps.revert_decision(s, d, expected_version=9), StaleRecordError)
    with db.session_scope(factory, 1) as s:
        m2 = eps.create_meeting(s, meeting_date="20/11/2026").id
    _decide(factory, m2, child_id, kind=K.POSTPONE, postponed_to="01/12/2026", confirm=True)
    assert "plus récente" in _refused(factory, db_snapshot, lambda s: eps.revert_decision(s, d)).message


def test_revert_refused_when_status_changed_since(factory, db_snapshot, setup):
    meeting_id, child_id = setup
    d = _decide(factory, meeting_id, child_id, kind=K.REFUSE, reason="ASE")
    with db.session_scope(factory, 1) as s:  # re-referred: back to waiting
        referrals.add_referral(s, child_id=child_id, referred_on="15/11/2026", source="Famille", reasons="Demande")
    assert "a changé" in _refused(factory, db_snapshot, lambda s: eps.revert_decision(s, d)).message


def test_postpone_moves_review_and_revert_restores(factory, setup):
    meeting_id, child_id = setup
    _decide(factory, meeting_id, child_id, kind=K.ACCEPT, review_date="15/11/2026")
    with db.session_scope(factory, 1) as s:
        m2 = eps.create_meeting(s, meeting_date="20/11/2026")
        d = eps.record_decision(s, meeting_id=m2.id, child_id=child_id, kind=K.POSTPONE, postponed_to="15/01/2027",
                                confirm=True)
        assert pathways.open_pathway(s, child_id).review_date == dt.date(2027, 1, 15)
        eps.revert_decision(s, d.id)
        assert pathways.open_pathway(s, child_id).review_date == dt.date(2026, 11, 15)


def test_update_decision_replaces_effects(factory, db_snapshot, setup):
    meeting_id, child_id = setup
    d = _decide(factory, meeting_id, child_id, kind=K.POSTPONE, postponed_to="08/12/2026")
    err = _refused(factory, db_snapshot, lambda s: eps.update_decision(s, d, kind=K.REFUSE))
    assert err.field == "reason"
    with db.session_scope(factory, 1) as s:
        new = eps.update_decision(s, d, expected_version=1, kind=K.ACCEPT, objectives="Lecture")
        assert new.kind is K.ACCEPT and new.pathway.objectives == "Lecture" and new.previous_child_status == "referred"
    with db.session_scope(factory, 1) as s:
        new2 = eps.update_decision(s, new.id, kind=K.END, reason="Déménagement")
        assert new2.previous_child_status == "referred" and s.get(Child, child_id).status is ChildStatus.ENDED
        assert s.scalar(select(func.count()).select_from(Pathway)) == 0  # the accepted pathway went with the accept
        assert s.scalar(select(func.count()).select_from(EpsDecision)) == 1


def test_meeting_date_fixed_once_decided(factory, db_snapshot, setup):
    meeting_id, child_id = setup
    _decide(factory, meeting_id, child_id, kind=K.POSTPONE, postponed_to="08/12/2026")
    assert _refused(factory, db_snapshot, lambda s: eps.update_meeting(
        s, meeting_id, expected_version=None, meeting_date="12/11/2026")).field == "meeting_date"
    assert _refused(factory, db_snapshot, lambda s: eps.delete_meeting(s, meeting_id)).field == "meeting_id"


# --- minutes -----------------------------------------------------------------------------

def test_meeting_minutes_contain_only_the_necessary(factory, setup):
    meeting_id, child_id = setup
    with db.session_scope(factory, 1) as s:
        eps.add_member(s, meeting_id, name="Mme Roche", function="Directrice", institution="École Jaurès")
        s.get(Child, child_id).notes = "Violences intrafamiliales (confidentiel)"
        other = _child(s, "Minh", bd=dt.date(2014, 12, 1))
        eps.add_situation(s, meeting_id, other.id)
        eps.record_decision(s, meeting_id=meeting_id, child_id=child_id, kind=K.REORIENT, reoriented_to="CMP",
                            reason="Suspicion de maltraitance")
        minutes = eps.meeting_minutes_data(s, meeting_id)
    assert minutes.meeting_date == MEETING and minutes.place == "Mairie annexe"
    assert [(m.name, m.present) for m in minutes.members] == [("Mme Roche", True)]
    assert [(r.last_name, r.first_name, r.age, r.decision, r.referent) for r in minutes.rows] == [
        ("NGUYEN", "Éloïse", 10, "Réorienté vers CMP", "Karim Benali"),
        ("NGUYEN", "Minh", 11, "Pas de décision", "Karim Benali")]
    text = repr(minutes)
    assert "confidentiel" not in text and "maltraitance" not in text and "Absentéisme" not in text


def test_delete_child_takes_its_decisions_and_pathway(factory, setup):
    meeting_id, child_id = setup
    _decide(factory, meeting_id, child_id, kind=K.ACCEPT, actions=[dict(label="Théâtre")])
    with db.session_scope(factory, 1) as s:
        children.delete_child(s, child_id)
    with db.session_scope(factory) as s:
        for model in (Child, EpsDecision, EpsSituation, Pathway, PathwayAction):
            assert s.scalar(select(func.count()).select_from(model)) == 0, model


def test_add_months_clamps():
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 11, 10), 6) == dt.date(2027, 5, 10)


# --- rule 8 for fiches de liaison, and undo from the decision's record of effects -----------

def _hors_eps_fiche(s, child_id, requested_on=dt.date(2026, 11, 3), partner_name="CMPP") -> CareReferral:
    """A fiche recorded without an EPS decision (built directly: its service is tested apart)."""
    ptype = s.scalars(select(PartnerType)).first()
    cr = CareReferral(child_id=child_id, partner=Partner(name=partner_name, type_id=ptype.id),
                      requested_on=requested_on)
    s.add(cr)
    s.flush()
    return cr


def test_hors_eps_fiche_suggested_for_agenda_and_regularised_by_accept(factory, setup):
    meeting_id, child_id = setup
    with db.session_scope(factory, 1) as s:
        other = _child(s, "Inès")
        eps.record_decision(s, meeting_id=meeting_id, child_id=other.id, kind=K.ACCEPT, confirm=True)
        fiche = _hors_eps_fiche(s, other.id, requested_on=dt.date(2026, 11, 12), partner_name="CMPP Pasteur")
        pathways.add_action(s, child_id=other.id, label="Sophrologie", start_date="14/11/2026")
        later = eps.create_meeting(s, meeting_date="20/11/2026")
        got = {sg.child.first_name: (sg.reason, sg.detail) for sg in eps.agenda_suggestions(s, later.id)}
        assert got["Inès"] == (AgendaReason.HORS_EPS, "1 action(s) et 1 orientation(s) hors EPS depuis le 12/11/2026 : "
                                                      "Orientation vers CMPP Pasteur, Sophrologie")
        row = pathways.hors_eps_actions(s, other.id)[0]
        assert (row.kind, row.care_referral_id, row.action_id, row.partner_name) == (
            "orientation", fiche.id, None, "CMPP Pasteur")
        # not on the agenda: added with the reason the fiche gives
        d = eps.record_decision(s, meeting_id=later.id, child_id=other.id, kind=K.ACCEPT, confirm=True)
        assert s.get(CareReferral, fiche.id).eps_decision_id == d.id
        assert pathways.hors_eps_actions(s, other.id) == []
        sit = s.scalars(select(EpsSituation).where(EpsSituation.meeting_id == later.id,
                                                   EpsSituation.child_id == other.id)).one()
        assert sit.reason is AgendaReason.HORS_EPS
        assert d.effects["regularised_care_referral_ids"] == [fiche.id]


def test_revert_accept_unregularises_actions_and_fiches(factory, setup):
    meeting_id, child_id = setup
    with db.session_scope(factory, 1) as s:
        action = pathways.add_action(s, child_id=child_id, label="Sophrologie", start_date="01/11/2026")
        fiche = _hors_eps_fiche(s, child_id)
        ended = _hors_eps_fiche(s, child_id, partner_name="CMP")
        ended.state = CareReferralState.ENDED  # an ended care is no longer brought to the EPS
        a_id, f_id, e_id = action.id, fiche.id, ended.id
        assert [r.kind for r in pathways.hors_eps_actions(s, child_id)] == ["action", "orientation"]
    d = _decide(factory, meeting_id, child_id, kind=K.ACCEPT, actions=[dict(label="Théâtre")])
    with db.session_scope(factory) as s:
        assert s.get(PathwayAction, a_id).eps_decision_id == d and s.get(CareReferral, f_id).eps_decision_id == d
        assert s.get(CareReferral, e_id).eps_decision_id is None
        effects = s.get(EpsDecision, d).effects
        assert (effects["regularised_action_ids"], effects["regularised_care_referral_ids"]) == ([a_id], [f_id])
        assert len(effects["created_action_ids"]) == 1 and effects["created_pathway_id"] is None
    with db.session_scope(factory, 1) as s:  # regularised fiches do not block the undo
        eps.revert_decision(s, d)
    with db.session_scope(factory) as s:
        assert s.get(PathwayAction, a_id).eps_decision_id is None and s.get(CareReferral, f_id).eps_decision_id is None
        assert [(r.kind, r.label) for r in pathways.hors_eps_actions(s, child_id)] == [
            ("action", "Sophrologie"), ("orientation", "Orientation vers CMPP")]
        assert s.scalar(select(func.count()).select_from(PathwayAction)) == 1


def test_revert_accept_that_opened_the_pathway_unregularises_fiche(factory, setup):
    meeting_id, child_id = setup
    with db.session_scope(factory, 1) as s:
        f_id = _hors_eps_fiche(s, child_id, requested_on=dt.date(2026, 11, 15)).id  # after the meeting
    d = _decide(factory, meeting_id, child_id, kind=K.ACCEPT)
    with db.session_scope(factory, 1) as s:
        assert s.get(EpsDecision, d).effects["created_pathway_id"] is not None
        eps.revert_decision(s, d)
    with db.session_scope(factory) as s:
        assert s.get(CareReferral, f_id).eps_decision_id is None
        assert s.scalar(select(func.count()).select_from(Pathway)) == 0
        assert s.get(Child, child_id).status is ChildStatus.REFERRED


def test_fiche_created_under_decision_still_blocks_revert(factory, db_snapshot, setup):
    meeting_id, child_id = setup
    with db.session_scope(factory, 1) as s:
        _hors_eps_fiche(s, child_id)
    d = _decide(factory, meeting_id, child_id, kind=K.ACCEPT)
    with db.session_scope(factory, 1) as s:
        _hors_eps_fiche(s, child_id, partner_name="CMP").eps_decision_id = d
    assert "1 fiche(s) de liaison" in _refused(factory, db_snapshot, lambda s: eps.revert_decision(s, d)).message


def test_revert_restores_objectives_and_review_date_of_extended_pathway(factory, setup):
    meeting_id, child_id = setup
    first = _decide(factory, meeting_id, child_id, kind=K.ACCEPT, objectives="Lecture", review_date="15/11/2026")
    with db.session_scope(factory, 1) as s:
        m2 = eps.create_meeting(s, meeting_date="20/11/2026")
        d = eps.record_decision(s, meeting_id=m2.id, child_id=child_id, kind=K.ACCEPT, objectives="Calcul",
                                review_date="20/05/2027", confirm=True)
        p_id, d_id = d.pathway_id, d.id
        assert d.effects["pathway_before"] == {"objectives": "Lecture", "review_date": "2026-11-15"}
        assert d.effects["child_before"] == {}  # entry date already set by the first acceptance
    with db.session_scope(factory) as s:
        p = s.get(Pathway, p_id)
        assert (p.objectives, p.review_date) == ("Lecture\n\nEPS du 20/11/2026 : Calcul", dt.date(2027, 5, 20))
    with db.session_scope(factory, 1) as s:
        eps.revert_decision(s, d_id)
    with db.session_scope(factory) as s:
        p, child = s.get(Pathway, p_id), s.get(Child, child_id)
        assert (p.objectives, p.review_date, p.end_date) == ("Lecture", dt.date(2026, 11, 15), None)
        assert (child.status, child.entry_date) == (ChildStatus.ACTIVE, MEETING)
        assert [x.id for x in s.scalars(select(EpsDecision))] == [first]


def test_revert_end_reopens_pathway_and_restores_exit_data(factory, setup):
    meeting_id, child_id = setup
    _decide(factory, meeting_id, child_id, kind=K.ACCEPT, review_date="01/03/2027")
    with db.session_scope(factory, 1) as s:
        child = s.get(Child, child_id)
        child.exit_reason = "Sortie envisagée (note)"  # a value the END overwrites, restored by the undo
        m2 = eps.create_meeting(s, meeting_date="20/11/2026")
        d = eps.record_decision(s, meeting_id=m2.id, child_id=child_id, kind=K.END, reason="Objectifs atteints",
                                end_date="18/11/2026", confirm=True)
        d_id, p_id = d.id, d.pathway_id
        assert d.effects["pathway_before"] == {"end_date": None, "end_reason": None}
        assert d.effects["child_before"] == {"exit_date": None, "exit_reason": "Sortie envisagée (note)"}
    with db.session_scope(factory, 1) as s:
        eps.revert_decision(s, d_id)
    with db.session_scope(factory) as s:
        p, child = s.get(Pathway, p_id), s.get(Child, child_id)
        assert (p.end_date, p.end_reason, p.review_date) == (None, None, dt.date(2027, 3, 1))
        assert pathways.open_pathway(s, child_id).id == p_id
        assert (child.status, child.exit_date, child.exit_reason) == (ChildStatus.ACTIVE, None,
                                                                      "Sortie envisagée (note)")


def test_record_and_revert_in_one_transaction_without_timestamps(factory, setup):
    """The undo reads the decision's record, not clocks: a decision whose timestamps say
    it is older than everything (clock change, same instant) still undoes exactly its effects."""
    meeting_id, child_id = setup
    with db.session_scope(factory, 1) as s:
        action = pathways.add_action(s, child_id=child_id, label="Sophrologie", start_date="01/11/2026")
        fiche = _hors_eps_fiche(s, child_id)
        p_id = action.pathway_id
        d = eps.record_decision(s, meeting_id=meeting_id, child_id=child_id, kind=K.ACCEPT, objectives="Lecture",
                                actions=[dict(label="Théâtre")])
        d.created_at = dt.datetime(2000, 1, 1)
        for obj in (action, fiche, action.pathway):
            obj.created_at = dt.datetime(2030, 1, 1)
        s.flush()
        eps.revert_decision(s, d.id)
        p = s.get(Pathway, p_id)
        assert (p.objectives, p.review_date) == ("", None)
        assert [(a.label, a.eps_decision_id) for a in p.actions] == [("Sophrologie", None)]
        assert fiche.eps_decision_id is None
        assert s.get(Child, child_id).status is ChildStatus.REFERRED and s.get(Child, child_id).entry_date is None
        # and again for a decision that opens the pathway, then is replaced, all uncommitted
        end = eps.record_decision(s, meeting_id=meeting_id, child_id=child_id, kind=K.END, reason="Déménagement")
        end.created_at = dt.datetime(2000, 1, 1)
        eps.update_decision(s, end.id, kind=K.POSTPONE, postponed_to="08/12/2026")
        assert p.end_date is None and p.review_date == dt.date(2026, 12, 8)
        assert s.get(Child, child_id).exit_date is None and s.get(Child, child_id).status is ChildStatus.REFERRED


def test_decision_without_record_of_effects_not_reverted(factory, db_snapshot, setup):
    meeting_id, child_id = setup
    d = _decide(factory, meeting_id, child_id, kind=K.ACCEPT)
    with db.session_scope(factory, 1) as s:
        s.get(EpsDecision, d).effects = None  # e.g. written by an import, not by this service
    err = _refused(factory, db_snapshot, lambda s: eps.revert_decision(s, d))
    assert "trace de ses effets" in err.message


def test_decision_at_a_meeting_before_the_birth_refused(factory, db_snapshot):
    """A commission held before the child was born cannot have decided about them (a wrong
    meeting picked, or a wrong birth date): the pathway and entry date would precede the birth."""
    with db.session_scope(factory, 1) as s:
        meeting = eps.create_meeting(s, meeting_date="10/11/2026").id
        baby = _child(s, "Lou", bd=dt.date(2026, 11, 12), referred_on=dt.date(2026, 11, 15)).id
    for kwargs in (dict(kind=K.ACCEPT), dict(kind=K.POSTPONE, postponed_to="08/12/2026"),
                   dict(kind=K.REFUSE, reason="x"), dict(kind=K.END, reason="x", end_date="20/11/2026")):
        err = _refused(factory, db_snapshot, lambda s: eps.record_decision(
            s, meeting_id=meeting, child_id=baby, confirm=True, **kwargs))
        assert err.field == "meeting_id" and "naissance" in err.message, kwargs


def test_accept_at_a_meeting_before_the_open_pathway_started_refused(factory, db_snapshot, setup):
    """Extending a pathway that began after the commission would give the decided actions a
    start before their pathway's (add_action refuses that) and regularise actions the
    commission never saw; REORIENT already refuses the same case."""
    meeting_id, child_id = setup
    with db.session_scope(factory, 1) as s:
        pathways.add_action(s, child_id=child_id, label="Sophrologie", start_date="15/11/2026")
    err = _refused(factory, db_snapshot, lambda s: eps.record_decision(
        s, meeting_id=meeting_id, child_id=child_id, kind=K.ACCEPT, actions=[dict(label="Lecture")]))
    assert err.field == "meeting_id" and "précède le début du parcours" in err.message


def test_revert_refused_when_an_action_was_added_later_under_the_decision(factory, db_snapshot, setup):
    """An action added afterwards with the decision's id (add_action(eps_decision_id=…)) is
    later work too: undoing the acceptance would delete it with the pathway, silently."""
    meeting_id, child_id = setup
    d = _decide(factory, meeting_id, child_id, kind=K.ACCEPT, actions=[dict(label="Lecture")])
    with db.session_scope(factory, 1) as s:
        pathways.add_action(s, child_id=child_id, label="Théâtre", start_date="15/11/2026", eps_decision_id=d)
    err = _refused(factory, db_snapshot, lambda s: eps.revert_decision(s, d))
    assert "ajoutées depuis" in err.message
    with db.session_scope(factory, 1) as s:  # once it is removed, the undo goes through
        theatre = s.scalars(select(PathwayAction).where(PathwayAction.label == "Théâtre")).one()
        pathways.remove_action(s, theatre.id)
        eps.revert_decision(s, d)
        assert s.scalar(select(func.count()).select_from(Pathway)) == 0


def test_age_warning_says_1_an_not_1_ans(factory, db_snapshot, setup):
    meeting_id, _ = setup
    with db.session_scope(factory, 1) as s:
        baby = _child(s, "Lou", bd=dt.date(2025, 6, 1)).id
    err = _refused(factory, db_snapshot, lambda s: eps.record_decision(
        s, meeting_id=meeting_id, child_id=baby, kind=K.ACCEPT), NeedsConfirmation)
    (age,) = [w for w in err.warnings if w.code == "age_outside_public"]
    assert age.message.startswith("Lou a 1 an : hors du public habituel du PRE (2 à 16 ans)")


def test_new_acceptance_after_an_end_clears_the_old_exit(factory, setup):
    """Back in the PRE after a new repérage and a new acceptance: the child is "en parcours",
    so the exit date and reason of the former pathway no longer apply (reports and the
    monthly table read them as an exit); undoing the acceptance puts them back."""
    meeting_id, child_id = setup
    _decide(factory, meeting_id, child_id, kind=K.ACCEPT)
    with db.session_scope(factory, 1) as s:
        m2 = eps.create_meeting(s, meeting_date="12/11/2026").id
        m3 = eps.create_meeting(s, meeting_date="20/11/2026").id
    _decide(factory, m2, child_id, kind=K.END, reason="Déménagement", confirm=True)
    with db.session_scope(factory, 1) as s:
        referrals.add_referral(s, child_id=child_id, referred_on="14/11/2026", source="École", reasons="Retour")
    d = _decide(factory, m3, child_id, kind=K.ACCEPT, confirm=True)
    with db.session_scope(factory) as s:
        child = s.get(Child, child_id)
        assert (child.status, child.exit_date, child.exit_reason) == (ChildStatus.ACTIVE, None, None)
        assert child.entry_date == MEETING  # first entry kept
    with db.session_scope(factory, 1) as s:
        eps.revert_decision(s, d)
    with db.session_scope(factory) as s:
        child = s.get(Child, child_id)
        assert (child.status, child.exit_date, child.exit_reason) == (ChildStatus.REFERRED, dt.date(2026, 11, 12),
                                                                      "Déménagement")


def test_two_commissions_the_same_day_keep_their_order_for_undo(factory, db_snapshot, setup):
    """Two commissions on one date (morning and evening): the second decision is the later
    one, so the first cannot be undone under it (its pathway would vanish under the second)."""
    meeting_id, child_id = setup
    first = _decide(factory, meeting_id, child_id, kind=K.ACCEPT)
    with db.session_scope(factory, 1) as s:
        evening = eps.create_meeting(s, meeting_date=MEETING, place="Salle du conseil").id
    second = _decide(factory, evening, child_id, kind=K.POSTPONE, postponed_to="08/12/2026", confirm=True)
    err = _refused(factory, db_snapshot, lambda s: eps.revert_decision(s, first))
    assert "plus récente" in err.message
    with db.session_scope(factory, 1) as s:
        eps.revert_decision(s, second)
        eps.revert_decision(s, first)
        assert s.get(Child, child_id).status is ChildStatus.REFERRED


def test_accept_with_an_action_at_a_structure_the_pre_cannot_orient_to_is_refused(factory, db_snapshot, setup):
    """Rule 6 in the EPS too: an action with its partner is an orientation there."""
    meeting_id, child_id = setup
    with db.session_scope(factory, 1) as s:
        types = {t.code: t.id for t in s.scalars(select(PartnerType))}
        s.add_all([Partner(name="CATTP Les Lucioles", type_id=types["CATTP_ENF"]),
                   Partner(name="PAEJ L'Escale", type_id=types["PAEJ"])])
    with db.session_scope(factory) as s:
        cattp, paej = (s.scalars(select(Partner.id).where(Partner.name == n)).one()
                       for n in ("CATTP Les Lucioles", "PAEJ L'Escale"))
    error = _refused(factory, db_snapshot, lambda s: eps.record_decision(
        s, meeting_id=meeting_id, child_id=child_id, kind=K.ACCEPT, confirm=True,
        actions=[dict(label="Lecture", action_type="scolaire"), dict(label="Ateliers", partner_id=cattp)]))
    assert error.field == "actions" and error.message.startswith("Action n° 2 :")
    assert "CATTP Les Lucioles" in error.message and "psychiatre" in error.message
    with db.session_scope(factory, 1) as s, pytest.raises(NeedsConfirmation) as asked:
        eps.record_decision(s, meeting_id=meeting_id, child_id=child_id, kind=K.ACCEPT,
                            actions=[dict(label="Écoute", partner_id=paej)])
    assert [w.code for w in asked.value.warnings] == ["age_outside_public"]
    assert "Action n° 1" in asked.value.warnings[0].message and "12 à 25 ans" in asked.value.warnings[0].message
    with db.session_scope(factory, 1) as s:
        eps.record_decision(s, meeting_id=meeting_id, child_id=child_id, kind=K.ACCEPT, confirm=True,
                            actions=[dict(label="Écoute", partner_id=paej)])
