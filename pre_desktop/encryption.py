"""Encryption at rest with SQLCipher (the sqlcipher3 package): keys, connections, conversion.

An encrypted base is a SQLCipher 4 file: without its passphrase it is indistinguishable
from random bytes (no "SQLite format 3" header, no readable name). Plain bases keep
the standard ``sqlite3`` driver; only an encrypted one goes through ``sqlcipher3``,
whose connections start with ``PRAGMA key`` before anything reads the file.

The passphrase lives only in memory, in a :class:`Passphrase` whose ``repr`` hides it:
never in QSettings, the log, an exception message or a command line argument.
SQLCipher derives the page key from it with PBKDF2 (256 000 rounds, ~0,2 s); that key
is derived once per file salt here with the same parameters SQLCipher reports, so a
pool of connections does not pay the derivation for each one. If the derived key is
ever refused (another SQLCipher default), the passphrase itself is tried before
calling it wrong.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import sqlcipher3
from sqlcipher3 import dbapi2 as sqlcipher_dbapi

from .db import BUSY_TIMEOUT_MS, DatabaseOpenError
from .services.errors import DomainError

SQLITE_HEADER = b"SQLite format 3\x00"
MIN_LENGTH = 12
KEY_BYTES = 32
MIN_ENCRYPTED_SIZE = 1024
CONVERTING_SUFFIX, PLAIN_ASIDE_SUFFIX = ".chiffrement", ".ancienne-en-clair"

# Errors of either driver, for code that handles plain and encrypted files alike.
ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, sqlcipher3.Error)
DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlite3.DatabaseError, sqlcipher3.DatabaseError)
OPERATIONAL_ERRORS: tuple[type[Exception], ...] = (sqlite3.OperationalError, sqlcipher3.OperationalError)

_KDF_ALGORITHMS = {"PBKDF2_HMAC_SHA512": "sha512", "PBKDF2_HMAC_SHA256": "sha256", "PBKDF2_HMAC_SHA1": "sha1"}


class WrongPassphrase(DatabaseOpenError):
    """The passphrase does not open the file (or the file is not an encrypted PRE base)."""


class PassphraseRequired(DatabaseOpenError):
    """The file is encrypted and no passphrase was given."""


def wrong_passphrase(path: Path) -> WrongPassphrase:
    return WrongPassphrase(
        f"Phrase secrète incorrecte pour la base « {Path(path).name} ». Vérifiez la saisie (majuscules, "
        "accents, espaces) et réessayez. Si elle est juste, le fichier n'est pas une base PRE Desktop "
        "chiffrée ou il est endommagé. La base n'a pas été modifiée.",
        "passphrase",
    )


def passphrase_required(path: Path) -> PassphraseRequired:
    return PassphraseRequired(
        f"La base « {Path(path).name} » est chiffrée : sa phrase secrète est nécessaire pour l'ouvrir "
        "(en ligne de commande : --passphrase-file FICHIER). Elle n'a pas été modifiée.",
        "passphrase",
    )


class Passphrase:
    """A passphrase held in memory only; printing or logging it shows nothing of it."""

    __slots__ = ("_secret", "_derived")

    def __init__(self, secret: str) -> None:
        if not secret:
            raise DomainError("La phrase secrète est vide.", "passphrase")
        self._secret = secret
        self._derived: dict[bytes, str] = {}

    def __repr__(self) -> str:
        return "Passphrase(<masquée>)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Passphrase) and other._secret == self._secret

    def __hash__(self) -> int:
        return hash(self._secret)

    def literal(self) -> str:
        """The passphrase as an SQL string literal, for PRAGMA key / rekey only."""
        return "'" + self._secret.replace("'", "''") + "'"

    def raw_key_literal(self, salt: bytes, connection: Any) -> str:
        """SQLCipher's raw-key form (``"x'…'"``) of the key it would derive for ``salt``."""
        hexkey = self._derived.get(salt)
        if hexkey is None:
            algorithm = str(connection.execute("PRAGMA cipher_default_kdf_algorithm").fetchone()[0])
            rounds = int(connection.execute("PRAGMA cipher_default_kdf_iter").fetchone()[0])
            digest = _KDF_ALGORITHMS.get(algorithm)
            if digest is None:
                raise LookupError(algorithm)
            hexkey = hashlib.pbkdf2_hmac(digest, self._secret.encode("utf-8"), salt, rounds, KEY_BYTES).hex()
            self._derived[salt] = hexkey
        return f"\"x'{hexkey}'\""


def new_passphrase(text: str, confirmation: str) -> Passphrase:
    """A passphrase chosen for a base: long enough, typed twice the same (French refusals)."""
    if not text.strip():
        raise DomainError("Choisissez une phrase secrète.", "passphrase")
    if any(ord(c) < 32 for c in text):
        raise DomainError("La phrase secrète ne peut pas contenir de caractère de contrôle (tabulation, retour à la ligne).",
                          "passphrase")
    if len(text) < MIN_LENGTH:
        raise DomainError(
            f"Phrase secrète trop courte ({len(text)} caractère{'s' if len(text) > 1 else ''}) : il en faut au moins "
            f"{MIN_LENGTH}. Une courte phrase facile à retenir convient, par exemple « le chat dort au soleil ».",
            "passphrase")
    if text != confirmation:
        raise DomainError("La confirmation ne correspond pas à la phrase secrète : tapez-la une seconde fois à l'identique.",
                          "passphrase_confirmation")
    return Passphrase(text)


def strong_enough(key: Passphrase) -> Passphrase:
    """``key`` if it passes the rule for a new passphrase (read from a file, so no confirmation)."""
    return new_passphrase(key._secret, key._secret)


def read_passphrase_file(path: Path) -> Passphrase:
    """The passphrase stored in a file for scripts: its first line, as typed (UTF-8)."""
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DomainError(f"Le fichier de phrase secrète « {path} » est introuvable.", "passphrase") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DomainError(f"Le fichier de phrase secrète « {path} » ne peut pas être lu : {error}.", "passphrase") from None
    line = text.splitlines()[0] if text else ""
    if not line:
        raise DomainError(f"Le fichier de phrase secrète « {path} » est vide (la phrase est attendue sur la "
                          "première ligne).", "passphrase")
    return Passphrase(line)


# --- files ---------------------------------------------------------------------------------


def file_header(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(SQLITE_HEADER))
    except OSError:
        return b""


def is_encrypted(path: Path | str) -> bool:
    """True for a file made of whole database pages without SQLite's header: an encrypted base.

    SQLCipher writes no marker, so without the passphrase an encrypted base cannot be
    told from random bytes; but it is always whole pages (a multiple of 512 bytes), which
    a text file or another document put in its place almost never is.
    """
    path = Path(path)
    try:
        size = path.stat().st_size if path.is_file() else 0
    except OSError:
        return False
    if size < MIN_ENCRYPTED_SIZE or size % 512:
        return False
    return file_header(path) != SQLITE_HEADER


def _salt(path: Path) -> Optional[bytes]:
    """The file's salt (its first 16 bytes), or None for a file SQLCipher has still to create."""
    if not is_encrypted(path):
        return None
    return file_header(path)


# --- connections ---------------------------------------------------------------------------


def _apply_key(connection: Any, statement: str) -> bool:
    """Key the connection and read the schema: False if the file does not open with it."""
    connection.execute(f"PRAGMA key = {statement}")
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.OperationalError:  # locked, busy, unreadable medium: not about the key
        raise
    except sqlcipher3.DatabaseError:
        return False
    return True


def connect(path: Path | str, key: Passphrase, *, read_only: bool = False,
            timeout: float = BUSY_TIMEOUT_MS / 1000, **kwargs: Any) -> Any:
    """A sqlcipher3 connection to ``path``, keyed and checked; WrongPassphrase if refused.

    Nothing is written before the key is checked: a wrong passphrase leaves the file's
    bytes as they were (and creates no journal beside it).
    """
    path = Path(path)
    target = f"file:{path.as_posix()}?mode=ro" if read_only else str(path)

    def fresh() -> Any:
        conn = sqlcipher3.connect(target, uri=read_only, timeout=timeout, check_same_thread=False, **kwargs)
        conn.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is our message, not SQLCipher's stderr
        return conn

    salt = _salt(path)
    conn = fresh()
    try:
        if salt is not None:
            try:
                if _apply_key(conn, key.raw_key_literal(salt, conn)):
                    return conn
            except LookupError:
                pass
            conn.close()
            conn = fresh()
        if _apply_key(conn, key.literal()):
            return conn
    except sqlcipher3.OperationalError as error:
        conn.close()
        raise DatabaseOpenError(
            f"La base « {path.name} » ne peut pas être lue pour l'instant ({error}) : elle est peut-être "
            "verrouillée par un autre programme (une autre fenêtre de PRE Desktop, une synchronisation de "
            "fichiers…). Fermez-le puis réessayez.") from None
    except BaseException:
        conn.close()
        raise
    conn.close()
    raise wrong_passphrase(path)


def open_connection(path: Path | str, key: Optional[Passphrase] = None, *, read_only: bool = False,
                    timeout: float = BUSY_TIMEOUT_MS / 1000) -> Any:
    """A DB-API connection of the right driver: sqlcipher3 with a key, the standard sqlite3 without."""
    if key is not None:
        return connect(path, key, read_only=read_only, timeout=timeout)
    if read_only:
        return sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True, timeout=timeout)
    return sqlite3.connect(str(path), timeout=timeout)


def verify(path: Path | str, key: Passphrase) -> None:
    """Raise WrongPassphrase unless ``key`` opens the existing file ``path``; changes nothing."""
    connect(path, key, read_only=True).close()


def engine_options(path: Path | str, key: Passphrase, **connect_kwargs: Any) -> dict[str, Any]:
    """``create_engine`` options for an encrypted file: sqlcipher3's DB-API, keyed connections."""
    return {"module": sqlcipher_dbapi, "creator": lambda: connect(path, key, **connect_kwargs)}


def check_key_matches(path: Path, key: Optional[Passphrase]) -> None:
    """Refuse, before anything else, an encrypted file without a key or a plain one with a key."""
    encrypted = is_encrypted(path)
    if encrypted and key is None:
        raise passphrase_required(path)
    if key is not None and not encrypted and path.is_file() and path.stat().st_size > 0:
        raise DatabaseOpenError(
            f"La base « {path.name} » n'est pas chiffrée : aucune phrase secrète n'est nécessaire pour l'ouvrir.",
            "passphrase")
    if encrypted and key is not None:
        verify(path, key)


# --- conversion ----------------------------------------------------------------------------


def table_counts(connection: Any) -> dict[str, int]:
    names = [r[0] for r in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _integrity(connection: Any) -> list[str]:
    return [r[0] for r in connection.execute("PRAGMA integrity_check(5)").fetchall()]


def export_encrypted(source: Path, target: Path, key: Passphrase) -> dict[str, int]:
    """Write an encrypted copy of the plain base ``source`` to the new file ``target``.

    ``sqlcipher_export`` copies schema and rows into the attached encrypted file; the copy
    is then reopened with the key and checked (integrity, the same row count in every
    table) before anyone relies on it. Returns the row counts.
    """
    source, target = Path(source), Path(target)
    remove_files(target)
    src = sqlcipher3.connect(f"file:{source.as_posix()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        problems = _integrity(src)
        if problems != ["ok"]:
            raise DatabaseOpenError(f"La base « {source.name} » est endommagée ({'; '.join(problems)}) : "
                                    "elle n'a pas été chiffrée.")
        counts = table_counts(src)
        version = src.execute("PRAGMA user_version").fetchone()[0]
        src.execute(f"ATTACH DATABASE ? AS encrypted KEY {key.literal()}", (str(target),))
        src.execute("SELECT sqlcipher_export('encrypted')")
        src.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        src.execute("DETACH DATABASE encrypted")
    except BaseException:
        src.close()
        remove_files(target)
        raise
    src.close()
    copy = connect(target, key)
    try:
        problems = _integrity(copy)
        copied = table_counts(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
    if problems != ["ok"] or copied != counts:
        remove_files(target)
        raise DatabaseOpenError(f"La copie chiffrée de « {source.name} » n'est pas identique à l'original : "
                                "rien n'a été remplacé.")
    return counts


def checkpoint_plain(path: Path) -> None:
    """Fold the plain base's -wal file into it and drop it: no row may stay in clear beside it."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()


def overwrite_and_remove(path: Path) -> None:
    """Overwrite a file's bytes with zeros, flush, then delete it.

    Best effort: on an SSD or a copy-on-write or synchronised folder the old blocks may
    survive elsewhere; the user is told so.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    chunk = b"\0" * (1024 * 1024)
    with open(path, "r+b") as handle:
        left = size
        while left > 0:
            written = handle.write(chunk[: min(left, len(chunk))])
            left -= written
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink()


def remove_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _swap(path: Path, converted: Path) -> None:
    """Put ``converted`` in place of ``path`` atomically, then shred the plain original.

    A hard link keeps a name on the original while the encrypted file replaces it in
    one rename; where links are not possible (some USB keys), the original is moved
    aside first and moved back if the second rename fails.
    """
    aside = path.with_name(path.name + PLAIN_ASIDE_SUFFIX)
    overwrite_and_remove(aside)  # left by an earlier attempt that stopped half-way: plain bytes too
    try:
        os.link(path, aside)
        os.replace(converted, path)
    except OSError:
        aside.unlink(missing_ok=True)
        os.replace(path, aside)
        try:
            os.replace(converted, path)
        except OSError:
            os.replace(aside, path)
            raise
    overwrite_and_remove(aside)
    for suffix in ("-wal", "-shm", "-journal"):
        companion = Path(str(path) + suffix)
        if companion.exists():
            overwrite_and_remove(companion)


def encrypt_file(path: Path, key: Passphrase) -> dict[str, int]:
    """Convert one plain file in place; the plain bytes are overwritten. Row counts returned."""
    path = Path(path)
    checkpoint_plain(path)
    converted = path.with_name(path.name + CONVERTING_SUFFIX)
    counts = export_encrypted(path, converted, key)
    try:
        _swap(path, converted)
    except OSError as error:
        remove_files(converted)
        raise DatabaseOpenError(f"« {path.name} » n'a pas pu être remplacée par sa version chiffrée ({error}) : "
                                "elle est restée telle quelle.") from None
    return counts


@dataclass
class ConversionResult:
    path: Path
    counts: dict[str, int]
    seconds: float
    backups_encrypted: list[Path] = field(default_factory=list)
    backups_failed: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def encrypt_database(path: Path, key: Passphrase, backups: Iterable[Path] = (),
                     progress: Optional[Callable[[str], None]] = None) -> ConversionResult:
    """Encrypt the plain base ``path`` in place, then each plain backup of it in ``backups``.

    The caller has closed its own connections to the base. A plain backup left beside an
    encrypted base would defeat the purpose: each one is encrypted with the same
    passphrase and its clear bytes overwritten; one that cannot be (damaged) is listed.
    """
    path = Path(path).expanduser()
    started = time.perf_counter()
    if not path.is_file():
        raise DatabaseOpenError(f"La base « {path} » n'existe pas.")
    if is_encrypted(path):
        raise DatabaseOpenError(f"La base « {path.name} » est déjà chiffrée.")
    if progress:
        progress(f"Chiffrement de « {path.name} »…")
    try:
        counts = encrypt_file(path, key)
    except DATABASE_ERRORS as error:
        raise DatabaseOpenError(f"La base « {path.name} » n'a pas pu être chiffrée ({error}) : elle n'a pas été "
                                "modifiée.") from None
    result = ConversionResult(path, counts, 0.0)
    for backup in backups:
        backup = Path(backup)
        if not backup.is_file() or is_encrypted(backup):
            continue
        if progress:
            progress(f"Chiffrement de la sauvegarde « {backup.name} »…")
        try:
            encrypt_file(backup, key)
            result.backups_encrypted.append(backup)
        except (DomainError, OSError, *ERRORS) as error:
            result.backups_failed.append((backup, getattr(error, "message", str(error))))
    result.seconds = time.perf_counter() - started
    return result


# --- changing the passphrase -----------------------------------------------------------------


def rekey_file(path: Path, old: Passphrase, new: Passphrase) -> None:
    """Re-encrypt one file with ``new`` (PRAGMA rekey, one transaction), then check it opens."""
    conn = connect(path, old)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0])
        conn.execute("PRAGMA journal_mode=DELETE")  # SQLCipher rekeys through a rollback journal, not WAL
        conn.execute(f"PRAGMA rekey = {new.literal()}")
        if mode.lower() == "wal":
            conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()
    check = connect(path, new, read_only=True)
    try:
        problems = _integrity(check)
    finally:
        check.close()
    if problems != ["ok"]:
        raise DatabaseOpenError(f"« {path.name} » ne se relit pas avec la nouvelle phrase secrète ({'; '.join(problems)}).")


def change_passphrase(path: Path, old: Passphrase, new: Passphrase, backups: Iterable[Path] = (),
                      progress: Optional[Callable[[str], None]] = None) -> ConversionResult:
    """Give the encrypted base ``path`` and its backups the passphrase ``new``.

    The backups follow the base: a backup left with the old passphrase could no longer be
    restored by someone who knows only the new one. One that does not open with ``old``
    (damaged, or older than a previous change) is listed and left as it is.
    """
    path = Path(path).expanduser()
    started = time.perf_counter()
    if not is_encrypted(path):
        raise DatabaseOpenError(f"La base « {path.name} » n'est pas chiffrée.")
    verify(path, old)
    if old == new:
        raise DomainError("La nouvelle phrase secrète est identique à l'actuelle.", "passphrase")
    if progress:
        progress(f"Nouvelle phrase secrète pour « {path.name} »…")
    try:
        rekey_file(path, old, new)
    except ERRORS as error:
        raise DatabaseOpenError(f"La phrase secrète de « {path.name} » n'a pas pu être changée ({error}).") from None
    result = ConversionResult(path, {}, 0.0)
    for backup in backups:
        backup = Path(backup)
        if not is_encrypted(backup):
            continue
        try:
            rekey_file(backup, old, new)
            result.backups_encrypted.append(backup)
        except (DomainError, OSError, *ERRORS) as error:
            result.backups_failed.append((backup, getattr(error, "message", str(error))))
    result.seconds = time.perf_counter() - started
    return result
