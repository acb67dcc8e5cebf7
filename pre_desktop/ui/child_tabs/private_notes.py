"""Notes privées tab: the logged-in user's own notes on the child, which nobody else reads
(not even the coordinator); the audit trail records that one was written, never its text."""

from __future__ import annotations

from typing import Any, Optional

from PySide6.QtWidgets import QLabel, QWidget

from ...formatting import fr_datetime
from ...models import Role
from ...services import private_notes
from ...services.private_notes import NoteRow
from ..context import AppContext
from ..fields import FieldSet, MultilineField
from ..form_dialog import FormDialog
from ..forms import confirm
from ..rows_model import Column, RowsView
from ..widgets import push_button
from .base import ChildTab

COLUMNS = [
    Column("Écrite le", lambda r: fr_datetime(r.written_at), sort=lambda r: r.written_at),
    Column("Note", lambda r: " ".join(r.text.split()), max_width=640, tooltip=lambda r: r.text),
]

EXPLANATION = ("Vos notes privées ne sont lues que par vous : ni la coordination ni vos collègues n'y ont accès. "
               "Le journal garde la trace qu'une note a été écrite, jamais son texte. Ce que l'équipe doit savoir "
               "va dans les notes du dossier.")


class PrivateNotesTab(ChildTab):
    title = "Notes privées"

    @staticmethod
    def shown_for(role: Optional[Role]) -> bool:
        """Every account that opens files has its own notes; without an account there is no author."""
        return role is not None

    def __init__(self, ctx: AppContext, child_id: int, parent: Optional[QWidget] = None) -> None:
        super().__init__(ctx, child_id, parent)
        explanation = QLabel(EXPLANATION, self)
        explanation.setObjectName("explanation")
        explanation.setWordWrap(True)
        self.layout_.insertWidget(0, explanation)
        self.notes = self.main_list = RowsView(COLUMNS, "Aucune note privée de votre part sur ce dossier.", self,
                                               name="private_notes")
        self.notes.table.setToolTip("Double-cliquez sur une note pour la relire ou la modifier.")
        self.notes.activated.connect(lambda row: self.edit_note(row))
        self.add_button = self.add_action(push_button(self, "&Nouvelle note privée…", "add_note", self.add_note))
        self.edit_button = self.add_action(push_button(self, "&Modifier…", "edit_note",
                                                       lambda: self.edit_note(self.selected())))
        self.delete_button = self.add_action(push_button(self, "&Supprimer", "delete_note",
                                                         lambda: self.delete_note(self.selected())))
        self.notes.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self.layout_.addWidget(self.notes, 1)
        self._enable()

    def _enable(self) -> None:
        chosen = self.selected() is not None
        self.edit_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)

    def refresh(self) -> None:
        with self.ctx.read() as session:
            rows = private_notes.list_notes(session, self.child_id)
        self.notes.set_rows(rows)
        self._enable()

    # --- actions ----------------------------------------------------------------------

    def note_dialog(self, row: Optional[NoteRow] = None) -> FormDialog:
        def save(fields: FieldSet, _confirm: bool) -> Any:
            text = fields.values()["text"]
            with self.ctx.write() as session:
                if row is None:
                    return private_notes.add_note(session, self.child_id, text).id
                return private_notes.edit_note(session, row.id, text, expected_version=row.version).id

        title = "Nouvelle note privée" if row is None else f"Note privée du {fr_datetime(row.written_at)}"
        dialog = FormDialog(self, title, [("text", "Note :", MultilineField(lines=10))],
                            {"text": row.text if row is not None else ""}, save)
        dialog.setObjectName("private_note_dialog")
        dialog.setMinimumWidth(560)
        return dialog

    def add_note(self) -> bool:
        return self._run(self.note_dialog())

    def edit_note(self, row: Optional[NoteRow]) -> bool:
        return row is not None and self._run(self.note_dialog(row))

    def _run(self, dialog: FormDialog) -> bool:
        return bool(dialog.exec()) and self.written()  # the file's history says a note was written

    def delete_note(self, row: Optional[NoteRow]) -> bool:
        if row is None or not confirm(self, "Supprimer la note privée",
                                      f"Supprimer votre note privée du {fr_datetime(row.written_at)} ?"):
            return False
        return self.write(lambda session: private_notes.delete_note(session, row.id, expected_version=row.version))
