"""``export partners``: the partners directory as an .xlsx workbook, recorded like the app's."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import db
from ..exports.partners_directory import export_directory
from .common import add_db_argument, existing_database, written


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "partners", help="annuaire des structures partenaires (.xlsx)",
        description="Écrit l'annuaire des structures partenaires et de leurs contacts dans un classeur .xlsx, "
                    "avec les noms de colonnes que l'import reconnaît.",
    )
    add_db_argument(parser)
    parser.add_argument("--out", type=Path, required=True, metavar="FICHIER", help="fichier .xlsx à écrire")
    parser.add_argument("--actives", action="store_true", help="seulement les structures actives")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    out = args.out.expanduser()
    if out.suffix.lower() != ".xlsx":
        out = out.with_name(out.name + ".xlsx")
    with existing_database(args) as factory:
        with db.session_scope(factory) as session:
            path, _count = export_directory(session, out, active=True if args.actives else None)
    return written(path)
