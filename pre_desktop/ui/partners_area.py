"""The Partenaires area: the directory searched as the user types, and the partner form.

The list is loaded once from ``services.partners.search_partners`` and filtered in a
proxy (folded text of name, type and town, so "evry" finds "Évry"; type; active), so
typing never queries the database. Conventions are not shown here: they have their
own area.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import QDir, QModelIndex, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSizePolicy,
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
from .context import AppContext
from .role_ui import COORDINATION, DIRECTORY, only_for
from .forms import ask_unsaved, confirm, run_action
from .partner_form import PartnerForm
from .rows_model import ROW_ROLE, Column, RowsView
from .widgets import area_title, list_and_form, refill_combo

SEARCH_DELAY_MS = 150
ACTIVE_FILTERS = (("Actives", True), ("Inactives", False), ("Actives et inactives", None))


def public_text(age_min: Optional[int], age_max: Optional[int]) -> str:
    if age_min is None and age_max is None:
        return "Tous âges"
    if age_max is None:
        return f"dès {age_min} ans"
    if age_min is None:
        return f"jusqu'à {age_max} ans"
    return f"{age_min}–{age_max} ans"


def _inactive(row: PartnerRow) -> Optional[str]:
    return None if row.active else "#7f7f7f"


def _indirect(row: PartnerRow) -> Optional[str]:
    if row.direct_orientation_allowed:
        return None
    return "Orientation indirecte : le PRE ne peut pas orienter directement vers ce type de structure."


COLUMNS = [  # an inactive structure is greyed; wider text is elided (whole in the tooltip)
    Column("Nom", lambda r: r.name, max_width=230, color=_inactive),
    Column("Type", lambda r: r.type_label, max_width=230, color=_inactive, tooltip=_indirect),
    Column("Commune", lambda r: r.town or "", max_width=230, color=_inactive),
    Column("Téléphone", lambda r: r.phone or "", max_width=230, color=_inactive),
    Column("Public", lambda r: public_text(r.age_min, r.age_max), max_width=230, color=_inactive,
           sort=lambda r: (r.age_min if r.age_min is not None else -1, r.age_max if r.age_max is not None else 999)),
    Column("Active", lambda r: "oui" if r.active else "non", color=_inactive),
]
COL_NAME, COL_TYPE, COL_TOWN, COL_PHONE, COL_PUBLIC, COL_ACTIVE = range(len(COLUMNS))


class PartnersArea(QWidget):
    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._current_id: Optional[int] = None
        self._selecting = False
        self._build()
        if not only_for(ctx, DIRECTORY, self.new_button, self.import_button, self.form.save_button,
                        self.form.delete_button, self.form.add_contact_button, self.form.edit_contact_button,
                        self.form.remove_contact_button):
            self.form.empty_title = "Choisissez une structure dans la liste"
            self.form.title.setText(self.form.empty_title)
            self.form.set_read_only()  # read, not typed into: there is no Enregistrer (services refuse anyway)
        only_for(ctx, COORDINATION, self.types_button)
        self.refresh()

    # --- layout --------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 6)
        head = QHBoxLayout()
        title = area_title("Structures partenaires", self)
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

        # every word typed must appear in the name, type or town (accents ignored); then the type and active filters
        self.list = RowsView(COLUMNS, "", self, name="partners",
                             search=lambda r: f"{r.name} {r.type_label} {r.town or ''}")
        self.table, self.model, self.proxy = self.list.table, self.list.model, self.list.proxy
        self.list.sort_by(COL_NAME)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.form = PartnerForm()
        self.form.save_requested.connect(self.save)
        self.form.delete_requested.connect(self.delete)
        self.splitter = list_and_form(self, self.list, self.form, self.ctx.settings, "partners/splitter", (720, 540))
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
        self.list.set_rows(rows, keep_selection=False)  # the form's partner is selected again below
        self.form.set_types(types)
        refill_combo(self.type_filter, [("Tous les types", None)] + [(t.label, t.id) for t in types])
        self.apply_filters()
        if self._current_id is not None and not self.form.dirty:
            self._load(self._current_id)
        self._reselect()

    def apply_filters(self) -> None:
        self._timer.stop()
        type_id, active = self.type_filter.currentData(), self.active_filter.currentData()
        self.list.set_filter(self.search.text(), lambda r: (type_id is None or r.type_id == type_id)
                             and (active is None or r.active == active))
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
