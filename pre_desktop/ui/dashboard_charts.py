"""Bar charts of the Tableau de bord: one distribution (by sex, age band, neighbourhood…)
for the school year beside the previous one.

Horizontal bars because the categories are French labels that would not fit under
vertical ones ("Difficultés de comportement en classe"); the first category is on top,
as in the service's order. Each bar is clickable and says so in its tooltip; the chart
only reports which bar was clicked, the area decides what that opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from PySide6.QtCharts import (
    QAbstractBarSeries,
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QEvent, QMargins, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QCursor, QFont, QPainter, QPen
from PySide6.QtWidgets import QApplication, QSizePolicy, QToolTip, QWidget

CURRENT_COLOR = "#2f6db5"
PREVIOUS_COLOR = "#aebfd6"
MAX_LABEL_CHARS = 38  # longer category labels are shortened on the axis (whole in the tooltip)


@dataclass(frozen=True)
class Bar:
    """One category: its label, this year's and last year's values as numbers and as text."""

    label: str
    value: float
    previous: float
    value_text: str
    previous_text: str


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1].rstrip() + "…"


class ComparisonBars(QChartView):
    """Two bar sets (this school year, the previous one) over the same categories."""

    bar_clicked = Signal(int, bool)  # category index (service order), previous year?

    def __init__(self, title: str, parent: Optional[QWidget] = None, *, name: str = "") -> None:
        super().__init__(parent)
        if name:
            self.setObjectName(name)
        self.setAccessibleName(title)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("0") * 40)  # two side by side on a laptop
        self._chart = QChart()
        self._chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self._chart.setBackgroundRoundness(0)
        self._chart.setMargins(QMargins(4, 4, 8, 4))
        font = QFont(QApplication.font())
        title_font = QFont(font)
        title_font.setBold(True)
        self._chart.setTitleFont(title_font)
        self._chart.setTitle(title)
        self._chart.legend().setFont(font)
        self._chart.legend().setAlignment(Qt.AlignmentFlag.AlignTop)
        self.setChart(self._chart)
        self._font = font
        self.bars: list[Bar] = []
        self.hint = ""
        self.years = ("", "")

    def set_bars(self, bars: Sequence[Bar], years: tuple[str, str], hint: str = "") -> None:
        """New data: ``years`` = (this year's label, the previous one's); ``hint`` ends each
        bar's tooltip (how to open the list of children, or why it cannot be)."""
        self.bars, self.years, self.hint = list(bars), years, hint
        chart = self._chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        series = QHorizontalBarSeries()
        series.setBarWidth(0.8)
        ordered = list(reversed(self.bars))  # a horizontal chart draws its first category at the bottom
        for previous, (year, color) in ((True, (years[1], PREVIOUS_COLOR)), (False, (years[0], CURRENT_COLOR))):
            bar_set = QBarSet(year)
            bar_set.setColor(QColor(color))
            bar_set.setBorderColor(QColor(color))
            bar_set.setLabelColor(QColor("#222222"))
            bar_set.setLabelFont(self._font)
            bar_set.append([b.previous if previous else b.value for b in ordered])
            bar_set.clicked.connect(lambda index, previous=previous: self._clicked(index, previous))
            bar_set.hovered.connect(lambda status, index, previous=previous: self._hovered(status, index, previous))
            series.append(bar_set)
        series.setLabelsVisible(True)
        series.setLabelsPosition(QAbstractBarSeries.LabelsPosition.LabelsOutsideEnd)
        series.setLabelsFormat("@value")
        series.setLabelsPrecision(6)
        chart.addSeries(series)
        categories = QBarCategoryAxis()
        categories.append([_short(b.label) for b in ordered])
        categories.setLabelsFont(self._font)
        categories.setGridLineVisible(False)
        values = QValueAxis()
        top = max([b.value for b in self.bars] + [b.previous for b in self.bars] + [1])
        values.setRange(0, top * 1.15)
        values.setLabelFormat("%d")
        values.setLabelsFont(self._font)
        values.applyNiceNumbers()
        values.setGridLinePen(QPen(QColor("#e3e3e3")))
        chart.addAxis(categories, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(categories)
        series.attachAxis(values)
        chart.legend().setVisible(True)
        # reversed legend order reads "this year, last year" like the cards
        chart.legend().setReverseMarkers(True)
        line = self.fontMetrics().height()
        self.setFixedHeight(max(170, line * 6 + len(self.bars) * max(36, int(line * 2.6))))
        self.setBackgroundBrush(QBrush(QColor("white")))

    def changeEvent(self, event: QEvent) -> None:
        """Greyed like the cards while another year is being counted (a chart draws itself)."""
        if event.type() == QEvent.Type.EnabledChange:
            self._chart.setOpacity(1.0 if self.isEnabled() else 0.35)
        super().changeEvent(event)

    def _index(self, chart_index: int) -> int:
        return len(self.bars) - 1 - chart_index

    def _clicked(self, chart_index: int, previous: bool) -> None:
        if 0 <= chart_index < len(self.bars):
            self.bar_clicked.emit(self._index(chart_index), previous)

    def bar_tooltip(self, index: int, previous: bool) -> str:
        bar = self.bars[index]
        year = self.years[1] if previous else self.years[0]
        text = f"{bar.label}\n{year} : {bar.previous_text if previous else bar.value_text}"
        return f"{text}\n\n{self.hint}" if self.hint else text

    def _hovered(self, status: bool, chart_index: int, previous: bool) -> None:
        if status and 0 <= chart_index < len(self.bars):
            QToolTip.showText(QCursor.pos(), self.bar_tooltip(self._index(chart_index), previous), self)
        else:
            QToolTip.hideText()
