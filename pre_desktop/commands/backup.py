"""``backup``: a consistent copy of the database, while the app may have it open."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import db
from ..backups import copy_database
from ..services import audit
from ..encryption import check_key_matches
from .common import EXIT_REFUSED, add_db_argument, db_path, existing_database, fail, passphrase, written


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "backup", help="sauvegarder la base dans un fichier",
        description="Copie cohérente de la base (API de sauvegarde de SQLite), même si l'application est ouverte. "
                    "La copie d'une base chiffrée est chiffrée avec la même phrase secrète.",
    )
    add_db_argument(parser)
    parser.add_argument("--out", type=Path, required=True, metavar="FICHIER", help="fichier de la copie à écrire")
    parser.add_argument("--force", action="store_true", help="remplacer le fichier s'il existe déjà")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    out = Path(args.out).expanduser()
    if out.exists() and not args.force:
        return fail(f"le fichier « {out} » existe déjà : il n'a pas été remplacé (ajoutez --force).", EXIT_REFUSED)
    source, key = db_path(args), passphrase(args)
    check_key_matches(source, key)
    copy = copy_database(source, out, key)
    with existing_database(args) as factory:  # the copy holds every file: traced like any export
        with db.session_scope(factory) as session:
            audit.record_database_copy(session, copy)
    return written(copy)
