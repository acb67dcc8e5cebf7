"""Draw a ``document.Chart`` in a PDF with reportlab.graphics (vector, no image library).

The charts compare school years: each label gets one bar per year, side by side,
the current year in the documents' accent colour and the previous one in a lighter
shade, with a legend. Long labels (neighbourhoods, referral reasons) go on
horizontal bars where they have room; vertical bars wrap theirs on two or three
lines. Shares are pies, one per year, with the share written on slices big enough to
hold it and every label in the legend beside them.
"""

from __future__ import annotations

import textwrap
from typing import Any, Callable

from reportlab import rl_config
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.piecharts import Pie
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import KeepTogether, Paragraph as RlParagraph, Spacer as RlSpacer

from ..formatting import NBSP, fr_number, fr_percent
from . import document as d

# reportlab checks every attribute set on a shape: half the drawing time of a report's
# dozen charts (annual report of the 20 000-children base). Ours are fixed; skip the check.
rl_config.shapeChecking = 0

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
LABEL_SIZE = 7.5
VALUE_SIZE = 7
# One colour per year compared, then the slices of a pie: the documents' blue first.
SERIES_COLOURS = [colors.HexColor("#1f4e79"), colors.HexColor("#9dc3e6"), colors.HexColor("#7f7f7f")]
SLICE_COLOURS = [colors.HexColor(c) for c in (
    "#1f4e79", "#2e75b6", "#9dc3e6", "#c55a11", "#f4b183", "#548235", "#a9d18e", "#7f6000", "#ffd966",
    "#7030a0", "#bfbfbf", "#595959")]
WHITE_TEXT_SLICES = {0, 1, 3, 5, 7, 9, 11}  # dark enough for a white figure


def _fits(text: str, width: float, size: float = LABEL_SIZE) -> bool:
    return stringWidth(text, FONT, size) <= width


def _shorten(text: str, width: float, size: float = LABEL_SIZE) -> str:
    """The label cut with "…" to fit ``width`` (the full label is in the data table)."""
    if _fits(text, width, size):
        return text
    while text and not _fits(text + "…", width, size):
        text = text[:-1]
    return text.rstrip() + "…"


def _wrap(text: str, width: float, lines: int = 3) -> str:
    """A vertical bar's label on up to ``lines`` lines of ``width`` points."""
    if _fits(text, width):
        return text
    chars = max(4, int(width / stringWidth("n", FONT, LABEL_SIZE)))
    parts = textwrap.wrap(text, chars) or [text]
    kept = [_shorten(p, width) for p in parts[:lines]]
    if len(parts) > lines:
        kept[-1] = _shorten(kept[-1] + "…", width)
    return "\n".join(kept)


def _nice_max(value: float) -> float:
    """The axis end: the largest value rounded up to a round figure."""
    if value <= 0:
        return 1.0
    power = 1.0
    while power * 10 < value:
        power *= 10
    while power > value:
        power /= 10
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _axis_format(chart: d.Chart) -> Callable[[float], str]:
    if chart.value_kind == "amount":
        return lambda value: f"{fr_number(value)}{NBSP}€"  # axis in whole euros: "12 000 €"
    if chart.value_kind == "int":
        return lambda value: fr_number(value) if float(value).is_integer() else fr_number(value, 1)
    return lambda value: chart.format(value)


def _legend(chart: d.Chart, x: float, y: float) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName, legend.fontSize = FONT, LABEL_SIZE
    legend.alignment = "right"
    legend.boxAnchor = "ne"
    legend.columnMaximum = 1
    legend.deltax = 10
    legend.dx = legend.dy = 7
    legend.dxTextSpace = 4
    legend.strokeWidth = 0
    legend.colorNamePairs = [(SERIES_COLOURS[i % len(SERIES_COLOURS)], name)
                             for i, (name, _) in enumerate(chart.series)]
    return legend


def _style_bars(bars: Any, chart: d.Chart) -> None:
    bars.data = [[float(v or 0) for v in values] for _, values in chart.series]
    bars.strokeColor = None
    for i in range(len(chart.series)):
        bars.bars[i].fillColor = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        bars.bars[i].strokeColor = None
    bars.barLabelFormat = lambda value: chart.format(value) if value else ""
    bars.barLabels.fontName, bars.barLabels.fontSize = FONT, VALUE_SIZE
    bars.barLabels.fillColor = colors.HexColor("#333333")
    top = max((v for row in bars.data for v in row), default=0)
    bars.valueAxis.valueMin = 0
    # room for the value written above the tallest bar; shares stop at 100 %
    bars.valueAxis.valueMax = 1.0 if chart.value_kind == "percent" and 0.45 < top <= 1 else _nice_max(top * 1.12)
    bars.valueAxis.valueSteps = None
    bars.valueAxis.labels.fontName, bars.valueAxis.labels.fontSize = FONT, LABEL_SIZE
    bars.valueAxis.labelTextFormat = _axis_format(chart)
    bars.valueAxis.strokeColor = colors.HexColor("#8a8a8a")
    bars.valueAxis.visibleGrid = True
    bars.valueAxis.gridStrokeColor = colors.HexColor("#e0e0e0")
    bars.valueAxis.gridStrokeWidth = 0.4
    if chart.value_kind == "int" and top < 5:
        bars.valueAxis.valueStep = 1  # no "0,5 child" ticks
    bars.categoryAxis.labels.fontName, bars.categoryAxis.labels.fontSize = FONT, LABEL_SIZE
    bars.categoryAxis.strokeColor = colors.HexColor("#8a8a8a")
    if isinstance(bars, VerticalBarChart):
        bars.categoryAxis.tickDown = 0
    else:
        bars.categoryAxis.tickLeft = 0
    bars.groupSpacing = 6
    bars.barSpacing = 1


def _vertical(chart: d.Chart, width: float) -> Drawing:
    left, right, legend_room = 42, 6, 16
    count = max(len(chart.labels), 1)
    slot = (width - left - right) / count
    labels = [_wrap(label, slot - 4) for label in chart.labels]
    lines = max((label.count("\n") + 1 for label in labels), default=1)
    bottom = 8 + lines * (LABEL_SIZE + 1.5)
    plot_height = 120
    height = bottom + plot_height + legend_room + 4
    drawing = Drawing(width, height)
    bars = VerticalBarChart()
    bars.x, bars.y, bars.width, bars.height = left, bottom, width - left - right, plot_height
    _style_bars(bars, chart)
    bars.categoryAxis.categoryNames = labels
    bars.categoryAxis.labels.boxAnchor = "n"
    bars.categoryAxis.labels.dy = -3
    bars.categoryAxis.labels.textAnchor = "middle"
    bars.barLabels.boxAnchor = "s"
    bars.barLabels.dy = 1
    bars.barWidth = 10
    drawing.add(bars)
    if len(chart.series) > 1:
        drawing.add(_legend(chart, width - right, height - 2))
    return drawing


def _horizontal(chart: d.Chart, width: float) -> Drawing:
    longest = max((stringWidth(label, FONT, LABEL_SIZE) for label in chart.labels), default=0)
    left = min(longest + 8, width * 0.42)
    labels = [_shorten(label, left - 8) for label in chart.labels]
    right, legend_room = 44, (16 if len(chart.series) > 1 else 0)  # right: values written after the bars
    per_label = len(chart.series) * 10 + 9
    plot_height = max(len(chart.labels), 1) * per_label
    bottom = 16  # the value axis and its labels
    height = bottom + plot_height + legend_room + 4
    drawing = Drawing(width, height)
    bars = HorizontalBarChart()
    bars.x, bars.y, bars.width, bars.height = left, bottom, width - left - right, plot_height
    # reportlab draws the first category at the bottom: reverse so the table's order reads top-down
    reversed_chart = d.Chart(chart.kind, chart.title, chart.labels[::-1],
                             [(name, list(values)[::-1]) for name, values in chart.series], chart.value_kind)
    _style_bars(bars, reversed_chart)
    bars.reversePlotOrder = 1  # within a label, the current year above the previous one
    # ticks far enough apart for their labels ("25 000 €") not to run into each other
    widest = stringWidth(_axis_format(chart)(bars.valueAxis.valueMax), FONT, LABEL_SIZE)
    bars.valueAxis.minimumTickSpacing = widest + 24
    bars.categoryAxis.categoryNames = labels[::-1]
    bars.categoryAxis.labels.boxAnchor = "e"
    bars.categoryAxis.labels.dx = -4
    bars.barLabels.boxAnchor = "w"
    bars.barLabels.dx = 2
    bars.barWidth = 10
    bars.groupSpacing = 9
    bars.barSpacing = 0
    drawing.add(bars)
    if len(chart.series) > 1:
        drawing.add(_legend(chart, width - 6, height - 2))
    return drawing


def _pies(chart: d.Chart, width: float) -> Drawing:
    """One pie per year, the same colour per label in both, and one legend of the labels."""
    count = max(len(chart.series), 1)
    diameter = 92
    legend_width = width - count * (diameter + 28)
    rows = len(chart.labels)
    height = max(diameter + 26, rows * 11 + 30)
    drawing = Drawing(width, height)
    for i, (name, values) in enumerate(chart.series):
        x = 10 + i * (diameter + 28)
        y = height - 18 - diameter
        drawing.add(String(x + diameter / 2, height - 10, name, fontName=FONT_BOLD, fontSize=8,
                           textAnchor="middle"))
        total = sum(float(v or 0) for v in values)
        if total <= 0:
            drawing.add(String(x + diameter / 2, y + diameter / 2, "aucune donnée", fontName=FONT,
                               fontSize=LABEL_SIZE, textAnchor="middle", fillColor=colors.HexColor("#555555")))
            continue
        pie = Pie()
        pie.x, pie.y, pie.width, pie.height = x, y, diameter, diameter
        pie.data = [float(v or 0) for v in values]
        pie.startAngle, pie.direction = 90, "clockwise"
        pie.labels = [fr_percent(v / total) if v / total >= 0.06 else "" for v in pie.data]
        pie.simpleLabels = 1
        pie.slices.strokeColor = colors.white
        pie.slices.strokeWidth = 0.6
        pie.slices.labelRadius = 0.68
        pie.slices.fontName, pie.slices.fontSize = FONT, VALUE_SIZE
        for s in range(len(values)):
            pie.slices[s].fillColor = SLICE_COLOURS[s % len(SLICE_COLOURS)]
            light = s % len(SLICE_COLOURS) in WHITE_TEXT_SLICES
            pie.slices[s].fontColor = colors.white if light else colors.black
        drawing.add(pie)
    # Legend: one colour per label for both pies (the figures are in the table that follows).
    x0 = count * (diameter + 28) + 4
    top = height - 24
    for r, label in enumerate(chart.labels):
        y = top - r * 11
        drawing.add(Rect(x0, y - 1, 8, 8, fillColor=SLICE_COLOURS[r % len(SLICE_COLOURS)], strokeColor=None))
        drawing.add(String(x0 + 14, y, _shorten(label, legend_width - 22), fontName=FONT, fontSize=LABEL_SIZE))
    return drawing


def chart_flowables(chart: d.Chart, width: float, caption: ParagraphStyle, note: ParagraphStyle) -> list[Any]:
    """The chart's title and drawing, kept on one page; a sentence instead when there is nothing to draw."""
    title = RlParagraph(escape(chart.title), caption)
    if chart.empty:
        return [KeepTogether([title, RlParagraph("Aucune donnée pour cette période.", note)])]
    drawer = {"bar": _vertical, "hbar": _horizontal, "pie": _pies}[chart.kind]
    return [KeepTogether([title, drawer(chart, width), RlSpacer(1, 3 * mm)])]
