"""The Tableau de bord's figure card: one figure of the school year, the previous year's
beside it and the difference, its definition in the tooltip.

A card is a button in disguise: clicking it (or Enter/Space once focused) asks for the
list of the children behind the figure. Whether that list may be shown is decided by the
caller (the role's rules); a card that cannot open one says why in its tooltip instead of
looking clickable.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

UP, DOWN, SAME = "▲", "▼", "="
_CARD_STYLE = """
QFrame#figure_card { background: palette(base); border: 1px solid palette(mid); border-radius: 6px; }
QFrame#figure_card[drillable="true"]:hover { border: 1px solid palette(highlight); }
QFrame#figure_card[focused="true"] { border: 2px solid palette(highlight); }
"""


def trend_arrow(value: Optional[float], previous: Optional[float]) -> str:
    """▲, ▼ or = from the previous year's value to this year's; "" when one is missing."""
    if value is None or previous is None:
        return ""
    return UP if value > previous else DOWN if value < previous else SAME


class FigureCard(QFrame):
    """Label on top, the value large, "2025-2026 : 98  ▲ +12" under it."""

    clicked = Signal()

    def __init__(self, label: str, parent: Optional[QWidget] = None, *, name: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("figure_card")
        self.setAccessibleName(label)
        if name:
            self.setProperty("figure", name)
        self.setStyleSheet(_CARD_STYLE)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(2)
        self.label = QLabel(label, self)
        self.label.setWordWrap(True)
        self.value = QLabel(self)
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self.value.setFont(font)
        self.previous = QLabel(self)
        self.previous.setStyleSheet("QLabel { color: #555555; } QLabel:disabled { color: #b0b0b0; }")
        self.previous.setWordWrap(True)
        for widget in (self.label, self.value, self.previous):
            widget.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            layout.addWidget(widget)
        self.drillable = False
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("0") * 18)

    def set_figure(self, value: str, previous: str, difference: str, arrow: str, *, previous_year: str,
                   definition: str, hint: str, drillable: bool) -> None:
        """Show a figure. ``hint`` ends the tooltip: how to open the list, or why it cannot be."""
        self.value.setText(value or "—")
        if previous:
            change = f"   {arrow} {difference}" if arrow and arrow != SAME else "   = stable" if arrow else ""
            self.previous.setText(f"{previous_year} : {previous}{change}")
        else:
            self.previous.setText(f"{previous_year} : pas de donnée")
        self.drillable = drillable
        self.setProperty("drillable", "true" if drillable else "false")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus if drillable else Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor if drillable else Qt.CursorShape.ArrowCursor)
        self.setToolTip("\n\n".join(part for part in (definition, hint) if part))
        self.setAccessibleDescription(definition)
        self.style().unpolish(self)
        self.style().polish(self)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.drillable and event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
                event.position().toPoint()):
            self.clicked.emit()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.drillable and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        self._set_focused(True)
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self._set_focused(False)
        super().focusOutEvent(event)

    def _set_focused(self, focused: bool) -> None:
        self.setProperty("focused", "true" if focused else "false")
        self.style().unpolish(self)
        self.style().polish(self)
