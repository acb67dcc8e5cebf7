"""The À traiter area: everything due, in one list; each line opens the concerned file.

A line about a child opens the child's file (``ctx.open_child``); a convention line asks
for the convention (``ctx.open_record``) only when an area can show it: otherwise it is
listed for information and says so, rather than offering a click that does nothing.
"""

from __future__ import annotations

from typing import Any, Optional

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..formatting import fr_date
from ..services.todo import KIND_LABELS, KIND_ORDER, TodoItem, todo_items
from . import areas
from .context import AppContext

COL_KIND, COL_WHO, COL_WHAT, COL_DUE, COL_DAYS = range(5)
HEADERS = ("Type", "Qui", "À faire", "Échéance", "Retard")
ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
RECORD_AREAS = {"convention": "conventions"}  # what a non-child line opens, and the area that shows it
_DISABLED = QBrush(QColor("#6b6b6b"))
_LATE = QBrush(QColor("#a93226"))

AnyIndex = QModelIndex | QPersistentModelIndex


def can_open(item: TodoItem) -> bool:
    return item.target == "child" or RECORD_AREAS.get(item.target) in areas.SCREENS


def _days_text(item: TodoItem) -> str:
    if item.kind == "quota":
        return f"{item.days} au-delà" if item.days > 0 else ("quota atteint" if item.days == 0 else f"reste {-item.days}")
    if item.days < 0:
        return f"dans {-item.days} j"
    return f"{item.days} j"


class TodoModel(QAbstractTableModel):
    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.items: list[TodoItem] = []
        self._rank = {kind: i for i, kind in enumerate(KIND_ORDER)}

    def set_items(self, items: list[TodoItem]) -> None:
        self.beginResetModel()
        self.items = items
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsSelectable
        return flags | Qt.ItemFlag.ItemIsEnabled if can_open(self.items[index.row()]) else flags

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item, column = self.items[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (item.kind_label, item.who, item.what, fr_date(item.due), _days_text(item))[column]
        if role == SORT_ROLE:
            return (self._rank[item.kind], item.who.casefold(), item.what.casefold(),
                    item.due.toordinal() if item.due else 0, item.days)[column]
        if role == ITEM_ROLE:
            return item
        if role == Qt.ItemDataRole.ToolTipRole:
            if not can_open(item):
                return f"{item.what}\n(La fiche des conventions n'est pas encore disponible dans cette version.)"
            return f"{item.what}\nEntrée ou double-clic : ouvrir le dossier" if item.target == "child" else item.what
        if role == Qt.ItemDataRole.ForegroundRole:
            if not can_open(item):
                return _DISABLED
            if column == COL_DAYS and item.days > 0:
                return _LATE
        if role == Qt.ItemDataRole.TextAlignmentRole and column == COL_DAYS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class TodoProxy(QSortFilterProxyModel):
    """Sorts by value and keeps one kind when asked (a few hundred lines at most)."""

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.kind: Optional[str] = None
        self.setSortRole(SORT_ROLE)

    def set_kind(self, kind: Optional[str]) -> None:
        self.kind = kind
        self.invalidate()

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        model: TodoModel = self.sourceModel()  # type: ignore[assignment]
        return self.kind is None or model.items[source_row].kind == self.kind


class TodoArea(QWidget):
    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = TodoModel(self)
        self.proxy = TodoProxy(self)
        self.proxy.setSourceModel(self.model)
        self._build()
        self.refresh()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 6)
        top = QHBoxLayout()
        title = QLabel("À traiter", self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        title.setFont(font)
        top.addWidget(title)
        top.addStretch(1)
        self.kind_filter = QComboBox(self)
        self.kind_filter.setObjectName("kind_filter")
        self.kind_filter.setAccessibleName("Filtre par type")
        self.kind_filter.currentIndexChanged.connect(self._kind_changed)
        top.addWidget(self.kind_filter)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("count")
        top.addSpacing(12)
        top.addWidget(self.count_label)
        layout.addLayout(top)

        self.table = QTableView(self)
        self.table.setObjectName("todo")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COL_KIND, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(COL_WHAT, QHeaderView.ResizeMode.Stretch)
        for column, width in ((COL_KIND, 170), (COL_WHO, 200), (COL_DUE, 90), (COL_DAYS, 90)):
            header.resizeSection(column, width)
        self.table.activated.connect(self.open_line)
        layout.addWidget(self.table, 1)
        hint = QLabel("Entrée ou double-clic sur une ligne : ouvrir le dossier concerné.", self)
        hint.setStyleSheet("color: #555;")
        layout.addWidget(hint)

    def refresh(self) -> None:
        with self.ctx.read() as session:
            items = todo_items(session)
        self.model.set_items(items)
        current = self.kind_filter.currentData()
        counts = {kind: sum(1 for item in items if item.kind == kind) for kind in KIND_ORDER}
        self.kind_filter.blockSignals(True)
        self.kind_filter.clear()
        self.kind_filter.addItem(f"Tout ({len(items)})", None)
        for kind in KIND_ORDER:
            if counts[kind]:
                self.kind_filter.addItem(f"{KIND_LABELS[kind]} ({counts[kind]})", kind)
        self.kind_filter.setCurrentIndex(max(self.kind_filter.findData(current), 0) if current else 0)
        self.kind_filter.blockSignals(False)
        self.proxy.set_kind(self.kind_filter.currentData())
        self._update_count()

    def _kind_changed(self, _index: int) -> None:
        self.proxy.set_kind(self.kind_filter.currentData())
        self._update_count()

    def _update_count(self) -> None:
        shown = self.proxy.rowCount()
        self.count_label.setText("Rien à traiter" if not self.model.rowCount()
                                 else f"{shown} ligne{'s' if shown > 1 else ''}")

    def open_line(self, index: QModelIndex) -> None:
        item: Optional[TodoItem] = index.data(ITEM_ROLE) if index.isValid() else None
        if item is None or not can_open(item):
            return
        if item.target == "child":
            self.ctx.open_child.emit(item.target_id)
        else:
            self.ctx.open_record.emit(item.target, item.target_id)
