"""``import attendance``: the monthly table the partner filled in (.xlsx), all lines or none.

Exit 0 when recorded (with a summary); 1 with every refused line on the error output
when anything is wrong, and then nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import db
from ..services.attendance_import import import_attendance
from ..services.session_batches import RowsRefused
from .common import EXIT_OK, EXIT_REFUSED, add_db_argument, existing_database


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "attendance", help="tableau mensuel rempli par le partenaire (.xlsx)",
        description="Importe les séances et les réponses (« vient régulièrement », remarque) du tableau mensuel "
                    "exporté au format .xlsx puis rempli par le partenaire. Chaque ligne est contrôlée ; si une "
                    "seule est refusée, rien n'est enregistré et toutes les erreurs sont listées.",
    )
    add_db_argument(parser)
    parser.add_argument("file", type=Path, metavar="FICHIER", help="fichier .xlsx rempli par le partenaire")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    with existing_database(args) as factory:
        try:
            with db.session_scope(factory) as session:
                result = import_attendance(session, args.file.expanduser())
        except RowsRefused as refusal:
            print(f"Erreur : import refusé, {refusal.message}", file=sys.stderr)
            return EXIT_REFUSED
    print("Import terminé. " + result.summary())
    return EXIT_OK
