"""The pseudonymised export: one row per child followed in the year, hand-checked on the fixed
data set, with no name, phone, e-mail or typed text of that data set anywhere in the file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from pre_desktop.cli import EXIT_OK, EXIT_REFUSED, main
from pre_desktop.exports.pseudonymised import export_pseudonymised
from pre_desktop.models import AuditAction, AuditEvent, Child, GeneratedDocument
from pre_desktop.services.errors import DomainError, PermissionDeniedError
from pre_desktop.services.pseudonymised import COLUMNS, pseudonymised_rows
from statistics_fixtures import SECRETS, build_statistics_data

D = dt.date
HEADERS = [header for _, header, *_ in COLUMNS]


@pytest.fixture
def data(session):
    built = build_statistics_data(session)
    session.commit()
    return built


def _by_birth_year(rows):
    return {r.birth_year: r for r in rows}


def test_one_row_per_child_followed_with_hand_counted_values(session, data):
    rows = pseudonymised_rows(session, "2025-2026").rows
    # Followed in 2025-26: A (born 2019), B (2012), C (2021); D left on 31/08/2025, E and F never followed then.
    assert sorted(r.birth_year for r in rows) == [2012, 2019, 2021]
    assert [r.pseudonym for r in rows] == ["P0001", "P0002", "P0003"]
    a, b, c = (_by_birth_year(rows)[y] for y in (2019, 2012, 2021))
    # A: entered 01/10/2024, no exit; first repérage École (15/09/2024); in the year: 1 repérage (01/03/2026),
    # 1 EPS decision (postponed 15/03/2026), 1 fiche sent (CR6); CR1: 4 present, 1 absent (15/01), the
    # cancelled 30/12 not counted.
    assert (a.sex, a.age_band, a.neighbourhood, a.school_level, a.entry_date, a.exit_date, a.exit_kind,
            a.referral_source, a.referrals, a.eps_decisions, a.orientations, a.sessions_held, a.sessions_missed) == (
        "F", "6 à 10 ans", "Les Tilleuls", "Élémentaire", D(2024, 10, 1), None, "", "École", 1, 1, 1, 4, 1)
    # B: 15/10/2025 → 20/03/2026 (status ended); Collège; accepted + ended; CR2 (CR5 is a draft); 5 present.
    assert (b.sex, b.age_band, b.school_level, b.exit_date, b.exit_kind, b.referral_source, b.referrals,
            b.eps_decisions, b.orientations, b.sessions_held, b.sessions_missed) == (
        "M", "11 à 16 ans", "Collège", D(2026, 3, 20), "Fin de parcours", "Collège", 1, 2, 1, 5, 0)
    # C: 01/09/2025 → 31/08/2026; PMI (10/06/2025, previous year: 0 repérage in the year); CR3, CR4, CR7 sent;
    # CR3 3 + CR7 3 present, 1 excused.
    assert (c.age_band, c.neighbourhood, c.school_level, c.entry_date, c.exit_date, c.referral_source,
            c.referrals, c.eps_decisions, c.orientations, c.sessions_held, c.sessions_missed) == (
        "2 à 5 ans", "Bel-Air", "Maternelle", D(2025, 9, 1), D(2026, 8, 31), "PMI", 0, 1, 3, 6, 1)
    # 2024-25: A and D; D's exit (31/08/2025) is in that year, his class 1re → lycée.
    previous = _by_birth_year(pseudonymised_rows(session, "2024-2025").rows)
    assert sorted(previous) == [2008, 2019]
    assert (previous[2008].exit_kind, previous[2008].school_level, previous[2008].age_band) == (
        "Réorientation ou refus de l'EPS", "Lycée", "11 à 16 ans")
    assert previous[2019].exit_date is None  # no exit within that year


def test_the_secrets_searched_for_are_in_the_base(engine, data):
    """So that their absence from the files below means something."""
    base = b"".join(path.read_bytes() for path in Path(engine.url.database).parent.glob("test.sqlite*"))
    # Surnames in capitals are how documents print them (Child.full_name); the base holds them as typed.
    missing = [secret for secret in SECRETS
               if secret.encode("utf-8") not in base and secret.title().encode("utf-8") not in base]
    assert not missing


def test_csv_for_french_excel_without_any_identifying_text(session, data, tmp_path):
    path = export_pseudonymised(session, "2025-2026", "csv", tmp_path / "export")
    session.commit()
    assert path.name == "export.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # UTF-8 BOM, Windows line ends
    for secret in SECRETS:
        assert secret.encode("utf-8") not in raw, secret
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert table[0] == HEADERS and len(table) == 4
    assert sorted(r[3] for r in table[1:]) == ["2012", "2019", "2021"]
    b_row = next(r for r in table[1:] if r[3] == "2012")
    assert b_row[7:10] == ["15/10/2025", "20/03/2026", "Fin de parcours"]
    # Recorded as an export of the whole year: one trace with the count, no child named.
    doc = session.scalars(select(GeneratedDocument)).one()
    assert (doc.kind, doc.file_format, doc.target_type, doc.target_id) == ("pseudonymised_export", "csv",
                                                                           "school_year", 2025)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).one()
    assert event.child_id is None and "3 enfants" in event.summary and "2025-2026" in event.summary


def test_xlsx_holds_typed_cells_and_no_identifying_text(session, data, tmp_path):
    path = export_pseudonymised(session, "2025-2026", "xlsx", tmp_path / "export.xlsx")
    with zipfile.ZipFile(path) as archive:  # every part of the workbook, shared strings included
        text = "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    for secret in SECRETS:
        assert secret not in text, secret
    sheet = load_workbook(path)["Données 2025-2026"]
    assert sheet["A1"].value == "Export statistique pseudonymisé — année scolaire 2025-2026"
    assert [c.value for c in sheet[4]] == HEADERS  # under two lines of heading and a blank one
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
    assert len(values) == 3
    c_row = next(r for r in values if r[3] == 2021)
    assert c_row[7].date() == D(2025, 9, 1) and c_row[14] == 6  # a real date, a real number
    assert "Définitions" in load_workbook(path).sheetnames


def test_no_child_id_leaves_in_the_file(session, data, tmp_path):
    """Pseudonyms are numbers drawn for the export, not the files' ids."""
    ids = set(session.scalars(select(Child.id)))
    rows = pseudonymised_rows(session, "2025-2026").rows
    assert all(not hasattr(r, "child_id") for r in rows)
    assert {int(r.pseudonym[1:]) for r in rows} == {1, 2, 3}  # numbered 1..n whatever the ids
    assert ids  # the ids exist, yet no column carries them
    assert "id" not in {name for name, *_ in COLUMNS}


def test_only_the_coordinator_exports_and_a_refusal_writes_nothing(factory, data, tmp_path, db_snapshot):
    before = db_snapshot()
    with factory() as s:
        s.info["user_id"] = 2  # a référent
        with pytest.raises(PermissionDeniedError) as refused:
            export_pseudonymised(s, "2025-2026", "csv", tmp_path / "x.csv")
        assert "ne permet pas de faire l'export statistique" in refused.value.message
    with factory() as s:
        s.info["user_id"] = 1
        for year, fmt, field in (("2025-2027", "csv", "year"), ("2025-2026", "pdf", "file_format")):
            with pytest.raises(DomainError) as refused:
                export_pseudonymised(s, year, fmt, tmp_path / "x.csv")
            assert refused.value.field == field
    assert not (tmp_path / "x.csv").exists() and db_snapshot() == before


def test_command_line(engine, data, tmp_path, capsys):
    db_file = engine.url.database
    out = tmp_path / "pseudo.csv"
    assert main(["export", "pseudonymised", "--db", db_file, "--year", "2025-2026", "--format", "csv",
                 "--out", str(out)]) == EXIT_OK
    assert "Fichier écrit" in capsys.readouterr().out and out.read_bytes().count(b"\r\n") == 4
    assert main(["export", "pseudonymised", "--db", db_file, "--year", "abc", "--format", "xlsx",
                 "--out", str(tmp_path / "p.xlsx")]) == EXIT_REFUSED
    assert "n'est pas une année scolaire" in capsys.readouterr().err and not (tmp_path / "p.xlsx").exists()
