"""The Séances area: a partner and a month → the grid to type what the partner reported,
and the documents of the month (tableau mensuel, the batch for every partner, the
filled-in table coming back, the état trimestriel of a convention).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QDate, QEventLoop, QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..exports import monthly_table as monthly_export, quarterly_statement as statement_export
from ..formatting import fr_date, fr_month
from ..models import ConventionStatus
from ..services import conventions as conv_service
from ..services.attendance_import import import_attendance
from ..services.clock import today
from ..services.errors import DomainError
from ..services.reports import monthly_table
from ..services.session_batches import PartnerMonth, RowsRefused, month_grid, partners_of_month, save_month
from ..services.session_codes import LEGEND
from .context import AppContext
from .role_ui import DIRECTORY, only_for
from .export_actions import save_document
from .forms import ask_unsaved, run_action
from .session_dialogs import RepeatDialog, SessionsDialog
from .sessions_grid import (
    COL_ANSWER,
    COL_NAME,
    COL_QUOTA,
    COL_RELAY,
    COL_REMARK,
    COL_SESSIONS,
    COL_STATE,
    MonthGridModel,
    MonthGridView,
)

IMPORT_FOLDER_KEY = "sessions/import_folder"
BATCH_FOLDER_KEY = "sessions/batch_folder"


class SessionsArea(QWidget):
    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = MonthGridModel(self)
        self._loaded: tuple[Optional[int], int, int] = (None, 0, 0)
        self._build()
        only_for(ctx, DIRECTORY, self.documents_button)  # the partners' tables name every beneficiary
        self.refresh()

    # --- layout ------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 6)
        title = QLabel("Séances du mois par partenaire", self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title)

        pick = QHBoxLayout()
        month_label = QLabel("&Mois :", self)
        self.month = QDateEdit(self)
        self.month.setObjectName("month")
        self.month.setDisplayFormat("MM/yyyy")
        day = today()
        self.month.setMaximumDate(QDate(day.year, day.month, 1))
        self.month.setDate(QDate(day.year, day.month, 1))
        month_label.setBuddy(self.month)
        partner_label = QLabel("&Partenaire :", self)
        self.partner = QComboBox(self)
        self.partner.setObjectName("partner")
        self.partner.setMinimumWidth(280)
        partner_label.setBuddy(self.partner)
        pick.addWidget(month_label)
        pick.addWidget(self.month)
        pick.addSpacing(12)
        pick.addWidget(partner_label)
        pick.addWidget(self.partner, 1)
        layout.addLayout(pick)

        self.grid = MonthGridView(self)
        self.grid.setObjectName("grid")
        self.grid.setModel(self.model)
        header = self.grid.horizontalHeader()
        # A partner following a thousand beneficiaries: widths from a sample of rows, not every one.
        header.setResizeContentsPrecision(200)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        layout.addWidget(self.grid, 1)
        self.empty = QLabel(self)
        self.empty.setObjectName("empty")
        self.empty.setStyleSheet("color: palette(mid); font-style: italic; padding: 8px 2px;")
        layout.addWidget(self.empty)
        legend = QLabel(LEGEND, self)
        legend.setWordWrap(True)
        legend.setStyleSheet("color: #555;")
        layout.addWidget(legend)
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        row = QHBoxLayout()
        self.save_button = QPushButton("&Enregistrer le mois (Ctrl+S)", self)
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("Annuler les modifications", self)
        self.revert_button.clicked.connect(self.revert)
        for b in (self.save_button, self.revert_button):
            row.addWidget(b)
        row.addStretch(1)
        layout.addLayout(row)
        more = QHBoxLayout()
        self.one_button = QPushButton("Séances de l'&orientation…", self)
        self.one_button.clicked.connect(self.open_sessions)
        self.repeat_button = QPushButton("Rendez-vous &réguliers…", self)
        self.repeat_button.clicked.connect(self.open_repeat)
        # The month's documents in one menu: the area stays usable in a narrow window.
        self.documents_button = QPushButton("&Documents du mois", self)
        self.documents_button.setObjectName("documents")
        menu = QMenu(self.documents_button)
        self.table_action = menu.addAction("Tableau mensuel du partenaire…", self.export_table)
        self.batch_action = menu.addAction("Tableaux de tous les partenaires…", self.export_batch)
        self.import_action = menu.addAction("Importer un tableau rempli par le partenaire…", self.import_file)
        menu.addSeparator()
        self.statement_action = menu.addAction("État trimestriel d'une convention…", self.export_statement)
        self.documents_button.setMenu(menu)
        for b in (self.one_button, self.repeat_button, self.documents_button):
            more.addWidget(b)
        more.addStretch(1)
        layout.addLayout(more)

        save = QAction(self)
        save.setShortcut(QKeySequence.StandardKey.Save)
        save.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save.triggered.connect(self.save)
        self.addAction(save)
        self.month.dateChanged.connect(lambda _d: self._month_changed())
        self.partner.currentIndexChanged.connect(lambda _i: self._partner_changed())

    # --- loading -------------------------------------------------------------------------

    @property
    def year_month(self) -> tuple[int, int]:
        d = self.month.date()
        return d.year(), d.month()

    def partner_id(self) -> Optional[int]:
        value = self.partner.currentData()
        return int(value) if value is not None else None

    def _ask_unsaved(self) -> bool:
        """False when the user cancels; unsaved rows are saved or dropped otherwise."""
        if not self.model.is_dirty():
            return True
        answer = ask_unsaved(self, "La grille du mois")
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def _month_changed(self) -> None:
        if not self._ask_unsaved():
            self._restore_pickers()
            return
        self.refresh()

    def _partner_changed(self) -> None:
        if self.partner.signalsBlocked():
            return
        if not self._ask_unsaved():
            self._restore_pickers()
            return
        self._load_grid()

    def _restore_pickers(self) -> None:
        pid, y, m = self._loaded
        for widget in (self.month, self.partner):
            widget.blockSignals(True)
        self.month.setDate(QDate(y, m, 1))
        index = self.partner.findData(pid)
        if index >= 0:
            self.partner.setCurrentIndex(index)
        for widget in (self.month, self.partner):
            widget.blockSignals(False)

    def refresh(self) -> None:
        """Reload the partners of the month and the grid (keeps the chosen partner)."""
        y, m = self.year_month
        with self.ctx.read() as session:
            partners = partners_of_month(session, y, m)
        chosen = self.partner_id()
        self.partner.blockSignals(True)
        self.partner.clear()
        for p in partners:
            self.partner.addItem(f"{p.name} ({p.beneficiaries})", p.partner_id)
        index = self.partner.findData(chosen)
        self.partner.setCurrentIndex(index if index >= 0 else 0)
        self.partner.blockSignals(False)
        self._load_grid()

    def _load_grid(self) -> None:
        y, m = self.year_month
        pid = self.partner_id()
        rows = []
        if pid is not None:
            with self.ctx.read() as session:
                rows = month_grid(session, pid, y, m)
        self.model.load(rows, y, m)
        self._loaded = (pid, y, m)
        has_rows = bool(rows)
        self.grid.setVisible(has_rows)
        self.empty.setVisible(not has_rows)
        self.empty.setText(f"Aucun bénéficiaire suivi par un partenaire en {fr_month(y, m)}." if pid is None
                           else "Aucun bénéficiaire suivi ce mois-ci.")
        for button in (self.save_button, self.revert_button, self.one_button, self.repeat_button):
            button.setEnabled(has_rows)
        self.table_action.setEnabled(has_rows)
        if has_rows:
            self.grid.resizeColumnsToContents()
            header = self.grid.horizontalHeader()
            header.resizeSection(COL_NAME, min(max(header.sectionSize(COL_NAME), 160), 260))
            header.resizeSection(COL_SESSIONS, max(header.sectionSize(COL_SESSIONS), 300))
            header.resizeSection(COL_QUOTA, max(header.sectionSize(COL_QUOTA), 110))
            for column, width in ((COL_RELAY, 200), (COL_ANSWER, 130), (COL_REMARK, 240)):
                header.resizeSection(column, min(max(header.sectionSize(column), 120), width))
            header.resizeSection(COL_STATE, 260)
            self.grid.setCurrentIndex(self.model.index(0, COL_SESSIONS))
        self.status.setText("")

    # --- the grid --------------------------------------------------------------------------

    def save(self) -> bool:
        """Every changed row in one transaction; refusals shown on their rows, nothing saved then."""
        if self.grid.state() == MonthGridView.State.EditingState:
            self.grid.setFocus()  # commit the cell being typed
        rows, unreadable = self.model.inputs()
        if unreadable:
            self.model.set_errors(unreadable)
            self._show_refusals(f"{len(unreadable)} ligne(s) illisible(s) : corrigez la saisie (rien n'a été "
                                "enregistré).")
            return False
        if not rows:
            self.status.setText("Aucune modification à enregistrer.")
            return True
        pid, y, m = self._loaded
        refused: list[RowsRefused] = []

        def action(confirm: bool):  # noqa: ANN202
            try:
                with self.ctx.write() as session:
                    return save_month(session, partner_id=pid, year=y, month=m, rows=rows, confirm=confirm)
            except RowsRefused as error:
                refused.append(error)
                return None

        result = run_action(self, action)
        if refused:
            by_row: dict[int, str] = {}
            for e in refused[0].errors:
                text = f"{e.where} : {e.message}" if e.where and not e.where.startswith("Ligne") else e.message
                by_row[e.care_referral_id or 0] = (by_row.get(e.care_referral_id or 0, "") + " " + text).strip()
            self.model.set_errors(by_row)
            self._show_refusals(refused[0].message.splitlines()[0])
            return False
        if result is None:
            return False
        self.ctx.data_changed.emit()
        self._load_grid()
        self.status.setText("Enregistré : " + result.summary())
        return True

    def _show_refusals(self, head: str) -> None:
        """The refusals under the grid too (the État column may be narrow), first refused row selected."""
        lines = [(i, line) for i, line in enumerate(self.model.lines) if line.error]
        text = [f"{line.row.last_name.upper()} {line.row.first_name} : {line.error}" for _, line in lines[:5]]
        more = f"\n… et {len(lines) - 5} autre(s) ligne(s)." if len(lines) > 5 else ""
        self.status.setText(head + "\n" + "\n".join(text) + more)
        if lines:
            self.grid.setCurrentIndex(self.model.index(lines[0][0], COL_SESSIONS))

    def revert(self) -> None:
        self._load_grid()

    def _selected_fiche(self) -> Optional[int]:
        index = self.grid.currentIndex()
        if not index.isValid():
            return None
        return self.model.lines[index.row()].row.care_referral_id

    def open_sessions(self) -> None:
        fiche = self._selected_fiche()
        if fiche is None or not self._ask_unsaved():
            return
        dialog = SessionsDialog(self.ctx, fiche, self)
        dialog.exec()
        self._load_grid()

    def open_repeat(self) -> None:
        fiche = self._selected_fiche()
        if fiche is None or not self._ask_unsaved():
            return
        if RepeatDialog(self.ctx, fiche, self).exec():
            self._load_grid()

    # --- documents -------------------------------------------------------------------------

    def export_table(self) -> None:
        pid = self.partner_id()
        if pid is None:
            return
        y, m = self.year_month
        name = self.partner.currentText().rsplit(" (", 1)[0]

        def write(path: Path, file_format: str) -> Path:
            with self.ctx.write() as session:
                return monthly_export.export_monthly(session, pid, y, m, file_format, path)

        with self.ctx.read() as session:  # rule 7: those the partner may not see are left out, and the PRE told
            left_out = monthly_table(session, pid, y, m).omitted_without_consent
        if save_document(self, self.ctx, monthly_export.default_name(name, y, m, "pdf"), list(monthly_export.FORMATS),
                         write, title="Enregistrer le tableau mensuel"):
            self.ctx.data_changed.emit()
            self.status.setText(left_out_text(left_out))

    def export_batch(self) -> None:
        y, m = self.year_month
        dialog = BatchDialog(self.ctx, y, m, self)
        if not dialog.exec():
            return
        folder, formats = dialog.folder(), dialog.formats()
        self.ctx.settings.setValue(BATCH_FOLDER_KEY, str(folder))
        result = run_batch(self, self.ctx, y, m, folder, formats)
        if result is None:
            return
        self.ctx.data_changed.emit()
        text = f"{len(result.written)} fichier(s) écrit(s) dans :\n{folder}"
        if result.left_out:
            text += "\n\n" + left_out_text(result.left_out)
        if result.skipped:
            text += "\n\nSans tableau (aucun bénéficiaire avec l'accord de sa famille) : " + ", ".join(result.skipped)
        if result.cancelled:
            text = "Arrêté avant la fin. " + text
        QMessageBox.information(self, "Tableaux mensuels", text)

    def import_file(self) -> None:
        folder = str(self.ctx.settings.value(IMPORT_FOLDER_KEY, "") or Path.home())
        chosen, _ = QFileDialog.getOpenFileName(self, "Tableau mensuel rempli par le partenaire", folder,
                                                "Classeurs Excel (*.xlsx)")
        if not chosen:
            return
        self.ctx.settings.setValue(IMPORT_FOLDER_KEY, str(Path(chosen).parent))
        try:
            with self.ctx.write() as session:
                result = import_attendance(session, Path(chosen))
        except RowsRefused as refusal:
            ReportDialog("Import refusé", "Rien n'a été enregistré. Corrigez ces lignes dans le fichier puis "
                         "importez-le de nouveau :", refusal.message, self).exec()
            return
        except DomainError as error:
            QMessageBox.warning(self, "Import refusé", error.message)
            return
        self.ctx.data_changed.emit()
        self.refresh()
        QMessageBox.information(self, "Import terminé", result.summary())

    def export_statement(self) -> None:
        dialog = StatementDialog(self.ctx, self.partner_id(), self)
        if not dialog.exec():
            return
        conv_id, reference, year, quarter = dialog.choice()

        def write(path: Path, file_format: str) -> Path:
            with self.ctx.write() as session:
                return statement_export.export_statement(session, conv_id, year, quarter, file_format, path)

        if save_document(self, self.ctx, f"État trimestriel T{quarter} {year} - {reference}",
                         list(statement_export.FORMATS), write, title="Enregistrer l'état trimestriel"):
            self.ctx.data_changed.emit()


def left_out_text(count: int) -> str:
    """What the PRE is told (never the partner) about beneficiaries the table could not carry."""
    if not count:
        return ""
    return (f"{count} bénéficiaire(s) sans accord de la famille en vigueur ne figure(nt) pas dans le tableau : "
            "enregistrez l'accord dans le dossier de l'enfant pour les y faire apparaître.")


class ReportDialog(QDialog):
    """A refusal report to read and copy (every refused line)."""

    def __init__(self, title: str, intro: str, report: str, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(intro, self))
        self.text = QPlainTextEdit(report, self)
        self.text.setObjectName("report")
        self.text.setReadOnly(True)
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("Fermer")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(700, 400)


class BatchDialog(QDialog):
    """The month's tables of every partner: which formats, into which folder."""

    def __init__(self, ctx: AppContext, year: int, month: int, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Tableaux mensuels de tous les partenaires")
        layout = QVBoxLayout(self)
        with ctx.read() as session:
            partners: list[PartnerMonth] = partners_of_month(session, year, month)
        layout.addWidget(QLabel(f"{fr_month(year, month)} : {len(partners)} partenaire(s) avec des bénéficiaires "
                                "suivis.", self))
        form = QFormLayout()
        row = QHBoxLayout()
        self.pdf, self.docx, self.xlsx = (QCheckBox(t, self) for t in ("PDF", "Word (.docx)", "Excel (.xlsx)"))
        self.pdf.setChecked(True)
        self.xlsx.setChecked(True)
        for box in (self.pdf, self.docx, self.xlsx):
            row.addWidget(box)
        form.addRow("Formats :", row)
        folder_row = QHBoxLayout()
        default = Path(str(ctx.settings.value(BATCH_FOLDER_KEY, "") or Path.home())) / f"Tableaux mensuels {year:04d}-{month:02d}"
        self.folder_label = QLabel(str(default), self)
        self.folder_label.setObjectName("folder")
        choose = QPushButton("Choisir…", self)
        choose.clicked.connect(self._choose)
        folder_row.addWidget(self.folder_label, 1)
        folder_row.addWidget(choose)
        form.addRow("Dossier :", folder_row)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Produire les tableaux")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(partners))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _choose(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Dossier des tableaux", self.folder_label.text())
        if chosen:
            self.folder_label.setText(chosen)

    def _accept(self) -> None:
        if not self.formats():
            QMessageBox.warning(self, "Tableaux mensuels", "Choisissez au moins un format.")
            return
        self.accept()

    def folder(self) -> Path:
        return Path(self.folder_label.text())

    def formats(self) -> list[str]:
        return [f for f, box in (("pdf", self.pdf), ("docx", self.docx), ("xlsx", self.xlsx)) if box.isChecked()]


class _BatchWorker(QObject):
    """Runs the batch in a QThread; talks to the GUI only through its signals."""

    progress = Signal(int, int, str)
    finished = Signal(object, object)  # result, error

    def __init__(self, ctx: AppContext, year: int, month: int, folder: Path, formats: list[str]) -> None:
        super().__init__()
        self.args = (ctx.factory, ctx.user_id, year, month, folder, formats)
        self.stop = threading.Event()

    @Slot()
    def run(self) -> None:
        try:
            result = monthly_export.export_month_batch(*self.args, progress=self.progress.emit,
                                                       cancelled=self.stop.is_set)
        except BaseException as error:  # noqa: BLE001 - handed to the GUI thread
            self.finished.emit(None, error)
        else:
            self.finished.emit(result, None)


class _BatchListener(QObject):
    """Receives the worker's signals in the GUI thread and updates the progress dialog."""

    def __init__(self, dialog: QProgressDialog, loop: QEventLoop, outcome: dict[str, object]) -> None:
        super().__init__(dialog)
        self.dialog, self.loop, self.outcome = dialog, loop, outcome

    @Slot(int, int, str)
    def progressed(self, done: int, total: int, name: str) -> None:
        if self.outcome:
            return
        self.dialog.setMaximum(max(total, 1))
        self.dialog.setValue(done)
        self.dialog.setLabelText(f"{done} / {total} — {name}" if name else f"{done} / {total}")

    @Slot(object, object)
    def finished(self, result: object, error: object) -> None:
        self.outcome.update(result=result, error=error)
        self.loop.quit()


def run_batch(parent: QWidget, ctx: AppContext, year: int, month: int, folder: Path,
              formats: list[str]) -> Optional[monthly_export.BatchResult]:
    """The batch off the GUI thread, with a cancellable progress dialog."""
    thread = QThread(parent)
    worker = _BatchWorker(ctx, year, month, folder, formats)
    worker.moveToThread(thread)
    dialog = QProgressDialog("Préparation…", "Arrêter", 0, 1, parent)
    dialog.setWindowTitle("Tableaux mensuels")
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.setMinimumDuration(0)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    outcome: dict[str, object] = {}
    loop = QEventLoop()
    # A receiver living in the GUI thread: signals from the worker are queued to it. A plain
    # function as receiver has no thread, and PySide may call it in the worker's thread,
    # where touching the dialog crashes (seen as "Timers cannot be started from another thread").
    listener = _BatchListener(dialog, loop, outcome)

    def cancel() -> None:
        worker.stop.set()  # stops after the partner being written
        dialog.setLabelText("Arrêt après le partenaire en cours…")

    worker.progress.connect(listener.progressed, Qt.ConnectionType.QueuedConnection)
    worker.finished.connect(listener.finished, Qt.ConnectionType.QueuedConnection)
    dialog.canceled.connect(cancel)
    thread.started.connect(worker.run)
    dialog.show()
    thread.start()
    if not outcome:
        loop.exec()
    thread.quit()
    thread.wait()
    thread.deleteLater()
    dialog.close()
    dialog.deleteLater()
    if outcome.get("error") is not None:
        error = outcome["error"]
        message = error.message if isinstance(error, DomainError) else str(error)
        QMessageBox.warning(parent, "Tableaux mensuels", f"Les tableaux n'ont pas tous été produits : {message}")
        return None
    return outcome.get("result")  # type: ignore[return-value]


class StatementDialog(QDialog):
    """A signed convention and a calendar quarter."""

    def __init__(self, ctx: AppContext, partner_id: Optional[int], parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("État trimestriel d'une convention")
        layout = QFormLayout(self)
        self.convention = QComboBox(self)
        self.convention.setObjectName("convention")
        with ctx.read() as session:
            from ..models import Convention

            conventions = [c for c in session.query(Convention).order_by(Convention.start_date.desc())
                           if c.status is not ConventionStatus.DRAFT]
            for c in conventions:
                self.convention.addItem(f"{c.reference} — {c.partner.name} (du {fr_date(c.start_date)} au "
                                        f"{fr_date(conv_service.validity_end(c))})", (c.id, c.reference))
            first = next((i for i, c in enumerate(conventions) if c.partner_id == partner_id), 0)
        self.convention.setCurrentIndex(first)
        day = today()
        previous = (day.month - 1) // 3  # the last complete quarter
        self.year = QSpinBox(self)
        self.year.setRange(2000, 2100)
        self.year.setValue(day.year if previous else day.year - 1)
        self.quarter = QComboBox(self)
        for q, months in enumerate(("janvier à mars", "avril à juin", "juillet à septembre", "octobre à décembre"), 1):
            self.quarter.addItem(f"T{q} ({months})", q)
        self.quarter.setCurrentIndex((previous or 4) - 1)
        layout.addRow("&Convention :", self.convention)
        layout.addRow("&Année :", self.year)
        layout.addRow("&Trimestre :", self.quarter)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Produire l'état…")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(conventions))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)

    def choice(self) -> tuple[int, str, int, int]:
        conv_id, reference = self.convention.currentData()
        return conv_id, reference, self.year.value(), int(self.quarter.currentData())
