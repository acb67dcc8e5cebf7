"""``check``: is this file a usable PRE Desktop database? Integrity and schema version.

Read-only, never migrates: it is what to run on a file before restoring it, or on a
base that will not open. The exit code says the answer to scripts (0 usable, 2 not).
"""

from __future__ import annotations

import argparse
import sys

from ..backups import check_database_file
from .common import EXIT_DATABASE, EXIT_OK, add_db_argument, db_path, passphrase


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check", help="vérifier une base (intégrité, version du schéma)",
        description="Vérifie l'intégrité d'une base (PRAGMA integrity_check) et la version de son schéma, "
                    "sans la modifier. Code de sortie 0 si elle est utilisable, 2 sinon.",
    )
    add_db_argument(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    report = check_database_file(db_path(args), passphrase(args))
    if not report.ok:
        for problem in report.problems:
            print(f"Erreur : {problem[:1].lower()}{problem[1:]}", file=sys.stderr)
        return EXIT_DATABASE
    print(f"Base : {report.path}")
    print("Intégrité : correcte" + (" (base chiffrée)" if report.encrypted else ""))
    if report.needs_upgrade:
        print(f"Schéma : {report.revision} (sera mis à jour vers {report.head} à l'ouverture)")
    else:
        print(f"Schéma : {report.revision} (à jour)")
    return EXIT_OK
