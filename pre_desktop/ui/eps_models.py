"""Read-only Qt table models over the EPS services' rows (frozen dataclasses).

A ``Column`` says how to read one column from a row (text, sort key, alignment);
``RowsTable`` is the QAbstractTableModel, ``table_view`` the sortable view over it
(through a proxy sorting on the Python sort keys, never on the French text).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QPushButton, QTableView, QWidget

from ..textnorm import fold

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[Any], str]
    sort: Optional[Callable[[Any], Any]] = None  # default: the folded text
    right: bool = False
    tooltip: Optional[Callable[[Any], str]] = None


class RowsTable(QAbstractTableModel):
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

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == ROW_ROLE:
            return row
        if role == SORT_ROLE:
            return column.sort(row) if column.sort else fold(column.text(row))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            side = Qt.AlignmentFlag.AlignRight if column.right else Qt.AlignmentFlag.AlignLeft
            return int(side | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip(row) if column.tooltip else (column.text(row) or None)
        return None


class SortProxy(QSortFilterProxyModel):
    """Sorts on the columns' Python keys; a ``row_filter`` hides rows."""

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.row_filter: Optional[Callable[[Any], bool]] = None

    def set_row_filter(self, predicate: Optional[Callable[[Any], bool]]) -> None:
        self.row_filter = predicate
        self.invalidate()

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        if self.row_filter is None:
            return True
        return self.row_filter(self.sourceModel().index(source_row, 0, source_parent).data(ROW_ROLE))

    def lessThan(self, left: AnyIndex, right: AnyIndex) -> bool:
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a is None or b is None:
            return a is not None and b is None
        return bool(a < b)


def table_view(parent: QWidget, model: RowsTable, name: str, *, sortable: bool = True) -> tuple[QTableView, SortProxy]:
    """A read-only, one-row-selection table over ``model``."""
    proxy = SortProxy(parent)
    proxy.setSourceModel(model)
    view = QTableView(parent)
    view.setObjectName(name)
    view.setModel(proxy)
    view.setSortingEnabled(sortable)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    header = view.horizontalHeader()
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return view, proxy


def fit_columns(view: QTableView, max_width: int = 300) -> None:
    view.resizeColumnsToContents()
    header = view.horizontalHeader()
    for column in range(header.count()):
        header.resizeSection(column, min(header.sectionSize(column) + 12, max_width))


def selected_row(view: QTableView) -> Any:
    index = view.currentIndex()
    if not index.isValid() or not view.selectionModel().isSelected(index):
        return None
    return index.data(ROW_ROLE)


def select_where(view: QTableView, predicate: Callable[[Any], bool]) -> bool:
    model = view.model()
    for number in range(model.rowCount()):
        index = model.index(number, 0)
        if predicate(index.data(ROW_ROLE)):
            view.selectRow(number)
            view.setCurrentIndex(index)
            return True
    return False


def push_button(parent: QWidget, text: str, name: str, slot: Callable[[], Any]) -> QPushButton:
    """A push button named for tests, calling ``slot`` when clicked."""
    push = QPushButton(text, parent)
    push.setObjectName(name)
    push.clicked.connect(lambda _checked=False: slot())
    return push


def style_empty(label: QLabel) -> None:
    """The grey italic line shown instead of an empty table."""
    label.setWordWrap(True)
    label.setStyleSheet("color: palette(mid); font-style: italic; padding: 8px 2px;")
