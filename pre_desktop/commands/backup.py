"""``backup``: a consistent copy of the database, while the app may have it open."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..backups import copy_database
from .common import EXIT_REFUSED, add_db_argument, db_path, fail, written


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "backup", help="sauvegarder la base dans un fichier",
        description="Copie cohérente de la base (API de sauvegarde de SQLite), même si l'application est ouverte.",
    )
    add_db_argument(parser)
    parser.add_argument("--out", type=Path, required=True, metavar="FICHIER", help="fichier de la copie à écrire")
    parser.add_argument("--force", action="store_true", help="remplacer le fichier s'il existe déjà")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    out = Path(args.out).expanduser()
    if out.exists() and not args.force:
        return fail(f"le fichier « {out} » existe déjà : il n'a pas été remplacé (ajoutez --force).", EXIT_REFUSED)
    return written(copy_database(db_path(args), out))
