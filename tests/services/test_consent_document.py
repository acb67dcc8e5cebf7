"""The family's agreement with its scanned copy, kept beside the database, and its history."""

from __future__ import annotations

import datetime as dt

import pytest

from pre_desktop import db
from pre_desktop.models import Family
from pre_desktop.services import consent
from pre_desktop.services.errors import DomainError

from refusal import refused


def test_the_scan_is_copied_beside_the_database_and_found_after_a_move(tmp_path):
    scan = tmp_path / "Downloads" / "accord signé.PDF"
    scan.parent.mkdir()
    scan.write_bytes(b"%PDF-1.4 scan")
    base = tmp_path / "pre" / "pre.sqlite"
    stored = consent.store_consent_document(scan, base)
    assert stored.parent == (tmp_path / "pre" / "accords").resolve() and stored.suffix == ".pdf"
    assert stored.read_bytes() == b"%PDF-1.4 scan"
    assert consent.store_consent_document(scan, base) == stored  # the same scan is stored once
    scan.unlink()
    assert consent.document_file(str(stored), base) == stored
    moved = tmp_path / "cle-usb" / "pre.sqlite"
    (moved.parent / "accords").mkdir(parents=True)
    stored.rename(moved.parent / "accords" / stored.name)
    assert consent.document_file(str(stored), moved) == (moved.parent / "accords" / stored.name).resolve()
    assert consent.document_file(None, moved) is None


@pytest.mark.parametrize("name, content, message", [
    ("accord.docx", b"x", "PDF ou une image"),
    ("absent.pdf", None, "introuvable"),
])
def test_a_wrong_scan_is_refused_on_its_field(tmp_path, name, content, message):
    source = tmp_path / name
    if content is not None:
        source.write_bytes(content)
    with pytest.raises(DomainError) as error:
        consent.store_consent_document(source, tmp_path / "pre.sqlite")
    assert error.value.field == "document_path" and message in error.value.message
    assert not (tmp_path / "accords").exists()


def test_history_lists_every_agreement_with_its_document(factory, db_snapshot, tmp_path):
    scan = tmp_path / "accord.pdf"
    scan.write_bytes(b"%PDF")
    with db.session_scope(factory, 1) as s:
        fam = Family(name="Durand")
        s.add(fam)
        s.flush()
        first = consent.record_consent(s, fam.id, given_on="01/09/2025", given_by="Mme Durand", scope="Soin")
        consent.withdraw_consent(s, first.id, withdrawn_on="01/02/2026")
        consent.record_consent(s, fam.id, given_on="03/03/2026", given_by="M. Durand", scope="Soin et école",
                               document_path=str(scan))
        family_id = fam.id
    with factory() as s:
        rows = consent.consent_history(s, family_id)
    assert [(r.given_on, r.given_by, r.withdrawn_on, r.in_force, r.recorded_by) for r in rows] == [
        (dt.date(2026, 3, 3), "M. Durand", None, True, "Claire Martin"),
        (dt.date(2025, 9, 1), "Mme Durand", dt.date(2026, 2, 1), False, "Claire Martin")]
    assert rows[0].document_path == str(scan) and rows[1].document_path is None
    error = refused(factory, db_snapshot, lambda s: consent.record_consent(
        s, family_id, given_on="04/03/2026", given_by="M. Durand", document_path=str(tmp_path / "perdu.pdf")))
    assert error.field == "document_path"
