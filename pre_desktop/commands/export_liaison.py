"""``export liaison``: one fiche de liaison as PDF or Word, without opening the window.

Same builder and same record as the app's button: the generation is traced (who,
when, which version of the fiche), and refused without the family's agreement.
"""

from __future__ import annotations

import argparse

from .. import db
from ..exports.liaison_document import write_liaison_document
from ..exports.render import FORMATS
from .common import add_db_argument, add_output_arguments, existing_database, written


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "liaison", help="fiche de liaison d'une orientation (PDF ou Word)",
        description="Écrit la fiche de liaison d'une orientation vers un partenaire, au modèle du guide : "
                    "la demande du PRE et le cadre de réponse du partenaire, rien d'autre du dossier.",
    )
    add_db_argument(parser)
    parser.add_argument("--liaison", type=int, required=True, metavar="ID",
                        help="numéro de la fiche de liaison (voir « list liaisons » ou l'écran Fiches de liaison)")
    add_output_arguments(parser, list(FORMATS))
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    with existing_database(args) as factory:
        with db.session_scope(factory) as session:
            path = write_liaison_document(session, args.liaison, args.format, args.out.expanduser())
    return written(path)
