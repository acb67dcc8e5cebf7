"""The list of the children behind a figure of the Tableau de bord.

Not modal: the coordinator opens one child's file after another from it (double click or
Enter), each in its own window, and keeps the list to come back to.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional, Sequence

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from ..formatting import fr_date
from ..services.children_behind import ChildBehindRow, children_behind
from .context import AppContext
from .rows_model import Column, RowsView
from .widgets import search_row

GEOMETRY_KEY = "dashboard/children_dialog"


def _school(row: ChildBehindRow) -> str:
    return " — ".join(part for part in (row.school, row.school_class) if part)


def columns(on: dt.date) -> list[Column]:
    return [
        Column("Nom", lambda r: r.name, sort=lambda r: (r.sort_name, r.id)),
        Column(f"Âge au {fr_date(on)}", lambda r: str(r.age), sort=lambda r: r.age, right=True),
        Column("École", _school, max_width=360),
        Column("Référent(e)", lambda r: r.referent_name),
        Column("Statut", lambda r: r.status_label),
    ]


class ChildrenBehindDialog(QDialog):
    """``title``: the figure ("Nouvelles entrées — 2026-2027"); ``note``: what the list
    leaves out for this role (said above the list), or ""."""

    def __init__(self, ctx: AppContext, title: str, ids: Sequence[int], on: dt.date, note: str = "",
                 parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("children_behind")
        self.setWindowTitle(f"Enfants — {title}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        heading = QLabel(title, self)
        font = heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        heading.setFont(font)
        heading.setWordWrap(True)
        layout.addWidget(heading)
        with ctx.read() as session:
            rows = children_behind(session, ids, on)
        self.count = QLabel(self)
        self.count.setObjectName("count")
        self.count.setWordWrap(True)
        layout.addWidget(self.count)
        search, self.search = search_row(self, "Nom, école, référent(e)… (accents facultatifs)")
        layout.addLayout(search)
        self.list = RowsView(columns(on), "Aucun enfant à afficher.", self, name="children_behind",
                             search=lambda r: r.search_text, fit_columns=False)
        self.list.set_rows(rows)
        self._fit_columns(rows)
        self.list.activated.connect(self.open_file)
        self.list.table.setToolTip("Double-clic ou Entrée : ouvrir le dossier de l'enfant")
        layout.addWidget(self.list, 1)
        self.search.textChanged.connect(self._filter)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("Fermer")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._note = note
        self._filter("")
        self.resize(820, 520)
        geometry = ctx.settings.value(GEOMETRY_KEY)
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)

    def _fit_columns(self, rows: Sequence[ChildBehindRow]) -> None:
        """Each column as wide as its longest text, measured once per distinct text: the
        list of every child followed holds thousands of rows but a few schools and référents."""
        header = self.list.table.horizontalHeader()
        cells, titles = self.list.table.fontMetrics(), header.fontMetrics()
        for number, column in enumerate(self.list.model.columns[:-1]):  # the last one stretches
            texts = {column.text(row) for row in rows}
            content = max((cells.horizontalAdvance(text) for text in texts), default=0) + 16
            header.resizeSection(number, min(max(content, titles.horizontalAdvance(column.title) + 14) + 6,
                                             column.max_width))

    def _filter(self, text: str) -> None:
        self.list.set_filter(text)
        shown, total = self.list.row_count(), self.list.model.rowCount()
        count = f"{total} enfant{'s' if total > 1 else ''}" if shown == total else f"{shown} sur {total} enfants"
        self.count.setText(" — ".join(part for part in (count, self._note) if part))

    def open_file(self, row: Optional[ChildBehindRow]) -> None:
        if row is not None:
            self.ctx.open_child.emit(row.id)

    def done(self, result: int) -> None:
        self.ctx.settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        super().done(result)
