"""The Fiches de liaison area: every orientation to a partner, and what to do next on each.

The list says how long each fiche has been waiting for the partner's answer or first
appointment; the late ones (beyond the convention's delay, rule 2) are coloured and
say by how many days — the same rows À traiter lists. The actions on the selected
line are the ones of ``liaison_actions`` (shared with the child's file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ..exports.liaisons_list import write_liaisons_xlsx
from ..formatting import fr_date
from ..models import CareReferralState
from ..services import liaisons
from ..services.clock import today
from ..services.liaisons import STATE_FILTERS, LiaisonFilter, LiaisonRow
from . import liaison_actions
from .context import AppContext
from .export_actions import save_document
from .rows_model import Column, RowsView
from .sessions_grid import LEVEL_TIPS


def _quota_tone(row: LiaisonRow) -> Optional[str]:
    """From the warning threshold on (15 of 20 by default), as in the child's file and the grid."""
    return {"warning": "warning", "reached": "alert", "beyond": "alert"}.get(row.quota_level)


COLUMNS = [
    Column("Enfant", lambda r: r.child_name, max_width=160),
    Column("Bénéficiaire", lambda r: r.beneficiary, max_width=130),
    Column("Structure", lambda r: r.partner_name, max_width=175),
    Column("Référent(e)", lambda r: r.referent_name, max_width=130),
    Column("État", lambda r: r.state_label),
    Column("Attente", lambda r: r.waiting_text, sort=lambda r: r.days_waiting, right=True,
           tone=lambda r: "alert" if r.overdue_days is not None else None),
    Column("Séances / quota", lambda r: r.sessions_text, sort=lambda r: (r.used + r.hors_quota, r.quota),
           right=True, tone=_quota_tone, tooltip=lambda r: LEVEL_TIPS.get(r.quota_level)),
    Column("Demande", lambda r: fr_date(r.requested_on), sort=lambda r: r.requested_on),
    Column("1er entretien", lambda r: fr_date(r.first_appointment_on), sort=lambda r: r.first_appointment_on),
    Column("Fin", lambda r: f"{fr_date(r.ended_on)} — {r.end_reason}" if r.ended_on else "",
           sort=lambda r: r.ended_on),
]


class LiaisonsArea(QWidget):
    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.all_rows: list[LiaisonRow] = []
        self._build()
        self.refresh()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 6)
        title = QLabel("Fiches de liaison", self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        title.setFont(font)
        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("count")
        head.addWidget(self.count_label)
        layout.addLayout(head)

        filters = QHBoxLayout()
        self.state = self._combo("state", [(text, value) for text, value in STATE_FILTERS])
        self.state.blockSignals(True)
        self.state.setCurrentIndex(self.state.findData(liaisons.OPEN))  # the ended ones are history
        self.state.blockSignals(False)
        self.partner = self._combo("partner", [])
        self.referent = self._combo("referent", [])
        for text, combo in (("É&tat :", self.state), ("&Structure :", self.partner), ("&Référent(e) :", self.referent)):
            caption = QLabel(text, self)
            caption.setBuddy(combo)
            filters.addWidget(caption)
            filters.addWidget(combo)
            filters.addSpacing(8)
        filters.addStretch(1)
        self.export_button = QPushButton("E&xporter (.xlsx)…", self)
        self.export_button.setObjectName("export")
        self.export_button.clicked.connect(self.export_list)
        filters.addWidget(self.export_button)
        layout.addLayout(filters)

        self.list = RowsView(COLUMNS, "Aucune fiche de liaison ne correspond.", self, name="liaisons")
        # Thousands of fiches: the widths come from a sample of rows, not a pass over a thousand.
        self.list.table.horizontalHeader().setResizeContentsPrecision(200)
        self.list.activated.connect(lambda _row: self.open_child())
        self.list.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        layout.addWidget(self.list, 1)
        self.history = liaison_actions.history_label(self)  # every sending kept, the answer, the end
        layout.addWidget(self.history)

        actions = QHBoxLayout()
        self.generate_button = self._button("generate", "&Fiche de liaison (PDF / Word)…", self.generate)
        self.sent_button = self._button("mark_sent", "Marquer &envoyée…", self.mark_sent)
        self.answer_button = self._button("answer", "Enregistrer la ré&ponse…", self.record_answer)
        self.end_button = self._button("end", "&Clôturer…", self.end)
        self.open_button = self._button("open_child", "&Ouvrir le dossier de l'enfant", self.open_child)
        for button in (self.generate_button, self.sent_button, self.answer_button, self.end_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.open_button)
        layout.addLayout(actions)

    def _combo(self, name: str, items: list[tuple[str, object]]) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        # Long partner names must not widen the whole window: the combo shrinks, its list does not.
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(20)  # "Toutes les structures" whole
        for text, value in items:
            combo.addItem(text, value)
        combo.currentIndexChanged.connect(lambda _i: self.apply_filters())
        return combo

    def _button(self, name: str, text: str, slot) -> QPushButton:  # noqa: ANN001 - a bound method
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    # ------------------------------------------------------------------ data

    def refresh(self) -> None:
        with self.ctx.read() as session:
            self.all_rows = liaisons.list_liaisons(session)
        self._fill_choices(self.partner, "Toutes les structures",
                           {r.partner_id: r.partner_name for r in self.all_rows})
        self._fill_choices(self.referent, "Tous les référents",
                           {r.referent_id: r.referent_name for r in self.all_rows if r.referent_id is not None})
        self.apply_filters()

    @staticmethod
    def _fill_choices(combo: QComboBox, all_text: str, choices: dict[int, str]) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(all_text, None)
        for key, text in sorted(choices.items(), key=lambda item: item[1].lower()):
            combo.addItem(text, key)
        index = combo.findData(current)
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)
        combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)

    def current_filter(self) -> LiaisonFilter:
        return LiaisonFilter(self.state.currentData(), self.partner.currentData(), self.referent.currentData())

    def shown_rows(self) -> list[LiaisonRow]:
        wanted = self.current_filter()
        return [r for r in self.all_rows if wanted.matches(r)]

    def apply_filters(self) -> None:
        rows = self.shown_rows()
        self.list.set_rows(rows)
        late = sum(1 for r in rows if r.overdue_days is not None)
        text = f"{len(rows)} fiche{'s' if len(rows) > 1 else ''}"
        if late:
            text += f", dont {late} en retard"
        self.count_label.setText(text)
        self.export_button.setEnabled(bool(rows))
        self._update_buttons()

    def selected(self) -> Optional[LiaisonRow]:
        return self.list.selected()

    def select(self, care_referral_id: int) -> bool:
        return self.list.select(lambda r: r.id == care_referral_id)

    def _update_buttons(self) -> None:
        row = self.selected()
        ended = row is not None and row.state is CareReferralState.ENDED
        self.generate_button.setEnabled(row is not None)
        self.open_button.setEnabled(row is not None)
        self.sent_button.setEnabled(row is not None and not ended)
        self.answer_button.setEnabled(row is not None and not ended and row.sent_on is not None)
        self.end_button.setEnabled(row is not None and not ended)
        self.history.setText(liaison_actions.history_text(row) if row is not None else "")
        self.history.setVisible(row is not None)

    # ------------------------------------------------------------------ actions

    def generate(self) -> Optional[Path]:
        row = self.selected()
        if row is None:
            return None
        return liaison_actions.generate_fiche(self, self.ctx, row.id)

    def _write_on_selected(self, action: Callable[[LiaisonRow], bool]) -> bool:
        """Run a write action on the selected fiche; reload and keep it selected when done."""
        row = self.selected()
        if row is None or not action(row):
            return False
        self.refresh()
        self.select(row.id)
        return True

    def mark_sent(self) -> bool:
        return self._write_on_selected(lambda r: liaison_actions.mark_sent(self, self.ctx, r.id, r.version))

    def record_answer(self) -> bool:
        return self._write_on_selected(lambda r: liaison_actions.record_answer(
            self, self.ctx, r.id, r.version, liaison_actions.answer_values(r)))

    def end(self) -> bool:
        return self._write_on_selected(lambda r: liaison_actions.end_care(self, self.ctx, r.id, r.version))

    def open_child(self) -> None:
        row = self.selected()
        if row is not None:
            self.ctx.open_child.emit(row.child_id)

    def export_list(self) -> Optional[Path]:
        rows = self.shown_rows()
        described = self.current_filter().describe(self.all_rows)

        def write(path: Path, _fmt: str) -> None:
            with self.ctx.write() as session:
                write_liaisons_xlsx(session, rows, path, described)

        return save_document(self, self.ctx, f"Fiches de liaison - {today().isoformat()}", ["xlsx"], write,
                             title="Exporter la liste des fiches de liaison")
