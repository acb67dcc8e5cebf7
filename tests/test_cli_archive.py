"""``archive`` on the command line: the lists, archiving, anonymisation, refusals."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "services"))

from retention_fixtures import old_file  # noqa: E402

from pre_desktop.cli import EXIT_OK, EXIT_REFUSED, main  # noqa: E402
from pre_desktop.models import Child  # noqa: E402
from pre_desktop.services import clock  # noqa: E402


def test_archive_then_anonymise_from_the_command_line(engine, factory, tmp_path, capsys):
    made = old_file(factory, tmp_path)
    base = str(engine.url.database)
    assert main(["archive", "--db", base]) == EXIT_OK
    out = capsys.readouterr().out
    assert "À archiver (dernier contact il y a plus de 2 ans) : 1" in out
    assert f"{made.child_id}  ZEPHYRIN Oriane — dernier contact le 10/03/2024 — Sorti — Karim Benali" in out

    assert main(["archive", "--db", base, "--anonymise", str(made.child_id)]) == EXIT_REFUSED
    assert "n'est pas archivé" in capsys.readouterr().err
    assert main(["archive", "--db", base, "--archive", str(made.child_id)]) == EXIT_OK
    assert main(["archive", "--db", base]) == EXIT_OK
    assert "archivé le 22/11/2026 — anonymisation le 22/11/2029" in capsys.readouterr().out

    clock.set_today(dt.date(2029, 11, 23))
    assert main(["archive", "--db", base]) == EXIT_OK
    assert "À ANONYMISER" in capsys.readouterr().out
    assert main(["archive", "--db", base, "--anonymise", str(made.child_id)]) == EXIT_OK
    assert "1 dossier(s) anonymisé(s), 1 famille(s)." in capsys.readouterr().out
    with factory() as s:
        assert s.get(Child, made.child_id).last_name == "Anonyme"
    assert not Path(made.document_file).exists()
