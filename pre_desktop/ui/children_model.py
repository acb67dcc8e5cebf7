"""Qt item model over the children list, and the proxy that filters it as the user types.

The model holds plain records from ``services.listing`` (no ORM objects, so no
session stays open behind the view). Filtering compares folded text so "eloise"
finds "Éloïse": the same ``textnorm.fold`` is applied to the rows and to the query.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt

from ..formatting import fr_date
from ..textnorm import fold

COL_NAME, COL_BIRTH_DATE, COL_AGE, COL_SCHOOL, COL_STATUS, COL_REFERENT, COL_FAMILY = range(7)

HEADERS = {
    COL_NAME: "Nom et prénom",
    COL_BIRTH_DATE: "Date de naissance",
    COL_AGE: "Âge",
    COL_SCHOOL: "École / classe",
    COL_STATUS: "Statut",
    COL_REFERENT: "Référent(e)",
    COL_FAMILY: "Famille",
}

RECORD_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's record (dict)
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2  # folded text the search matches against
SORT_ROLE = Qt.ItemDataRole.UserRole + 3  # value that sorts correctly (dates, numbers, folded text)

AnyIndex = QModelIndex | QPersistentModelIndex


def _school(record: dict[str, Any]) -> str:
    return " — ".join(part for part in (record.get("school"), record.get("school_class")) if part)


class ChildrenTableModel(QAbstractTableModel):
    """One row per child; columns named by the COL_* constants."""

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._records: list[dict[str, Any]] = []
        self._search: list[str] = []

    def set_records(self, records: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self._search = [
            fold(" ".join(str(r.get(k) or "") for k in ("last_name", "first_name", "family", "school", "school_class", "referent")))
            for r in self._records
        ]
        self.endResetModel()

    def record(self, row: int) -> dict[str, Any]:
        return self._records[row]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS.get(section)
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._records):
            return None
        record = self._records[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(record, column)
        if role == SORT_ROLE:
            return self._sort_key(record, column)
        if role == SEARCH_ROLE:
            return self._search[index.row()]
        if role == RECORD_ROLE:
            return record
        if role == Qt.ItemDataRole.TextAlignmentRole and column == COL_AGE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == COL_NAME:
            return record.get("label")
        return None

    @staticmethod
    def _display(record: dict[str, Any], column: int) -> str:
        if column == COL_NAME:
            return f"{(record.get('last_name') or '').upper()} {record.get('first_name') or ''}".strip()
        if column == COL_BIRTH_DATE:
            return fr_date(record.get("birth_date"))
        if column == COL_AGE:
            age = record.get("age")
            return "" if age is None else f"{age} ans"
        if column == COL_SCHOOL:
            return _school(record)
        if column == COL_STATUS:
            return record.get("status_label") or ""
        if column == COL_REFERENT:
            return record.get("referent") or ""
        if column == COL_FAMILY:
            return record.get("family") or ""
        return ""

    def _sort_key(self, record: dict[str, Any], column: int) -> Any:
        if column == COL_BIRTH_DATE:
            day = record.get("birth_date")
            return day.isoformat() if isinstance(day, dt.date) else ""
        if column == COL_AGE:
            return record.get("age") or 0
        return fold(self._display(record, column))


class ChildrenFilterProxy(QSortFilterProxyModel):
    """Keeps the rows whose folded text contains every word typed, in any order."""

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._words: list[str] = []
        self.setSortRole(SORT_ROLE)

    @property
    def words(self) -> list[str]:
        """The folded words currently filtered on."""
        return list(self._words)

    def set_query(self, text: str) -> None:
        words = fold(text).split()
        if words == self._words:
            return
        if hasattr(self, "endFilterChange"):  # Qt 6.10+
            self.beginFilterChange()
            self._words = words
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            self._words = words
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        if not self._words:
            return True
        haystack = self.sourceModel().index(source_row, COL_NAME, source_parent).data(SEARCH_ROLE) or ""
        return all(word in haystack for word in self._words)
