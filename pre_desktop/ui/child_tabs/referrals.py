"""Repérage tab: who signalled the child, when and why; add, correct or delete a repérage."""

from __future__ import annotations

from typing import Any, Optional

from PySide6.QtWidgets import QPushButton, QWidget

from ...formatting import fr_date
from ...services import child_file, referrals
from ...services.child_file import ReferralRow
from ..context import AppContext
from ..fields import DateField, FieldSet, MultilineField, SuggestField, TextField
from ..form_dialog import FormDialog
from ..forms import confirm, run_action
from ..rows_model import Column, RowsView
from .base import ChildTab

COLUMNS = [
    Column("Date", lambda r: fr_date(r.referred_on), sort=lambda r: r.referred_on),
    Column("Origine", lambda r: r.source),
    Column("Orienté par", lambda r: ", ".join(p for p in (r.referrer_name, r.referrer_function) if p)),
    Column("Motifs", lambda r: r.reasons, max_width=420),
    Column("Notes", lambda r: r.notes or "", max_width=320),
]


def _rows() -> list[tuple[str, str, Any]]:
    return [
        ("referred_on", "Date du repérage :", DateField()),
        ("source", "Origine :", SuggestField(referrals.SOURCES)),
        ("referrer_name", "Personne qui oriente :", TextField(max_length=200)),
        ("referrer_function", "Fonction :", TextField(max_length=200)),
        ("reasons", "Motifs :", MultilineField(lines=4)),
        ("notes", "Notes :", MultilineField(lines=3)),
    ]


class ReferralsTab(ChildTab):
    title = "Repérage"

    def __init__(self, ctx: AppContext, child_id: int, parent: Optional[QWidget] = None) -> None:
        super().__init__(ctx, child_id, parent)
        self.add_button = self.add_action(QPushButton("Nouveau repérage…", self))
        self.edit_button = self.add_action(QPushButton("Modifier…", self))
        self.delete_button = self.add_action(QPushButton("Supprimer", self))
        self.add_button.clicked.connect(self.add_referral)
        self.edit_button.clicked.connect(lambda: self.edit_referral(self.selected()))
        self.delete_button.clicked.connect(lambda: self.delete_referral(self.selected()))
        self.referrals = self.main_list = RowsView(COLUMNS, "Aucun repérage enregistré.", self, name="referrals")
        self.referrals.activated.connect(self.edit_referral)
        self.referrals.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self.layout_.addWidget(self.referrals, 1)
        self._enable()

    def _enable(self) -> None:
        has = self.selected() is not None
        self.edit_button.setEnabled(has)
        self.delete_button.setEnabled(has)

    def refresh(self) -> None:
        with self.ctx.read() as session:
            rows = child_file.referral_rows(session, self.child_id)
        self.referrals.set_rows(rows)
        self._enable()

    def dialog(self, row: Optional[ReferralRow]) -> FormDialog:
        values = {} if row is None else {f: getattr(row, f) for f in referrals.REFERRAL_FIELDS}

        def save(fields: FieldSet, confirm_: bool) -> Any:
            with self.ctx.write() as session:
                if row is None:
                    return referrals.add_referral(session, child_id=self.child_id, **fields.values()).id
                return referrals.update_referral(session, row.id, expected_version=row.version,
                                                 **fields.changes()).id

        title = "Nouveau repérage" if row is None else f"Repérage du {fr_date(row.referred_on)}"
        return FormDialog(self, title, _rows(), values, save)

    def add_referral(self) -> None:
        if self.dialog(None).exec():
            self.ctx.data_changed.emit()

    def edit_referral(self, row: Optional[ReferralRow]) -> None:
        if row is not None and self.dialog(row).exec():
            self.ctx.data_changed.emit()

    def delete_referral(self, row: Optional[ReferralRow]) -> None:
        if row is None or not confirm(self, "Supprimer le repérage",
                                      f"Supprimer le repérage du {fr_date(row.referred_on)} ({row.source}) ?"):
            return

        def action(_confirm: bool) -> bool:
            with self.ctx.write() as session:
                referrals.delete_referral(session, row.id, expected_version=row.version)
            return True

        if run_action(self, action, title="Suppression refusée"):
            self.ctx.data_changed.emit()
