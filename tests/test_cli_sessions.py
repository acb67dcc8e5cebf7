"""``export monthly``, ``import attendance`` and ``export statement`` from the command line."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from pre_desktop import db
from pre_desktop.cli import EXIT_OK, EXIT_REFUSED, main
from pre_desktop.migrate import open_database
from pre_desktop.models import CareSession, GeneratedDocument, MonthlyAnswer, SessionStatus
from pre_desktop.services.reference_data import ensure_partner_types

sys.path.insert(0, str(Path(__file__).resolve().parent / "services"))
sys.path.insert(0, str(Path(__file__).resolve().parent / "exports"))
from care_fixtures import add_sessions, care_referral, convention, family_with_child, partner  # noqa: E402
from readback import docx_text, pdf_text, squash  # noqa: E402

D = dt.date


@pytest.fixture
def base(tmp_path):
    path = tmp_path / "pre.sqlite"
    engine, factory = open_database(path)
    with db.session_scope(factory) as s:
        ensure_partner_types(s)
        p = partner(s)
        conv = convention(s, p)
        cr = care_referral(s, family_with_child(s, name="Arnaud", first_name="Inès", referent_id=None), p, conv)
        add_sessions(s, cr, [D(2026, 10, 5), D(2026, 10, 12)])
        add_sessions(s, cr, [D(2026, 10, 19)], status=SessionStatus.EXCUSED)
        ids = p.id, conv.id, cr.id
    engine.dispose()
    return path, ids


def _count(path, model):
    engine, factory = open_database(path, create=False)
    try:
        with factory() as s:
            return s.scalar(select(func.count()).select_from(model))
    finally:
        engine.dispose()


@pytest.mark.parametrize("fmt", ["pdf", "docx", "xlsx"])
def test_export_monthly(base, tmp_path, capsys, fmt):
    path, (pid, _, _) = base
    out = tmp_path / f"octobre.{fmt}"
    assert main(["export", "monthly", "--db", str(path), "--partner", str(pid), "--month", "2026-10",
                 "--format", fmt, "--out", str(out)]) == EXIT_OK
    assert "Fichier écrit" in capsys.readouterr().out
    if fmt == "pdf":
        assert "12/10 individuel — Présent" in squash(pdf_text(out)) and "Arnaud" in pdf_text(out)
    elif fmt == "docx":
        assert "19/10 individuel — Absent excusé" in squash(docx_text(out))
    else:
        assert load_workbook(out)["Séances"].max_row >= 5
    assert _count(path, GeneratedDocument) == 1


def test_export_monthly_refusals(base, tmp_path, capsys):
    path, (pid, _, _) = base
    assert main(["export", "monthly", "--db", str(path), "--partner", str(pid), "--month", "2026-13",
                 "--format", "pdf", "--out", str(tmp_path / "x.pdf")]) == EXIT_REFUSED
    assert "AAAA-MM" in capsys.readouterr().err
    assert main(["export", "monthly", "--db", str(path), "--partner", "999", "--month", "2026-10",
                 "--format", "pdf", "--out", str(tmp_path / "x.pdf")]) == EXIT_REFUSED
    assert "introuvable" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists() and _count(path, GeneratedDocument) == 0


def test_import_attendance_round_trip_and_refusal(base, tmp_path, capsys):
    path, (pid, _, cid) = base
    out = tmp_path / "octobre.xlsx"
    assert main(["export", "monthly", "--db", str(path), "--partner", str(pid), "--month", "2026-10",
                 "--format", "xlsx", "--out", str(out)]) == EXIT_OK
    wb = load_workbook(out)
    wb["Séances"].append([cid, "Arnaud", "Inès", "26/10/2026", "Entretien individuel", "Présent"])
    table = wb["Tableau mensuel"]
    table.cell(table.max_row, 10, "oui")
    wb.save(tmp_path / "rempli.xlsx")
    bad = load_workbook(tmp_path / "rempli.xlsx")
    bad["Séances"].append([cid, "Arnaud", "Inès", "03/11/2026", "Entretien individuel", "venue"])
    bad.save(tmp_path / "faux.xlsx")
    capsys.readouterr()

    assert main(["import", "attendance", "--db", str(path), str(tmp_path / "faux.xlsx")]) == EXIT_REFUSED
    err = capsys.readouterr().err
    assert "2 erreurs : rien n'a été enregistré." in err
    assert "Séances, ligne" in err and "n'est pas dans le mois" in err and "statut inconnu « venue »" in err
    assert _count(path, CareSession) == 3 and _count(path, MonthlyAnswer) == 0

    assert main(["import", "attendance", "--db", str(path), str(tmp_path / "rempli.xlsx")]) == EXIT_OK
    assert "1 séance(s) ajoutée(s)" in capsys.readouterr().out
    assert _count(path, CareSession) == 4 and _count(path, MonthlyAnswer) == 1


def test_export_statement(base, tmp_path, capsys):
    path, (_, conv, _) = base
    out = tmp_path / "etat.pdf"
    assert main(["export", "statement", "--db", str(path), "--convention", str(conv), "--quarter", "2026-T4",
                 "--format", "pdf", "--out", str(out)]) == EXIT_OK
    assert "Entretien individuel 2 45,00 € 90,00 €" in squash(pdf_text(out))
    assert main(["export", "statement", "--db", str(path), "--convention", str(conv), "--quarter", "2026-Q4",
                 "--format", "xlsx", "--out", str(tmp_path / "etat.xlsx")]) == EXIT_OK
    capsys.readouterr()
    assert main(["export", "statement", "--db", str(path), "--convention", str(conv), "--quarter", "2027-T1",
                 "--format", "pdf", "--out", str(tmp_path / "x.pdf")]) == EXIT_REFUSED
    assert "entièrement en dehors de la convention" in capsys.readouterr().err
    assert main(["export", "statement", "--db", str(path), "--convention", str(conv), "--quarter", "2026-5",
                 "--format", "pdf", "--out", str(tmp_path / "x.pdf")]) == EXIT_REFUSED
    assert "AAAA-Tn" in capsys.readouterr().err
