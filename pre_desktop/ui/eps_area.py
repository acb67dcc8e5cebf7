"""The EPS area: the commissions (past and planned), and one commission's screen.

The list and the commission are two pages of one area (a stack): opening a
commission replaces the list, "← Commissions" comes back to it, each keeping its
state, as the user goes back and forth during a meeting.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from ..formatting import fr_date
from ..services import eps
from ..services.clock import today
from ..services.errors import DomainError
from .context import AppContext
from .role_ui import COORDINATION, only_for
from .eps_dialogs import MeetingDialog
from .eps_meeting import MeetingPage
from .forms import confirm, run_action
from .rows_model import Column, RowsView
from .widgets import area_layout, push_button

FILTERS = (("Toutes les commissions", None), ("À venir", False), ("Passées", True))
NO_MEETING = "Aucune commission : créez la prochaine avec « Nouvelle commission »."


def _state(row: eps.MeetingRow) -> str:
    if row.meeting_date > today():
        return "À venir"
    if row.meeting_date == today():
        return "Aujourd'hui"
    if row.situation_count and row.decision_count >= row.situation_count:
        return "Tenue — décisions enregistrées"
    if row.situation_count:
        return f"Tenue — {row.situation_count - row.decision_count} décision(s) à saisir"
    return "Tenue"


class EpsArea(QWidget):
    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.stack = QStackedWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.list_page = self._build_list()
        self.meeting_page = MeetingPage(ctx, self)
        self.meeting_page.back.connect(self.show_list)
        self.stack.addWidget(self.list_page)
        self.stack.addWidget(self.meeting_page)
        only_for(ctx, COORDINATION, self.new_button, self.edit_button, self.delete_button)
        self.refresh()

    def _build_list(self) -> QWidget:
        page = QWidget(self)
        layout, head = area_layout(page, "Commissions EPS")
        self.filter = QComboBox(page)
        self.filter.setObjectName("meeting_filter")
        for text, value in FILTERS:
            self.filter.addItem(text, value)
        self.filter.setCurrentIndex(int(self.ctx.settings.value("eps/filter", 0) or 0))
        self.filter.currentIndexChanged.connect(self._filter_changed)
        self.count = QLabel(page)
        head.addWidget(self.count)
        head.addSpacing(12)
        head.addWidget(QLabel("Afficher :", page))
        head.addWidget(self.filter)
        bar = QHBoxLayout()
        self.new_button = push_button(page, "&Nouvelle commission…", "new_meeting", self.new_meeting)
        self.open_button = push_button(page, "&Ouvrir", "open_meeting", self.open_selected)
        self.edit_button = push_button(page, "&Modifier…", "edit_meeting", self.edit_selected)
        self.delete_button = push_button(page, "&Supprimer", "delete_meeting", self.delete_selected)
        for button in (self.new_button, self.open_button, self.edit_button, self.delete_button):
            bar.addWidget(button)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.list = RowsView([
            Column("Date", lambda r: fr_date(r.meeting_date), sort=lambda r: (r.meeting_date, r.id)),
            Column("Lieu", lambda r: r.place or ""),
            Column("Situations", lambda r: str(r.situation_count), sort=lambda r: r.situation_count, right=True),
            Column("Décisions", lambda r: str(r.decision_count), sort=lambda r: r.decision_count, right=True),
            Column("État", _state),
        ], NO_MEETING, page, name="meetings")
        self.table, self.model, self.proxy = self.list.table, self.list.model, self.list.proxy
        self.list.sort_by(0, Qt.SortOrder.DescendingOrder)
        self.list.activated.connect(lambda _row: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(self.list, 1)
        return page

    # -- list -----------------------------------------------------------------

    def refresh(self) -> None:
        with self.ctx.read() as session:
            rows = eps.meetings(session)
        self.list.set_rows(rows)
        self._apply_filter()
        if self.stack.currentWidget() is self.meeting_page and not self.meeting_page.refresh():
            self.show_list()
        self._update_buttons()

    def _filter_changed(self) -> None:
        self.ctx.settings.setValue("eps/filter", self.filter.currentIndex())
        self._apply_filter()

    def _apply_filter(self) -> None:
        past = self.filter.currentData()
        day = today()
        total = self.model.rowCount()
        self.list.empty.setText(NO_MEETING if total == 0 else "Aucune commission pour ce filtre.")
        if past is None:
            self.list.set_filter()
        elif past:
            self.list.set_filter(row_filter=lambda r: r.meeting_date < day)
        else:
            self.list.set_filter(row_filter=lambda r: r.meeting_date >= day)
        shown = self.proxy.rowCount()
        self.count.setText(f"{shown} commission(s)" if shown == total else f"{shown} sur {total} commission(s)")
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.list.selected() is not None
        for button in (self.open_button, self.edit_button, self.delete_button):
            button.setEnabled(has)

    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.list_page)
        self.refresh()

    def open_meeting(self, meeting_id: int) -> bool:
        if not self.meeting_page.load(meeting_id):
            self.refresh()
            return False
        self.stack.setCurrentWidget(self.meeting_page)
        return True

    def open_selected(self) -> bool:
        row = self.list.selected()
        return row is not None and self.open_meeting(row.id)

    def new_meeting(self) -> Optional[int]:
        dialog = MeetingDialog(self, self.ctx)
        if not dialog.exec():
            return None
        self.ctx.data_changed.emit()
        self.refresh()
        self.open_meeting(dialog.result_value)
        return dialog.result_value

    def edit_selected(self) -> bool:
        row = self.list.selected()
        if row is None:
            return False
        try:
            with self.ctx.read() as session:
                meeting = eps.meeting_view(session, row.id)
        except DomainError:
            self.refresh()
            return False
        if not MeetingDialog(self, self.ctx, meeting).exec():
            return False
        self.ctx.data_changed.emit()
        self.refresh()
        return True

    def delete_selected(self) -> bool:
        row = self.list.selected()
        if row is None:
            return False
        if not confirm(self, "Supprimer la commission",
                       f"Supprimer la commission du {fr_date(row.meeting_date)} ?\n\n"
                       f"Son ordre du jour ({row.situation_count} situation(s)) et la liste de ses membres "
                       "seront supprimés."):
            return False

        def action(_confirm: bool) -> bool:
            with self.ctx.write() as session:
                eps.delete_meeting(session, row.id, expected_version=row.version)
            return True

        if run_action(self, action, title="Suppression refusée") is None:
            return False
        self.ctx.data_changed.emit()
        self.refresh()
        return True
