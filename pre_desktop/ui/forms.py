"""How every form shows what the services refuse, asks for confirmations, and asks before loss.

One place for the pattern the whole app follows: a write is one service call; a
``DomainError`` is shown next to the field it names (highlighted, with the French
message) and nothing is stored; a ``NeedsConfirmation`` lists its warnings and, if the
user accepts, the same call is made again with ``confirm=True``.
"""

from __future__ import annotations

from typing import Callable, Optional, TypeVar

from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from ..services.errors import DomainError, NeedsConfirmation, StaleRecordError

T = TypeVar("T")

REFUSED_STYLE = "border: 2px solid #c0392b; background: #fdecea;"
MESSAGE_STYLE = "color: #a93226;"


class FieldErrors:
    """Binds the services' field names to widgets, to show a refusal where it belongs."""

    def __init__(self, banner: Optional[QLabel] = None) -> None:
        self._widgets: dict[str, QWidget] = {}
        self._labels: dict[str, QLabel] = {}
        self._styles: dict[str, str] = {}
        self.banner = banner
        if banner is not None:
            banner.setWordWrap(True)
            banner.setStyleSheet(MESSAGE_STYLE)
            banner.hide()
        self.shown_field: Optional[str] = None
        self.shown_message: Optional[str] = None

    def bind(self, field: str, widget: QWidget, message_label: Optional[QLabel] = None) -> QLabel:
        """Remember ``widget`` for ``field``; return the (hidden) label its message goes in."""
        label = message_label or QLabel(widget.parentWidget())
        label.setObjectName(f"error_{field}")
        label.setWordWrap(True)
        label.setStyleSheet(MESSAGE_STYLE)
        label.hide()
        self._widgets[field] = widget
        self._labels[field] = label
        self._styles[field] = widget.styleSheet()
        return label

    def add_row(self, form: QFormLayout, text: str, field: str, widget: QWidget) -> None:
        """A form row whose field has its refusal message just under it."""
        holder = QWidget(widget.parentWidget())
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        widget.setParent(holder)
        box.addWidget(widget)
        box.addWidget(self.bind(field, widget, QLabel(holder)))
        form.addRow(text, holder)
        caption = form.labelForField(holder)
        if isinstance(caption, QLabel):
            caption.setBuddy(widget)

    def widget(self, field: str) -> Optional[QWidget]:
        return self._widgets.get(field)

    def message(self, field: str) -> str:
        label = self._labels.get(field)
        return label.text() if label is not None and not label.isHidden() else ""

    def clear(self) -> None:
        for field, widget in self._widgets.items():
            widget.setProperty("refused", False)
            widget.setStyleSheet(self._styles[field])
            self._labels[field].hide()
            self._labels[field].clear()
        if self.banner is not None:
            self.banner.hide()
            self.banner.clear()
        self.shown_field = self.shown_message = None

    def show(self, error: DomainError) -> bool:
        """Show ``error`` on its field (or the banner); False if there is nowhere to show it."""
        self.clear()
        self.shown_field, self.shown_message = error.field, error.message
        widget = self._widgets.get(error.field or "")
        if widget is not None:
            widget.setProperty("refused", True)
            widget.setStyleSheet(self._styles[error.field or ""] + REFUSED_STYLE)
            label = self._labels[error.field or ""]
            label.setText(error.message)
            label.show()
            widget.setFocus()
            return True
        if self.banner is not None:
            self.banner.setText(error.message)
            self.banner.show()
            return True
        return False


def warnings_text(confirmation: NeedsConfirmation) -> str:
    return "\n\n".join(f"• {w.message}" for w in confirmation.warnings)


def run_action(
    parent: QWidget,
    action: Callable[[bool], T],
    errors: Optional[FieldErrors] = None,
    *,
    title: str = "Enregistrement refusé",
) -> Optional[T]:
    """Call ``action(confirm)``; show refusals, ask about warnings; None when nothing was done."""
    confirm = False
    while True:
        try:
            result = action(confirm)
        except NeedsConfirmation as confirmation:
            answer = QMessageBox.question(
                parent,
                "Confirmer",
                warnings_text(confirmation) + "\n\nEnregistrer quand même ?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return None
            confirm = True
            continue
        except StaleRecordError as error:
            QMessageBox.warning(parent, "Modifié entre-temps", error.message)
            return None
        except DomainError as error:
            if errors is None or not errors.show(error):
                QMessageBox.warning(parent, title, error.message)
            return None
        if errors is not None:
            errors.clear()
        return result


def confirm(parent: QWidget, title: str, text: str, *, yes: str = "Supprimer") -> bool:
    """Ask before something that cannot be undone; the safe answer is the default."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton, parent)
    ok = box.addButton(yes, QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton("Annuler", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is ok


def ask_unsaved(parent: QWidget, what: str) -> QMessageBox.StandardButton:
    """Save, Discard or Cancel for a window closing with unsaved changes."""
    return QMessageBox.question(
        parent,
        "Modifications non enregistrées",
        f"{what} contient des modifications non enregistrées.\nVoulez-vous les enregistrer ?",
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Save,
    )
