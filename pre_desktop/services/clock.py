"""The app's notion of today, in one place so tests can pin it."""

from __future__ import annotations

import datetime as dt

_fixed_today: dt.date | None = None


def today() -> dt.date:
    return _fixed_today or dt.date.today()


def set_today(day: dt.date | None) -> None:
    """Pin (or release with None) the date seen by the services; for tests and demos."""
    global _fixed_today
    _fixed_today = day
