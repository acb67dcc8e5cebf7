"""The Enfants area: the children of the open database, searched as the user types."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..services.listing import list_children
from .children_model import COL_NAME, RECORD_ROLE, ChildrenFilterProxy, ChildrenTableModel
from .context import AppContext

SEARCH_DELAY_MS = 150  # debounce: filter once the user pauses, not on every key


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count <= 1 else many}"


class ChildrenArea(QWidget):
    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = ChildrenTableModel(self)
        self.proxy = ChildrenFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self._build()
        self.refresh()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 6)
        title = QLabel("Enfants suivis", self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title)

        search_row = QHBoxLayout()
        search_label = QLabel("&Rechercher :", self)
        self.search = QLineEdit(self)
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Nom, prénom, famille, école… (accents facultatifs)")
        self.search.setClearButtonEnabled(True)
        search_label.setBuddy(self.search)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("count")
        self.count_label.setMinimumWidth(self.count_label.fontMetrics().horizontalAdvance("00000 sur 00000 enfants") + 8)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        search_row.addWidget(search_label)
        search_row.addWidget(self.search, 1)
        search_row.addSpacing(12)
        search_row.addWidget(self.count_label)
        layout.addLayout(search_row)

        self.table = QTableView(self)
        self.table.setObjectName("children")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COL_NAME, Qt.SortOrder.AscendingOrder)
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
        self.table.activated.connect(self._open)
        layout.addWidget(self.table, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self.apply_search)

    def refresh(self) -> None:
        with self.ctx.read() as session:
            records = list_children(session)
        self.model.set_records(records)
        self._fit_columns()
        self._update_counts()

    def _fit_columns(self) -> None:
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        for column in range(self.model.columnCount()):
            width = header.sectionSize(column)
            header.resizeSection(column, min(max(width + 16, 60), 280))

    def apply_search(self) -> None:
        self._search_timer.stop()
        self.proxy.set_query(self.search.text())
        self._update_counts()

    def _update_counts(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        if shown == total:
            text = _plural(total, "enfant", "enfants")
        else:
            text = f"{shown} sur {total} enfant{'s' if total > 1 else ''}"
        self.count_label.setText(text)

    def _open(self, index: QModelIndex) -> None:
        record = index.data(RECORD_ROLE)
        if record:
            self.ctx.open_child.emit(int(record["id"]))
