"""``export pseudonymised``: one row per child followed in a school year, without names, contacts
or typed text (.csv for French Excel, or .xlsx), recorded like the app's exports."""

from __future__ import annotations

import argparse

from .. import db
from ..exports.pseudonymised import FORMATS, export_pseudonymised
from ..services.statistics import SchoolYear
from .common import add_db_argument, add_output_arguments, add_school_year_argument, existing_database, written


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "pseudonymised", help="export statistique pseudonymisé d'une année scolaire (.csv ou .xlsx)",
        description="Écrit une ligne par enfant suivi pendant l'année scolaire (1er septembre – 31 août) : pseudonyme "
                    "tiré au hasard, sexe, année de naissance, tranche d'âge, quartier, niveau scolaire, dates "
                    "d'entrée et de sortie, type de sortie, origine du repérage et nombres (repérages, décisions "
                    "EPS, orientations, séances tenues, absences). Ni nom, ni contact, ni texte saisi. Le .csv est "
                    "en UTF-8 avec « ; » comme séparateur, pour Excel en français.",
    )
    add_db_argument(parser)
    add_school_year_argument(parser)
    add_output_arguments(parser, list(FORMATS))
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    year = SchoolYear.parse(args.year)  # a DomainError is reported by cli.main, before opening anything
    with existing_database(args) as factory:
        with db.session_scope(factory) as session:
            path = export_pseudonymised(session, year, args.format, args.out.expanduser())
    return written(path)
