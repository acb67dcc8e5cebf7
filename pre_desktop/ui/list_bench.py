"""Measures what a user waits for on a large file: opening it (the children list on screen),
one keystroke in the search, and opening a child's file. Used by ``python -m pre_desktop bench``."""

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
    child_file_ms: float = 0.0  # a child's file (dossier enfant) open on screen, its first tab read (median)
    child_file_first_ms: float = 0.0  # the first file opened in the session (Qt builds its first tabs and tables)
    referent_open_ms: float = 0.0  # the list opened by the référent with the largest caseload (median)
    referent_children: int = 0  # the files that référent sees (caseload and shared files)


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
                       max(keystrokes) * 1000, shown, *_child_file_ms(path, runs), *_referent_open_ms(path, runs))


def _referent_open_ms(path: Path, runs: int) -> tuple[float, int]:
    """Opening the file as the référent who follows the most children: their list only,
    filtered in SQL (services.access.visible_children)."""
    from sqlalchemy import func, select

    from ..models import Child, Role, User
    from ..services.children_list import children_table, count_children
    from .children_area import FIRST_PAGE, SYNC_LIMIT
    from .children_model import ChildrenTableModel

    engine, factory = open_database(path, create=False)
    with factory() as session:
        referent_id = session.scalar(select(Child.referent_id).join(User, User.id == Child.referent_id)
                                     .where(User.role == Role.REFERENT).group_by(Child.referent_id)
                                     .order_by(func.count().desc()).limit(1))
    engine.dispose()
    if referent_id is None:
        return 0.0, 0
    model, samples, shown = ChildrenTableModel(), [], 0
    for _ in range(runs):
        started = time.perf_counter()
        engine, factory = open_database(path, create=False)
        with factory() as session:
            session.info["user_id"] = referent_id
            total = count_children(session)
            table = children_table(session, limit=FIRST_PAGE if total > SYNC_LIMIT else None)
        model.set_table(table)
        samples.append(time.perf_counter() - started)
        engine.dispose()
        shown = total
    return _median_ms(samples), shown


def _child_file_ms(path: Path, runs: int) -> tuple[float, float]:
    """Opening the file of a child followed by a partner (sessions, history): the window
    built, its identity tab read and shown, as after Enter in the list."""
    import tempfile

    from PySide6.QtCore import QSettings, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import func, select

    from ..models import CareReferral, CareSession
    from .child_file import ChildFile
    from .context import AppContext

    engine, factory = open_database(path, create=False)
    samples = []
    # the offscreen platform warns on each window shown ("does not support propagateSizeHints"): not the user's concern
    previous = qInstallMessageHandler(lambda *_args: None)
    with tempfile.TemporaryDirectory(prefix="pre-bench-") as folder:
        settings = QSettings(str(Path(folder) / "bench.ini"), QSettings.Format.IniFormat)
        ctx = AppContext(path, engine, factory, settings)
        with factory() as session:  # the child with the most sessions: the heaviest file
            child_id = session.scalar(select(CareReferral.child_id).join(CareSession)
                                      .group_by(CareReferral.child_id).order_by(func.count().desc()).limit(1))
            child_id = child_id or session.scalar(select(func.min(CareReferral.child_id)))
        if child_id is None:
            engine.dispose()
            return 0.0, 0.0
        for _ in range(runs + 1):
            started = time.perf_counter()
            window = ChildFile(ctx, child_id)
            window.show()
            QApplication.processEvents()
            samples.append(time.perf_counter() - started)
            window._discard = True
            window.close()
            window.deleteLater()
            QApplication.processEvents()
    qInstallMessageHandler(previous)
    engine.dispose()
    return _median_ms(samples[1:]), samples[0] * 1000
