"""The Enfants area: the children of the open database, searched as the user types and filtered.

A large file (thousands of children) shows its first page at once and the rest as
soon as a background load finishes, so opening the app never waits for the whole list.
"""

from __future__ import annotations

from typing import Callable, ContextManager, Optional

from PySide6.QtCore import QCoreApplication, QEvent, QModelIndex, QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QWidget,
)
from sqlalchemy.orm import Session

from ..models import ChildStatus
from ..services.children_list import ChildrenTable, children_table, count_children
from ..services.labels import label
from .children_model import COL_ALERTS, COL_LAST_NAME, COL_SCHOOL, ID_ROLE, ChildrenFilterProxy, ChildrenTableModel
from .context import AppContext
from .rows_model import configure_table
from .widgets import area_layout, filter_combo, refill_combo, search_row

SEARCH_DELAY_MS = 150  # debounce: filter once the user pauses, not on every key
SYNC_LIMIT = 3_000  # up to this many children the list loads at once
FIRST_PAGE = 300  # beyond, the first rows by name come first, the rest in the background
COLUMN_WIDTHS = (120, 95, 52, 280, 118, 152, 82, 102, 170)
# In a narrow window "École et classe" gives way (elided, whole in its tooltip) so the
# séances and alerts, what a référent looks for, stay on screen.
SCHOOL_WIDTHS = (150, 300)  # the school column's narrowest and widest


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count <= 1 else many}"


class _Loaded(QObject):
    done = Signal(int, object)  # generation, ChildrenTable
    failed = Signal(int, str)


class _LoadAll(QRunnable):
    """Reads the whole list in a worker thread with its own session; touches no widget.

    The session comes from ``ctx.read`` so it acts as the logged-in user: a référent's
    list holds their files only (services.access), in the background load too.
    """

    def __init__(self, read: Callable[[], ContextManager[Session]], generation: int, signals: _Loaded) -> None:
        super().__init__()
        self.read, self.generation, self.signals = read, generation, signals

    def run(self) -> None:
        try:
            with self.read() as session:
                table = children_table(session)
        except Exception as error:  # noqa: BLE001 - reported to the user, never lost in the thread
            self.signals.failed.emit(self.generation, str(error))
            return
        self.signals.done.emit(self.generation, table)


class ChildrenArea(QWidget):
    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = ChildrenTableModel(self)
        self.proxy = ChildrenFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.loading = False
        self._generation = 0
        self._loaded = _Loaded(self)
        self._loaded.done.connect(self._full_table)
        self._loaded.failed.connect(self._load_failed)
        self._build()
        self.refresh()

    # --- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        layout, top = area_layout(self, "Enfants suivis")
        self.new_button = QPushButton("&Nouveau repérage…", self)
        self.new_button.setObjectName("new_referral")
        self.new_button.setToolTip("Saisir un nouvel enfant repéré (Ctrl+N)")
        self.new_button.clicked.connect(self.new_referral)
        top.addWidget(self.new_button)

        row, self.search = search_row(self, "Nom, prénom, école, classe, référent… (accents facultatifs) — Ctrl+F")
        self.count_label = QLabel(self)
        self.count_label.setObjectName("count")
        self.count_label.setMinimumWidth(self.count_label.fontMetrics().horizontalAdvance("00000 sur 00000 enfants") + 8)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        row.addSpacing(12)
        row.addWidget(self.count_label)
        layout.addLayout(row)

        filters = QHBoxLayout()
        self.status_filter = self._combo("status_filter", "Statut", filters)
        self.status_filter.addItem("Statut : tous", None)
        for status in ChildStatus:
            self.status_filter.addItem(label(status), status)
        self.referent_filter = self._combo("referent_filter", "Référent(e)", filters)
        self.school_filter = self._combo("school_filter", "École", filters)
        self.alert_filter = QCheckBox("Avec &alerte", self)
        self.alert_filter.setObjectName("alert_filter")
        self.alert_filter.toggled.connect(lambda on: self._filter_changed("with_alert", on))
        filters.addWidget(self.alert_filter)
        filters.addStretch(0)
        self.clear_filters_button = QPushButton("Tout afficher", self)
        self.clear_filters_button.setToolTip("Effacer les filtres")
        self.clear_filters_button.setObjectName("clear_filters")
        self.clear_filters_button.clicked.connect(self.clear_filters)
        self.clear_filters_button.setEnabled(False)
        filters.addWidget(self.clear_filters_button)
        layout.addLayout(filters)
        self.status_filter.currentIndexChanged.connect(
            lambda _i: self._filter_changed("status", self.status_filter.currentData()))
        self.referent_filter.currentIndexChanged.connect(
            lambda _i: self._filter_changed("referent_id", self.referent_filter.currentData()))
        self.school_filter.currentIndexChanged.connect(
            lambda _i: self._filter_changed("school", self.school_filter.currentData()))

        # its own model and fast proxy (20,000 rows), in the common list setup; fixed row heights, never measured
        self.table = configure_table(QTableView(self), "children")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COL_LAST_NAME, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        for column, width in enumerate(COLUMN_WIDTHS):
            header.resizeSection(column, width)
        self.table.activated.connect(self._open)
        self.table.viewport().installEventFilter(self)
        layout.addWidget(self.table, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self._search_entered)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self.fit_school_column()
        return super().eventFilter(watched, event)

    def fit_school_column(self) -> None:
        """The school column takes what the others and the alerts leave, within SCHOOL_WIDTHS."""
        header = self.table.horizontalHeader()
        others = sum(header.sectionSize(c) for c in range(COL_ALERTS) if c != COL_SCHOOL)
        room = self.table.viewport().width() - others - COLUMN_WIDTHS[COL_ALERTS]
        header.resizeSection(COL_SCHOOL, max(SCHOOL_WIDTHS[0], min(SCHOOL_WIDTHS[1], room)))

    def _combo(self, name: str, text: str, row: QHBoxLayout) -> QComboBox:
        """A filter; its first choice ("Statut : tous"…) names it, to keep the row narrow."""
        combo = filter_combo(self, name, f"Filtre {text}")
        combo.setToolTip(f"N'afficher que les enfants de ce {text.lower()}" if text != "École"
                         else "N'afficher que les enfants de cette école")
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(8)
        combo.setMaximumWidth(300)
        row.addWidget(combo, 1)
        row.addSpacing(10)
        return combo

    # --- data ----------------------------------------------------------------------------

    def refresh(self) -> None:
        self._generation += 1
        with self.ctx.read() as session:
            total = count_children(session)
            table = children_table(session, limit=None if total <= SYNC_LIMIT else FIRST_PAGE)
        self.loading = total > SYNC_LIMIT
        self._set_table(table)
        if self.loading:
            QThreadPool.globalInstance().start(_LoadAll(self.ctx.read, self._generation, self._loaded))

    def wait_loaded(self, timeout_ms: int = 30_000) -> bool:
        """Wait for a background load (benchmark, tests); True once the whole list is shown."""
        if self.loading:
            QThreadPool.globalInstance().waitForDone(timeout_ms)
            QCoreApplication.sendPostedEvents()
        return not self.loading

    def _full_table(self, generation: int, table: ChildrenTable) -> None:
        if generation != self._generation:
            return  # an older load finished after a newer refresh
        self.loading = False
        self._set_table(table)

    def _load_failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self.loading = False
            self.count_label.setText("Liste incomplète : lecture impossible")
            self.count_label.setToolTip(message)

    def _set_table(self, table: ChildrenTable) -> None:
        selected = self.selected_child_id()
        self.model.set_table(table)
        self._fill_filters(table)
        self._update_counts()
        if selected is not None:
            self.select_child(selected)

    def _fill_filters(self, table: ChildrenTable) -> None:
        referents = sorted({ref for ref in table.referent_ids if ref is not None},
                           key=lambda ref: table.referents.get(ref, ""))
        refill_combo(self.referent_filter, [("Référent(e) : tous", None)] + [(table.referents[r], r) for r in referents]
                     + ([("Sans référent", 0)] if None in set(table.referent_ids) else []))
        schools = sorted({school for school in table.schools if school})
        refill_combo(self.school_filter, [("École : toutes", None)] + [(school, school) for school in schools])

    # --- search and filters ----------------------------------------------------------------

    def apply_search(self) -> None:
        self._search_timer.stop()
        self.proxy.set_query(self.search.text())
        self._update_counts()

    def _search_entered(self) -> None:
        """Enter in the search: filter now; with a single child left, open the file."""
        self.apply_search()
        if self.proxy.rowCount() == 1:
            self._open(self.proxy.index(0, 0))
        elif self.proxy.rowCount() > 1:
            self.table.setFocus()
            self.table.selectRow(0)

    def _filter_changed(self, name: str, value: object) -> None:
        self.proxy.set_filter(name, value)
        self.clear_filters_button.setEnabled(self._filtering())
        self._update_counts()

    def _filtering(self) -> bool:
        return (self.status_filter.currentIndex() > 0 or self.referent_filter.currentIndex() > 0
                or self.school_filter.currentIndex() > 0 or self.alert_filter.isChecked())

    def clear_filters(self) -> None:
        for combo in (self.status_filter, self.referent_filter, self.school_filter):
            combo.setCurrentIndex(0)
        self.alert_filter.setChecked(False)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _update_counts(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        if shown == total:
            text = _plural(total, "enfant", "enfants")
        else:
            text = f"{shown} sur {total} enfant{'s' if total > 1 else ''}"
        self.count_label.setText(text + (" (chargement…)" if self.loading else ""))
        self.count_label.setToolTip("")

    # --- selection and opening -------------------------------------------------------------

    def selected_child_id(self) -> Optional[int]:
        index = self.table.currentIndex()
        return int(index.data(ID_ROLE)) if index.isValid() else None

    def select_child(self, child_id: int) -> bool:
        row = self.model.row_of(child_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        return True

    def _open(self, index: QModelIndex) -> None:
        if index.isValid():
            self.ctx.open_child.emit(int(index.data(ID_ROLE)))

    def new_referral(self) -> None:
        from .new_referral import run_new_referral

        child_id = run_new_referral(self.ctx, self)
        if child_id is not None:
            self.select_child(child_id)
