"""French public holidays (jours fériés), computed, for the repeating appointments.

Partners are closed on public holidays, so "every Wednesday from … to …" must skip
them. Computed rather than listed so the app keeps working offline for any year:
eight fixed days plus the three that follow Easter (Monday, Ascension, Whit Monday).
Alsace-Moselle's extra days (Good Friday, 26 December) are not included.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

FIXED: tuple[tuple[int, int, str], ...] = (
    (1, 1, "Jour de l'an"),
    (5, 1, "Fête du Travail"),
    (5, 8, "Victoire 1945"),
    (7, 14, "Fête nationale"),
    (8, 15, "Assomption"),
    (11, 1, "Toussaint"),
    (11, 11, "Armistice 1918"),
    (12, 25, "Noël"),
)


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> dict[dt.date, str]:
    """The year's public holidays: date → French name."""
    easter = easter_sunday(year)
    days = {dt.date(year, m, d): name for m, d, name in FIXED}
    for offset, name in ((1, "Lundi de Pâques"), (39, "Ascension"), (50, "Lundi de Pentecôte")):
        day = easter + dt.timedelta(days=offset)
        days[day] = f"{days[day]} et {name}" if day in days else name  # 2008: 1 May was Ascension
    return dict(sorted(days.items()))


def holiday_name(day: dt.date) -> str | None:
    """The holiday's name if ``day`` is a public holiday, else None."""
    return public_holidays(day.year).get(day)
