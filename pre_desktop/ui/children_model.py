"""Qt item model over the children list, and the proxy that sorts and filters it as the user types.

The model holds the service's column-wise ``ChildrenTable`` (no ORM objects, so no
session stays open behind the view) and computes each cell only when the view asks
for it. Filtering compares folded text so "eloise" finds "Éloïse": the same
``textnorm.fold`` is applied to the rows and to the query.

The proxy is a QAbstractProxyModel over Python lists instead of a
QSortFilterProxyModel: the latter calls back into Python for every row filtered and
every comparison sorted, which takes seconds on 20,000 files; here a keystroke is one
list comprehension over precomputed strings and a sort is one ``sorted`` call on
precomputed keys.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from PySide6.QtCore import QAbstractProxyModel, QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ..formatting import fr_date
from ..models import ChildStatus
from ..services.children_list import ALERT_ORDER, ChildrenTable
from ..services.clock import today
from ..services.labels import LABELS
from ..textnorm import fold

(COL_LAST_NAME, COL_FIRST_NAME, COL_AGE, COL_SCHOOL, COL_REFERENT, COL_STATUS, COL_ENTRY_DATE, COL_SESSIONS,
 COL_ALERTS) = range(9)
COL_NAME = COL_LAST_NAME

HEADERS = {
    COL_LAST_NAME: "Nom",
    COL_FIRST_NAME: "Prénom",
    COL_AGE: "Âge",
    COL_SCHOOL: "École et classe",
    COL_REFERENT: "Référent(e)",
    COL_STATUS: "Statut",
    COL_ENTRY_DATE: "Entrée",
    COL_SESSIONS: "Séances / quota",
    COL_ALERTS: "Alertes",
}

RECORD_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's record (ChildListRow)
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2  # folded text the search matches against
SORT_ROLE = Qt.ItemDataRole.UserRole + 3  # value that sorts correctly (dates, numbers, folded text)
ID_ROLE = Qt.ItemDataRole.UserRole + 4  # the child's id

AnyIndex = QModelIndex | QPersistentModelIndex

_STATUS_RANK = {status: i for i, status in enumerate(ChildStatus)}
_ALERT_RANK = {code: i for i, code in enumerate(ALERT_ORDER)}
_SEVERE = {"quota_beyond", "quota_reached", "answer_overdue"}
_SEVERE_BRUSH = QBrush(QColor("#a93226"))
_WARNING_BRUSH = QBrush(QColor("#9a6700"))
_LOW = (1, "")  # sorts empty values after the others, ascending


def _plural_years(age: int) -> str:
    return f"{age} an" if age < 2 else f"{age} ans"


class ChildrenTableModel(QAbstractTableModel):
    """One row per child; columns named by the COL_* constants."""

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.table = ChildrenTable.empty(today())
        self.haystacks: list[str] = []
        self._sort_keys: dict[int, list[Any]] = {}
        self._folded: dict[str, str] = {}

    def _fold(self, text: str) -> str:
        folded = self._folded.get(text)
        if folded is None:
            folded = self._folded[text] = fold(text)
        return folded

    def set_table(self, table: ChildrenTable) -> None:
        self.beginResetModel()
        self.table = table
        self._sort_keys = {}
        names = {uid: self._fold(name) for uid, name in table.referents.items()}
        schools = {school: self._fold(school) for school in set(table.schools)}
        self.haystacks = [
            f"{name} {schools[school]} {cls.casefold()} {names.get(ref, '')}"
            for name, school, cls, ref in zip(table.search_names, table.schools, table.school_classes,
                                              table.referent_ids)
        ]
        self.endResetModel()

    def row_of(self, child_id: int) -> Optional[int]:
        try:
            return self.table.ids.index(child_id)
        except ValueError:
            return None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self.table.ids)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS.get(section)
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row, column = index.row(), index.column()
        if not index.isValid() or not 0 <= row < len(self.table.ids):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == COL_ALERTS:
            alerts = self.table.alerts.get(self.table.ids[row])
            if alerts:
                return _SEVERE_BRUSH if alerts[0].code in _SEVERE else _WARNING_BRUSH
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COL_AGE, COL_SESSIONS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == ID_ROLE:
            return self.table.ids[row]
        if role == RECORD_ROLE:
            return self.table.row(row)
        if role == SEARCH_ROLE:
            return self.haystacks[row]
        if role == SORT_ROLE:
            return self.sort_keys(column)[row]
        return None

    def _display(self, row: int, column: int) -> str:
        t = self.table
        if column == COL_LAST_NAME:
            return t.last_names[row].upper()
        if column == COL_FIRST_NAME:
            return t.first_names[row]
        if column == COL_AGE:
            born = t.birth_dates[row]
            return _plural_years(t.on.year - born.year - ((t.on.month, t.on.day) < (born.month, born.day)))
        if column == COL_SCHOOL:
            return " — ".join(part for part in (t.schools[row], t.school_classes[row]) if part)
        if column == COL_REFERENT:
            ref = t.referent_ids[row]
            return t.referents.get(ref, "") if ref is not None else ""
        if column == COL_STATUS:
            return LABELS[ChildStatus][t.statuses[row].value]
        if column == COL_ENTRY_DATE:
            return fr_date(t.entry_dates[row])
        if column == COL_SESSIONS:
            running = t.orientations.get(t.ids[row])
            if not running:
                return ""
            shown = running[0]
            text = f"{shown.used} / {shown.quota}"
            return f"{text} (+{shown.hors_quota})" if shown.hors_quota else text
        if column == COL_ALERTS:
            return " · ".join(alert.text for alert in t.alerts.get(t.ids[row], ()))
        return ""

    def _tooltip(self, row: int, column: int) -> Optional[str]:
        t = self.table
        if column in (COL_LAST_NAME, COL_FIRST_NAME, COL_AGE):
            return f"{t.last_names[row].upper()} {t.first_names[row]}, né(e) le {fr_date(t.birth_dates[row])}"
        if column == COL_SESSIONS:
            running = t.orientations.get(t.ids[row])
            if not running:
                return "Aucune orientation en cours"
            return "\n".join(f"{o.partner_name} : {o.used} séance(s) sur {o.quota}"
                             + (f", {o.hors_quota} hors quota" if o.hors_quota else "") for o in running)
        if column == COL_ALERTS:
            alerts = t.alerts.get(t.ids[row])
            return "\n".join(alert.detail for alert in alerts) if alerts else None
        if column == COL_SCHOOL:  # narrowed first in a small window: the whole text here
            return self._display(row, column) or None
        return None

    # --- sorting -------------------------------------------------------------------------

    def sort_keys(self, column: int) -> list[Any]:
        """One key per row that sorts the column by value (dates as dates, counts as numbers)."""
        keys = self._sort_keys.get(column)
        if keys is None:
            keys = self._sort_keys[column] = self._make_keys(column)
        return keys

    def _make_keys(self, column: int) -> list[Any]:
        t = self.table
        if column == COL_LAST_NAME:
            return t.search_names
        if column == COL_FIRST_NAME:
            return [self._fold(first) for first in t.first_names]
        if column == COL_AGE:
            return [-born.toordinal() for born in t.birth_dates]  # younger first: a smaller age
        if column == COL_SCHOOL:
            return [(0 if school else 1, self._fold(school), cls) for school, cls in zip(t.schools, t.school_classes)]
        if column == COL_REFERENT:
            names = {uid: self._fold(name) for uid, name in t.referents.items()}
            return [(0, names.get(ref, "")) if ref is not None else _LOW for ref in t.referent_ids]
        if column == COL_STATUS:
            return [_STATUS_RANK[status] for status in t.statuses]
        if column == COL_ENTRY_DATE:
            return [day.toordinal() if day is not None else 10**7 for day in t.entry_dates]
        if column == COL_SESSIONS:
            return [(running[0].used + running[0].hors_quota) if running else -1
                    for running in map(t.orientations.get, t.ids)]
        if column == COL_ALERTS:
            return [(-len(alerts), min(_ALERT_RANK[a.code] for a in alerts)) if alerts else (0, 0)
                    for alerts in map(t.alerts.get, t.ids)]
        return [0] * len(t.ids)


Predicate = Callable[[int], bool]


class ChildrenFilterProxy(QAbstractProxyModel):
    """Keeps the rows whose folded text contains every word typed (in any order) and that
    pass the filters; sorts on the model's precomputed keys."""

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._words: list[str] = []
        self._filters: dict[str, Any] = {}
        self._order: list[int] = []  # every source row, in the current sort order
        self._rows: list[int] = []  # the rows shown, in that order
        self._position: Optional[dict[int, int]] = None  # source row -> proxy row, built on demand
        self._sort: tuple[int, Qt.SortOrder] = (-1, Qt.SortOrder.AscendingOrder)

    # --- source ---------------------------------------------------------------------------

    def setSourceModel(self, model: ChildrenTableModel) -> None:  # type: ignore[override]
        self.beginResetModel()
        super().setSourceModel(model)
        model.modelAboutToBeReset.connect(self.beginResetModel)
        model.modelReset.connect(self._source_reset)
        self._rebuild()
        self.endResetModel()

    def _source(self) -> ChildrenTableModel:
        return self.sourceModel()  # type: ignore[return-value]

    def _source_reset(self) -> None:
        self._rebuild()
        self.endResetModel()

    def _rebuild(self) -> None:
        column, order = self._sort
        self._order = self._sorted(column, order)
        self._rows = self._filtered()
        self._position = None

    # --- filtering ------------------------------------------------------------------------

    @property
    def words(self) -> list[str]:
        """The folded words currently filtered on."""
        return list(self._words)

    def set_query(self, text: str) -> None:
        words = fold(text).split()
        if words != self._words:
            self._words = words
            self._refilter()

    def set_filter(self, name: str, value: Any) -> None:
        """``status`` (ChildStatus), ``referent_id`` (0 for none), ``school`` or ``with_alert``; None clears it."""
        if value is None or value is False:
            changed = self._filters.pop(name, None) is not None
        else:
            changed = self._filters.get(name) != value
            self._filters[name] = value
        if changed:
            self._refilter()

    def _refilter(self) -> None:
        self.beginResetModel()
        self._rows = self._filtered()
        self._position = None
        self.endResetModel()

    def _filtered(self) -> list[int]:
        source = self._source() if self.sourceModel() is not None else None
        if source is None:
            return []
        rows = self._order
        table = source.table
        status = self._filters.get("status")
        if status is not None:
            status = ChildStatus(status)  # a combo's data comes back as the enum's str value
            statuses = table.statuses
            rows = [r for r in rows if statuses[r] is status]
        referent = self._filters.get("referent_id")
        if referent is not None:
            wanted = None if referent == 0 else referent
            referents = table.referent_ids
            rows = [r for r in rows if referents[r] == wanted]
        school = self._filters.get("school")
        if school is not None:
            schools = table.schools
            rows = [r for r in rows if schools[r] == school]
        if self._filters.get("with_alert"):
            alerts, ids = table.alerts, table.ids
            rows = [r for r in rows if ids[r] in alerts]
        haystacks = source.haystacks
        for word in self._words:
            rows = [r for r in rows if word in haystacks[r]]
        return rows if rows is not self._order else list(rows)

    # --- sorting --------------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        kept = [(self._rows[i.row()], i.column()) for i in persistent]
        self._sort = (column, order)
        self._order = self._sorted(column, order)
        self._rows = self._filtered()
        self._position = None
        self.changePersistentIndexList(persistent, [
            self._index_of_source(row, col) for row, col in kept])
        self.layoutChanged.emit()

    def _sorted(self, column: int, order: Qt.SortOrder) -> list[int]:
        source = self._source() if self.sourceModel() is not None else None
        count = source.rowCount() if source is not None else 0
        if column < 0 or source is None:
            return list(range(count))  # the source's own order: by name
        keys = source.sort_keys(column)
        # Stable: equal keys keep the name order, in both directions.
        return sorted(range(count), key=keys.__getitem__, reverse=order == Qt.SortOrder.DescendingOrder)

    # --- mapping --------------------------------------------------------------------------

    def _index_of_source(self, source_row: int, column: int) -> QModelIndex:
        if self._position is None:
            self._position = {row: i for i, row in enumerate(self._rows)}
        position = self._position.get(source_row)
        return QModelIndex() if position is None else self.createIndex(position, column)

    def mapToSource(self, index: AnyIndex) -> QModelIndex:
        if not index.isValid() or self.sourceModel() is None or not 0 <= index.row() < len(self._rows):
            return QModelIndex()
        return self.sourceModel().index(self._rows[index.row()], index.column())

    def mapFromSource(self, index: AnyIndex) -> QModelIndex:
        if not index.isValid():
            return QModelIndex()
        return self._index_of_source(index.row(), index.column())

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if parent.isValid() or not 0 <= row < len(self._rows) or not 0 <= column < self.columnCount():
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        return QModelIndex()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.sourceModel() is None else self.sourceModel().columnCount()

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self.sourceModel() is None:
            return None
        if orientation == Qt.Orientation.Vertical:
            return section + 1 if role == Qt.ItemDataRole.DisplayRole else None
        return self.sourceModel().headerData(section, orientation, role)

    def source_row(self, row: int) -> int:
        return self._rows[row]
