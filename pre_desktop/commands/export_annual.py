"""``export annual``: the Rapport annuel of a school year (PDF or .xlsx), without the window.

Same figures, builder and record as the Tableau de bord's button: the report a
coordinator copies into the State's survey and sends to the funders.
"""

from __future__ import annotations

import argparse

from .. import db
from ..exports.annual_report import FORMATS, write_annual_report
from ..services.statistics import SchoolYear
from .common import add_db_argument, add_output_arguments, add_school_year_argument, existing_database, written


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "annual", help="rapport annuel d'une année scolaire (PDF ou .xlsx)",
        description="Écrit le rapport annuel d'activité d'une année scolaire (1er septembre – 31 août) : enfants "
                    "suivis, entrées et sorties, public (sexe, âge, niveau scolaire, quartier), repérages, "
                    "parcours, EPS, orientations vers les partenaires, présence, séances et montants par "
                    "convention, partenaire et financeur, chacun comparé à l'année précédente, puis la "
                    "définition de chaque chiffre. Graphiques dans le PDF ; cellules typées dans le .xlsx.",
    )
    add_db_argument(parser)
    add_school_year_argument(parser)
    add_output_arguments(parser, list(FORMATS))
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    year = SchoolYear.parse(args.year)  # a DomainError is reported by cli.main, before opening anything
    with existing_database(args) as factory:
        with db.session_scope(factory) as session:
            path = write_annual_report(session, year, args.format, args.out.expanduser())
    return written(path)
