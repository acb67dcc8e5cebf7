"""What the user sees when something unexpected fails: a French explanation, not a trace.

The dialog says what happened in plain words, that the data already saved is safe
(every change is one transaction: committed whole or not at all), and where the log
is; the technical details are folded away for whoever provides support. The app
keeps running after it is closed.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QObject, QUrl, Qt, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from .. import APP_NAME
from ..logs import ExcInfo, install_exception_hooks

WHAT_HAPPENED = "Une erreur inattendue s'est produite dans {app}."
NOTHING_LOST = (
    "Aucune donnée enregistrée n'a été perdue : chaque modification est enregistrée entièrement "
    "ou pas du tout. L'action en cours n'a peut-être pas abouti : vérifiez-la, puis continuez "
    "à travailler normalement."
)

CANNOT_START = "{app} n'a pas pu s'ouvrir à cause d'une erreur inattendue."
NOTHING_LOST_AT_START = (
    "Aucune donnée n'a été perdue : la base n'a pas été modifiée. Relancez l'application."
)


class ErrorDialog(QDialog):
    """``fatal``: the error stopped the start-up, so the app closes after it (Quitter)."""

    def __init__(self, exc: ExcInfo, log_file: Optional[Path], parent: Optional[QWidget] = None,
                 *, fatal: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{APP_NAME} — erreur inattendue")
        self.setObjectName("error_dialog")
        kind, value, tb = exc
        icon = QLabel(self)
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(48, 48))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)

        summary = (CANNOT_START if fatal else WHAT_HAPPENED).format(app=APP_NAME)
        self.summary = QLabel(f"<b>{summary}</b>", self)
        self.detail = QLabel(f"Problème rencontré : {describe(value)}", self)
        self.reassurance = QLabel(NOTHING_LOST_AT_START if fatal else NOTHING_LOST, self)
        where = str(log_file) if log_file else "la sortie d'erreur (aucun fichier de journal)"
        self.log_label = QLabel(
            f"Le détail technique a été noté dans le journal :<br><code>{where}</code><br>"
            "Si l'erreur se reproduit, transmettez ce fichier à la personne qui assure le support.", self
        )
        for label in (self.detail, self.reassurance, self.log_label):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.trace = QPlainTextEdit("".join(traceback.format_exception(kind, value, tb)), self)
        self.trace.setReadOnly(True)
        self.trace.setVisible(False)
        self.trace.setMinimumHeight(160)

        buttons = QDialogButtonBox(self)
        self.details_button = QPushButton("Détails techniques", self)
        self.details_button.setCheckable(True)
        self.details_button.toggled.connect(self._toggle_details)
        buttons.addButton(self.details_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.open_log_button: Optional[QPushButton] = None
        if log_file is not None:
            self.open_log_button = QPushButton("Ouvrir le dossier du journal", self)
            self.open_log_button.clicked.connect(
                lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_file.parent)))
            )
            buttons.addButton(self.open_log_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.continue_button = buttons.addButton("Quitter" if fatal else "Continuer",
                                                 QDialogButtonBox.ButtonRole.AcceptRole)
        self.continue_button.setDefault(True)
        buttons.accepted.connect(self.accept)

        text = QVBoxLayout()
        for widget in (self.summary, self.detail, self.reassurance, self.log_label):
            text.addWidget(widget)
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addLayout(text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.trace)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def _toggle_details(self, shown: bool) -> None:
        self.trace.setVisible(shown)
        self.adjustSize()


def describe(value: BaseException) -> str:
    """One French line for the exception: its own message when it has one."""
    message = getattr(value, "message", None) or str(value)
    known = {
        MemoryError: "la mémoire de l'ordinateur est insuffisante",
        PermissionError: "accès refusé à un fichier",
        FileNotFoundError: "un fichier est introuvable",
        OSError: "erreur du système de fichiers",
    }
    for kind, words in known.items():
        if isinstance(value, kind):
            return f"{words} ({message})" if message else words
    return f"erreur interne du programme ({type(value).__name__} : {message})" if message else \
        f"erreur interne du programme ({type(value).__name__})"


class ErrorReporter(QObject):
    """Receives exceptions from any thread and shows the dialog in the GUI thread."""

    raised = Signal(object)

    def __init__(self, log_file: Optional[Path], parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.log_file = log_file
        self.last: Optional[ErrorDialog] = None
        self.count = 0
        self._showing = False
        self.raised.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def report(self, exc: ExcInfo) -> None:
        self.raised.emit(exc)

    def _show(self, exc: ExcInfo) -> None:
        if self._showing:  # an error inside the dialog's own loop: logged, not stacked
            return
        self._showing = True
        try:
            dialog = ErrorDialog(exc, self.log_file, QApplication.activeWindow())
            self.last, self.count = dialog, self.count + 1
            dialog.exec()
        finally:
            self._showing = False


def install(log_file: Optional[Path]) -> ErrorReporter:
    """sys.excepthook and threading.excepthook → log + French dialog; the app goes on."""
    app = QApplication.instance()
    reporter = ErrorReporter(log_file, app)
    install_exception_hooks(reporter.report)
    return reporter
