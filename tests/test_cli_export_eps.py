"""``export eps``: ordre du jour and relevé de décisions from the command line, recorded,
refused in French when they must be."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from pre_desktop import db
from pre_desktop.cli import EXIT_DATABASE, EXIT_OK, EXIT_REFUSED, main
from pre_desktop.migrate import open_database
from pre_desktop.models import EpsDecisionKind, GeneratedDocument, Role, User
from pre_desktop.services import eps, referrals

sys.path.insert(0, str(Path(__file__).resolve().parent / "exports"))
from readback import docx_text, pdf_text, squash  # noqa: E402

NOTE = "Signalement au procureur en cours"


def _file(path: Path) -> tuple[Path, int]:
    engine, factory = open_database(path)
    with db.session_scope(factory) as s:
        ref = User(login="ref", first_name="Karim", last_name="Benali", role=Role.REFERENT)
        s.add(ref)
        s.flush()
        child = referrals.new_referral(
            s, family=dict(name="Dupont"),
            child=dict(last_name="Dupont", first_name="Léa", birth_date=dt.date(2015, 3, 10), referent_id=ref.id,
                       notes=NOTE),
            referral=dict(referred_on=dt.date(2026, 10, 1), source="École", reasons=NOTE), confirm=True).child
        meeting = eps.create_meeting(s, meeting_date=dt.date(2026, 11, 10), place="Mairie")
        eps.add_situation(s, meeting.id, child.id)
        eps.record_decision(s, meeting_id=meeting.id, child_id=child.id, kind=EpsDecisionKind.POSTPONE,
                            postponed_to="08/12/2026")
        mid = meeting.id
    engine.dispose()
    return path, mid


@pytest.mark.parametrize("kind,fmt,expected", [("agenda", "pdf", "Ordre du jour"),
                                               ("minutes", "docx", "Ajourné au 08/12/2026")])
def test_export_eps_writes_and_records(tmp_path, capsys, kind, fmt, expected):
    path, mid = _file(tmp_path / "pre.sqlite")
    out = tmp_path / "sortie" / f"eps.{fmt}"
    code = main(["export", "eps", "--db", str(path), "--meeting", str(mid), "--kind", kind, "--format", fmt,
                 "--out", str(out)])
    assert code == EXIT_OK and "Fichier écrit" in capsys.readouterr().out
    text = squash(pdf_text(out) if fmt == "pdf" else docx_text(out))
    assert expected in text and "DUPONT" in text and "Karim Benali" in text and NOTE not in text
    engine, factory = open_database(path, create=False)
    with factory() as s:
        doc = s.scalars(select(GeneratedDocument)).one()
        assert (doc.kind, doc.file_format, doc.target_id, doc.file_path) == (f"eps_{kind}", fmt, mid, str(out))
    engine.dispose()


def test_export_eps_refusals(tmp_path, capsys):
    path, mid = _file(tmp_path / "pre.sqlite")
    out = tmp_path / "odj.pdf"
    args = ["export", "eps", "--db", str(path), "--kind", "agenda", "--format", "pdf", "--out", str(out)]
    assert main(args + ["--meeting", "999"]) == EXIT_REFUSED
    assert "Commission EPS introuvable" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["export", "eps", "--db", str(path), "--meeting", str(mid), "--kind", "bilan", "--format", "pdf",
              "--out", str(out)])
    assert exit_.value.code == 2 and "DOCUMENT" in capsys.readouterr().err
    assert main(["export", "eps", "--db", str(tmp_path / "absente.sqlite"), "--meeting", "1", "--kind", "agenda",
                 "--format", "pdf", "--out", str(out)]) == EXIT_DATABASE
    assert not out.exists()
