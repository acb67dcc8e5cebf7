"""Types of structure: the guide's table (public, orientation mode, may the PRE orient
directly — rule 6), the public's ages adjustable, and local types added.

The orientation mode and the "direct orientation" flag of the guide's types are shown
but not editable: they carry rule 6 (CATTP and hôpitaux de jour through a psychiatrist).
"""

from __future__ import annotations

from typing import Any, Optional

from PySide6.QtCore import QModelIndex, QSize
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..models import OrientationMode
from ..services.labels import label as enum_label
from ..services.partners import PartnerTypeRow, create_partner_type, partner_type_rows, update_partner_type
from .context import AppContext
from .fields import age_range
from .forms import FieldErrors, run_action
from .rows_model import ROW_ROLE, Column, RowsView
from .widgets import ok_cancel


DEFAULT_SIZE = QSize(1000, 640)


def _direct_text(row: PartnerTypeRow) -> str:
    return "oui" if row.direct_orientation_allowed else "non (*)"


def _indirect(row: PartnerTypeRow) -> Optional[str]:
    return None if row.direct_orientation_allowed else row.refusal_explanation


COLUMNS = [  # the guide's order (not sortable)
    Column("Type de structure", lambda r: r.label, max_width=300),
    Column("Public", lambda r: r.public_label or "", max_width=300),
    Column("Âges", lambda r: r.ages_text, max_width=300),
    Column("Mode d'orientation", lambda r: r.orientation_label or r.orientation_mode_label, max_width=300,
           tooltip=lambda r: r.orientation_mode_label),
    Column("Orientation directe", _direct_text, max_width=300, tooltip=_indirect,
           color=lambda r: None if r.direct_orientation_allowed else "#a04000"),
    Column("Structures", lambda r: str(r.partners)),
]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class NewTypeDialog(QDialog):
    """A local type of structure (SESSAD, service de PMI…)."""

    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.created_id: Optional[int] = None
        self.setWindowTitle("Nouveau type de structure")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.errors = FieldErrors(QLabel(self))
        layout.addWidget(self.errors.banner)
        self.label = QLineEdit(self)
        self.label.setObjectName("label")
        self.label.setMinimumWidth(320)
        self.errors.add_row(form, "&Nom du type :", "label", self.label)
        self.public = QLineEdit(self)
        self.public.setObjectName("public_label")
        self.public.setPlaceholderText("ex. Enfants et adolescents")
        self.errors.add_row(form, "&Public :", "public_label", self.public)
        self.age_min, self.age_max = QLineEdit(self), QLineEdit(self)
        self.age_min.setObjectName("age_min")
        self.age_max.setObjectName("age_max")
        self.errors.add_row(form, "Âge mi&nimum :", "age_min", self.age_min)
        self.errors.add_row(form, "Âge ma&ximum :", "age_max", self.age_max)
        self.mode = QComboBox(self)
        self.mode.setObjectName("orientation_mode")
        for mode in OrientationMode:
            self.mode.addItem(enum_label(mode), mode.value)
        self.errors.add_row(form, "&Mode d'orientation :", "orientation_mode", self.mode)
        self.orientation = QLineEdit(self)
        self.orientation.setObjectName("orientation_label")
        self.orientation.setPlaceholderText("ex. Orientation par le médecin scolaire")
        self.errors.add_row(form, "&Précision :", "orientation_label", self.orientation)
        self.direct = QCheckBox("Le PRE peut orienter directement vers ce type de structure", self)
        self.direct.setObjectName("direct")
        self.direct.setChecked(True)
        self.errors.add_row(form, "", "direct_orientation_allowed", self.direct)
        self.explanation = QPlainTextEdit(self)
        self.explanation.setObjectName("refusal_explanation")
        self.explanation.setPlaceholderText("Expliquez par où passer (montré quand une orientation est refusée)")
        self.explanation.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 14)
        self.explanation.setTabChangesFocus(True)
        self.errors.add_row(form, "E&xplication :", "refusal_explanation", self.explanation)
        self.direct.toggled.connect(lambda on: self.explanation.setEnabled(not on))
        self.explanation.setEnabled(False)
        layout.addLayout(form)
        layout.addWidget(ok_cancel(self, "Ajouter", self.accept))

    def accept(self) -> None:
        def action(_confirm: bool) -> int:
            with self.ctx.write() as session:
                return create_partner_type(
                    session, label=self.label.text(), public_label=self.public.text(),
                    age_min=self.age_min.text(), age_max=self.age_max.text(),
                    orientation_mode=self.mode.currentData(), orientation_label=self.orientation.text(),
                    direct_orientation_allowed=self.direct.isChecked(),
                    refusal_explanation=None if self.direct.isChecked() else self.explanation.toPlainText()).id

        created = run_action(self, action, self.errors)
        if created is not None:
            self.created_id = created
            self.ctx.data_changed.emit()
            super().accept()


class PartnerTypesDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.current: Optional[PartnerTypeRow] = None
        self.setWindowTitle("Types de structure")
        self._build()
        self.refresh()
        size = self.ctx.settings.value("partner_types/size")
        # by default wide and tall enough to read the guide's table without scrolling sideways
        self.resize(size if size is not None else self.sizeHint().expandedTo(DEFAULT_SIZE))

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        intro = QLabel("Types de structure du guide ANCT (cartographie des structures de soin et d'accompagnement) "
                       "et types ajoutés. (*) Le PRE ne peut pas orienter directement vers ces structures : "
                       "l'orientation passe par un médecin psychiatre.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.list = RowsView(COLUMNS, "", self, name="types", sortable=False)
        self.table, self.model = self.list.table, self.list.model
        self.table.selectionModel().currentRowChanged.connect(lambda index, _p: self._show(index))
        layout.addWidget(self.list, 1)

        box = QGroupBox("Type sélectionné", self)
        self.edit_box = box
        form = QFormLayout(box)
        self.errors = FieldErrors(QLabel(box))
        form.addRow(self.errors.banner)
        self.label = QLineEdit(box)
        self.label.setObjectName("label")
        self.errors.add_row(form, "&Nom :", "label", self.label)
        self.public = QLineEdit(box)
        self.public.setObjectName("public_label")
        self.errors.add_row(form, "&Public :", "public_label", self.public)
        self.age_min, self.age_max = age_range(form, "Â&ges du public :", box, self.errors, ("age_min", "age_max"),
                                               "ans (vide : sans limite)")
        self.orientation = QLabel(box)
        self.orientation.setObjectName("orientation")
        self.orientation.setWordWrap(True)
        form.addRow("Orientation :", self.orientation)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("&Enregistrer le type", box)
        self.save_button.setObjectName("save_type")
        self.save_button.clicked.connect(self.save)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        form.addRow(buttons)
        layout.addWidget(box)

        bottom = QHBoxLayout()
        self.add_button = QPushButton("&Ajouter un type…", self)
        self.add_button.setObjectName("add_type")
        self.add_button.clicked.connect(self.add_type)
        close = QPushButton("&Fermer", self)
        close.clicked.connect(self.accept)
        bottom.addWidget(self.add_button)
        bottom.addStretch(1)
        bottom.addWidget(close)
        layout.addLayout(bottom)

    def refresh(self, select_id: Optional[int] = None) -> None:
        keep = select_id if select_id is not None else (self.current.id if self.current else None)
        with self.ctx.read() as session:
            rows = partner_type_rows(session)
        self.list.set_rows(rows, keep_selection=False)
        number = next((n for n, r in enumerate(self.model.rows) if r.id == keep), 0)
        self.table.selectRow(number)
        self._show(self.model.index(number, 0))

    def _show(self, index: QModelIndex) -> None:
        row: Optional[PartnerTypeRow] = index.data(ROW_ROLE) if index.isValid() else None
        self.current = row
        self.errors.clear()
        self.edit_box.setEnabled(row is not None)
        self.label.setText(row.label if row else "")
        self.public.setText(_text(row.public_label) if row else "")
        self.age_min.setText(_text(row.age_min) if row else "")
        self.age_max.setText(_text(row.age_max) if row else "")
        if row is None:
            self.orientation.setText("")
        elif row.direct_orientation_allowed:
            self.orientation.setText(f"{row.orientation_mode_label}. Le PRE peut orienter directement.")
        else:
            self.orientation.setText(f"{row.orientation_mode_label}. Pas d'orientation directe : {row.refusal_explanation}")

    def save(self) -> None:
        row = self.current
        if row is None:
            return

        def action(_confirm: bool) -> int:
            with self.ctx.write() as session:
                return update_partner_type(session, row.id, expected_version=row.version, label=self.label.text(),
                                           public_label=self.public.text(), age_min=self.age_min.text(),
                                           age_max=self.age_max.text()).id

        if run_action(self, action, self.errors) is not None:
            self.ctx.data_changed.emit()
            self.refresh(row.id)

    def add_type(self) -> None:
        dialog = NewTypeDialog(self.ctx, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.created_id is not None:
            self.refresh(dialog.created_id)

    def done(self, result: int) -> None:
        self.ctx.settings.setValue("partner_types/size", self.size())
        super().done(result)
