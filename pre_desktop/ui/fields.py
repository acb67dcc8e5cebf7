"""Form fields that give back what the user typed, for the services to judge.

Each field wraps one widget with ``value()`` / ``set_value()`` and a ``changed``
callback hook. Dates are typed as text (JJ/MM/AAAA): a date widget cannot hold
"31/02/2015", and the user must see the services' French refusal of what they typed
rather than a silently corrected date. Values are compared with what was loaded to
know what changed (typing a field back to its old value is no change).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Mapping, Optional, Sequence

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ..formatting import fr_date
from .forms import FieldErrors


class Field:
    widget: QWidget

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def on_change(self, callback: Callable[[], None]) -> None:
        raise NotImplementedError



class TextField(Field):
    def __init__(self, parent: Optional[QWidget] = None, *, max_length: int = 0, placeholder: str = "") -> None:
        self.widget = QLineEdit(parent)
        if max_length:
            self.widget.setMaxLength(max_length)
        if placeholder:
            self.widget.setPlaceholderText(placeholder)

    def value(self) -> str:
        return self.widget.text().strip()

    def set_value(self, value: Any) -> None:
        self.widget.setText("" if value is None else str(value))

    def on_change(self, callback: Callable[[], None]) -> None:
        self.widget.textChanged.connect(lambda _text: callback())



class DateField(TextField):
    """A date typed JJ/MM/AAAA; its value is the text, parsed (and refused) by the services."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent, max_length=10, placeholder="JJ/MM/AAAA")
        self.widget.setMaximumWidth(self.widget.fontMetrics().horizontalAdvance("00/00/00000") + 24)

    def set_value(self, value: Any) -> None:
        self.widget.setText(fr_date(value) if isinstance(value, dt.date) else ("" if value is None else str(value)))


class MultilineField(Field):
    def __init__(self, parent: Optional[QWidget] = None, *, lines: int = 3) -> None:
        self.widget = QPlainTextEdit(parent)
        self.widget.setTabChangesFocus(True)
        self.widget.setFixedHeight(self.widget.fontMetrics().lineSpacing() * lines + 14)

    def value(self) -> str:
        return self.widget.toPlainText().strip()

    def set_value(self, value: Any) -> None:
        self.widget.setPlainText("" if value is None else str(value))

    def on_change(self, callback: Callable[[], None]) -> None:
        self.widget.textChanged.connect(callback)



class CheckField(Field):
    def __init__(self, text: str = "", parent: Optional[QWidget] = None) -> None:
        self.widget = QCheckBox(text, parent)

    def value(self) -> bool:
        return self.widget.isChecked()

    def set_value(self, value: Any) -> None:
        self.widget.setChecked(bool(value))

    def on_change(self, callback: Callable[[], None]) -> None:
        self.widget.toggled.connect(lambda _checked: callback())


class ChoiceField(Field):
    """A closed list: the value is the chosen item's data (None for the empty choice)."""

    def __init__(self, choices: Sequence[tuple[str, Any]], parent: Optional[QWidget] = None) -> None:
        self.widget = QComboBox(parent)
        self.set_choices(choices)

    def set_choices(self, choices: Sequence[tuple[str, Any]]) -> None:
        current = self.value() if self.widget.count() else None
        self.widget.blockSignals(True)
        self.widget.clear()
        for text, data in choices:
            self.widget.addItem(text, data)
        self.widget.blockSignals(False)
        self.set_value(current)

    def value(self) -> Any:
        return self.widget.currentData()

    def set_value(self, value: Any) -> None:
        index = self.widget.findData(value)
        self.widget.setCurrentIndex(index if index >= 0 else 0)

    def on_change(self, callback: Callable[[], None]) -> None:
        self.widget.currentIndexChanged.connect(lambda _index: callback())


class SuggestField(TextField):
    """Free text with suggestions (a known list the user may leave)."""

    def __init__(self, suggestions: Sequence[str], parent: Optional[QWidget] = None) -> None:
        self.widget = QComboBox(parent)  # type: ignore[assignment]
        self.widget.setEditable(True)
        self.widget.addItems(list(suggestions))
        self.widget.setCurrentIndex(-1)
        self.widget.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)

    def value(self) -> str:
        return self.widget.currentText().strip()  # type: ignore[attr-defined]

    def set_value(self, value: Any) -> None:
        self.widget.setCurrentText("" if value is None else str(value))  # type: ignore[attr-defined]

    def on_change(self, callback: Callable[[], None]) -> None:
        self.widget.currentTextChanged.connect(lambda _text: callback())  # type: ignore[attr-defined]



class FieldSet:
    """Named fields of one form: what was loaded, what the user changed since."""

    def __init__(self) -> None:
        self.fields: dict[str, Field] = {}
        self._loaded: Optional[dict[str, Any]] = None  # None until first loaded
        self._loading = False
        self._callbacks: list[Callable[[], None]] = []

    def add(self, name: str, field: Field) -> Field:
        self.fields[name] = field
        field.on_change(self._changed)
        return field

    def __getitem__(self, name: str) -> Field:
        return self.fields[name]

    def _changed(self) -> None:
        if not self._loading:
            for callback in self._callbacks:
                callback()

    def on_change(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def load(self, values: Mapping[str, Any]) -> None:
        """Show ``values`` (missing names are emptied); they become the unchanged state."""
        self._loading = True
        try:
            for name, field in self.fields.items():
                field.set_value(values.get(name))
        finally:
            self._loading = False
        self._loaded = {name: field.value() for name, field in self.fields.items()}
        self._changed()

    def values(self) -> dict[str, Any]:
        return {name: field.value() for name, field in self.fields.items()}

    def changes(self) -> dict[str, Any]:
        """The fields whose value differs from the loaded one, with their new value."""
        if self._loaded is None:
            return {}
        return {name: field.value() for name, field in self.fields.items()
                if field.value() != self._loaded.get(name)}

    def is_dirty(self) -> bool:
        return bool(self.changes())


def compound_row(form: QFormLayout, text: str, holder: QWidget, errors: FieldErrors,
                 fields: Sequence[tuple[str, QWidget]]) -> None:
    """A row of several inputs sharing one message line: each field's refusal goes under the row."""
    row = QWidget(holder.parentWidget())
    box = QVBoxLayout(row)
    box.setContentsMargins(0, 0, 0, 0)
    box.setSpacing(2)
    holder.setParent(row)
    box.addWidget(holder)
    message = QLabel(row)
    box.addWidget(message)
    for field, widget in fields:
        errors.bind(field, widget, message)
    form.addRow(text, row)
    caption = form.labelForField(row)
    if isinstance(caption, QLabel):
        caption.setBuddy(fields[0][1])


def age_range(form: QFormLayout, text: str, parent: QWidget, errors: FieldErrors, names: tuple[str, str],
              note: str, beside: Optional[QWidget] = None) -> tuple[QLineEdit, QLineEdit]:
    """"de [min] à [max] ans…" typed as text (the services refuse "douze" in French), one
    message line under both; ``beside`` (the type's own ages…) takes the rest of the row."""
    ages = QWidget(parent)
    row = QHBoxLayout(ages)
    row.setContentsMargins(0, 0, 0, 0)
    low, high = QLineEdit(ages), QLineEdit(ages)
    for edit, name in zip((low, high), names):
        edit.setObjectName(name)
        edit.setMaximumWidth(60)
    for widget in (QLabel("de", ages), low, QLabel("à", ages), high, QLabel(note, ages)):
        row.addWidget(widget)
    if beside is not None:
        beside.setParent(ages)
        row.addWidget(beside, 1)
    else:
        row.addStretch(1)
    compound_row(form, text, ages, errors, [(names[0], low), (names[1], high)])
    return low, high
