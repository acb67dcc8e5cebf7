"""``import partners``: a partners directory from .xlsx or .csv, all rows or none.

The columns are matched by their headers, as the app proposes them; ``--verifier``
only checks. Every refused row is printed with its line and field, and nothing is
written if one is refused (exit code 1).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import db
from ..services.partner_import import (
    TARGET_LABELS,
    ImportRefused,
    check_rows,
    import_partners,
    propose_mapping,
    read_table,
)
from .common import EXIT_OK, EXIT_REFUSED, add_db_argument, existing_database


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "partners", help="annuaire des structures partenaires (.xlsx ou .csv)",
        description="Importe un annuaire de structures partenaires. Les colonnes sont reconnues par leur en-tête "
                    "(Nom, Type, Adresse, Code postal, Commune, Téléphone, Courriel, Secteur, Âge min, Âge max, "
                    "Contact…). Si une ligne est refusée, rien n'est enregistré.",
    )
    add_db_argument(parser)
    parser.add_argument("file", type=Path, metavar="FICHIER", help="fichier .xlsx ou .csv à importer")
    parser.add_argument("--verifier", action="store_true", help="contrôler le fichier sans rien enregistrer")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    table = read_table(args.file.expanduser())
    mapping = propose_mapping(table.headers)
    print("Colonnes reconnues :")
    for key, column in mapping.items():
        if column is not None:
            print(f"  {TARGET_LABELS[key]} ← « {table.headers[column]} »")
    with existing_database(args) as factory:
        try:
            with db.session_scope(factory) as session:
                report = check_rows(session, table, mapping) if args.verifier else import_partners(session, table, mapping)
                if args.verifier and not report.ok:
                    raise ImportRefused(report)
        except ImportRefused as refusal:
            for error in refusal.report.errors:
                print(f"Ligne {error.line} — {error.field_label} : {error.message}", file=sys.stderr)
            print(f"Erreur : {refusal.message}", file=sys.stderr)
            return EXIT_REFUSED
    print(("Vérification : " if args.verifier else "Import terminé : ") + report.summary(written=not args.verifier))
    return EXIT_OK
