"""The fiche de liaison says what the guide's model asks, in Word and PDF, and nothing more (rule 7)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))

from care_fixtures import convention, family_with_child, partner  # noqa: E402
from readback import docx_text, pdf_text, squash  # noqa: E402
from sqlalchemy import select  # noqa: E402

from pre_desktop import db  # noqa: E402
from pre_desktop.exports.liaison_document import write_liaison_document  # noqa: E402
from pre_desktop.models import (  # noqa: E402
    AuditEvent,
    BeneficiaryKind,
    Child,
    GeneratedDocument,
    Guardian,
    StructureSettings,
)
from pre_desktop.services import care_referrals as crs  # noqa: E402
from pre_desktop.services.errors import DomainError  # noqa: E402

D = dt.date
SECRETS = ("Collège Senghor", "Senghor", "CM1", "Suivi ASE", "confidentiel", "Noé", "École Jaurès",
           "rue des Lilas", "91100", "06 00 00 00 00")


def read(path: Path) -> str:
    return squash(pdf_text(path) if path.suffix == ".pdf" else docx_text(path))


def _fiche(session, kind: BeneficiaryKind = BeneficiaryKind.CHILD, answered: bool = True) -> int:
    session.add(StructureSettings(pre_name="PRE de Corbeil-Essonnes", town="Corbeil-Essonnes"))
    child = family_with_child(session, school="Collège Senghor", notes="Suivi ASE confidentiel")
    child.family.address, child.family.postal_code = "12 rue des Lilas", "91100"
    child.family.guardians.append(Guardian(last_name="Dupont", first_name="Marc", birth_date=D(1980, 6, 1)))
    session.add(Child(family=child.family, last_name="Dupont", first_name="Noé", birth_date=D(2017, 1, 1),
                      school="École Jaurès"))
    p = partner(session, name="CMPP Françoise-Dolto", code="CMPP")
    convention(session, p)
    session.flush()
    guardian = child.family.guardians[1] if kind is BeneficiaryKind.PARENT else None
    cr = crs.create_care_referral(session, child_id=child.id, partner_id=p.id, reason="Anxiété scolaire, « phobie »",
                                  requested_on=D(2026, 3, 2), beneficiary_kind=kind,
                                  guardian_id=guardian.id if guardian else None, confirm=guardian is not None,
                                  age_warning_reason="Entretiens parents au CMPP" if guardian else None)
    if answered:
        crs.mark_sent(session, cr.id, sent_on=D(2026, 3, 3), how="Courriel")
        crs.record_answer(session, cr.id, answered_on=D(2026, 3, 9), first_appointment_on=D(2026, 3, 16),
                          psychologist_name="Mme Roche")
    return cr.id


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_fiche_carries_the_model_fields_and_nothing_else(session, tmp_path, fmt):
    cid = _fiche(session)
    path = write_liaison_document(session, cid, fmt, tmp_path / f"fiche.{fmt}")
    text = read(path)
    for expected in ("FICHE DE LIAISON « CMPP Françoise-Dolto »", "PRE de Corbeil-Essonnes",
                     "Demande du PRE de Corbeil-Essonnes", "Date de la demande : 02/03/2026",
                     "Nom de l'enfant/Parent/Famille concerné(e) : DUPONT (enfant)", "Prénom(s) : Léa",
                     "Date de naissance : 10/03/2015", "Motif initial de la demande : Anxiété scolaire, « phobie »",
                     "Nom : BENALI", "Prénom : Karim", "Tél : 06 12 34 56 78",
                     "Réponse de « CMPP Françoise-Dolto »", "Date de la réponse : 09/03/2026",
                     "Date du premier entretien proposé : 16/03/2026", "Nom du psychologue : Mme Roche"):
        assert squash(expected) in text.replace(" | ", " "), expected
    for secret in SECRETS + ("Sonia", "Marc"):
        assert secret not in text, secret


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_answer_block_left_to_fill_in(session, tmp_path, fmt):
    cid = _fiche(session, answered=False)
    text = read(write_liaison_document(session, cid, fmt, tmp_path / f"fiche.{fmt}")).replace(" | ", " ")
    for label in ("Date de la réponse :", "Date du premier entretien proposé :", "Nom du psychologue :"):
        assert f"{label} ......" in text, label


def test_word_lines_to_fill_in_leave_room_to_write(session, tmp_path):
    """In Word, as in the PDF, the lines written on by hand are spaced (not packed like a label list)."""
    from docx import Document as Docx
    from docx.shared import Pt

    cid = _fiche(session, answered=False)
    word = Docx(str(write_liaison_document(session, cid, "docx", tmp_path / "fiche.docx")))
    answer = next(t for t in word.tables if t.cell(0, 0).text.startswith("Date de la réponse"))
    for row in answer.rows:
        fmt = row.cells[1].paragraphs[0].paragraph_format
        assert (fmt.space_before or 0) + (fmt.space_after or 0) >= Pt(8), row.cells[0].text


def test_parent_and_family_fiches(session, tmp_path):
    parent = read(write_liaison_document(session, _fiche(session, BeneficiaryKind.PARENT), "docx", tmp_path / "p.docx"))
    parent = parent.replace(" | ", " ")
    assert "DUPONT (parent)" in parent and "Prénom(s) : Marc" in parent and "Date de naissance : 01/06/1980" in parent
    assert "Léa" not in parent and "10/03/2015" not in parent
    first = session.scalars(select(crs.CareReferral)).one()
    cr = crs.create_care_referral(session, child_id=first.child_id, partner_id=first.partner_id,
                                  reason="Conflits familiaux", beneficiary_kind=BeneficiaryKind.FAMILY)
    family = read(write_liaison_document(session, cr.id, "pdf", tmp_path / "f.pdf")).replace(" | ", " ")
    assert "DUPONT (famille)" in family and "Prénom(s) : Léa, Sonia, Marc" in family
    assert "Date de naissance : 10/03/2015 (enfant)" in family
    for secret in SECRETS:
        assert secret not in family, secret


def test_generation_is_recorded(session, tmp_path):
    cid = _fiche(session)
    path = write_liaison_document(session, cid, "pdf", tmp_path / "fiche.pdf")
    doc = session.scalars(select(GeneratedDocument)).one()
    cr = session.get(crs.CareReferral, cid)
    assert (doc.kind, doc.file_format, doc.target_id, doc.child_id) == ("liaison", "pdf", cid, cr.child_id)
    assert doc.target_version == cr.version and doc.file_path == str(path) and doc.created_by_id == 1
    assert doc.title == "Fiche de liaison « CMPP Françoise-Dolto »"
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one().entity_id == cid


def test_refused_without_consent_writes_nothing(factory, db_snapshot, tmp_path):
    with db.session_scope(factory, 1) as s:
        cid = _fiche(s)
        family = s.get(crs.CareReferral, cid).child.family
        family.consents[0].withdrawn_on = D(2026, 11, 1)
    before = db_snapshot()
    for fmt in ("pdf", "docx", "odt"):
        with pytest.raises(DomainError) as err:
            with db.session_scope(factory, 1) as s:
                write_liaison_document(s, cid, fmt, tmp_path / f"fiche.{fmt}")
        assert err.value.field == ("file_format" if fmt == "odt" else "consent")
    assert db_snapshot() == before
    assert not list(tmp_path.glob("fiche*")) and not list(tmp_path.glob(".~*"))
