"""``export partners`` and ``import partners`` from the command line."""

from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select

from pre_desktop import db
from pre_desktop.cli import main
from pre_desktop.migrate import open_database
from pre_desktop.models import Partner
from pre_desktop.services.reference_data import ensure_partner_types


def base(path: Path) -> Path:
    engine, factory = open_database(path)
    with db.session_scope(factory) as s:
        ensure_partner_types(s)
    engine.dispose()
    return path


def count(path: Path) -> int:
    engine, factory = open_database(path, create=False)
    with factory() as s:
        number = s.scalar(select(func.count()).select_from(Partner))
    engine.dispose()
    return number


def test_import_then_export_partners(tmp_path, capsys):
    path = base(tmp_path / "pre.sqlite")
    good = tmp_path / "annuaire.csv"
    good.write_bytes("Nom,Type,Ville\r\nCMP Évry,CMP enfants,Évry\r\nMDA,MDA,Corbeil\r\n".encode("utf-8"))
    assert main(["import", "partners", "--db", str(path), str(good), "--verifier"]) == 0
    assert count(path) == 0 and "2 structure(s) à ajouter" in capsys.readouterr().out
    assert main(["import", "partners", "--db", str(path), str(good)]) == 0
    assert count(path) == 2 and "2 structure(s) ajoutée(s)" in capsys.readouterr().out
    out = tmp_path / "export"
    assert main(["export", "partners", "--db", str(path), "--out", str(out)]) == 0
    sheet = load_workbook(tmp_path / "export.xlsx")["Annuaire des partenaires"]
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["CMP Évry", "MDA"]


def test_bad_import_lists_rows_and_writes_nothing(tmp_path, capsys):
    path = base(tmp_path / "pre.sqlite")
    bad = tmp_path / "annuaire.csv"
    bad.write_bytes("Nom;Type;Courriel\r\nA;CMPP;a@b.fr\r\nB;CMPP;faux\r\nC;Inconnu;\r\n".encode("cp1252"))
    assert main(["import", "partners", "--db", str(path), str(bad)]) == 1
    err = capsys.readouterr().err
    assert "Ligne 3 — Courriel" in err and "Ligne 4 — Type de structure" in err and "Rien n'a été enregistré" in err
    assert count(path) == 0
