"""Measures what a user waits for on a large file: opening it (the children list on screen)
and one keystroke in the search. Used by ``python -m pre_desktop bench``."""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from ..migrate import open_database


@dataclass(frozen=True)
class ListTimings:
    children: int
    open_ms: float  # open_database + the list's first screen in the model (median)
    full_list_ms: float  # open_database + every row in the model (median)
    keystroke_ms: float  # one search keystroke filtering every row (median)
    keystroke_max_ms: float
    shown_after_search: int


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def measure(path: Path, runs: int = 5) -> ListTimings:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from ..services.children_list import children_table, count_children
    from .children_area import FIRST_PAGE, SYNC_LIMIT
    from .children_model import ChildrenFilterProxy, ChildrenTableModel

    app = QApplication.instance() or QApplication([])  # noqa: F841 - the models need one
    opened, full = [], []
    model, proxy = ChildrenTableModel(), ChildrenFilterProxy()
    proxy.setSourceModel(model)
    table = None
    for _ in range(runs):
        for store, limit in ((opened, "first"), (full, None)):
            started = time.perf_counter()
            engine, factory = open_database(path, create=False)
            with factory() as session:
                total = count_children(session)
                first = FIRST_PAGE if limit == "first" and total > SYNC_LIMIT else None
                table = children_table(session, limit=first)
            model.set_table(table)
            store.append(time.perf_counter() - started)
            engine.dispose()
    count = len(table) if table is not None else 0
    keystrokes = []
    for query in ("b", "be", "ben", "bena", "benal", "benali", "benali i", "benali in", "benali ines"):
        started = time.perf_counter()
        proxy.set_query(query)
        keystrokes.append(time.perf_counter() - started)
    shown = proxy.rowCount()
    return ListTimings(count, _median_ms(opened), _median_ms(full), _median_ms(keystrokes),
                       max(keystrokes) * 1000, shown)
