"""``export eps``: a commission's ordre du jour or relevé de décisions as PDF or Word,
without opening the window.

Same builder and same record as the meeting screen's buttons: the generation is
traced (who, when, which version of the commission), and the document holds only the
strictly necessary (secret partagé).
"""

from __future__ import annotations

import argparse

from .. import db
from ..exports.eps_documents import KINDS, write_eps_document
from ..exports.render import FORMATS
from .common import add_db_argument, add_output_arguments, existing_database, written


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eps", help="ordre du jour ou relevé de décisions d'une commission EPS (PDF ou Word)",
        description="Écrit l'ordre du jour (agenda) ou le relevé de décisions (minutes) d'une commission EPS : "
                    "nom, prénom, âge, décision et référent de chaque situation, sans les notes du dossier.",
    )
    add_db_argument(parser)
    parser.add_argument("--meeting", type=int, required=True, metavar="ID",
                        help="numéro de la commission (voir « list eps » ou l'écran EPS)")
    parser.add_argument("--kind", choices=list(KINDS), required=True, metavar="DOCUMENT",
                        help="agenda (ordre du jour) ou minutes (relevé de décisions)")
    add_output_arguments(parser, list(FORMATS))
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    with existing_database(args) as factory:
        with db.session_scope(factory) as session:
            path = write_eps_document(session, args.meeting, args.kind, args.format, args.out.expanduser())
    return written(path)
