"""Partage tab (coordinator): the référents this file is shared with beyond its own
référent, sharing it with one more, removing a share (secret partagé: the minimum)."""

from __future__ import annotations

from typing import Any, Optional

from PySide6.QtWidgets import QDialogButtonBox, QLabel, QWidget

from ...formatting import fr_date
from ...models import Role
from ...services import caseload
from ...services.caseload import ShareRow
from ..context import AppContext
from ..fields import ChoiceField, FieldSet
from ..form_dialog import FormDialog
from ..forms import confirm
from ..rows_model import Column, RowsView
from ..widgets import push_button
from .base import ChildTab

COLUMNS = [
    Column("Partagé avec", lambda r: r.user_name),
    Column("Depuis le", lambda r: fr_date(r.shared_on), sort=lambda r: r.shared_on),
    Column("Par", lambda r: r.shared_by),
]

EXPLANATION = ("Le dossier est ouvert à son ou sa référent(e) et à la coordination. Partagez-le avec un(e) autre "
               "référent(e) seulement quand c'est nécessaire (remplacement, fratrie suivie par deux "
               "référent(e)s) ; retirez le partage dès qu'il ne l'est plus. Chaque partage est tracé dans "
               "l'historique du dossier.")


class SharesTab(ChildTab):
    title = "Partage"

    @staticmethod
    def shown_for(role: Optional[Role]) -> bool:
        """Sharing is the coordinator's decision; no account (first start): whoever holds the file."""
        return role in (None, Role.COORDINATOR)

    def __init__(self, ctx: AppContext, child_id: int, parent: Optional[QWidget] = None) -> None:
        super().__init__(ctx, child_id, parent)
        explanation = QLabel(EXPLANATION, self)
        explanation.setObjectName("explanation")
        explanation.setWordWrap(True)
        self.layout_.insertWidget(0, explanation)
        self.shares = self.main_list = RowsView(COLUMNS, "Ce dossier n'est partagé avec aucun(e) autre référent(e).",
                                                self, name="shares")
        self.share_button = self.add_action(push_button(self, "&Partager avec un(e) référent(e)…", "share",
                                                        self.share))
        self.unshare_button = self.add_action(push_button(self, "&Retirer le partage", "unshare",
                                                          lambda: self.unshare(self.selected())))
        self.shares.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self.layout_.addWidget(self.shares, 1)
        self._choices: list[tuple[str, Any]] = []
        self._enable()

    def _enable(self) -> None:
        self.unshare_button.setEnabled(self.selected() is not None)
        self.share_button.setEnabled(bool(self._choices))
        self.share_button.setToolTip("" if self._choices else "Aucun(e) autre référent(e) actif(ve) avec qui partager.")

    def refresh(self) -> None:
        with self.ctx.read() as session:
            rows = caseload.shares_of_child(session, self.child_id)
            self._choices = [(u.name, u.id) for u in caseload.share_choices(session, self.child_id)]
        self.shares.set_rows(rows)
        self._enable()

    def share_dialog(self) -> FormDialog:
        def save(fields: FieldSet, _confirm: bool) -> Any:
            with self.ctx.write() as session:
                return caseload.share_child(session, self.child_id, fields.values()["user_id"]).id

        dialog = FormDialog(self, "Partager le dossier", [("user_id", "Avec :", ChoiceField(self._choices))],
                            {"user_id": self._choices[0][1] if self._choices else None}, save)
        dialog.setObjectName("share_dialog")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Partager")
        return dialog

    def share(self) -> bool:
        return bool(self.share_dialog().exec()) and self.written()

    def unshare(self, row: Optional[ShareRow]) -> bool:
        if row is None or not confirm(self, "Retirer le partage",
                                      f"{row.user_name} n'aura plus accès à ce dossier. Retirer le partage ?",
                                      yes="Retirer le partage"):
            return False
        return self.write(lambda session: caseload.unshare_child(session, row.id, expected_version=row.version))
