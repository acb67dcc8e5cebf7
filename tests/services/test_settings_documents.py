import pytest
from refusal import refused
from sqlalchemy import select

from pre_desktop import db
from pre_desktop.models import AuditAction, AuditEvent, Child, Family
from pre_desktop.services import documents, settings
from pre_desktop.services.errors import StaleRecordError


def test_settings_defaults_then_created_and_updated(factory, tmp_path):
    with db.session_scope(factory, 1) as s:
        assert settings.get_settings(s) is None
        assert settings.structure_name(s) == "Programme de réussite éducative"
        assert settings.public_age_range(s) == (2, 16)
        logo = tmp_path / "logo.png"
        logo.write_bytes(b"\x89PNG")
        row = settings.update_settings(s, pre_name="PRE de Ville-Exemple", legal_carrier_kind="Caisse des écoles",
                                       town="Ville-Exemple", logo_path=str(logo), public_age_max="18")
    with db.session_scope(factory, 1) as s:
        assert settings.structure_name(s) == "PRE de Ville-Exemple"
        assert settings.public_age_range(s) == (2, 18)
        settings.update_settings(s, expected_version=row.version, coordinator_name="Claire Martin")
        assert settings.get_settings(s).coordinator_name == "Claire Martin"


@pytest.mark.parametrize("fields, field", [
    ({"pre_name": " "}, "pre_name"),
    ({"pre_name": "PRE", "logo_path": "/nulle/part/logo.png"}, "logo_path"),
    ({"pre_name": "PRE", "public_age_min": "douze"}, "public_age_min"),
    ({"pre_name": "PRE", "public_age_min": 12, "public_age_max": 6}, "public_age_min"),
    ({"pre_name": "PRE", "couleur": "bleu"}, "couleur"),
    ({"town": "Sans nom"}, "pre_name"),
])
def test_bad_settings_refused_with_the_field_and_nothing_written(factory, db_snapshot, fields, field):
    assert refused(factory, db_snapshot, lambda s: settings.update_settings(s, **fields)).field == field


def test_stale_settings_refused(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        settings.update_settings(s, pre_name="PRE A")
    refused(factory, db_snapshot, lambda s: settings.update_settings(s, expected_version=7, pre_name="B"),
            StaleRecordError)


def test_documents_are_recorded_listed_and_traced(factory, db_snapshot):
    with db.session_scope(factory, 2) as s:
        child = Child(family=Family(name="Diallo"), last_name="Diallo", first_name="Aïcha",
                      birth_date=__import__("datetime").date(2015, 6, 1))
        s.add(child)
        s.flush()
        documents.record_document(s, kind="liaison", file_format="PDF", title="Fiche de liaison — DIALLO Aïcha",
                                  target_type="care_referrals", target_id=5, target_version=3, child_id=child.id,
                                  file_path="/tmp/fiche.pdf")
        documents.record_document(s, kind="liaison", file_format="docx", title="Fiche de liaison — DIALLO Aïcha",
                                  target_type="care_referrals", target_id=5, target_version=3, child_id=child.id)
    with db.session_scope(factory) as s:
        docs = documents.documents_for(s, "care_referrals", 5)
        assert [d.file_format for d in docs] == ["docx", "pdf"]
        assert all(d.created_by_id == 2 and d.target_version == 3 for d in docs)
        assert len(documents.documents_for_child(s, child.id)) == 2
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).all()
        assert len(events) == 2 and events[0].child_id == child.id and events[0].user_id == 2
    assert refused(factory, db_snapshot, lambda s: documents.record_document(
        s, kind="liaison", file_format="odt", title="X", target_type="care_referrals", target_id=5)).field == "file_format"


def test_a_document_written_to_a_relative_path_is_recorded_absolute(factory, tmp_path, monkeypatch):
    """A command run from some folder with --out fiche.pdf: the Documents list must find it later."""
    monkeypatch.chdir(tmp_path)
    with db.session_scope(factory, 1) as s:
        doc = documents.record_document(s, kind="liaison", file_format="pdf", title="Fiche",
                                        target_type="care_referrals", target_id=1, file_path="sorties/fiche.pdf")
        assert doc.file_path == str(tmp_path / "sorties" / "fiche.pdf")
