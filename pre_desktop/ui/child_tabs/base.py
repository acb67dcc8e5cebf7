"""What every tab of the child's file has: the context, the child, a toolbar, refresh()."""

from __future__ import annotations

from typing import Any, Callable, Optional

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from sqlalchemy.orm import Session

from ..context import AppContext
from ..forms import run_action
from ..rows_model import RowsView


class ChildTab(QWidget):
    """One tab: ``title`` in the tab bar, ``actions_row`` for its buttons, ``refresh()``."""

    title = ""

    def __init__(self, ctx: AppContext, child_id: int, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.child_id = child_id
        self.main_list: Optional[RowsView] = None
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(10, 10, 10, 10)
        self.actions_row = QHBoxLayout()
        self.actions_row.setContentsMargins(0, 0, 0, 0)
        self.actions_row.addStretch(1)
        self.layout_.addLayout(self.actions_row)

    def add_action(self, widget: QWidget) -> QWidget:
        """Put a button in the tab's toolbar, after the ones already there."""
        self.actions_row.insertWidget(self.actions_row.count() - 1, widget)
        return widget

    def refresh(self) -> None:
        raise NotImplementedError

    def is_dirty(self) -> bool:
        """Whether the tab holds edits not saved yet (only the editable tabs do)."""
        return False

    def selected(self) -> Any:
        return self.main_list.selected() if self.main_list is not None else None

    def written(self) -> bool:
        """After a write from this tab: read it again, and let the other screens know."""
        self.refresh()
        self.ctx.data_changed.emit()
        return True

    def write(self, change: Callable[[Session], Any]) -> bool:
        """``change(session)`` in one transaction (a refusal shown in a message); True once written."""
        def action(_confirm: bool) -> bool:
            with self.ctx.write() as session:
                change(session)
            return True

        return bool(run_action(self, action)) and self.written()


def section_title(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label
