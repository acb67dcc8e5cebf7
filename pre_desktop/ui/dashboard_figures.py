"""How the Tableau de bord reads the statistics: a figure's texts (value, previous year,
difference), a breakdown's bars, and the table of a breakdown a chart would not suit
(amounts, rates, long lists of partners)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional, Union

from PySide6.QtWidgets import QHeaderView, QLabel, QVBoxLayout, QWidget

from ..exports.annual_report import fr_change
from ..services.statistics import Breakdown, BreakdownRow, Dashboard, Figure, Number, Unit, format_value
from .dashboard_charts import Bar
from .dashboard_widgets import SAME, trend_arrow
from .rows_model import Column, RowsView


@dataclass(frozen=True)
class CardTexts:
    value: str
    previous: str  # "" when the previous year has no value
    difference: str  # "+12", "-2,5 pts" (as the annual report writes it), "" when either year is missing
    arrow: str


def _decimal(value: Number) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def card_texts(figure: Union[Figure, BreakdownRow], unit: Optional[Unit] = None) -> CardTexts:
    unit = unit or figure.unit  # type: ignore[union-attr]
    value, previous = figure.value, figure.previous_value
    return CardTexts(
        value=format_value(value, unit),
        previous="" if previous is None else format_value(previous, unit),
        difference="" if value is None or previous is None else fr_change(value, previous, unit),
        arrow=trend_arrow(None if value is None else float(value), None if previous is None else float(previous)))


def bars_of(breakdown: Breakdown) -> list[Bar]:
    return [Bar(row.label, float(row.value or 0), float(row.previous_value or 0),
                format_value(row.value, breakdown.unit), format_value(row.previous_value, breakdown.unit))
            for row in breakdown.rows]


def restriction(board: Dashboard, item: Union[Figure, BreakdownRow]) -> str:
    """What a restricted list leaves out, said above it."""
    if not board.ids_restricted:
        return ""
    return "liste limitée aux enfants dont vous pouvez ouvrir le dossier"


def _columns(breakdown: Breakdown, years: tuple[str, str]) -> list[Column]:
    unit = breakdown.unit

    def sort_value(value: Optional[Number]) -> Optional[float]:
        return None if value is None else float(value)

    def change(row: BreakdownRow) -> str:
        texts = card_texts(row, unit)
        return texts.difference if texts.arrow in ("", SAME) else f"{texts.arrow} {texts.difference}"

    return [
        Column(breakdown.title, lambda r: r.label, max_width=600),
        Column(years[0], lambda r: format_value(r.value, unit), sort=lambda r: sort_value(r.value), right=True,
               tooltip=lambda r: r.detail or None),
        Column(years[1], lambda r: format_value(r.previous_value, unit), sort=lambda r: sort_value(r.previous_value),
               right=True),
        Column("Évolution", change, sort=lambda r: sort_value(
            None if r.value is None or r.previous_value is None else _decimal(r.value) - _decimal(r.previous_value)),
            right=True),
    ]


class BreakdownTable(QWidget):
    """The breakdown's title, then its rows: this year, the previous one, the change.
    Every row is shown (the dashboard scrolls, not each table); the total closes it."""

    def __init__(self, breakdown: Breakdown, years: tuple[str, str], parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.breakdown = breakdown
        self.setObjectName(breakdown.key)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = RowsView(_columns(breakdown, years), f"{breakdown.title} : aucune donnée pour ces deux années.",
                             self, name=f"{breakdown.key}_table", max_rows=max(1, len(breakdown.rows)),
                             fit_last=True)
        self.list.set_rows(list(breakdown.rows))
        header = self.list.table.horizontalHeader()
        header.setStretchLastSection(False)  # the label takes the room left, the numbers keep theirs
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setToolTip(breakdown.definition)
        layout.addWidget(self.list)
        if breakdown.total is not None:
            total = QLabel(f"Total : {format_value(breakdown.total, breakdown.unit)} "
                           f"({years[1]} : {format_value(breakdown.previous_total, breakdown.unit)})", self)
            total.setObjectName("total")
            layout.addWidget(total)
