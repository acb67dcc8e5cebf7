"""The Partenaires area: the directory searched as the user types, and the partner form.

The list is loaded once from ``services.partners.search_partners`` and filtered in a
proxy (folded text of name, type and town, so "evry" finds "Évry"; type; active), so
typing never queries the database. Conventions are not shown here: they have their
own area.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from PySide6.QtCore import (
    QAbstractTableModel,
    QDir,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    QUrl,
)
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..formatting import fr_date
from ..services.clock import today
from ..services.errors import DomainError
from ..services.partners import (
    PartnerRow,
    delete_partner,
    partner_detail,
    partner_type_rows,
    save_partner,
    search_partners,
)
from ..textnorm import fold
from .context import AppContext
from .forms import ask_unsaved, confirm, run_action
from .partner_form import PartnerForm

SEARCH_DELAY_MS = 150
COLUMNS = ("Nom", "Type", "Commune", "Téléphone", "Public", "Active")
COL_NAME, COL_TYPE, COL_TOWN, COL_PHONE, COL_PUBLIC, COL_ACTIVE = range(len(COLUMNS))
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
AnyIndex = QModelIndex | QPersistentModelIndex
ACTIVE_FILTERS = (("Actives", True), ("Inactives", False), ("Actives et inactives", None))


def public_text(age_min: Optional[int], age_max: Optional[int]) -> str:
    if age_min is None and age_max is None:
        return "Tous âges"
    if age_max is None:
        return f"dès {age_min} ans"
    if age_min is None:
        return f"jusqu'à {age_max} ans"
    return f"{age_min}–{age_max} ans"


class PartnersModel(QAbstractTableModel):
    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.rows: list[PartnerRow] = []
        self._search: list[str] = []

    def set_rows(self, rows: list[PartnerRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self._search = [fold(f"{r.name} {r.type_label} {r.town or ''}") for r in self.rows]
        self.endResetModel()

    def search_text(self, row: int) -> str:
        return self._search[row]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.name, row.type_label, row.town or "", row.phone or "", public_text(row.age_min, row.age_max),
                    "oui" if row.active else "non")[column]
        if role == ROW_ROLE:
            return row
        if role == SORT_ROLE:
            if column == COL_PUBLIC:
                return (row.age_min if row.age_min is not None else -1, row.age_max if row.age_max is not None else 999)
            return fold(str(self.data(index)))
        if role == Qt.ItemDataRole.ToolTipRole and column == COL_TYPE and not row.direct_orientation_allowed:
            return "Orientation indirecte : le PRE ne peut pas orienter directement vers ce type de structure."
        if role == Qt.ItemDataRole.ForegroundRole and not row.active:
            from PySide6.QtGui import QColor
            return QColor("#7f7f7f")
        return None


class PartnersProxy(QSortFilterProxyModel):
    """Every word typed must appear in the name, type or town; then the type and active filters."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.words: list[str] = []
        self.type_id: Optional[int] = None
        self.active: Optional[bool] = True
        self.setSortRole(SORT_ROLE)

    def set_filters(self, text: str, type_id: Optional[int], active: Optional[bool]) -> None:
        if hasattr(self, "endFilterChange"):  # Qt 6.10+
            self.beginFilterChange()
            self.words, self.type_id, self.active = fold(text).split(), type_id, active
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            self.words, self.type_id, self.active = fold(text).split(), type_id, active
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        model: PartnersModel = self.sourceModel()  # type: ignore[assignment]
        row = model.rows[source_row]
        if self.type_id is not None and row.type_id != self.type_id:
            return False
        if self.active is not None and row.active != self.active:
            return False
        haystack = model.search_text(source_row)
        return all(word in haystack for word in self.words)

    def lessThan(self, left: AnyIndex, right: AnyIndex) -> bool:
        return bool(left.data(SORT_ROLE) < right.data(SORT_ROLE))


class PartnersArea(QWidget):
    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = PartnersModel(self)
        self.proxy = PartnersProxy(self)
        self.proxy.setSourceModel(self.model)
        self._current_id: Optional[int] = None
        self._selecting = False
        self._build()
        self.refresh()

    # --- layout --------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 6)
        head = QHBoxLayout()
        title = QLabel("Structures partenaires", self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        title.setFont(font)
        title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # the buttons matter more
        head.addWidget(title, 1)
        self.new_button = QPushButton("&Nouvelle", self)
        self.new_button.setToolTip("Nouvelle structure partenaire")
        self.new_button.setObjectName("new_partner")
        self.types_button = QPushButton("T&ypes de structure…", self)
        self.types_button.setObjectName("types")
        self.import_button = QPushButton("&Importer…", self)
        self.import_button.setObjectName("import")
        self.import_button.setToolTip("Importer un annuaire depuis un fichier .xlsx ou .csv")
        self.export_button = QPushButton("E&xporter…", self)
        self.export_button.setObjectName("export")
        self.export_button.setToolTip("Exporter l'annuaire en .xlsx")
        for button in (self.new_button, self.types_button, self.import_button, self.export_button):
            head.addWidget(button)
        self.new_button.clicked.connect(self.new_partner)
        self.types_button.clicked.connect(self.show_types)
        self.import_button.clicked.connect(self.import_directory)
        self.export_button.clicked.connect(self.export_directory)
        layout.addLayout(head)

        filters = QHBoxLayout()
        label = QLabel("&Rechercher :", self)
        self.search = QLineEdit(self)
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Nom, type, commune… (accents facultatifs)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(120)
        label.setBuddy(self.search)
        self.type_filter = QComboBox(self)
        self.type_filter.setObjectName("type_filter")
        self.type_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.type_filter.setMinimumContentsLength(10)
        self.active_filter = QComboBox(self)
        self.active_filter.setObjectName("active_filter")
        self.active_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.active_filter.setMinimumContentsLength(10)
        for text, value in ACTIVE_FILTERS:
            self.active_filter.addItem(text, value)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("count")
        filters.addWidget(label)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.type_filter)
        filters.addWidget(self.active_filter)
        filters.addWidget(self.count_label)
        layout.addLayout(filters)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.table = QTableView(self.splitter)
        self.table.setObjectName("partners")
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
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.form = PartnerForm()
        self.form.save_requested.connect(self.save)
        self.form.delete_requested.connect(self.delete)
        scroll = QScrollArea(self.splitter)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(scroll)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([720, 540])
        state = self.ctx.settings.value("partners/splitter")
        if state is not None:
            self.splitter.restoreState(state)
        self.splitter.splitterMoved.connect(
            lambda *_: self.ctx.settings.setValue("partners/splitter", self.splitter.saveState()))
        layout.addWidget(self.splitter, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(self._timer.start)
        self.type_filter.currentIndexChanged.connect(self.apply_filters)
        self.active_filter.currentIndexChanged.connect(self.apply_filters)

    # --- data ----------------------------------------------------------------------

    def refresh(self) -> None:
        with self.ctx.read() as session:
            rows = search_partners(session)
            types = partner_type_rows(session)
        self.model.set_rows(rows)
        self.form.set_types(types)
        chosen = self.type_filter.currentData()
        self.type_filter.blockSignals(True)
        self.type_filter.clear()
        self.type_filter.addItem("Tous les types", None)
        for t in types:
            self.type_filter.addItem(t.label, t.id)
        self.type_filter.setCurrentIndex(max(self.type_filter.findData(chosen), 0))
        self.type_filter.blockSignals(False)
        self.apply_filters()
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS)):
            header.resizeSection(column, min(header.sectionSize(column) + 12, 230))
        if self._current_id is not None and not self.form.dirty:
            self._load(self._current_id)
        self._reselect()

    def apply_filters(self) -> None:
        self._timer.stop()
        self.proxy.set_filters(self.search.text(), self.type_filter.currentData(), self.active_filter.currentData())
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count_label.setText(f"{shown} structure{'s' if shown > 1 else ''}" if shown == total
                                 else f"{shown} sur {total}")
        self._reselect()

    def _reselect(self) -> None:
        self._selecting = True
        try:
            for number in range(self.proxy.rowCount()):
                if self.proxy.index(number, 0).data(ROW_ROLE).id == self._current_id:
                    self.table.selectRow(number)
                    return
            self.table.clearSelection()
        finally:
            self._selecting = False

    def row_names(self) -> list[str]:
        return [self.proxy.index(n, COL_NAME).data() for n in range(self.proxy.rowCount())]

    def _load(self, partner_id: Optional[int]) -> None:
        if partner_id is None:
            self.form.clear()
            self._current_id = None
            return
        try:
            with self.ctx.read() as session:
                detail = partner_detail(session, partner_id)
        except DomainError:  # deleted meanwhile
            self.form.clear()
            self._current_id = None
            return
        self._current_id = partner_id
        self.form.load(detail)

    def can_leave(self) -> bool:
        """Unsaved edits in the form: save, discard, or stay."""
        if not self.form.dirty:
            return True
        answer = ask_unsaved(self, "La fiche de la structure")
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._selecting or not current.isValid():
            return
        row: PartnerRow = current.data(ROW_ROLE)
        if row.id == self._current_id:
            return
        if not self.can_leave():
            QTimer.singleShot(0, self._reselect)
            return
        self._load(row.id)

    def select_partner(self, partner_id: int) -> None:
        self._current_id = None if self.form.dirty else self._current_id
        for number in range(self.proxy.rowCount()):
            if self.proxy.index(number, 0).data(ROW_ROLE).id == partner_id:
                self.table.setCurrentIndex(self.proxy.index(number, 0))
                return

    # --- actions -------------------------------------------------------------------

    def new_partner(self) -> None:
        if not self.can_leave():
            return
        self._current_id = None
        self.table.clearSelection()
        self.form.clear()
        self.form.inputs["name"].setFocus()

    def save(self) -> bool:
        partner_id = self._current_id
        version = self.form.detail.version if self.form.detail else None
        values, contacts = self.form.values(), self.form.contacts()

        def action(_confirm: bool) -> int:
            with self.ctx.write() as session:
                return save_partner(session, partner_id, expected_version=version, values=values,
                                    contacts=contacts).id

        saved = run_action(self, action, self.form.errors)
        if saved is None:
            return False
        self._current_id = saved
        self.form.dirty = False
        self.ctx.data_changed.emit()
        self.refresh()
        self._load(saved)
        return True

    def delete(self) -> None:
        detail = self.form.detail
        if detail is None:
            return
        if not confirm(self, "Supprimer la structure",
                       f"Supprimer définitivement « {detail.name} » et ses {len(detail.contacts)} contact(s) ?"):
            return

        def action(_confirm: bool) -> bool:
            with self.ctx.write() as session:
                delete_partner(session, detail.id, expected_version=detail.version)
            return True

        if run_action(self, action, None, title="Suppression refusée"):
            self._current_id = None
            self.form.clear()
            self.ctx.data_changed.emit()
            self.refresh()

    def show_types(self) -> None:
        from .partner_types_dialog import PartnerTypesDialog

        PartnerTypesDialog(self.ctx, self).exec()
        self.refresh()

    def import_directory(self) -> None:
        from .partner_import_dialog import PartnerImportDialog

        dialog = PartnerImportDialog(self.ctx, self)
        dialog.exec()
        if dialog.imported:
            self.refresh()

    def export_directory(self) -> None:
        folder = str(self.ctx.settings.value("partners/export_dir", QDir.homePath()))
        default = str(Path(folder) / f"Annuaire des partenaires {fr_date(today()).replace('/', '-')}.xlsx")
        path, _ = QFileDialog.getSaveFileName(self, "Exporter l'annuaire des partenaires", default,
                                              "Classeur Excel (*.xlsx)")
        if not path:
            return
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        from ..exports.partners_directory import export_directory

        def action(_confirm: bool) -> tuple[Path, int]:
            with self.ctx.write() as session:
                return export_directory(session, Path(path))

        try:
            result = run_action(self, action, None, title="Export impossible")
        except OSError as error:
            QMessageBox.warning(self, "Export impossible", f"Le fichier n'a pas pu être écrit : {error}")
            return
        if result is None:
            return
        self.ctx.settings.setValue("partners/export_dir", str(Path(path).parent))
        self.ctx.data_changed.emit()
        answer = QMessageBox.question(self, "Annuaire exporté",
                                      f"{result[1]} structure(s) exportée(s) dans :\n{result[0]}\n\nOuvrir le fichier ?")
        if answer == QMessageBox.StandardButton.Yes:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(result[0])))
