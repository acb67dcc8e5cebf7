"""Tableau mensuel in three formats, its batch, and the filled-in .xlsx coming back."""

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))

import pytest  # noqa: E402
from care_fixtures import (  # noqa: E402
    add_sessions,
    care_referral as make_cr,
    convention as make_convention,
    family_with_child,
    partner as make_partner,
)
from openpyxl import load_workbook
from readback import docx_text, pdf_text, squash
from refusal import refused
from sqlalchemy import func, select

from pre_desktop import db
from pre_desktop.exports.monthly_table import export_month_batch, export_monthly
from pre_desktop.models import (
    AuditEvent,
    CareReferralState,
    CareSession,
    GeneratedDocument,
    MonthlyAnswer,
    SessionKind,
    SessionStatus,
    StructureSettings,
)
from pre_desktop.services.attendance_import import import_attendance
from pre_desktop.services.errors import DomainError
from pre_desktop.services.session_batches import RowsRefused

D = dt.date


@pytest.fixture
def month(factory):
    """October 2026 at the Association Filigrane: Arnaud (3 sessions), Blanc (ended 20/10), and others elsewhere."""
    with db.session_scope(factory, 1) as s:
        s.add(StructureSettings(pre_name="PRE de Corbeil-Essonnes"))
        p = make_partner(s)
        conv = make_convention(s, p)
        a = make_cr(s, family_with_child(s, name="Arnaud", first_name="Inès"), p, conv, first_appointment_on=D(2026, 2, 9))
        add_sessions(s, a, [D(2026, 10, 5), D(2026, 10, 19)])
        add_sessions(s, a, [D(2026, 10, 12)], status=SessionStatus.EXCUSED)
        add_sessions(s, a, [D(2026, 10, 19)], kind=SessionKind.PARENTS)
        add_sessions(s, a, [D(2026, 9, 7)])
        b = make_cr(s, family_with_child(s, name="Blanc", first_name="Théo"), p, conv)
        b.ended_on, b.end_reason, b.state = D(2026, 10, 20), "Déménagement", CareReferralState.ENDED
        other = make_partner(s, name="CMP Autre")
        c = make_cr(s, family_with_child(s, name="Cissé"), other, None)
        add_sessions(s, c, [D(2026, 10, 6)])
        make_cr(s, family_with_child(s, name="Fofana", consent=False), p, conv)
        return p.id, a.id, b.id, c.id, other.id


def _count(factory, model):
    with factory() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_the_three_formats_say_the_same(factory, month, tmp_path):
    pid, a, b, c, _ = month
    texts = {}
    for fmt in ("pdf", "docx", "xlsx"):
        with db.session_scope(factory, 1) as s:
            export_monthly(s, pid, 2026, 10, fmt, tmp_path / f"t.{fmt}")
    texts["pdf"] = squash(pdf_text(tmp_path / "t.pdf"))
    texts["docx"] = squash(docx_text(tmp_path / "t.docx"))
    wb = load_workbook(tmp_path / "t.xlsx")
    texts["xlsx"] = squash(" ".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                                    for v in row if v is not None))
    for fmt in ("pdf", "docx"):
        text = texts[fmt]
        for expected in ("PRE de Corbeil-Essonnes", "Association Filigrane", "octobre 2026", "Arnaud", "Inès",
                         "05/10 individuel — Présent", "12/10 individuel — Absent excusé", "19/10 parents — Présent",
                         "4 / 20", "Blanc", "20/10/2026", "Déménagement", "Vient régulièrement", "01/02/2026",
                         "09/02/2026", "page 1 / 1"):
            assert expected in text, (fmt, expected)
        for absent in ("Cissé", "Fofana", "École", "confidentielle", "10/03/2015"):
            assert absent not in text, (fmt, absent)
    xlsx = texts["xlsx"]
    for expected in ("Arnaud", "Inès", "05/10 individuel — Présent", "Déménagement", "Entretien parents",
                     "Absent excusé", "octobre 2026", "4 / 20"):
        assert expected in xlsx
    assert "Cissé" not in xlsx and "Fofana" not in xlsx
    ws = wb["Séances"]
    assert ws.column_dimensions["G"].hidden and wb["pre_desktop"].sheet_state == "hidden"
    with factory() as s:
        docs = s.scalars(select(GeneratedDocument).order_by(GeneratedDocument.id)).all()
        assert [(d.kind, d.file_format, d.target_type, d.target_id) for d in docs] == [
            ("monthly_table", f, "partner", pid) for f in ("pdf", "docx", "xlsx")]


def _fill(path: Path, changes) -> Path:
    wb = load_workbook(path)
    changes(wb)
    out = path.with_name("rempli.xlsx")
    wb.save(out)
    return out


def _row(ws, first_value, column=1):
    for row in ws.iter_rows():
        if row[column - 1].value == first_value:
            return row[0].row
    raise AssertionError(first_value)


def _exported(factory, pid, tmp_path):
    with db.session_scope(factory, 1) as s:
        return export_monthly(s, pid, 2026, 10, "xlsx", tmp_path / "octobre.xlsx")


def test_round_trip_export_fill_import(factory, month, tmp_path):
    pid, a, b, _, _ = month
    path = _exported(factory, pid, tmp_path)

    def fill(wb):
        table, sessions = wb["Tableau mensuel"], wb["Séances"]
        r = _row(table, a)
        table.cell(r, 10, "oui")
        table.cell(r, 11, "Très régulière")
        table.cell(_row(table, b), 10, "non")
        excused = _row(sessions, "Absent excusé", 6)
        sessions.cell(excused, 6, "Absent non excusé")  # correction of a status
        free = sessions.max_row + 1
        for i, (number, day, kind, status) in enumerate([(a, "26/10/2026", "Entretien individuel", "Présent"),
                                                         (None, D(2026, 10, 14), "familial", "annulé")]):
            sessions.cell(free + i, 1, number)
            sessions.cell(free + i, 2, None if number else "BLANC")
            sessions.cell(free + i, 3, None if number else "Théo")
            sessions.cell(free + i, 4, day)
            sessions.cell(free + i, 5, kind)
            sessions.cell(free + i, 6, status)

    filled = _fill(path, fill)
    with db.session_scope(factory, 1) as s:
        result = import_attendance(s, filled)
    assert (result.saved.created, result.saved.updated, result.saved.answers) == (2, 1, 2)
    assert "2 séance(s) ajoutée(s)" in result.summary() and "Association Filigrane" in result.summary()
    with factory() as s:
        rows = s.execute(select(CareSession.care_referral_id, CareSession.session_date, CareSession.kind,
                                CareSession.status).where(CareSession.session_date >= D(2026, 10, 1),
                                                          CareSession.care_referral_id.in_([a, b]))
                         .order_by(CareSession.care_referral_id, CareSession.session_date, CareSession.kind)).all()
        assert rows == [
            (a, D(2026, 10, 5), SessionKind.INDIVIDUAL, SessionStatus.PRESENT),
            (a, D(2026, 10, 12), SessionKind.INDIVIDUAL, SessionStatus.UNEXCUSED),
            (a, D(2026, 10, 19), SessionKind.INDIVIDUAL, SessionStatus.PRESENT),
            (a, D(2026, 10, 19), SessionKind.PARENTS, SessionStatus.PRESENT),
            (a, D(2026, 10, 26), SessionKind.INDIVIDUAL, SessionStatus.PRESENT),
            (b, D(2026, 10, 14), SessionKind.FAMILY, SessionStatus.CANCELLED)]
        answers = {x.care_referral_id: (x.month, x.comes_regularly, x.remark) for x in s.scalars(select(MonthlyAnswer))}
        assert answers == {a: ("2026-10", True, "Très régulière"), b: ("2026-10", False, None)}
        traced = s.scalars(select(AuditEvent).where(AuditEvent.summary.like("Import du tableau mensuel%"))).one()
        assert (traced.user_id, traced.entity, traced.entity_id) == (1, "partner", pid)
        assert "2 séance(s) ajoutée(s)" in traced.summary
    # the same file again changes nothing
    with db.session_scope(factory, 1) as s:
        again = import_attendance(s, filled)
    assert (again.saved.created, again.saved.updated, again.saved.deleted) == (0, 0, 0)


@pytest.mark.parametrize("bad, message", [
    (lambda ids: ("Séances", [999, None, None, "20/10/2026", "individuel", "présent"]), "bénéficiaire inconnu"),
    (lambda ids: ("Séances", [ids[0], None, None, "02/11/2026", "individuel", "présent"]), "n'est pas dans le mois"),
    (lambda ids: ("Séances", [ids[0], None, None, "20/10/2026", "individuel", "venu"]), "statut inconnu « venu »"),
    (lambda ids: ("Séances", [ids[0], None, None, "20/10/2026", "groupe", "présent"]), "type d'entretien inconnu"),
    (lambda ids: ("Séances", [ids[2], None, None, "20/10/2026", "individuel", "présent"]), "autre partenaire"),
    (lambda ids: ("Séances", [ids[0], None, None, "05/10/2026", "Entretien individuel", "Présent"]), "en double"),
    (lambda ids: ("Séances", [ids[0], "Dupont", None, "20/10/2026", "individuel", "présent"]), "pas de « Dupont »"),
    (lambda ids: ("Séances", [None, "Cissé", "Léa", "20/10/2026", "individuel", "présent"]), "n'est pas suivi"),
    (lambda ids: ("Séances", [ids[0], None, None, "", "individuel", "présent"]), "date manquante"),
    (lambda ids: ("Séances", [ids[1], None, None, "27/10/2026", "individuel", "présent"]), "terminée le 20/10/2026"),
    (lambda ids: ("Tableau mensuel", [ids[0]] + [None] * 8 + ["peut-être"]), "répondez « oui » ou « non »"),
])
def test_each_bad_row_is_reported_and_nothing_written(factory, db_snapshot, month, tmp_path, bad, message):
    pid = month[0]
    path = _exported(factory, pid, tmp_path)
    sheet, values = bad(month[1:])

    def fill(wb):
        ws = wb[sheet]
        free = ws.max_row + 1
        for col, v in enumerate(values, start=1):
            ws.cell(free, col, v)

    filled = _fill(path, fill)
    err = refused(factory, db_snapshot, lambda s: import_attendance(s, filled), RowsRefused)
    assert len(err.errors) == 1 and message in err.errors[0].message, err.errors
    assert err.errors[0].where.startswith(f"{sheet}, ligne ")


def test_several_errors_listed_at_once(factory, db_snapshot, month, tmp_path):
    path = _exported(factory, month[0], tmp_path)

    def fill(wb):
        ws = wb["Séances"]
        ws.append([999, None, None, "20/10/2026", "individuel", "présent"])
        ws.append([month[1], None, None, "20/10/2026", "individuel", "?"])

    err = refused(factory, db_snapshot, lambda s: import_attendance(s, _fill(path, fill)), RowsRefused)
    assert len(err.errors) == 2 and err.message.startswith("2 erreurs : rien n'a été enregistré.")


def test_a_file_that_is_not_a_monthly_table_is_refused(factory, db_snapshot, month, tmp_path):
    other = tmp_path / "autre.xlsx"
    from openpyxl import Workbook
    Workbook().save(other)
    err = refused(factory, db_snapshot, lambda s: import_attendance(s, other))
    assert "pas un tableau mensuel" in err.message
    (tmp_path / "texte.xlsx").write_text("pas un classeur")
    err = refused(factory, db_snapshot, lambda s: import_attendance(s, tmp_path / "texte.xlsx"))
    assert "ne peut pas être lu" in err.message


def test_batch_for_all_partners_into_one_folder(factory, month, tmp_path):
    seen = []
    result = export_month_batch(factory, 1, 2026, 10, tmp_path / "octobre", ["pdf", "xlsx"],
                                progress=lambda i, n, name: seen.append((i, n, name)))
    names = sorted(p.name for p in result.written)
    assert names == ["Tableau mensuel 2026-10 - Association Filigrane.pdf",
                     "Tableau mensuel 2026-10 - Association Filigrane.xlsx",
                     "Tableau mensuel 2026-10 - CMP Autre.pdf", "Tableau mensuel 2026-10 - CMP Autre.xlsx"]
    assert seen[-1] == (2, 2, "") and not result.cancelled
    assert result.left_out == 1  # Fofana: no agreement of the family, in no table
    assert _count(factory, GeneratedDocument) == 4
    stopped = export_month_batch(factory, 1, 2026, 10, tmp_path / "stop", ["pdf"], cancelled=lambda: True)
    assert stopped.cancelled and stopped.written == ()


def test_batch_stopped_midway_keeps_and_records_what_was_written(factory, month, tmp_path):
    seen: list[tuple[int, int, str]] = []
    result = export_month_batch(factory, 1, 2026, 10, tmp_path / "lot", ["pdf", "xlsx"],
                                progress=lambda i, n, name: seen.append((i, n, name)),
                                cancelled=lambda: len(seen) >= 1)  # « Arrêter » during the first partner
    assert result.cancelled and seen == [(0, 2, "Association Filigrane")]
    assert sorted(p.name for p in (tmp_path / "lot").iterdir()) == sorted(p.name for p in result.written) == [
        "Tableau mensuel 2026-10 - Association Filigrane.pdf", "Tableau mensuel 2026-10 - Association Filigrane.xlsx"]
    assert _count(factory, GeneratedDocument) == 2
