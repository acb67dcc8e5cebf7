"""``export family``: everything held about a family, in one PDF, for a right-of-access
request (RGPD art. 15). Same builder and same trace as the child file's button."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import db
from ..exports.subject_access_document import export_subject_access
from .common import add_db_argument, existing_database, written


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "family", help="droit d'accès : toutes les données d'une famille (PDF)",
        description="Écrit en un PDF tout ce que la base contient sur une famille (droit d'accès, RGPD art. 15) : "
                    "famille, adultes, accords, dossier de chaque enfant (repérages, EPS, parcours, orientations, "
                    "séances, notes, documents) et qui a consulté ces dossiers. L'export est tracé.",
    )
    add_db_argument(parser)
    parser.add_argument("--family", type=int, required=True, metavar="ID",
                        help="numéro de la famille (voir « list families »)")
    parser.add_argument("--out", type=Path, required=True, metavar="FICHIER", help="fichier PDF à écrire")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    out = args.out.expanduser()
    if out.suffix.lower() != ".pdf":
        out = out.with_name(out.name + ".pdf")
    with existing_database(args) as factory:
        with db.session_scope(factory) as session:
            path = export_subject_access(session, args.family, out)
    return written(path)
