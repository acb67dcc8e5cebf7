"""School-year statistics for the Tableau de bord, the annual report and funders (issue 10).

One call, :func:`dashboard`, computes every figure of a school year (1 September – 31 August,
rule 9) with the previous year beside it. The Tableau de bord (tables and charts), the
annual report (PDF, .xlsx) and the pseudonymised export all read the same objects, so a
figure is counted once, here, and its French definition travels with it (the report prints
them on its definitions page).

Shapes shared by a table and a chart:

- :class:`Figure`: one number (``value``) and the same number for the previous year
  (``previous_value``), with its ``unit`` so the reader formats it (:func:`format_value`).
- :class:`Breakdown`: one number per category (by sex, by partner…), each a
  :class:`BreakdownRow` with the previous year too.
- Both carry ``definition`` (how it is counted, French) and ``child_ids``: the children behind
  the selected year's number, only those the acting user may see (coordinator: all;
  référent: own caseload and files shared with them; secrétariat: none). Counts are always
  of the whole structure: a statistic does not reveal who is behind it.

Counting is set-based (grouped SQL): the 20 000-children benchmark answers in well under a
second. Amounts follow the quarterly statement's rule (held, in-quota, in-validity sessions ×
the convention's tariff for the session type), shared with :mod:`.reports`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, Optional, Union

from sqlalchemy.orm import Session

from ..formatting import fr_amount, fr_number, fr_percent
from .clock import today
from .errors import DomainError

Unit = Literal["count", "days", "percent", "amount"]
"""count: whole number; days: a duration in days (may be fractional for a mean);
percent: a share between 0 and 1 (float; 0.833 reads "83,3 %", as formatting.fr_percent and the
.xlsx "percent" columns take it); amount: euros (Decimal)."""

Number = Union[int, float, Decimal]

_YEAR_RE = re.compile(r"^\s*(\d{4})\s*[-/–]\s*(\d{4})\s*$")


# --------------------------------------------------------------------------- school year


@dataclass(frozen=True, order=True)
class SchoolYear:
    """A school year, named by its first calendar year: 2025 = 1 Sept 2025 – 31 Aug 2026."""

    start_year: int

    @classmethod
    def parse(cls, text: Any, field_name: str = "year") -> "SchoolYear":
        """"2025-2026" (also "2025/2026") → SchoolYear(2025); refusals are French, on ``field_name``."""
        if isinstance(text, SchoolYear):
            return text
        raw = "" if text is None else str(text)
        match = _YEAR_RE.match(raw)
        if not match:
            raise DomainError(
                f"« {raw.strip()} » n'est pas une année scolaire : écrivez-la comme « 2025-2026 ».", field_name)
        first, second = int(match.group(1)), int(match.group(2))
        if second != first + 1:
            raise DomainError(
                f"« {raw.strip()} » n'est pas une année scolaire : la seconde année doit suivre la première "
                f"(par exemple « {first}-{first + 1} »).", field_name)
        if not 1900 <= first <= 2099:
            raise DomainError(f"« {raw.strip()} » : année scolaire hors de la plage 1900-2100.", field_name)
        return cls(first)

    @classmethod
    def of(cls, day: dt.date) -> "SchoolYear":
        """The school year containing ``day``."""
        return cls(day.year if day.month >= 9 else day.year - 1)

    @property
    def start(self) -> dt.date:
        return dt.date(self.start_year, 9, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.start_year + 1, 8, 31)

    @property
    def label(self) -> str:
        """"2025-2026", the form typed on the command line and shown everywhere."""
        return f"{self.start_year}-{self.start_year + 1}"

    @property
    def age_reference(self) -> dt.date:
        """31 December of the year's first calendar year: the date ages are counted at."""
        return dt.date(self.start_year, 12, 31)

    def previous(self) -> "SchoolYear":
        return SchoolYear(self.start_year - 1)

    def next(self) -> "SchoolYear":
        return SchoolYear(self.start_year + 1)

    def contains(self, day: Optional[dt.date]) -> bool:
        return day is not None and self.start <= day <= self.end

    def __str__(self) -> str:
        return self.label


def school_year_of(day: Optional[dt.date] = None) -> SchoolYear:
    """The school year containing ``day`` (default: today)."""
    return SchoolYear.of(day or today())


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Figure:
    """One number of the selected year and the previous year's, with how it is counted.

    ``value`` is None when it cannot be computed (a median of nothing); the reader shows
    a dash. ``detail`` is an optional French precision ("12 sur 15") for a rate.
    """

    key: str
    label: str
    value: Optional[Number]
    previous_value: Optional[Number]
    unit: Unit
    definition: str
    child_ids: tuple[int, ...] = ()
    detail: str = ""

    @property
    def change(self) -> Optional[Number]:
        """value − previous value, or None if either is missing."""
        if self.value is None or self.previous_value is None:
            return None
        return self.value - self.previous_value


@dataclass(frozen=True)
class BreakdownRow:
    """One category of a breakdown (a sex, an age band, a partner…)."""

    key: str
    label: str
    value: Optional[Number]
    previous_value: Optional[Number]
    child_ids: tuple[int, ...] = ()
    detail: str = ""


@dataclass(frozen=True)
class Breakdown:
    """A number per category, in display order (categories of either year are listed).

    ``chart`` suggests how to draw it: "pie" (parts of a whole), "bar" (categories
    compared) or "" (a table reads better). ``total`` is the sum of the rows when that sum
    means something (parts of a whole), else None.
    """

    key: str
    title: str
    rows: tuple[BreakdownRow, ...]
    unit: Unit
    definition: str
    chart: Literal["pie", "bar", ""] = "bar"
    total: Optional[Number] = None
    previous_total: Optional[Number] = None

    def row(self, key: str) -> Optional[BreakdownRow]:
        return next((r for r in self.rows if r.key == key), None)


@dataclass(frozen=True)
class Section:
    """A titled group of figures and breakdowns: one part of the dashboard and of the report."""

    key: str
    title: str
    figures: tuple[Figure, ...] = ()
    breakdowns: tuple[Breakdown, ...] = ()


@dataclass(frozen=True)
class Dashboard:
    """Every figure of a school year, in sections, with the previous year beside each.

    ``ids_restricted`` is True when the acting user may not see every child: the lists
    behind the figures then hold only their own (a secrétariat account sees none).
    """

    year: SchoolYear
    sections: tuple[Section, ...]
    computed_on: dt.date
    ids_restricted: bool = False
    _index: dict[str, Union[Figure, Breakdown]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def previous_year(self) -> SchoolYear:
        return self.year.previous()

    def _lookup(self) -> dict[str, Union[Figure, Breakdown]]:
        if not self._index:
            for section in self.sections:
                for item in (*section.figures, *section.breakdowns):
                    self._index[item.key] = item
        return self._index

    def figure(self, key: str) -> Figure:
        item = self._lookup()[key]
        assert isinstance(item, Figure)
        return item

    def breakdown(self, key: str) -> Breakdown:
        item = self._lookup()[key]
        assert isinstance(item, Breakdown)
        return item

    def definitions(self) -> list[tuple[str, str]]:
        """(label or title, definition) of every figure and breakdown, in section order:
        the annual report's definitions page."""
        out: list[tuple[str, str]] = []
        for section in self.sections:
            out.extend((f.label, f.definition) for f in section.figures)
            out.extend((b.title, b.definition) for b in section.breakdowns)
        return out


def format_value(value: Optional[Number], unit: Unit) -> str:
    """French display of a figure's value: "1 234", "12,5 j", "83,3 %" (from 0.833), "1 234,50 €"; "—" if None."""
    if value is None:
        return "—"
    if unit == "amount":
        return fr_amount(value)
    if unit == "percent":
        return fr_percent(value, 1)
    if unit == "days":
        return f"{fr_number(value, 0 if float(value).is_integer() else 1)}\u00a0j"
    return fr_number(value)


# --------------------------------------------------------------------------- keys
# Stable keys (what the dashboard, the report and tests address figures by). Sections in order:
#
# "children"      Enfants suivis
#   figures:    children_followed, new_entries, exits
#   breakdowns: exit_reasons, by_sex, by_age_band, by_school_level, by_neighbourhood
# "referrals"     Repérages
#   figures:    referrals
#   breakdowns: referral_sources, referral_reasons
# "pathways"      Parcours
#   figures:    pathways_ended, pathway_length_mean, pathway_length_median
# "eps"           Équipe pluridisciplinaire de soutien
#   figures:    eps_meetings, eps_decisions
#   breakdowns: eps_decisions_by_kind
# "orientations"  Orientations vers les partenaires (fiches de liaison)
#   figures:    orientations, first_appointment_delay_median, first_appointment_within_delay,
#               quota_threshold_share, quota_reached_share
#   breakdowns: orientations_by_partner_type, quota_use
# "sessions"      Séances et montants
#   figures:    sessions_held, sessions_amount
#   breakdowns: attendance_by_partner, sessions_by_convention, amounts_by_convention,
#               sessions_by_partner, amounts_by_partner, sessions_by_funder, amounts_by_funder

SECTION_KEYS = ("children", "referrals", "pathways", "eps", "orientations", "sessions")

AGE_BANDS: tuple[tuple[str, str, int, Optional[int]], ...] = (
    ("under_2", "Moins de 2 ans", 0, 1),
    ("2_5", "2 à 5 ans", 2, 5),
    ("6_10", "6 à 10 ans", 6, 10),
    ("11_16", "11 à 16 ans", 11, 16),
    ("17_plus", "17 ans et plus", 17, None),
)

SCHOOL_LEVELS: tuple[tuple[str, str], ...] = (
    ("maternelle", "Maternelle"),
    ("elementaire", "Élémentaire"),
    ("college", "Collège"),
    ("lycee", "Lycée"),
    ("other", "Autre ou non renseigné"),
)


def dashboard(session: Session, year: Union[SchoolYear, str, int]) -> Dashboard:
    """Every figure of ``year`` (a SchoolYear, "2025-2026" or its first calendar year) with
    the previous year's, for the acting user (``session.info["user_id"]``).

    Raises DomainError (field "year") for a year that cannot be read.
    """
    from .statistics_queries import build_dashboard  # the counting itself

    return build_dashboard(session, as_school_year(year))


def as_school_year(year: Union[SchoolYear, str, int]) -> SchoolYear:
    """A SchoolYear from what a caller holds: the object, "2025-2026", or 2025."""
    if isinstance(year, SchoolYear):
        return year
    if isinstance(year, int) and not isinstance(year, bool):
        if not 1900 <= year <= 2099:
            raise DomainError(f"« {year} » : année scolaire hors de la plage 1900-2100.", "year")
        return SchoolYear(year)
    return SchoolYear.parse(year)


def school_years_with_data(session: Session) -> list[SchoolYear]:
    """The school years that hold any activity (entries, referrals, sessions…), newest first,
    always including the current one: the dashboard's year selector."""
    from .statistics_queries import years_with_data

    return years_with_data(session)


def school_level(school_class: Optional[str]) -> str:
    """The level key (see SCHOOL_LEVELS) of a class as typed: "PS", "CE2", "6e", "2nde", "Tle"…"""
    from .statistics_queries import level_of_class

    return level_of_class(school_class)


__all__ = [
    "AGE_BANDS", "SCHOOL_LEVELS", "SECTION_KEYS", "Breakdown", "BreakdownRow", "Dashboard", "Figure", "SchoolYear",
    "Section", "Unit", "as_school_year", "dashboard", "format_value", "school_level", "school_year_of",
    "school_years_with_data",
]
