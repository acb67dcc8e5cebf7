"""Command line: open the window, build a demonstration database, list records.

The same services as the window, without it: useful to script, to check a file on
a machine with no display, and to test the start-up path end to end. Qt is imported
only when the window is asked for, so the other commands run anywhere.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Optional, Sequence

from . import APP_NAME, __version__, db
from .formatting import fr_date
from .migrate import DatabaseOpenError, open_database
from .paths import default_db_path
from .services.errors import DomainError
from .services.listing import LISTERS

from .commands import EXPORTS, IMPORTS, TOP_LEVEL
from .commands.common import EXIT_DATABASE, EXIT_OK, EXIT_REFUSED, add_passphrase_argument, passphrase
from .encryption import strong_enough

KIND_HELP = {
    "children": "enfants",
    "families": "familles",
    "partners": "structures partenaires",
    "conventions": "conventions",
    "liaisons": "fiches de liaison",
    "eps": "commissions EPS",
}

# Columns of the text table for each kind: (key, French header).
TABLE_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "children": [("id", "N°"), ("label", "Enfant"), ("age", "Âge"), ("school", "École"),
                 ("status_label", "Statut"), ("referent", "Référent(e)")],
    "families": [("id", "N°"), ("label", "Famille"), ("town", "Commune"), ("children", "Enfants")],
    "partners": [("id", "N°"), ("label", "Structure"), ("town", "Commune"), ("conventions", "Conventions")],
    "conventions": [("id", "N°"), ("label", "Convention"), ("status_label", "Statut"), ("session_quota", "Quota")],
    "liaisons": [("id", "N°"), ("label", "Fiche de liaison"), ("requested_on", "Demandée le"),
                 ("sessions_held", "Séances")],
    "eps": [("id", "N°"), ("label", "Commission"), ("situations", "Situations"), ("decisions", "Décisions")],
}

# French words for the counts build_demo returns (unknown keys are shown as they are).
DEMO_COUNT_LABELS = {
    "users": "utilisateurs", "families": "familles", "guardians": "responsables", "children": "enfants",
    "referrals": "repérages", "consents": "accords de famille", "partners": "structures partenaires",
    "contacts": "contacts", "conventions": "conventions", "eps_meetings": "commissions EPS",
    "eps_decisions": "décisions EPS", "pathways": "parcours", "actions": "actions",
    "care_referrals": "fiches de liaison", "liaisons": "fiches de liaison", "sessions": "séances",
}

_ARGPARSE_FR = [
    ("the following arguments are required: ", "arguments obligatoires manquants : "),
    ("unrecognized arguments: ", "arguments non reconnus : "),
    ("invalid choice: ", "choix invalide : "),
    ("choose from ", "choisir parmi "),
    ("expected one argument", "une valeur est attendue"),
    ("argument ", "argument "),
]


class _FrenchFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):  # noqa: ANN001
        return super().add_usage(usage, actions, groups, "Utilisation : " if prefix is None else prefix)

    def start_section(self, heading):  # noqa: ANN001, ANN201
        # argparse writes "heading:"; French typography puts a space before the colon.
        return super().start_section(f"{heading} " if heading else heading)


class FrenchArgumentParser(argparse.ArgumentParser):
    """argparse with French headings and error messages (it ships only English)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _FrenchFormatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "arguments"
        self._optionals.title = "options"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="afficher cette aide et quitter")

    def error(self, message: str):  # noqa: ANN201 - never returns
        for english, french in _ARGPARSE_FR:
            message = message.replace(english, french)
        self.print_usage(sys.stderr)
        self.exit(EXIT_DATABASE, f"{self.prog} : erreur : {message}\n")


def build_parser() -> argparse.ArgumentParser:
    db_help = "fichier de base de données (par défaut : celui du dossier de données de l'utilisateur)"
    parser = FrenchArgumentParser(
        prog="pre-desktop",
        description=f"{APP_NAME} {__version__} — suivi des Programmes de réussite éducative, hors ligne. "
                    "Sans commande, ouvre l'application.",
    )
    parser.add_argument("--db", type=Path, default=None, metavar="CHEMIN", help=db_help)
    # Headless check of a build: open the window, then quit after N seconds (tests/test_frozen_build.py).
    parser.add_argument("--quit-after", type=float, default=None, help=argparse.SUPPRESS)
    # Scripted start (the headless check of a build): log in without the dialog, with the
    # same checks and delay as typing it; the password is read from a file, never the command line.
    # Its own dest: a command's --passphrase-file (commands/common.py) must not be overwritten.
    parser.add_argument("--passphrase-file", dest="start_passphrase_file", type=Path, default=None,
                        metavar="FICHIER", help="base chiffrée : fichier dont la première ligne est la phrase "
                                                "secrète, pour l'ouvrir sans la demander")
    parser.add_argument("--login", default=None, metavar="IDENTIFIANT",
                        help="se connecter sans la fenêtre de connexion (avec --password-file)")
    parser.add_argument("--password-file", type=Path, default=None, metavar="FICHIER",
                        help="fichier dont la première ligne est le mot de passe de --login")
    sub = parser.add_subparsers(dest="command", title="commandes", metavar="COMMANDE", parser_class=FrenchArgumentParser)

    demo = sub.add_parser("demo", help="créer une base de démonstration (données fictives)",
                          description="Crée une base remplie de données fictives pour découvrir ou présenter l'application.")
    demo.add_argument("--db", type=Path, default=argparse.SUPPRESS, metavar="CHEMIN", help="fichier de la base à créer")
    demo.add_argument("--force", action="store_true",
                      help="supprimer et recréer le fichier s'il contient déjà des enfants")
    add_passphrase_argument(demo, "créer une base chiffrée : fichier texte dont la première ligne est la phrase "
                                  "secrète (au moins 12 caractères)")

    lst = sub.add_parser("list", help="lister des enregistrements (tableau ou JSON)",
                         description="Affiche les enregistrements d'une base, en tableau aligné ou en JSON.")
    lst.add_argument("kind", choices=list(LISTERS), metavar="TYPE",
                     help="ce qu'il faut lister : " + ", ".join(f"{k} ({v})" for k, v in KIND_HELP.items()))
    lst.add_argument("--db", type=Path, default=argparse.SUPPRESS, metavar="CHEMIN", help=db_help)
    lst.add_argument("--json", action="store_true", help="sortie JSON (un objet par enregistrement)")
    add_passphrase_argument(lst)

    for module in TOP_LEVEL:
        importlib.import_module(module).register(sub)
    for name, modules, text in (("export", EXPORTS, "produire un document ou un tableau"),
                                ("import", IMPORTS, "importer un fichier")):
        if modules:
            group = sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
            kinds = group.add_subparsers(dest="kind", title="types", metavar="TYPE", required=True,
                                         parser_class=FrenchArgumentParser)
            for module in modules:
                importlib.import_module(module).register(kinds)
    return parser


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _cell(value: Any) -> str:
    if isinstance(value, dt.date):
        return fr_date(value)
    if isinstance(value, bool):
        return "oui" if value else "non"
    return "" if value is None else str(value)


def format_table(records: list[dict[str, Any]], columns: list[tuple[str, str]]) -> str:
    """Aligned text table; numbers to the right, text to the left."""
    rows = [[_cell(r.get(key)) for key, _ in columns] for r in records]
    widths = [max([len(header)] + [len(row[i]) for row in rows]) for i, (_, header) in enumerate(columns)]
    numeric = [all(isinstance(r.get(key), int) and not isinstance(r.get(key), bool) for r in records) and bool(records)
               for key, _ in columns]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric)).rstrip()

    out = [line([h for _, h in columns]), line(["-" * w for w in widths])]
    out += [line(row) for row in rows]
    return "\n".join(out)


def _db_path(args: argparse.Namespace) -> Path:
    return Path(args.db).expanduser() if args.db else default_db_path()


def _fail(message: str, code: int = EXIT_DATABASE) -> int:
    print(f"Erreur : {message}", file=sys.stderr)
    return code


def cmd_list(args: argparse.Namespace) -> int:
    engine, factory = open_database(_db_path(args), create=False, key=passphrase(args))
    try:
        with factory() as session:
            records = LISTERS[args.kind](session)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(records, ensure_ascii=False, indent=2, default=_json_default))
    elif not records:
        print(f"Aucun enregistrement ({KIND_HELP[args.kind]}).")
    else:
        print(format_table(records, TABLE_COLUMNS[args.kind]))
        print(f"\n{len(records)} enregistrement(s).")
    return EXIT_OK


def _remove_database_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = path.with_name(path.name + suffix)
        if candidate.exists():
            candidate.unlink()


def cmd_demo(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from .models import Child

    try:
        from .demo import build_demo
    except ImportError:
        return _fail("le module de démonstration n'est pas disponible dans cette version.", EXIT_REFUSED)

    path = _db_path(args)
    key = passphrase(args)
    started = time.perf_counter()
    if path.exists():
        engine, factory = open_database(path, key=key)
        with factory() as session:
            existing = session.scalar(select(func.count()).select_from(Child))
        engine.dispose()
        if existing:
            if not args.force:
                return _fail(
                    f"la base « {path} » contient déjà {existing} enfant(s) : elle n'a pas été modifiée. "
                    "Choisissez un autre fichier, ou ajoutez --force pour la supprimer et la recréer.",
                    EXIT_REFUSED,
                )
            _remove_database_files(path)

    engine, factory = open_database(path, key=None if key is None else strong_enough(key))
    try:
        with db.session_scope(factory) as session:
            counts = build_demo(session)
    finally:
        engine.dispose()
    elapsed = time.perf_counter() - started
    print(f"Base de démonstration créée : {path}")
    for key, number in (counts or {}).items():
        print(f"  {DEMO_COUNT_LABELS.get(key, key)} : {number}")
    print(f"Durée : {elapsed:.1f} s".replace(".", ","))
    return EXIT_OK


def cmd_gui(args: argparse.Namespace) -> int:
    try:
        from .app import run_app
    except ImportError as error:
        return _fail(f"l'interface graphique ne peut pas démarrer (Qt indisponible : {error}).")
    # No --db: app.run_app picks the last base opened, or shows the welcome screen.
    credentials = None
    if args.login is not None or args.password_file is not None:
        if args.login is None or args.password_file is None:
            return _fail("--login et --password-file vont ensemble.", EXIT_REFUSED)
        try:
            password = args.password_file.read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError, UnicodeDecodeError):
            return _fail(f"le fichier du mot de passe « {args.password_file} » est illisible ou vide.", EXIT_REFUSED)
        credentials = (args.login, password)
    key = None
    if args.start_passphrase_file is not None:
        key = passphrase(argparse.Namespace(passphrase_file=args.start_passphrase_file))
    return run_app(Path(args.db).expanduser() if args.db else None, quit_after=args.quit_after,
                   credentials=credentials, key=key)


def _tolerant_output() -> None:
    """A Windows console that cannot show a character must not crash a listing."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass


def main(argv: Optional[Sequence[str]] = None) -> int:
    _tolerant_output()
    args = build_parser().parse_args(argv)
    handlers = {"list": cmd_list, "demo": cmd_demo, None: cmd_gui}
    handler = getattr(args, "handler", None) or handlers[args.command]
    try:
        return handler(args)
    except DatabaseOpenError as error:
        return _fail(error.message, EXIT_DATABASE)
    except DomainError as error:
        return _fail(error.message, EXIT_REFUSED)
    except KeyboardInterrupt:
        return _fail("interrompu.", 130)
    except BrokenPipeError:
        # Output piped into `head` or similar that stopped reading: not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
