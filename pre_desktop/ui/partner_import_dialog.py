"""Import a partners directory: the file's columns, the mapping proposed from their
headers (one combo per field of the directory), a preview of what will be read, then
the report — every refused row with its line and field, or what was added.

All reading and checking is ``services.partner_import``; nothing is written unless
every row passes.
"""

from __future__ import annotations

from operator import itemgetter
from pathlib import Path
from typing import Any, Optional, Sequence

from PySide6.QtCore import QDir, QSize
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..services.errors import DomainError
from ..services.partner_import import (
    TARGETS,
    ImportRefused,
    ImportReport,
    Table,
    check_rows,
    import_partners,
    propose_mapping,
    read_table,
)
from .background import run_with_progress
from .context import AppContext
from .rows_model import Column, RowsModel, configure_table

PREVIEW_ROWS = 8
DEFAULT_SIZE = QSize(960, 680)  # the preview and the refusals readable without scrolling sideways
NOT_IMPORTED = "(ne pas importer)"
ENCODING_NAMES = {"utf-8-sig": "UTF-8", "cp1252": "Windows (cp1252)"}


class TextTableModel(RowsModel):
    """Headers and rows of text, the columns following the file's: the preview and the report."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__([], parent)

    @property
    def headers(self) -> list[str]:
        return [column.title for column in self.columns]

    def set_table(self, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        self.set_rows([list(r) for r in rows], [Column(title, itemgetter(n)) for n, title in enumerate(headers)])


def _view(parent: QWidget, name: str) -> QTableView:
    return configure_table(QTableView(parent), name)


class PartnerImportDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.table: Optional[Table] = None
        self.report: Optional[ImportReport] = None
        self.imported = False
        self.setWindowTitle("Importer un annuaire de partenaires")
        self._build()
        self._set_file_state()
        size = self.ctx.settings.value("partner_import/size")
        self.resize(size if size is not None else self.sizeHint().expandedTo(DEFAULT_SIZE))

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.file_label = QLabel("Aucun fichier choisi (.xlsx ou .csv).", self)
        self.file_label.setObjectName("file")
        self.file_label.setWordWrap(True)
        choose = QPushButton("&Choisir un fichier…", self)
        choose.setObjectName("choose")
        choose.clicked.connect(self.choose_file)
        top.addWidget(self.file_label, 1)
        top.addWidget(choose)
        layout.addLayout(top)

        self.mapping_box = QGroupBox("Correspondance des colonnes", self)
        grid = QGridLayout(self.mapping_box)
        self.combos: dict[str, QComboBox] = {}
        half = (len(TARGETS) + 1) // 2
        for number, target in enumerate(TARGETS):
            combo = QComboBox(self.mapping_box)
            combo.setObjectName(f"map_{target.key}")
            combo.setMinimumContentsLength(18)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.currentIndexChanged.connect(self._mapping_changed)
            text = target.label + (" *" if target.key in ("name", "type") else "") + " :"
            caption = QLabel(text, self.mapping_box)
            caption.setBuddy(combo)
            row, col = number % half, (number // half) * 2
            grid.addWidget(caption, row, col)
            grid.addWidget(combo, row, col + 1)
            self.combos[target.key] = combo
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        layout.addWidget(self.mapping_box)

        self.preview_label = QLabel("Aperçu :", self)
        layout.addWidget(self.preview_label)
        self.preview_model = TextTableModel(self)
        self.preview = _view(self, "preview")
        self.preview.setModel(self.preview_model)
        layout.addWidget(self.preview, 1)

        self.report_label = QLabel(self)
        self.report_label.setObjectName("report_summary")
        self.report_label.setWordWrap(True)
        layout.addWidget(self.report_label)
        self.report_model = TextTableModel(self)
        self.report_view = _view(self, "report")
        self.report_view.setModel(self.report_model)
        layout.addWidget(self.report_view, 1)

        buttons = QHBoxLayout()
        self.check_button = QPushButton("&Vérifier", self)
        self.check_button.setObjectName("check")
        self.check_button.setToolTip("Contrôler toutes les lignes sans rien enregistrer")
        self.check_button.clicked.connect(self.check)
        self.import_button = QPushButton("&Importer", self)
        self.import_button.setObjectName("do_import")
        self.import_button.clicked.connect(self.run_import)
        close = QPushButton("&Fermer", self)
        close.clicked.connect(self.accept)
        buttons.addStretch(1)
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.import_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)

    # --- file and mapping ----------------------------------------------------------

    def choose_file(self) -> None:
        folder = str(self.ctx.settings.value("partner_import/dir", QDir.homePath()))
        path, _ = QFileDialog.getOpenFileName(self, "Choisir l'annuaire à importer", folder,
                                              "Annuaires (*.xlsx *.csv);;Tous les fichiers (*)")
        if path:
            self.ctx.settings.setValue("partner_import/dir", str(Path(path).parent))
            self.load_file(Path(path))

    def load_file(self, path: Path) -> bool:
        try:
            table = run_with_progress(self, f"Lecture de « {path.name} »…", lambda: read_table(path))
        except DomainError as error:
            self.table = None
            self._set_file_state()
            self.file_label.setText(error.message)
            self.file_label.setStyleSheet("color: #a93226;")
            return False
        self.table = table
        self.file_label.setStyleSheet("")
        details = f"{len(table.rows)} ligne(s), {len(table.headers)} colonne(s)"
        if table.delimiter:
            separator = {";": "point-virgule", ",": "virgule", "\t": "tabulation"}[table.delimiter]
            details += f", séparateur {separator}, encodage {ENCODING_NAMES.get(table.encoding or '', table.encoding)}"
        self.file_label.setText(f"<b>{path.name}</b> — {details}")
        mapping = propose_mapping(table.headers)
        for key, combo in self.combos.items():
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(NOT_IMPORTED, None)
            for number, header in enumerate(table.headers):
                combo.addItem(header or f"Colonne {number + 1}", number)
            combo.setCurrentIndex(combo.findData(mapping[key]) if mapping[key] is not None else 0)
            combo.blockSignals(False)
        self._set_file_state()
        self._mapping_changed()
        return True

    def mapping(self) -> dict[str, Optional[int]]:
        return {key: combo.currentData() for key, combo in self.combos.items()}

    def set_mapping(self, key: str, column: Optional[int]) -> None:
        combo = self.combos[key]
        combo.setCurrentIndex(combo.findData(column) if column is not None else 0)

    def _set_file_state(self) -> None:
        has_file = self.table is not None
        for widget in (self.mapping_box, self.preview, self.check_button, self.import_button):
            widget.setEnabled(has_file)
        self._show_report(None)
        if not has_file:
            self.preview_model.set_table([], [])

    def _mapping_changed(self, *_args: Any) -> None:
        if self.table is None:
            return
        mapping = {k: v for k, v in self.mapping().items() if v is not None}
        labels = {t.key: t.label for t in TARGETS}
        headers = ["Ligne"] + [labels[k] for k in mapping]
        rows = [[str(line)] + [self.table.cell(cells, column) for column in mapping.values()]
                for line, cells in self.table.rows[:PREVIEW_ROWS]]
        self.preview_model.set_table(headers, rows)
        self.preview.resizeColumnsToContents()
        more = len(self.table.rows) - PREVIEW_ROWS
        self.preview_label.setText("Aperçu des premières lignes :" + (f" (et {more} autres)" if more > 0 else ""))
        self._show_report(None)

    # --- check and import ----------------------------------------------------------

    def _show_report(self, report: Optional[ImportReport], message: str = "", done: bool = False) -> None:
        self.report = report
        if report is None and not message:
            self.report_label.hide()
            self.report_view.hide()
            return
        self.report_label.show()
        errors = report.errors if report else []
        color = "#a93226" if errors or (message and report is None) else ("#1e7b34" if done else "palette(text)")
        self.report_label.setStyleSheet(f"color: {color};")
        text = message or ""
        if report is not None and not done:
            text = (text + " " if text else "") + report.summary()
        elif report is not None and report.already_present:
            text += f" {len(report.already_present)} ligne(s) déjà dans l'annuaire, ignorée(s)."
        self.report_label.setText(text)
        self.report_model.set_table(["Ligne", "Champ", "Motif du refus"],
                                    [[str(e.line), e.field_label, e.message] for e in errors])
        self.report_view.setVisible(bool(errors))
        self.report_view.resizeColumnsToContents()

    def check(self) -> Optional[ImportReport]:
        if self.table is None:
            return None
        table, mapping = self.table, self.mapping()

        def work() -> ImportReport:
            with self.ctx.read() as session:
                return check_rows(session, table, mapping)

        try:
            report = run_with_progress(self, f"Vérification de {len(table.rows)} ligne(s)…", work)
        except DomainError as error:
            self._show_report(None, error.message)
            return None
        prefix = "Vérification : aucune erreur." if report.ok else "Vérification : des lignes sont refusées."
        self._show_report(report, prefix)
        return report

    def run_import(self) -> bool:
        if self.table is None:
            return False
        table, mapping = self.table, self.mapping()

        def work() -> ImportReport:
            with self.ctx.write() as session:
                return import_partners(session, table, mapping)

        try:  # a directory of thousands of rows takes seconds: the window stays painted meanwhile
            report = run_with_progress(self, f"Import de {len(table.rows)} ligne(s)…", work)
        except ImportRefused as refusal:
            self._show_report(refusal.report, refusal.message)
            return False
        except DomainError as error:
            self._show_report(None, error.message)
            return False
        self.imported = True
        self.ctx.data_changed.emit()
        contacts = sum(1 for _, _, contact in report.rows if contact)
        self._show_report(report, f"Import terminé : {len(report.rows)} structure(s) et {contacts} contact(s) "
                                  "ajoutés à l'annuaire.", done=True)
        self.import_button.setEnabled(False)
        return True

    def done(self, result: int) -> None:
        self.ctx.settings.setValue("partner_import/size", self.size())
        super().done(result)
