"""The idle lock: after N minutes without keyboard or mouse, every window hides its content.

An application event filter notes activity and restarts one timer; when it fires, each
visible window of the app (the main window, every open child's file, a dialog left
open) is covered by an opaque page asking the logged-in user's password, its content
disabled underneath (nothing reachable with Tab, no shortcut), its title without the
child's name. Nothing is closed or reloaded: unlocking removes the covers and what was
typed, saved or not, is there as it was. Unlocking goes through ``auth.authenticate``
(same delay after failures); from any covered window it unlocks them all.
"""

from __future__ import annotations

from typing import Callable, Optional

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .. import APP_NAME
from ..services import auth
from ..services.errors import DomainError
from ..services.settings import lock_minutes
from .forms import FieldErrors

ACTIVITY = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
            QEvent.Type.TouchBegin, QEvent.Type.ShortcutOverride}
LOCKED_TITLE = f"{APP_NAME} — verrouillé"


class LockCover(QFrame):
    """The page covering one window while locked: whose session it is, and the password."""

    def __init__(self, window: QWidget, lock: "IdleLock") -> None:
        super().__init__(window)
        self.setObjectName("lock_cover")
        self.lock = lock
        self.setAutoFillBackground(True)
        self.setStyleSheet("#lock_cover { background: palette(window); }")
        user = lock.ctx.user
        title = QLabel("<h2>Session verrouillée</h2>", self)
        who = f"{user.name} ({user.login})" if user else ""
        why = (f"s'est verrouillé après {lock.minutes_text()} sans activité" if lock.by_idle
               else "est verrouillé")  # Fichier → Verrouiller (Ctrl+L): no idle time to speak of
        text = QLabel(f"{APP_NAME} {why}, pour protéger "
                      f"les informations des enfants. Saisissez le mot de passe de <b>{who}</b> pour reprendre "
                      "là où vous en étiez : rien n'a été fermé ni perdu.", self)
        text.setWordWrap(True)
        self.errors = FieldErrors(QLabel(self))
        self.password = QLineEdit(self)
        self.password.setObjectName("unlock_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.returnPressed.connect(self.unlock)
        form = QFormLayout()
        self.errors.add_row(form, "&Mot de passe :", "password", self.password)
        self.button = QPushButton("&Déverrouiller", self)
        self.button.setObjectName("unlock")
        self.button.setAutoDefault(False)  # Entrée is the field's (a covered dialog's default button is disabled)
        self.button.clicked.connect(self.unlock)
        box = QFrame(self)
        box.setObjectName("lock_box")
        box.setFixedWidth(500)  # a fixed width lets the wrapped text take the height it needs
        box.setStyleSheet("#lock_box { border: 1px solid palette(mid); border-radius: 6px; background: palette(base); }")
        # A wrapped label in a centred box gets its one-line height: give it the height of its lines.
        text.setMinimumHeight(text.heightForWidth(500 - 48))
        inner = QVBoxLayout(box)
        inner.setContentsMargins(24, 18, 24, 18)
        inner.addWidget(title)
        inner.addWidget(text)
        inner.addLayout(form)
        inner.addWidget(self.errors.banner)
        inner.addWidget(self.button, 0, Qt.AlignmentFlag.AlignRight)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

    def unlock(self) -> bool:
        try:
            self.lock.unlock(self.password.text())
        except DomainError as error:
            self.password.clear()
            self.errors.show(error)
            return False
        return True


class _Covered:
    """What a window looked like before the lock, to put back."""

    def __init__(self, window: QWidget, cover: LockCover) -> None:
        self.window = window
        self.cover = cover
        self.title = window.windowTitle()
        self.focus = window.focusWidget()
        self.disabled: list[QWidget] = []
        self.actions: list[QAction] = []


class IdleLock(QObject):
    """Locks every window after ``timeout_ms`` without input (``lock_minutes`` of the
    settings when not given: tests inject a short one)."""

    locked_changed = Signal(bool)

    def __init__(self, ctx, parent: Optional[QObject] = None, *, timeout_ms: Optional[int] = None,  # noqa: ANN001
                 windows: Optional[Callable[[], list[QWidget]]] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.locked = False
        self.by_idle = False  # locked by the timer (said on the cover), not by Fichier → Verrouiller
        self._covered: list[_Covered] = []
        self._windows = windows or _app_windows
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._lock_idle)
        self.set_timeout(timeout_ms)
        QApplication.instance().installEventFilter(self)

    def set_timeout(self, timeout_ms: Optional[int] = None) -> None:
        """A new delay (the settings' minutes when None); 0 turns the lock off."""
        if timeout_ms is None:
            with self.ctx.read() as session:
                timeout_ms = lock_minutes(session) * 60_000
        self.timeout_ms = timeout_ms
        self.timer.stop()
        if timeout_ms > 0 and not self.locked:
            self.timer.start(timeout_ms)

    def minutes_text(self) -> str:
        minutes = max(1, round(self.timeout_ms / 60_000))
        return f"{minutes} minute{'s' if minutes > 1 else ''}"

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY and not self.locked and self.timeout_ms > 0:
            self.timer.start(self.timeout_ms)
        return False

    # --- lock / unlock ---------------------------------------------------------------

    def _lock_idle(self) -> None:
        self.lock(by_idle=True)

    def lock(self, by_idle: bool = False) -> None:
        if self.locked or self.ctx.user is None:
            return
        self.by_idle = by_idle
        self.locked = True
        self.timer.stop()
        popup = QApplication.activePopupWidget()
        while popup is not None:  # an open menu or completer would stay above the cover
            popup.close()
            popup = QApplication.activePopupWidget()
        for window in self._windows():
            self._cover(window)
        self.locked_changed.emit(True)

    def _cover(self, window: QWidget) -> None:
        cover = LockCover(window, self)
        covered = _Covered(window, cover)
        for child in window.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if child is not cover and child.isEnabled() and not child.isWindow():
                child.setEnabled(False)
                covered.disabled.append(child)
        for action in window.findChildren(QAction):  # menus and shortcuts
            if action.isEnabled():
                action.setEnabled(False)
                covered.actions.append(action)
        window.setWindowTitle(LOCKED_TITLE)
        cover.setGeometry(window.rect())
        cover.show()
        cover.raise_()
        cover.password.setFocus()
        window.installEventFilter(self._resizer)
        self._covered.append(covered)

    def unlock(self, password: str) -> None:
        """Check the logged-in user's password (DomainError if wrong), then uncover everything."""
        user = self.ctx.user
        if user is None:
            return
        auth.kept_even_if_refused(self.ctx.factory, None, lambda s: auth.authenticate(s, user.login, password))
        self.release()

    def release(self) -> None:
        """Uncover every window as it was (after the password was checked, or on logging out)."""
        for covered in self._covered:
            window = covered.window
            window.removeEventFilter(self._resizer)
            for child in covered.disabled:
                child.setEnabled(True)
            for action in covered.actions:
                action.setEnabled(True)
            window.setWindowTitle(covered.title)
            covered.cover.hide()
            covered.cover.deleteLater()
            if covered.focus is not None:
                covered.focus.setFocus()
        self._covered.clear()
        self.locked = False
        if self.timeout_ms > 0:
            self.timer.start(self.timeout_ms)
        self.locked_changed.emit(False)

    def cover_of(self, window: QWidget) -> Optional[LockCover]:
        return next((c.cover for c in self._covered if c.window is window), None)

    @property
    def _resizer(self) -> "_Resizer":
        if not hasattr(self, "_resizer_filter"):
            self._resizer_filter = _Resizer(self)
        return self._resizer_filter


class _Resizer(QObject):
    """Keeps each cover as large as its window."""

    def __init__(self, lock: IdleLock) -> None:
        super().__init__(lock)
        self.lock = lock

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            cover = self.lock.cover_of(watched)
            if cover is not None:
                cover.setGeometry(watched.rect())
        return False


def _app_windows() -> list[QWidget]:
    """Every visible window of the app (not menus or tooltips, closed above)."""
    skipped = (Qt.WindowType.Popup, Qt.WindowType.ToolTip, Qt.WindowType.Desktop, Qt.WindowType.SplashScreen)
    return [w for w in QApplication.topLevelWidgets() if w.isVisible() and w.windowType() not in skipped]
