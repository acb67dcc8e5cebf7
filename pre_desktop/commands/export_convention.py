"""``export convention``: the partnership convention of one convention, in Word or PDF.

Same file as the app's "Générer" buttons (the structure's own template for Word when
one is installed), recorded in the database like any generated document.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import db
from ..exports.convention_document import export_convention
from ..services.users import default_user
from .common import add_db_argument, add_output_arguments, existing_database, written


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "convention", help="convention de partenariat (Word ou PDF)",
        description="Produit la convention de partenariat d'une convention, d'après le modèle du guide ou "
                    "le modèle Word de la structure (Word seulement ; le PDF suit la mise en page intégrée).",
    )
    add_db_argument(parser)
    parser.add_argument("--convention", type=int, required=True, metavar="ID",
                        help="numéro de la convention (voir « list conventions »)")
    add_output_arguments(parser, ["pdf", "docx"])
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    out = Path(args.out).expanduser()
    with existing_database(args) as factory:
        with factory() as session:  # the same acting user as the window's, for the record
            user = default_user(session)
        with db.session_scope(factory, user.id if user else None) as session:
            result = export_convention(session, args.convention, args.format, out)
    if result.template_name:
        print(f"Modèle Word de la structure utilisé : {result.template_name}")
    if result.builtin_pdf_despite_template:
        print("Remarque : le PDF suit la mise en page intégrée ; le modèle Word de la structure ne sert "
              "qu'au format Word (.docx).", file=sys.stderr)
    return written(result.path)
