"""Backups of the database file: taken, rotated, listed, checked and restored.

Everything goes through SQLite's online backup API, never a file copy: it copies a
coherent snapshot while the app (or another process) has the file open, including
changes still in the WAL file, and restoring through it replaces the pages of the
live file in one transaction, so a stale ``-wal`` next to it cannot resurrect the
damaged data. The copies of an encrypted base are encrypted with the same passphrase
(``key``), never written in clear. No Qt here: the window runs these functions in a worker thread, the
command line calls them directly, and tests drive them with a fixed clock.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from . import db
from .encryption import (
    CONVERTING_SUFFIX,
    DATABASE_ERRORS,
    ERRORS,
    Passphrase,
    WrongPassphrase,
    export_encrypted,
    is_encrypted,
    open_connection,
    remove_files,
)
from .migrate import DatabaseOpenError, VERSION_TABLE, head_revision, revision_ids

BACKUP_FOLDER = "sauvegardes"
AUTO, MANUAL, BEFORE_RESTORE, BEFORE_MIGRATION = "auto", "copie", "avant-restauration", "avant-migration"
KIND_LABELS = {
    AUTO: "automatique",
    MANUAL: "copie",
    BEFORE_RESTORE: "avant restauration",
    BEFORE_MIGRATION: "avant mise à jour",
}
DEFAULT_DAILY, DEFAULT_MONTHLY = 14, 12
AUTO_INTERVAL = dt.timedelta(days=1)
STAMP_FORMAT = "%Y%m%d-%H%M%S"
_NAME = re.compile(r"^(?P<stem>.+)\.(?P<kind>auto|copie|avant-restauration|avant-migration(?:-[0-9a-z_]+)?)"
                   r"-(?P<stamp>\d{8}-\d{6})(?:-\d+)?\.sqlite$")


@dataclass(frozen=True)
class RetentionPolicy:
    """How many automatic backups are kept: the newest of each of the last ``daily``
    days that have one, plus the newest of each of the last ``monthly`` months."""

    daily: int = DEFAULT_DAILY
    monthly: int = DEFAULT_MONTHLY

    def __post_init__(self) -> None:
        if self.daily < 1 or self.monthly < 0:
            raise ValueError("keep at least one daily backup")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: dt.datetime
    size: int
    kind: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[BEFORE_MIGRATION] if self.kind.startswith(BEFORE_MIGRATION) else KIND_LABELS.get(self.kind, self.kind)


@dataclass
class CheckReport:
    """What ``check_database_file`` found; ``problems`` in French, empty when usable."""

    path: Path
    revision: Optional[str] = None
    head: str = ""
    problems: list[str] = field(default_factory=list)
    encrypted: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def needs_upgrade(self) -> bool:
        return self.ok and self.revision != self.head


# --- where backups live -----------------------------------------------------------------


def backup_dir(db_path: Path) -> Path:
    """``sauvegardes/`` beside the database: visible, and moved with it."""
    return Path(db_path).expanduser().resolve().parent / BACKUP_FOLDER


def _target(folder: Path, stem: str, kind: str, when: dt.datetime) -> Path:
    base = f"{stem}.{kind}-{when.strftime(STAMP_FORMAT)}"
    target = folder / f"{base}.sqlite"
    counter = 1
    while target.exists():
        counter += 1
        target = folder / f"{base}-{counter}.sqlite"
    return target


def parse_backup_name(path: Path) -> Optional[tuple[str, str, dt.datetime]]:
    """(database stem, kind, time) from a backup's file name; None for other files."""
    match = _NAME.match(path.name)
    if not match:
        return None
    try:
        when = dt.datetime.strptime(match["stamp"], STAMP_FORMAT)
    except ValueError:
        return None
    return match["stem"], match["kind"], when


def list_backups(db_path: Path) -> list[BackupInfo]:
    """Backups of this database, newest first: those of ``sauvegardes/`` and the copies
    ``open_database`` leaves beside the file before a schema upgrade."""
    db_path = Path(db_path).expanduser().resolve()
    found: list[BackupInfo] = []
    for folder in (backup_dir(db_path), db_path.parent):
        if not folder.is_dir():
            continue
        for candidate in folder.glob(f"{glob_escape(db_path.stem)}.*.sqlite"):
            parsed = parse_backup_name(candidate)
            if parsed is None or parsed[0] != db_path.stem or not candidate.is_file():
                continue
            found.append(BackupInfo(candidate, parsed[2], candidate.stat().st_size, parsed[1]))
    return sorted(found, key=lambda b: (b.taken_at, b.path.name), reverse=True)


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


# --- taking a backup ----------------------------------------------------------------------


def copy_database(source: Path, target: Path, key: Optional[Passphrase] = None) -> Path:
    """Consistent copy of ``source`` to ``target`` (replaced only once the copy is complete).

    The copy is written to a temporary name and renamed: a failure (disk full, source
    unreadable) leaves neither a half-written file nor a damaged earlier one. With
    ``key`` (an encrypted base) the copy is encrypted with the same passphrase.
    """
    source, target = Path(source), Path(target)
    if not source.is_file():
        raise DatabaseOpenError(f"La base « {source} » n'existe pas : rien à sauvegarder.")
    if source.resolve() == target.resolve():
        raise DatabaseOpenError("La copie doit être enregistrée sous un autre nom que la base elle-même.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partiel")
    partial.unlink(missing_ok=True)
    src = open_connection(source, key, read_only=True)
    try:
        dst = open_connection(partial, key)
    except BaseException:
        src.close()
        raise
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
        dst.close()
        os.replace(partial, target)
    except BaseException as error:
        dst.close()
        partial.unlink(missing_ok=True)
        if isinstance(error, (*ERRORS, OSError)):
            raise DatabaseOpenError(f"La copie de « {source.name} » vers « {target} » a échoué : {error}.") from None
        raise
    finally:
        src.close()
    return target


def make_backup(db_path: Path, kind: str = AUTO, now: Optional[dt.datetime] = None,
                key: Optional[Passphrase] = None) -> BackupInfo:
    """A new backup of ``db_path`` in its ``sauvegardes/`` folder (encrypted like the base)."""
    db_path = Path(db_path).expanduser().resolve()
    when = now or dt.datetime.now()
    target = copy_database(db_path, _target(backup_dir(db_path), db_path.stem, kind, when), key)
    return BackupInfo(target, when.replace(microsecond=0), target.stat().st_size, kind)


def last_automatic(db_path: Path) -> Optional[BackupInfo]:
    return next((b for b in list_backups(db_path) if b.kind == AUTO), None)


def automatic_backup_due(db_path: Path, now: Optional[dt.datetime] = None) -> bool:
    """True when the newest automatic backup is older than a day (or there is none)."""
    last = last_automatic(db_path)
    now = now or dt.datetime.now()
    return last is None or now - last.taken_at >= AUTO_INTERVAL or last.taken_at > now


def backups_to_remove(backups: Iterable[BackupInfo], policy: RetentionPolicy) -> list[BackupInfo]:
    """Automatic backups outside the policy (other kinds are never removed)."""
    autos = sorted((b for b in backups if b.kind == AUTO), key=lambda b: b.taken_at, reverse=True)
    keep: set[Path] = set()
    days: list[dt.date] = []
    months: list[tuple[int, int]] = []
    for backup in autos:  # newest first: the first one seen of a day / month is its newest
        day = backup.taken_at.date()
        if day not in days and len(days) < policy.daily:
            days.append(day)
            keep.add(backup.path)
        month = (day.year, day.month)
        if month not in months and len(months) < policy.monthly:
            months.append(month)
            keep.add(backup.path)
    return [b for b in autos if b.path not in keep]


def rotate(db_path: Path, policy: RetentionPolicy) -> list[Path]:
    removed = []
    for backup in backups_to_remove(list_backups(db_path), policy):
        try:
            backup.path.unlink()
            removed.append(backup.path)
        except OSError:
            pass  # a backup that cannot be removed now will be next time
    return removed


def automatic_backup(db_path: Path, policy: RetentionPolicy = RetentionPolicy(),
                     now: Optional[dt.datetime] = None, key: Optional[Passphrase] = None) -> Optional[BackupInfo]:
    """The start-up backup: taken if the last one is older than a day, then rotated."""
    if not automatic_backup_due(db_path, now):
        return None
    backup = make_backup(db_path, AUTO, now, key)
    rotate(db_path, policy)
    return backup


# --- checking a file ------------------------------------------------------------------------


def check_database_file(path: Path, key: Optional[Passphrase] = None) -> CheckReport:
    """Integrity (PRAGMA integrity_check) and schema version of a file, read-only.

    Opened read-only and never migrated: checking a backup must not change it. An
    encrypted file is read with ``key`` (a plain one without it); ``encrypted`` says which.
    """
    path = Path(path).expanduser()
    report = CheckReport(path, head=head_revision())
    if not path.is_file():
        report.problems.append(f"Le fichier « {path} » n'existe pas.")
        return report
    report.encrypted = is_encrypted(path)
    if report.encrypted and key is None:
        report.problems.append(f"« {path.name} » est chiffrée (ou n'est pas une base SQLite) : sa phrase secrète est "
                               "nécessaire pour la vérifier.")
        return report
    try:
        conn = open_connection(path, key if report.encrypted else None, read_only=True)
    except WrongPassphrase:
        report.problems.append(f"La phrase secrète de la base n'ouvre pas « {path.name} » (chiffrée avec une autre "
                               "phrase secrète, endommagée, ou pas une base PRE Desktop).")
        return report
    except ERRORS as error:
        report.problems.append(f"Le fichier « {path.name} » ne peut pas être ouvert : {error}.")
        return report
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check(20)").fetchall()]
        if rows != ["ok"]:
            report.problems.append(
                f"La base « {path.name} » est endommagée (contrôle d'intégrité SQLite : "
                + "; ".join(rows[:5]) + (" …" if len(rows) > 5 else "") + ")."
            )
            return report
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if VERSION_TABLE not in tables:
            report.problems.append(
                f"Le fichier « {path.name} » n'est pas une base PRE Desktop (aucune version de schéma enregistrée)."
                if tables else f"Le fichier « {path.name} » est vide : ce n'est pas une base PRE Desktop."
            )
            return report
        found = conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchall()
        report.revision = found[0][0] if found else None
    except DATABASE_ERRORS as error:
        report.problems.append(
            f"La base « {path.name} » est endommagée : SQLite ne peut pas en lire la structure."
            if "malformed" in str(error) else
            f"Le fichier « {path.name} » n'est pas une base SQLite lisible (endommagé ou d'un autre type) : {error}."
        )
        return report
    finally:
        conn.close()
    if report.revision is None:
        report.problems.append(f"La base « {path.name} » n'a pas de version de schéma enregistrée.")
    elif report.revision not in revision_ids():
        report.problems.append(
            f"La base « {path.name} » a été enregistrée par une version plus récente de PRE Desktop "
            f"(schéma « {report.revision} », inconnu de cette version) : installez la dernière version."
        )
    return report


# --- restoring ----------------------------------------------------------------------------


def restore_backup(backup: Path, db_path: Path, now: Optional[dt.datetime] = None,
                   key: Optional[Passphrase] = None) -> BackupInfo:
    """Replace the content of ``db_path`` by ``backup``; returns the copy kept of the old base.

    The backup is checked first (integrity, a schema this version knows); then the
    current base is copied to ``sauvegardes/`` (or, if it is too damaged for SQLite to
    read, its file is copied as it is); only then is it overwritten. The caller must
    have closed its own connections to ``db_path``. ``key``: the passphrase of an
    encrypted base; the restored base stays encrypted with it, even from a backup
    taken before the base was encrypted.
    """
    backup, db_path = Path(backup).expanduser(), Path(db_path).expanduser().resolve()
    report = check_database_file(backup, key)
    if not report.ok:
        raise DatabaseOpenError("Restauration refusée, la base actuelle n'a pas été modifiée. " + " ".join(report.problems))
    if backup.resolve() == db_path:
        raise DatabaseOpenError("Ce fichier est la base actuelle : choisissez une sauvegarde.")
    when = now or dt.datetime.now()
    kept, readable = _keep_current(db_path, when, key)
    if not readable:  # nothing of the damaged file is worth writing over: start from a new one
        remove_files(db_path)
    source, source_key = backup, (key if report.encrypted else None)
    if key is not None and not report.encrypted:  # a plain backup comes back encrypted
        source = backup_dir(db_path) / f"{db_path.stem}.restauration{CONVERTING_SUFFIX}"
        source_key = key
    try:
        if source != backup:
            export_encrypted(backup, source, key)  # type: ignore[arg-type]
        src = open_connection(source, source_key, read_only=True)
        dst = open_connection(db_path, key)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
    except (*ERRORS, DatabaseOpenError) as error:
        raise DatabaseOpenError(
            f"La restauration a échoué ({error}). La base d'avant a été gardée dans « {kept.path} »."
        ) from None
    finally:
        if source != backup:
            remove_files(source)
    return kept


def _keep_current(db_path: Path, when: dt.datetime, key: Optional[Passphrase] = None) -> tuple[BackupInfo, bool]:
    """Copy of the base about to be replaced; False when SQLite could not read it."""
    target = _target(backup_dir(db_path), db_path.stem, BEFORE_RESTORE, when)
    if not db_path.exists():
        raise DatabaseOpenError(f"La base « {db_path} » n'existe pas.")
    readable = check_database_file(db_path, key).ok
    try:
        if not readable:
            raise DatabaseOpenError("damaged")
        copy_database(db_path, target, key if is_encrypted(db_path) else None)
    except DatabaseOpenError:
        # Unreadable for SQLite (damaged): keep its bytes as they are, they may still be rescued.
        readable = False
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(db_path, target)
            for suffix in ("-wal", "-shm"):
                companion = db_path.with_name(db_path.name + suffix)
                if companion.exists():
                    shutil.copy2(companion, target.with_name(target.name + suffix))
        except OSError as error:
            target.unlink(missing_ok=True)
            raise DatabaseOpenError(
                f"La copie de la base actuelle n'a pas pu être faite ({error}) : restauration annulée, "
                "rien n'a été modifié."
            ) from None
    return BackupInfo(target, when.replace(microsecond=0), target.stat().st_size, BEFORE_RESTORE), readable


def describe_size(size: int) -> str:
    """``1,2 Mo`` / ``340 ko``: how the French-speaking user reads a file size."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")
    return f"{max(1, round(size / 1024))} ko"


def is_current_schema(report: CheckReport) -> bool:
    return report.ok and report.revision == head_revision()
