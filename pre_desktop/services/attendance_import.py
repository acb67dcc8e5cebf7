"""The monthly table coming back from the partner, filled in (.xlsx): attendance and answers.

The file is the one ``exports.monthly_table`` wrote; its layout is defined here (the
exchange format belongs to the import that must read it back). Every line is checked
(unknown beneficiary, a beneficiary of another partner, date outside the month,
unknown type or status, a line twice) and then every session goes through the same
rules as one typed by hand (``services.session_batches``). Any error → a report
listing each one by sheet and line, and nothing written; otherwise the sessions and
answers are recorded in the caller's one transaction, traced in the audit log.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..formatting import fr_month
from ..models import AuditAction, CareReferral, Partner, SessionKind, SessionStatus
from ..textnorm import fold
from . import audit
from .common import get_or_fail
from .errors import DomainError
from .labels import label
from .reports import _beneficiary_names, _month_bounds
from .session_batches import BeneficiaryMonth, EntryInput, RowError, RowsRefused, SaveResult, followed_in, save_month
from .session_codes import KIND_CODES, STATUS_CODES

# --------------------------------------------------------------------------- the exchange format

TABLE_SHEET = "Tableau mensuel"
SESSIONS_SHEET = "Séances"
META_SHEET = "pre_desktop"
META_VERSION = "tableau-mensuel-1"
KEY_HEADER = "N° fiche"
ANSWER_HEADER = "Vient régulièrement (oui / non)"
REMARK_HEADER = "Remarque"
SESSION_HEADERS = ("N° fiche", "Nom", "Prénom", "Date", "Type", "Statut", "N° séance")
YES, NO = "oui", "non"

_KIND_WORDS: dict[str, SessionKind] = {fold(label(k)): k for k in SessionKind} | {
    "individuel": SessionKind.INDIVIDUAL, "parents": SessionKind.PARENTS, "parent": SessionKind.PARENTS,
    "familial": SessionKind.FAMILY, "famille": SessionKind.FAMILY} | {fold(c): k for c, k in KIND_CODES.items()}
_STATUS_WORDS: dict[str, SessionStatus] = {fold(label(s)): s for s in SessionStatus} | {
    "present": SessionStatus.PRESENT, "presente": SessionStatus.PRESENT, "excuse": SessionStatus.EXCUSED,
    "absent excuse": SessionStatus.EXCUSED, "absente excusee": SessionStatus.EXCUSED,
    "absent non excuse": SessionStatus.UNEXCUSED, "absente non excusee": SessionStatus.UNEXCUSED,
    "non excuse": SessionStatus.UNEXCUSED, "annule": SessionStatus.CANCELLED, "annulee": SessionStatus.CANCELLED,
} | {fold(c): s for c, s in STATUS_CODES.items()}
_ANSWERS = {"oui": True, "o": True, "non": False, "n": False}


@dataclass(frozen=True)
class ImportResult:
    partner_id: int
    partner_name: str
    month_label: str
    saved: SaveResult
    lines: int  # session lines read

    def summary(self) -> str:
        text = (f"Tableau mensuel de {self.partner_name} pour {self.month_label} : {self.lines} ligne(s) de séance "
                f"lue(s). {self.saved.summary()}")
        if self.saved.warnings:
            text += "\nÀ noter :\n" + "\n".join(f"• {w}" for w in self.saved.warnings)
        return text


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _int(value: Any) -> Optional[int]:
    text = _text(value)
    if not text:
        return None
    return int(text) if re.fullmatch(r"\d{1,9}", text) else -1


def _date(value: Any) -> Optional[dt.date]:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    for fmt in ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    return None


def _header_row(ws: Any, first: str = KEY_HEADER) -> tuple[int, dict[str, int]]:
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 30)):
        if row and _text(row[0].value) == first:
            return row[0].row, {_text(c.value): c.column - 1 for c in row if _text(c.value)}
    raise DomainError(f"La feuille « {ws.title} » n'a pas de ligne d'en-tête commençant par « {first} ».", "file")


def _meta(workbook: Any) -> tuple[int, int, int]:
    not_ours = ("Ce fichier n'est pas un tableau mensuel exporté par PRE Desktop (feuille « pre_desktop » "
                "absente ou modifiée) : exportez le tableau du partenaire au format .xlsx et faites-le remplir.")
    if META_SHEET not in workbook.sheetnames or TABLE_SHEET not in workbook.sheetnames \
            or SESSIONS_SHEET not in workbook.sheetnames:
        raise DomainError(not_ours, "file")
    values = {_text(r[0]): r[1] for r in workbook[META_SHEET].iter_rows(values_only=True) if r and len(r) >= 2}
    match = re.fullmatch(r"(\d{4})-(\d{2})", _text(values.get("month")))
    partner_id = _int(values.get("partner_id"))
    if _text(values.get("format")) != META_VERSION or match is None or not partner_id or partner_id < 0:
        raise DomainError(not_ours, "file")
    return partner_id, int(match.group(1)), int(match.group(2))


def _open(path: Path) -> Any:
    try:
        return load_workbook(str(path), data_only=True)
    except FileNotFoundError:
        raise DomainError(f"Fichier introuvable : {path}", "file") from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise DomainError(f"Le fichier « {Path(path).name} » ne peut pas être lu comme un classeur .xlsx ({error}).",
                          "file") from None


def import_attendance(session: Session, path: Path | str) -> ImportResult:
    """Check the whole file, then record its sessions and answers; ``RowsRefused`` lists every error."""
    workbook = _open(Path(path))
    partner_id, year, month = _meta(workbook)
    partner = get_or_fail(session, Partner, partner_id, "Structure partenaire", "file")
    y, m, start, end = _month_bounds(year, month)
    period = fr_month(y, m)
    errors: list[RowError] = []

    # The fiches named in the file, and the partner's beneficiaries of the month to find one by name.
    table_ws, sessions_ws = workbook[TABLE_SHEET], workbook[SESSIONS_SHEET]
    t_head, t_cols = _header_row(table_ws)
    s_head, s_cols = _header_row(sessions_ws)
    missing = [h for h in SESSION_HEADERS[:6] if h not in s_cols]
    if missing or ANSWER_HEADER not in t_cols or REMARK_HEADER not in t_cols:
        raise DomainError("Colonnes attendues absentes : " + ", ".join(
            missing + [h for h in (ANSWER_HEADER, REMARK_HEADER) if h not in t_cols]) + ".", "file")
    table_rows = [(r[0].row, [c.value for c in r]) for r in table_ws.iter_rows(min_row=t_head + 1)]
    session_rows = [(r[0].row, [c.value for c in r]) for r in sessions_ws.iter_rows(min_row=s_head + 1)]
    ids = {i for _, v in table_rows + session_rows if (i := _int(v[0] if v else None)) and i > 0}
    fiches = {cr.id: cr for cr in session.scalars(
        select(CareReferral).where(CareReferral.id.in_(ids))
        .options(selectinload(CareReferral.child), selectinload(CareReferral.guardian)))}
    own = {}
    for cr in session.scalars(select(CareReferral).where(CareReferral.partner_id == partner.id)
                              .options(selectinload(CareReferral.child), selectinload(CareReferral.guardian))):
        if followed_in(cr, start, end):
            own.setdefault(tuple(fold(n) for n in _beneficiary_names(cr)), []).append(cr)

    def fiche(where: str, value: Any, last: str, first: str) -> Optional[CareReferral]:
        number = _int(value)
        if number is None:
            if not last:
                errors.append(RowError(where, "indiquez le N° de fiche ou le nom et le prénom du bénéficiaire."))
                return None
            found = own.get((fold(last), fold(first)), [])
            if len(found) != 1:
                errors.append(RowError(where, f"bénéficiaire inconnu : « {last} {first} » n'est pas suivi par "
                                       f"{partner.name} en {period}" + (" (plusieurs fiches : indiquez le N° de fiche)."
                                                                        if found else ".")))
                return None
            return found[0]
        cr = fiches.get(number)
        if cr is None:
            errors.append(RowError(where, f"bénéficiaire inconnu (N° de fiche {_text(value)})."))
            return None
        if cr.partner_id != partner.id:
            errors.append(RowError(where, f"la fiche n° {cr.id} est celle d'un bénéficiaire d'un autre partenaire.", cr.id))
            return None
        if not followed_in(cr, start, end):
            errors.append(RowError(where, f"la fiche n° {cr.id} n'était pas suivie par {partner.name} en {period}.",
                                   cr.id))
            return None
        names = _beneficiary_names(cr)
        if last and fold(last) != fold(names[0]):
            errors.append(RowError(where, f"la fiche n° {cr.id} est celle de {names[0]} {names[1]}, pas de « {last} ».",
                                   cr.id))
            return None
        return cr

    rows: dict[int, BeneficiaryMonth] = {}

    def row_for(cr: CareReferral, where: str) -> BeneficiaryMonth:
        return rows.setdefault(cr.id, BeneficiaryMonth(cr.id, [], replace=False, where=where))

    for number, values in table_rows:
        get = lambda h: values[t_cols[h]] if t_cols[h] < len(values) else None  # noqa: E731
        answer, remark = fold(_text(get(ANSWER_HEADER))), _text(get(REMARK_HEADER))
        if not _text(values[0] if values else None) and not answer and not remark:
            continue
        where = f"{TABLE_SHEET}, ligne {number}"
        if answer and answer not in _ANSWERS:
            errors.append(RowError(where, f"« {_text(get(ANSWER_HEADER))} » : répondez « oui » ou « non »."))
            continue
        cr = fiche(where, values[0], _text(get("Nom")) if "Nom" in t_cols else "",
                   _text(get("Prénom")) if "Prénom" in t_cols else "")
        if cr is None or (not answer and not remark):
            continue
        row = row_for(cr, where)
        row.answer_given, row.comes_regularly, row.remark = True, _ANSWERS.get(answer), remark or None

    seen: dict[tuple[int, dt.date, SessionKind], int] = {}
    lines = 0
    for number, values in session_rows:
        get = lambda h: values[s_cols[h]] if h in s_cols and s_cols[h] < len(values) else None  # noqa: E731
        if not any(_text(get(h)) for h in SESSION_HEADERS):
            continue
        lines += 1
        where = f"{SESSIONS_SHEET}, ligne {number}"
        problems = []
        day = _date(get("Date"))
        if day is None:
            problems.append(f"« {_text(get('Date'))} » n'est pas une date (JJ/MM/AAAA)." if _text(get("Date"))
                            else "date manquante.")
        elif not start <= day <= end:
            problems.append(f"la date {day:%d/%m/%Y} n'est pas dans le mois du tableau ({period}).")
        kind_text, status_text = _text(get("Type")), _text(get("Statut"))
        kind = _KIND_WORDS.get(fold(kind_text)) if kind_text else SessionKind.INDIVIDUAL
        if kind is None:
            problems.append(f"type d'entretien inconnu « {kind_text} » (individuel, parents ou familial).")
        status = _STATUS_WORDS.get(fold(status_text))
        if status is None:
            problems.append(f"statut inconnu « {status_text} » (présent, absent excusé, absent non excusé, annulé "
                            "par le partenaire)." if status_text else "statut manquant.")
        session_id = _int(get("N° séance"))
        if session_id == -1:
            problems.append(f"« {_text(get('N° séance'))} » n'est pas un numéro de séance.")
        cr = fiche(where, get("N° fiche"), _text(get("Nom")), _text(get("Prénom")))
        errors += [RowError(where, p, cr.id if cr else None) for p in problems]
        if cr is None or problems:
            continue
        assert day is not None and kind is not None and status is not None
        key = (cr.id, day, kind)
        if key in seen:
            errors.append(RowError(where, f"séance en double avec la ligne {seen[key]} (même bénéficiaire, même date, "
                                   "même type).", cr.id))
            continue
        seen[key] = number
        row_for(cr, where).entries.append(EntryInput(day, kind, status, session_id=session_id, where=where))
    if errors:
        raise RowsRefused(errors)
    saved = save_month(session, partner_id=partner.id, year=y, month=m, rows=list(rows.values()), confirm=True)
    audit.record(session, AuditAction.UPDATE, "partner", partner.id,
                 summary=f"Import du tableau mensuel {period} ({Path(path).name}) : {saved.summary()}")
    session.flush()
    return ImportResult(partner.id, partner.name, period, saved, lines)
