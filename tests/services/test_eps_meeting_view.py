"""EPS commission as the meeting screen and its documents see it: each decision's effect
on the child's status and pathway, the refusals the screen shows, and the data of the
ordre du jour and relevé de décisions (only what the shared secret allows)."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from pre_desktop import db
from pre_desktop.models import AgendaReason, Child, ChildStatus, EpsDecision, EpsDecisionKind as K, EpsSituation
from pre_desktop.models import Partner, PartnerType, Pathway
from pre_desktop.services import eps, pathways, referrals
from pre_desktop.services.errors import DomainError, NeedsConfirmation
from refusal import refused

MEETING = dt.date(2026, 11, 10)
SECRET_NOTE = "Suivi judiciaire du père (strictement confidentiel)"
SECRET_REASON = "Enfant témoin de violences conjugales"


def _child(s, first_name: str, *, bd=dt.date(2016, 3, 4)) -> Child:
    res = referrals.new_referral(
        s, family=dict(name="Martin"),
        child=dict(last_name="Martin", first_name=first_name, birth_date=bd, referent_id=2, notes=SECRET_NOTE),
        referral=dict(referred_on=dt.date(2026, 10, 1), source="École", reasons=SECRET_REASON), confirm=True)
    return res.child


@pytest.fixture
def meeting(factory):
    with db.session_scope(factory, 1) as s:
        m = eps.create_meeting(s, meeting_date=MEETING, place="Salle du conseil")
        child = _child(s, "Léa")
        eps.add_situation(s, m.id, child.id)
    return m.id, child.id


def _open_pathway(factory, meeting_id: int, child_id: int) -> None:
    """Give the child an open pathway through an earlier commission."""
    with db.session_scope(factory, 1) as s:
        earlier = eps.create_meeting(s, meeting_date="06/10/2026")
        eps.record_decision(s, meeting_id=earlier.id, child_id=child_id, kind=K.ACCEPT, objectives="Lecture",
                            confirm=True)


DECISIONS = {
    K.ACCEPT: dict(objectives="Reprendre confiance", actions=[dict(label="Accompagnement scolaire")],
                   review_date="10/05/2027"),
    K.POSTPONE: dict(postponed_to="08/12/2026"),
    K.REFUSE: dict(reason="Relève du droit commun"),
    K.REORIENT: dict(reoriented_to="CMP de secteur", reason="Besoin de soins"),
    K.END: dict(reason="Objectifs atteints", end_date="12/11/2026"),
}

# kind -> (status after, for a repéré child; for a child with an open pathway)
STATUS_AFTER = {
    K.ACCEPT: (ChildStatus.ACTIVE, ChildStatus.ACTIVE),
    K.POSTPONE: (ChildStatus.REFERRED, ChildStatus.ACTIVE),
    K.REORIENT: (ChildStatus.REORIENTED, ChildStatus.REORIENTED),
    K.END: (ChildStatus.ENDED, ChildStatus.ENDED),
}


@pytest.mark.parametrize("kind", list(K))
@pytest.mark.parametrize("with_pathway", [False, True], ids=["repere", "en_parcours"])
def test_each_decision_kind_sets_status_and_pathway(factory, meeting, kind, with_pathway):
    meeting_id, child_id = meeting
    if with_pathway:
        _open_pathway(factory, meeting_id, child_id)
    if kind is K.REFUSE and with_pathway:
        with db.session_scope(factory, 1) as s, pytest.raises(DomainError) as err:
            eps.record_decision(s, meeting_id=meeting_id, child_id=child_id, kind=kind, **DECISIONS[kind])
        assert err.value.field == "kind"
        return
    with db.session_scope(factory, 1) as s:
        eps.record_decision(s, meeting_id=meeting_id, child_id=child_id, kind=kind, **DECISIONS[kind])
    with db.session_scope(factory) as s:
        child = s.get(Child, child_id)
        expected = ChildStatus.REORIENTED if kind is K.REFUSE else STATUS_AFTER[kind][with_pathway]
        assert child.status is expected
        ps = sorted(child.pathways, key=lambda p: p.id)
        if kind is K.ACCEPT:
            assert len(ps) == 1 and ps[0].end_date is None and ps[0].review_date == dt.date(2027, 5, 10)
            assert [a.label for a in ps[0].actions] == ["Accompagnement scolaire"]
            assert "Reprendre confiance" in ps[0].objectives
            assert ps[0].start_date == (dt.date(2026, 10, 6) if with_pathway else MEETING)
        elif kind is K.POSTPONE:
            assert [p.review_date for p in ps] == ([dt.date(2026, 12, 8)] if with_pathway else [])
        elif kind is K.REORIENT:
            assert [(p.end_date, p.end_reason) for p in ps] == (
                [(MEETING, "Réorientation : CMP de secteur")] if with_pathway else [])
        elif kind is K.END:
            assert [(p.end_date, p.end_reason) for p in ps] == (
                [(dt.date(2026, 11, 12), "Objectifs atteints")] if with_pathway else [])
            assert child.exit_date == dt.date(2026, 11, 12) and child.exit_reason == "Objectifs atteints"
        else:
            assert ps == []


def test_postpone_date_before_a_past_meeting_refused(factory, db_snapshot, meeting):
    meeting_id, child_id = meeting
    for day in ("01/11/2026", "10/11/2026"):
        err = refused(factory, db_snapshot, lambda s: eps.record_decision(
            s, meeting_id=meeting_id, child_id=child_id, kind=K.POSTPONE, postponed_to=day))
        assert err.field == "postponed_to" and "10/11/2026" in err.message


def test_decision_for_an_ended_child_refused_with_a_message(factory, db_snapshot, meeting):
    meeting_id, child_id = meeting
    with db.session_scope(factory, 1) as s:
        earlier = eps.create_meeting(s, meeting_date="06/10/2026")
        eps.record_decision(s, meeting_id=earlier.id, child_id=child_id, kind=K.END, reason="Déménagement",
                            confirm=True)
    err = refused(factory, db_snapshot, lambda s: eps.record_decision(
        s, meeting_id=meeting_id, child_id=child_id, kind=K.ACCEPT, confirm=True))
    assert err.field == "child_id" and "sorti(e) du dispositif" in err.message


def test_removing_a_situation_with_an_end_decision_asks_then_reopens(factory, db_snapshot, meeting):
    meeting_id, child_id = meeting
    _open_pathway(factory, meeting_id, child_id)
    with db.session_scope(factory, 1) as s:
        eps.record_decision(s, meeting_id=meeting_id, child_id=child_id, kind=K.END, reason="Objectifs atteints")
        sit_id = s.scalars(select(EpsSituation.id).where(EpsSituation.meeting_id == meeting_id)).one()
    err = refused(factory, db_snapshot, lambda s: eps.remove_situation(s, sit_id), NeedsConfirmation)
    assert "Fin de parcours" in err.warnings[0].message
    with db.session_scope(factory, 1) as s:
        eps.remove_situation(s, sit_id, confirm=True)
    with db.session_scope(factory) as s:
        child = s.get(Child, child_id)
        assert child.status is ChildStatus.ACTIVE and child.exit_date is None
        assert [p.end_date for p in child.pathways] == [None]
        assert s.scalar(select(func.count()).select_from(EpsDecision).where(EpsDecision.meeting_id == meeting_id)) == 0


def test_meeting_view_shows_agenda_members_and_decisions(factory, meeting):
    meeting_id, child_id = meeting
    with db.session_scope(factory, 1) as s:
        partner = Partner(name="CMPP Lucie", type_id=s.scalars(select(PartnerType.id)).first())
        s.add(partner)
        s.flush()
        eps.add_member(s, meeting_id, name="Mme Roche", function="Directrice", institution="École Jaurès")
        other = _child(s, "Noé", bd=dt.date(2015, 1, 2))
        eps.add_situations(s, meeting_id, [(other.id, AgendaReason.OTHER)])
        eps.record_decision(s, meeting_id=meeting_id, child_id=child_id, kind=K.ACCEPT, objectives="Lecture",
                            actions=[dict(label="Soutien psychologique", partner_id=partner.id),
                                     dict(label="Théâtre", action_type="Culture")],
                            review_date="10/05/2027")
        view = eps.meeting_view(s, meeting_id)
    assert view.held and view.place == "Salle du conseil"
    assert [(m.name, m.function, m.institution) for m in view.members] == [("Mme Roche", "Directrice", "École Jaurès")]
    assert [(r.child_name, r.age, r.reason_label) for r in view.situations] == [
        ("MARTIN Léa", 10, "Nouvelle situation"), ("MARTIN Noé", 11, "Autre")]
    decision = view.situations[0].decision
    assert decision is not None and decision.kind is K.ACCEPT and decision.objectives == "Lecture"
    assert [a.text for a in decision.actions] == ["Soutien psychologique (CMPP Lucie)", "Théâtre (Culture)"]
    assert decision.review_date == dt.date(2027, 5, 10) and view.situations[1].decision is None


def test_modified_decision_keeps_what_was_decided_for_the_minutes(factory, meeting):
    meeting_id, child_id = meeting
    with db.session_scope(factory, 1) as s:
        d = eps.record_decision(s, meeting_id=meeting_id, child_id=child_id, kind=K.POSTPONE, postponed_to="08/12/2026")
        eps.update_decision(s, d.id, kind=K.ACCEPT, objectives="Estime de soi", actions=[dict(label="Sophrologie")])
        # the pathway edited later in the file: the minutes keep what the EPS decided
        pathways.set_review_date(s, s.scalars(select(Pathway.id)).one(), "01/03/2027")
        s.scalars(select(Pathway)).one().objectives = "Réécrit ensuite"
        minutes = eps.meeting_minutes_data(s, meeting_id)
    row = minutes.rows[0]
    assert row.decision == "Parcours accepté" and row.objectives == "Estime de soi"
    assert row.actions == ("Sophrologie",) and row.review_date == dt.date(2027, 5, 10)


def test_agenda_and_minutes_data_hold_no_notes_nor_referral_reasons(factory, meeting):
    meeting_id, child_id = meeting
    with db.session_scope(factory, 1) as s:
        eps.record_decision(s, meeting_id=meeting_id, child_id=child_id, kind=K.END, reason="Objectifs atteints",
                            end_date="12/11/2026")
        agenda = eps.meeting_agenda_data(s, meeting_id)
        minutes = eps.meeting_minutes_data(s, meeting_id)
    assert [(r.last_name, r.first_name, r.age, r.reason, r.referent) for r in agenda.rows] == [
        ("MARTIN", "Léa", 10, "Nouvelle situation", "Karim Benali")]
    assert minutes.rows[0].decision == "Fin de parcours au 12/11/2026"
    for data in (agenda, minutes):
        assert SECRET_NOTE not in repr(data) and SECRET_REASON not in repr(data)


def test_suggestion_rows_for_the_screen(factory, meeting):
    meeting_id, child_id = meeting
    with db.session_scope(factory, 1) as s:
        later = eps.create_meeting(s, meeting_date="08/12/2026")
        rows = eps.agenda_suggestion_rows(s, later.id)
    assert [(r.child_id, r.child_name, r.reason_label, r.referent) for r in rows] == [
        (child_id, "MARTIN Léa", "Nouvelle situation", "Karim Benali")]
    assert rows[0].detail.startswith("En attente depuis le 01/10/2026")


def test_add_situations_all_or_nothing(factory, db_snapshot, meeting):
    meeting_id, child_id = meeting
    with db.session_scope(factory, 1) as s:
        other_id = _child(s, "Noé").id
    err = refused(factory, db_snapshot, lambda s: eps.add_situations(
        s, meeting_id, [(other_id, AgendaReason.NEW_REFERRAL), (child_id, AgendaReason.NEW_REFERRAL)]))
    assert err.field == "child_id" and "déjà à l'ordre du jour" in err.message


def test_a_decision_and_its_undoing_are_in_the_audit_trail_with_who_did_it(factory, meeting):
    from pre_desktop.models import AuditAction, AuditEvent

    meeting_id, child_id = meeting
    with db.session_scope(factory, 2) as s:
        decision_id = eps.record_decision(s, meeting_id=meeting_id, child_id=child_id, kind=K.ACCEPT,
                                          **DECISIONS[K.ACCEPT]).id
    with db.session_scope(factory, 1) as s:
        eps.revert_decision(s, decision_id)
    with db.session_scope(factory) as s:
        events = [(e.user_id, e.action, e.entity, e.changes) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.child_id == child_id).order_by(AuditEvent.id))]
    made = [(user, action, entity) for user, action, entity, _ in events]
    assert (2, AuditAction.CREATE, EpsDecision.__tablename__) in made
    assert (2, AuditAction.CREATE, Pathway.__tablename__) in made
    assert (1, AuditAction.DELETE, EpsDecision.__tablename__) in made
    assert (1, AuditAction.DELETE, Pathway.__tablename__) in made
    status = [(user, changes["status"]) for user, action, entity, changes in events
              if entity == Child.__tablename__ and action is AuditAction.UPDATE and changes and "status" in changes]
    assert status == [(2, [ChildStatus.REFERRED.value, ChildStatus.ACTIVE.value]),
                      (1, [ChildStatus.ACTIVE.value, ChildStatus.REFERRED.value])]
