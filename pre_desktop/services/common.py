"""Small helpers every service uses: loading a record, checking its version,
validating required text and dates. One place, so every refusal reads the same."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, Optional, TypeVar

from sqlalchemy.orm import Session

from .clock import today
from .errors import DomainError, NotFoundError, StaleRecordError

T = TypeVar("T")


def get_or_fail(session: Session, model: type[T], record_id: Optional[int], what: str,
                field: Optional[str] = None) -> T:
    """Load a record or refuse with "<what> introuvable" (deleted meanwhile, wrong id).

    ``field`` names the input that held the id when it comes from a form (a référent, a type…).
    """
    obj = session.get(model, record_id) if record_id is not None else None
    if obj is None:
        raise NotFoundError(f"{what} introuvable (n° {record_id}).", field)
    return obj


def check_version(obj: Any, expected_version: Optional[int], what: str) -> None:
    """Refuse to save over a record that changed since the user read it."""
    if expected_version is not None and obj.version != expected_version:
        raise StaleRecordError(what)


def required_text(value: Optional[str], field: str, label: str, max_length: int = 200) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(f"Le champ « {label} » est obligatoire.", field)
    if len(text) > max_length:
        raise DomainError(f"Le champ « {label} » est trop long ({len(text)} caractères, {max_length} au plus).", field)
    return text


def optional_text(value: Optional[str], field: str, label: str, max_length: int = 200) -> Optional[str]:
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > max_length:
        raise DomainError(f"Le champ « {label} » est trop long ({len(text)} caractères, {max_length} au plus).", field)
    return text


MIN_YEAR, MAX_YEAR = 1900, 2100


def as_date(value: Any, field: str, label: str, *, required: bool = True) -> Optional[dt.date]:
    """Accept a date, or text as JJ/MM/AAAA or AAAA-MM-JJ; refuse anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise DomainError(f"Le champ « {label} » est obligatoire.", field)
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                day = dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
            # "12/03/0026" parses; a year typed short is a typing slip, not the first century.
            if not MIN_YEAR <= day.year <= MAX_YEAR:
                raise DomainError(f"« {value} » : l'année de « {label} » doit s'écrire sur quatre chiffres "
                                  f"(entre {MIN_YEAR} et {MAX_YEAR}).", field)
            return day
    raise DomainError(f"« {value} » n'est pas une date valide pour « {label} » (format JJ/MM/AAAA).", field)


def not_in_future(day: Optional[dt.date], field: str, label: str) -> None:
    if day is not None and day > today():
        raise DomainError(f"La date « {label} » ne peut pas être dans le futur.", field)


def past_date(value: Any, field: str, label: str, *, required: bool = True) -> Optional[dt.date]:
    """A typed date of something that has happened (signature, sending, answer, birth…)."""
    day = as_date(value, field, label, required=required)
    not_in_future(day, field, label)
    return day


MAX_AMOUNT = Decimal("99999999.99")


def as_amount(value: Any, field: str, label: str) -> Decimal:
    """Accept 45, "45", "45,50", "1 234,50 €"; refuse text that is not an amount or is negative."""
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        amount = Decimal(str(value))
    else:
        text = str(value or "").replace("€", "").replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise DomainError(f"« {value} » n'est pas un montant valide pour « {label} ».", field) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:  # the amount columns are Numeric(10, 2)
        raise DomainError(f"« {value} » n'est pas un montant valide pour « {label} ».", field)
    if amount != amount.quantize(Decimal("0.01")):  # "45,555": never round a typed amount silently
        raise DomainError(f"« {value} » : le montant de « {label} » s'écrit au centime près (ex. 45,50).", field)
    return amount.quantize(Decimal("0.01"))


def positive_int(value: Any, field: str, label: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(f"« {value} » n'est pas un nombre entier pour « {label} ».", field) from None
    if number <= 0:
        raise DomainError(f"Le champ « {label} » doit être supérieur à zéro.", field)
    return number


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Age in whole years on a given day."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day ``months`` later, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


_TRUE = {"1", "oui", "o", "vrai", "true", "yes", "x"}
_FALSE = {"", "0", "non", "n", "faux", "false", "no"}


def as_bool(value: Any, field: str, label: str) -> bool:
    """Yes/no from a checkbox, a script or an imported cell ("oui", "non", 1, 0…).

    ``bool("non")`` is True in Python: text must be read, not cast.
    """
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise DomainError(f"« {value} » n'est pas une réponse oui/non valide pour « {label} ».", field)


def reject_unknown(fields: Any, allowed: Any, what: str) -> None:
    """Refuse a field an update does not know, naming it (a typo must not be ignored)."""
    for name in sorted(set(fields) - set(allowed)):
        raise DomainError(f"Champ inconnu pour {what} : « {name} ».", name)


def apply_changes(obj: Any, values: dict[str, Any]) -> None:
    """Set only the values that differ, so the version and the audit trail move only for real edits."""
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
