"""The benchmark command runs end to end on a small database and reports its figures in French."""

from __future__ import annotations

from pre_desktop.cli import main


def test_bench_on_a_small_database(tmp_path, capsys):
    path = tmp_path / "bench.sqlite"
    assert main(["bench", "--children", "400", "--runs", "1", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Base construite : 400 enfants" in out
    assert "Ouverture du fichier (liste affichée) :" in out and " ms" in out
    assert "Frappe dans la recherche :" in out
    assert "Ouverture d'un dossier enfant :" in out
    assert "Tableau de bord de l'année scolaire (et la précédente) :" in out
    assert path.exists()


def test_bench_refuses_an_existing_file(tmp_path, capsys):
    path = tmp_path / "bench.sqlite"
    path.write_bytes(b"")
    assert main(["bench", "--children", "10", "--db", str(path)]) == 1
    assert "existe déjà" in capsys.readouterr().err
