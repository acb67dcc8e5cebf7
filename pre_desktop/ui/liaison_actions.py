"""What can be done to one fiche de liaison, from the Fiches de liaison area or a child's file.

Each action is one small dialog over one service call (``care_referrals``), so both
places behave the same: refusals shown on their field, the re-sending question asked
by the service's NeedsConfirmation, ``ctx.data_changed`` emitted after a write.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from ..exports.liaison_document import default_file_name, write_liaison_document
from ..exports.render import FORMATS
from ..services import care_referrals as crs
from ..services.clock import today
from ..services.errors import DomainError
from .context import AppContext
from .export_actions import save_document
from .fields import ChoiceField, DateField, SuggestField, TextField
from .form_dialog import FormDialog

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
