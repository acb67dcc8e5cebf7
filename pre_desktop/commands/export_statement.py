"""``export statement``: a convention's état trimestriel (PDF or .xlsx), without the window."""

from __future__ import annotations

import argparse
import re

from .. import db
from ..exports.quarterly_statement import FORMATS, export_statement
from .common import EXIT_REFUSED, add_db_argument, add_output_arguments, existing_database, fail, written


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "statement", help="état trimestriel d'une convention (PDF ou .xlsx)",
        description="Écrit l'état trimestriel d'une convention : par type d'entretien, nombre × tarif = montant, "
                    "le total, puis les séances non facturées avec leur motif (absence, hors quota, hors des "
                    "dates de la convention).",
    )
    add_db_argument(parser)
    parser.add_argument("--convention", type=int, required=True, metavar="ID",
                        help="numéro de la convention (voir « list conventions »)")
    parser.add_argument("--quarter", required=True, metavar="AAAA-Tn",
                        help="trimestre civil, par exemple 2026-T1 (ou 2026-Q1) pour janvier à mars 2026")
    add_output_arguments(parser, list(FORMATS))
    parser.set_defaults(handler=run)


def parse_quarter(text: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"\s*(\d{4})-?[TtQq]([1-4])\s*", text or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def run(args: argparse.Namespace) -> int:
    quarter = parse_quarter(args.quarter)
    if quarter is None:
        return fail(f"« {args.quarter} » n'est pas un trimestre au format AAAA-Tn (par exemple 2026-T1).",
                    EXIT_REFUSED)
    with existing_database(args) as factory:
        with db.session_scope(factory) as session:
            path = export_statement(session, args.convention, *quarter, args.format, args.out.expanduser())
    return written(path)
