"""Small widget builders the screens share: an area's title, a push button named for tests."""

from __future__ import annotations

from typing import Any, Callable, Optional

from PySide6.QtWidgets import QLabel, QPushButton, QWidget


def area_title(text: str, parent: Optional[QWidget] = None, *, name: str = "") -> QLabel:
    """The bold, larger line at the top of an area (or of its form)."""
    title = QLabel(text, parent)
    if name:
        title.setObjectName(name)
    font = title.font()
    font.setPointSizeF(font.pointSizeF() * 1.3)
    font.setBold(True)
    title.setFont(font)
    return title


def push_button(parent: QWidget, text: str, name: str, slot: Callable[[], Any]) -> QPushButton:
    """A push button named for tests, calling ``slot`` when clicked."""
    push = QPushButton(text, parent)
    push.setObjectName(name)
    push.clicked.connect(lambda _checked=False: slot())
    return push
