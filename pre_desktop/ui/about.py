"""Aide > À propos: the version and, above all, which file the user is working in."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import QUrl, Qt, qVersion
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .. import APP_NAME, __version__
from ..backups import backup_dir
from ..logs import current_log_file
from ..migrate import head_revision


class AboutDialog(QDialog):
    def __init__(self, db_path: Path, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"À propos de {APP_NAME}")
        self.setObjectName("about_dialog")
        icon = QLabel(self)
        icon.setPixmap(QApplication.windowIcon().pixmap(96, 96))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        log_file = current_log_file()
        self.text = QLabel(
            f"<h2>{APP_NAME}</h2>"
            f"<p>Version {__version__} (schéma de base {head_revision()})<br>"
            "Suivi des Programmes de réussite éducative, hors ligne.</p>"
            f"<p><b>Base ouverte :</b><br><code>{db_path}</code></p>"
            f"<p><b>Sauvegardes :</b><br><code>{backup_dir(db_path)}</code></p>"
            + (f"<p><b>Journal :</b><br><code>{log_file}</code></p>" if log_file else "")
            + f"<p style='color:#666'>Qt {qVersion()} · données stockées uniquement sur cet ordinateur.</p>",
            self,
        )
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setWordWrap(True)
        buttons = QDialogButtonBox(self)
        folder = QPushButton("Ouvrir le dossier de la base", self)
        folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(db_path.parent))))
        buttons.addButton(folder, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton("Fermer", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        row = QHBoxLayout()
        row.addWidget(icon)
        row.addWidget(self.text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)


def add_help_menu(window: QMainWindow) -> None:
    menu = window.menuBar().addMenu("&Aide")
    window.help_menu = menu  # type: ignore[attr-defined]
    action = QAction(f"À &propos de {APP_NAME}", window)
    action.setMenuRole(QAction.MenuRole.AboutRole)
    action.triggered.connect(lambda: AboutDialog(window.db_path, window).exec())  # type: ignore[attr-defined]
    menu.addAction(action)
    window.about_action = action  # type: ignore[attr-defined]
    fields = QAction("Champs du &modèle de convention…", window)
    fields.setToolTip("Les champs {{ … }} qu'un modèle Word de convention peut utiliser")
    fields.triggered.connect(lambda: _template_fields(window))
    menu.insertAction(action, fields)  # « À propos » stays last
    window.template_fields_action = fields  # type: ignore[attr-defined]


def _template_fields(window: QMainWindow) -> None:
    from .convention_template_dialog import FieldsDialog

    FieldsDialog(window).exec()
