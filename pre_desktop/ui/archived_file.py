"""Opening an archived file: a coordinator states why, and the reason goes to its history.

The rule (coordinator only, a reason required) is ``services.retention.record_archived_view``;
this dialog asks for the reason and shows a refusal under it. Other roles are told at
once that the file is archived, without a form they could not use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..formatting import fr_date
from ..models import Child, Role
from ..services import retention
from .context import AppContext
from .fields import MultilineField
from .forms import FieldErrors, run_action
from .widgets import ok_cancel

if TYPE_CHECKING:  # pragma: no cover - ui.child_file imports this module
    from .child_file import ChildFile


class ArchiveReasonDialog(QDialog):
    def __init__(self, ctx: AppContext, child_id: int, name: str, archived_on, parent: Optional[QWidget] = None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self.ctx = ctx
        self.child_id = child_id
        self.setWindowTitle("Ouvrir un dossier archivé")
        self.setModal(True)
        layout = QVBoxLayout(self)
        intro = QLabel(f"Le dossier de {name} est archivé depuis le {fr_date(archived_on)}. Il s'ouvrira en lecture "
                       "seule ; le motif de la consultation est enregistré dans son historique "
                       "(qui l'a ouvert, quand et pourquoi).", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        banner = QLabel(self)
        self.errors = FieldErrors(banner)
        form = QFormLayout()
        self.reason = MultilineField(self, lines=3)
        self.reason.widget.setObjectName("reason")
        self.reason.widget.setPlaceholderText("ex. : demande de la famille (droit d'accès), réquisition judiciaire…")
        self.errors.add_row(form, "Motif :", "reason", self.reason.widget)
        layout.addLayout(form)
        layout.addWidget(banner)
        layout.addWidget(ok_cancel(self, "Ouvrir le dossier", self.save, QDialogButtonBox.StandardButton.Ok))
        self.setMinimumWidth(480)
        self.reason.widget.setFocus()

    def save(self) -> bool:
        reason = self.reason.value()

        def action(_confirm: bool) -> bool:
            with self.ctx.write() as session:
                retention.record_archived_view(session, self.child_id, reason)
            return True

        if run_action(self, action, self.errors):
            self.accept()
            return True
        return False


def ask_to_open(parent: QWidget, ctx: AppContext, child_id: int) -> Optional[bool]:
    """None: the file is not archived (open it as usual); True: opening traced with its
    reason (open it read-only); False: not opened (another role, or cancelled)."""
    with ctx.read() as session:
        child = session.get(Child, child_id)
        if child is None or child.archived_on is None:
            return None
        name, archived_on = child.full_name, child.archived_on
    if ctx.user is None or ctx.user.role is not Role.COORDINATOR:
        QMessageBox.information(parent, "Dossier archivé", retention.ARCHIVED_OPENING)
        return False
    return bool(ArchiveReasonDialog(ctx, child_id, name, archived_on, parent).exec())


# Buttons that only read (open a produced document, the scanned agreement): kept in an archived file.
READING_BUTTONS = {"open_file", "open_consent"}


def read_only(window: "ChildFile", archived_on) -> None:  # noqa: ANN001
    """Show an archived file without a way to change it: the services refuse any write
    anyway (``retention.guard_archived``); the window does not offer one."""
    window.archive_banner.setText(f"Dossier archivé le {fr_date(archived_on)} — lecture seule")
    window.archive_banner.show()
    window.save_button.hide()
    window.revert_button.hide()
    window.save_action.setEnabled(False)
    for tab in window.tab_widgets():
        for edit in tab.findChildren(QLineEdit) + tab.findChildren(QPlainTextEdit):
            edit.setReadOnly(True)
        for choice in tab.findChildren(QComboBox) + tab.findChildren(QCheckBox):
            choice.setEnabled(False)
        for button in tab.findChildren(QPushButton):
            if button.objectName() not in READING_BUTTONS:
                button.hide()
    # Read-only fields on the window's background, so nothing looks typeable (set after
    # the fields turned read-only: the style sheet is matched when it is set).
    window.tabs.setStyleSheet("QLineEdit[readOnly=\"true\"], QPlainTextEdit[readOnly=\"true\"] "
                              "{ background: palette(window); }")
    if not getattr(window, "_edits_unplugged", False):  # double-click opens an edit form: not here
        window._edits_unplugged = True
        window.identity.guardians.activated.disconnect(window.identity.edit_guardian)
        window.referrals.referrals.activated.disconnect(window.referrals.edit_referral)
