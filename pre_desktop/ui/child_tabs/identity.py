"""Identité et famille tab: the child's fields, the family's, its adults and the siblings followed.

The child's and the family's fields are one form, saved by the window's Ctrl+S (see
``services.child_file.save_child_file``). The adults of the household are added,
corrected or removed one at a time through a dialog (each a write of its own), and a
sibling's line opens the sibling's own file.
"""

from __future__ import annotations

from typing import Any, Optional

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ...formatting import agreed, fr_date
from ...models import Role, Sex
from ...services import child_file
from ...services.children import add_guardian, remove_guardian, schools, update_guardian
from ...services.clock import today
from ...services.consent import (
    DOCUMENT_SUFFIXES,
    ConsentRow,
    consent_history,
    document_file,
    record_consent,
    store_consent_document,
    withdraw_consent,
)
from ...services.child_file import FAMILY_PREFIX, ChildIdentity, GuardianRow, SiblingRow
from ...services.labels import label
from ...services.users import list_users
from ..context import AppContext
from ..fields import CheckField, ChoiceField, DateField, FieldSet, MultilineField, SuggestField, TextField
from ..file_field import FileField
from ..form_dialog import FormDialog
from ..forms import FieldErrors, confirm, run_action
from ..rows_model import Column, RowsView
from ..subject_access_action import subject_access_button
from .base import ChildTab

GUARDIAN_COLUMNS = [
    Column("Nom", lambda r: r.name),
    Column("Lien", lambda r: r.relationship_label or ""),
    Column("Responsable légal", lambda r: "Oui" if r.is_legal_guardian else "Non"),
    Column("Téléphone", lambda r: r.phone or ""),
    Column("Courriel", lambda r: r.email or ""),
    Column("Date de naissance", lambda r: fr_date(r.birth_date), sort=lambda r: r.birth_date),
]

SIBLING_COLUMNS = [
    Column("Nom", lambda r: r.name),
    Column("Date de naissance", lambda r: fr_date(r.birth_date), sort=lambda r: r.birth_date),
    Column("Âge", lambda r: f"{r.age} an{'s' if r.age > 1 else ''}", sort=lambda r: r.age),
    Column("École / classe", lambda r: r.school),
    Column("Statut", lambda r: r.status_label),
]

CONSENT_COLUMNS = [
    Column("Accord du", lambda r: fr_date(r.given_on), sort=lambda r: r.given_on),
    Column("Donné par", lambda r: r.given_by),
    Column("Portée", lambda r: r.scope, max_width=360),
    Column("État", lambda r: "en cours" if r.in_force else (f"retiré le {fr_date(r.withdrawn_on)}" if r.withdrawn_on
                                                             else "pas encore en vigueur" if r.given_on > today()
                                                             else "remplacé")),
    Column("Document", lambda r: "Oui" if r.document_path else "—"),
    Column("Enregistré par", lambda r: r.recorded_by),
]

RELATIONSHIPS = ("mère", "père", "belle-mère", "beau-père", "grand-mère", "grand-père", "tante", "oncle",
                 "tuteur / tutrice", "assistant(e) familial(e)")


def _guardian_rows() -> list[tuple[str, str, Any]]:
    return [
        ("last_name", "Nom :", TextField(max_length=100)),
        ("first_name", "Prénom :", TextField(max_length=100)),
        ("relationship_label", "Lien avec l'enfant :", SuggestField(RELATIONSHIPS)),
        ("is_legal_guardian", "", CheckField("Responsable légal")),
        ("phone", "Téléphone :", TextField(max_length=40)),
        ("email", "Courriel :", TextField(max_length=200)),
        ("birth_date", "Date de naissance :", DateField()),
    ]


class IdentityTab(ChildTab):
    title = "Identité et famille"

    def __init__(self, ctx: AppContext, child_id: int, errors: FieldErrors,
                 parent: Optional[QWidget] = None) -> None:
        super().__init__(ctx, child_id, parent)
        self.errors = errors
        self.data: Optional[ChildIdentity] = None
        self.child_fields = FieldSet()
        self.family_fields = FieldSet()
        self._loaded_versions: tuple[int, int] = (0, 0)
        self._build()

    # --- layout ----------------------------------------------------------------------

    def _build(self) -> None:
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        body = QWidget(scroll)
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 4, 0)

        self.status = QLabel(body)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        column.addWidget(self.status)
        consent_row = QHBoxLayout()
        # The orientation refusal sends the user here: the agreement is recorded from this button.
        self.consent_button = QPushButton("Accord de la famille…", body)
        self.consent_button.setToolTip("Enregistrer l'accord écrit de la famille (nécessaire avant toute orientation).")
        self.consent_button.clicked.connect(self.record_consent)
        consent_row.addWidget(self.consent_button)
        self.withdraw_button = QPushButton("Retirer l'accord…", body)
        self.withdraw_button.setToolTip("La famille retire son accord : plus aucune orientation ni transmission "
                                        "aux partenaires à partir de cette date.")
        self.withdraw_button.clicked.connect(self.withdraw_consent)
        consent_row.addWidget(self.withdraw_button)
        consent_row.addStretch(1)
        self.access_button = subject_access_button(self.ctx, self.child_id, body)  # coordinator only
        if self.access_button is not None:
            consent_row.addWidget(self.access_button)
        column.addLayout(consent_row)

        grid = QGridLayout()
        grid.addWidget(self._child_box(body), 0, 0)
        grid.addWidget(self._family_box(body), 0, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        column.addLayout(grid)

        adults = QGroupBox("Responsables et adultes du foyer", body)
        adults_box = QVBoxLayout(adults)
        buttons = QHBoxLayout()
        self.add_guardian_button = QPushButton("Ajouter un adulte…", adults)
        self.edit_guardian_button = QPushButton("Modifier…", adults)
        self.remove_guardian_button = QPushButton("Supprimer", adults)
        for button in (self.add_guardian_button, self.edit_guardian_button, self.remove_guardian_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        adults_box.addLayout(buttons)
        self.guardians = RowsView(GUARDIAN_COLUMNS, "Aucun adulte enregistré pour cette famille.", adults,
                                  name="guardians", max_rows=6)
        adults_box.addWidget(self.guardians)
        column.addWidget(adults)
        self.add_guardian_button.clicked.connect(self.add_guardian)
        self.edit_guardian_button.clicked.connect(lambda: self.edit_guardian(self.guardians.selected()))
        self.remove_guardian_button.clicked.connect(lambda: self.remove_guardian(self.guardians.selected()))
        self.guardians.activated.connect(self.edit_guardian)
        self.guardians.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())

        agreements = QGroupBox("Accords de la famille", body)
        agreements_box = QVBoxLayout(agreements)
        agreement_buttons = QHBoxLayout()
        self.open_consent_button = QPushButton("Ouvrir le document", agreements)
        self.open_consent_button.setObjectName("open_consent")
        self.open_consent_button.setToolTip("Ouvrir la copie numérisée de l'accord choisi")
        self.open_consent_button.clicked.connect(lambda: self.open_consent_document(self.consents.selected()))
        agreement_buttons.addWidget(self.open_consent_button)
        agreement_buttons.addStretch(1)
        agreements_box.addLayout(agreement_buttons)
        self.consents = RowsView(CONSENT_COLUMNS, "Aucun accord enregistré pour cette famille.", agreements,
                                 name="consents", max_rows=4)
        self.consents.activated.connect(self.open_consent_document)
        self.consents.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        agreements_box.addWidget(self.consents)
        column.addWidget(agreements)

        siblings = QGroupBox("Frères et sœurs suivis", body)
        siblings_box = QVBoxLayout(siblings)
        self.siblings = RowsView(SIBLING_COLUMNS, "Aucun frère ni sœur suivi par le PRE.", siblings, name="siblings", max_rows=6)
        self.siblings.table.setToolTip("Double-cliquez ou appuyez sur Entrée pour ouvrir son dossier.")
        self.siblings.activated.connect(self.open_sibling)
        siblings_box.addWidget(self.siblings)
        column.addWidget(siblings)
        column.addStretch(1)

        scroll.setWidget(body)
        widgets = [f.widget for f in (*self.child_fields.fields.values(), *self.family_fields.fields.values())]
        for before, after in zip(widgets, widgets[1:]):  # Tab follows the form, child then family
            QWidget.setTabOrder(before, after)
        self.layout_.addWidget(scroll, 1)
        self.child_fields.on_change(self._changed)
        self.family_fields.on_change(self._changed)
        self._enable()

    def _form_box(self, title: str, parent: QWidget) -> tuple[QGroupBox, QFormLayout]:
        box = QGroupBox(title, parent)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        return box, form

    def _row(self, fields: FieldSet, form: QFormLayout, text: str, name: str, field: Any, error_name: str) -> None:
        field.widget.setObjectName(error_name)
        fields.add(name, field)
        self.errors.add_row(form, text, error_name, field.widget)

    def _child_box(self, parent: QWidget) -> QGroupBox:
        box, form = self._form_box("Enfant", parent)
        self.referent = ChoiceField([("(aucun)", None)], box)
        if self.ctx.role not in (None, Role.COORDINATOR):  # the services refuse it too (services.children)
            self.referent.widget.setEnabled(False)
            self.referent.widget.setToolTip("Seule la coordination confie un dossier à un(e) autre référent(e).")
        self.school = SuggestField([], box)
        for name, text, field in (
            ("last_name", "Nom :", TextField(box, max_length=100)),
            ("first_name", "Prénom :", TextField(box, max_length=100)),
            ("birth_date", "Date de naissance :", DateField(box)),
            ("sex", "Sexe :", ChoiceField([("—", None), (label(Sex.FEMALE), Sex.FEMALE), (label(Sex.MALE), Sex.MALE)],
                                          box)),
            ("school", "École / établissement :", self.school),
            ("school_class", "Classe :", TextField(box, max_length=40)),
            ("referent_id", "Référent(e) :", self.referent),
            ("last_contact_on", "Dernier contact :", DateField(box)),
            ("notes", "Notes :", MultilineField(box, lines=3)),
        ):
            self._row(self.child_fields, form, text, name, field, name)
        return box

    def _family_box(self, parent: QWidget) -> QGroupBox:
        box, form = self._form_box("Famille", parent)
        for name, text, field in (
            ("name", "Nom de la famille :", TextField(box, max_length=150)),
            ("address", "Adresse :", TextField(box, max_length=300)),
            ("postal_code", "Code postal :", TextField(box, max_length=10)),
            ("town", "Commune :", TextField(box, max_length=120)),
            ("neighbourhood", "Quartier :", TextField(box, max_length=120)),
            ("phone", "Téléphone :", TextField(box, max_length=40)),
            ("languages", "Langues parlées :", TextField(box, max_length=200, placeholder="ex. : français, arabe")),
            ("interpreter_needed", "", CheckField("Interprète nécessaire", box)),
            ("notes", "Notes sur la famille :", MultilineField(box, lines=3)),
        ):
            self._row(self.family_fields, form, text, name, field, FAMILY_PREFIX + name)
        self.family_fields["postal_code"].widget.setMaximumWidth(
            self.fontMetrics().horizontalAdvance("000000") + 24)
        return box

    # --- data ------------------------------------------------------------------------

    def is_dirty(self) -> bool:
        return self.child_fields.is_dirty() or self.family_fields.is_dirty()

    @property
    def versions(self) -> tuple[int, int]:
        """(child, family) versions the form was loaded from: what a save expects to find."""
        return self._loaded_versions

    def _changed(self) -> None:
        window = self.window()
        if hasattr(window, "update_modified"):
            window.update_modified()

    def refresh(self, *, force: bool = False) -> None:
        """Read the file again; the form is reloaded only if it holds no edits (or ``force``)."""
        with self.ctx.read() as session:
            data = child_file.identity(session, self.child_id)
            referents = [u for u in list_users(session) if u.role in (Role.REFERENT, Role.COORDINATOR)]
            known_schools = schools(session)
            agreements = consent_history(session, data.family.id)
        self.data = data
        choices: list[tuple[str, Any]] = [("(aucun)", None)] + [(u.name, u.id) for u in referents]
        if data.referent_id is not None and data.referent_id not in {u.id for u in referents}:
            choices.append((f"{data.referent_name} (inactif)", data.referent_id))
        if force or not self.is_dirty():
            self.referent.set_choices(choices)
            self.school.widget.clear()
            self.school.widget.addItems(known_schools)
            self.child_fields.load({name: getattr(data, name) for name in child_file.CHILD_FORM_FIELDS})
            self.family_fields.load({name: getattr(data.family, name) for name in self.family_fields.fields})
            self._loaded_versions = (data.version, data.family.version)
        self.status.setText(self._status_text(data))
        self.withdraw_button.setEnabled(data.consent_id is not None)
        self.guardians.set_rows(data.guardians)
        self.consents.set_rows(agreements)
        self.siblings.set_rows(data.siblings)
        self._enable()

    @staticmethod
    def _status_text(data: ChildIdentity) -> str:
        parts = [f"Statut : {data.status_label} (fixé par les décisions d'EPS)"]
        if data.entry_date:
            parts.append(f"{agreed('entré', data.sex)} dans le dispositif le {fr_date(data.entry_date)}")
        if data.exit_date:
            exit_text = f"{agreed('sorti', data.sex)} le {fr_date(data.exit_date)}"
            parts.append(exit_text + (f" : {data.exit_reason}" if data.exit_reason else ""))
        consent = (f"Accord de la famille : {data.consent}." if data.consent
                   else "Accord de la famille : aucun accord en cours (nécessaire avant toute orientation).")
        return " — ".join(parts) + "\n" + consent

    def _enable(self) -> None:
        has = self.guardians.selected() is not None
        self.edit_guardian_button.setEnabled(has)
        self.remove_guardian_button.setEnabled(has)
        agreement = self.consents.selected()
        self.open_consent_button.setEnabled(agreement is not None and bool(agreement.document_path))

    # --- adults of the family ---------------------------------------------------------

    def guardian_dialog(self, row: Optional[GuardianRow]) -> FormDialog:
        assert self.data is not None
        family_id = self.data.family.id
        values: dict[str, Any] = {"is_legal_guardian": True} if row is None else {
            name: getattr(row, name) for name in ("last_name", "first_name", "relationship_label", "birth_date",
                                                  "phone", "email", "is_legal_guardian")}

        def save(fields: FieldSet, _confirm: bool) -> Any:
            with self.ctx.write() as session:
                if row is None:
                    return add_guardian(session, family_id, **fields.values()).id
                return update_guardian(session, row.id, row.version, **fields.changes()).id

        title = "Nouvel adulte du foyer" if row is None else f"{row.name}"
        return FormDialog(self, title, _guardian_rows(), values, save)

    def add_guardian(self) -> None:
        if self.data is not None and self.guardian_dialog(None).exec():
            self.ctx.data_changed.emit()

    def edit_guardian(self, row: Optional[GuardianRow]) -> None:
        if row is not None and self.guardian_dialog(row).exec():
            self.ctx.data_changed.emit()

    def remove_guardian(self, row: Optional[GuardianRow]) -> None:
        if row is None or not confirm(self, "Supprimer un adulte du foyer",
                                      f"Supprimer {row.name} de la famille ? Ses coordonnées seront effacées."):
            return

        def action(_confirm: bool) -> bool:
            with self.ctx.write() as session:
                remove_guardian(session, row.id, expected_version=row.version)
            return True

        if run_action(self, action, title="Suppression refusée"):
            self.ctx.data_changed.emit()

    # --- the family's agreement ---------------------------------------------------------

    def consent_dialog(self) -> FormDialog:
        assert self.data is not None
        family_id = self.data.family.id
        names = tuple(g.name for g in self.data.guardians)

        def save(fields: FieldSet, _confirm: bool) -> Any:
            values = fields.values()
            if values["document_path"]:  # the copy beside the database is what the file keeps
                values["document_path"] = str(store_consent_document(values["document_path"], self.ctx.db_path))
            with self.ctx.write() as session:
                return record_consent(session, family_id, **values).id

        document = FileField("Choisir le document de l'accord (copie numérisée)",
                             "Documents (" + " ".join(f"*{s}" for s in DOCUMENT_SUFFIXES) + ")",
                             lambda: str(self.ctx.settings.value("consent/scan_dir", "")))
        document.path.textChanged.connect(
            lambda text: text and self.ctx.settings.setValue("consent/scan_dir", text.rsplit("/", 1)[0]))
        rows = [
            ("given_on", "Date de l'accord :", DateField()),
            ("given_by", "Accord donné par :", SuggestField(names)),
            ("scope", "Portée de l'accord :", TextField(max_length=300, placeholder="ex. : orientation vers un "
                                                                                   "partenaire du soin")),
            ("document_path", "Document signé :", document),
        ]
        return FormDialog(self, "Accord de la famille", rows, {"given_on": today()}, save)

    def record_consent(self) -> None:
        if self.data is not None and self.consent_dialog().exec():
            self.ctx.data_changed.emit()

    def withdraw_dialog(self) -> FormDialog:
        assert self.data is not None and self.data.consent_id is not None
        consent_id = self.data.consent_id

        def save(fields: FieldSet, _confirm: bool) -> Any:
            with self.ctx.write() as session:
                return withdraw_consent(session, consent_id, **fields.values()).id

        return FormDialog(self, "Retrait de l'accord de la famille",
                          [("withdrawn_on", "Date du retrait :", DateField())], {"withdrawn_on": today()}, save)

    def withdraw_consent(self) -> None:
        if self.data is not None and self.data.consent_id is not None and self.withdraw_dialog().exec():
            self.ctx.data_changed.emit()

    def open_consent_document(self, row: Optional[ConsentRow]) -> bool:
        if row is None or not row.document_path:
            return False
        path = document_file(row.document_path, self.ctx.db_path)
        if path is None:
            QMessageBox.information(self, "Document introuvable",
                                    f"La copie de l'accord n'est plus à sa place :\n{row.document_path}")
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def open_sibling(self, row: SiblingRow) -> None:
        self.ctx.open_child.emit(row.id)
