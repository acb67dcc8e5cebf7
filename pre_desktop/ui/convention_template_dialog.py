"""Choosing the structure's own Word template for the convention, and the list of its fields.

The template is checked before it is stored (an unknown field is refused by its name);
the "Champs disponibles" list comes from exports.convention_document.TEMPLATE_FIELDS,
the same list the documents are filled from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..exports.convention_document import TEMPLATE_FIELDS, example_template, install_template
from ..exports.render import atomic_write
from ..services.convention_documents import KIND
from ..services.errors import DomainError
from ..services.templates import get_template, remove_template
from .context import AppContext
from .export_actions import FOLDER_KEY
from .rows_model import Column, RowsView

FIELD_COLS = [Column("Champ à écrire dans le modèle", lambda f: "{{ " + f.name + " }}"),
              Column("Ce qu'il devient", lambda f: f.description)]


class FieldsDialog(QDialog):
    """Champs disponibles: every placeholder a template may use, with what it is filled with."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Champs disponibles pour le modèle de convention")
        layout = QVBoxLayout(self)
        intro = QLabel("Écrivez ces champs tels quels dans votre document Word (accolades doubles comprises) : "
                       "ils sont remplacés par les valeurs de la structure (Paramètres), du partenaire et de la "
                       "convention. Un champ inconnu fait refuser le modèle.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.list = RowsView(FIELD_COLS, "", self, name="fields", sortable=False)
        self.list.set_rows(TEMPLATE_FIELDS)
        self.table, self.model = self.list.table, self.list.model
        layout.addWidget(self.list, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        copy = buttons.addButton("Copier le champ sélectionné", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy_selected)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(760, 560)

    def copy_selected(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            QGuiApplication.clipboard().setText(index.siblingAtColumn(0).data())


class ConventionTemplateDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Modèle Word de la convention")
        layout = QVBoxLayout(self)
        self.current = QLabel(self)
        self.current.setObjectName("current")
        self.current.setWordWrap(True)
        layout.addWidget(self.current)
        note = QLabel("Le modèle sert au format Word (.docx). Le PDF suit toujours la mise en page intégrée : "
                      "convertir un document Word en PDF demande un traitement de texte, que l'application "
                      "n'exige pas. Pour un PDF de votre modèle, enregistrez le fichier Word produit en PDF "
                      "depuis votre traitement de texte.", self)
        note.setWordWrap(True)
        layout.addWidget(note)
        row = QHBoxLayout()
        self.choose_button = QPushButton("&Choisir un fichier .docx…", self)
        self.choose_button.clicked.connect(self.choose)
        self.fields_button = QPushButton("Champs &disponibles…", self)
        self.fields_button.clicked.connect(lambda: FieldsDialog(self).exec())
        self.example_button = QPushButton("Enregistrer un modèle d'&exemple…", self)
        self.example_button.setToolTip("La convention intégrée, avec ses champs, à adapter dans Word.")
        self.example_button.clicked.connect(self.save_example)
        self.remove_button = QPushButton("&Revenir au modèle intégré", self)
        self.remove_button.clicked.connect(self.remove)
        for button in (self.choose_button, self.fields_button, self.example_button, self.remove_button):
            row.addWidget(button)
        layout.addLayout(row)
        self.error = QLabel(self)
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #a93226;")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._show_current()

    def _show_current(self) -> None:
        with self.ctx.read() as session:
            template = get_template(session, KIND)
            name = template.file_name if template else None
            when = template.updated_at.strftime("%d/%m/%Y") if template else ""
        if name:
            self.current.setText(f"Modèle utilisé pour le format Word : « {name} » (installé le {when}).")
        else:
            self.current.setText("Modèle utilisé : la convention intégrée, d'après le modèle du guide de l'ANCT.")
        self.remove_button.setEnabled(name is not None)

    def install(self, path: Path) -> bool:
        """Check and store ``path``; a refusal (unknown field…) is shown and nothing is stored."""
        try:
            with self.ctx.write() as session:
                names = install_template(session, path)
        except DomainError as error:
            self.error.setText(error.message)
            return False
        self.error.setText(f"Modèle installé : {len(names)} champ{'s' if len(names) > 1 else ''} reconnu"
                           f"{'s' if len(names) > 1 else ''}.")
        self.ctx.data_changed.emit()
        self._show_current()
        return True

    def choose(self) -> None:
        folder = str(self.ctx.settings.value(FOLDER_KEY, "") or Path.home())
        chosen, _ = QFileDialog.getOpenFileName(self, "Choisir le modèle Word de la convention", folder,
                                                "Document Word (*.docx)")
        if chosen:
            self.install(Path(chosen))

    def remove(self) -> None:
        with self.ctx.write() as session:
            remove_template(session, KIND)
        self.error.setText("")
        self.ctx.data_changed.emit()
        self._show_current()

    def save_example(self) -> None:
        folder = Path(str(self.ctx.settings.value(FOLDER_KEY, "") or Path.home()))
        chosen, _ = QFileDialog.getSaveFileName(self, "Enregistrer le modèle d'exemple",
                                                str(folder / "Modèle de convention.docx"), "Document Word (*.docx)")
        if not chosen:
            return
        path = Path(chosen) if chosen.lower().endswith(".docx") else Path(chosen + ".docx")
        content = example_template()
        try:
            atomic_write(path, lambda tmp: tmp.write_bytes(content))
        except OSError as error:
            QMessageBox.warning(self, "Modèle non enregistré", f"Le fichier n'a pas pu être écrit ({error.strerror}).")
            return
        self.ctx.settings.setValue(FOLDER_KEY, str(path.parent))
        if QMessageBox.question(self, "Modèle enregistré", f"Le modèle d'exemple a été enregistré :\n{path}\n\n"
                                "L'ouvrir maintenant ?") == QMessageBox.StandardButton.Yes:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
