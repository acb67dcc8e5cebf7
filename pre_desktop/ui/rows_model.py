"""A read-only table over a list of service rows (frozen dataclasses), and its view.

Most lists of the app are "rows from a service, shown in columns, sorted on a click".
``Column`` says how one column reads a row (text, sort key, alignment); ``RowsModel``
is the QAbstractTableModel over the rows; ``RowsView`` adds the sortable table and the
"Aucun …" text shown instead of an empty grid. Sorting compares the Python sort keys
(dates, numbers, folded text), never the displayed French text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from ..textnorm import fold

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the row object itself
SORT_ROLE = Qt.ItemDataRole.UserRole + 2  # the value the column sorts on

AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[Any], str]
    sort: Optional[Callable[[Any], Any]] = None  # default: the folded text
    right: bool = False  # numbers and dates read better aligned right
    max_width: int = 320  # wider text is elided, and shown whole in the tooltip
    tone: Optional[Callable[[Any], Optional[str]]] = None  # "warning" | "alert" colours the cell


TONES = {"warning": "#fdf2d0", "alert": "#f9d6d2"}


class RowsModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[Column], parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    @property
    def rows(self) -> list[Any]:
        return list(self._rows)

    def row(self, number: int) -> Any:
        return self._rows[number]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            text = column.text(row)
            return text if len(text) > 40 else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column.right else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and column.tone is not None:
            tone = column.tone(row)
            return QBrush(QColor(TONES[tone])) if tone in TONES else None
        if role == ROW_ROLE:
            return row
        if role == SORT_ROLE:
            return column.sort(row) if column.sort else fold(column.text(row))
        return None


class _SortProxy(QSortFilterProxyModel):
    """Sorts on the Python sort keys; an empty value (None) comes last."""

    def lessThan(self, left: AnyIndex, right: AnyIndex) -> bool:
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a is None or b is None:
            return a is not None and b is None
        try:
            return bool(a < b)
        except TypeError:
            return str(a) < str(b)


class RowsView(QWidget):
    """A sortable, read-only table of rows, or ``empty_text`` when there are none."""

    activated = Signal(object)  # the row, on double click or Enter

    def __init__(self, columns: Sequence[Column], empty_text: str, parent: Optional[QWidget] = None,
                 *, name: str = "", max_rows: int = 0) -> None:
        super().__init__(parent)
        self.max_rows = max_rows  # > 0: as tall as the rows, up to that many (lists inside a form)
        self.model = RowsModel(columns, self)
        self.proxy = _SortProxy(self)
        self.proxy.setSourceModel(self.model)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = QTableView(self)
        if name:
            self.table.setObjectName(name)
            self.setObjectName(f"{name}_panel")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSortIndicatorShown(False)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the service's order until a click
        header.sectionClicked.connect(lambda _section: header.setSortIndicatorShown(True))
        self.table.setSortingEnabled(True)
        self.table.activated.connect(self._activated)
        self.empty = QLabel(empty_text, self)
        self.empty.setObjectName("empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: palette(mid); font-style: italic; padding: 8px 2px;")
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        self.set_rows([])

    def set_rows(self, rows: Sequence[Any]) -> None:
        selected = self.selected()
        self.model.set_rows(rows)
        has_rows = bool(rows)
        self.table.setVisible(has_rows)
        self.empty.setVisible(not has_rows)
        if has_rows:
            self._fit_columns()
            if self.max_rows:
                self.fit_height(self.max_rows)
            if selected is not None:
                self.select(lambda row: getattr(row, "id", None) == getattr(selected, "id", object()))

    def _fit_columns(self) -> None:
        """Each column as wide as its longest text or its title (no room kept for a sort arrow)."""
        header = self.table.horizontalHeader()
        metrics = header.fontMetrics()
        cells = self.table.fontMetrics()
        rows = self.model.rows
        for number, column in enumerate(self.model.columns[:-1]):  # the last one stretches
            if len(rows) <= 2000:  # every row, not only the ones on screen (sizeHintForColumn)
                content = max(cells.horizontalAdvance(column.text(row)) for row in rows) + 16
            else:
                content = self.table.sizeHintForColumn(number)
            title = metrics.horizontalAdvance(column.title) + 14
            header.resizeSection(number, min(max(content, title) + 6, column.max_width))

    def fit_height(self, max_rows: int) -> None:
        """As tall as its rows (at most ``max_rows``), for short lists inside a form."""
        rows = max(1, min(self.model.rowCount(), max_rows))
        header = self.table.horizontalHeader().sizeHint().height()
        row = self.table.verticalHeader().defaultSectionSize()
        self.table.setFixedHeight(header + rows * row + 2 * self.table.frameWidth() + 2)

    def sort_by(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.table.horizontalHeader().setSortIndicatorShown(True)
        self.table.sortByColumn(column, order)

    def row_count(self) -> int:
        return self.proxy.rowCount()

    def row_at(self, number: int) -> Any:
        """The row shown at ``number`` (in the view's order)."""
        return self.proxy.index(number, 0).data(ROW_ROLE)

    def text_at(self, number: int, column: int) -> str:
        return str(self.proxy.index(number, column).data() or "")

    def column_texts(self, column: int) -> list[str]:
        return [self.text_at(number, column) for number in range(self.row_count())]

    def selected(self) -> Any:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isSelected(index):
            return None
        return index.data(ROW_ROLE)

    def select(self, predicate: Callable[[Any], bool]) -> bool:
        for number in range(self.row_count()):
            if predicate(self.row_at(number)):
                self.table.selectRow(number)
                self.table.setCurrentIndex(self.proxy.index(number, 0))
                return True
        return False

    def _activated(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if row is not None:
            self.activated.emit(row)
