"""``export liaison``: the fiche from the command line, recorded, refused in French when it must be."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from pre_desktop import db
from pre_desktop.cli import EXIT_DATABASE, EXIT_OK, EXIT_REFUSED, main
from pre_desktop.migrate import open_database
from pre_desktop.models import (
    CareReferral,
    Child,
    Consent,
    Family,
    GeneratedDocument,
    Partner,
    PartnerType,
    Role,
    User,
)
from pre_desktop.services.reference_data import ensure_partner_types

sys.path.insert(0, str(Path(__file__).resolve().parent / "exports"))
from readback import docx_text, pdf_text, squash  # noqa: E402

D = dt.date


def _file(path: Path, consent: bool = True) -> tuple[Path, int]:
    engine, factory = open_database(path)
    with db.session_scope(factory) as s:
        ensure_partner_types(s)
        ref = User(login="ref", first_name="Karim", last_name="Benali", role=Role.REFERENT, phone="06 12 34 56 78")
        fam = Family(name="Dupont", address="12 rue des Lilas")
        child = Child(family=fam, last_name="Dupont", first_name="Léa", birth_date=D(2015, 3, 10),
                      school="Collège Senghor", notes="Suivi ASE", referent=ref)
        if consent:
            fam.consents.append(Consent(given_on=D(2026, 1, 5), given_by="Mme Dupont"))
        ptype = s.scalars(select(PartnerType).where(PartnerType.code == "CMPP")).one()
        partner = Partner(name="CMPP Dolto", type=ptype)
        cr = CareReferral(child=child, partner=partner, reason="Anxiété scolaire", requested_on=D(2026, 3, 2),
                          referent=ref)
        s.add_all([fam, child, partner, cr])
        s.flush()
        cid = cr.id
    engine.dispose()
    return path, cid


def _documents(path: Path) -> list[GeneratedDocument]:
    engine, factory = open_database(path, create=False)
    try:
        with factory() as s:
            return list(s.scalars(select(GeneratedDocument)))
    finally:
        engine.dispose()


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_export_liaison_writes_and_records(tmp_path, capsys, fmt):
    path, cid = _file(tmp_path / "pre.sqlite")
    out = tmp_path / "sortie" / f"fiche.{fmt}"
    code = main(["export", "liaison", "--db", str(path), "--liaison", str(cid), "--format", fmt, "--out", str(out)])
    assert code == EXIT_OK and "Fichier écrit" in capsys.readouterr().out
    text = squash(pdf_text(out) if fmt == "pdf" else docx_text(out))
    assert "Léa" in text and "Anxiété scolaire" in text and "06 12 34 56 78" in text
    assert "Senghor" not in text and "Lilas" not in text and "ASE" not in text
    [doc] = _documents(path)
    assert (doc.kind, doc.file_format, doc.target_id, doc.file_path) == ("liaison", fmt, cid, str(out))


def test_export_liaison_refusals(tmp_path, capsys):
    path, cid = _file(tmp_path / "pre.sqlite", consent=False)
    out = tmp_path / "fiche.pdf"
    args = ["export", "liaison", "--db", str(path), "--format", "pdf", "--out", str(out)]
    assert main(args + ["--liaison", str(cid)]) == EXIT_REFUSED
    assert "Accord de la famille" in capsys.readouterr().err
    assert main(args + ["--liaison", "999"]) == EXIT_REFUSED
    assert "Fiche de liaison introuvable" in capsys.readouterr().err
    assert not out.exists() and _documents(path) == []
    missing = ["export", "liaison", "--db", str(tmp_path / "absente.sqlite"), "--liaison", "1", "--format", "pdf",
               "--out", str(out)]
    assert main(missing) == EXIT_DATABASE


def test_export_liaison_bad_format_in_a_subprocess(tmp_path):
    path, cid = _file(tmp_path / "pre.sqlite")
    result = subprocess.run([sys.executable, "-m", "pre_desktop", "export", "liaison", "--db", str(path),
                             "--liaison", str(cid), "--format", "odt", "--out", str(tmp_path / "f.odt")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "FORMAT" in result.stderr and not (tmp_path / "f.odt").exists()
