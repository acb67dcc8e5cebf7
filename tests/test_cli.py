"""The command line: listing, refusals with exit codes and French messages, demo data."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from pre_desktop import db
from pre_desktop.cli import EXIT_DATABASE, EXIT_OK, EXIT_REFUSED, main
from pre_desktop.migrate import open_database
from pre_desktop.models import (
    CareReferral,
    CareReferralState,
    CareSession,
    Child,
    ChildStatus,
    Convention,
    EpsMeeting,
    Family,
    Partner,
    PartnerType,
    Role,
    SessionStatus,
    User,
)


def make_case_file(path: Path) -> Path:
    """A small database: two children of one family, a partner, a convention, a fiche, an EPS."""
    engine, factory = open_database(path)
    with db.session_scope(factory) as s:
        referent = User(login="ref", first_name="Karim", last_name="Benali", role=Role.REFERENT)
        family = Family(name="Dupré", town="Roubaix")
        lea = Child(family=family, last_name="Dupré", first_name="Léa", birth_date=dt.date(2015, 3, 4),
                    status=ChildStatus.ACTIVE, school="École Jules Ferry", referent=referent)
        noe = Child(family=family, last_name="Dupré", first_name="Noé", birth_date=dt.date(2018, 9, 1))
        cmpp = Partner(name="CMPP Les Tilleuls", town="Roubaix",
                       type=s.scalars(select(PartnerType).where(PartnerType.code == "CMPP")).one())
        convention = Convention(partner=cmpp, reference="CONV-2026-01", start_date=dt.date(2026, 1, 1),
                                end_date=dt.date(2026, 12, 31), tariff_individual=Decimal("45"))
        liaison = CareReferral(child=lea, partner=cmpp, convention=convention, requested_on=dt.date(2026, 2, 1),
                               state=CareReferralState.IN_PROGRESS)
        liaison.sessions.append(CareSession(session_date=dt.date(2026, 3, 2), status=SessionStatus.PRESENT))
        liaison.sessions.append(CareSession(session_date=dt.date(2026, 3, 9), status=SessionStatus.EXCUSED))
        s.add_all([family, lea, noe, cmpp, convention, liaison,
                   EpsMeeting(meeting_date=dt.date(2026, 1, 20), place="Mairie annexe")])
    engine.dispose()
    return path


@pytest.fixture
def case_file(tmp_path) -> Path:
    return make_case_file(tmp_path / "pre.sqlite")


def run_json(capsys, *args: str) -> list[dict]:
    assert main([*args, "--json"]) == EXIT_OK
    return json.loads(capsys.readouterr().out)


def test_list_children_json_has_ids_and_french_labels(case_file, capsys):
    records = run_json(capsys, "list", "children", "--db", str(case_file))
    assert [r["label"] for r in records] == ["DUPRÉ Léa (04/03/2015)", "DUPRÉ Noé (01/09/2018)"]
    assert all(isinstance(r["id"], int) for r in records)
    assert records[0]["birth_date"] == "2015-03-04"
    assert records[0]["status_label"] == "En parcours"
    assert records[0]["referent"] == "Karim Benali"


def test_list_every_kind_json(case_file, capsys):
    assert [r["label"] for r in run_json(capsys, "list", "families", "--db", str(case_file))] == ["Dupré"]
    partners = run_json(capsys, "list", "partners", "--db", str(case_file))
    assert partners[0]["label"] == "CMPP Les Tilleuls — Centre médico-psycho-pédagogique (CMPP)"
    conventions = run_json(capsys, "list", "conventions", "--db", str(case_file))
    assert conventions[0]["label"] == "CONV-2026-01 — CMPP Les Tilleuls (du 01/01/2026 au 31/12/2026)"
    liaisons = run_json(capsys, "list", "liaisons", "--db", str(case_file))
    assert liaisons[0]["label"] == "DUPRÉ Léa — CMPP Les Tilleuls — Prise en charge en cours"
    assert liaisons[0]["sessions_held"] == 1
    eps = run_json(capsys, "list", "eps", "--db", str(case_file))
    assert eps[0]["label"] == "EPS du 20/01/2026 — Mairie annexe"


def test_list_as_aligned_table(case_file, capsys):
    assert main(["list", "children", "--db", str(case_file)]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["N°", "Enfant", "Âge", "École", "Statut", "Référent(e)"]
    assert "DUPRÉ Léa (04/03/2015)" in lines[2] and "11" in lines[2]
    assert lines[0].index("Enfant") == lines[2].index("DUPRÉ")
    assert lines[-1] == "2 enregistrement(s)."


def test_global_db_option_before_the_command(case_file, capsys):
    assert main(["--db", str(case_file), "list", "families"]) == EXIT_OK
    assert "Dupré" in capsys.readouterr().out


def test_missing_database_exit_2_with_french_message(tmp_path, capsys):
    missing = tmp_path / "absente.sqlite"
    assert main(["list", "children", "--db", str(missing)]) == EXIT_DATABASE
    err = capsys.readouterr().err
    assert "n'existe pas" in err and "Traceback" not in err
    assert not missing.exists()


def test_unreadable_database_exit_2(tmp_path, capsys):
    bad = tmp_path / "notes.sqlite"
    bad.write_text("pas une base " * 200, encoding="utf-8")
    assert main(["list", "partners", "--db", str(bad)]) == EXIT_DATABASE
    assert "ne peut pas être ouvert" in capsys.readouterr().err


def test_unknown_kind_is_refused_in_french(case_file, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["list", "chats", "--db", str(case_file)])
    assert stop.value.code == 2
    assert "choix invalide" in capsys.readouterr().err


def test_list_children_json_in_a_subprocess(case_file):
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    result = subprocess.run([sys.executable, "-m", "pre_desktop", "list", "children", "--db", str(case_file), "--json"],
                            capture_output=True, text=True, encoding="utf-8", env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert [r["first_name"] for r in json.loads(result.stdout)] == ["Léa", "Noé"]
    assert "PySide6" not in result.stderr


# --- demo (pre_desktop.demo is written by another helper) ------------------------------


def test_demo_builds_then_refuses_a_database_holding_children(tmp_path, capsys):
    pytest.importorskip("pre_desktop.demo")
    path = tmp_path / "demo.sqlite"
    assert main(["demo", "--db", str(path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Base de démonstration créée" in out and "Durée" in out

    assert main(["demo", "--db", str(path)]) == EXIT_REFUSED
    assert "--force" in capsys.readouterr().err

    assert main(["demo", "--db", str(path), "--force"]) == EXIT_OK
    engine, factory = open_database(path)
    with factory() as s:
        assert s.scalars(select(Child)).first() is not None
    engine.dispose()


def test_demo_refuses_a_real_case_file_without_force(case_file, capsys):
    pytest.importorskip("pre_desktop.demo")
    before = case_file.read_bytes()
    assert main(["demo", "--db", str(case_file)]) == EXIT_REFUSED
    assert "contient déjà 2 enfant(s)" in capsys.readouterr().err
    assert case_file.read_bytes() == before
