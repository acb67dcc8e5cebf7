"""A small dialog to add or edit one record (an adult of the family, a repérage…).

The dialog holds no rule: it shows the fields, and on "Enregistrer" calls ``save``
(one service call in one transaction) through ``forms.run_action``, which shows a
refusal on its field and keeps the dialog open with what was typed. Esc cancels.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional, Sequence

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from .fields import Field, FieldSet
from .forms import FieldErrors, run_action
from .widgets import ok_cancel


class FormDialog(QDialog):
    def __init__(self, parent: Optional[QWidget], title: str, rows: Sequence[tuple[str, str, Field]],
                 values: Mapping[str, Any], save: Callable[[FieldSet, bool], Any]) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self._save = save
        self.result_value: Any = None
        layout = QVBoxLayout(self)
        banner = QLabel(self)
        banner.setObjectName("banner")
        self.errors = FieldErrors(banner)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields = FieldSet()
        for name, text, field in rows:
            field.widget.setParent(self)
            field.widget.setObjectName(name)
            self.fields.add(name, field)
            self.errors.add_row(form, text, name, field.widget)
        self.fields.load(values)
        layout.addLayout(form)
        layout.addWidget(banner)
        self.buttons = ok_cancel(self, "Enregistrer", self.save, QDialogButtonBox.StandardButton.Save)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
        if rows:
            rows[0][2].widget.setFocus()

    def save(self) -> bool:
        """Store through the service; stay open (with the refusal shown) when refused."""
        def action(confirm: bool) -> bool:
            self.result_value = self._save(self.fields, confirm)
            return True

        if run_action(self, action, self.errors):
            self.accept()
            return True
        if self.isVisible():
            self.fit_height()
        return False

    def fit_height(self) -> None:
        fit_height(self)


def fit_height(dialog: QDialog) -> None:
    """Grow to hold a refusal's message (wrapped under its field) at the current width:
    a dialog does not grow by itself, and a long message would overlap the next row."""
    layout = dialog.layout()
    layout.activate()
    width = dialog.width()
    needed = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else layout.totalSizeHint().height()
    if needed > dialog.height():
        dialog.resize(width, needed)
