"""Where things live: the user's data and logs, and the files shipped with the app.

One helper finds shipped files (migrations, fonts, icons, templates) both from a
source checkout and inside a PyInstaller build, where they sit under ``sys._MEIPASS``;
files missing from the frozen build are the most common packaging bug, so every
lookup goes through here.
"""

from __future__ import annotations

import sys
from pathlib import Path

from platformdirs import user_data_dir, user_log_dir

from . import APP_NAME

DEFAULT_DB_NAME = "pre_desktop.sqlite"


def package_dir() -> Path:
    """Folder of the ``pre_desktop`` package, in a checkout, a wheel or a frozen build."""
    meipass = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and meipass:
        return Path(meipass) / "pre_desktop"
    return Path(__file__).resolve().parent


def resource_path(*parts: str) -> Path:
    """A file shipped inside the package, e.g. ``resource_path("migrations")``."""
    return package_dir().joinpath(*parts)


def assets_dir() -> Path:
    """The project's top-level ``resources/`` (fonts, icons, templates).

    In a checkout (and an editable install) it sits beside the package; the
    PyInstaller build copies it to ``_MEIPASS/resources``.
    """
    meipass = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and meipass:
        return Path(meipass) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def asset_path(*parts: str) -> Path:
    """A shipped asset, e.g. ``asset_path("fonts", "DejaVuSans.ttf")``."""
    return assets_dir().joinpath(*parts)


def migrations_dir() -> Path:
    return resource_path("migrations")


def data_dir() -> Path:
    """The user's data folder (created on demand): the database and its backups."""
    path = Path(user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    path = Path(user_log_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_path() -> Path:
    """The database used when no ``--db`` is given."""
    return data_dir() / DEFAULT_DB_NAME
