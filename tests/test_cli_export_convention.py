"""``export convention`` writes the same file as the app, records it, and refuses in French."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document as new_docx
from sqlalchemy import select

from pre_desktop import cli, db
from pre_desktop.migrate import open_database
from pre_desktop.models import GeneratedDocument, Partner, PartnerType, Role, User
from pre_desktop.services import conventions as cv
from pre_desktop.services.templates import save_template


@pytest.fixture
def base(tmp_path) -> tuple[Path, int]:
    path = tmp_path / "pre.sqlite"
    engine, factory = open_database(path)
    with db.session_scope(factory) as s:
        s.add(User(login="c.martin", first_name="Claire", last_name="Martin", role=Role.COORDINATOR))
        partner = Partner(name="Association Écoute et Grandir", type=s.scalars(select(PartnerType)).first())
        s.add(partner)
        s.flush()
        conv_id = cv.create_convention(s, partner_id=partner.id, reference="PRE-2026-07", start_date="01/09/2026",
                                       tariff_individual="1 234,50", tariff_parents="50", tariff_family="60").id
    engine.dispose()
    return path, conv_id


def _records(path: Path) -> list[tuple]:
    engine, factory = open_database(path, create=False)
    with factory() as s:
        rows = [(d.file_format, d.target_id, d.created_by_id, d.file_path)
                for d in s.scalars(select(GeneratedDocument).order_by(GeneratedDocument.id))]
    engine.dispose()
    return rows


def test_writes_pdf_and_word_and_records_them(base, tmp_path, capsys):
    path, conv_id = base
    for fmt in ("pdf", "docx"):
        out = tmp_path / f"convention.{fmt}"
        code = cli.main(["export", "convention", "--db", str(path), "--convention", str(conv_id),
                         "--format", fmt, "--out", str(out)])
        assert code == 0 and out.stat().st_size > 5000
        assert f"Fichier écrit : {out}" in capsys.readouterr().out
    word = "\n".join(p.text for p in new_docx(str(tmp_path / "convention.docx")).paragraphs)
    assert "Association Écoute et Grandir" in word and "Article 6 — Durée de la mission" in word
    assert [r[:3] for r in _records(path)] == [("pdf", conv_id, 1), ("docx", conv_id, 1)]


def test_unknown_convention_exit_1_nothing_written(base, tmp_path, capsys):
    path, _ = base
    out = tmp_path / "x.pdf"
    code = cli.main(["export", "convention", "--db", str(path), "--convention", "999", "--format", "pdf",
                     "--out", str(out)])
    assert code == 1 and "Convention introuvable (n° 999)" in capsys.readouterr().err
    assert not out.exists() and _records(path) == []


def test_template_is_used_for_word_and_pdf_says_it_keeps_the_built_in_layout(base, tmp_path, capsys):
    path, conv_id = base
    template = new_docx()
    template.add_paragraph("Convention {{ convention_reference }} avec {{ partenaire_nom }}")
    content = io.BytesIO()
    template.save(content)
    engine, factory = open_database(path, create=False)
    with db.session_scope(factory) as s:
        save_template(s, "convention", "Notre modèle.docx", content.getvalue())
    engine.dispose()
    args = ["export", "convention", "--db", str(path), "--convention", str(conv_id), "--out"]
    assert cli.main(args + [str(tmp_path / "c.docx"), "--format", "docx"]) == 0
    assert "Modèle Word de la structure utilisé : Notre modèle.docx" in capsys.readouterr().out
    assert new_docx(str(tmp_path / "c.docx")).paragraphs[0].text == (
        "Convention PRE-2026-07 avec Association Écoute et Grandir")
    assert cli.main(args + [str(tmp_path / "c.pdf"), "--format", "pdf"]) == 0
    assert "le PDF suit la mise en page intégrée" in capsys.readouterr().err


def test_format_is_checked_and_the_command_runs_as_a_module(base, tmp_path):
    path, conv_id = base
    bad = subprocess.run([sys.executable, "-m", "pre_desktop", "export", "convention", "--db", str(path),
                          "--convention", str(conv_id), "--format", "odt", "--out", str(tmp_path / "c.odt")],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "choix invalide" in bad.stderr
    ok = subprocess.run([sys.executable, "-m", "pre_desktop", "export", "convention", "--db", str(path),
                         "--convention", str(conv_id), "--format", "pdf", "--out", str(tmp_path / "c.pdf")],
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "c.pdf").read_bytes().startswith(b"%PDF")
