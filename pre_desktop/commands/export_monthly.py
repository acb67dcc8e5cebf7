"""``export monthly``: a partner's tableau mensuel (PDF, Word or .xlsx), without the window.

Same builder and same record as the Séances screen; the .xlsx is the one the partner
fills in and that ``import attendance`` reads back.
"""

from __future__ import annotations

import argparse
import re

from .. import db
from ..exports.monthly_table import FORMATS, export_monthly
from .common import EXIT_REFUSED, add_db_argument, add_output_arguments, existing_database, fail, written


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "monthly", help="tableau mensuel d'un partenaire (PDF, Word ou .xlsx)",
        description="Écrit le tableau mensuel d'une structure partenaire : ses bénéficiaires suivis ce mois-là "
                    "(avec l'accord de leur famille), les séances du mois, séances utilisées / quota, fins de "
                    "parcours, et la colonne de réponse du partenaire.",
    )
    add_db_argument(parser)
    parser.add_argument("--partner", type=int, required=True, metavar="ID",
                        help="numéro de la structure partenaire (voir « list partners »)")
    parser.add_argument("--month", required=True, metavar="AAAA-MM", help="mois du tableau, par exemple 2026-10")
    add_output_arguments(parser, list(FORMATS))
    parser.set_defaults(handler=run)


def parse_month(text: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return int(match.group(1)), int(match.group(2))


def run(args: argparse.Namespace) -> int:
    month = parse_month(args.month)
    if month is None:
        return fail(f"« {args.month} » n'est pas un mois au format AAAA-MM (par exemple 2026-10).", EXIT_REFUSED)
    with existing_database(args) as factory:
        with db.session_scope(factory) as session:
            path = export_monthly(session, args.partner, *month, args.format, args.out.expanduser())
    return written(path)
