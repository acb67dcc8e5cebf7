"""The PyInstaller build (build.spec) runs on a fresh machine: built, then used headless.

On a fresh database: the demo, every kind of export, check, then the window showing
each area (commands and screens are imported by name: a module left out of the build
only fails when it is used).

Slow (a build takes a minute or two): the README's test command (tools/dev.py test, which
.ci/run calls) turns it on; a bare pytest run skips it unless PRE_DESKTOP_FROZEN_BUILD=1 or
CI=true. PRE_DESKTOP_FROZEN_BUILD=0 python3 tools/dev.py test skips it.
It prints the build time, the folder's size and the cold-start times it measures.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_FLAG = os.environ.get("PRE_DESKTOP_FROZEN_BUILD")
ENABLED = _FLAG == "1" or (_FLAG is None and os.environ.get("CI") == "true")

pytestmark = pytest.mark.skipif(not ENABLED, reason="build PyInstaller : CI=true ou PRE_DESKTOP_FROZEN_BUILD=1")

FIGURES: dict[str, str] = {}


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    __import__("PyInstaller")  # enabled but missing: fail (tools/dev.py installs the build extra)
    work = tmp_path_factory.mktemp("pyinstaller")
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(work / "dist"), "--workpath", str(work / "build"), str(ROOT / "build.spec")],
        cwd=ROOT, capture_output=True, text=True, timeout=1800,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    FIGURES["build"] = f"{time.perf_counter() - started:.0f} s"
    folder = work / "dist" / "pre-desktop"
    FIGURES["size"] = f"{folder_size(folder) / 1e6:.0f} Mo"
    return folder


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """A user with nothing yet: own home, data, log and settings folders; no display."""
    home = tmp_path / "home"
    values = dict(os.environ, HOME=str(home), USERPROFILE=str(home), QT_QPA_PLATFORM="offscreen")
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        values[name] = str(tmp_path / name.lower())
    values.pop("PYTHONPATH", None)
    return values


def run(exe: Path, args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    started = time.perf_counter()
    result = subprocess.run([str(exe), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    result.elapsed = time.perf_counter() - started  # type: ignore[attr-defined]
    return result


def every_export(cli: Path, db: Path, env: dict[str, str], cwd: Path) -> dict[str, str]:
    """Each kind of document of the command line, from the built program (their modules are
    imported by name, their fonts and templates read from the bundle); the times taken."""
    liaison = json.loads(run(cli, ["list", "liaisons", "--db", str(db), "--json"], env, cwd).stdout)[0]
    meeting = next(m for m in json.loads(run(cli, ["list", "eps", "--db", str(db), "--json"], env, cwd).stdout)
                   if m["decisions"])
    convention = json.loads(run(cli, ["list", "conventions", "--db", str(db), "--json"], env, cwd).stdout)[0]
    start = dt.date.fromisoformat(convention["start_date"])
    jobs = {
        "liaison": ["--liaison", str(liaison["id"]), "--format", "pdf"],
        "eps": ["--meeting", str(meeting["id"]), "--kind", "minutes", "--format", "docx"],
        "monthly": ["--partner", str(liaison["partner_id"]), "--month", liaison["requested_on"][:7], "--format", "xlsx"],
        "statement": ["--convention", str(convention["id"]), "--quarter", f"{start.year}-T{(start.month - 1) // 3 + 1}",
                      "--format", "pdf"],
        "partners": [],
    }
    times = {}
    for kind, args in jobs.items():
        suffix = args[args.index("--format") + 1] if "--format" in args else "xlsx"
        out = cwd / f"{kind}.{suffix}"
        result = run(cli, ["export", kind, "--db", str(db), *args, "--out", str(out)], env, cwd)
        assert result.returncode == 0, (kind, result.stderr)
        assert out.stat().st_size > 1000, kind
        times[f"export {kind}"] = f"{result.elapsed:.1f} s"
    back = run(cli, ["import", "attendance", "--db", str(db), str(cwd / "monthly.xlsx")], env, cwd)
    assert back.returncode == 0 and "Import terminé" in back.stdout, back.stderr
    return times


def test_bundle_holds_what_the_app_reads(built):
    internal = built / "_internal"
    assert (internal / "pre_desktop" / "migrations" / "versions" / "0001_initial.py").is_file()
    assert (internal / "resources" / "fonts" / "DejaVuSans.ttf").is_file()
    assert (internal / "resources" / "icons" / "pre-desktop-256.png").is_file()
    assert (internal / "PySide6" / "Qt" / "translations" / "qtbase_fr.qm").is_file()
    assert (internal / "docx" / "templates" / "default-footer.xml").is_file()  # Word documents' footers
    shipped = [f.name for f in internal.rglob("*") if f.is_file()]  # dangling links do not count
    assert not [name for name in shipped if "Qt6Quick" in name or "WebEngine" in name]


def test_built_program_runs_headless(built, env, tmp_path, capsys):
    exe = built / ("pre-desktop.exe" if os.name == "nt" else "pre-desktop")
    cli = built / ("pre-desktop-cli.exe" if os.name == "nt" else "pre-desktop-cli")

    console = cli if os.name == "nt" else exe  # the Windows window launcher has no console to print to
    first = run(console, ["--help"], env, tmp_path)
    assert first.returncode == 0 and "Utilisation : pre-desktop" in first.stdout
    second = run(console, ["--help"], env, tmp_path)

    db = tmp_path / "demo.sqlite"
    demo = run(cli, ["demo", "--db", str(db)], env, tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "Base de démonstration créée" in demo.stdout

    pdf = tmp_path / "convention.pdf"
    export = run(cli, ["export", "convention", "--db", str(db), "--convention", "1", "--format", "pdf",
                       "--out", str(pdf)], env, tmp_path)
    assert export.returncode == 0, export.stderr
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Convention de partenariat" in text and "é" in text  # the bundled font renders accents

    exports = every_export(cli, db, env, tmp_path)

    assert run(cli, ["check", "--db", str(db)], env, tmp_path).returncode == 0
    damaged = tmp_path / "abimee.sqlite"
    shutil.copyfile(db, damaged)
    with damaged.open("r+b") as handle:
        handle.seek(8192)
        handle.write(b"\xff" * 20000)
    bad = run(cli, ["check", "--db", str(damaged)], env, tmp_path)
    assert bad.returncode == 2 and "endommagée" in bad.stderr

    # SQLCipher (sqlcipher3's compiled module) is in the bundle: a copy encrypted, then read.
    phrase = tmp_path / "phrase.txt"
    phrase.write_text("le chat dort au soleil\n", encoding="utf-8")
    sealed = tmp_path / "chiffree.sqlite"
    shutil.copyfile(db, sealed)
    encrypted = run(cli, ["encrypt", "--db", str(sealed), "--passphrase-file", str(phrase)], env, tmp_path)
    assert encrypted.returncode == 0, encrypted.stderr
    assert not sealed.read_bytes().startswith(b"SQLite format 3")
    listed = run(cli, ["list", "children", "--db", str(sealed), "--passphrase-file", str(phrase), "--json"], env, tmp_path)
    assert listed.returncode == 0 and json.loads(listed.stdout), listed.stderr
    locked = run(cli, ["list", "children", "--db", str(sealed)], env, tmp_path)
    assert locked.returncode == 2 and "chiffrée" in locked.stderr

    launched = dt.datetime.now()
    # The window opens only after a login: the demo coordinator's, from a file (never on the command line).
    from pre_desktop.demo import DEMO_ACCOUNTS, DEMO_PASSWORDS

    login, role = DEMO_ACCOUNTS[0]
    password_file = tmp_path / "mot_de_passe.txt"
    password_file.write_text(DEMO_PASSWORDS[role] + "\n", encoding="utf-8")
    wrong = tmp_path / "faux.txt"
    wrong.write_text("Pas-Le-Bon-1\n", encoding="utf-8")
    refused = run(exe, ["--db", str(db), "--quit-after", "1", "--login", login, "--password-file", str(wrong)], env, tmp_path)
    assert refused.returncode == 1 and (os.name == "nt" or "Identifiant ou mot de passe incorrect" in refused.stderr)
    gui = run(exe, ["--db", str(db), "--quit-after", "1", "--login", login, "--password-file", str(password_file)],
              env, tmp_path)
    assert gui.returncode == 0, gui.stderr
    logs = list((tmp_path / "xdg_state_home").rglob("pre_desktop.log")) or list(Path(env["HOME"]).rglob("pre_desktop.log"))
    log = logs[0].read_text(encoding="utf-8")
    assert "Traductions de Qt chargées" in log and "Base ouverte" in log and "Traceback" not in log
    # Every screen is imported by name (ui.areas.SCREENS): each one was shown and refreshed.
    from pre_desktop.ui.areas import available

    assert [line.split("Espace affiché : ")[1] for line in log.splitlines() if "Espace affiché : " in line] == \
        [area.label for area in available()]
    assert list((tmp_path / "sauvegardes").glob("demo.auto-*.sqlite"))  # the daily backup ran
    shown = next(line for line in log.splitlines() if line.endswith("Fenêtre affichée"))
    cold_start = dt.datetime.strptime(shown[:23], "%Y-%m-%d %H:%M:%S,%f") - launched

    FIGURES.update({"--help (1er)": f"{first.elapsed:.1f} s", "--help (2e)": f"{second.elapsed:.1f} s",
                    "demo": f"{demo.elapsed:.1f} s", "export PDF": f"{export.elapsed:.1f} s", **exports,
                    "encrypt (base de démo)": f"{encrypted.elapsed:.1f} s",
                    "lancement → fenêtre affichée (base de démo)": f"{cold_start.total_seconds():.1f} s",
                    "fenêtre, tous les espaces, fermée": f"{gui.elapsed:.1f} s"})
    with capsys.disabled():
        print("\n[build figé] " + " ; ".join(f"{k} : {v}" for k, v in FIGURES.items()))
