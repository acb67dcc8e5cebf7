"""A read-only table over a list of service rows (frozen dataclasses), and its view.

Most lists of the app are "rows from a service, shown in columns, sorted on a click".
``Column`` says how one column reads a row (text, sort key, alignment, colours, tooltip);
``RowsModel`` is the QAbstractTableModel over the rows; ``RowsProxy`` sorts them on the
Python sort keys (dates, numbers, folded text — never the displayed French text) and
keeps the rows matching the words typed and a filter; ``RowsView`` puts them together
in the sortable table with the "Aucun …" text shown instead of an empty grid.
``configure_table`` is the one setup of a read-only list, also used by the lists whose
model is their own (the children list and its fast proxy).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
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
RowPredicate = Callable[[Any], bool]


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[Any], str]
    sort: Optional[Callable[[Any], Any]] = None  # default: the folded text
    right: bool = False  # numbers and dates read better aligned right
    max_width: int = 320  # wider text is elided, and shown whole in the tooltip
    tone: Optional[Callable[[Any], Optional[str]]] = None  # "warning" | "alert" colours the cell
    color: Optional[Callable[[Any], Optional[str]]] = None  # the text's colour ("#rrggbb"), None: the usual
    tooltip: Optional[Callable[[Any], Optional[str]]] = None  # None or "": the text when it may be elided


TONES = {"warning": "#fdf2d0", "alert": "#f9d6d2"}


@lru_cache(maxsize=None)
def _brush(color: str) -> QBrush:
    return QBrush(QColor(color))


class RowsModel(QAbstractTableModel):
    """The rows, read through the columns.

    ``search`` gives a row's text that typed words are looked for in (folded once here,
    not on every keystroke); ``enabled`` greys out, and makes unclickable, the rows it refuses.
    """

    def __init__(self, columns: Sequence[Column], parent: Optional[QObject] = None, *,
                 search: Optional[Callable[[Any], str]] = None, enabled: Optional[RowPredicate] = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._rows: list[Any] = []
        self._search = search
        self._haystacks: list[str] = []
        self._enabled = enabled

    def set_rows(self, rows: Sequence[Any], columns: Optional[Sequence[Column]] = None) -> None:
        """New rows (and new columns, for a table whose columns follow a file's)."""
        self.beginResetModel()
        if columns is not None:
            self.columns = list(columns)
        self._rows = list(rows)
        self._haystacks = [fold(self._search(row)) for row in self._rows] if self._search else []
        self.endResetModel()

    @property
    def rows(self) -> list[Any]:
        return list(self._rows)

    def row(self, number: int) -> Any:
        return self._rows[number]

    def haystack(self, number: int) -> str:
        """The folded text typed words are looked for in ("" without ``search``)."""
        return self._haystacks[number] if self._haystacks else ""

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if self._enabled is None or not index.isValid():
            return super().flags(index)
        if self._enabled(self._rows[index.row()]):
            return Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsSelectable

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = column.tooltip(row) if column.tooltip else None
            if tip:
                return tip
            text = column.text(row)
            return text if len(text) > 40 else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column.right else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and column.tone is not None:
            tone = column.tone(row)
            return _brush(TONES[tone]) if tone in TONES else None
        if role == Qt.ItemDataRole.ForegroundRole and column.color is not None:
            color = column.color(row)
            return _brush(color) if color else None
        if role == ROW_ROLE:
            return row
        if role == SORT_ROLE:
            return column.sort(row) if column.sort else fold(column.text(row))
        return None


class RowsProxy(QSortFilterProxyModel):
    """Sorts on the Python sort keys (an empty value, None, comes last); keeps the rows
    whose search text holds every word typed and that ``row_filter`` accepts."""

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.words: list[str] = []
        self.row_filter: Optional[RowPredicate] = None

    def set_filter(self, text: str = "", row_filter: Optional[RowPredicate] = None) -> None:
        words = fold(text).split()
        if hasattr(self, "beginFilterChange"):  # Qt 6.10+
            self.beginFilterChange()
            self.words, self.row_filter = words, row_filter
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            self.words, self.row_filter = words, row_filter
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        if not self.words and self.row_filter is None:
            return True
        model: RowsModel = self.sourceModel()  # type: ignore[assignment]
        if self.row_filter is not None and not self.row_filter(model.row(source_row)):
            return False
        haystack = model.haystack(source_row)
        return all(word in haystack for word in self.words)

    def lessThan(self, left: AnyIndex, right: AnyIndex) -> bool:
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a is None or b is None:
            return a is not None and b is None
        try:
            return bool(a < b)
        except TypeError:
            return str(a) < str(b)


def configure_table(table: QTableView, name: str = "") -> QTableView:
    """A read-only list: whole rows selected one at a time, alternate colours, one line
    per row, columns the user may widen, the last one filling the width."""
    if name:
        table.setObjectName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    header = table.horizontalHeader()
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return table


def empty_label(text: str, parent: Optional[QWidget] = None) -> QLabel:
    """The grey italic line said instead of an empty list ("Aucun …")."""
    label = QLabel(text, parent)
    label.setObjectName("empty")
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    label.setWordWrap(True)
    label.setStyleSheet("color: palette(mid); font-style: italic; padding: 8px 2px;")
    return label


class RowsView(QWidget):
    """A sortable, read-only table of rows, or ``empty_text`` when none is shown.

    Without ``empty_text`` the (empty) grid stays. ``sortable=False`` keeps the rows in
    the service's order (an agenda); ``fit_columns=False`` leaves the widths to the caller;
    ``fit_last`` widens the last column to its text too (scrolled rather than elided, in a
    narrow pane where that column says the most).
    """

    activated = Signal(object)  # the row, on double click or Enter

    def __init__(self, columns: Sequence[Column], empty_text: str, parent: Optional[QWidget] = None,
                 *, name: str = "", max_rows: int = 0, sortable: bool = True, fit_columns: bool = True,
                 fit_last: bool = False,
                 search: Optional[Callable[[Any], str]] = None, enabled: Optional[RowPredicate] = None) -> None:
        super().__init__(parent)
        self.max_rows = max_rows  # > 0: as tall as the rows, up to that many (lists inside a form)
        self.fit, self.fit_last = fit_columns, fit_last
        self.model = RowsModel(columns, self, search=search, enabled=enabled)
        self.proxy = RowsProxy(self)
        self.proxy.setSourceModel(self.model)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = configure_table(QTableView(self), name)
        if name:
            self.setObjectName(f"{name}_panel")
        self.table.setModel(self.proxy)
        if sortable:
            header = self.table.horizontalHeader()
            header.setSortIndicatorShown(False)
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the service's order until a click
            header.sectionClicked.connect(lambda _section: header.setSortIndicatorShown(True))
            self.table.setSortingEnabled(True)
        self.table.activated.connect(self._activated)
        self.empty = empty_label(empty_text, self)
        self.empty.setVisible(False)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        self.set_rows([])

    def set_rows(self, rows: Sequence[Any], *, keep_selection: bool = True) -> None:
        """New rows; the row selected before (same ``id``) stays selected unless told otherwise."""
        selected = self.selected() if keep_selection else None
        self.model.set_rows(rows)
        if rows:
            if self.fit:
                self.fit_columns()
            if self.max_rows:
                self.fit_height(self.max_rows)
        self._show_empty()
        if selected is not None and rows:
            self.select(lambda row: getattr(row, "id", None) == getattr(selected, "id", object()))

    def set_filter(self, text: str = "", row_filter: Optional[RowPredicate] = None) -> None:
        """Show only the rows holding every word of ``text`` (see ``search``) that ``row_filter`` accepts."""
        self.proxy.set_filter(text, row_filter)
        self._show_empty()

    def _show_empty(self) -> None:
        shown = self.proxy.rowCount() > 0 or not self.empty.text()
        self.table.setVisible(shown)
        self.empty.setVisible(not shown)

    def fit_columns(self) -> None:
        """Each column as wide as its longest text or its title (no room kept for a sort arrow)."""
        header = self.table.horizontalHeader()
        metrics = header.fontMetrics()
        cells = self.table.fontMetrics()
        rows = self.model.rows
        columns = self.model.columns if self.fit_last else self.model.columns[:-1]  # the last one stretches
        for number, column in enumerate(columns):
            if not rows:
                content = 0
            elif len(rows) <= 2000:  # every row, not only the ones on screen (sizeHintForColumn)
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
