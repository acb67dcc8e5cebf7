"""The main window: the children of the open database, a search field, the File menu.

A first, real window on top of the services; the full children screen comes later.
It holds no rule: it asks ``services.listing`` for rows and ``migrate.open_database``
for another file, and shows their French messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .. import APP_NAME
from ..migrate import open_database
from ..services.errors import DomainError
from ..services.listing import list_children
from .children_model import COL_NAME, ChildrenFilterProxy, ChildrenTableModel

SEARCH_DELAY_MS = 150  # debounce: filter once the user pauses, not on every key
DB_FILTER = "Bases PRE Desktop (*.sqlite *.db);;Tous les fichiers (*)"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count <= 1 else many}"


class MainWindow(QMainWindow):
    def __init__(
        self,
        db_path: Path,
        engine: Engine,
        factory: sessionmaker[Session],
        settings: Optional[QSettings] = None,
        parent: Optional[QWidget] = None,
    ) -> None:
        super().__init__(parent)
        self.db_path = Path(db_path).resolve()
        self.engine = engine
        self.factory = factory
        self.settings = settings if settings is not None else QSettings(APP_NAME, APP_NAME, self)

        self.model = ChildrenTableModel(self)
        self.proxy = ChildrenFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self._build_widgets()
        self._build_menu()
        self._restore_geometry()
        self.reload()

    # --- layout ----------------------------------------------------------------------

    def _build_widgets(self) -> None:
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(12, 12, 12, 6)

        title = QLabel("Enfants suivis", central)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title)

        search_row = QHBoxLayout()
        search_label = QLabel("&Rechercher :", central)
        self.search = QLineEdit(central)
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Nom, prénom, famille, école… (accents facultatifs)")
        self.search.setClearButtonEnabled(True)
        search_label.setBuddy(self.search)
        self.count_label = QLabel(central)
        self.count_label.setObjectName("count")
        self.count_label.setMinimumWidth(self.count_label.fontMetrics().horizontalAdvance("00000 sur 00000 enfants") + 8)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        search_row.addWidget(search_label)
        search_row.addWidget(self.search, 1)
        search_row.addSpacing(12)
        search_row.addWidget(self.count_label)
        layout.addLayout(search_row)

        self.table = QTableView(central)
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
        layout.addWidget(self.table, 1)
        self.setCentralWidget(central)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self.apply_search)

        self.path_label = QLabel(self)
        self.path_label.setObjectName("db_path")
        self.path_label.setContentsMargins(6, 0, 0, 0)
        self.statusBar().addWidget(self.path_label, 1)

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&Fichier")
        self.open_action = QAction("&Ouvrir une autre base…", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.setStatusTip("Ouvrir un autre fichier de base de données PRE Desktop")
        self.open_action.triggered.connect(self.choose_database)
        file_menu.addAction(self.open_action)
        file_menu.addSeparator()
        self.quit_action = QAction("&Quitter", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)

    # --- data ------------------------------------------------------------------------

    def reload(self) -> None:
        with self.factory() as session:
            records = list_children(session)
        self.model.set_records(records)
        self._fit_columns()
        self.setWindowTitle(f"{APP_NAME} — {self.db_path.name}")
        self.path_label.setText(f"Base : {self.db_path}")
        self.path_label.setToolTip(str(self.db_path))
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

    # --- another database ------------------------------------------------------------

    def choose_database(self) -> None:
        start = str(self.db_path.parent)
        path, _ = QFileDialog.getOpenFileName(self, "Ouvrir une base PRE Desktop", start, DB_FILTER)
        if path:
            self.open_path(Path(path))

    def open_path(self, path: Path) -> bool:
        """Switch to another file; on refusal keep the current one and say why."""
        try:
            engine, factory = open_database(path, create=False)
        except DomainError as error:
            QMessageBox.critical(self, "Ouverture impossible", error.message)
            return False
        old = self.engine
        self.db_path, self.engine, self.factory = Path(path).resolve(), engine, factory
        old.dispose()
        self.settings.setValue("last_database", str(self.db_path))
        self.search.clear()
        self.apply_search()
        self.reload()
        return True

    # --- window state ----------------------------------------------------------------

    def _restore_geometry(self) -> None:
        geometry = self.settings.value("main_window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1000, 620)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue("main_window/geometry", self.saveGeometry())
        self.settings.sync()
        super().closeEvent(event)
