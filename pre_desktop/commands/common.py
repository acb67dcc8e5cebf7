"""What every subcommand shares: the database argument, opening it, exit codes, output."""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy.orm import Session, sessionmaker

from ..migrate import open_database
from ..paths import default_db_path

EXIT_OK, EXIT_REFUSED, EXIT_DATABASE = 0, 1, 2

DB_HELP = "fichier de base de données (par défaut : celui du dossier de données de l'utilisateur)"


def add_db_argument(parser: argparse.ArgumentParser, required: bool = False) -> None:
    parser.add_argument("--db", type=Path, default=argparse.SUPPRESS, metavar="CHEMIN", help=DB_HELP,
                        required=required)


def add_output_arguments(parser: argparse.ArgumentParser, formats: list[str]) -> None:
    parser.add_argument("--format", choices=formats, required=True, metavar="FORMAT",
                        help="format du fichier : " + ", ".join(formats))
    parser.add_argument("--out", type=Path, required=True, metavar="FICHIER", help="fichier à écrire")


def db_path(args: argparse.Namespace) -> Path:
    value = getattr(args, "db", None)
    return Path(value).expanduser() if value else default_db_path()


@contextmanager
def existing_database(args: argparse.Namespace) -> Iterator[sessionmaker[Session]]:
    """The database named by ``--db``, never created by a command that only reads or exports."""
    engine, factory = open_database(db_path(args), create=False)
    try:
        yield factory
    finally:
        engine.dispose()


def fail(message: str, code: int = EXIT_DATABASE) -> int:
    print(f"Erreur : {message}", file=sys.stderr)
    return code


def written(path: Path) -> int:
    size = path.stat().st_size
    print(f"Fichier écrit : {path} ({size:,} octets)".replace(",", "\u202f"))
    return EXIT_OK
