"""Parcours tab: the current pathway (objectives, actions, review date, end) and the earlier ones.

Objectives, actions and the end are decided by the EPS and shown here; the review
date of the open pathway can be changed, and is saved with the file (Ctrl+S).
"""

from __future__ import annotations

from typing import Any, Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QWidget

from ...formatting import fr_date
from ...services import child_file
from ...services.child_file import PathwayView
from ..context import AppContext
from ..fields import DateField, FieldSet
from ..forms import FieldErrors
from ..rows_model import Column, RowsView, empty_label
from .base import ChildTab, section_title

ACTION_COLUMNS = [
    Column("Action", lambda r: r.label, max_width=360),
    Column("Type", lambda r: r.action_type or ""),
    Column("Structure", lambda r: r.partner_name or ""),
    Column("Début", lambda r: fr_date(r.start_date), sort=lambda r: r.start_date),
    Column("Fin", lambda r: fr_date(r.end_date), sort=lambda r: r.end_date),
    Column("Décision", lambda r: "Hors EPS (à régulariser)" if r.hors_eps else "EPS",
           tone=lambda r: "warning" if r.hors_eps else None),
]

PATHWAY_COLUMNS = [
    Column("Début", lambda r: fr_date(r.start_date), sort=lambda r: r.start_date),
    Column("Fin", lambda r: fr_date(r.end_date), sort=lambda r: r.end_date),
    Column("Motif de fin", lambda r: r.end_reason or ""),
    Column("Actions", lambda r: str(len(r.actions)), sort=lambda r: len(r.actions), right=True),
    Column("Objectifs", lambda r: r.objectives, max_width=480),
]


class PathwayTab(ChildTab):
    title = "Parcours"

    def __init__(self, ctx: AppContext, child_id: int, errors: FieldErrors,
                 parent: Optional[QWidget] = None) -> None:
        super().__init__(ctx, child_id, parent)
        self.errors = errors
        self.current: Optional[PathwayView] = None
        self._loaded: Optional[tuple[int, int]] = None  # (pathway id, version) of the form
        self.fields = FieldSet()

        self.none_label = empty_label("Aucun parcours : l'enfant n'a pas encore de parcours décidé par l'EPS.", self)
        self.layout_.addWidget(self.none_label)

        self.box = QGroupBox("Parcours en cours", self)
        form = QFormLayout(self.box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.start = QLabel(self.box)
        self.start.setObjectName("start")
        form.addRow("Début :", self.start)
        self.review = DateField(self.box)
        self.review.widget.setObjectName("review_date")
        self.fields.add("review_date", self.review)
        self.errors.add_row(form, "Date de révision :", "review_date", self.review.widget)
        self.end = QLabel(self.box)
        self.end.setObjectName("end")
        form.addRow("Fin :", self.end)
        self.objectives = QLabel(self.box)
        self.objectives.setObjectName("objectives")
        self.objectives.setWordWrap(True)
        self.objectives.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Objectifs :", self.objectives)
        self.layout_.addWidget(self.box)

        self.actions_title = section_title("Actions du parcours", self)
        self.layout_.addWidget(self.actions_title)
        self.actions = self.main_list = RowsView(ACTION_COLUMNS, "Aucune action dans ce parcours.", self,
                                                 name="actions")
        self.layout_.addWidget(self.actions, 2)

        self.earlier_title = section_title("Parcours précédents", self)
        self.layout_.addWidget(self.earlier_title)
        self.earlier = RowsView(PATHWAY_COLUMNS, "Aucun parcours précédent.", self, name="earlier")
        self.layout_.addWidget(self.earlier, 1)
        self.fields.on_change(self._changed)

    def _changed(self) -> None:
        window = self.window()
        if hasattr(window, "update_modified"):
            window.update_modified()

    def is_dirty(self) -> bool:
        return self._loaded is not None and self.fields.is_dirty()

    def review_change(self) -> Optional[dict[str, Any]]:
        """The arguments of save_child_file for a changed review date, or None."""
        if not self.is_dirty() or self._loaded is None:
            return None
        pathway_id, version = self._loaded
        return {"pathway_id": pathway_id, "pathway_version": version, "review_date": self.review.value()}

    def refresh(self, *, force: bool = False) -> None:
        with self.ctx.read() as session:
            pathways = child_file.pathway_views(session, self.child_id)
        current = next((p for p in pathways if p.is_open), pathways[0] if pathways else None)
        self.current = current
        earlier = [p for p in pathways if p is not current]
        self.none_label.setVisible(current is None)
        for widget in (self.box, self.actions_title, self.actions):
            widget.setVisible(current is not None)
        self.earlier_title.setVisible(bool(earlier))
        self.earlier.setVisible(bool(earlier))
        self.earlier.set_rows(earlier)
        if current is None:
            self._loaded = None
            self.fields.load({})
            return
        self.box.setTitle("Parcours en cours" if current.is_open else "Dernier parcours (terminé)")
        self.start.setText(fr_date(current.start_date))
        end = fr_date(current.end_date) + (f" — {current.end_reason}" if current.end_reason else "")
        self.end.setText(end if current.end_date else "en cours")
        self.objectives.setText(current.objectives or "Objectifs non renseignés.")
        self.actions.set_rows(current.actions)
        if force or not self.is_dirty():
            self.fields.load({"review_date": current.review_date})
            self._loaded = (current.id, current.version) if current.is_open else None
        self.review.widget.setEnabled(current.is_open)  # a closed pathway is not reviewed
