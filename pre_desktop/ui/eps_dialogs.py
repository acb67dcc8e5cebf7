"""Dialogs of the EPS area: a commission, a member, a decision.

Each dialog is a form over one service call: ``run_action`` shows a refusal on its
field (or in the banner) and asks about warnings; the dialog closes only once the
write is done. The caller emits ``ctx.data_changed``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..formatting import fr_date
from ..models import EpsDecisionKind
from ..services import eps
from ..services.common import add_months
from ..services.labels import label
from .context import AppContext
from .forms import FieldErrors, run_action
from .widgets import ok_cancel

MEMBER_FUNCTIONS = (
    "Coordonnateur(trice) PRE", "Référent(e) de parcours", "Enseignant(e)", "Directeur(trice) d'école",
    "Principal(e) / CPE", "Psychologue de l'Éducation nationale", "Médecin scolaire", "Infirmier(ère) scolaire",
    "Assistant(e) social(e)", "Éducateur(trice) spécialisé(e)", "Puéricultrice (PMI)", "Psychologue",
)
ACTION_TYPES = (
    "Soutien psychologique", "Accompagnement scolaire", "Bilan orthophonique", "Sophrologie", "Art-thérapie",
    "Activité sportive", "Activité culturelle", "Soutien à la parentalité", "Accès aux soins",
)
REORIENT_TO = ("CMP", "CMPP", "Service social départemental", "PMI", "Aide sociale à l'enfance",
               "Maison des adolescents", "RASED", "Droit commun (école, centre social)")
REASON_LABELS = {
    EpsDecisionKind.POSTPONE: "Motif de l'ajournement :",
    EpsDecisionKind.REFUSE: "Motif du refus :",
    EpsDecisionKind.REORIENT: "Motif de la réorientation :",
    EpsDecisionKind.END: "Motif de fin :",
}
VISIBLE = {
    EpsDecisionKind.ACCEPT: {"objectives", "actions", "review_date", "regularise_hors_eps"},
    EpsDecisionKind.POSTPONE: {"postponed_to", "later", "reason"},
    EpsDecisionKind.REFUSE: {"reason"},
    EpsDecisionKind.REORIENT: {"reoriented_to", "reason"},
    EpsDecisionKind.END: {"end_date", "reason"},
}


def _date_edit(parent: QWidget, value: Optional[dt.date] = None) -> QLineEdit:
    """A date typed JJ/MM/AAAA, judged by the services (never silently corrected)."""
    edit = QLineEdit(fr_date(value) if value else "", parent)
    edit.setPlaceholderText("JJ/MM/AAAA")
    edit.setMaxLength(10)
    edit.setMaximumWidth(edit.fontMetrics().horizontalAdvance("00/00/00000") + 24)
    return edit


def _text_area(parent: QWidget, lines: int, value: Optional[str] = None) -> QPlainTextEdit:
    edit = QPlainTextEdit(value or "", parent)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(edit.fontMetrics().lineSpacing() * lines + 14)
    return edit


def _suggest(parent: QWidget, items: Sequence[str], value: Optional[str] = None) -> QComboBox:
    box = QComboBox(parent)
    box.setEditable(True)
    box.addItems(list(items))
    box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    box.setCurrentIndex(-1)
    box.setCurrentText(value or "")
    return box


class _ServiceDialog(QDialog):
    """A form whose OK runs ``save(confirm)`` through run_action; closes when it succeeds."""

    def __init__(self, parent: Optional[QWidget], ctx: AppContext, title: str, settings_key: str) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(title)
        self._settings_key = settings_key
        self.layout_ = QVBoxLayout(self)
        self.banner = QLabel(self)
        self.banner.setObjectName("banner")
        self.errors = FieldErrors(self.banner)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.layout_.addLayout(self.form)
        self.layout_.addWidget(self.banner)
        self.buttons = ok_cancel(self, "Enregistrer", self.accept)
        self.result_value: Any = None
        geometry = ctx.settings.value(f"{settings_key}/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    def finish_layout(self) -> None:
        self.layout_.addStretch(1)
        self.layout_.addWidget(self.buttons)

    def save(self, confirm: bool) -> Any:
        raise NotImplementedError

    def accept(self) -> None:
        result = run_action(self, self.save, self.errors)
        if result is None:
            return
        self.result_value = result
        self.ctx.settings.setValue(f"{self._settings_key}/geometry", self.saveGeometry())
        super().accept()

    def done(self, code: int) -> None:
        self.ctx.settings.setValue(f"{self._settings_key}/geometry", self.saveGeometry())
        super().done(code)


class MeetingDialog(_ServiceDialog):
    """Create or edit a commission: date, place, notes (internal, never printed)."""

    def __init__(self, parent: Optional[QWidget], ctx: AppContext, meeting: Optional[eps.MeetingView] = None,
                 *, day: Optional[dt.date] = None) -> None:
        super().__init__(parent, ctx, "Modifier la commission" if meeting else "Nouvelle commission EPS",
                         "eps/meeting_dialog")
        self.meeting = meeting
        self.date_edit = _date_edit(self, meeting.meeting_date if meeting else day)
        self.place_edit = QLineEdit(meeting.place or "" if meeting else "", self)
        self.place_edit.setMaxLength(200)
        self.notes_edit = _text_area(self, 4, meeting.notes if meeting else None)
        self.notes_edit.setPlaceholderText("Notes internes (n'apparaissent sur aucun document)")
        self.errors.add_row(self.form, "&Date :", "meeting_date", self.date_edit)
        self.errors.add_row(self.form, "&Lieu :", "place", self.place_edit)
        self.errors.add_row(self.form, "&Notes :", "notes", self.notes_edit)
        self.finish_layout()
        self.resize(max(self.width(), 460), self.sizeHint().height())

    def save(self, confirm: bool) -> int:
        values = dict(meeting_date=self.date_edit.text().strip(), place=self.place_edit.text(),
                      notes=self.notes_edit.toPlainText())
        with self.ctx.write() as session:
            if self.meeting is None:
                return eps.create_meeting(session, **values).id
            return eps.update_meeting(session, self.meeting.id, expected_version=self.meeting.version, **values).id


class MemberDialog(_ServiceDialog):
    """A member of the commission: name, function, institution, present or excused."""

    def __init__(self, parent: Optional[QWidget], ctx: AppContext, meeting_id: int,
                 member: Optional[eps.MemberView] = None) -> None:
        super().__init__(parent, ctx, "Modifier le membre" if member else "Ajouter un membre", "eps/member_dialog")
        self.meeting_id, self.member = meeting_id, member
        self.name_edit = QLineEdit(member.name if member else "", self)
        self.name_edit.setMaxLength(200)
        self.name_edit.setPlaceholderText("Mme Dupont")
        self.function_box = _suggest(self, MEMBER_FUNCTIONS, member.function if member else None)
        self.institution_edit = QLineEdit(member.institution or "" if member else "", self)
        self.institution_edit.setPlaceholderText("École Jean-Jaurès, CD, CMP…")
        self.present_check = QCheckBox("Présent(e) (décoché : excusé(e))", self)
        self.present_check.setChecked(member.present if member else True)
        self.errors.add_row(self.form, "&Nom :", "name", self.name_edit)
        self.errors.add_row(self.form, "&Fonction :", "function", self.function_box)
        self.errors.add_row(self.form, "&Institution :", "institution", self.institution_edit)
        self.errors.add_row(self.form, "", "present", self.present_check)
        self.finish_layout()
        self.resize(max(self.width(), 460), self.sizeHint().height())

    def save(self, confirm: bool) -> int:
        values = dict(name=self.name_edit.text(), function=self.function_box.currentText(),
                      institution=self.institution_edit.text(), present=self.present_check.isChecked())
        with self.ctx.write() as session:
            if self.member is None:
                return eps.add_member(session, self.meeting_id, **values).id
            return eps.update_member(session, self.member.id, expected_version=self.member.version, **values).id


class _ActionRow(QWidget):
    def __init__(self, editor: "ActionsEditor", partners: Sequence[tuple[int, str]],
                 action: Optional[eps.ActionView] = None) -> None:
        super().__init__(editor)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label_edit = QLineEdit(action.label if action else "", self)
        self.label_edit.setMaxLength(200)
        self.label_edit.setPlaceholderText("Action (ex. : soutien psychologique)")
        self.label_edit.setMinimumWidth(240)
        self.label_edit.setCursorPosition(0)
        self.partner_box = QComboBox(self)
        self.partner_box.addItem("— partenaire à choisir plus tard —", None)
        for partner_id, name in partners:
            self.partner_box.addItem(name, partner_id)
        if action and action.partner_id is not None:
            self.partner_box.setCurrentIndex(max(self.partner_box.findData(action.partner_id), 0))
        self.partner_box.setMaximumWidth(280)
        self.type_box = _suggest(self, ACTION_TYPES, action.action_type if action else None)
        self.type_box.lineEdit().setPlaceholderText("Type d'action")
        self.type_box.setMaximumWidth(190)
        remove = QToolButton(self)
        remove.setText("✕")
        remove.setToolTip("Retirer cette action")
        remove.clicked.connect(lambda: editor.remove_row(self))
        layout.addWidget(self.label_edit, 3)
        layout.addWidget(self.partner_box, 2)
        layout.addWidget(self.type_box, 2)
        layout.addWidget(remove)

    def value(self) -> Optional[dict[str, Any]]:
        text, kind = self.label_edit.text().strip(), self.type_box.currentText().strip()
        partner = self.partner_box.currentData()
        if not text and not kind and partner is None:
            return None  # an empty line is no action
        return {"label": text, "action_type": kind or None, "partner_id": partner}


class ActionsEditor(QWidget):
    """The actions an acceptance puts in the pathway, each with its partner or its type."""

    def __init__(self, parent: QWidget, partners: Sequence[tuple[int, str]]) -> None:
        super().__init__(parent)
        self.partners = list(partners)
        self.rows: list[_ActionRow] = []
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.header = QWidget(self)
        header = QHBoxLayout(self.header)
        header.setContentsMargins(2, 0, 0, 0)
        for text, stretch in (("Action", 3), ("Partenaire", 2), ("ou type d'action", 2)):
            caption = QLabel(text, self.header)
            caption.setStyleSheet("color: palette(dark);")
            header.addWidget(caption, stretch)
        header.addSpacing(28)
        self.box.addWidget(self.header)
        self.add_button = QPushButton("+ Ajouter une action", self)
        self.add_button.setObjectName("add_action")
        self.add_button.clicked.connect(lambda: self.add_row())
        self.box.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)

    def add_row(self, action: Optional[eps.ActionView] = None) -> _ActionRow:
        row = _ActionRow(self, self.partners, action)
        self.rows.append(row)
        self.box.insertWidget(len(self.rows), row)  # after the header, before the add button
        row.label_edit.setFocus()
        return row

    def remove_row(self, row: _ActionRow) -> None:
        self.rows.remove(row)
        row.setParent(None)
        row.deleteLater()

    def values(self) -> list[dict[str, Any]]:
        return [v for v in (row.value() for row in self.rows) if v is not None]


class DecisionDialog(_ServiceDialog):
    """One decision for one situation: accept with a pathway, postpone, refuse, reorient,
    end. Recording it again replaces the previous one (update_decision)."""

    def __init__(self, parent: Optional[QWidget], ctx: AppContext, meeting: eps.MeetingView,
                 situation: eps.SituationRow, *, later_meetings: Sequence[eps.MeetingRow] = (),
                 partners: Sequence[tuple[int, str]] = ()) -> None:
        decision = situation.decision
        super().__init__(parent, ctx, f"Décision de l'EPS — {situation.child_name}", "eps/decision_dialog")
        self.meeting, self.situation, self.decision = meeting, situation, decision
        heading = QLabel(f"<b>{situation.child_name}</b>, {situation.age} an{'s' if situation.age > 1 else ''} — "
                         f"{situation.reason_label}<br/>Référent(e) : {situation.referent or 'aucun'} — "
                         f"commission du {fr_date(meeting.meeting_date)}", self)
        heading.setObjectName("decision_heading")
        self.layout_.insertWidget(0, heading)

        self.kind_box = QComboBox(self)
        self.kind_box.setObjectName("kind")
        for kind in EpsDecisionKind:
            self.kind_box.addItem(label(kind), kind)
        self.objectives_edit = _text_area(self, 3, decision.objectives if decision else None)
        self.objectives_edit.setPlaceholderText("Ce que le parcours vise (ex. : retrouver le goût de l'école)")
        self.actions = ActionsEditor(self, partners)
        for action in (decision.actions if decision else ()):
            if not action.regularised:
                self.actions.add_row(action)
        if not self.actions.rows:
            self.actions.add_row()
        default_review = add_months(meeting.meeting_date, eps.REVIEW_MONTHS)
        self.review_edit = _date_edit(self, decision.review_date if decision and decision.review_date
                                      else default_review)
        self.regularise_check = QCheckBox("Valider les actions et orientations enregistrées hors EPS", self)
        self.regularise_check.setChecked(True)
        later = [m for m in later_meetings if m.meeting_date > meeting.meeting_date]
        self.postpone_edit = _date_edit(self, decision.postponed_to if decision and decision.postponed_to
                                        else (later[0].meeting_date if later else None))
        self.later_box = QComboBox(self)
        self.later_box.setObjectName("later_meetings")
        self.later_box.addItem("Choisir une commission suivante…" if later else "Aucune commission prévue après celle-ci",
                               None)
        for m in later:
            self.later_box.addItem(f"EPS du {fr_date(m.meeting_date)}" + (f" — {m.place}" if m.place else ""),
                                   m.meeting_date)
        self.later_box.setEnabled(bool(later))
        self.later_box.activated.connect(self._later_chosen)
        self.reoriented_box = _suggest(self, REORIENT_TO, decision.reoriented_to if decision else None)
        self.reoriented_box.setMinimumWidth(320)
        kept_reason = decision.reason if decision and decision.kind in REASON_LABELS else None
        self.reason_edit = _text_area(self, 3, kept_reason)
        self.reason_edit.setPlaceholderText("Motif (reste dans le dossier, n'apparaît pas sur le relevé)")
        self.end_edit = _date_edit(self, decision.end_date if decision and decision.end_date else meeting.meeting_date)

        self._rows: dict[str, int] = {}
        for text, field, widget in (
            ("&Décision :", "kind", self.kind_box),
            ("&Objectifs :", "objectives", self.objectives_edit),
            ("A&ctions :", "actions", self.actions),
            ("Date de &révision :", "review_date", self.review_edit),
            ("", "regularise_hors_eps", self.regularise_check),
            ("&Ajourné au :", "postponed_to", self.postpone_edit),
            ("", "later", self.later_box),
            ("Ré&orienté vers :", "reoriented_to", self.reoriented_box),
            ("Date de &fin :", "end_date", self.end_edit),
            ("&Motif :", "reason", self.reason_edit),
        ):
            if field == "later":
                self.form.addRow(text, widget)
            else:
                self.errors.add_row(self.form, text, field, widget)
            self._rows[field] = self.form.rowCount() - 1
        self.kind_box.currentIndexChanged.connect(self._kind_changed)
        self.kind_box.setCurrentIndex(self.kind_box.findData(decision.kind if decision else EpsDecisionKind.ACCEPT))
        self._kind_changed()
        self.finish_layout()
        self.setMinimumWidth(680)
        self.resize(max(self.width(), 900), self.sizeHint().height())

    def kind(self) -> EpsDecisionKind:
        return EpsDecisionKind(self.kind_box.currentData())  # Qt gives the StrEnum back as str

    def _later_chosen(self, index: int) -> None:
        day = self.later_box.itemData(index)
        if day is not None:
            self.postpone_edit.setText(fr_date(day))

    def _kind_changed(self) -> None:
        kind = self.kind()
        shown = VISIBLE[kind] | {"kind"}
        for field, row in self._rows.items():
            self.form.setRowVisible(row, field in shown)
        caption = self.form.itemAt(self._rows["reason"], QFormLayout.ItemRole.LabelRole)
        if caption is not None and caption.widget() is not None:
            caption.widget().setText(REASON_LABELS.get(kind, "&Motif :"))
        self.errors.clear()
        self.layout_.activate()
        self.resize(self.width(), self.sizeHint().height())

    def values(self) -> dict[str, Any]:
        kind = self.kind()
        values: dict[str, Any] = {"kind": kind}
        if kind is EpsDecisionKind.ACCEPT:
            values.update(objectives=self.objectives_edit.toPlainText(), actions=self.actions.values(),
                          review_date=self.review_edit.text().strip() or None,
                          regularise_hors_eps=self.regularise_check.isChecked())
        elif kind is EpsDecisionKind.POSTPONE:
            values.update(postponed_to=self.postpone_edit.text().strip() or None,
                          reason=self.reason_edit.toPlainText())
        elif kind is EpsDecisionKind.REFUSE:
            values["reason"] = self.reason_edit.toPlainText()
        elif kind is EpsDecisionKind.REORIENT:
            values.update(reoriented_to=self.reoriented_box.currentText(), reason=self.reason_edit.toPlainText())
        elif kind is EpsDecisionKind.END:
            values.update(end_date=self.end_edit.text().strip() or None, reason=self.reason_edit.toPlainText())
        return values

    def save(self, confirm: bool) -> int:
        values = self.values()
        with self.ctx.write() as session:
            if self.decision is None:
                return eps.record_decision(session, meeting_id=self.meeting.id, child_id=self.situation.child_id,
                                           confirm=confirm, **values).id
            return eps.update_decision(session, self.decision.id, expected_version=self.decision.version,
                                       confirm=confirm, **values).id
