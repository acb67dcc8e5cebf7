"""« Orienter vers un partenaire »: the dialog that creates a fiche de liaison for a child.

The référent sees, before choosing, each partner's public and orientation mode, and
the structures the PRE cannot orient to directly (CATTP, hôpital de jour…) with the
guide's explanation; choosing one shows the convention in force and, outside the
partner's ages, asks why. The rules are the service's (``create_care_referral``):
the dialog only reads them ahead (``services.liaisons``) and shows its refusals on
their field, so what is refused here is refused from anywhere.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Optional

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from ..services import liaisons
from ..services.care_referrals import create_care_referral
from ..services.clock import today
from ..services.common import as_date
from ..services.errors import DomainError
from ..services.liaisons import BeneficiaryChoice, OrientationForm, PartnerChoice
from .context import AppContext
from .fields import ChoiceField, DateField, MultilineField
from .forms import MESSAGE_STYLE, FieldErrors, run_action
from .liaison_actions import generate_fiche
from .rows_model import Column, RowsView

WARNING_STYLE = "color: #8a5a00;"
GEOMETRY_KEY = "orient_dialog/geometry"

PARTNER_COLUMNS = [
    Column("Structure", lambda p: p.name, max_width=240),
    Column("Type", lambda p: p.type_label, max_width=170),
    Column("Public", lambda p: p.public, max_width=190),
    Column("Orientation", lambda p: p.orientation if p.direct_allowed else "Orientation directe impossible",
           tone=lambda p: None if p.direct_allowed else "alert"),
]


class OrientDialog(QDialog):
    """Creates one draft fiche de liaison; ``created_id`` holds it once accepted."""

    def __init__(self, ctx: AppContext, child_id: int, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.child_id = child_id
        self.created_id: Optional[int] = None
        with ctx.read() as session:
            self.form_data: OrientationForm = liaisons.orientation_form(session, child_id)
        self.setWindowTitle(f"Orienter vers un partenaire — {self.form_data.child_name}")
        self.setModal(True)
        self._build()
        self._filter_partners()
        self._update_preview()
        geometry = ctx.settings.value(GEOMETRY_KEY)
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1000, 620)

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.consent_info = QLabel(self)
        self.consent_info.setObjectName("consent_info")
        banner = QLabel(self)
        banner.setObjectName("banner")
        self.errors = FieldErrors(banner)
        # The consent refusal is shown where the way to record the agreement already shows.
        self.errors.bind("consent", self.consent_info, self.consent_info)
        layout.addWidget(self.consent_info)
        layout.addWidget(banner)
        self._show_consent_info()

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form = form
        self.beneficiary = QComboBox(self)
        self.beneficiary.setObjectName("beneficiary")
        for choice in self.form_data.beneficiaries:
            self.beneficiary.addItem(choice.label, choice)
        beneficiary_error = QLabel(self)
        self.errors.bind("guardian_id", self.beneficiary, beneficiary_error)
        self.errors.add_row(form, "&Bénéficiaire :", "beneficiary_kind", self.beneficiary)
        self.beneficiary.parentWidget().layout().addWidget(beneficiary_error)

        self.partner_type = QComboBox(self)
        self.partner_type.setObjectName("partner_type")
        self.partner_type.addItem("Tous les types de structure", None)
        used_types = {p.type_id for p in self.form_data.partners}
        for type_id, text in self.form_data.partner_types:
            if type_id in used_types:
                self.partner_type.addItem(text, type_id)
        form.addRow("&Type de structure :", self.partner_type)
        label = form.labelForField(self.partner_type)
        if isinstance(label, QLabel):
            label.setBuddy(self.partner_type)

        self.partners = RowsView(PARTNER_COLUMNS, "Aucune structure partenaire de ce type.", self,
                                 name="partners", max_rows=8)
        self.partner_info = QLabel(self)
        self.partner_info.setObjectName("partner_info")
        self.partner_info.setWordWrap(True)
        holder = QWidget(self)
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(4)
        box.addWidget(self.partners)
        box.addWidget(self.partner_info)
        partner_error = QLabel(holder)
        box.addWidget(self.errors.bind("partner_id", self.partners.table, partner_error))
        form.addRow("&Structure partenaire :", holder)
        caption = form.labelForField(holder)
        if isinstance(caption, QLabel):
            caption.setBuddy(self.partners.table)

        self.convention = QLabel("—", self)
        self.convention.setObjectName("convention")
        self.convention.setWordWrap(True)
        self.errors.add_row(form, "Convention en vigueur :", "convention_id", self.convention)

        self.reason = MultilineField(self, lines=3)
        self.reason.widget.setObjectName("reason")
        self.errors.add_row(form, "&Motif initial de la demande :", "reason", self.reason.widget)

        self.age_reason = MultilineField(self, lines=2)
        self.age_reason.widget.setObjectName("age_warning_reason")
        self.errors.add_row(form, "Raison de l'orientation &hors public :", "age_warning_reason",
                            self.age_reason.widget)

        referents = [("— aucun(e) —", None)] + [(name, uid) for uid, name in self.form_data.referents]
        self.referent = ChoiceField(referents, self)
        self.referent.widget.setObjectName("referent")
        self.referent.set_value(self.form_data.default_referent_id)
        self.errors.add_row(form, "&Référent(e) à contacter :", "referent_id", self.referent.widget)

        self.requested_on = DateField(self)
        self.requested_on.widget.setObjectName("requested_on")
        self.requested_on.set_value(today())
        self.errors.add_row(form, "&Date de la demande :", "requested_on", self.requested_on.widget)
        layout.addLayout(form)
        layout.addStretch(1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.create_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText("Créer la fiche de liaison")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
        self.buttons.accepted.connect(self.create)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.beneficiary.currentIndexChanged.connect(lambda _i: self._update_preview())
        self.partner_type.currentIndexChanged.connect(lambda _i: self._filter_partners())
        self.partners.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_preview())
        self.requested_on.widget.editingFinished.connect(self._update_preview)

    # ------------------------------------------------------------------ read-ahead

    def beneficiary_choice(self) -> BeneficiaryChoice:
        return self.beneficiary.currentData()

    def partner_choice(self) -> Optional[PartnerChoice]:
        return self.partners.selected()

    def select_partner(self, name: str) -> bool:
        return self.partners.select(lambda p: p.name == name)

    def _filter_partners(self) -> None:
        wanted = self.partner_type.currentData()
        self.partners.set_rows([p for p in self.form_data.partners if wanted is None or p.type_id == wanted])
        self._update_preview()

    def _update_preview(self) -> None:
        partner = self.partner_choice()
        self.age_warning = ""
        if partner is None:
            self.partner_info.setText("Choisissez une structure dans la liste : son public et son mode "
                                      "d'orientation sont indiqués avant le choix.")
            self.partner_info.setStyleSheet("color: palette(mid);")
            self.convention.setText("—")
            self._show_age_reason(False)
            return
        day = self._request_day()
        with self.ctx.read() as session:
            preview = liaisons.partner_preview(session, partner.id, self.beneficiary_choice().birth_date, day)
        town = f" ({escape(partner.town)})" if partner.town else ""
        lines = [f"<b>{escape(partner.name)}</b>{town} — public : {escape(partner.public)} ; "
                 f"orientation : {escape(partner.orientation)}"]
        style = ""
        if preview.refusal:
            lines.append(f"<b>Orientation directe impossible.</b> {escape(partner.explanation)}")
            style = MESSAGE_STYLE
        elif preview.age_warning:
            lines.append(escape(preview.age_warning))
            style = WARNING_STYLE
        self.partner_info.setText("<br>".join(lines))
        self.partner_info.setStyleSheet(style)
        self.convention.setText(preview.convention or "Aucune convention en vigueur avec cette structure : "
                                "les séances ne seront pas facturables au PRE.")
        self.age_warning = preview.age_warning
        self._show_age_reason(bool(preview.age_warning) and not preview.refusal)

    def _request_day(self) -> Optional[dt.date]:
        try:
            return as_date(self.requested_on.value(), "requested_on", "Date de la demande", required=False)
        except DomainError:
            return None  # refused on its field when creating; the preview uses today meanwhile

    def _show_consent_info(self) -> None:
        """Without the family's agreement, say so (and how to record it) from the start."""
        if self.form_data.consent_message:
            self.consent_info.setText(self.form_data.consent_message)
            self.consent_info.show()
        else:
            self.consent_info.hide()

    def _show_age_reason(self, shown: bool) -> None:
        self.form.setRowVisible(self.age_reason.widget.parentWidget(), shown)

    # ------------------------------------------------------------------ write

    def create(self) -> bool:
        """One service call; refusals stay in the dialog on their field."""
        choice = self.beneficiary_choice()
        partner = self.partner_choice()

        def action(confirm: bool) -> int:
            with self.ctx.write() as session:
                return create_care_referral(
                    session, child_id=self.child_id, partner_id=partner.id if partner else None,
                    beneficiary_kind=choice.kind, guardian_id=choice.guardian_id, reason=self.reason.value(),
                    referent_id=self.referent.value(), requested_on=self.requested_on.value() or None,
                    age_warning_reason=self.age_reason.value() or None, confirm=confirm).id

        created = run_action(self, action, self.errors)
        self._show_consent_info()
        if created is None:
            return False
        self.created_id = created
        self.ctx.data_changed.emit()
        self.accept()
        return True

    def done(self, result: int) -> None:
        self.ctx.settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        super().done(result)


def orient_child(parent: QWidget, ctx: AppContext, child_id: int) -> Optional[int]:
    """The dialog, then the offer to produce the fiche to send; the new fiche's id, or None."""
    dialog = OrientDialog(ctx, child_id, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.created_id is None:
        return None
    answer = QMessageBox.question(
        parent, "Fiche de liaison enregistrée",
        "La fiche de liaison est enregistrée (brouillon).\n\nProduire maintenant le document à envoyer "
        "au partenaire (PDF ou Word) ?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
    if answer == QMessageBox.StandardButton.Yes:
        generate_fiche(parent, ctx, dialog.created_id)
    return dialog.created_id
