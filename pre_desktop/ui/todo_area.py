"""The À traiter area: everything due, in one list; each line opens the concerned file.

A line about a child opens the child's file (``ctx.open_child``); a convention line asks
for the convention (``ctx.open_record``) only when an area can show it: otherwise it is
listed for information and says so, rather than offering a click that does nothing.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QHeaderView, QLabel, QWidget

from ..formatting import fr_date
from ..services.todo import KIND_LABELS, KIND_ORDER, TodoItem, todo_items
from . import areas
from .context import AppContext
from .navigation_actions import RECORD_AREAS  # what a non-child line opens, and the area that shows it
from .rows_model import ROW_ROLE, Column, RowsView
from .widgets import area_layout, filter_combo, refill_combo

COL_KIND, COL_WHO, COL_WHAT, COL_DUE, COL_DAYS = range(5)
ITEM_ROLE = ROW_ROLE
_DISABLED = "#6b6b6b"
_LATE = "#a93226"
_RANK = {kind: i for i, kind in enumerate(KIND_ORDER)}


def can_open(item: TodoItem) -> bool:
    return item.target == "child" or RECORD_AREAS.get(item.target) in areas.SCREENS


def _days_text(item: TodoItem) -> str:
    if item.kind == "quota":
        return f"{item.days} au-delà" if item.days > 0 else ("quota atteint" if item.days == 0 else f"reste {-item.days}")
    if item.days < 0:
        return f"dans {-item.days} j"
    return f"{item.days} j"


def _tooltip(item: TodoItem) -> str:
    if not can_open(item):
        return f"{item.what}\n(Cette fiche ne peut pas être ouverte dans cette version.)"
    if item.target == "child":
        return f"{item.what}\nEntrée ou double-clic : ouvrir le dossier"
    return f"{item.what}\nEntrée ou double-clic : afficher la convention"


def _ink(item: TodoItem) -> Optional[str]:
    """A line that cannot be opened is greyed (listed for information)."""
    return None if can_open(item) else _DISABLED


COLUMNS = [  # each line says what it is and what opens it; one that cannot open is greyed and not clickable
    Column("Type", lambda i: i.kind_label, sort=lambda i: _RANK[i.kind], color=_ink, tooltip=_tooltip),
    Column("Qui", lambda i: i.who, sort=lambda i: i.who.casefold(), color=_ink, tooltip=_tooltip),
    Column("À faire", lambda i: i.what, sort=lambda i: i.what.casefold(), color=_ink, tooltip=_tooltip),
    Column("Échéance", lambda i: fr_date(i.due), sort=lambda i: i.due.toordinal() if i.due else 0, color=_ink,
           tooltip=_tooltip),
    Column("Retard", _days_text, sort=lambda i: i.days, right=True, tooltip=_tooltip,
           color=lambda i: _ink(i) or (_LATE if i.days > 0 else None)),
]


class TodoArea(QWidget):
    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._build()
        self.refresh()

    def _build(self) -> None:
        layout, top = area_layout(self, "À traiter")
        self.kind_filter = filter_combo(self, "kind_filter", "Filtre par type")
        self.kind_filter.currentIndexChanged.connect(self._kind_changed)
        top.addWidget(self.kind_filter)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("count")
        top.addSpacing(12)
        top.addWidget(self.count_label)

        # a few hundred lines at most, kept whole (the count says "Rien à traiter"); "À faire" takes the width
        self.list = RowsView(COLUMNS, "", self, name="todo", fit_columns=False, enabled=can_open)
        self.table, self.model, self.proxy = self.list.table, self.list.model, self.list.proxy
        self.list.sort_by(COL_KIND)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_WHAT, QHeaderView.ResizeMode.Stretch)
        for column, width in ((COL_KIND, 170), (COL_WHO, 200), (COL_DUE, 90), (COL_DAYS, 90)):
            header.resizeSection(column, width)
        self.table.activated.connect(self.open_line)
        layout.addWidget(self.list, 1)
        hint = QLabel("Entrée ou double-clic sur une ligne : ouvrir le dossier concerné.", self)
        hint.setStyleSheet("color: #555;")
        layout.addWidget(hint)

    def refresh(self) -> None:
        with self.ctx.read() as session:
            items = todo_items(session)
        self.list.set_rows(items)
        counts = {kind: sum(1 for item in items if item.kind == kind) for kind in KIND_ORDER}
        refill_combo(self.kind_filter, [(f"Tout ({len(items)})", None)]
                     + [(f"{KIND_LABELS[kind]} ({counts[kind]})", kind) for kind in KIND_ORDER if counts[kind]])
        self._show_kind()

    def _kind_changed(self, _index: int) -> None:
        self._show_kind()

    def _show_kind(self) -> None:
        kind = self.kind_filter.currentData()
        self.list.set_filter(row_filter=None if kind is None else lambda item: item.kind == kind)
        self._update_count()

    def _update_count(self) -> None:
        shown = self.proxy.rowCount()
        self.count_label.setText("Rien à traiter" if not self.model.rowCount()
                                 else f"{shown} ligne{'s' if shown > 1 else ''}")

    def open_line(self, index: QModelIndex) -> None:
        item: Optional[TodoItem] = index.data(ITEM_ROLE) if index.isValid() else None
        if item is None or not can_open(item):
            return
        if item.target == "child":
            self.ctx.open_child.emit(item.target_id)
        else:
            self.ctx.open_record.emit(item.target, item.target_id)
