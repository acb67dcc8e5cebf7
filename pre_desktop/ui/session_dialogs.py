"""The sessions of one orientation (fiche de liaison), and the repeating-appointment dialog.

Both are thin: every check (dates, duplicates, quota and relay funding, holidays) is
the sessions services'; a refusal is shown on its field, a quota warning is asked
about (forms.run_action). The relay-funding field appears once the quota is reached,
or as soon as the service asks for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..formatting import fr_date
from ..models import CareReferral, SessionKind, SessionStatus
from ..services import session_batches, sessions as sessions_service
from ..services.clock import today
from ..services.common import as_date
from ..services.errors import DomainError
from ..services.labels import label
from ..services.reports import _beneficiary_names
from .context import AppContext
from .fields import DateField, TextField
from .forms import FieldErrors, confirm, run_action
from .rows_model import Column, RowsView
from .sessions_grid import LEVEL_COLORS, LEVEL_TIPS


@dataclass(frozen=True)
class SessionLine:
    id: int
    version: int
    session_date: dt.date
    kind: SessionKind
    status: SessionStatus
    hors_quota: bool
    note: str


COLUMNS = [
    Column("Date", lambda r: fr_date(r.session_date), sort=lambda r: r.session_date),
    Column("Type", lambda r: label(r.kind)),
    Column("Statut", lambda r: label(r.status)),
    Column("Hors quota", lambda r: "Oui" if r.hors_quota else ""),
    Column("Remarque", lambda r: r.note, max_width=360),
]


def _combo(parent: QWidget, items: list) -> QComboBox:  # noqa: ANN001 - enum members
    combo = QComboBox(parent)
    for item in items:
        combo.addItem(label(item), item)
    return combo


def quota_text(status: sessions_service.QuotaStatus) -> str:
    text = f"Séances utilisées : {status.used} / {status.quota}"
    if status.hors_quota_count:
        text += f" (+ {status.hors_quota_count} hors quota)"
    return text + (f" — {LEVEL_TIPS[status.level]}" if status.level in LEVEL_TIPS else "")


def style_quota(widget: QLabel, status: sessions_service.QuotaStatus) -> None:
    color = LEVEL_COLORS.get(status.level)
    widget.setStyleSheet(f"background: {color}; padding: 4px; border-radius: 3px;" if color else "padding: 4px;")
    widget.setText(quota_text(status))


def _describe(ctx: AppContext, care_referral_id: int) -> str:
    with ctx.read() as session:
        cr = session.get(CareReferral, care_referral_id)
        if cr is None:
            return ""
        last, first = _beneficiary_names(cr)
        return f"{last.upper()} {first} — {cr.partner.name} (fiche n° {cr.id}, envoyée le {fr_date(cr.sent_on)})"


class SessionsDialog(QDialog):
    """Record, correct or delete the sessions of one fiche de liaison."""

    def __init__(self, ctx: AppContext, care_referral_id: int, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.care_referral_id = care_referral_id
        self.editing: Optional[SessionLine] = None
        self.changed = False
        self.setWindowTitle("Séances de l'orientation")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_describe(ctx, care_referral_id), self))
        self.quota = QLabel(self)
        self.quota.setObjectName("quota")
        self.quota.setWordWrap(True)
        layout.addWidget(self.quota)
        self.list = RowsView(COLUMNS, "Aucune séance enregistrée.", self, name="sessions")
        self.list.table.doubleClicked.connect(lambda _index: self.edit_selected())
        layout.addWidget(self.list, 1)

        form = QFormLayout()
        self.banner = QLabel(self)
        self.errors = FieldErrors(self.banner)
        self.date = DateField(self)
        self.date.set_value(today())
        self.kind = _combo(self, list(SessionKind))
        self.status = _combo(self, list(SessionStatus))
        self.note = TextField(self, max_length=2000)
        self.relay = TextField(self, max_length=2000, placeholder="Droit commun, CMP de secteur, autre financeur…")
        self.errors.add_row(form, "&Date :", "session_date", self.date.widget)
        self.errors.add_row(form, "&Type :", "kind", self.kind)
        self.errors.add_row(form, "&Statut :", "status", self.status)
        self.errors.add_row(form, "&Remarque :", "note", self.note.widget)
        self.errors.add_row(form, "Relais de &financement :", "relay_funding_note", self.relay.widget)
        self.relay_label = form.labelForField(self.relay.widget.parentWidget())
        layout.addLayout(form)
        layout.addWidget(self.banner)

        buttons = QHBoxLayout()
        self.save_button = QPushButton("&Ajouter la séance", self)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.edit_button = QPushButton("&Modifier la séance choisie", self)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button = QPushButton("Su&pprimer", self)
        self.delete_button.clicked.connect(self.delete_selected)
        close = QPushButton("Fermer", self)
        close.clicked.connect(self.accept)
        for b in (self.save_button, self.edit_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.resize(760, 560)
        self.refresh()

    def _show_relay(self, shown: bool) -> None:
        self.relay.widget.parentWidget().setVisible(shown)
        if self.relay_label is not None:
            self.relay_label.setVisible(shown)

    def refresh(self) -> None:
        with self.ctx.read() as session:
            rows = [SessionLine(s.id, s.version, s.session_date, s.kind, s.status, s.hors_quota, s.note or "")
                    for s in sessions_service.sessions_of(session, self.care_referral_id)]
            status = sessions_service.quota_status(session, self.care_referral_id)
            fiche_relay = session.get(CareReferral, self.care_referral_id).relay_funding_note
        self.list.set_rows(sorted(rows, key=lambda r: (r.session_date, r.kind.value), reverse=True))
        style_quota(self.quota, status)
        self._show_relay(status.used >= status.quota or bool(fiche_relay))
        if fiche_relay and not self.relay.value():
            self.relay.set_value(fiche_relay)

    def _reset_form(self) -> None:
        self.editing = None
        self.save_button.setText("&Ajouter la séance")
        self.note.set_value("")
        self.date.widget.setFocus()
        self.date.widget.selectAll()

    def edit_selected(self) -> None:
        row = self.list.selected()
        if row is None:
            return
        self.editing = row
        self.date.set_value(row.session_date)
        self.kind.setCurrentIndex(self.kind.findData(row.kind))
        self.status.setCurrentIndex(self.status.findData(row.status))
        self.note.set_value(row.note)
        self.save_button.setText("&Enregistrer la modification")

    def save(self) -> None:
        values = dict(session_date=self.date.value(), kind=self.kind.currentData(), status=self.status.currentData(),
                      note=self.note.value() or None, relay_funding_note=self.relay.value() or None)
        editing = self.editing

        def action(confirm_: bool):  # noqa: ANN202
            with self.ctx.write() as session:
                if editing is None:
                    return sessions_service.record_session(session, care_referral_id=self.care_referral_id,
                                                           confirm=confirm_, **values)
                return sessions_service.update_session(session, editing.id, expected_version=editing.version,
                                                       confirm=confirm_, **values)

        done = run_action(self, action, self.errors)
        if done is None:
            if self.errors.shown_field == "relay_funding_note":
                self._show_relay(True)
            return
        self.changed = True
        self.ctx.data_changed.emit()
        self.refresh()
        self._reset_form()

    def delete_selected(self) -> None:
        row = self.list.selected()
        if row is None or not confirm(self, "Supprimer la séance",
                                      f"Supprimer la séance du {fr_date(row.session_date)} ({label(row.kind)}) ?"):
            return

        def action(_confirm: bool) -> bool:
            with self.ctx.write() as session:
                sessions_service.delete_session(session, row.id, expected_version=row.version)
            return True

        if run_action(self, action, self.errors):
            self.changed = True
            self.ctx.data_changed.emit()
            self.refresh()


class RepeatDialog(QDialog):
    """Every <weekday> from a date to a date, recorded at once (public holidays skipped)."""

    def __init__(self, ctx: AppContext, care_referral_id: int, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.care_referral_id = care_referral_id
        self.result_: Optional[session_batches.RepeatResult] = None
        self.setWindowTitle("Rendez-vous réguliers")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_describe(ctx, care_referral_id), self))
        self.quota = QLabel(self)
        self.quota.setWordWrap(True)
        layout.addWidget(self.quota)
        form = QFormLayout()
        self.banner = QLabel(self)
        self.errors = FieldErrors(self.banner)
        self.weekday = QComboBox(self)
        for number in range(7):
            self.weekday.addItem(f"Chaque {session_batches.weekday_label(number)}", number)
        self.start = DateField(self)
        self.end = DateField(self)
        day = today()
        self.start.set_value(day.replace(day=1))
        self.end.set_value(day)
        self.weekday.setCurrentIndex(2)
        self.kind = _combo(self, list(SessionKind))
        self.status = _combo(self, list(SessionStatus))
        self.note = TextField(self, max_length=2000)
        self.relay = TextField(self, max_length=2000, placeholder="requis pour les séances au-delà du quota")
        self.errors.add_row(form, "&Jour :", "weekday", self.weekday)
        self.errors.add_row(form, "&Du :", "start_date", self.start.widget)
        self.errors.add_row(form, "&Au :", "end_date", self.end.widget)
        self.errors.add_row(form, "&Type :", "kind", self.kind)
        self.errors.add_row(form, "&Statut :", "status", self.status)
        self.errors.add_row(form, "&Remarque :", "note", self.note.widget)
        self.errors.add_row(form, "Relais de &financement :", "relay_funding_note", self.relay.widget)
        layout.addLayout(form)
        self.preview = QLabel(self)
        self.preview.setObjectName("preview")
        self.preview.setWordWrap(True)
        layout.addWidget(self.preview)
        layout.addWidget(self.banner)
        layout.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Enregistrer les séances")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for field in (self.start, self.end):
            field.on_change(self.update_preview)
        self.weekday.currentIndexChanged.connect(lambda _i: self.update_preview())
        with ctx.read() as session:
            style_quota(self.quota, sessions_service.quota_status(session, care_referral_id))
        self.resize(620, 460)
        self.update_preview()

    def update_preview(self) -> None:
        """The dates that will be recorded, before saving (holidays named)."""
        try:
            start = as_date(self.start.value(), "start_date", "Du")
            end = as_date(self.end.value(), "end_date", "Au")
        except DomainError:
            self.preview.setText("")
            return
        if start is None or end is None or end < start or (end - start).days > session_batches.MAX_REPEAT_DAYS:
            self.preview.setText("")
            return
        days, holidays = session_batches.repeating_dates(int(self.weekday.currentData()), start, end)
        text = f"{len(days)} séance(s) : " + ", ".join(d.strftime("%d/%m") for d in days) if days else "Aucune date."
        if holidays:
            text += "\nJours fériés non comptés : " + ", ".join(f"{fr_date(d)} ({n})" for d, n in holidays)
        self.preview.setText(text)

    def save(self) -> None:
        values = dict(weekday=self.weekday.currentData(), start_date=self.start.value(), end_date=self.end.value(),
                      kind=self.kind.currentData(), status=self.status.currentData(), note=self.note.value() or None,
                      relay_funding_note=self.relay.value() or None)

        def action(confirm_: bool) -> session_batches.RepeatResult:
            with self.ctx.write() as session:
                return session_batches.record_repeating(session, care_referral_id=self.care_referral_id,
                                                        confirm=confirm_, **values)

        result = run_action(self, action, self.errors)
        if result is None:
            return
        self.result_ = result
        self.ctx.data_changed.emit()
        QMessageBox.information(self, "Rendez-vous réguliers", result.summary())
        self.accept()
