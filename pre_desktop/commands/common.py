"""What every subcommand shares: the database argument, opening it, exit codes, output."""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from sqlalchemy.orm import Session, sessionmaker

from ..encryption import Passphrase, read_passphrase_file
from ..migrate import open_database
from ..paths import default_db_path

EXIT_OK, EXIT_REFUSED, EXIT_DATABASE = 0, 1, 2

DB_HELP = "fichier de base de données (par défaut : celui du dossier de données de l'utilisateur)"
PASSPHRASE_HELP = ("pour une base chiffrée : fichier texte dont la première ligne est la phrase secrète "
                   "(à protéger : lisible par vous seul)")


def add_db_argument(parser: argparse.ArgumentParser, required: bool = False) -> None:
    parser.add_argument("--db", type=Path, default=argparse.SUPPRESS, metavar="CHEMIN", help=DB_HELP,
                        required=required)
    add_passphrase_argument(parser)


def add_passphrase_argument(parser: argparse.ArgumentParser, help: str = PASSPHRASE_HELP,
                            required: bool = False) -> None:
    """``--passphrase-file``: a passphrase never goes on the command line (shell history, ps)."""
    parser.add_argument("--passphrase-file", type=Path, default=None, metavar="FICHIER", help=help,
                        required=required)


def passphrase(args: argparse.Namespace) -> Optional[Passphrase]:
    """The passphrase read from ``--passphrase-file`` (once per run), or None when none was given."""
    key = getattr(args, "_passphrase", None)
    value = getattr(args, "passphrase_file", None)
    if key is None and value:
        key = args._passphrase = read_passphrase_file(value)
    return key


def add_output_arguments(parser: argparse.ArgumentParser, formats: list[str]) -> None:
    parser.add_argument("--format", choices=formats, required=True, metavar="FORMAT",
                        help="format du fichier : " + ", ".join(formats))
    parser.add_argument("--out", type=Path, required=True, metavar="FICHIER", help="fichier à écrire")


def add_school_year_argument(parser: argparse.ArgumentParser) -> None:
    """``--year 2025-2026``: read with services.statistics.SchoolYear.parse (a refusal is a DomainError)."""
    parser.add_argument("--year", required=True, metavar="AAAA-AAAA",
                        help="année scolaire, par exemple 2025-2026 (du 01/09/2025 au 31/08/2026)")


def db_path(args: argparse.Namespace) -> Path:
    value = getattr(args, "db", None)
    return Path(value).expanduser() if value else default_db_path()


@contextmanager
def existing_database(args: argparse.Namespace) -> Iterator[sessionmaker[Session]]:
    """The database named by ``--db``, never created by a command that only reads or exports."""
    engine, factory = open_database(db_path(args), create=False, key=passphrase(args))
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
