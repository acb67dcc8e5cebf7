"""The partner form: identity, public ages, contacts, notes; saved as one change.

The widgets only collect what was typed: ``services.partners.save_partner`` judges
it (and its contacts) and a refusal is shown under the field it names. Ages are
typed as text so that "douze" gets the services' French message rather than being
silently turned into 0 by a spin box.
"""

from __future__ import annotations

from typing import Any, Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..services.errors import DomainError
from ..services.partners import ContactRow, PartnerDetail, PartnerTypeRow, check_contact
from .fields import age_range, compound_row
from .forms import FieldErrors
from .rows_model import Column, RowsView
from .widgets import ok_cancel


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# the contacts being edited in the form (saved with the partner), in the order they were added
CONTACT_COLUMNS = [Column("Nom", lambda c: c.name), Column("Fonction", lambda c: _text(c.function)),
                   Column("Téléphone", lambda c: _text(c.phone)), Column("Courriel", lambda c: _text(c.email))]


class ContactDialog(QDialog):
    """One contact; checked by the services before the dialog closes."""

    def __init__(self, parent: Optional[QWidget], contact: Optional[ContactRow] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Modifier le contact" if contact else "Nouveau contact")
        self.original = contact
        self.result_contact: Optional[ContactRow] = None
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.errors = FieldErrors()
        self.inputs: dict[str, QLineEdit] = {}
        for field, label in (("name", "&Nom :"), ("function", "&Fonction :"), ("phone", "&Téléphone :"),
                             ("email", "&Courriel :")):
            edit = QLineEdit(self)
            edit.setObjectName(f"contact_{field}")
            edit.setText(_text(getattr(contact, field, None)))
            edit.setMinimumWidth(280)
            self.inputs[field] = edit
            self.errors.add_row(form, label, field, edit)
        layout.addLayout(form)
        layout.addWidget(ok_cancel(self, "Valider", self.accept))

    def accept(self) -> None:
        values: dict[str, Any] = {k: w.text() for k, w in self.inputs.items()}
        if self.original is not None:
            values |= {"id": self.original.id, "version": self.original.version}
        try:
            self.result_contact = check_contact(values)
        except DomainError as error:
            self.errors.show(error)
            return
        super().accept()


class PartnerForm(QWidget):
    """Shows one partner (or a new one) and gives back the values typed."""

    empty_title = "Nouvelle structure partenaire"  # no partner chosen: the form creates one

    save_requested = Signal()
    delete_requested = Signal()
    changed = Signal()

    FIELDS = ("name", "address", "postal_code", "town", "phone", "email", "sector", "age_min", "age_max")

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.detail: Optional[PartnerDetail] = None
        self.types: list[PartnerTypeRow] = []
        self.dirty = False
        self._loading = False
        self._build()
        self.clear()

    # --- layout --------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 4, 4)
        self.title = QLabel(self)
        self.title.setObjectName("form_title")
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.title.setWordWrap(True)  # a long name wraps rather than widening the form past its pane
        layout.addWidget(self.title)
        self.banner = QLabel(self)
        self.errors = FieldErrors(self.banner)
        layout.addWidget(self.banner)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.inputs: dict[str, QLineEdit] = {}

        def line(field: str, placeholder: str = "", width: int = 0) -> QLineEdit:
            edit = QLineEdit(self)
            edit.setObjectName(field)
            edit.setPlaceholderText(placeholder)
            if width:
                edit.setMaximumWidth(width)
            edit.textEdited.connect(self._edited)
            self.inputs[field] = edit
            return edit

        self.errors.add_row(form, "&Nom :", "name", line("name"))
        self.type_combo = QComboBox(self)
        self.type_combo.setObjectName("type_id")
        self.type_combo.currentIndexChanged.connect(self._type_chosen)
        self.errors.add_row(form, "&Type :", "type_id", self.type_combo)
        self.orientation_note = QLabel(self)
        self.orientation_note.setObjectName("orientation_note")
        self.orientation_note.setWordWrap(True)
        self.orientation_note.setStyleSheet("color: palette(dark); font-size: 90%;")
        form.addRow("", self.orientation_note)
        self.errors.add_row(form, "&Adresse :", "address", line("address"))
        place = QWidget(self)
        row = QHBoxLayout(place)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(line("postal_code", "Code postal", 90))
        row.addWidget(line("town", "Commune"), 1)
        compound_row(form, "&Commune :", place, self.errors, [("postal_code", self.inputs["postal_code"]),
                                                             ("town", self.inputs["town"])])
        self.errors.add_row(form, "Télé&phone :", "phone", line("phone"))
        self.errors.add_row(form, "Co&urriel :", "email", line("email", "accueil@structure.fr"))
        self.errors.add_row(form, "&Secteur :", "sector", line("sector", "Secteur psychiatrique, quartier…"))
        self.type_ages = QLabel(self)
        self.type_ages.setObjectName("type_ages")
        self.type_ages.setStyleSheet("color: palette(dark);")
        ages = age_range(form, "Public (â&ges) :", self, self.errors, ("age_min", "age_max"), "ans", self.type_ages)
        for field, edit in zip(("age_min", "age_max"), ages):
            edit.textEdited.connect(self._edited)
            self.inputs[field] = edit

        contacts_box = QWidget(self)
        box = QVBoxLayout(contacts_box)
        box.setContentsMargins(0, 0, 0, 0)
        self.contacts_list = RowsView(CONTACT_COLUMNS, "Aucun contact.", contacts_box, name="contacts",
                                      sortable=False)
        self.contacts_view = self.contacts_list.table
        self.contacts_view.setFixedHeight(self.fontMetrics().height() * 6 + 16)  # a few rows and the scroll bar
        self.contacts_view.doubleClicked.connect(lambda _index: self.edit_contact())
        box.addWidget(self.contacts_list)
        buttons = QHBoxLayout()
        self.add_contact_button = QPushButton("Ajouter un contact…", contacts_box)
        self.edit_contact_button = QPushButton("Modifier…", contacts_box)
        self.remove_contact_button = QPushButton("Retirer", contacts_box)
        self.add_contact_button.clicked.connect(self.add_contact)
        self.edit_contact_button.clicked.connect(self.edit_contact)
        self.remove_contact_button.clicked.connect(self.remove_contact)
        for button in (self.add_contact_button, self.edit_contact_button, self.remove_contact_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        box.addLayout(buttons)
        self.contacts_view.selectionModel().selectionChanged.connect(lambda *_: self._contact_buttons())
        compound_row(form, "Contacts :", contacts_box, self.errors, [("contacts", self.contacts_view)])

        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 14)
        self.notes.textChanged.connect(self._edited)
        self.errors.add_row(form, "N&otes :", "notes", self.notes)
        self.active = QCheckBox("Structure active (proposée dans les orientations)", self)
        self.active.setObjectName("active")
        self.active.toggled.connect(self._edited)
        self.errors.add_row(form, "", "active", self.active)
        layout.addLayout(form)

        actions = QHBoxLayout()
        self.save_button = QPushButton("&Enregistrer", self)
        self.save_button.setObjectName("save")
        self.save_button.setToolTip("Enregistrer la structure (Ctrl+S)")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save_requested)
        self.delete_button = QPushButton("Supprimer…", self)
        self.delete_button.setObjectName("delete")
        self.delete_button.clicked.connect(self.delete_requested)
        actions.addWidget(self.save_button)
        actions.addStretch(1)
        actions.addWidget(self.delete_button)
        layout.addLayout(actions)
        layout.addStretch(1)
        shortcut = QShortcut(QKeySequence.StandardKey.Save, self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.save_requested)

    # --- loading -------------------------------------------------------------------

    def set_read_only(self) -> None:
        """For a role that reads the directory only: the fields show, take no typing."""
        for edit in self.findChildren(QLineEdit):
            edit.setReadOnly(True)
        for text in self.findChildren(QPlainTextEdit):
            text.setReadOnly(True)
        for choice in (*self.findChildren(QComboBox), *self.findChildren(QCheckBox)):
            choice.setEnabled(False)

    def set_types(self, types: list[PartnerTypeRow]) -> None:
        self._loading = True
        current = self.type_combo.currentData()
        self.types = list(types)
        self.type_combo.clear()
        self.type_combo.addItem("— Choisir un type —", None)
        for t in self.types:
            self.type_combo.addItem(t.label if t.direct_orientation_allowed else f"{t.label} (orientation indirecte)", t.id)
        self._select_type(current)
        self._loading = False

    def _select_type(self, type_id: Optional[int]) -> None:
        index = self.type_combo.findData(type_id) if type_id is not None else 0
        self.type_combo.setCurrentIndex(max(index, 0))
        self._show_type(self._type(type_id))

    def _type(self, type_id: Optional[int]) -> Optional[PartnerTypeRow]:
        return next((t for t in self.types if t.id == type_id), None)

    def clear(self) -> None:
        """An empty form for a new partner."""
        self.load(None)

    def load(self, detail: Optional[PartnerDetail]) -> None:
        self._loading = True
        self.detail = detail
        self.errors.clear()
        for field in self.FIELDS:
            self.inputs[field].setText(_text(getattr(detail, field, None)))
        self._select_type(detail.type_id if detail else None)
        self.notes.setPlainText(_text(detail.notes if detail else None))
        self.active.setChecked(detail.active if detail else True)
        self._set_contacts(list(detail.contacts) if detail else [])
        self.title.setText(detail.name if detail else self.empty_title)
        self.delete_button.setEnabled(detail is not None)
        self.dirty = False
        self._loading = False

    # --- editing -------------------------------------------------------------------

    def _edited(self, *_args: Any) -> None:
        if not self._loading:
            self.dirty = True
            self.changed.emit()

    def _type_chosen(self, _index: int) -> None:
        if self._loading:
            return
        chosen = self._type(self.type_combo.currentData())
        self._show_type(chosen)
        if chosen is not None:
            # the type's public, as the guide gives it; the user may narrow it
            self.inputs["age_min"].setText(_text(chosen.age_min))
            self.inputs["age_max"].setText(_text(chosen.age_max))
        self._edited()

    def _show_type(self, ptype: Optional[PartnerTypeRow]) -> None:
        if ptype is None:
            self.orientation_note.setText("")
            self.orientation_note.hide()
            self.type_ages.setText("")
            return
        self.type_ages.setText(f"(type : {ptype.ages_text.lower() if ptype.ages_text == 'Tous âges' else ptype.ages_text})")
        mode = ptype.orientation_label or ptype.orientation_mode_label
        if ptype.direct_orientation_allowed:
            self.orientation_note.setText(f"Orientation : {mode}.")
            self.orientation_note.setStyleSheet("color: palette(dark); font-size: 90%;")
        else:
            self.orientation_note.setText(f"Le PRE ne peut pas orienter directement vers ce type de structure. "
                                          f"{ptype.refusal_explanation or ''}")
            self.orientation_note.setStyleSheet("color: #8a4b08; font-size: 90%;")
        self.orientation_note.show()

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {field: self.inputs[field].text() for field in self.FIELDS}
        out["type_id"] = self.type_combo.currentData()
        out["notes"] = self.notes.toPlainText()
        out["active"] = self.active.isChecked()
        return out

    def contacts(self) -> list[ContactRow]:
        return self.contacts_list.model.rows

    def _set_contacts(self, contacts: list[ContactRow]) -> None:
        self.contacts_list.set_rows(contacts, keep_selection=False)
        self._contact_buttons()

    def _contact_buttons(self) -> None:
        """Modifier / Retirer act on the selected contact: greyed without one."""
        chosen = self.contacts_view.selectionModel().hasSelection()
        self.edit_contact_button.setEnabled(chosen)
        self.remove_contact_button.setEnabled(chosen)

    def _selected_contact(self) -> int:
        index = self.contacts_view.currentIndex()
        return index.row() if index.isValid() else -1

    def add_contact(self) -> None:
        dialog = ContactDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.result_contact:
            self._set_contacts(self.contacts() + [dialog.result_contact])
            self._edited()

    def edit_contact(self) -> None:
        row = self._selected_contact()
        if row < 0:
            return
        dialog = ContactDialog(self, self.contacts()[row])
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.result_contact:
            contacts = self.contacts()
            contacts[row] = dialog.result_contact
            self._set_contacts(contacts)
            self._edited()

    def remove_contact(self) -> None:
        row = self._selected_contact()
        if row < 0:
            return
        contacts = self.contacts()
        del contacts[row]
        self._set_contacts(contacts)
        self._edited()
