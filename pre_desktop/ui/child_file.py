"""One child's file (dossier enfant): a window with a tab per part of the file.

Several files can be open at once (the main window keeps one per child and raises it
when asked again). The file never loses what the user typed: Ctrl+S saves the form
(identity, family and review date) in one service call with the versions it was read
at; closing with unsaved edits asks Save / Discard / Cancel; a reload after another
window's change leaves the edited form alone. Opening the file is traced in its
history (who read a minor's file).

The tabs live in ``ui/child_tabs`` (see that package for how to add an action to one).
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..formatting import agreed, fr_date
from ..services import child_file
from ..services.errors import DomainError, NotFoundError
from .archived_file import read_only
from .child_tabs.base import ChildTab
from .child_tabs.documents import DocumentsTab
from .child_tabs.eps import EpsTab
from .child_tabs.history import HistoryTab
from .child_tabs.identity import IdentityTab
from .child_tabs.orientations import OrientationsTab
from .child_tabs.pathway import PathwayTab
from .child_tabs.private_notes import PrivateNotesTab
from .child_tabs.referrals import ReferralsTab
from .child_tabs.sessions import SessionsTab
from .child_tabs.shares import SharesTab
from .context import AppContext
from .forms import FieldErrors, ask_unsaved, run_action

GEOMETRY_KEY = "child_file/geometry"

# Read-only tabs, in the tab bar's order after Identité, Repérage, EPS and Parcours.
TABS: list[type[ChildTab]] = [OrientationsTab, SessionsTab, DocumentsTab, HistoryTab, PrivateNotesTab, SharesTab]


class _FileErrors(FieldErrors):
    """Refusals of a multi-tab form: the tab holding the refused field comes to the front."""

    def __init__(self, banner: QLabel, reveal) -> None:  # noqa: ANN001 - callable(QWidget)
        super().__init__(banner)
        self._reveal = reveal

    def show(self, error: DomainError) -> bool:
        widget = self.widget(error.field or "")
        if widget is not None:
            self._reveal(widget)
        return super().show(error)


class ChildFile(QWidget):
    """The window of one child's file."""

    closed = Signal(int)  # child id, once the window has closed

    def __init__(self, ctx: AppContext, child_id: int, parent: Optional[QWidget] = None, *,
                 view_traced: bool = False) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.ctx = ctx
        self.child_id = child_id
        if not view_traced:  # an archived file's opening was traced with its reason (ui.archived_file)
            with ctx.write() as session:  # refuses (NotFoundError) a file deleted meanwhile
                child_file.record_view(session, child_id)
        self._stale: set[int] = set()
        self._discard = False  # closing without asking (the file was deleted meanwhile)
        self._build()
        self.reload()
        self._restore_geometry()
        ctx.data_changed.connect(self.reload)
        # Another database now: this window's child is not in it. The main window asks
        # about unsaved edits (close_child_files) before switching; this is the safety net.
        ctx.database_changed.connect(self._force_close)

    # --- layout ----------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        self.heading = QLabel(self)
        self.heading.setObjectName("heading")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.heading.setFont(font)
        self.subheading = QLabel(self)
        self.subheading.setObjectName("subheading")
        layout.addWidget(self.heading)
        layout.addWidget(self.subheading)
        self.archive_banner = QLabel(self)
        self.archive_banner.setObjectName("archive_banner")
        self.archive_banner.setStyleSheet("background: #fdf2d0; border: 1px solid #e0c46c; padding: 6px; "
                                          "font-weight: bold;")
        self.archive_banner.hide()
        layout.addWidget(self.archive_banner)

        banner = QLabel(self)
        banner.setObjectName("banner")
        self.errors = _FileErrors(banner, self._reveal)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("tabs")
        self.tabs.setDocumentMode(True)
        self.identity = IdentityTab(self.ctx, self.child_id, self.errors, self.tabs)
        self.referrals = ReferralsTab(self.ctx, self.child_id, self.tabs)
        self.eps = EpsTab(self.ctx, self.child_id, self.tabs)
        self.pathway = PathwayTab(self.ctx, self.child_id, self.errors, self.tabs)
        tabs: list[ChildTab] = [self.identity, self.referrals, self.eps, self.pathway]
        # A tab may be for some roles only (``shown_for(role)``: the sharing is the coordinator's).
        tabs += [cls(self.ctx, self.child_id, self.tabs) for cls in TABS
                 if getattr(cls, "shown_for", lambda _role: True)(self.ctx.role)]
        self.orientations, self.sessions, self.documents, self.history = tabs[4:8]
        for tab in tabs:
            self.tabs.addTab(tab, tab.title)
        self.tabs.currentChanged.connect(self._tab_shown)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(banner)

        buttons = QHBoxLayout()
        self.revert_button = QPushButton("Annuler les modifications", self)
        self.revert_button.setToolTip("Revenir à ce qui est enregistré (les modifications en cours sont perdues)")
        self.revert_button.clicked.connect(self.revert)
        self.save_button = QPushButton("Enregistrer", self)
        self.save_button.setToolTip("Enregistrer les modifications du dossier (Ctrl+S)")
        self.save_button.setDefault(False)
        self.save_button.clicked.connect(self.save)
        close_button = QPushButton("Fermer", self)
        close_button.setToolTip("Fermer le dossier (Ctrl+W)")
        close_button.clicked.connect(self.close)
        buttons.addWidget(self.revert_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close_button)
        layout.addLayout(buttons)

        self.save_action = QAction("Enregistrer", self)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.triggered.connect(self.save)
        self.close_action = QAction("Fermer le dossier", self)
        self.close_action.setShortcut(QKeySequence("Ctrl+W"))
        self.close_action.triggered.connect(self.close)
        for action in (self.save_action, self.close_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)

    def _reveal(self, widget: QWidget) -> None:
        for number in range(self.tabs.count()):
            if self.tabs.widget(number).isAncestorOf(widget):
                self.tabs.setCurrentIndex(number)
                return

    # --- data ------------------------------------------------------------------------

    def tab_widgets(self) -> list[ChildTab]:
        return [self.tabs.widget(n) for n in range(self.tabs.count())]  # type: ignore[misc]

    def reload(self) -> None:
        """Read the file again: identity (heading, versions) and the visible tab now, the
        others when shown. Edited fields are kept (the tabs reload only clean forms)."""
        try:
            self.identity.refresh()
        except NotFoundError:
            self._gone()
            return
        current = self.tabs.currentIndex()
        self._stale = set(range(self.tabs.count())) - {0, current}
        if current != 0:
            self.tab_widgets()[current].refresh()
        self._show_heading()
        self.update_modified()
        if self.identity.data is not None and self.identity.data.archived_on is not None:
            read_only(self, self.identity.data.archived_on)

    def _tab_shown(self, number: int) -> None:
        if number in self._stale:
            self._stale.discard(number)
            self.tab_widgets()[number].refresh()

    def _show_heading(self) -> None:
        data = self.identity.data
        if data is None:
            return
        self.heading.setText(data.full_name)
        parts = [f"{data.age} an{'s' if data.age > 1 else ''}, {agreed('né', data.sex)} le {fr_date(data.birth_date)}",
                 data.status_label, f"Référent(e) : {data.referent_name or 'aucun'}", f"dossier n° {data.id}"]
        self.subheading.setText(" — ".join(parts))
        self.setWindowTitle(f"{data.full_name} — Dossier enfant[*]")

    def _gone(self) -> None:
        QMessageBox.information(self, "Dossier supprimé", "Ce dossier a été supprimé entre-temps : il va être fermé.")
        self._force_close()

    # --- editing ---------------------------------------------------------------------

    def is_dirty(self) -> bool:
        return self.identity.is_dirty() or self.pathway.is_dirty()

    @property
    def archived(self) -> bool:
        return self.identity.data is not None and self.identity.data.archived_on is not None

    def update_modified(self) -> None:
        if self.archived:
            return
        dirty = self.is_dirty()
        self.setWindowModified(dirty)
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)

    def save(self) -> bool:
        """Store the edits in one service call; False (nothing stored) when refused or declined."""
        if not self.is_dirty() or self.archived:
            return True
        child_version, family_version = self.identity.versions
        child_changes = self.identity.child_fields.changes()
        family_changes = self.identity.family_fields.changes()
        review = self.pathway.review_change() or {}

        def action(confirm: bool) -> bool:
            with self.ctx.write() as session:
                child_file.save_child_file(session, self.child_id, expected_version=child_version,
                                           child=child_changes, family=family_changes,
                                           family_version=family_version, confirm=confirm, **review)
            return True

        if not run_action(self, action, self.errors):
            return False
        self.identity.refresh(force=True)
        self.pathway.refresh(force=True)
        self.ctx.data_changed.emit()
        return True

    def revert(self) -> None:
        """Back to what is stored, dropping the edits (the user asked for it)."""
        self.errors.clear()
        self.identity.refresh(force=True)
        self.pathway.refresh(force=True)
        self._show_heading()
        self.update_modified()

    # --- closing ---------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.is_dirty() and not self._discard:
            name = self.identity.data.full_name if self.identity.data else ""
            answer = ask_unsaved(self, f"Le dossier de {name}")
            if answer == QMessageBox.StandardButton.Cancel or (
                    answer == QMessageBox.StandardButton.Save and not self.save()):
                event.ignore()
                return
        self._remember_geometry()
        event.accept()
        self.closed.emit(self.child_id)

    def _force_close(self) -> None:
        self._discard = True
        self.close()

    def _restore_geometry(self) -> None:
        geometry = self.ctx.settings.value(GEOMETRY_KEY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1040, 760)

    def _remember_geometry(self) -> None:
        self.ctx.settings.setValue(GEOMETRY_KEY, self.saveGeometry())
