"""``archive``: the GDPR life cycle from the command line (as the Archivage area).

Without an action it lists the files to archive, the archived ones and those due for
anonymisation; ``--archive ID…`` and ``--anonymise ID…`` act on the files named, with
the same rules as the screen (still a candidate; end of the archive period). A script
that holds the base file acts with no user, as every command does.
"""

from __future__ import annotations

import argparse

from .. import db
from ..formatting import fr_date
from ..services import retention
from ..services.errors import DomainError
from .common import EXIT_OK, EXIT_REFUSED, add_db_argument, existing_database, fail


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "archive", help="archivage RGPD : dossiers à archiver, archivés, à anonymiser",
        description="Liste les dossiers dont le dernier contact date de plus que la durée réglée (Paramètres), les "
                    "dossiers archivés et ceux arrivés à la fin de leur durée d'archivage ; archive ou anonymise "
                    "les dossiers dont on donne les numéros.",
    )
    add_db_argument(parser)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--archive", type=int, nargs="+", metavar="ID", help="archiver ces dossiers")
    action.add_argument("--anonymise", type=int, nargs="+", metavar="ID",
                        help="anonymiser ces dossiers archivés (définitif)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    with existing_database(args) as factory:
        try:
            if args.archive:
                with db.session_scope(factory) as session:
                    done = retention.archive_children(session, args.archive)
                print(f"{len(done)} dossier(s) archivé(s).")
                return EXIT_OK
            if args.anonymise:
                with db.session_scope(factory) as session:
                    result = retention.anonymise(session, args.anonymise)
                _deleted, left = retention.delete_files(result.files)
                retention.purge_free_pages(factory.kw["bind"])
                print(f"{result.children} dossier(s) anonymisé(s), {result.families} famille(s).")
                for path in left:
                    print(f"Fichier à supprimer vous-même : {path}")
                return EXIT_OK
        except DomainError as error:
            return fail(error.message, EXIT_REFUSED)
        with factory() as session:
            print_lists(session)
    return EXIT_OK


def print_lists(session) -> None:  # noqa: ANN001
    years = retention.retention_years(session)
    candidates = retention.archive_candidates(session)
    print(f"À archiver (dernier contact il y a plus de {years} an{'s' if years > 1 else ''}) : {len(candidates)}")
    for c in candidates:
        print(f"  {c.child_id:>6}  {c.name} — dernier contact le {fr_date(c.last_contact)} — {c.status_label}"
              + (f" — {c.referent_name}" if c.referent_name else ""))
    archived = retention.archived_files(session)
    print(f"Archivés (lecture seule) : {len(archived)}")
    for f in archived:
        due = " — À ANONYMISER" if f.due else ""
        print(f"  {f.child_id:>6}  {f.name} — archivé le {fr_date(f.archived_on)} — anonymisation le "
              f"{fr_date(f.anonymise_on)}{due}")
    print(f"Anonymisés : {len(retention.archived_files(session, anonymised=True))}")
