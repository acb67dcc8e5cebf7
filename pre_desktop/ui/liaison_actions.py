"""What can be done to one fiche de liaison, from the Fiches de liaison area or a child's file.

Each action is one small dialog over one service call (``care_referrals``), so both
places behave the same: refusals shown on their field, the re-sending question asked
by the service's NeedsConfirmation, ``ctx.data_changed`` emitted after a write.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QMessageBox, QWidget

from ..exports.liaison_document import KIND, TARGET_TYPE, default_file_name, write_liaison_document
from ..exports.render import FORMATS
from ..models import CareReferralState
from ..services import care_referrals as crs
from ..services import liaisons
from ..services.clock import today
from ..services.documents import documents_for
from ..services.errors import DomainError
from ..services.liaisons import LiaisonRow
from .context import AppContext
from .export_actions import save_document
from .fields import ChoiceField, DateField, SuggestField, TextField
from .form_dialog import FormDialog
from .sessions_grid import LEVEL_TIPS
from .widgets import push_button

if TYPE_CHECKING:  # pragma: no cover
    from .child_tabs.base import ChildTab

SENDING_WAYS = ("Courriel", "Messagerie sécurisée de santé", "Courrier", "Remise en main propre", "Télécopie")


def generate_fiche(parent: QWidget, ctx: AppContext, care_referral_id: int) -> Optional[Path]:
    """Ask where to save the fiche (PDF or Word), write it, record it; the file, or None."""
    try:
        with ctx.read() as session:  # refused here, before asking for a file, without consent
            data = crs.liaison_document_data(session, care_referral_id)
    except DomainError as error:
        QMessageBox.warning(parent, "Fiche de liaison non produite", error.message)
        return None

    def write(path: Path, fmt: str) -> None:
        with ctx.write() as session:
            write_liaison_document(session, care_referral_id, fmt, path)

    path = save_document(parent, ctx, default_file_name(data, "pdf"), list(FORMATS), write,
                         title="Enregistrer la fiche de liaison")
    if path is not None:
        ctx.data_changed.emit()
    return path


def history_text(row: LiaisonRow) -> str:
    """The selected fiche's dated steps (every sending kept) and where it stands against the quota."""
    text = f"Fiche n° {row.id} : " + " · ".join(row.history) + "."
    tip = LEVEL_TIPS.get(row.quota_level)
    return text + (f"\nSéances {row.sessions_text} — {tip}" if tip else "")


def history_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setObjectName("history")
    label.setWordWrap(True)
    label.setStyleSheet("color: #333;")
    label.hide()
    return label


def _run(dialog: FormDialog, ctx: AppContext) -> bool:
    if dialog.exec() == QDialog.DialogCode.Accepted:
        ctx.data_changed.emit()
        return True
    return False


def sending_dialog(parent: QWidget, ctx: AppContext, care_referral_id: int, version: Optional[int]) -> FormDialog:
    def save(fields, confirm: bool):  # noqa: ANN001 - FieldSet
        values = fields.values()
        with ctx.write() as session:
            return crs.mark_sent(session, care_referral_id, sent_on=values["sent_on"], how=values["how"],
                                 confirm=confirm, expected_version=version).id

    return FormDialog(parent, "Marquer la fiche comme envoyée", [
        ("sent_on", "Date d'envoi :", DateField()),
        ("how", "Mode d'envoi :", SuggestField(SENDING_WAYS)),
    ], {"sent_on": today(), "how": SENDING_WAYS[0]}, save)


def answer_dialog(parent: QWidget, ctx: AppContext, care_referral_id: int, version: Optional[int],
                  current: Optional[dict] = None) -> FormDialog:
    def save(fields, confirm: bool):  # noqa: ANN001
        values = fields.values()
        with ctx.write() as session:
            return crs.record_answer(session, care_referral_id, answered_on=values["answered_on"],
                                     first_appointment_on=values["first_appointment_on"] or None,
                                     psychologist_name=values["psychologist_name"],
                                     expected_version=version).id

    return FormDialog(parent, "Enregistrer la réponse du partenaire", [
        ("answered_on", "Date de la réponse :", DateField()),
        ("first_appointment_on", "Date du premier entretien proposé :", DateField()),
        ("psychologist_name", "Nom du psychologue :", TextField(max_length=200)),
    ], current or {"answered_on": today()}, save)


def end_dialog(parent: QWidget, ctx: AppContext, care_referral_id: int, version: Optional[int]) -> FormDialog:
    def save(fields, confirm: bool):  # noqa: ANN001
        values = fields.values()
        with ctx.write() as session:
            return crs.end_care_referral(session, care_referral_id, ended_on=values["ended_on"],
                                         end_reason=values["end_reason"] or "", expected_version=version).id

    reasons = [("", None)] + [(r, r) for r in crs.END_REASONS]
    return FormDialog(parent, "Clôturer la prise en charge", [
        ("ended_on", "Date de fin :", DateField()),
        ("end_reason", "Motif de fin :", ChoiceField(reasons)),
    ], {"ended_on": today()}, save)


def mark_sent(parent: QWidget, ctx: AppContext, care_referral_id: int, version: Optional[int]) -> bool:
    return _run(sending_dialog(parent, ctx, care_referral_id, version), ctx)


def record_answer(parent: QWidget, ctx: AppContext, care_referral_id: int, version: Optional[int],
                  current: Optional[dict] = None) -> bool:
    return _run(answer_dialog(parent, ctx, care_referral_id, version, current), ctx)


def end_care(parent: QWidget, ctx: AppContext, care_referral_id: int, version: Optional[int]) -> bool:
    return _run(end_dialog(parent, ctx, care_referral_id, version), ctx)


def last_fiche_file(ctx: AppContext, care_referral_id: int) -> Optional[Path]:
    """The most recent fiche produced for this orientation, if its file is still there."""
    with ctx.read() as session:
        for doc in documents_for(session, TARGET_TYPE, care_referral_id):
            if doc.kind == KIND and doc.file_path and Path(doc.file_path).is_file():
                return Path(doc.file_path)
    return None


def answer_values(row: LiaisonRow) -> dict:
    """The answer form filled with what is known of the fiche (today for a first answer)."""
    return {"answered_on": row.answered_on or today(), "first_appointment_on": row.first_appointment_on,
            "psychologist_name": row.psychologist_name}


def add_to_orientations_tab(tab: "ChildTab") -> None:
    """The child's file, Orientations tab: orient the child; for the selected fiche, produce or
    open it, mark it sent, record the answer, end the care; its history under the list."""

    def selected_row() -> Optional[LiaisonRow]:
        row = tab.selected()
        if row is None:
            return None
        with tab.ctx.read() as session:
            return liaisons.liaison_row(session, row.id)

    def update() -> None:
        row = selected_row()
        chosen = row is not None
        ended = chosen and row.state is CareReferralState.ENDED
        generate.setEnabled(chosen)
        open_last.setEnabled(chosen and last_fiche_file(tab.ctx, row.id) is not None)
        sent.setEnabled(chosen and not ended)
        answer.setEnabled(chosen and not ended and row.sent_on is not None)
        end.setEnabled(chosen and not ended)
        history.setText(history_text(row) if chosen else "")
        history.setVisible(chosen)

    def orient_now() -> None:
        from .orient_dialog import orient_child  # the dialog imports this module

        orient_child(tab, tab.ctx, tab.child_id)

    def open_now() -> None:
        row = selected_row()
        path = last_fiche_file(tab.ctx, row.id) if row is not None else None
        if path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def generate_now() -> None:
        row = selected_row()
        if row is not None and generate_fiche(tab, tab.ctx, row.id) is not None:
            update()

    def write_now(action: Callable[[LiaisonRow], bool]) -> None:
        row = selected_row()
        if row is not None and action(row):
            tab.refresh()  # data_changed refreshes the file too; the selection is kept by id
            tab.main_list.select(lambda r: r.id == row.id)
            update()

    orient = push_button(tab, "Orienter vers un partenaire…", "orient", orient_now)
    generate = push_button(tab, "Fiche de liaison (PDF / Word)…", "generate_fiche", generate_now)
    open_last = push_button(tab, "Ouvrir la dernière fiche", "open_fiche", open_now)
    sent = push_button(tab, "Marquer envoyée…", "mark_sent",
                       lambda: write_now(lambda r: mark_sent(tab, tab.ctx, r.id, r.version)))
    answer = push_button(tab, "Réponse du partenaire…", "answer",
                         lambda: write_now(lambda r: record_answer(tab, tab.ctx, r.id, r.version, answer_values(r))))
    end = push_button(tab, "Clôturer…", "end", lambda: write_now(lambda r: end_care(tab, tab.ctx, r.id, r.version)))
    for button in (orient, generate, open_last):
        tab.add_action(button)
    history = history_label(tab)
    tab.layout_.addWidget(history)
    follow = QHBoxLayout()  # under the list, by the history: the file stays as narrow as before
    follow.setContentsMargins(0, 0, 0, 0)
    for button in (sent, answer, end):
        follow.addWidget(button)
    follow.addStretch(1)
    tab.layout_.addLayout(follow)
    if tab.main_list is not None:  # the table dies with the tab: no dangling connection
        tab.main_list.table.selectionModel().selectionChanged.connect(lambda *_args: update())
    update()
