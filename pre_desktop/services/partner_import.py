"""Import a partners directory from a spreadsheet (.xlsx) or a text table (.csv).

Coordinators inherit directories kept in Excel or exported from another tool, with
their own column names, separators and encodings. The import therefore reads the
file as it is, proposes a mapping of its columns to the directory's fields (by
header names, accents and case ignored), lets the user correct it, and checks every
row with the same rules as the partner form. If any row is refused, nothing is
written and each refusal is reported with its line number and field: a directory
half imported would be worse than none.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Partner, PartnerContact, PartnerType
from ..textnorm import fold
from .access import require_directory
from .errors import DomainError
from .partners import validated_contact, validated_partner

ENCODINGS = ("utf-8-sig", "cp1252")  # utf-8-sig also reads plain UTF-8; cp1252 is what Excel writes on Windows
MAX_ROWS = 5000


@dataclass(frozen=True)
class Target:
    """A field of the directory a column can fill, with the header names that mean it."""

    key: str
    label: str
    synonyms: tuple[str, ...]


TARGETS: tuple[Target, ...] = (
    Target("name", "Nom de la structure", ("nom de la structure", "nom", "structure", "raison sociale",
                                           "etablissement", "partenaire", "nom du partenaire")),
    Target("type", "Type de structure", ("type de structure", "type", "categorie", "nature")),
    Target("address", "Adresse", ("adresse", "adresse postale", "rue")),
    Target("postal_code", "Code postal", ("code postal", "cp", "code_postal")),
    Target("town", "Commune", ("commune", "ville", "localite")),
    Target("phone", "Téléphone", ("telephone", "tel", "tel.", "telephone de la structure", "standard")),
    Target("email", "Courriel", ("courriel", "email", "e-mail", "mail", "adresse mail", "adresse electronique")),
    Target("sector", "Secteur", ("secteur", "secteur psychiatrique", "territoire", "quartier")),
    Target("age_min", "Âge minimum", ("age minimum", "age min", "age min.", "age_min", "de (ans)")),
    Target("age_max", "Âge maximum", ("age maximum", "age max", "age max.", "age_max", "a (ans)")),
    Target("notes", "Notes", ("notes", "remarques", "observations", "commentaires", "commentaire")),
    Target("active", "Structure active", ("structure active", "active", "actif", "actif ?", "en activite")),
    Target("contact_name", "Contact : nom", ("contact : nom", "contact", "nom du contact", "interlocuteur",
                                             "personne a contacter", "referent")),
    Target("contact_function", "Contact : fonction", ("contact : fonction", "fonction", "fonction du contact")),
    Target("contact_phone", "Contact : téléphone", ("contact : telephone", "telephone du contact", "tel contact",
                                                     "telephone contact")),
    Target("contact_email", "Contact : courriel", ("contact : courriel", "courriel du contact", "email du contact",
                                                    "mail du contact", "email contact", "mail contact")),
)
TARGET_LABELS = {t.key: t.label for t in TARGETS}
PARTNER_KEYS = ("name", "type", "address", "postal_code", "town", "phone", "email", "sector", "age_min", "age_max",
                "notes", "active")
CONTACT_KEYS = {"contact_name": "name", "contact_function": "function", "contact_phone": "phone",
                "contact_email": "email"}


@dataclass
class Table:
    """A file's cells as text: its header row and the data rows with their line numbers in the file."""

    path: Path
    headers: list[str]
    rows: list[tuple[int, list[str]]]
    delimiter: Optional[str] = None  # csv only
    encoding: Optional[str] = None  # csv only

    def cell(self, row: list[str], column: Optional[int]) -> str:
        return row[column].strip() if column is not None and column < len(row) else ""


@dataclass(frozen=True)
class RowError:
    line: int
    field: str  # the target key ("email", "contact_email", "type"…)
    field_label: str
    message: str


@dataclass
class ImportReport:
    """What the check found: the rows ready to write, the refusals, the rows already in the directory."""

    rows: list[tuple[int, dict[str, Any], Optional[dict[str, Any]]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    already_present: list[tuple[int, str]] = field(default_factory=list)  # (line, name)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self, written: bool = False) -> str:
        parts = [f"{len(self.rows)} structure(s) {'ajoutée(s)' if written else 'à ajouter'}"]
        contacts = sum(1 for _, _, contact in self.rows if contact)
        if contacts:
            parts.append(f"{contacts} contact(s)")
        if self.already_present:
            parts.append(f"{len(self.already_present)} déjà dans l'annuaire (ignorée(s))")
        if self.errors:
            lines = len({e.line for e in self.errors})
            parts.append(f"{lines} ligne(s) refusée(s)")
        return ", ".join(parts) + "."


class ImportRefused(DomainError):
    """At least one row is refused: nothing was written; ``report`` says which and why."""

    def __init__(self, report: ImportReport) -> None:
        lines = len({e.line for e in report.errors})
        super().__init__(f"Import refusé : {lines} ligne(s) comportent une erreur. Rien n'a été enregistré.", None)
        self.report = report


# --------------------------------------------------------------------------- reading


def read_table(path: Path | str) -> Table:
    """Read the first sheet of an .xlsx, or a .csv (separator ; or , and encoding detected)."""
    path = Path(path)
    if not path.is_file():
        raise DomainError(f"Fichier introuvable : {path}", "path")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        table = _read_xlsx(path)
    elif suffix in (".csv", ".txt"):
        table = _read_csv(path)
    else:
        raise DomainError(f"Format de fichier non pris en charge : « {path.suffix or path.name} » "
                          "(choisissez un fichier .xlsx ou .csv).", "path")
    if not any(table.headers):
        raise DomainError("Le fichier ne contient pas de ligne d'en-tête (noms des colonnes).", "path")
    if len(table.rows) > MAX_ROWS:
        raise DomainError(f"Le fichier contient {len(table.rows)} lignes : {MAX_ROWS} au plus par import.", "path")
    return table


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an age or a postal code typed as a number
    return str(value).strip()


def _read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException
    from zipfile import BadZipFile

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError) as error:
        raise DomainError(f"Le fichier « {path.name} » n'est pas un classeur .xlsx lisible ({error}).", "path") from None
    try:
        sheet = workbook.worksheets[0]
        headers: Optional[list[str]] = None
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_text(v) for v in values]
            if not any(cells):
                continue
            if headers is None:
                headers = cells
            else:
                rows.append((number, cells))
    finally:
        workbook.close()
    return Table(path, _trim(headers or []), rows)


def _decode(data: bytes, name: str) -> tuple[str, str]:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise DomainError(f"Le fichier « {name} » n'est pas un texte lisible (encodage inconnu).", "path")  # pragma: no cover


def _delimiter(text: str) -> str:
    """; (French Excel) or , — the one that splits the header line into more columns, outside quotes."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: len(next(csv.reader([first], delimiter=d), [])) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ";"))


def _read_csv(path: Path) -> Table:
    text, encoding = _decode(path.read_bytes(), path.name)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: Optional[list[str]] = None
    rows: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for cells in reader:
            cells = [c.strip() for c in cells]
            if any(cells):
                if headers is None:
                    headers = cells
                else:
                    rows.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as error:
        raise DomainError(f"Ligne {reader.line_num} : le fichier CSV est mal formé ({error}).", "path") from None
    return Table(path, _trim(headers or []), rows, delimiter, encoding)


def _trim(headers: list[str]) -> list[str]:
    """Drop the empty header cells at the end (Excel keeps formatted but empty columns)."""
    while headers and not headers[-1]:
        headers.pop()
    return headers


# --------------------------------------------------------------------------- mapping


def _header_key(text: str) -> str:
    return re.sub(r"\s+", " ", fold(text).replace("_", " ").replace("’", "'")).strip(" :*")


def propose_mapping(headers: list[str]) -> dict[str, Optional[int]]:
    """For each target field, the column whose header names it (or None).

    Exact synonyms win over partial ones, and a column is used for one field only.
    """
    keys = [_header_key(h) for h in headers]
    mapping: dict[str, Optional[int]] = {t.key: None for t in TARGETS}
    used: set[int] = set()
    for target in TARGETS:  # exact names first, in the targets' order
        wanted = {_header_key(s) for s in target.synonyms}
        for column, key in enumerate(keys):
            if column not in used and key in wanted:
                mapping[target.key] = column
                used.add(column)
                break
    return mapping


def check_mapping(mapping: dict[str, Optional[int]], headers: list[str]) -> None:
    """The name and the type are needed to create a partner; one column feeds one field."""
    unknown = sorted(set(mapping) - set(TARGET_LABELS))
    if unknown:
        raise DomainError(f"Champ d'import inconnu : « {unknown[0]} ».", unknown[0])
    for key in ("name", "type"):
        if mapping.get(key) is None:
            raise DomainError(f"Choisissez la colonne qui contient « {TARGET_LABELS[key]} ».", key)
    seen: dict[int, str] = {}
    for key, column in mapping.items():
        if column is None:
            continue
        if not 0 <= column < len(headers):
            raise DomainError(f"Colonne n° {column + 1} absente du fichier.", key)
        if column in seen:
            raise DomainError(f"La colonne « {headers[column]} » est choisie pour « {TARGET_LABELS[seen[column]]} » "
                              f"et pour « {TARGET_LABELS[key]} » : une colonne ne remplit qu'un champ.", key)
        seen[column] = key


# --------------------------------------------------------------------------- checking


def _type_index(session: Session) -> dict[str, int]:
    """Each type findable by its code, its label, its label without the abbreviation, or the abbreviation."""
    index: dict[str, int] = {}
    for ptype in session.scalars(select(PartnerType)):
        names = {ptype.code, ptype.label, ptype.code.replace("_", " ")}
        match = re.search(r"\(([^)]+)\)\s*$", ptype.label)
        if match:
            names |= {match.group(1), ptype.label[: match.start()]}
        for name in names:
            index.setdefault(fold(name).strip(), ptype.id)
    return index


def _error(line: int, error: DomainError, contact: bool = False) -> RowError:
    key = error.field or "name"
    if contact:
        key = {v: k for k, v in CONTACT_KEYS.items()}.get(key, key)
    elif key == "type_id":
        key = "type"
    return RowError(line, key, TARGET_LABELS.get(key, key), error.message)


def _every_refusal(check: Callable[[dict[str, Any]], dict[str, Any]],
                   values: dict[str, Any]) -> tuple[Optional[dict[str, Any]], list[DomainError]]:
    """``check(values)``, and when it refuses a field, again without that field's value (a
    stand-in for a required one) until it passes: each refused field once, in the form's order."""
    values, refusals = dict(values), []
    for _ in range(len(values) + 1):
        try:
            checked = check(values)
        except DomainError as error:
            repeated = any(e.field == error.field for e in refusals)
            if not repeated:
                refusals.append(error)
            if repeated or error.field not in values:
                return None, refusals
            values[error.field] = None if values[error.field] not in (None, "") else "?"
            continue
        return (None if refusals else checked), refusals
    return None, refusals


def check_rows(session: Session, table: Table, mapping: dict[str, Optional[int]]) -> ImportReport:
    """Every row checked with the partner form's rules; nothing is written."""
    check_mapping(mapping, table.headers)
    types = _type_index(session)
    existing = {(fold(name), fold(town)) for name, town in session.execute(select(Partner.name, Partner.town))}
    first_line: dict[tuple[str, str], int] = {}
    report = ImportReport()
    for line, cells in table.rows:
        values = {key: table.cell(cells, mapping.get(key)) for key in PARTNER_KEYS}
        if not any(values.values()) and not any(table.cell(cells, mapping.get(k)) for k in CONTACT_KEYS):
            continue
        type_text = values.pop("type")
        type_id = types.get(fold(type_text).strip())
        errors: list[RowError] = []
        if type_id is None:
            message = (f"Le type de structure « {type_text} » est inconnu : utilisez un type de l'écran "
                       "« Types de structure » (ex. CMP enfants, CMPP, MDA) ou ajoutez-le."
                       if type_text else "Le champ « Type de structure » est obligatoire.")
            errors.append(RowError(line, "type", TARGET_LABELS["type"], message))
        if mapping.get("active") is None or not values["active"]:
            values["active"] = True
        # every refused field of the row, so that the file is corrected in one go
        partner, refusals = _every_refusal(
            lambda v: validated_partner(session, v, defaults_from_type=True),
            values | {"type_id": type_id if type_id is not None else next(iter(types.values()), None)})
        errors += [_error(line, error) for error in refusals if type_id is not None or error.field != "type_id"]
        contact_values = {field: table.cell(cells, mapping.get(key)) for key, field in CONTACT_KEYS.items()}
        contact: Optional[dict[str, Any]] = None
        if any(contact_values.values()):
            contact, refusals = _every_refusal(validated_contact, contact_values)
            errors += [_error(line, error, contact=True) for error in refusals]
        if errors or partner is None:
            report.errors += errors
            continue
        identity = (fold(partner["name"]), fold(partner["town"]))
        if identity in first_line:
            report.errors.append(RowError(line, "name", TARGET_LABELS["name"],
                                          f"« {partner['name']} » apparaît déjà ligne {first_line[identity]} "
                                          "(même nom, même commune)."))
            continue
        first_line[identity] = line
        if identity in existing:
            report.already_present.append((line, partner["name"]))
            continue
        report.rows.append((line, partner, contact))
    return report


def import_partners(session: Session, table: Table, mapping: dict[str, Optional[int]]) -> ImportReport:
    """Write the checked rows, or nothing at all if one is refused (ImportRefused carries the report)."""
    require_directory(session)
    report = check_rows(session, table, mapping)
    if not report.ok:
        raise ImportRefused(report)
    for _line, values, contact in report.rows:
        partner = Partner(**values)
        if contact:
            partner.contacts.append(PartnerContact(**contact))
        session.add(partner)
    session.flush()
    return report
