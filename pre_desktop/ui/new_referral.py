"""Nouveau repérage: a short guided entry — the child, the family, the repérage and the référent.

Each step is checked by the services' own validators when the user moves on, so a
refusal shows on its field at once; nothing is written before the last step, where
``referrals.new_referral`` (and the first guardian of a new family) run in one
transaction: a refusal there leaves the database untouched and brings the user back
to the refused field. The duplicate warning offers to open the existing file instead.
"""

from __future__ import annotations

from typing import Any, Optional

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from ..formatting import fr_date
from ..models import Role
from ..services import children as children_service
from ..services import referrals as referrals_service
from ..services.clock import today
from ..services.errors import DomainError, DomainWarning, NeedsConfirmation
from ..services.users import list_users
from .context import AppContext
from .forms import FieldErrors

PAGE_CHILD, PAGE_FAMILY, PAGE_REFERRAL = range(3)
FAMILY_SEARCH_DELAY_MS = 200


def _text(widget: QLineEdit | QComboBox | QPlainTextEdit) -> str:
    if isinstance(widget, QComboBox):
        return widget.currentText()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    return widget.text()


def _page_layout(page: QWizardPage) -> tuple[QVBoxLayout, FieldErrors]:
    layout = QVBoxLayout(page)
    banner = QLabel(page)
    errors = FieldErrors(banner)
    layout.addWidget(banner)
    return layout, errors


class ChildPage(QWizardPage):
    def __init__(self, wizard: "NewReferralWizard") -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle("L'enfant")
        self.setSubTitle("Qui est l'enfant repéré ? Les champs marqués * sont obligatoires.")
        layout, self.errors = _page_layout(self)
        form = QFormLayout()
        layout.addLayout(form)
        self.last_name = QLineEdit(self)
        self.first_name = QLineEdit(self)
        self.birth_date = QLineEdit(self)
        self.birth_date.setPlaceholderText("JJ/MM/AAAA")
        self.sex = QComboBox(self)
        for text, value in (("Non précisé", None), ("Fille", "F"), ("Garçon", "M")):
            self.sex.addItem(text, value)
        self.school = QComboBox(self)
        self.school.setEditable(True)
        self.school_class = QLineEdit(self)
        self.school_class.setPlaceholderText("CP, CE2, 6e…")
        for caption, field, widget in (("Nom * :", "last_name", self.last_name),
                                       ("Prénom * :", "first_name", self.first_name),
                                       ("Date de naissance * :", "birth_date", self.birth_date),
                                       ("Sexe :", "sex", self.sex),
                                       ("École / établissement :", "school", self.school),
                                       ("Classe :", "school_class", self.school_class)):
            widget.setObjectName(field)
            self.errors.add_row(form, caption, field, widget)
        layout.addStretch(1)

    def initializePage(self) -> None:
        with self.wiz.ctx.read() as session:
            schools = children_service.schools(session)
        current = self.school.currentText()
        self.school.clear()
        self.school.addItems([""] + schools)
        self.school.setCurrentText(current)

    def values(self) -> dict[str, Any]:
        return {"last_name": self.last_name.text(), "first_name": self.first_name.text(),
                "birth_date": self.birth_date.text(), "sex": self.sex.currentData(),
                "school": self.school.currentText(), "school_class": self.school_class.text()}

    def validatePage(self) -> bool:
        values = self.values()
        try:
            with self.wiz.ctx.read() as session:
                cleaned = children_service.clean_child_fields(session, values)
                warnings = children_service.child_warnings(
                    session, last_name=cleaned["last_name"], first_name=cleaned["first_name"],
                    birth_date=cleaned["birth_date"])
        except DomainError as error:
            self.errors.show(error)
            return False
        self.errors.clear()
        return self.wiz.accept_warnings(warnings)


class FamilyListModel(QAbstractListModel):
    """The families found for the text typed (a few dozen at most)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.choices: list[children_service.FamilyChoice] = []

    def set_choices(self, choices: list[children_service.FamilyChoice]) -> None:
        self.beginResetModel()
        self.choices = choices
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.choices)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        choice = self.choices[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return choice.label
        if role == Qt.ItemDataRole.UserRole:
            return choice.id
        if role == Qt.ItemDataRole.ToolTipRole and choice.languages:
            return f"Langues : {choice.languages}" + (" — interprète nécessaire" if choice.interpreter_needed else "")
        return None


class FamilyPage(QWizardPage):
    def __init__(self, wizard: "NewReferralWizard") -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle("La famille")
        self.setSubTitle("Rattachez l'enfant à une famille déjà connue du PRE (frères et sœurs suivis), "
                         "ou saisissez une nouvelle famille.")
        layout, self.errors = _page_layout(self)
        self.guardian_errors = FieldErrors()

        self.existing = QRadioButton("Famille &déjà connue", self)
        self.existing.setObjectName("existing_family")
        self.new = QRadioButton("No&uvelle famille", self)
        self.new.setObjectName("new_family")
        self.new.setChecked(True)
        layout.addWidget(self.existing)
        self.existing_box = QWidget(self)
        existing_form = QFormLayout(self.existing_box)
        existing_form.setContentsMargins(24, 0, 0, 0)
        self.search = QLineEdit(self.existing_box)
        self.search.setObjectName("family_search")
        self.search.setPlaceholderText("Nom de la famille (accents facultatifs)")
        existing_form.addRow("Rechercher :", self.search)
        self.families = FamilyListModel(self)
        self.family_list = QListView(self.existing_box)
        self.family_list.setObjectName("family_list")
        self.family_list.setModel(self.families)
        self.family_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.family_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.family_list.setMinimumHeight(110)
        self.errors.add_row(existing_form, "Famille :", "family_id", self.family_list)
        layout.addWidget(self.existing_box)

        layout.addWidget(self.new)
        self.new_box = QWidget(self)
        new_layout = QVBoxLayout(self.new_box)
        new_layout.setContentsMargins(24, 0, 0, 0)
        form = QFormLayout()
        new_layout.addLayout(form)
        self.name = QLineEdit(self.new_box)
        self.address = QLineEdit(self.new_box)
        self.postal_code = QLineEdit(self.new_box)
        self.town = QLineEdit(self.new_box)
        self.neighbourhood = QLineEdit(self.new_box)
        self.phone = QLineEdit(self.new_box)
        self.languages = QLineEdit(self.new_box)
        self.languages.setPlaceholderText("arabe, français…")
        self.interpreter = QCheckBox("Interprète nécessaire", self.new_box)
        for caption, field, widget in (("Nom de la famille * :", "name", self.name), ("Adresse :", "address", self.address),
                                       ("Code postal :", "postal_code", self.postal_code), ("Commune :", "town", self.town),
                                       ("Quartier :", "neighbourhood", self.neighbourhood),
                                       ("Téléphone :", "phone", self.phone),
                                       ("Langues parlées :", "languages", self.languages),
                                       ("", "interpreter_needed", self.interpreter)):
            widget.setObjectName(field)
            self.errors.add_row(form, caption, field, widget)
        guardian = QGroupBox("Responsable légal (facultatif)", self.new_box)
        guardian_form = QFormLayout(guardian)
        self.guardian_last = QLineEdit(guardian)
        self.guardian_first = QLineEdit(guardian)
        self.guardian_relation = QLineEdit(guardian)
        self.guardian_relation.setPlaceholderText("mère, père, tante…")
        self.guardian_phone = QLineEdit(guardian)
        for caption, field, widget in (("Nom :", "last_name", self.guardian_last),
                                       ("Prénom :", "first_name", self.guardian_first),
                                       ("Lien avec l'enfant :", "relationship_label", self.guardian_relation),
                                       ("Téléphone :", "phone", self.guardian_phone)):
            widget.setObjectName(f"guardian_{field}")
            self.guardian_errors.add_row(guardian_form, caption, field, widget)
        new_layout.addWidget(guardian)
        layout.addWidget(self.new_box)
        layout.addStretch(1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FAMILY_SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.find_families)
        self.search.textEdited.connect(self._timer.start)
        self.search.textEdited.connect(lambda _t: self.existing.setChecked(True))
        self.existing.toggled.connect(self._mode_changed)
        self.family_list.clicked.connect(lambda _i: self.existing.setChecked(True))
        self._mode_changed()

    def _mode_changed(self) -> None:
        existing = self.existing.isChecked()
        self.family_list.setEnabled(existing)
        self.new_box.setEnabled(not existing)

    def initializePage(self) -> None:
        last_name = self.wiz.child_page.last_name.text().strip()
        if not self.name.text():
            self.name.setText(last_name)
        if not self.search.text():
            self.search.setText(last_name)
        self.find_families()

    def find_families(self) -> None:
        self._timer.stop()
        with self.wiz.ctx.read() as session:
            self.families.set_choices(children_service.search_families(session, self.search.text()))

    def family_id(self) -> Optional[int]:
        index = self.family_list.currentIndex()
        return int(index.data(Qt.ItemDataRole.UserRole)) if index.isValid() and self.family_list.selectionModel().isSelected(index) else None

    def family_values(self) -> dict[str, Any]:
        return {"name": self.name.text(), "address": self.address.text(), "postal_code": self.postal_code.text(),
                "town": self.town.text(), "neighbourhood": self.neighbourhood.text(), "phone": self.phone.text(),
                "languages": self.languages.text(), "interpreter_needed": self.interpreter.isChecked()}

    def guardian_values(self) -> Optional[dict[str, Any]]:
        """The guardian typed, or None when the block is left empty."""
        values = {"last_name": self.guardian_last.text(), "first_name": self.guardian_first.text(),
                  "relationship_label": self.guardian_relation.text(), "phone": self.guardian_phone.text()}
        return values if any(v.strip() for v in values.values()) else None

    def validatePage(self) -> bool:
        self.errors.clear()
        self.guardian_errors.clear()
        if self.existing.isChecked():
            if self.family_id() is None:
                self.errors.show(DomainError("Choisissez la famille dans la liste, ou saisissez une nouvelle famille.",
                                             "family_id"))
                return False
            return True
        try:
            children_service.clean_family_fields(self.family_values())
        except DomainError as error:
            self.errors.show(error)
            return False
        return True


class ReferralPage(QWizardPage):
    def __init__(self, wizard: "NewReferralWizard") -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle("Le repérage")
        self.setSubTitle("Qui a signalé l'enfant, quand et pourquoi ; et qui suit son dossier. "
                         "L'enfant attendra ensuite la prochaine EPS.")
        layout, self.errors = _page_layout(self)
        form = QFormLayout()
        layout.addLayout(form)
        self.referred_on = QLineEdit(fr_date(today()), self)
        self.referred_on.setPlaceholderText("JJ/MM/AAAA")
        self.source = QComboBox(self)
        self.source.setEditable(True)
        self.source.addItems(list(referrals_service.SOURCES))
        self.source.setCurrentIndex(-1)
        self.source.lineEdit().setPlaceholderText("École, service social, famille…")
        self.referrer_name = QLineEdit(self)
        self.referrer_function = QLineEdit(self)
        self.referrer_function.setPlaceholderText("enseignant(e), assistante sociale…")
        self.reasons = QPlainTextEdit(self)
        self.reasons.setTabChangesFocus(True)
        self.reasons.setMinimumHeight(80)
        self.referent = QComboBox(self)
        for caption, field, widget in (("Date du repérage * :", "referred_on", self.referred_on),
                                       ("Origine * :", "source", self.source),
                                       ("Personne qui oriente :", "referrer_name", self.referrer_name),
                                       ("Fonction :", "referrer_function", self.referrer_function),
                                       ("Motifs * :", "reasons", self.reasons),
                                       ("Référent(e) de parcours :", "referent_id", self.referent)):
            widget.setObjectName(field)
            self.errors.add_row(form, caption, field, widget)
        layout.addStretch(1)

    def initializePage(self) -> None:
        if self.referent.count():
            return
        with self.wiz.ctx.read() as session:
            users = [u for u in list_users(session) if u.role in (Role.REFERENT, Role.COORDINATOR)]
        self.referent.addItem("À désigner", None)
        for user in users:
            self.referent.addItem(user.name, user.id)
        mine = self.referent.findData(self.wiz.ctx.user_id)
        self.referent.setCurrentIndex(max(mine, 0))
        if self.wiz.ctx.role not in (None, Role.COORDINATOR):  # a référent's new file is theirs (services.children)
            self.referent.setEnabled(False)

    def values(self) -> dict[str, Any]:
        return {"referred_on": self.referred_on.text(), "source": self.source.currentText(),
                "referrer_name": self.referrer_name.text(), "referrer_function": self.referrer_function.text(),
                "reasons": self.reasons.toPlainText()}

    def validatePage(self) -> bool:
        return self.wiz.save()


class NewReferralWizard(QWizard):
    """The guided entry; ``created_child_id`` is set once the child is stored."""

    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Nouveau repérage")
        self.setObjectName("new_referral_wizard")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setButtonText(QWizard.WizardButton.NextButton, "&Suivant >")
        self.setButtonText(QWizard.WizardButton.BackButton, "< &Précédent")
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Enregistrer")
        self.setButtonText(QWizard.WizardButton.CancelButton, "Annuler")
        self.child_page = ChildPage(self)
        self.family_page = FamilyPage(self)
        self.referral_page = ReferralPage(self)
        for page_id, page in ((PAGE_CHILD, self.child_page), (PAGE_FAMILY, self.family_page),
                              (PAGE_REFERRAL, self.referral_page)):
            self.setPage(page_id, page)
        self.confirmed = False  # the child's warnings (age, likely duplicate) were accepted
        self.created_child_id: Optional[int] = None
        self.resize(620, 600)

    # --- warnings ------------------------------------------------------------------------

    def accept_warnings(self, warnings: list[DomainWarning]) -> bool:
        """Ask about the child's warnings; a likely duplicate offers the existing file."""
        self.confirmed = False
        if not warnings:
            return True
        duplicates = [w for w in warnings if w.code == "duplicate"]
        text = "\n\n".join(f"• {w.message}" for w in warnings)
        box = QMessageBox(QMessageBox.Icon.Warning, "Vérifier avant de créer le dossier", text,
                          QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("warnings_box")
        open_existing = (box.addButton("Ouvrir le dossier existant", QMessageBox.ButtonRole.AcceptRole)
                         if duplicates else None)
        create = box.addButton("Créer quand même" if duplicates else "Continuer", QMessageBox.ButtonRole.YesRole)
        cancel = box.addButton("Corriger", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(open_existing or cancel)
        box.setEscapeButton(cancel)
        box.exec()
        clicked = box.clickedButton()
        if open_existing is not None and clicked is open_existing:
            self.ctx.open_child.emit(int(duplicates[0].related_id))
            self.reject()
            return False
        if clicked is create:
            self.confirmed = True
            return True
        return False

    # --- saving --------------------------------------------------------------------------

    def save(self) -> bool:
        """Store everything in one transaction; on refusal show it on its field, store nothing."""
        child = {**self.child_page.values(), "referent_id": self.referral_page.referent.currentData()}
        family_id = self.family_page.family_id() if self.family_page.existing.isChecked() else None
        family = None if family_id is not None else self.family_page.family_values()
        guardian = self.family_page.guardian_values() if family is not None else None
        step = "referral"
        for errors in (self.child_page.errors, self.family_page.errors, self.family_page.guardian_errors,
                       self.referral_page.errors):
            errors.clear()
        while True:
            try:
                with self.ctx.write() as session:
                    step = "referral"
                    created = referrals_service.new_referral(
                        session, child=child, family_id=family_id, family=family,
                        referral=self.referral_page.values(), confirm=self.confirmed)
                    if guardian is not None:
                        step = "guardian"
                        children_service.add_guardian(session, created.family.id, **guardian)
                    child_id = created.child.id
            except NeedsConfirmation as confirmation:
                if not self.accept_warnings(confirmation.warnings):
                    return False
                continue
            except DomainError as error:
                self._show_refusal(error, step)
                return False
            break
        self.created_child_id = child_id
        self.ctx.data_changed.emit()
        return True

    def _show_refusal(self, error: DomainError, step: str) -> None:
        if step == "guardian":
            self._go_to(PAGE_FAMILY)
            if not self.family_page.guardian_errors.show(error):
                self.family_page.errors.show(error)
            return
        for page_id, page in ((PAGE_CHILD, self.child_page), (PAGE_FAMILY, self.family_page),
                              (PAGE_REFERRAL, self.referral_page)):
            if page.errors.widget(error.field or "") is not None:
                self._go_to(page_id)
                page.errors.show(error)
                return
        self.referral_page.errors.show(error)

    def _go_to(self, page_id: int) -> None:
        while self.currentId() > page_id:
            self.back()


def run_new_referral(ctx: AppContext, parent: Optional[QWidget] = None) -> Optional[int]:
    """Open the guided entry; the new child's id once stored, None if cancelled."""
    wizard = NewReferralWizard(ctx, parent)
    wizard.exec()
    return wizard.created_child_id
