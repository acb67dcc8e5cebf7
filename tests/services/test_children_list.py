"""The children list's rows: current orientation against its quota, and the alerts of each child;
and "À traiter", which gathers every rule's due items in one list."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from pre_desktop.models import ChildStatus, Pathway, PathwayAction, Referral
from pre_desktop.services.children_list import children_table
from pre_desktop.services.todo import todo_items

from care_fixtures import add_sessions, care_referral, convention, family_with_child, partner, weekly

D = dt.date  # today is pinned to 2026-11-22


@pytest.fixture
def file(session):
    """Léa (quota 16/20, answer fine), Noé (fiche sent 45 days ago, no answer), Inès (waiting the EPS
    for 100 days), Adam (pathway past its review, hors-EPS action), Zoé (quota beyond) — one partner."""
    p = partner(session)
    conv = convention(session, p)
    lea = family_with_child(session, name="Dupont", first_name="Léa")
    cr = care_referral(session, lea, p, conv, answered_on=D(2026, 2, 5), first_appointment_on=D(2026, 2, 10))
    add_sessions(session, cr, weekly(D(2026, 2, 10), 16))
    noe = family_with_child(session, name="Martin", first_name="Noé", referent_id=1)
    care_referral(session, noe, p, conv, requested_on=D(2026, 10, 1), sent_on=D(2026, 10, 8))
    ines = family_with_child(session, name="Benali", first_name="Inès", referent_id=None)
    ines.status = ChildStatus.REFERRED
    session.add(Referral(child=ines, referred_on=D(2026, 8, 14), source="École", reasons="Anxiété"))
    adam = family_with_child(session, name="Diallo", first_name="Adam")
    adam.status = ChildStatus.ACTIVE
    pathway = Pathway(child=adam, start_date=D(2026, 1, 10), review_date=D(2026, 11, 1), objectives="")
    session.add_all([pathway, PathwayAction(pathway=pathway, label="Atelier théâtre", start_date=D(2026, 3, 1))])
    zoe = family_with_child(session, name="Petit", first_name="Zoé")
    cr2 = care_referral(session, zoe, p, conv, answered_on=D(2026, 2, 5), first_appointment_on=D(2026, 2, 10))
    add_sessions(session, cr2, weekly(D(2026, 2, 10), 20))
    add_sessions(session, cr2, weekly(D(2026, 7, 10), 2), hors_quota=True)
    session.flush()
    return {"lea": lea.id, "noe": noe.id, "ines": ines.id, "adam": adam.id, "zoe": zoe.id, "cr": cr.id,
            "conv": conv.id}


def rows_by_first_name(session):
    return {row.first_name: row for row in children_table(session).rows()}


def test_rows_carry_the_current_orientation_against_its_quota(session, file):
    rows = rows_by_first_name(session)
    assert [row.first_name for row in children_table(session).rows()] == ["Inès", "Adam", "Léa", "Noé", "Zoé"]
    lea = rows["Léa"]
    assert (lea.orientation.used, lea.orientation.quota, lea.orientation.level) == (16, 20, "warning")
    assert lea.orientation.partner_name == "Association Filigrane" and lea.orientations == 1
    assert (rows["Zoé"].orientation.used, rows["Zoé"].orientation.hors_quota) == (20, 2)
    assert rows["Noé"].orientation.used == 0 and rows["Adam"].orientation is None
    assert rows["Léa"].referent_name == "Karim Benali" and rows["Noé"].referent_name == "Claire Martin"
    assert rows["Inès"].referent_name == "" and rows["Inès"].status_label == "Repéré — attend l'EPS"
    assert rows["Léa"].age == 11 and rows["Léa"].school_class == "CM1"


def test_alerts_of_each_child(session, file):
    rows = rows_by_first_name(session)
    codes = {name: [a.code for a in row.alerts] for name, row in rows.items()}
    # The fiches were recorded without an EPS decision: hors EPS too (rule 8).
    assert codes == {"Léa": ["quota_warning", "hors_eps"], "Noé": ["answer_overdue", "hors_eps"],
                     "Inès": ["waiting_eps"], "Adam": ["review_due", "hors_eps"], "Zoé": ["quota_beyond", "hors_eps"]}
    assert rows["Léa"].alerts[0].text == "Quota 16/20"
    assert rows["Noé"].alerts[0].text == "Réponse attendue (45 j)"
    assert rows["Inès"].alerts[0].text == "Attend l'EPS (100 j)"
    assert "01/11/2026" in rows["Adam"].alerts[0].detail


def test_a_recent_referral_and_an_answer_within_the_delay_raise_no_alert(session, file):
    referral = session.query(Referral).one()
    referral.referred_on = D(2026, 10, 1)  # 52 days: within the two commissions
    session.flush()
    assert rows_by_first_name(session)["Inès"].alerts == ()


def test_the_rows_come_from_a_few_queries_whatever_the_number_of_children(session, file, engine):
    for i in range(30):
        family_with_child(session, name=f"Famille{i}", first_name="Enfant")
    session.flush()
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    table = children_table(session)
    assert len(table) == 35
    assert len(statements) <= 9  # 8, and the acting user's role, read once per session


def test_a_first_page_has_the_same_rows_as_the_whole_list(session, file):
    whole = children_table(session).rows()
    assert children_table(session, limit=2).rows() == whole[:2]


def test_todo_gathers_each_rule(session, file):
    items = todo_items(session)
    kinds = [(item.kind, item.who) for item in items]
    assert kinds == [("answer_overdue", "MARTIN Noé"), ("quota", "PETIT Zoé"), ("quota", "DUPONT Léa"),
                     ("convention_renewal", "Association Filigrane"),
                     ("hors_eps", "DUPONT Léa"), ("hors_eps", "PETIT Zoé"), ("hors_eps", "DIALLO Adam"),
                     ("hors_eps", "MARTIN Noé"), ("review", "DIALLO Adam")]
    overdue = items[0]
    assert (overdue.target, overdue.target_id, overdue.days) == ("child", file["noe"], 15)
    assert "réponse en attente depuis 45 jours" in overdue.what
    renewal = items[3]
    assert (renewal.target, renewal.target_id, renewal.due, renewal.days) == ("convention", file["conv"],
                                                                             D(2026, 12, 31), -39)
    assert items[-1].due == D(2026, 11, 1) and items[-1].days == 21
    assert items[6].what == "Atelier théâtre (depuis le 01/03/2026) : à présenter à la prochaine EPS"


def test_todo_is_empty_for_a_file_with_nothing_due(session):
    family_with_child(session)
    assert todo_items(session) == []
