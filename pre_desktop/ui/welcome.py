"""First run: no base yet. Create one, open an existing file, or try the demo.

Nothing is created behind the user's back: the window opens only on a base they
chose or created here. A new base starts with what every document needs (the PRE's
name and legal carrier) and the account of the coordinator who creates it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QCommandLinkButton,
    QFrame,
    QScrollArea,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .. import APP_NAME
from ..first_run import DEMO_DB_NAME, create_demo_database, create_new_database
from ..encryption import Passphrase
from ..paths import data_dir, default_db_path
from ..services.auth import MIN_LENGTH
from ..services.errors import DomainError
from ..services.settings import LEGAL_CARRIER_KINDS
from ..textnorm import fold
from .background import run_with_progress
from .forms import FieldErrors
from .passphrase_dialog import NewPassphraseFields
from .login_dialog import LAST_LOGIN_KEY, password_edit
from .recovery import Opened, open_with_recovery
from .restore_dialog import DB_FILTER


class WelcomeDialog(QDialog):
    """Accepted once a base is open: ``opened`` holds it."""

    def __init__(self, settings: QSettings, new_path: Optional[Path] = None, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.opened: Optional[Opened] = None
        self.setWindowTitle(f"Bienvenue dans {APP_NAME}")
        self.setObjectName("welcome")
        self.setWindowIcon(QApplication.windowIcon())
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._choice_page())
        # The new base's form scrolls rather than squeezing its fields on a small screen.
        self.new_scroll = QScrollArea(self.pages)
        self.new_scroll.setWidgetResizable(True)
        self.new_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.new_scroll.setWidget(self._new_page(Path(new_path) if new_path else default_db_path()))
        self.pages.addWidget(self.new_scroll)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.resize(680, 700)

    # --- pages -------------------------------------------------------------------------

    def _choice_page(self) -> QWidget:
        page = QWidget(self)
        title = QLabel(f"<h2>Bienvenue dans {APP_NAME}</h2>", page)
        intro = QLabel(
            "Aucune base de données n'est ouverte sur cet ordinateur. Toutes les informations "
            "(enfants, familles, partenaires, séances) sont enregistrées dans un fichier, sur ce poste "
            "uniquement. Pour commencer :", page)
        intro.setWordWrap(True)
        self.new_button = QCommandLinkButton(
            "Créer une nouvelle base",
            "Pour votre PRE : le nom de la structure et le compte du premier coordonnateur.", page)
        self.open_button = QCommandLinkButton(
            "Ouvrir une base existante",
            "Un fichier déjà utilisé, copié depuis un autre poste, ou une sauvegarde.", page)
        self.demo_button = QCommandLinkButton(
            "Essayer avec des données de démonstration",
            "Une base d'exemple (enfants, familles et partenaires fictifs) pour découvrir l'application.", page)
        self.new_button.clicked.connect(lambda: self.pages.setCurrentIndex(1))
        self.open_button.clicked.connect(self.open_existing)
        self.demo_button.clicked.connect(self.try_demo)
        where = QLabel(f"Dossier des données : <code>{data_dir()}</code>", page)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        where.setStyleSheet("color: #555;")
        quit_button = QPushButton("Quitter", page)
        quit_button.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(where, 1)
        bottom.addWidget(quit_button)
        layout = QVBoxLayout(page)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addSpacing(8)
        for button in (self.new_button, self.open_button, self.demo_button):
            layout.addWidget(button)
        layout.addStretch(1)
        layout.addLayout(bottom)
        return page

    def _new_page(self, path: Path) -> QWidget:
        page = QWidget(self)
        self.errors = FieldErrors(QLabel(page))
        title = QLabel("<h3>Nouvelle base</h3>", page)

        place = QGroupBox("Fichier", page)
        place_form = QFormLayout(place)
        self.path_edit = QLineEdit(str(path), place)
        self.path_edit.setReadOnly(True)
        choose = QPushButton("Choisir…", place)
        choose.clicked.connect(self.choose_new_path)
        holder = QWidget(place)
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.path_edit, 1)
        row.addWidget(choose)
        self.errors.add_row(place_form, "Emplacement :", "path", holder)

        structure = QGroupBox("Votre structure", page)
        form = QFormLayout(structure)
        self.pre_name = QLineEdit(structure)
        self.pre_name.setPlaceholderText("Programme de réussite éducative de …")
        self.carrier_kind = QComboBox(structure)
        self.carrier_kind.addItems(LEGAL_CARRIER_KINDS)
        self.carrier_name = QLineEdit(structure)
        self.carrier_name.setPlaceholderText("Caisse des écoles de …")
        self.town = QLineEdit(structure)
        self.errors.add_row(form, "Nom du PRE* :", "pre_name", self.pre_name)
        self.errors.add_row(form, "Porteur juridique :", "legal_carrier_kind", self.carrier_kind)
        self.errors.add_row(form, "Nom du porteur :", "legal_carrier_name", self.carrier_name)
        self.errors.add_row(form, "Commune :", "town", self.town)

        account = QGroupBox("Premier compte : coordonnateur(trice)", page)
        account_form = QFormLayout(account)
        self.first_name = QLineEdit(account)
        self.last_name = QLineEdit(account)
        self.login = QLineEdit(account)
        self.login.setPlaceholderText("par exemple c.martin")
        self.errors.add_row(account_form, "Prénom* :", "first_name", self.first_name)
        self.errors.add_row(account_form, "Nom* :", "last_name", self.last_name)
        self.errors.add_row(account_form, "Identifiant* :", "login", self.login)
        self.password = password_edit(account, "password")
        self.password.setPlaceholderText(f"au moins {MIN_LENGTH} caractères, 3 sortes parmi a, A, 1, #")
        self.confirmation = password_edit(account, "confirmation")
        self.errors.add_row(account_form, "Mot de passe* :", "password", self.password)
        self.errors.add_row(account_form, "Confirmer* :", "confirmation", self.confirmation)
        self.first_name.textEdited.connect(self._suggest_login)
        self.last_name.textEdited.connect(self._suggest_login)
        self.login.textEdited.connect(lambda _text: setattr(self, "_login_typed", True))
        self._login_typed = False

        protection = QGroupBox("Protection du fichier", page)
        protection_form = QFormLayout(protection)
        self.encrypt = QCheckBox("Chiffrer la base (recommandé sur un portable ou un poste partagé)", protection)
        self.encrypt.setObjectName("encrypt")
        protection_form.addRow(self.encrypt)
        self.encrypt_note = QLabel(
            "La base et ses sauvegardes seront illisibles sans la phrase secrète, demandée à chaque ouverture.<br>"
            "<b>Une phrase secrète perdue ne se récupère pas</b> : notez-la et rangez-la en lieu sûr.", protection)
        self.encrypt_note.setStyleSheet("color: #a93226;")
        protection_form.addRow(self.encrypt_note)
        self.new_passphrase = NewPassphraseFields(protection, protection_form, self.errors)
        self.encrypt.toggled.connect(self._encryption_toggled)
        self._encryption_toggled(False)

        note = QLabel("* obligatoire. Les autres paramètres (adresse, logo, représentant légal…) se "
                      "complètent ensuite dans « Paramètres ».", page)
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        back = QPushButton("Retour", page)
        back.clicked.connect(lambda: self.pages.setCurrentIndex(0))
        self.create_button = QPushButton("Créer la base", page)
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self.create_new)
        buttons = QHBoxLayout()
        buttons.addWidget(back)
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)

        layout = QVBoxLayout(page)
        layout.addWidget(title)
        layout.addWidget(place)
        layout.addWidget(structure)
        layout.addWidget(account)
        layout.addWidget(protection)
        layout.addWidget(self.errors.banner)
        layout.addWidget(note)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _suggest_login(self) -> None:
        if self._login_typed:
            return
        first, last = fold(self.first_name.text()).strip(), fold(self.last_name.text()).strip()
        parts = [first[:1], "".join(c for c in last if c.isalnum())]
        self.login.setText(".".join(p for p in parts if p))

    # --- actions -------------------------------------------------------------------------

    def choose_new_path(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "Emplacement de la nouvelle base", self.path_edit.text(),
                                                "Bases PRE Desktop (*.sqlite)")
        if chosen:
            path = Path(chosen)
            self.path_edit.setText(str(path if path.suffix else path.with_suffix(".sqlite")))

    def create_new(self) -> bool:
        path = Path(self.path_edit.text())
        structure = {"pre_name": self.pre_name.text(), "legal_carrier_kind": self.carrier_kind.currentText(),
                     "legal_carrier_name": self.carrier_name.text(), "town": self.town.text()}
        coordinator = {"login": self.login.text(), "first_name": self.first_name.text(),
                       "last_name": self.last_name.text(), "password": self.password.text(),
                       "confirmation": self.confirmation.text()}
        try:
            key = self.new_passphrase.read() if self.encrypt.isChecked() else None
            run_with_progress(self, "Création de la base…",
                              lambda: create_new_database(path, structure, coordinator, key=key))
        except DomainError as error:
            self.errors.show(error)
            refused = self.errors.widget(error.field or "")
            if refused is not None:
                self.new_scroll.ensureWidgetVisible(refused)
            return False
        self.errors.clear()
        self.settings.setValue(LAST_LOGIN_KEY, self.login.text().strip().lower())  # the login asks only the password
        return self._open(path, key)

    def open_existing(self) -> bool:
        chosen, _ = QFileDialog.getOpenFileName(self, "Ouvrir une base PRE Desktop", str(data_dir()), DB_FILTER)
        return bool(chosen) and self._open(Path(chosen))

    def try_demo(self) -> bool:
        suggested = data_dir() / DEMO_DB_NAME
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Où créer la base de démonstration ?", str(suggested), "Bases PRE Desktop (*.sqlite)")
        if not chosen:
            return False
        path = Path(chosen)
        if path.exists() and path.resolve() == default_db_path().resolve():
            QMessageBox.warning(self, "Base de démonstration",
                                "Ce fichier est l'emplacement de votre base de travail : choisissez un autre nom.")
            return False
        try:
            run_with_progress(self, "Création des données de démonstration…",
                              lambda: create_demo_database(path, replace=True))
        except DomainError as error:
            QMessageBox.critical(self, "Base de démonstration", error.message)
            return False
        return self._open(path)

    def _encryption_toggled(self, on: bool) -> None:
        self.new_passphrase.setEnabled(on)
        self.encrypt_note.setVisible(on)

    def _open(self, path: Path, key: Optional[Passphrase] = None) -> bool:
        opened = open_with_recovery(self, path, self.settings, key=key)
        if not isinstance(opened, Opened):
            return False
        self.opened = opened
        self.settings.setValue("last_database", str(opened.path))
        self.accept()
        return True
