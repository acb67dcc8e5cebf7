"""The month's grid of a partner: one row per beneficiary, typed at the keyboard.

A partner reports a whole month at once ("Léa came on the 5th and the 19th, missed the
12th"). The grid lets the user type that as codes in one cell per beneficiary
(``5; 12 E; 19``, see ``services.session_codes``), plus the relay funding and the
partner's answer, then save every changed row in one transaction. What the services
refuse is shown on its row (nothing is saved then); the quota column is coloured from
the warning threshold on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QStyledItemDelegate, QTableView, QWidget

from ..services.errors import DomainError
from ..services.session_batches import BeneficiaryMonth, EntryInput, GridRow
from ..services.session_codes import format_sessions, parse_sessions

COL_NAME, COL_QUOTA, COL_SESSIONS, COL_STATE, COL_RELAY, COL_ANSWER, COL_REMARK = range(7)
HEADERS = ["Bénéficiaire", "Séances / quota", "Séances du mois (ex. : 5; 12 E; 19 PA)", "État",
           "Relais de financement", "Vient régulièrement", "Remarque du partenaire"]
EDITABLE = {COL_SESSIONS, COL_RELAY, COL_ANSWER, COL_REMARK}
ANSWERS = {None: "", True: "oui", False: "non"}
LEVEL_COLORS = {"warning": "#fff3cd", "reached": "#f8d7da", "beyond": "#e2d9f3"}
LEVEL_TIPS = {"warning": "Seuil d'alerte atteint : préparez le relais vers d'autres financements.",
              "reached": "Quota atteint : les séances suivantes seront hors quota (relais de financement requis).",
              "beyond": "Au-delà du quota : séances hors quota, non facturées au PRE."}
ERROR_COLOR = "#fdecea"
AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass
class _Line:
    row: GridRow
    sessions: str
    relay: str
    answer: Optional[bool]
    remark: str
    error: str = ""
    original: tuple[str, str, Optional[bool], str] = field(default=("", "", None, ""))

    @property
    def values(self) -> tuple[str, str, Optional[bool], str]:
        return self.sessions, self.relay, self.answer, self.remark

    @property
    def dirty(self) -> bool:
        return self.values != self.original


def _line(row: GridRow) -> _Line:
    line = _Line(row, format_sessions(row.sessions), row.relay_funding_note or "", row.comes_regularly,
                 row.remark or "")
    line.original = line.values
    return line


class MonthGridModel(QAbstractTableModel):
    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.lines: list[_Line] = []
        self.year, self.month = 2000, 1

    def load(self, rows: list[GridRow], year: int, month: int) -> None:
        self.beginResetModel()
        self.lines = [_line(r) for r in rows]
        self.year, self.month = year, month
        self.endResetModel()

    def dirty_lines(self) -> list[_Line]:
        return [line for line in self.lines if line.dirty]

    def is_dirty(self) -> bool:
        return any(line.dirty for line in self.lines)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section] if orientation == Qt.Orientation.Horizontal else str(section + 1)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsEditable if index.column() in EDITABLE else base

    def _text(self, line: _Line, column: int) -> str:
        r = line.row
        if column == COL_NAME:
            return f"{r.last_name.upper()} {r.first_name}"
        if column == COL_QUOTA:
            return r.quota_text
        if column == COL_SESSIONS:
            return line.sessions
        if column == COL_RELAY:
            return line.relay
        if column == COL_ANSWER:
            return ANSWERS[line.answer]
        if column == COL_REMARK:
            return line.remark
        if line.error:
            return line.error
        return "Modifié" if line.dirty else ""

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        line, column = self.lines[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._text(line, column)
        if role == Qt.ItemDataRole.BackgroundRole:
            if column == COL_QUOTA and line.row.level in LEVEL_COLORS:
                return QBrush(QColor(LEVEL_COLORS[line.row.level]))
            if line.error and column in (COL_SESSIONS, COL_STATE):
                return QBrush(QColor(ERROR_COLOR))
        if role == Qt.ItemDataRole.ForegroundRole and column == COL_STATE and line.error:
            return QBrush(QColor("#a93226"))
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == COL_QUOTA:
                return LEVEL_TIPS.get(line.row.level)
            if column == COL_STATE and line.error:
                return line.error
            if column == COL_RELAY:
                return "Obligatoire pour une séance au-delà du quota : le financement qui prend le relais."
        if role == Qt.ItemDataRole.TextAlignmentRole and column == COL_QUOTA:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole or index.column() not in EDITABLE:
            return False
        line = self.lines[index.row()]
        text = str(value or "").strip()
        column = index.column()
        if column == COL_SESSIONS:
            line.sessions = text
        elif column == COL_RELAY:
            line.relay = text
        elif column == COL_ANSWER:
            folded = text.lower()
            line.answer = True if folded in ("oui", "o") else False if folded in ("non", "n") else None
        else:
            line.remark = text
        line.error = ""
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), len(HEADERS) - 1))
        return True

    def set_errors(self, errors: dict[int, str]) -> None:
        """Refusals by fiche (care referral id); every other row's message is cleared."""
        for line in self.lines:
            line.error = errors.get(line.row.care_referral_id, "")
        if self.lines:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.lines) - 1, len(HEADERS) - 1))

    def inputs(self) -> tuple[list[BeneficiaryMonth], dict[int, str]]:
        """The changed rows as the service takes them, and the rows whose codes cannot be read."""
        rows: list[BeneficiaryMonth] = []
        errors: dict[int, str] = {}
        for number, line in enumerate(self.lines, start=1):
            if not line.dirty:
                continue
            where = f"Ligne {number} ({line.row.last_name.upper()} {line.row.first_name})"
            try:
                typed = parse_sessions(line.sessions, self.year, self.month)
            except DomainError as error:
                errors[line.row.care_referral_id] = error.message
                continue
            answer_changed = (line.answer, line.remark) != (line.original[2], line.original[3])
            rows.append(BeneficiaryMonth(
                line.row.care_referral_id,
                [EntryInput(t.session_date, t.kind, t.status, where=f"le {t.session_date.day}") for t in typed],
                replace=True, relay_funding_note=line.relay or None, answer_given=answer_changed,
                comes_regularly=line.answer, remark=line.remark or None, where=where))
        return rows, errors


class AnswerDelegate(QStyledItemDelegate):
    """oui / non / (rien), chosen with the keyboard (o, n) in a list."""

    def createEditor(self, parent: QWidget, option: Any, index: AnyIndex) -> QWidget:  # noqa: N802
        combo = QComboBox(parent)
        combo.addItems(["", "oui", "non"])
        return combo

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:  # noqa: N802
        assert isinstance(editor, QComboBox)
        editor.setCurrentIndex(max(editor.findText(str(index.data() or "")), 0))

    def setModelData(self, editor: QWidget, model: Any, index: AnyIndex) -> None:  # noqa: N802
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)


class MonthGridView(QTableView):
    """Typing starts editing; Enter commits and goes down to the next beneficiary."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.AnyKeyPressed | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.DoubleClicked)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setItemDelegateForColumn(COL_ANSWER, AnswerDelegate(self))
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTabKeyNavigation(True)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.state() != QAbstractItemView.State.EditingState:
            current = self.currentIndex()
            if current.isValid() and current.row() + 1 < self.model().rowCount():
                self.setCurrentIndex(self.model().index(current.row() + 1, current.column()))
                return
        super().keyPressEvent(event)

    def closeEditor(self, editor: QWidget, hint: QStyledItemDelegate.EndEditHint) -> None:  # noqa: N802
        """Enter in a cell: save the cell and move down, as in a spreadsheet."""
        if hint == QStyledItemDelegate.EndEditHint.SubmitModelCache:
            super().closeEditor(editor, QStyledItemDelegate.EndEditHint.NoHint)
            current = self.currentIndex()
            if current.isValid() and current.row() + 1 < self.model().rowCount():
                self.setCurrentIndex(self.model().index(current.row() + 1, current.column()))
            return
        super().closeEditor(editor, hint)
