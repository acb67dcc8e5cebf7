"""Right of access (RGPD art. 15): one PDF with everything held about a family and who
consulted its files, nothing about another family; traced in each child's file;
coordinator only; the same from the command line and from the child's file."""

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))

import pytest  # noqa: E402
from care_fixtures import (  # noqa: E402
    add_sessions,
    care_referral,
    convention,
    family_with_child,
    partner,
)
from readback import pdf_pages, pdf_text, squash  # noqa: E402
from refusal import refused  # noqa: E402
from sqlalchemy import select  # noqa: E402

from pre_desktop import cli, db  # noqa: E402
from pre_desktop.exports.subject_access_document import export_subject_access  # noqa: E402
from pre_desktop.models import (  # noqa: E402
    AuditAction,
    AuditEvent,
    CareReferralSending,
    Child,
    EpsDecisionKind,
    GeneratedDocument,
    MonthlyAnswer,
    PrivateNote,
    StructureSettings,
)
from pre_desktop.services import child_file  # noqa: E402
from pre_desktop.services.eps import create_meeting, record_decision  # noqa: E402
from pre_desktop.services.errors import PermissionDeniedError  # noqa: E402
from pre_desktop.services.referrals import add_referral  # noqa: E402
from pre_desktop.services.subject_access import subject_access  # noqa: E402

D = dt.date


@pytest.fixture
def families(factory):
    """The Dupré family (Éloïse, followed, and Léo) and the Martin family (Noé), each with a full file."""
    with db.session_scope(factory, 1) as s:
        s.add(StructureSettings(pre_name="PRE de Corbeil-Essonnes", retention_years=2, archive_years=3))
        eloise = family_with_child(s, name="Dupré", first_name="Éloïse", notes="Aime le dessin")
        eloise.family.address, eloise.family.town = "12 rue des Lilas", "Corbeil-Essonnes"
        leo = Child(family=eloise.family, last_name="Dupré", first_name="Léo", birth_date=D(2018, 4, 2))
        s.add(leo)
        noe = family_with_child(s, name="Martin", first_name="Noé", notes="Suivi orthophonie Martin")
        noe.family.guardians[0].phone = "07 77 77 77 77"
        s.flush()
        for child, reasons in ((eloise, "Absences répétées en CM1"), (noe, "Isolement en classe Martin")):
            add_referral(s, child_id=child.id, referred_on=D(2026, 9, 15), source="École",
                         referrer_name="Mme Roux", referrer_function="directrice", reasons=reasons)
        meeting = create_meeting(s, meeting_date=D(2026, 10, 14), place="Mairie annexe")
        record_decision(s, meeting_id=meeting.id, child_id=eloise.id, kind=EpsDecisionKind.ACCEPT,
                        objectives="Retrouver confiance en soi", actions=[{"label": "Soutien psychologique"}],
                        review_date=D(2027, 4, 14), reason="Situation examinée avec la famille", confirm=True)
        p = partner(s, name="CMP Les Tilleuls")
        cr = care_referral(s, eloise, p, convention(s, p))
        s.add(CareReferralSending(care_referral_id=cr.id, sent_on=D(2026, 2, 2), how="courriel"))
        add_sessions(s, cr, [D(2026, 3, 2)])
        s.add(MonthlyAnswer(care_referral_id=cr.id, month="2026-03", comes_regularly=True, remark="Très assidue"))
        other = care_referral(s, noe, partner(s, name="Orthophoniste Martinez"))
        add_sessions(s, other, [D(2026, 3, 9)])
        s.add(PrivateNote(child_id=eloise.id, author_id=2, text="La mère évoque un déménagement"))
        s.add(PrivateNote(child_id=noe.id, author_id=2, text="Le père de Noé travaille de nuit"))
        ids = {"eloise": eloise.id, "leo": leo.id, "noe": noe.id, "dupre": eloise.family_id, "martin": noe.family_id}
    for user, child in ((2, ids["eloise"]), (1, ids["noe"])):
        with db.session_scope(factory, user) as s:
            child_file.record_view(s, child)
    return ids


def test_the_pdf_holds_the_familys_data_and_the_access_log_and_nothing_of_another_family(factory, families, tmp_path):
    with db.session_scope(factory, 1) as s:
        path = export_subject_access(s, families["dupre"], tmp_path / "acces.pdf")
    text = squash(pdf_text(path))
    for expected in (
        "PRE de Corbeil-Essonnes", "Données détenues sur la famille Dupré", "Droit d'accès (RGPD, article 15)",
        "22/11/2026", "12 rue des Lilas", "06 00 00 00 00", "Mme Dupré", "Orientation soin",  # family, adult, consent
        "Dossier de DUPRÉ Éloïse", "Dossier de DUPRÉ Léo", "Aime le dessin", "Karim Benali",
        "Absences répétées en CM1", "Mme Roux", "Parcours accepté", "Retrouver confiance en soi",
        "Soutien psychologique", "CMP Les Tilleuls", "Anxiété scolaire", "02/02/2026 (courriel)",
        "02/03/2026", "Entretien individuel", "Très assidue",
        "La mère évoque un déménagement",  # private notes: included (see services/subject_access)
        "Consultations du dossier et transmissions", "Consultation",
        "2 an(s) après le dernier contact", "3 an(s)", "CNIL",
    ):
        assert squash(expected) in text, expected
    for foreign in ("MARTIN", "Noé", "07 77 77 77 77", "Isolement", "Orthophoniste", "travaille de nuit"):
        assert foreign not in text, foreign
    assert "page 1 /" in text
    assert pdf_pages(path) >= 4  # the family, a page per child at least, what the law says


def test_the_access_log_says_who_consulted_and_when(factory, families):
    with factory() as s:
        data = subject_access(s, families["dupre"])
    eloise = next(c for c in data.children if c.child_id == families["eloise"])
    log = next(x for x in eloise.listings if x.title == "Consultations du dossier et transmissions")
    assert [(row[1], row[2]) for row in log.rows] == [("Karim Benali", "Consultation")]
    assert log.rows[0][0].startswith("22/11/2026") or log.rows[0][0][:2].isdigit()
    leo = next(c for c in data.children if c.child_id == families["leo"])
    assert next(x for x in leo.listings if x.title.startswith("Consultations")).rows == []


def test_the_export_is_traced_in_each_childs_file(factory, families, tmp_path):
    with db.session_scope(factory, 1) as s:
        export_subject_access(s, families["dupre"], tmp_path / "acces.pdf")
    with factory() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).all()
        docs = s.scalars(select(GeneratedDocument)).all()
    assert sorted(e.child_id for e in events) == sorted([families["eloise"], families["leo"]])
    assert {(e.user_id, e.family_id, e.entity) for e in events} == {(1, families["dupre"], "families")}
    assert all("Droit d'accès — famille Dupré" in e.summary and "acces.pdf" in e.summary for e in events)
    assert [(d.kind, d.target_id) for d in docs] == [("subject_access", families["dupre"])]


def test_a_referent_is_refused_and_nothing_is_written(factory, families, db_snapshot, tmp_path):
    error = refused(factory, db_snapshot, lambda s: export_subject_access(s, families["dupre"], tmp_path / "a.pdf"),
                    exc=PermissionDeniedError, user_id=2)
    assert "droit d'accès" in error.message
    assert not (tmp_path / "a.pdf").exists()


def test_from_the_command_line(engine, factory, families, tmp_path, capsys):
    base = str(Path(engine.url.database))
    assert cli.main(["export", "family", "--db", base, "--family", str(families["martin"]),
                     "--out", str(tmp_path / "martin")]) == 0
    text = squash(pdf_text(tmp_path / "martin.pdf"))
    assert "Isolement en classe Martin" in text and "Dupré" not in text
    assert "Fichier écrit" in capsys.readouterr().out
    with factory() as s:
        (event,) = s.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).all()
    assert event.child_id == families["noe"] and event.user_id is None
    assert cli.main(["export", "family", "--db", base, "--family", "999", "--out", str(tmp_path / "x.pdf")]) == 1
    assert "Famille" in capsys.readouterr().err and not (tmp_path / "x.pdf").exists()
