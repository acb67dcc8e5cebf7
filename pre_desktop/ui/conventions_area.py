"""The Conventions area: every partnership convention, its form, its life and its documents.

The list (left) shows what the coordinator scans for — partner, dates, effective status,
quota, days left — filtered by status and partner and searched as one types. The form
(right) creates and edits a convention; the services judge every value and a refusal is
shown on its field. Signing, terminating, renewing and deleting are the services' rules
too; the form only asks the date and explains the notice. The convention document is
generated from here (Word from the structure's own template when there is one).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..exports.convention_document import export_convention
from ..formatting import fr_amount, fr_date
from ..models import BillingPeriod, Convention, ConventionStatus
from ..services import conventions as cv
from ..services.clock import today
from ..services.common import as_date, get_or_fail
from ..services.convention_documents import KIND, convention_documents
from ..services.errors import DomainError
from ..services.labels import label
from ..services.templates import get_template
from .context import AppContext
from .role_ui import DIRECTORY, only_for
from .export_actions import save_document
from .forms import FieldErrors, ask_unsaved, confirm, run_action
from .rows_model import ROW_ROLE, Column, RowsView
from .widgets import area_layout, area_title, list_and_form, refill_combo

RENEWAL_DAYS = 60  # as the À traiter list: a convention ending within 60 days needs renewing


# --------------------------------------------------------------------------- list


def _days_text(row: cv.ConventionRow) -> str:
    if row.days_left is None:
        return ""
    return "aujourd'hui" if row.days_left == 0 else f"dans {row.days_left} j"


def _ends_soon(row: cv.ConventionRow) -> Optional[str]:
    return "warning" if row.days_left is not None and row.days_left <= RENEWAL_DAYS and not row.renewed else None


CONVENTION_COLS = [
    Column("Partenaire", lambda r: r.partner_name, max_width=170),  # long names are elided (whole in the tooltip):
    Column("Référence", lambda r: r.reference, max_width=100),  # the dates and days stay visible
    Column("Début", lambda r: fr_date(r.start_date), sort=lambda r: r.start_date, right=True),
    Column("Fin", lambda r: fr_date(r.end_date), sort=lambda r: r.end_date, right=True),
    Column("Statut", lambda r: label(r.status) + (" (renouvelée)" if r.renewed else "")),
    Column("Quota", lambda r: str(r.session_quota), sort=lambda r: r.session_quota, right=True),
    Column("Se termine", _days_text, sort=lambda r: 10**6 if r.days_left is None else r.days_left, right=True,
           tone=_ends_soon),
]
DOCUMENT_COLS = [
    Column("Produit le", lambda d: d.created_at.strftime("%d/%m/%Y %H:%M") if d.created_at else "",
           sort=lambda d: d.created_at),
    Column("Format", lambda d: d.file_format.upper()),
    Column("Version", lambda d: "" if d.target_version is None else str(d.target_version), right=True),
    Column("Fichier", lambda d: d.file_path or ""),
]
STATUS_FILTERS = [("Tous les statuts", None)] + [(label(s), s) for s in ConventionStatus]


# --------------------------------------------------------------------------- form


def _amount_text(value: Optional[Decimal]) -> str:
    return fr_amount(value, currency=False) if value is not None else ""


class ConventionForm(QWidget):
    """Create or edit one convention; every refusal shows on its field."""

    TEXT_FIELDS = ("reference", "signed_on", "start_date", "tariff_individual", "tariff_parents", "tariff_family",
                   "psychologist_name", "signatory_pre", "signatory_pre_title", "signatory_partner",
                   "signatory_partner_title", "funder")
    SPIN_FIELDS = {"duration_months": (0, 120, 12, " mois"), "session_quota": (0, 999, 20, " séances"),
                   "quota_warning_threshold": (0, 999, 15, " séances"),
                   "first_appointment_delay_days": (0, 365, 30, " jours")}

    def __init__(self, area: "ConventionsArea") -> None:
        super().__init__(area)
        self.area = area
        self.ctx = area.ctx
        self.convention_id: Optional[int] = None
        self.version: Optional[int] = None
        self.status: Optional[ConventionStatus] = None
        self._loaded: dict[str, Any] = {}
        self.read_only = False  # set by the area for a role that writes no convention
        self._build()
        self.new()

    # ---- layout
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 0, 8, 8)
        self.heading = area_title("Nouvelle convention", self, name="form_heading")
        self.heading.setWordWrap(True)  # a long partner name wraps rather than widening the form past its pane
        outer.addWidget(self.heading)
        self.state_label = QLabel(self)
        self.state_label.setObjectName("state")
        self.state_label.setWordWrap(True)
        outer.addWidget(self.state_label)
        banner = QLabel(self)
        self.errors = FieldErrors(banner)
        outer.addWidget(banner)

        terms = self.terms_box = QGroupBox("Termes de la convention", self)
        form = QFormLayout(terms)
        self.w: dict[str, QWidget] = {}
        self.partner = QComboBox(terms)
        self.w["partner_id"] = self.partner
        self.errors.add_row(form, "&Partenaire :", "partner_id", self.partner)
        for name in self.TEXT_FIELDS:
            self.w[name] = QLineEdit(terms)
        for name, (low, high, default, suffix) in self.SPIN_FIELDS.items():
            spin = QSpinBox(terms)
            spin.setRange(low, high)
            spin.setValue(default)
            spin.setSuffix(suffix)
            self.w[name] = spin
        for name in ("signed_on", "start_date"):
            self._line(name).setPlaceholderText("JJ/MM/AAAA")
            self._line(name).setMaximumWidth(self.fontMetrics().horizontalAdvance("00/00/00000") + 24)
        for name in ("tariff_individual", "tariff_parents", "tariff_family"):
            self._line(name).setPlaceholderText("ex. 45,50")
            self._line(name).setMaximumWidth(self.fontMetrics().horizontalAdvance("0 000 000,00") + 40)
        self.errors.add_row(form, "&Référence :", "reference", self.w["reference"])
        self.errors.add_row(form, "Date de si&gnature :", "signed_on", self.w["signed_on"])
        self.errors.add_row(form, "&Début :", "start_date", self.w["start_date"])
        self.errors.add_row(form, "D&urée :", "duration_months", self.w["duration_months"])
        self.end_label = QLabel(terms)
        self.end_label.setObjectName("computed_end")
        self.errors.add_row(form, "Fin (calculée) :", "end_date", self.end_label)
        self.errors.add_row(form, "&Quota par personne :", "session_quota", self.w["session_quota"])
        self.errors.add_row(form, "Seuil d'&alerte :", "quota_warning_threshold", self.w["quota_warning_threshold"])
        self.errors.add_row(form, "Délai du 1er rendez-vous :", "first_appointment_delay_days",
                            self.w["first_appointment_delay_days"])
        self.errors.add_row(form, "Tarif entretien &individuel (€) :", "tariff_individual", self.w["tariff_individual"])
        self.errors.add_row(form, "Tarif entretien pa&rents (€) :", "tariff_parents", self.w["tariff_parents"])
        self.errors.add_row(form, "Tarif entretien &familial (€) :", "tariff_family", self.w["tariff_family"])
        self.billing = QComboBox(terms)
        for period in BillingPeriod:
            self.billing.addItem(label(period), period)
        self.w["billing_period"] = self.billing
        self.errors.add_row(form, "Règlement :", "billing_period", self.billing)
        self._line("funder").setPlaceholderText("ex. ARS, CAF, Ville, Cité éducative")
        self._line("funder").setToolTip("Qui finance ces séances : le rapport annuel totalise séances et montants "
                                        "par financeur. Modifiable même une fois la convention signée.")
        self.errors.add_row(form, "Finan&ceur :", "funder", self.w["funder"])
        outer.addWidget(terms)

        people = self.people_box = QGroupBox("Psychologue référent et signataires", self)
        pform = QFormLayout(people)
        self.errors.add_row(pform, "Ps&ychologue référent :", "psychologist_name", self.w["psychologist_name"])
        self.errors.add_row(pform, "Signataire pour le PRE :", "signatory_pre", self.w["signatory_pre"])
        self.errors.add_row(pform, "   qualité :", "signatory_pre_title", self.w["signatory_pre_title"])
        self.errors.add_row(pform, "Signataire pour le partenaire :", "signatory_partner", self.w["signatory_partner"])
        self.errors.add_row(pform, "   qualité :", "signatory_partner_title", self.w["signatory_partner_title"])
        self._line("signatory_pre").setPlaceholderText("à défaut : le représentant légal (Paramètres)")
        self.w["bank_details"] = QPlainTextEdit(people)
        self.w["notes"] = QPlainTextEdit(people)
        for name in ("bank_details", "notes"):
            box = self.w[name]
            assert isinstance(box, QPlainTextEdit)
            box.setTabChangesFocus(True)
            box.setFixedHeight(box.fontMetrics().lineSpacing() * 3 + 14)
        self.errors.add_row(pform, "Coordonnées bancaires :", "bank_details", self.w["bank_details"])
        self.errors.add_row(pform, "Notes :", "notes", self.w["notes"])
        outer.addWidget(people)

        buttons = QHBoxLayout()
        self.save_button = QPushButton("&Enregistrer", self)
        self.save_button.setToolTip("Enregistrer (Ctrl+S)")
        self.sign_button = QPushButton("Si&gner…", self)
        self.terminate_button = QPushButton("Résilier…", self)
        self.renew_button = QPushButton("Re&nouveler…", self)
        self.delete_button = QPushButton("Supprimer", self)
        for button, slot in ((self.save_button, self.save), (self.sign_button, self.sign),
                             (self.terminate_button, self.terminate), (self.renew_button, self.renew),
                             (self.delete_button, self.delete)):
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        outer.addLayout(buttons)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

        docs = QGroupBox("Documents de la convention", self)
        dlay = QVBoxLayout(docs)
        row = QHBoxLayout()
        self.generate_button = QPushButton("&Générer la convention (Word ou PDF)…", docs)
        self.generate_button.clicked.connect(self.generate)
        row.addWidget(self.generate_button)
        row.addStretch(1)
        dlay.addLayout(row)
        self.template_note = QLabel(docs)
        self.template_note.setObjectName("template_note")
        self.template_note.setWordWrap(True)
        dlay.addWidget(self.template_note)
        self.documents_list = RowsView(DOCUMENT_COLS, "Aucun document produit pour cette convention.", docs,
                                       name="documents", max_rows=5)
        self.documents = self.documents_list.model
        dlay.addWidget(self.documents_list)
        outer.addWidget(docs)
        outer.addStretch(1)

        self._line("start_date").textChanged.connect(self._update_end)
        self._spin("duration_months").valueChanged.connect(self._update_end)

    def _line(self, name: str) -> QLineEdit:
        widget = self.w[name]
        assert isinstance(widget, QLineEdit)
        return widget

    def _spin(self, name: str) -> QSpinBox:
        widget = self.w[name]
        assert isinstance(widget, QSpinBox)
        return widget

    # ---- values
    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {"partner_id": self.partner.currentData(), "billing_period": self.billing.currentData()}
        for name in self.TEXT_FIELDS:
            out[name] = self._line(name).text().strip()
        for name in self.SPIN_FIELDS:
            out[name] = self._spin(name).value()
        for name in ("bank_details", "notes"):
            box = self.w[name]
            assert isinstance(box, QPlainTextEdit)
            out[name] = box.toPlainText().strip()
        return out

    def _show(self, values: dict[str, Any]) -> None:
        self.partner.setCurrentIndex(max(self.partner.findData(values.get("partner_id")), 0))
        self.billing.setCurrentIndex(max(self.billing.findData(values.get("billing_period")), 0))
        for name in self.TEXT_FIELDS:
            self._line(name).setText(values.get(name) or "")
            self._line(name).setCursorPosition(0)  # a long signatory reads from its start
        for name, (_low, _high, default, _suffix) in self.SPIN_FIELDS.items():
            self._spin(name).setValue(values.get(name, default))
        for name in ("bank_details", "notes"):
            box = self.w[name]
            assert isinstance(box, QPlainTextEdit)
            box.setPlainText(values.get(name) or "")
        self._loaded = self.values()
        self._update_end()

    def is_dirty(self) -> bool:
        return self.values() != self._loaded

    def _update_end(self) -> None:
        """The end as the services will compute it, shown while the user types."""
        try:
            start = as_date(self._line("start_date").text(), "start_date", "Date de début")
        except DomainError:
            start = None
        months = self._spin("duration_months").value()
        if start is None or months <= 0:
            self.end_label.setText("—  (date de début à saisir)")
        else:
            self.end_label.setText(f"{fr_date(cv.end_of_term(start, months))}  ({months} mois)")

    def set_partners(self, choices: Sequence[cv.PartnerChoice]) -> None:
        current = self.partner.currentData()
        self.partner.blockSignals(True)
        self.partner.clear()
        self.partner.addItem("— choisir un partenaire —", None)
        for choice in choices:
            self.partner.addItem(choice.name + ("" if choice.active else " (inactif)"), choice.id)
        self.partner.setCurrentIndex(max(self.partner.findData(current), 0))
        self.partner.blockSignals(False)

    # ---- loading
    def new(self, partner_id: Optional[int] = None) -> None:
        self.convention_id = self.version = self.status = None
        self.errors.clear()
        self._show({"partner_id": partner_id, "billing_period": BillingPeriod.QUARTERLY})
        if self.read_only:  # a référent reads the conventions, and writes none
            self.heading.setText("Choisissez une convention dans la liste")
            self.state_label.setText("")
        else:
            self.heading.setText("Nouvelle convention")
            self.state_label.setText("Brouillon : durée de 12 mois, 20 séances par personne, premier rendez-vous "
                                     "sous 30 jours et règlement trimestriel par défaut, comme dans le modèle du guide.")
        self.documents_list.set_rows([])
        self._update_actions()

    def load(self, convention_id: int) -> None:
        with self.ctx.read() as session:
            conv = get_or_fail(session, Convention, convention_id, "Convention")
            values = {name: getattr(conv, name) for name in (*self.TEXT_FIELDS, *self.SPIN_FIELDS, "partner_id",
                                                              "billing_period", "bank_details", "notes")}
            for name in ("signed_on", "start_date"):
                values[name] = fr_date(values[name])
            for name in ("tariff_individual", "tariff_parents", "tariff_family"):
                values[name] = _amount_text(values[name])
            self.status = conv.status
            effective = cv.effective_status(conv)
            left = cv.days_left(conv)
            end = cv.validity_end(conv)
            notice = conv.termination_notice_on
            partner_name = conv.partner.name
            docs = convention_documents(session, convention_id)
            self.version = conv.version
        self.convention_id = convention_id
        self.errors.clear()
        self._show(values)
        self.heading.setText(f"Convention {values['reference']} — {partner_name}")
        state = f"Statut : {label(effective)}"
        if effective is ConventionStatus.TERMINATED and notice is not None:
            state += (f" — lettre de résiliation du {fr_date(notice)} ; avec le préavis d'un mois, elle couvre "
                      f"les séances jusqu'au {fr_date(end)}")
        if left is not None:
            state += f" — se termine le {fr_date(end)} (dans {left} jour{'s' if left > 1 else ''})"
        elif effective is ConventionStatus.EXPIRED:
            state += f" — terminée le {fr_date(end)}"
        if self.status is not ConventionStatus.DRAFT:
            state += ". Ses termes (dates, quota, tarifs) ne changent plus : renouvelez-la pour en changer."
        self.state_label.setText(state)
        self.documents_list.set_rows(docs)
        self._update_actions()

    def _update_actions(self) -> None:
        draft = self.status in (None, ConventionStatus.DRAFT)
        for name in ("partner_id", *cv.CONTRACT_FIELDS - {"end_date"}):
            self.w[name].setEnabled(draft)  # greyed: frozen once signed, as the services rule
        self.partner.setEnabled(self.convention_id is None)
        saved = self.convention_id is not None
        self.sign_button.setEnabled(saved and self.status is ConventionStatus.DRAFT)
        self.terminate_button.setEnabled(saved and self.status is ConventionStatus.SIGNED)
        self.renew_button.setEnabled(saved and self.status in (ConventionStatus.SIGNED, ConventionStatus.EXPIRED))
        self.delete_button.setEnabled(saved and self.status is ConventionStatus.DRAFT)
        self.generate_button.setEnabled(saved)
        with self.ctx.read() as session:
            template = get_template(session, KIND)
            name = template.file_name if template else None
        if name:
            self.template_note.setText(f"Word : votre modèle « {name} ». PDF : la mise en page intégrée (un modèle "
                                       "Word ne peut pas être converti en PDF sans traitement de texte).")
        else:
            self.template_note.setText("Mise en page intégrée, d'après le modèle de convention du guide ANCT "
                                       "(bouton « Modèle Word… » pour utiliser le vôtre).")

    # ---- actions
    def save(self) -> Optional[int]:
        values = self.values()

        def action(_confirm: bool) -> int:
            with self.ctx.write() as session:
                if self.convention_id is None:
                    return cv.create_convention(session, **values).id
                changes = {k: v for k, v in values.items() if v != self._loaded.get(k) and k != "partner_id"}
                cv.update_convention(session, self.convention_id, expected_version=self.version, **changes)
                return self.convention_id

        saved = run_action(self, action, self.errors)
        if saved is not None:
            self.area.written(saved)
        return saved

    def _ask_date(self, title: str, text: str, default: dt.date) -> Optional[str]:
        answer, ok = QInputDialog.getText(self, title, text, QLineEdit.EchoMode.Normal, fr_date(default))
        return answer if ok else None

    def _unsaved_first(self) -> bool:
        """A life event acts on the stored convention: unsaved edits are saved (or dropped) first."""
        if not self.is_dirty():
            return True
        answer = ask_unsaved(self, "Cette convention")
        if answer == QMessageBox.StandardButton.Save:
            return self.save() is not None
        if answer == QMessageBox.StandardButton.Discard:
            assert self.convention_id is not None
            self.load(self.convention_id)
            return True
        return False

    def _life(self, call: Callable[[Any], Any]) -> None:
        cid = self.convention_id

        def action(_confirm: bool) -> Any:
            with self.ctx.write() as session:
                return call(session)

        result = run_action(self, action, self.errors)
        if result is not None:
            self.area.written(result.id if isinstance(result, Convention) else cid)

    def sign(self) -> None:
        if self.convention_id is None or not self._unsaved_first():
            return
        day = self._ask_date("Signer la convention", "Date de signature par les deux parties (JJ/MM/AAAA) :", today())
        if day is not None:
            cid, version = self.convention_id, self.version
            self._life(lambda s: cv.sign_convention(s, cid, signed_on=day, expected_version=version))

    def terminate(self) -> None:
        if self.convention_id is None or not self._unsaved_first():
            return
        day = self._ask_date(
            "Résilier la convention",
            "La résiliation prend effet un mois après l'envoi de la lettre recommandée avec accusé de réception\n"
            "(préavis d'un mois, article « Résiliation ») : la convention couvre encore les séances jusque-là.\n\n"
            "Date de la lettre de résiliation (JJ/MM/AAAA) :", today())
        if day is not None:
            cid, version = self.convention_id, self.version
            self._life(lambda s: cv.terminate_convention(s, cid, notice_on=day, expected_version=version))

    def renew(self) -> None:
        if self.convention_id is None or not self._unsaved_first():
            return
        with self.ctx.read() as session:
            conv = get_or_fail(session, Convention, self.convention_id, "Convention")
            default_start, reference = conv.end_date + dt.timedelta(days=1), conv.reference
        day = self._ask_date(
            "Renouveler la convention",
            "Une nouvelle convention (brouillon) reprend les mêmes termes, avec de nouvelles dates.\n\n"
            "Date de début de la nouvelle convention (JJ/MM/AAAA) :", default_start)
        if day is None:
            return
        new_ref, ok = QInputDialog.getText(self, "Renouveler la convention", "Référence de la nouvelle convention :",
                                           QLineEdit.EchoMode.Normal, f"{reference} (renouvellement)")
        if ok:
            cid = self.convention_id
            self._life(lambda s: cv.renew_convention(s, cid, start_date=day, reference=new_ref))

    def delete(self) -> None:
        if self.convention_id is None:
            return
        if not confirm(self, "Supprimer la convention",
                       "Supprimer ce brouillon de convention ? Cette action ne peut pas être annulée."):
            return
        cid, version = self.convention_id, self.version

        def action(_confirm: bool) -> bool:
            with self.ctx.write() as session:
                cv.delete_convention(session, cid, expected_version=version)
            return True

        if run_action(self, action, self.errors):
            self.new()
            self.area.written(None)

    def generate(self) -> None:
        if self.convention_id is None or not self._unsaved_first():
            return
        cid = self.convention_id
        reference = self._line("reference").text().strip() or "convention"
        safe = "".join(c if c.isalnum() or c in "-_ " else "-" for c in reference).strip()
        name = f"Convention {safe} {today().strftime('%Y-%m-%d')}"

        def write(path: Path, file_format: str) -> Path:
            with self.ctx.write() as session:
                return export_convention(session, cid, file_format, path).path

        if save_document(self, self.ctx, name, ["docx", "pdf"], write, title="Enregistrer la convention"):
            self.area.written(cid)


# --------------------------------------------------------------------------- area


class ConventionsArea(QWidget):
    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._refreshes = 0
        self._build()
        if not only_for(ctx, DIRECTORY, self.new_button, self.template_button, self.form.save_button,
                        self.form.sign_button, self.form.terminate_button, self.form.renew_button,
                        self.form.delete_button):
            self.form.read_only = True  # the terms shown greyed, as a signed convention's (services refuse anyway)
            self.form.terms_box.setEnabled(False)
            self.form.people_box.setEnabled(False)
            self.form.new()  # its empty state says to choose one
        self.refresh()

    def _build(self) -> None:
        layout, top = area_layout(self, "Conventions de partenariat")
        self.new_button = QPushButton("&Nouvelle convention", self)
        self.new_button.clicked.connect(self.new_convention)
        self.template_button = QPushButton("&Modèle Word…", self)
        self.template_button.clicked.connect(self.choose_template)
        top.addWidget(self.new_button)
        top.addWidget(self.template_button)

        filters = QHBoxLayout()
        self.status_filter = QComboBox(self)
        for text, status in STATUS_FILTERS:
            self.status_filter.addItem(text, status)
        self.partner_filter = QComboBox(self)
        self.search = QLineEdit(self)
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Partenaire ou référence (accents facultatifs)")
        self.search.setClearButtonEnabled(True)
        search_label = QLabel("&Rechercher :", self)
        search_label.setBuddy(self.search)
        self.count_label = QLabel(self)
        # the combos say what they filter ("Tous les statuts", "Tous les partenaires"): no labels, a narrower row
        self.status_filter.setToolTip("Filtrer par statut")
        self.partner_filter.setToolTip("Filtrer par partenaire")
        filters.addWidget(self.status_filter)
        filters.addWidget(self.partner_filter, 1)
        filters.addWidget(search_label)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.count_label)
        layout.addLayout(filters)
        for combo in (self.status_filter, self.partner_filter):  # long partner names must not widen the window
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
        self.search.setMinimumWidth(120)
        self.status_filter.currentIndexChanged.connect(self.apply_filters)
        self.partner_filter.currentIndexChanged.connect(self.apply_filters)
        self.search.textChanged.connect(self.apply_filters)

        self.list = RowsView(CONVENTION_COLS, "", self, name="conventions",
                             search=lambda r: f"{r.partner_name} {r.reference}")
        self.table, self.model, self.proxy = self.list.table, self.list.model, self.list.proxy
        self.list.sort_by(2, Qt.SortOrder.DescendingOrder)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.form = ConventionForm(self)
        self.splitter = list_and_form(self, self.list, self.form, self.ctx.settings, "conventions/splitter", (680, 500))
        layout.addWidget(self.splitter, 1)

    # ---- data
    def refresh(self) -> None:
        self._refreshes += 1
        selected = self.form.convention_id
        with self.ctx.read() as session:
            rows = cv.list_conventions(session)
            partners = cv.partner_choices(session)
        self.list.set_rows(rows, keep_selection=False)  # the form's convention is selected below
        refill_combo(self.partner_filter, [("Tous les partenaires", None)] + [(c.name, c.id) for c in partners])
        self.form.set_partners(partners)
        self.apply_filters()
        if selected is not None and any(r.id == selected for r in rows):
            self.select(selected)
        elif selected is not None:
            self.form.new()

    def apply_filters(self) -> None:
        status, partner_id = self.status_filter.currentData(), self.partner_filter.currentData()
        self.list.set_filter(self.search.text(), lambda r: (status is None or r.status == status)
                             and (partner_id is None or r.partner_id == partner_id))
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count_label.setText(f"{shown} convention{'s' if shown > 1 else ''}" if shown == total
                                 else f"{shown} sur {total}")

    def select(self, convention_id: int) -> None:
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, 0).data(ROW_ROLE).id == convention_id:
                self.table.selectionModel().blockSignals(True)
                self.table.selectRow(row)
                self.table.selectionModel().blockSignals(False)
                break
        self.form.load(convention_id)

    def show_record(self, kind: str, record_id: int) -> None:
        """Asked through ctx.open_record (e.g. from À traiter): filters cleared so the convention is listed."""
        if kind != "convention":
            return
        self.status_filter.setCurrentIndex(0)
        self.partner_filter.setCurrentIndex(0)
        self.search.clear()
        self.select(record_id)

    def _row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        row = current.data(ROW_ROLE) if current.isValid() else None
        if row is None or row.id == self.form.convention_id:
            return
        if self.form.is_dirty():
            answer = ask_unsaved(self, "La convention affichée")
            if answer == QMessageBox.StandardButton.Cancel or (
                    answer == QMessageBox.StandardButton.Save and self.form.save() is None):
                self.table.selectionModel().blockSignals(True)
                self.table.setCurrentIndex(previous)
                self.table.selectionModel().blockSignals(False)
                return
        self.form.load(row.id)

    def new_convention(self) -> None:
        if self.form.is_dirty() and ask_unsaved(self, "La convention affichée") == QMessageBox.StandardButton.Cancel:
            return
        self.table.clearSelection()
        self.form.new(self.partner_filter.currentData())
        self.form.w["reference"].setFocus()

    def written(self, convention_id: Optional[int]) -> None:
        """After a write: everyone reloads (the main window refreshes this area too)."""
        if convention_id is not None:
            self.form.convention_id = convention_id
        before = self._refreshes
        self.ctx.data_changed.emit()
        if self._refreshes == before:  # shown alone (not by the main window, which refreshes the visible area)
            self.refresh()

    def choose_template(self) -> None:
        from .convention_template_dialog import ConventionTemplateDialog

        ConventionTemplateDialog(self.ctx, self).exec()
        self.form._update_actions()
