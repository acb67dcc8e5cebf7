"""The Tableau de bord: the school year's figures beside the previous year's, in the
sections of the annual report, each opening the list of the children behind it.

The figures come from ``services.statistics.dashboard`` (one object for the dashboard,
the annual report and the pseudonymised export, so they always agree). Counting a big
structure's year takes a noticeable moment, so it runs in a worker thread with its own
session while the window stays responsive; the figures shown before stay, greyed, until
the new ones arrive. Each figure card, bar and table row opens its children, for the
roles allowed to see them; the others see the counts and a tooltip saying why no list.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, Signal, SignalInstance, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session, sessionmaker

from ..exports.annual_report import write_annual_report
from ..formatting import fr_date
from ..exports.pseudonymised import export_pseudonymised as write_pseudonymised
from ..models import Role
from ..services.statistics import (
    Breakdown,
    BreakdownRow,
    Dashboard,
    Figure,
    SchoolYear,
    Section,
    dashboard,
    school_year_of,
    school_years_with_data,
)
from .background import run_with_progress
from .children_behind_dialog import ChildrenBehindDialog
from .context import AppContext
from .dashboard_charts import ComparisonBars
from .dashboard_figures import BreakdownTable, bars_of, card_texts, restriction
from .dashboard_widgets import FigureCard
from .export_actions import save_document
from .widgets import area_layout, area_title, filter_combo, push_button

CARDS_PER_ROW = 4
# Breakdowns go two by two; these start a row, so each count stands beside its amounts
# (sessions by convention | amounts by convention…).
ROW_STARTS = frozenset({"sessions_by_convention", "sessions_by_partner", "sessions_by_funder"})
Item = Union[Figure, Breakdown, BreakdownRow]


class _Computed(QObject):
    """Lives in the GUI thread: its signals, emitted by the worker, are delivered there."""

    done = Signal(int, object)  # generation, _Counted
    failed = Signal(int, object)  # generation, exception


@dataclass(frozen=True)
class _Counted:
    board: Dashboard
    years: Optional[list[SchoolYear]]  # the years with data, when asked for (a refresh)


class _Compute(QRunnable):
    """Counts one school year in a worker thread with its own session; touches no widget."""

    def __init__(self, factory: sessionmaker[Session], user_id: Optional[int], year: SchoolYear, generation: int,
                 signals: _Computed, with_years: bool) -> None:
        super().__init__()
        self.factory, self.user_id, self.year, self.with_years = factory, user_id, year, with_years
        self.generation, self.signals = generation, signals

    def run(self) -> None:
        try:
            with self.factory() as session:
                session.info["user_id"] = self.user_id
                years = school_years_with_data(session) if self.with_years else None
                result = _Counted(dashboard(session, self.year), years)
        except Exception as error:  # noqa: BLE001 - shown to the user, never lost in the thread
            self._emit(self.signals.failed, error)
        else:
            self._emit(self.signals.done, result)

    def _emit(self, signal: SignalInstance, value: object) -> None:
        try:
            signal.emit(self.generation, value)
        except RuntimeError:  # the area was closed meanwhile (another base, the window closed): nobody waits
            pass


class DashboardArea(QWidget):
    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.current: Optional[Dashboard] = None  # the figures shown
        self._cache: dict[SchoolYear, Dashboard] = {}  # years counted since the last change of data
        self._generation = 0
        self.loading = False
        self.load_seconds = 0.0  # how long the last count took (shown in the status tooltip, measured in tests)
        self._started = 0.0
        self._signals = _Computed(self)
        self._signals.done.connect(self._computed)
        self._signals.failed.connect(self._failed)
        self.cards: dict[str, FigureCard] = {}
        self.charts: dict[str, ComparisonBars] = {}
        self.tables: dict[str, BreakdownTable] = {}
        self.dialogs: list[ChildrenBehindDialog] = []
        self._keep_figures = False
        self._build()
        self.refresh()

    # --- frame ---------------------------------------------------------------------------

    def _build(self) -> None:
        layout, top = area_layout(self, "Tableau de bord")
        self.year_label = QLabel("Année &scolaire :", self)
        self.year_combo = filter_combo(self, "year", "Année scolaire")
        self.year_combo.setToolTip("Du 1er septembre au 31 août ; comparée à l'année précédente")
        self.year_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)  # filled after the count
        self.year_label.setBuddy(self.year_combo)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("progress")
        self.progress.setRange(0, 0)  # busy: the count gives no steps
        self.progress.setMaximumWidth(140)
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)
        self.status = QLabel(self)
        self.status.setObjectName("status")
        top.insertSpacing(1, 24)
        top.insertWidget(2, self.year_label)
        top.insertWidget(3, self.year_combo)
        top.insertSpacing(4, 12)
        top.insertWidget(5, self.progress)
        top.insertWidget(6, self.status)
        # The documents on a row of their own: the year row stays narrow enough for a laptop.
        documents = QHBoxLayout()
        layout.addLayout(documents)
        self.report_pdf = push_button(self, "Rapport annuel (&PDF)…", "report_pdf", lambda: self.write_report("pdf"))
        self.report_xlsx = push_button(self, "Rapport annuel (E&xcel)…", "report_xlsx",
                                       lambda: self.write_report("xlsx"))
        for button in (self.report_pdf, self.report_xlsx):
            button.setToolTip("Les chiffres de l'année choisie, comparés à la précédente, avec leurs définitions, "
                              "pour l'enquête nationale et les financeurs")
            documents.addWidget(button)
        self.pseudonymised_button: Optional[QPushButton] = None
        if self.ctx.role in (None, Role.COORDINATOR):  # the export covers the whole structure: coordination only
            self.pseudonymised_button = push_button(self, "Export statistique pseudo&nymisé…", "pseudonymised",
                                                    self.export_pseudonymised)
            self.pseudonymised_button.setToolTip(
                "Une ligne par enfant suivi dans l'année, sans nom, contact ni texte libre (.xlsx ou .csv), "
                "pour les observatoires et les évaluations")
            documents.addWidget(self.pseudonymised_button)
        documents.addStretch(1)
        self.note = QLabel(self)
        self.note.setObjectName("note")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555555;")
        self.note.setVisible(False)
        layout.addWidget(self.note)
        self.scroll = QScrollArea(self)
        self.scroll.setObjectName("dashboard_scroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout.addWidget(self.scroll, 1)
        self.content = QWidget()
        self.scroll.setWidget(self.content)
        self.year_combo.currentIndexChanged.connect(lambda _i: self.load())

    def selected_year(self) -> SchoolYear:
        start = self.year_combo.currentData()  # the first calendar year: Qt compares ints, not Python objects
        return SchoolYear(start) if isinstance(start, int) else school_year_of()

    def select_year(self, year: SchoolYear) -> None:
        """Choose a year (tests, the command of another screen); reloads like a user's choice."""
        index = self.year_combo.findData(year.start_year)
        if index < 0:
            raise ValueError(f"{year} n'est pas proposée")
        self.year_combo.setCurrentIndex(index)

    # --- data ----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Data changed (or first showing): the years with data and the figures, counted again."""
        if self._keep_figures:
            return  # our own document was recorded: no figure changed
        self._cache.clear()
        self.load(with_years=True)

    def load(self, *, with_years: bool = False) -> None:
        """Show the selected year: at once if counted already, else counted in a worker
        (with the years of the selector on a refresh: the window waits for no query)."""
        year = self.selected_year()
        self._generation += 1
        if year in self._cache and not with_years:
            self._show(self._cache[year])
            return
        self.loading = True
        self._started = time.perf_counter()
        self.progress.setVisible(True)
        self.status.setText(f"Calcul des chiffres {year.label}…")
        self.content.setEnabled(False)
        QThreadPool.globalInstance().start(
            _Compute(self.ctx.factory, self.ctx.user_id, year, self._generation, self._signals, with_years))

    def _fill_years(self, years: list[SchoolYear]) -> None:
        """The selector's years, the one chosen kept (else the current school year)."""
        chosen = self.selected_year()
        self.year_combo.blockSignals(True)
        self.year_combo.clear()
        for year in years:
            self.year_combo.addItem(year.label, year.start_year)
        index = self.year_combo.findData(chosen.start_year)
        self.year_combo.setCurrentIndex(index if index >= 0 else self.year_combo.findData(school_year_of().start_year))
        self.year_combo.blockSignals(False)

    def wait_loaded(self, timeout_ms: int = 30_000) -> bool:
        """Wait for the count in progress (tests, measures); True once its figures are shown."""
        deadline = time.perf_counter() + timeout_ms / 1000
        while self.loading and time.perf_counter() < deadline:
            QThreadPool.globalInstance().waitForDone(50)
            QCoreApplication.sendPostedEvents()
            QCoreApplication.processEvents()
        return not self.loading

    @Slot(int, object)
    def _computed(self, generation: int, result: _Counted) -> None:
        if result.years is not None:
            self._fill_years(result.years)
        self._cache[result.board.year] = result.board
        if generation != self._generation:
            return  # another year was chosen meanwhile: its own count is on the way
        self.load_seconds = time.perf_counter() - self._started
        self._show(result.board)

    @Slot(int, object)
    def _failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        self._loaded()
        self.status.setText("Calcul impossible")
        message = getattr(error, "message", None) or str(error)
        self.status.setToolTip(message)
        QMessageBox.warning(self, "Tableau de bord", f"Les chiffres n'ont pas pu être calculés :\n{message}")

    def _loaded(self) -> None:
        self.loading = False
        self.progress.setVisible(False)
        self.content.setEnabled(True)

    # --- figures -------------------------------------------------------------------------

    def _show(self, board: Dashboard) -> None:
        self._loaded()
        self.current = board
        seconds = f"{self.load_seconds:.2f}".replace(".", ",")
        running = board.year.contains(board.computed_on)  # a year under way reads against a whole one
        self.status.setText(f"comparée à {board.previous_year.label}"
                            + (f" — année en cours : chiffres au {fr_date(board.computed_on)}" if running else ""))
        self.status.setToolTip(f"Chiffres calculés en {seconds} s")
        note = self._restriction_note(board)
        self.note.setText(note)
        self.note.setVisible(bool(note))
        position = self.scroll.verticalScrollBar().value()
        old = self.scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        self.cards.clear()
        self.charts.clear()
        self.tables.clear()
        self.content = QWidget()
        self.content.setObjectName("dashboard_content")
        column = QVBoxLayout(self.content)
        column.setContentsMargins(0, 0, 8, 12)
        column.setSpacing(8)
        for section in board.sections:
            self._add_section(column, board, section)
        column.addStretch(1)
        self.scroll.setWidget(self.content)
        self.scroll.verticalScrollBar().setValue(position)

    def _restriction_note(self, board: Dashboard) -> str:
        if not board.ids_restricted:
            return ""
        if self.ctx.role is Role.SECRETARIAT:
            return ("Les chiffres portent sur toute la structure. Les listes d'enfants derrière les chiffres "
                    "ne sont pas accessibles au secrétariat.")
        return ("Les chiffres portent sur toute la structure ; la liste derrière un chiffre ne montre que les "
                "enfants dont vous pouvez ouvrir le dossier (votre file active et les dossiers partagés).")

    def _add_section(self, column: QVBoxLayout, board: Dashboard, section: Section) -> None:
        heading = area_title(section.title, self.content, name=f"section_{section.key}")
        heading.setContentsMargins(0, 10, 0, 2)
        column.addWidget(heading)
        if section.figures:
            grid = QGridLayout()
            grid.setSpacing(8)
            for number, figure in enumerate(section.figures):
                card = self._card(board, figure)
                grid.addWidget(card, number // CARDS_PER_ROW, number % CARDS_PER_ROW)
            for col in range(CARDS_PER_ROW):
                grid.setColumnStretch(col, 1)
            column.addLayout(grid)
        if section.breakdowns:
            grid = QGridLayout()
            grid.setSpacing(10)
            row, col = 0, 0
            for breakdown in section.breakdowns:
                if col == 2 or (col == 1 and breakdown.key in ROW_STARTS):
                    row, col = row + 1, 0
                grid.addWidget(self._breakdown_widget(board, breakdown), row, col, Qt.AlignmentFlag.AlignTop)
                col += 1
            grid.setColumnStretch(0, 1)
            grid.setColumnStretch(1, 1)
            column.addLayout(grid)

    def _card(self, board: Dashboard, figure: Figure) -> FigureCard:
        card = FigureCard(figure.label, self.content, name=figure.key)
        texts = card_texts(figure)
        hint, drillable = self._hint(board, figure.value, bool(figure.child_ids))
        card.set_figure(texts.value, texts.previous, texts.difference, texts.arrow,
                        previous_year=board.previous_year.label,
                        definition="\n".join(p for p in (figure.definition, figure.detail) if p),
                        hint=hint, drillable=drillable)
        card.clicked.connect(lambda board=board, figure=figure: self.open_children(board, figure))
        self.cards[figure.key] = card
        return card

    def _breakdown_widget(self, board: Dashboard, breakdown: Breakdown) -> QWidget:
        years = (board.year.label, board.previous_year.label)
        hint, drillable = self._hint(board, 1, any(row.child_ids for row in breakdown.rows))
        if breakdown.chart and breakdown.unit == "count" and breakdown.rows:
            chart = ComparisonBars(breakdown.title, self.content, name=breakdown.key)
            chart.set_bars(bars_of(breakdown), years, self._bar_hint(board) if drillable else hint)
            chart.setToolTip(breakdown.definition)
            chart.bar_clicked.connect(
                lambda index, previous, board=board, key=breakdown.key: self.open_bar(board, key, index, previous))
            self.charts[breakdown.key] = chart
            return chart
        table = BreakdownTable(breakdown, years, self.content)
        table.setToolTip(breakdown.definition)
        table.list.table.setToolTip(hint)
        table.list.activated.connect(
            lambda row, board=board, breakdown=breakdown: self.open_children(board, row, breakdown))
        self.tables[breakdown.key] = table
        return table

    def _hint(self, board: Dashboard, value: object, listed: bool) -> tuple[str, bool]:
        """The end of a figure's tooltip, and whether it opens a list (``listed``: children behind it)."""
        if listed:
            return f"Cliquer pour voir la liste des enfants ({board.year.label}).", True
        if not value:
            return "", False
        if board.ids_restricted and self.ctx.role is Role.SECRETARIAT:
            return "La liste des enfants n'est pas accessible au secrétariat.", False
        if board.ids_restricted:
            return "Aucun enfant de votre file active derrière ce chiffre.", False
        return "", False

    def _bar_hint(self, board: Dashboard) -> str:
        return "Cliquer sur une barre pour voir la liste des enfants de cette année-là."

    # --- lists of children ---------------------------------------------------------------

    def open_children(self, board: Dashboard, item: Item, breakdown: Optional[Breakdown] = None) -> Optional[
            ChildrenBehindDialog]:
        """The list behind a figure or a breakdown's row, if this role may see one."""
        if not item.child_ids:
            return None
        label = item.label if breakdown is None else f"{breakdown.title} : {item.label}"
        note = restriction(board, item)
        dialog = ChildrenBehindDialog(self.ctx, f"{label} — {board.year.label}", item.child_ids,
                                      board.year.age_reference, note, self)
        self.dialogs = [d for d in self.dialogs if d.isVisible()] + [dialog]
        dialog.show()
        return dialog

    def open_bar(self, board: Dashboard, key: str, index: int, previous: bool) -> Optional[ChildrenBehindDialog]:
        """A bar clicked: this year's children of the category, or the previous year's
        (counted then, once, with a progress dialog)."""
        if previous:
            year = board.previous_year
            if year not in self._cache:
                ctx = self.ctx

                def count() -> Dashboard:
                    with ctx.read() as session:
                        return dashboard(session, year)
                self._cache[year] = run_with_progress(self, f"Calcul des chiffres {year.label}…", count)
            board = self._cache[year]
        breakdown = board.breakdown(key)
        label = self.charts[key].bars[index].label if key in self.charts else ""
        row = next((r for r in breakdown.rows if r.label == label), None)
        return self.open_children(board, row, breakdown) if row is not None else None

    # --- documents -----------------------------------------------------------------------

    def write_report(self, file_format: str) -> Optional[Path]:
        """The Rapport annuel of the year shown, from the figures on screen."""
        year, shown = self.selected_year(), self.current
        data = shown if shown is not None and shown.year == year else None
        ctx = self.ctx

        def write(path: Path, chosen: str) -> Path:
            def work() -> Path:
                with ctx.write() as session:
                    return write_annual_report(session, year, chosen, path, data=data)
            return run_with_progress(self, f"Rapport annuel {year.label}…", work)
        return self._saved(save_document(self, ctx, f"Rapport annuel {year.label}",
                                         [file_format] + [f for f in ("pdf", "xlsx") if f != file_format], write,
                                         title="Enregistrer le rapport annuel"))

    def export_pseudonymised(self) -> Optional[Path]:
        """One row per child of the year shown, without names (coordination)."""
        year, ctx = self.selected_year(), self.ctx

        def write(path: Path, chosen: str) -> Path:
            def work() -> Path:
                with ctx.write() as session:
                    return write_pseudonymised(session, year, chosen, path)
            return run_with_progress(self, f"Export statistique {year.label}…", work)
        return self._saved(save_document(self, ctx, f"Export statistique pseudonymisé {year.label}", ["xlsx", "csv"],
                                         write, title="Enregistrer l'export statistique pseudonymisé"))

    def _saved(self, written: Optional[Path]) -> Optional[Path]:
        if written is not None:
            self._keep_figures = True  # a recorded document changes no figure: keep them, the others refresh
            try:
                self.ctx.data_changed.emit()
            finally:
                self._keep_figures = False
        return written
