"""Run slow work (copies, restores, building a base) off the GUI thread, with progress.

The window stays painted and responsive while SQLite copies a file; the worker never
touches a widget: it returns a value or raises, and both come back to the GUI thread
through a queued signal.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, TypeVar

from PySide6.QtCore import QEventLoop, QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

T = TypeVar("T")


class _Signals(QObject):
    done = Signal(object, object)  # result, exception


class Task(QRunnable):
    """``fn()`` in the thread pool; ``signals.done`` carries its result or its exception."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = _Signals()

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as error:  # handed to the GUI thread, which decides
            self.signals.done.emit(None, error)
        else:
            self.signals.done.emit(result, None)


_pending: set[_Signals] = set()  # kept alive until their result is delivered


def start(fn: Callable[[], Any], on_done: Callable[[Any, Optional[BaseException]], None]) -> None:
    """Fire and forget: ``on_done(result, error)`` is called later in the GUI thread."""
    task = Task(fn)
    signals = task.signals
    _pending.add(signals)

    def deliver(result: Any, error: Optional[BaseException]) -> None:
        _pending.discard(signals)
        on_done(result, error)

    signals.done.connect(deliver, Qt.ConnectionType.QueuedConnection)
    QThreadPool.globalInstance().start(task)


def run_with_progress(parent: Optional[QWidget], text: str, fn: Callable[[], T]) -> T:
    """Run ``fn`` in a worker while a progress dialog shows; return its result or raise."""
    outcome: dict[str, Any] = {}
    loop = QEventLoop()

    def finished(result: Any, error: Optional[BaseException]) -> None:
        outcome.update(result=result, error=error)
        loop.quit()

    dialog = QProgressDialog(text, "", 0, 0, parent)
    dialog.setWindowTitle("Veuillez patienter")
    dialog.setCancelButton(None)
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.setMinimumDuration(400)
    dialog.setAutoClose(False)
    start(fn, finished)
    if "error" not in outcome:
        loop.exec()
    dialog.close()
    dialog.deleteLater()
    if outcome["error"] is not None:
        raise outcome["error"]
    return outcome["result"]
