"""Small widget builders the screens share: an area's title and top row, a list beside its
form, the search row and filter combos of a list, a push button named for tests, a filter
combo refilled without losing its choice, a dialog's buttons."""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)


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


def area_layout(area: QWidget, title: str) -> tuple[QVBoxLayout, QHBoxLayout]:
    """An area's column, and its top row: the title on the left, what the caller adds on the right."""
    layout = QVBoxLayout(area)
    layout.setContentsMargins(12, 12, 12, 6)
    top = QHBoxLayout()
    top.addWidget(area_title(title, area))
    top.addStretch(1)
    layout.addLayout(top)
    return layout, top


def remember_sizes(splitter: QSplitter, settings: QSettings, key: str, sizes: Sequence[int]) -> None:
    """The divider where the user left it (``settings`` under ``key``), else at ``sizes``."""
    state = settings.value(key)
    if state is not None:
        splitter.restoreState(state)
    else:
        splitter.setSizes(list(sizes))
    splitter.splitterMoved.connect(lambda *_: settings.setValue(key, splitter.saveState()))


def list_and_form(parent: QWidget, listing: QWidget, form: QWidget, settings: QSettings, key: str,
                  sizes: Sequence[int]) -> QSplitter:
    """A list (left, 3 parts) beside the form of its selected line (right, 2 parts, scrolled)."""
    splitter = QSplitter(Qt.Orientation.Horizontal, parent)
    scroll = QScrollArea(splitter)
    scroll.setWidgetResizable(True)
    scroll.setWidget(form)
    splitter.addWidget(listing)
    splitter.addWidget(scroll)
    splitter.setStretchFactor(0, 3)
    splitter.setStretchFactor(1, 2)
    remember_sizes(splitter, settings, key, sizes)
    return splitter


def search_row(parent: QWidget, placeholder: str) -> tuple[QHBoxLayout, QLineEdit]:
    """A "Rechercher :" row (Alt+R reaches the field) whose field clears with one click;
    the caller adds what follows it (a count…)."""
    row = QHBoxLayout()
    label = QLabel("&Rechercher :", parent)
    field = QLineEdit(parent)
    field.setObjectName("search")
    field.setPlaceholderText(placeholder)
    field.setClearButtonEnabled(True)
    label.setBuddy(field)
    row.addWidget(label)
    row.addWidget(field, 1)
    return row, field


def filter_combo(parent: QWidget, name: str, accessible_name: str) -> QComboBox:
    """A list's filter, named for tests and for screen readers."""
    combo = QComboBox(parent)
    combo.setObjectName(name)
    combo.setAccessibleName(accessible_name)
    return combo


def push_button(parent: QWidget, text: str, name: str, slot: Callable[[], Any]) -> QPushButton:
    """A push button named for tests, calling ``slot`` when clicked."""
    push = QPushButton(text, parent)
    push.setObjectName(name)
    push.clicked.connect(lambda _checked=False: slot())
    return push


def refill_combo(combo: QComboBox, items: Sequence[tuple[str, Any]]) -> None:
    """New choices, keeping the current one when it still exists (no filter event meanwhile);
    when it is gone, the first choice is taken and said (``currentIndexChanged``)."""
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    for text, value in items:
        combo.addItem(text, value)
    index = combo.findData(current) if current is not None else 0
    combo.setCurrentIndex(max(index, 0))
    combo.blockSignals(False)
    if index < 0:
        combo.currentIndexChanged.emit(0)


def ok_cancel(dialog: QDialog, ok_text: str, on_ok: Callable[[], Any],
              ok: QDialogButtonBox.StandardButton = QDialogButtonBox.StandardButton.Ok) -> QDialogButtonBox:
    """The dialog's buttons in French: ``ok_text`` calls ``on_ok`` (which closes it when it
    succeeds), "Annuler" and Esc close it."""
    buttons = QDialogButtonBox(ok | QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.button(ok).setText(ok_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(dialog.reject)
    return buttons
