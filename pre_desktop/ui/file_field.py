"""A form field holding a file chosen with the system's file picker (a scanned agreement…).

The path is shown, not typed: the file is checked and copied by the service when the
form is saved, and a refusal (wrong type, too large) is shown under the field.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget

from .fields import Field


class FileField(Field):
    def __init__(self, caption: str, name_filter: str, start_dir: Callable[[], str],
                 parent: Optional[QWidget] = None) -> None:
        self.widget = QWidget(parent)
        row = QHBoxLayout(self.widget)
        row.setContentsMargins(0, 0, 0, 0)
        self.path = QLineEdit(self.widget)
        self.path.setReadOnly(True)
        self.path.setPlaceholderText("(facultatif) aucun fichier choisi")
        self.choose_button = QPushButton("Choisir…", self.widget)
        self.clear_button = QPushButton("Retirer", self.widget)
        row.addWidget(self.path, 1)
        row.addWidget(self.choose_button)
        row.addWidget(self.clear_button)
        self._caption, self._filter, self._start_dir = caption, name_filter, start_dir
        self.choose_button.clicked.connect(self.choose)
        self.clear_button.clicked.connect(lambda: self.set_value(None))
        self.path.textChanged.connect(lambda text: self.clear_button.setEnabled(bool(text)))
        self.clear_button.setEnabled(False)

    def choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.widget, self._caption, self._start_dir(), self._filter)
        if path:
            self.set_value(path)

    def value(self) -> Optional[str]:
        return self.path.text() or None

    def set_value(self, value: Any) -> None:
        self.path.setText("" if value is None else str(value))

    def on_change(self, callback: Callable[[], None]) -> None:
        self.path.textChanged.connect(lambda _text: callback())
