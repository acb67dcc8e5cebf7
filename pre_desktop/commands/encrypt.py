"""``encrypt``: convert a plain base (and its backups) to an encrypted one; ``rekey``:
give an encrypted base (and its backups) a new passphrase. For scripts.

The same conversion as the window's « Chiffrer la base… »: the passphrase comes from a
file (never the command line, which shell histories and process lists keep).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..backups import check_database_file, list_backups
from ..encryption import change_passphrase, encrypt_database, is_encrypted, read_passphrase_file, strong_enough
from .common import DB_HELP, EXIT_DATABASE, EXIT_OK, EXIT_REFUSED, add_passphrase_argument, db_path, fail

WARNING = ("Conservez la phrase secrète en lieu sûr : sans elle, la base et ses sauvegardes sont illisibles, "
           "et personne ne peut les récupérer.")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "encrypt", help="chiffrer une base existante (et ses sauvegardes)",
        description="Chiffre la base avec SQLCipher, ainsi que ses sauvegardes (dossier sauvegardes/ et copies "
                    "d'avant mise à jour) ; leurs versions en clair sont écrasées puis supprimées. "
                    "Fermez l'application avant.")
    parser.add_argument("--db", type=Path, default=argparse.SUPPRESS, metavar="CHEMIN", help=DB_HELP)
    add_passphrase_argument(parser, "fichier texte dont la première ligne est la nouvelle phrase secrète "
                                    "(au moins 12 caractères)", required=True)
    parser.set_defaults(handler=run)

    rekey = subparsers.add_parser(
        "rekey", help="changer la phrase secrète d'une base chiffrée (et de ses sauvegardes)",
        description="Rechiffre la base et ses sauvegardes avec une nouvelle phrase secrète. Fermez l'application avant.")
    rekey.add_argument("--db", type=Path, default=argparse.SUPPRESS, metavar="CHEMIN", help=DB_HELP)
    add_passphrase_argument(rekey, "fichier texte dont la première ligne est la phrase secrète actuelle", required=True)
    rekey.add_argument("--new-passphrase-file", type=Path, required=True, metavar="FICHIER",
                       help="fichier texte dont la première ligne est la nouvelle phrase secrète (au moins 12 caractères)")
    rekey.set_defaults(handler=run_rekey)


def run(args: argparse.Namespace) -> int:
    path = db_path(args)
    key = strong_enough(read_passphrase_file(args.passphrase_file))
    if not path.is_file():
        return fail(f"la base « {path} » n'existe pas.")
    if is_encrypted(path):
        return fail(f"la base « {path.name} » est déjà chiffrée.", EXIT_REFUSED)
    report = check_database_file(path)
    if not report.ok:
        return fail(" ".join(report.problems), EXIT_DATABASE)
    result = encrypt_database(path, key, [b.path for b in list_backups(path)])
    seconds = f"{result.seconds:.1f}".replace(".", ",")
    print(f"Base chiffrée : {path} ({result.rows} lignes dans {len(result.counts)} tables, {seconds} s)")
    print(f"Sauvegardes chiffrées avec la même phrase secrète : {len(result.backups_encrypted)}")
    for backup, reason in result.backups_failed:
        print(f"Attention : la sauvegarde « {backup} » n'a pas pu être chiffrée ({reason}) ; elle est restée en "
              "clair : supprimez-la si elle n'est plus utile.", file=sys.stderr)
    print("Les versions en clair ont été écrasées puis supprimées (sur un disque SSD ou un dossier synchronisé, "
          "des traces peuvent subsister). Les copies rangées ailleurs (clé USB…) ne sont pas chiffrées.")
    print(WARNING)
    return EXIT_OK


def run_rekey(args: argparse.Namespace) -> int:
    path = db_path(args)
    old = read_passphrase_file(args.passphrase_file)
    new = strong_enough(read_passphrase_file(args.new_passphrase_file))
    if not path.is_file():
        return fail(f"la base « {path} » n'existe pas.")
    result = change_passphrase(path, old, new, [b.path for b in list_backups(path)])
    print(f"Nouvelle phrase secrète pour la base : {path}")
    print(f"Sauvegardes rechiffrées avec la nouvelle phrase secrète : {len(result.backups_encrypted)}")
    for backup, reason in result.backups_failed:
        print(f"Attention : la sauvegarde « {backup} » garde son ancienne phrase secrète ({reason}).", file=sys.stderr)
    print(WARNING)
    return EXIT_OK
