"""The application's log: rotating files in the platformdirs log folder.

When something goes wrong on a user's PC, the log is what support asks for; it must
exist without setup, never grow without bound, and name where it is (the error dialog
shows the path). It records technical facts (exceptions, backups, opened files), never
the content of the records.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import Callable, Optional

from .paths import log_dir

LOG_NAME = "pre_desktop.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"

logger = logging.getLogger("pre_desktop")

_handler: Optional[logging.Handler] = None


def setup_logging(folder: Optional[Path] = None, level: int = logging.INFO) -> Path:
    """Log to ``<folder>/pre_desktop.log`` (5 × 1 Mo kept); returns the file's path.

    Calling it again with another folder moves the log there (tests use a tmp folder).
    A folder that cannot be written leaves logging to stderr rather than stopping the app.
    """
    global _handler
    folder = Path(folder) if folder is not None else log_dir()
    path = folder / LOG_NAME
    if _handler is not None:
        logger.removeHandler(_handler)
        _handler.close()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=True
        )
    except OSError:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    _handler = handler
    logger.addHandler(handler)
    logger.setLevel(level)
    return path


def current_log_file() -> Optional[Path]:
    handler = _handler
    return Path(handler.baseFilename) if isinstance(handler, logging.FileHandler) else None


ExcInfo = tuple[type[BaseException], BaseException, Optional[TracebackType]]


def install_exception_hooks(report: Callable[[ExcInfo], None]) -> None:
    """Every uncaught exception (main thread or worker) is logged, then ``report``ed.

    ``report`` is called from the thread where the exception happened: a window must
    hand it over to its own thread (see ui.error_dialog).
    """

    def hook(kind: type[BaseException], value: BaseException, tb: Optional[TracebackType]) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        logger.error("Exception non interceptée", exc_info=(kind, value, tb))
        try:
            report((kind, value, tb))
        except Exception:  # the reporter itself must never take the app down
            logger.exception("Le rapport d'erreur a échoué")

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            hook(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook


def uninstall_exception_hooks() -> None:
    sys.excepthook = sys.__excepthook__
    threading.excepthook = threading.__excepthook__
