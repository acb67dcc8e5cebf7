"""French formats for dates and amounts, shared by UI and exports (no Qt)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

NBSP = "\u00a0"  # before €
NNBSP = "\u202f"  # thousands separator (narrow no-break space, as French typography)

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]


def fr_date(day: Optional[dt.date]) -> str:
    """JJ/MM/AAAA, empty for no date."""
    return day.strftime("%d/%m/%Y") if day else ""


def fr_datetime(moment: Optional[dt.datetime]) -> str:
    """JJ/MM/AAAA HH:MM in local time, from a naive UTC timestamp as the database stores them."""
    if moment is None:
        return ""
    return moment.replace(tzinfo=dt.timezone.utc).astimezone().strftime("%d/%m/%Y %H:%M")


def fr_month(year: int, month: int) -> str:
    return f"{MONTHS[month - 1]} {year}"


def fr_amount(amount: Decimal | int | float | None, currency: bool = True) -> str:
    """1234.5 → "1 234,50 €" (narrow no-break space for thousands, no-break space before €)."""
    if amount is None:
        return ""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    units, cents = f"{abs(value):.2f}".split(".")
    groups = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    text = f"{sign}{NNBSP.join(groups)},{cents}"
    return f"{text}{NBSP}€" if currency else text


def agreed(word: str, sex: object) -> str:
    """The participle agreed with the child: "née" for a girl, "né" for a boy, "né(e)" if unknown."""
    if sex == "F":
        return word + "e"
    if sex == "M":
        return word
    return word + "(e)"


def fr_number(value: Decimal | int | float | None, decimals: int = 0) -> str:
    """1234 → "1 234", 12.5 with one decimal → "12,5" (thousands as in ``fr_amount``)."""
    if value is None:
        return ""
    text = fr_amount(Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP),
                     currency=False)
    whole, cents = text.split(",")
    return f"{whole},{cents[:decimals]}" if decimals else whole


def fr_percent(ratio: Decimal | float | None, decimals: int = 0) -> str:
    """A share (0.4523) as French writes it: "45 %" (no-break space before the sign)."""
    if ratio is None:
        return ""
    return f"{fr_number(Decimal(str(ratio)) * 100, decimals)}{NBSP}%"
