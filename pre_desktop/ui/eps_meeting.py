"""One EPS commission: its agenda and decisions, the suggestions and the search that
fill the agenda, its members, and its two documents.

The agenda is the screen's centre: one line per situation with its decision. On the
right, tabs bring situations in (suggestions from the services — children waiting
since their referral, pathways due for review, actions hors EPS — each added in one
click, or a search by name, accents optional) and list the members present.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Optional

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QScrollArea,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..exports.eps_documents import KINDS, default_file_name, write_eps_document
from ..exports.render import FORMATS
from ..formatting import fr_date
from ..models import AgendaReason, ChildStatus
from ..services import eps
from ..services.children import ChildRow, search_children
from ..services.errors import DomainError
from ..services.labels import label
from ..services.partners import search_partners
from .context import AppContext
from .role_ui import COORDINATION, only_for
from .eps_dialogs import DecisionDialog, MeetingDialog, MemberDialog
from .export_actions import save_document
from .forms import confirm, run_action
from .rows_model import Column, RowsView
from .widgets import area_title, push_button, remember_sizes

SEARCH_DELAY_MS = 150
SEARCH_LIMIT = 50


def _age(age: int) -> str:
    return f"{age} an{'s' if age > 1 else ''}"


def _decision_text(row: eps.SituationRow) -> str:
    return row.decision.label if row.decision else "—"


def decision_html(meeting: eps.MeetingView, row: eps.SituationRow) -> str:
    """What the EPS decided for this situation, as the detail under the agenda shows it."""
    name = html.escape(row.child_name)
    d = row.decision
    if d is None:
        when = "" if meeting.held else " (la commission n'a pas encore eu lieu)"
        return f"<b>{name}</b> — {html.escape(row.reason_label)} : pas encore de décision{when}."
    parts = [f"<b>{name}</b> — <b>{html.escape(d.label)}</b>"]
    if d.objectives:
        parts.append(f"Objectifs : {html.escape(d.objectives)}")
    if d.actions:
        items = "".join(f"<li>{html.escape(a.text)}{' (régularisée)' if a.regularised else ''}</li>"
                        for a in d.actions)
        parts.append(f"Actions :<ul style='margin-top:0; margin-bottom:0'>{items}</ul>")
    if d.review_date:
        parts.append(f"Révision le {fr_date(d.review_date)}")
    if d.end_date:
        parts.append(f"Fin le {fr_date(d.end_date)}")
    if d.reason:
        parts.append(f"Motif : {html.escape(d.reason)}")
    return "<br/>".join(parts)


class MeetingPage(QWidget):
    back = Signal()

    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.meeting: Optional[eps.MeetingView] = None
        self._build()
        # The commission is the coordinator's; a référent puts their children on it and decides for them.
        only_for(ctx, COORDINATION, self.edit_button, self.agenda_doc_button, self.minutes_doc_button,
                 *self.member_buttons)

    # -- layout ---------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 6)
        top = QHBoxLayout()
        self.back_button = push_button(self, "← Commissions", "back", self.back.emit)
        self.title = area_title("", self, name="meeting_title")
        self.edit_button = push_button(self, "Modifier…", "edit_meeting", self.edit_meeting)
        self.agenda_doc_button = push_button(self, "Ordre du jour…", "agenda_document",
                                             lambda: self.generate("agenda"))
        self.agenda_doc_button.setToolTip("Produire l'ordre du jour (Word ou PDF)")
        self.minutes_doc_button = push_button(self, "Relevé de décisions…", "minutes_document",
                                              lambda: self.generate("minutes"))
        top.addWidget(self.back_button)
        top.addSpacing(8)
        top.addWidget(self.title, 1)
        for button in (self.edit_button, self.agenda_doc_button, self.minutes_doc_button):
            top.addWidget(button)
        layout.addLayout(top)
        self.info = QLabel(self)
        self.info.setObjectName("meeting_info")
        self.info.setWordWrap(True)
        layout.addWidget(self.info)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("meeting_splitter")
        # Each pane scrolls rather than widening the window below its content's width.
        for pane in (self._build_agenda(), self._build_tabs()):
            scroll = QScrollArea(self.splitter)
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(pane)
            scroll.setMinimumWidth(200)
            self.splitter.addWidget(scroll)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        remember_sizes(self.splitter, self.ctx.settings, "eps/meeting_splitter", (640, 520))
        layout.addWidget(self.splitter, 1)

    def _build_agenda(self) -> QWidget:
        box = QGroupBox("Ordre du jour et décisions", self)
        layout = QVBoxLayout(box)
        # the agenda keeps the meeting's order (not sortable)
        self.agenda_list = RowsView([
            Column("N°", lambda r: str(r.position), sort=lambda r: r.position, right=True),
            Column("Enfant", lambda r: r.child_name),
            Column("Âge", lambda r: _age(r.age), sort=lambda r: r.age, right=True),
            Column("Motif d'inscription", lambda r: r.reason_label),
            Column("Référent(e)", lambda r: r.referent or ""),
            Column("Décision", _decision_text),
        ], "Aucune situation à l'ordre du jour : inscrivez-en depuis les suggestions ou la recherche.", box,
            name="agenda", sortable=False)
        self.agenda, self.agenda_model = self.agenda_list.table, self.agenda_list.model
        self.agenda_list.activated.connect(lambda _row: self.decide())
        self.agenda.selectionModel().selectionChanged.connect(self._situation_selected)
        layout.addWidget(self.agenda_list, 1)
        buttons = QHBoxLayout()
        self.decide_button = push_button(box, "&Décision…", "decide", self.decide)
        self.undo_button = push_button(box, "&Annuler la décision", "undo_decision", self.undo_decision)
        self.open_button = push_button(box, "Ouvrir le dossier", "open_child", self.open_child)
        self.remove_button = push_button(box, "Retirer de l'ordre du jour", "remove_situation", self.remove_situation)
        for button in (self.decide_button, self.undo_button, self.open_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        layout.addLayout(buttons)
        self.detail = QLabel(box)
        self.detail.setObjectName("decision_detail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setMinimumHeight(self.fontMetrics().lineSpacing() * 4)
        self.detail.setStyleSheet("background: palette(base); border: 1px solid palette(mid); padding: 6px;")
        layout.addWidget(self.detail)
        return box

    def _build_tabs(self) -> QWidget:
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("meeting_tabs")
        # suggestions
        page = QWidget(self.tabs)
        layout = QVBoxLayout(page)
        hint = QLabel("Enfants à présenter à cette commission : en attente depuis leur repérage, parcours à "
                      "réviser, actions hors EPS à régulariser. Double-cliquez pour inscrire.", page)
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.suggestion_list = RowsView([
            Column("Enfant", lambda r: r.child_name, max_width=240),
            Column("Âge", lambda r: _age(r.age), sort=lambda r: r.age, right=True, max_width=240),
            Column("Motif", lambda r: r.reason_label, max_width=240),
            Column("Détail", lambda r: r.detail, max_width=240),
        ], "", page, name="suggestions", sortable=False, fit_last=True)
        self.suggestions, self.suggestion_model = self.suggestion_list.table, self.suggestion_list.model
        self.suggestion_list.activated.connect(lambda _row: self.add_suggestion())
        layout.addWidget(self.suggestion_list, 1)
        row = QHBoxLayout()
        self.add_suggestion_button = push_button(page, "&Inscrire", "add_suggestion", self.add_suggestion)
        self.add_all_button = push_button(page, "Tout inscrire", "add_all_suggestions", self.add_all_suggestions)
        row.addWidget(self.add_suggestion_button)
        row.addWidget(self.add_all_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.tabs.addTab(page, "Suggestions")
        # search
        page = QWidget(self.tabs)
        layout = QVBoxLayout(page)
        self.search = QLineEdit(page)
        self.search.setObjectName("child_search")
        self.search.setPlaceholderText("Nom ou prénom de l'enfant (accents facultatifs)")
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        self.result_list = RowsView([
            Column("Enfant", lambda r: f"{r.last_name.upper()} {r.first_name}", max_width=240),
            Column("Âge", lambda r: _age(r.age), sort=lambda r: r.age, right=True, max_width=240),
            Column("Statut", lambda r: label(r.status), max_width=240),
            Column("Référent(e)", lambda r: r.referent_name or "", max_width=240),
        ], "", page, name="search_results", fit_last=True)
        self.results, self.search_model = self.result_list.table, self.result_list.model
        self.result_list.activated.connect(lambda _row: self.add_found())
        layout.addWidget(self.result_list, 1)
        row = QHBoxLayout()
        self.add_found_button = push_button(page, "I&nscrire", "add_found", self.add_found)
        self.search_count = QLabel(page)
        row.addWidget(self.add_found_button)
        row.addStretch(1)
        row.addWidget(self.search_count)
        layout.addLayout(row)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self.run_search)
        self.tabs.addTab(page, "Rechercher")
        # members
        page = QWidget(self.tabs)
        layout = QVBoxLayout(page)
        self.member_list = RowsView([
            Column("Nom", lambda r: r.name, max_width=240),
            Column("Fonction", lambda r: r.function or "", max_width=240),
            Column("Institution", lambda r: r.institution or "", max_width=240),
            Column("Présence", lambda r: "présent(e)" if r.present else "excusé(e)", max_width=240),
        ], "Aucun membre : ajoutez les professionnels présents (nom, fonction, institution).", page,
            name="members", sortable=False, fit_last=True)
        self.members, self.member_model = self.member_list.table, self.member_list.model
        self.member_list.activated.connect(lambda _row: self.edit_member())
        self.members.selectionModel().selectionChanged.connect(lambda *_: self._member_selected())
        layout.addWidget(self.member_list, 1)
        layout.addStretch(0)
        row = QHBoxLayout()
        self.member_buttons: list[QPushButton] = []
        for text, slot, name in (("Ajouter…", self.add_member, "add_member"),
                                 ("Modifier…", self.edit_member, "edit_member"),
                                 ("Retirer", self.remove_member, "remove_member")):
            self.member_buttons.append(push_button(page, text, name, slot))
            row.addWidget(self.member_buttons[-1])
        row.addStretch(1)
        layout.addLayout(row)
        self.tabs.addTab(page, "Membres")
        return self.tabs

    # -- loading --------------------------------------------------------------

    def load(self, meeting_id: int) -> bool:
        """Show this commission; False if it no longer exists."""
        try:
            with self.ctx.read() as session:
                meeting = eps.meeting_view(session, meeting_id)
                suggestions = eps.agenda_suggestion_rows(session, meeting_id)
        except DomainError:
            self.meeting = None
            return False
        self.meeting = meeting
        self.title.setText(f"EPS du {fr_date(meeting.meeting_date)}")
        where = f"Lieu : {meeting.place}" if meeting.place else "Lieu non précisé"
        held = ("Commission tenue : enregistrez une décision par situation." if meeting.held else
                "Commission à venir : préparez l'ordre du jour ; les décisions s'enregistrent une fois la "
                "commission tenue.")
        present = sum(1 for m in meeting.members if m.present)
        self.info.setText(f"{where} — {len(meeting.situations)} situation(s), "
                          f"{sum(1 for s in meeting.situations if s.decision)} décision(s), "
                          f"{present} membre(s) présent(s). {held}")
        self.agenda_list.set_rows(meeting.situations)
        self.suggestion_list.set_rows(suggestions)
        self.member_list.set_rows(meeting.members)
        self._member_selected()
        self.tabs.setTabText(0, f"Suggestions ({len(suggestions)})")
        self.tabs.setTabText(2, f"Membres ({len(meeting.members)})")
        self.minutes_doc_button.setEnabled(meeting.held)
        self.minutes_doc_button.setToolTip("Produire le relevé de décisions (Word ou PDF)" if meeting.held else
                                           "Le relevé se produit une fois la commission tenue")
        if self.search.text().strip():
            self.run_search()
        self._situation_selected()
        return True

    def refresh(self) -> bool:
        return self.load(self.meeting.id) if self.meeting is not None else False

    def _changed(self) -> None:
        """After a write: reload this page, and tell the other screens."""
        self.refresh()
        self.ctx.data_changed.emit()

    def current_situation(self) -> Optional[eps.SituationRow]:
        return self.agenda_list.selected()

    def _situation_selected(self, *_: Any) -> None:
        row = self.current_situation()
        has, decided = row is not None, row is not None and row.decision is not None
        self.decide_button.setEnabled(has and self.meeting is not None and self.meeting.held)
        self.decide_button.setText("Modifier la &décision…" if decided else "&Décision…")
        self.undo_button.setEnabled(decided)
        self.open_button.setEnabled(has)
        self.remove_button.setEnabled(has)
        self.detail.setText(decision_html(self.meeting, row) if row is not None and self.meeting else
                            "Sélectionnez une situation pour voir ou enregistrer sa décision.")

    def _member_selected(self) -> None:
        has = self.member_list.selected() is not None
        for button in self.member_buttons[1:]:
            button.setEnabled(has)

    # -- agenda ---------------------------------------------------------------

    def _add(self, items: list[tuple[int, Any]]) -> bool:
        if self.meeting is None or not items:
            return False
        meeting_id = self.meeting.id

        def action(_confirm: bool) -> int:
            with self.ctx.write() as session:
                return len(eps.add_situations(session, meeting_id, items))

        if run_action(self, action, title="Inscription refusée") is None:
            return False
        self._changed()
        return True

    def add_suggestion(self) -> bool:
        row = self.suggestion_list.selected()
        if row is None:
            return False
        return self._add([(row.child_id, row.reason)])

    def add_all_suggestions(self) -> bool:
        return self._add([(r.child_id, r.reason) for r in self.suggestion_model.rows])

    def run_search(self) -> None:
        self._search_timer.stop()
        text = self.search.text().strip()
        if not text:
            self.result_list.set_rows([])
            self.search_count.setText("")
            return
        with self.ctx.read() as session:
            rows = search_children(session, text, status=[ChildStatus.REFERRED, ChildStatus.ACTIVE,
                                                          ChildStatus.REORIENTED], limit=SEARCH_LIMIT + 1)
        on_agenda = {s.child_id for s in self.meeting.situations} if self.meeting else set()
        found: list[ChildRow] = [r for r in rows[:SEARCH_LIMIT] if r.id not in on_agenda]
        self.result_list.set_rows(found)
        more = " (affinez la recherche)" if len(rows) > SEARCH_LIMIT else ""
        self.search_count.setText(f"{len(found)} enfant(s){more}")
        if found:
            self.results.selectRow(0)

    def add_found(self) -> bool:
        row = self.result_list.selected()
        if row is None:
            return False
        return self._add([(row.id, AgendaReason.NEW_REFERRAL if row.status is ChildStatus.REFERRED
                           else AgendaReason.OTHER)])

    def remove_situation(self) -> bool:
        row = self.current_situation()
        if row is None:
            return False
        if row.decision is None and not confirm(self, "Retirer de l'ordre du jour",
                                                f"Retirer la situation de {row.child_name} de l'ordre du jour ?",
                                                yes="Retirer"):
            return False

        def action(confirm_: bool) -> bool:
            with self.ctx.write() as session:
                eps.remove_situation(session, row.id, confirm=confirm_)
            return True

        if run_action(self, action, title="Retrait refusé") is None:
            return False
        self._changed()
        return True

    def open_child(self) -> None:
        row = self.current_situation()
        if row is not None:
            self.ctx.open_child.emit(row.child_id)

    # -- decisions ------------------------------------------------------------

    def decision_dialog(self) -> Optional[DecisionDialog]:
        row = self.current_situation()
        if row is None or self.meeting is None:
            return None
        with self.ctx.read() as session:
            later = eps.meetings(session, past=None)
            # only where the PRE may orient (rule 6: not CATTP nor hôpital de jour; the services refuse them too)
            partners = [(p.id, p.name) for p in search_partners(session, active=True) if p.direct_orientation_allowed]
        return DecisionDialog(self, self.ctx, self.meeting, row, later_meetings=later, partners=partners)

    def decide(self) -> bool:
        if self.meeting is not None and not self.meeting.held:
            QMessageBox.information(self, "Commission à venir",
                                    f"La commission du {fr_date(self.meeting.meeting_date)} n'a pas encore eu lieu : "
                                    "sa décision pourra être enregistrée à partir de cette date.")
            return False
        dialog = self.decision_dialog()
        if dialog is None or not dialog.exec():
            return False
        self._changed()
        return True

    def undo_decision(self) -> bool:
        row = self.current_situation()
        if row is None or row.decision is None:
            return False
        if not confirm(self, "Annuler la décision",
                       f"Annuler la décision « {row.decision.label} » pour {row.child_name} ?\n\n"
                       "Ses effets sont défaits : parcours ouvert supprimé, statut et dates de l'enfant rétablis.",
                       yes="Annuler la décision"):
            return False
        decision = row.decision

        def action(_confirm: bool) -> bool:
            with self.ctx.write() as session:
                eps.revert_decision(session, decision.id, expected_version=decision.version)
            return True

        if run_action(self, action, title="Annulation refusée") is None:
            return False
        self._changed()
        return True

    # -- meeting and members --------------------------------------------------

    def edit_meeting(self) -> bool:
        if self.meeting is None:
            return False
        if not MeetingDialog(self, self.ctx, self.meeting).exec():
            return False
        self._changed()
        return True

    def add_member(self) -> bool:
        if self.meeting is None or not MemberDialog(self, self.ctx, self.meeting.id).exec():
            return False
        self._changed()
        return True

    def edit_member(self) -> bool:
        member = self.member_list.selected()
        if self.meeting is None or member is None:
            return False
        if not MemberDialog(self, self.ctx, self.meeting.id, member).exec():
            return False
        self._changed()
        return True

    def remove_member(self) -> bool:
        member = self.member_list.selected()
        if member is None or not confirm(self, "Retirer le membre", f"Retirer {member.name} de la commission ?",
                                         yes="Retirer"):
            return False

        def action(_confirm: bool) -> bool:
            with self.ctx.write() as session:
                eps.remove_member(session, member.id)
            return True

        if run_action(self, action) is None:
            return False
        self._changed()
        return True

    # -- documents ------------------------------------------------------------

    def generate(self, kind: str) -> Optional[Path]:
        if self.meeting is None:
            return None
        meeting_id, day = self.meeting.id, self.meeting.meeting_date

        def write(path: Path, file_format: str) -> Path:
            with self.ctx.write() as session:
                return write_eps_document(session, meeting_id, kind, file_format, path)

        written = save_document(self, self.ctx, default_file_name(kind, day, "pdf"), list(FORMATS), write,
                                title=f"Enregistrer : {KINDS[kind].lower()}")
        if written is not None:
            self.ctx.data_changed.emit()
        return written
