"""The Paramètres area: the structure's identity, printed by every document.

One form over ``services.settings``; the logo chosen is copied beside the database
(``services.settings.store_logo``) so that it survives the original file being moved
and travels with the base.
"""

from __future__ import annotations

from typing import Any, Optional

from PySide6.QtCore import QDir, Qt
from PySide6.QtGui import QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..services.errors import DomainError
from ..services.settings import (
    DEFAULT_PUBLIC_AGES,
    LEGAL_CARRIER_KINDS,
    get_settings,
    lock_minutes,
    store_logo,
    update_settings,
)
from ..services.retention import DEFAULT_ARCHIVE_YEARS, DEFAULT_RETENTION_YEARS
from .context import AppContext
from .fields import age_range, compound_row
from .forms import FieldErrors, run_action
from .widgets import area_title

TEXT_FIELDS: list[tuple[str, str, str]] = [  # (field, label, group)
    ("pre_name", "&Nom du PRE :", "Structure"),
    ("legal_carrier_name", "Nom du &porteur :", "Structure"),
    ("address", "&Adresse :", "Structure"),
    ("postal_code", "Code pos&tal :", "Structure"),
    ("town", "&Commune :", "Structure"),
    ("phone", "Télé&phone :", "Structure"),
    ("email", "Co&urriel :", "Structure"),
    ("legal_representative", "&Représentant(e) légal(e) :", "Signataires"),
    ("legal_representative_title", "&Qualité :", "Signataires"),
    ("coordinator_name", "C&oordonnateur(trice) :", "Signataires"),
    ("administrative_court", "&Tribunal administratif :", "Signataires"),
]
PLACEHOLDERS = {
    "pre_name": "ex. PRE de Ville-Exemple",
    "legal_carrier_name": "ex. Caisse des écoles de Ville-Exemple",
    "legal_representative_title": "ex. Président de la Caisse des écoles",
    "administrative_court": "ex. Tribunal administratif de Versailles",
}
LOGO_PREVIEW = (220, 90)
RETENTION_DEFAULTS = {"retention_years": DEFAULT_RETENTION_YEARS, "archive_years": DEFAULT_ARCHIVE_YEARS}


class SettingsArea(QWidget):
    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.version: Optional[int] = None
        self.logo_path: Optional[str] = None
        self._build()
        self.refresh()

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 12, 12, 6)
        outer.addWidget(area_title("Paramètres de la structure", self))
        intro = QLabel("Ces informations figurent sur tous les documents produits (conventions, fiches de liaison, "
                       "tableaux mensuels, états trimestriels, ordres du jour et relevés de décisions de l'EPS, "
                       "annuaire des partenaires).", self)
        intro.setWordWrap(True)
        outer.addWidget(intro)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        body = QWidget(scroll)
        body.setMaximumWidth(860)  # long lines of fields are hard to read on wide screens
        scroll.setWidget(body)
        layout = QVBoxLayout(body)
        self.errors = FieldErrors(QLabel(body))
        layout.addWidget(self.errors.banner)
        self.inputs: dict[str, QLineEdit] = {}
        forms: dict[str, QFormLayout] = {}
        for group in ("Structure", "Signataires"):
            box = QGroupBox(group if group == "Structure" else "Signataires et litiges", body)
            forms[group] = QFormLayout(box)
            forms[group].setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            layout.addWidget(box)
        for field, text, group in TEXT_FIELDS:
            edit = QLineEdit(body)
            edit.setObjectName(field)
            edit.setPlaceholderText(PLACEHOLDERS.get(field, ""))
            self.inputs[field] = edit
            if field == "legal_carrier_name":
                self.carrier_kind = QComboBox(body)
                self.carrier_kind.setObjectName("legal_carrier_kind")
                self.carrier_kind.addItem("— Choisir —", None)
                for kind in LEGAL_CARRIER_KINDS:
                    self.carrier_kind.addItem(kind, kind)
                self.errors.add_row(forms[group], "Porteur &juridique :", "legal_carrier_kind", self.carrier_kind)
            self.errors.add_row(forms[group], text, field, edit)
        self.inputs["postal_code"].setMaximumWidth(100)

        logo_box = QGroupBox("Logo et public", body)
        logo_form = QFormLayout(logo_box)
        logo_row = QWidget(logo_box)
        row = QHBoxLayout(logo_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.logo_preview = QLabel(logo_row)
        self.logo_preview.setObjectName("logo_preview")
        self.logo_preview.setFixedSize(*LOGO_PREVIEW)
        self.logo_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.logo_preview.setStyleSheet("border: 1px solid palette(mid); background: white;")
        row.addWidget(self.logo_preview)
        buttons = QVBoxLayout()
        self.choose_logo_button = QPushButton("Choisir une &image…", logo_row)
        self.choose_logo_button.setObjectName("choose_logo")
        self.choose_logo_button.clicked.connect(self.choose_logo)
        self.remove_logo_button = QPushButton("Retirer le logo", logo_row)
        self.remove_logo_button.setObjectName("remove_logo")
        self.remove_logo_button.clicked.connect(lambda: self.set_logo(None))
        self.logo_label = QLabel(logo_row)
        self.logo_label.setObjectName("logo_path")
        self.logo_label.setWordWrap(True)
        self.logo_label.setStyleSheet("color: palette(dark); font-size: 90%;")
        buttons.addWidget(self.choose_logo_button, 0, Qt.AlignmentFlag.AlignLeft)
        buttons.addWidget(self.remove_logo_button, 0, Qt.AlignmentFlag.AlignLeft)
        buttons.addWidget(self.logo_label)
        buttons.addStretch(1)
        row.addLayout(buttons, 1)
        self.errors.add_row(logo_form, "&Logo :", "logo_path", logo_row)
        self.age_min, self.age_max = age_range(logo_form, "Â&ges du public :", logo_box, self.errors,
                                               ("public_age_min", "public_age_max"),
                                               "ans (en dehors, l'application demande confirmation)")
        layout.addWidget(logo_box)
        security = QGroupBox("Sécurité", body)
        security_form = QFormLayout(security)
        self.lock_minutes = QLineEdit(security)
        self.lock_minutes.setObjectName("lock_minutes")
        self.lock_minutes.setMaximumWidth(60)
        self.errors.add_row(security_form, "&Verrouillage après (minutes sans activité) :", "lock_minutes",
                            self.lock_minutes)
        layout.addWidget(security)
        layout.addWidget(self._retention_box(body))
        layout.addStretch(1)
        outer.addWidget(scroll, 1)

        actions = QHBoxLayout()
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.save_button = QPushButton("&Enregistrer", self)
        self.save_button.setObjectName("save")
        self.save_button.setToolTip("Enregistrer les paramètres (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        actions.addWidget(self.status, 1)
        actions.addWidget(self.save_button)
        outer.addLayout(actions)
        shortcut = QShortcut(QKeySequence.StandardKey.Save, self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.save)

    def _retention_box(self, body: QWidget) -> QGroupBox:
        """GDPR life cycle (services.retention): how long files stay active, then archived."""
        box = QGroupBox("Conservation des dossiers (RGPD)", body)
        form = QFormLayout(box)
        self.retention_inputs: dict[str, QLineEdit] = {}
        for field, text, note in (
                ("retention_years", "&Base active :", "ans après le dernier contact, puis proposés à l'archivage "
                                                       "(2 ans au plus selon la CNIL)"),
                ("archive_years", "Arc&hive :", "ans d'archivage (lecture seule), puis anonymisation")):
            row = QWidget(box)
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            edit = QLineEdit(row)
            edit.setObjectName(field)
            edit.setMaximumWidth(60)
            line.addWidget(edit)
            line.addWidget(QLabel(note, row), 1)
            self.retention_inputs[field] = edit
            compound_row(form, text, row, self.errors, [(field, edit)])
        return box

    # --- data ----------------------------------------------------------------------

    def refresh(self) -> None:
        with self.ctx.read() as session:
            row = get_settings(session)
            values = {field: getattr(row, field) for field, _, _ in TEXT_FIELDS} if row else {}
            kind = row.legal_carrier_kind if row else None
            ages = (row.public_age_min, row.public_age_max) if row else DEFAULT_PUBLIC_AGES
            self.version = row.version if row else None
            logo = row.logo_path if row else None
            years = {field: getattr(row, field) if row else default for field, default in RETENTION_DEFAULTS.items()}
            minutes = lock_minutes(session)
        self.errors.clear()
        self.lock_minutes.setText(str(minutes))
        for field, edit in self.inputs.items():
            edit.setText(values.get(field) or "")
        index = self.carrier_kind.findData(kind)
        if index < 0 and kind:  # a kind typed before the list existed
            self.carrier_kind.addItem(kind, kind)
            index = self.carrier_kind.count() - 1
        self.carrier_kind.setCurrentIndex(max(index, 0))
        self.age_min.setText(str(ages[0]))
        self.age_max.setText(str(ages[1]))
        self.set_logo(logo)
        for field, edit in self.retention_inputs.items():
            edit.setText(str(years[field]))
        self.status.setText("" if self.version is not None else
                            "Les paramètres n'ont pas encore été enregistrés : les documents portent un nom par défaut.")

    def set_logo(self, path: Optional[str]) -> None:
        self.logo_path = path
        pixmap = QPixmap(path) if path else QPixmap()
        if pixmap.isNull():
            self.logo_preview.setPixmap(QPixmap())
            self.logo_preview.setText("Image introuvable" if path else "Aucun logo")
        else:
            self.logo_preview.setPixmap(pixmap.scaled(LOGO_PREVIEW[0] - 8, LOGO_PREVIEW[1] - 8,
                                                      Qt.AspectRatioMode.KeepAspectRatio,
                                                      Qt.TransformationMode.SmoothTransformation))
        self.logo_label.setText(path or "")
        self.remove_logo_button.setEnabled(bool(path))

    def choose_logo(self) -> None:
        folder = str(self.ctx.settings.value("settings/logo_dir", QDir.homePath()))
        path, _ = QFileDialog.getOpenFileName(self, "Choisir le logo de la structure", folder,
                                              "Images (*.png *.jpg *.jpeg)")
        if path:
            self.ctx.settings.setValue("settings/logo_dir", path.rsplit("/", 1)[0])
            self.use_logo_file(path)

    def use_logo_file(self, path: str) -> bool:
        """Check the image, copy it beside the database; saved with the form."""
        if QPixmap(path).isNull():
            self.errors.show(DomainError("Ce fichier n'est pas une image lisible (PNG ou JPEG).", "logo_path"))
            return False
        try:
            stored = store_logo(path, self.ctx.db_path)
        except DomainError as error:
            self.errors.show(error)
            return False
        self.errors.clear()
        self.set_logo(str(stored))
        return True

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {field: edit.text() for field, edit in self.inputs.items()}
        out["legal_carrier_kind"] = self.carrier_kind.currentData()
        out["public_age_min"] = self.age_min.text()
        out["public_age_max"] = self.age_max.text()
        out["logo_path"] = self.logo_path
        out.update({field: edit.text() for field, edit in self.retention_inputs.items()})
        out["lock_minutes"] = self.lock_minutes.text()
        return out

    def save(self) -> bool:
        values, version = self.values(), self.version

        def action(_confirm: bool) -> int:
            with self.ctx.write() as session:
                return update_settings(session, expected_version=version, **values).version

        saved = run_action(self, action, self.errors)
        if saved is None:
            return False
        self.ctx.data_changed.emit()
        self.ctx.settings_changed.emit()  # the idle lock takes the new delay
        self.refresh()
        self.status.setText("Paramètres enregistrés.")
        return True
