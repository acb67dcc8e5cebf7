"""The Journal des accès (coordinator): who opened, changed, produced or exported what,
searched by child, user, period and kind of action, and exported to .xlsx.

The search runs in SQL on every change of a filter (typing in the child's name waits for
a pause): the trail can hold hundreds of thousands of events, the screen shows the
newest ones and says when there are more. Refusals (a date that is not one, another
role) are shown on their field.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget

from ..services import audit_search
from ..services.audit_search import TrailFilter, TrailPage, TrailRow
from ..services.errors import DomainError
from .background import run_with_progress
from .context import AppContext
from .export_actions import save_document
from .fields import DateField
from .forms import FieldErrors
from .rows_model import Column, RowsView
from .widgets import area_layout, filter_combo, push_button, refill_combo

COLUMNS = [
    Column("Date et heure", lambda r: r.at_text, sort=lambda r: (r.at, r.id)),
    Column("Utilisateur", lambda r: r.user_name),
    Column("Action", lambda r: r.action_label),
    Column("Dossier", lambda r: r.child_name, max_width=260),
    Column("Élément", lambda r: r.entity_label, max_width=220),
    Column("Détail", lambda r: r.what, max_width=600),
]

TYPING_PAUSE_MS = 300


class AuditArea(QWidget):
    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.page: Optional[TrailPage] = None
        self._build()
        self.refresh()

    def _build(self) -> None:
        layout, top = area_layout(self, "Journal des accès")
        self.count_label = QLabel(self)
        self.count_label.setObjectName("count")
        top.addWidget(self.count_label)

        filters = QHBoxLayout()
        self.errors = FieldErrors(QLabel(self))
        self.child_edit = QLineEdit(self)
        self.child_edit.setObjectName("child_filter")
        self.child_edit.setPlaceholderText("Nom de l'enfant (accents facultatifs)")
        self.child_edit.setClearButtonEnabled(True)
        self.user_filter = filter_combo(self, "user_filter", "Filtre par utilisateur")
        self.action_filter = filter_combo(self, "action_filter", "Filtre par action")
        self.action_filter.addItem("Action : toutes", None)
        for action, text in audit_search.action_choices():
            self.action_filter.addItem(text, action)
        self.date_from = DateField(self).widget
        self.date_from.setObjectName("date_from")
        self.date_to = DateField(self).widget
        self.date_to.setObjectName("date_to")
        messages = QHBoxLayout()
        for field, widget in (("child", self.child_edit), ("date_from", self.date_from), ("date_to", self.date_to)):
            messages.addWidget(self.errors.bind(field, widget))
        dossier = QLabel("&Dossier :", self)
        dossier.setBuddy(self.child_edit)
        period = QLabel("&Du", self)
        period.setBuddy(self.date_from)
        filters.addWidget(dossier)
        filters.addWidget(self.child_edit, 2)
        filters.addSpacing(8)
        filters.addWidget(self.user_filter, 1)
        filters.addSpacing(8)
        filters.addWidget(period)
        filters.addWidget(self.date_from)
        filters.addWidget(QLabel("au", self))
        filters.addWidget(self.date_to)
        filters.addSpacing(8)
        filters.addWidget(self.action_filter)
        layout.addLayout(filters)
        layout.addLayout(messages)
        layout.addWidget(self.errors.banner)

        self.message = QLabel(self)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)

        self.list = RowsView(COLUMNS, "Aucun événement ne correspond à ces filtres.", self, name="trail")
        self.list.activated.connect(self._open_child)
        self.list.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(self.list, 1)

        buttons = QHBoxLayout()
        self.export_button = push_button(self, "E&xporter le journal filtré (.xlsx)…", "export", self.export)
        self.child_button = push_button(self, "Dossier de l'&enfant", "open_child",
                                        lambda: self._open_child(self.list.selected()))
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.child_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(TYPING_PAUSE_MS)
        self._typing.timeout.connect(self.search)
        for edit in (self.child_edit, self.date_from, self.date_to):
            edit.textChanged.connect(lambda _text: self._typing.start())
            edit.returnPressed.connect(self.search)
        for combo in (self.user_filter, self.action_filter):
            combo.currentIndexChanged.connect(lambda _i: self.search())

    # --- data ------------------------------------------------------------------------

    def filters(self) -> TrailFilter:
        return TrailFilter(child=self.child_edit.text(), user_id=self.user_filter.currentData(),
                           date_from=self.date_from.text().strip() or None,
                           date_to=self.date_to.text().strip() or None,
                           action=self.action_filter.currentData())

    def refresh(self) -> None:
        try:
            with self.ctx.read() as session:
                users = audit_search.user_choices(session)
        except DomainError as error:  # not a coordinator: the screen says so, and shows nothing
            self._refused(error)
            return
        refill_combo(self.user_filter, [("Utilisateur : tous", None)] + [(name, uid) for uid, name in users])
        self.search()

    def search(self) -> None:
        self._typing.stop()
        try:
            with self.ctx.read() as session:
                page = audit_search.search_trail(session, self.filters())
        except DomainError as error:
            self._refused(error)
            return
        self.errors.clear()
        self.page = page
        self.list.set_rows(page.rows)
        self.message.setText(page.message)
        self.message.setStyleSheet("color: #8a5a00;" if page.truncated else "")
        shown = len(page.rows)
        self.count_label.setText(f"{shown} événement{'s' if shown > 1 else ''} affiché{'s' if shown > 1 else ''}")
        self._update_buttons()

    def _refused(self, error: DomainError) -> None:
        self.errors.show(error)
        if error.field not in ("date_from", "date_to", "child"):
            self.page = None
            self.list.set_rows([])
            self.message.setText("")
            self.count_label.setText("")
        self._update_buttons()

    def _update_buttons(self) -> None:
        row: Optional[TrailRow] = self.list.selected()
        self.export_button.setEnabled(bool(self.page and self.page.total))
        self.child_button.setEnabled(row is not None and row.child_id is not None)

    # --- actions ---------------------------------------------------------------------

    def _open_child(self, row: Optional[TrailRow]) -> None:
        if row is not None and row.child_id is not None:
            self.ctx.open_child.emit(row.child_id)

    def export(self) -> Optional[Path]:
        from ..exports.audit_trail import export_trail

        chosen = self.filters()

        def work(path: Path) -> Path:  # in a worker: tens of thousands of events take seconds
            with self.ctx.write() as session:
                written, _count = export_trail(session, chosen, path)
            return written

        def write(path: Path, _format: str) -> Path:
            return run_with_progress(self, "Export du journal des accès…", lambda: work(path))

        written = save_document(self, self.ctx, f"Journal des accès {dt.date.today():%Y-%m-%d}.xlsx", ["xlsx"],
                                write, title="Exporter le journal des accès")
        if written is not None:
            self.ctx.data_changed.emit()
        return written
