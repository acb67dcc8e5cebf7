"""Ordre du jour and relevé de décisions read back from the files: the decisions are
there, the file's notes and the referral's reasons never (secret partagé)."""

import datetime as dt

import pytest
from sqlalchemy import select

from pre_desktop import db
from pre_desktop.exports.eps_documents import write_eps_document
from pre_desktop.models import EpsDecisionKind as K, GeneratedDocument, Partner, PartnerType
from pre_desktop.services import eps, referrals
from pre_desktop.services.errors import DomainError
from readback import docx_text, pdf_text, squash

NOTE = "Placement ASE envisagé par le juge"
REASON = "Troubles anxieux sévères suite au divorce"
MOTIVE = "Famille refuse tout suivi psychologique"
MEETING_NOTE = "Débat vif sur la situation du père incarcéré"


def _child(s, last: str, first: str, bd: dt.date):
    res = referrals.new_referral(
        s, family=dict(name=last),
        child=dict(last_name=last, first_name=first, birth_date=bd, referent_id=2, notes=NOTE),
        referral=dict(referred_on=dt.date(2026, 10, 1), source="École", reasons=REASON), confirm=True)
    return res.child


@pytest.fixture
def meeting_id(factory):
    with db.session_scope(factory, 1) as s:
        partner = Partner(name="CMPP Françoise Dolto", type_id=s.scalars(select(PartnerType.id)).first())
        s.add(partner)
        m = eps.create_meeting(s, meeting_date="10/11/2026", place="Salle du conseil, hôtel de ville",
                              notes=MEETING_NOTE)
        eps.add_member(s, m.id, name="Mme Roche", function="Directrice", institution="École Jaurès")
        eps.add_member(s, m.id, name="M. Diop", function="Assistant social", institution="CD 93", present=False)
        a = _child(s, "N'Diaye", "Aïcha", dt.date(2015, 6, 1))
        b = _child(s, "Lefèvre", "Noé", dt.date(2017, 2, 3))
        c = _child(s, "Œuvray", "Zoé", dt.date(2014, 1, 9))
        for child in (a, b, c):
            eps.add_situation(s, m.id, child.id)
        s.flush()
        eps.record_decision(s, meeting_id=m.id, child_id=a.id, kind=K.ACCEPT, objectives="Retrouver le goût de l'école",
                            actions=[dict(label="Soutien psychologique", partner_id=partner.id),
                                     dict(label="Accompagnement scolaire", action_type="Aide aux devoirs")],
                            review_date="10/05/2027")
        eps.record_decision(s, meeting_id=m.id, child_id=b.id, kind=K.REFUSE, reason=MOTIVE)
        return m.id


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_minutes_say_the_decisions_and_nothing_of_the_file(factory, tmp_path, meeting_id, fmt):
    path = tmp_path / f"releve.{fmt}"
    with db.session_scope(factory, 1) as s:
        write_eps_document(s, meeting_id, "minutes", fmt, path)
    text = squash(pdf_text(path) if fmt == "pdf" else docx_text(path))
    for expected in ("Relevé de décisions", "10/11/2026", "Salle du conseil, hôtel de vill", "Mme Roche", "École Jaurès",
                     "Excusé(e)s", "M. Diop", "N'DIAYE", "Aïcha", "11 ans", "Parcours accepté", "LEFÈVRE", "Refusé",
                     "ŒUVRAY", "Pas de décision", "Karim Benali",
                     "Soutien psychologique (CMPP Françoise Dolto)", "Accompagnement scolaire (Aide aux devoirs)",
                     "10/05/2027", "secret partagé"):
        assert squash(expected) in text, expected
    for secret in (NOTE, REASON, MOTIVE, MEETING_NOTE, "Retrouver le goût de l'école"):  # objectives stay in the file
        assert squash(secret) not in text, secret
    with db.session_scope(factory) as s:
        doc = s.scalars(select(GeneratedDocument)).one()
    assert (doc.kind, doc.file_format, doc.target_type, doc.target_id, doc.title) == (
        "eps_minutes", fmt, "eps_meetings", meeting_id, "Relevé de décisions — EPS du 10/11/2026")


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_agenda_lists_the_situations_without_reasons(factory, tmp_path, meeting_id, fmt):
    path = tmp_path / f"odj.{fmt}"
    with db.session_scope(factory, 1) as s:
        write_eps_document(s, meeting_id, "agenda", fmt, path)
    text = squash(pdf_text(path) if fmt == "pdf" else docx_text(path))
    for expected in ("Ordre du jour", "10/11/2026", "Situations inscrites", "N'DIAYE", "LEFÈVRE", "ŒUVRAY",
                     "Nouvelle situation", "Karim Benali", "9 ans"):
        assert squash(expected) in text, expected
    for secret in (NOTE, REASON, MOTIVE, MEETING_NOTE, "Parcours accepté"):
        assert squash(secret) not in text, secret


def test_unknown_kind_or_format_refused_without_file(factory, tmp_path, meeting_id):
    for kind, fmt in (("bilan", "pdf"), ("agenda", "odt")):
        with db.session_scope(factory, 1) as s, pytest.raises(DomainError):
            write_eps_document(s, meeting_id, kind, fmt, tmp_path / "out" / "x")
    assert not (tmp_path / "out").exists()
