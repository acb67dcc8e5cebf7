"""One command to get going, on any OS with Python 3.11+ (standard library only).

    python3 tools/dev.py demo    # install everything, open the app on a demo database
    python3 tools/dev.py test    # install everything, run the whole test suite
    python3 tools/dev.py test -k migrations -x    # extra arguments go to pytest

Creates ./.venv if missing and installs the project into it (``-e .[test,build]``),
again only when pyproject.toml changed. For tests on a machine with no display,
Qt runs on its "offscreen" platform; on a bare Debian/Ubuntu where Qt's system
libraries are missing it installs them with apt-get when run as root (CI).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".pre_desktop_install"
DEMO_DB = ROOT / "demo" / "pre_demo.sqlite"
QT_DEBIAN_PACKAGES = ["libegl1", "libxkbcommon0", "libfontconfig1", "libgl1", "libdbus-1-3", "libglib2.0-0"]
QT_CHECK = "from PySide6.QtWidgets import QApplication; app = QApplication([]); print(app.platformName())"


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def run(cmd: list[str], **kwargs) -> int:  # noqa: ANN003
    return subprocess.call(cmd, cwd=ROOT, **kwargs)


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def apt_install(packages: list[str]) -> bool:
    """Install Debian packages when we may (Linux, root, apt-get present)."""
    if not (sys.platform.startswith("linux") and is_root() and shutil.which("apt-get")):
        return False
    say(f"installation des paquets système : {' '.join(packages)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.call(["apt-get", "update", "-qq"], env=env) != 0:
        return False
    return subprocess.call(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages], env=env) == 0


def ensure_venv() -> None:
    if venv_python().exists():
        return
    say(f"création de l'environnement virtuel {VENV}")
    if run([sys.executable, "-m", "venv", str(VENV)]) == 0:
        return
    # Debian/Ubuntu ship venv's pip bootstrap separately.
    shutil.rmtree(VENV, ignore_errors=True)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}-venv"
    if apt_install([version]) or apt_install(["python3-venv"]):
        if run([sys.executable, "-m", "venv", str(VENV)]) == 0:
            return
    sys.exit("[dev] impossible de créer l'environnement virtuel (installez le module venv de Python).")


def ensure_installed() -> None:
    """pip install -e .[test,build], skipped when pyproject.toml has not changed since last time."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text(encoding="utf-8").strip() == digest:
        return
    say("installation du projet et de ses dépendances (quelques minutes la première fois)…")
    python = str(venv_python())
    quiet = ["-q", "--disable-pip-version-check"]
    if run([python, "-m", "pip", "install", *quiet, "-e", ".[test,build]"]) != 0:
        sys.exit("[dev] échec de l'installation (voir les erreurs de pip ci-dessus).")
    STAMP.write_text(digest, encoding="utf-8")


def ensure_qt_offscreen(env: dict[str, str]) -> None:
    """Qt must start without a display; install its system libraries if it cannot."""
    check = [str(venv_python()), "-c", QT_CHECK]
    result = subprocess.run(check, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode == 0:
        return
    say("Qt ne démarre pas en mode « offscreen » :")
    print(result.stderr.strip()[-2000:], file=sys.stderr)
    if apt_install(QT_DEBIAN_PACKAGES):
        result = subprocess.run(check, cwd=ROOT, env=env, capture_output=True, text=True)
        if result.returncode == 0:
            say("Qt démarre maintenant.")
            return
        print(result.stderr.strip()[-2000:], file=sys.stderr)
    sys.exit(
        "[dev] Qt ne peut pas démarrer : installez ses bibliothèques système "
        f"(Debian/Ubuntu : apt-get install {' '.join(QT_DEBIAN_PACKAGES)})."
    )


def cmd_test(extra: list[str]) -> int:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    # The whole suite includes building the PyInstaller folder and running the built
    # program (tests/test_frozen_build.py); PRE_DESKTOP_FROZEN_BUILD=0 skips it locally.
    env.setdefault("PRE_DESKTOP_FROZEN_BUILD", "1")
    ensure_qt_offscreen(env)
    say("lancement des tests")
    return run([str(venv_python()), "-m", "pytest", *extra], env=env)


def demo_has_accounts(path: Path) -> bool:
    """A demo built before accounts had passwords cannot be logged in to with the README's."""
    import sqlite3

    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            return bool(conn.execute("SELECT count(*) FROM users WHERE password_hash IS NOT NULL").fetchone()[0])
    except sqlite3.Error:
        return False


def cmd_demo(extra: list[str]) -> int:
    python = str(venv_python())
    if not DEMO_DB.exists() or not demo_has_accounts(DEMO_DB):
        say(f"création de la base de démonstration {DEMO_DB}")
        code = run([python, "-m", "pre_desktop", "demo", "--db", str(DEMO_DB), "--force"])
        if code != 0:
            return code
    say("ouverture de l'application")
    return run([python, "-m", "pre_desktop", "--db", str(DEMO_DB), *extra])


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):
        sys.exit("[dev] Python 3.11 ou plus récent est nécessaire.")
    if not argv or argv[0] not in ("demo", "test"):
        print(__doc__)
        return 2
    ensure_venv()
    ensure_installed()
    return {"demo": cmd_demo, "test": cmd_test}[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
