"""Enfants › « Transférer une file active… » (coordinator): every file of one référent to
another in one step, after a confirmation that says how many files move."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QMenu, QMessageBox, QWidget

from ..models import Role
from ..services import caseload
from ..services.errors import NeedsConfirmation
from ..services.users import list_users
from .context import AppContext
from .fields import ChoiceField, FieldSet
from .form_dialog import FormDialog

if TYPE_CHECKING:  # pragma: no cover
    from .main_window import MainWindow

TITLE = "Transférer une file active"


def add_transfer_action(window: "MainWindow", menu: QMenu) -> None:
    """The menu entry, for the coordinator only (the service refuses the others anyway)."""
    if window.ctx.role not in (None, Role.COORDINATOR):
        return
    window.transfer_action = QAction("&Transférer une file active…", window)
    window.transfer_action.setStatusTip("Confier tous les dossiers d'un(e) référent(e) à un(e) autre, en une fois")
    window.transfer_action.triggered.connect(lambda: transfer(window.ctx, window))
    menu.addSeparator()
    menu.addAction(window.transfer_action)


def transfer_dialog(ctx: AppContext, parent: Optional[QWidget]) -> FormDialog:
    with ctx.read() as session:
        people = list_users(session)
        sizes = {u.id: caseload.caseload_size(session, u.id) for u in people}
    sources = [(f"{u.name} ({sizes[u.id]} dossier{'s' if sizes[u.id] > 1 else ''})", u.id)
               for u in people if sizes[u.id]]
    targets = [(f"{u.name} — {u.role_label}", u.id) for u in people
               if u.role in (Role.REFERENT, Role.COORDINATOR)]

    def save(fields: FieldSet, _confirm: bool) -> Any:
        values = fields.values()
        try:  # the count first, nothing written (a refusal shows on its field)
            with ctx.read() as session:
                caseload.transfer_caseload(session, values["from_id"], values["to_id"])
        except NeedsConfirmation as question:
            text = question.warnings[0].message + "\n\nConfirmer le transfert ?"
            if QMessageBox.question(dialog, TITLE, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                    QMessageBox.StandardButton.No) != QMessageBox.StandardButton.Yes:
                raise _Declined() from None
        with ctx.write() as session:
            return caseload.transfer_caseload(session, values["from_id"], values["to_id"], confirm=True)

    dialog = _TransferDialog(parent, TITLE, [("from_id", "Dossiers de :", ChoiceField(sources)),
                                             ("to_id", "Confiés à :", ChoiceField(targets))],
                             {"from_id": sources[0][1] if sources else None,
                              "to_id": targets[0][1] if targets else None}, save)
    dialog.setObjectName("transfer_dialog")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Transférer…")
    note = QLabel("Tous les dossiers (hors archives) changent de référent(e) en une fois ; chaque changement est "
                  "tracé dans l'historique du dossier. Le nombre de dossiers est confirmé avant le transfert.", dialog)
    note.setWordWrap(True)
    dialog.layout().insertWidget(0, note)
    return dialog


class _Declined(Exception):
    """The user said no to the confirmation: the dialog stays open, nothing written."""


class _TransferDialog(FormDialog):
    def save(self) -> bool:
        try:
            return super().save()
        except _Declined:
            return False


def transfer(ctx: AppContext, parent: Optional[QWidget]) -> bool:
    """Run the dialog; on a transfer, every screen reloads (the lists change owner)."""
    dialog = transfer_dialog(ctx, parent)
    if not dialog.exec():
        return False
    result = dialog.result_value
    QMessageBox.information(parent, TITLE, f"{result.children} dossier(s) transféré(s).")
    ctx.data_changed.emit()
    return True
