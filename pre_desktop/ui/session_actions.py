"""Session actions and the quota where a child's sessions are shown (the file's Séances tab).

The tab lists every session of the child; these actions act on one orientation (fiche
de liaison): the one of the selected session, the only one in progress, or the one
the user picks. The quota line shows each orientation in progress as used / quota,
coloured from the warning threshold on (as in the Séances grid); ended ones say so.
"""

from __future__ import annotations

from html import escape
from typing import Any, Optional

from PySide6.QtWidgets import QInputDialog, QLabel, QPushButton, QWidget

from ..formatting import fr_date
from ..services import child_file
from .session_dialogs import RepeatDialog, SessionsDialog
from .sessions_grid import LEVEL_COLORS, LEVEL_TIPS


class SessionActions:
    """Adds "Saisir une séance…", "Rendez-vous réguliers…" and the quota line to a child tab."""

    def __init__(self, tab: Any) -> None:  # a ChildTab (ctx, child_id, add_action, layout_, selected())
        self.tab = tab
        self.quota = QLabel(tab)
        self.quota.setObjectName("quota")
        self.quota.setWordWrap(True)
        self.quota.setTextFormat(self.quota.textFormat().RichText)
        tab.layout_.insertWidget(1, self.quota)
        self.record_button = QPushButton("Saisir une séance…", tab)
        self.record_button.setObjectName("record_session")
        self.record_button.clicked.connect(lambda: self._open(SessionsDialog))
        self.repeat_button = QPushButton("Rendez-vous réguliers…", tab)
        self.repeat_button.setObjectName("repeat_sessions")
        self.repeat_button.clicked.connect(lambda: self._open(RepeatDialog))
        tab.add_action(self.record_button)
        tab.add_action(self.repeat_button)
        self.orientations: list[child_file.OrientationRow] = []

    def refresh(self) -> None:
        with self.tab.ctx.read() as session:
            rows = child_file.orientation_rows(session, self.tab.child_id)
        self.orientations = [r for r in rows if r.sent_on is not None]
        parts = []
        for r in self.orientations:
            color = LEVEL_COLORS.get(r.level) if r.ended_on is None else None
            text = f"{escape(r.partner_name)} : <b>{r.sessions_text}</b> séances"
            if r.ended_on is not None:
                text += f" (terminée le {fr_date(r.ended_on)})"
            if color:
                text = f'<span style="background:{color}" title="{LEVEL_TIPS[r.level]}">&nbsp;{text}&nbsp;</span>'
            parts.append(text)
        self.quota.setText("Quota : " + " · ".join(parts) if parts else "")
        self.quota.setVisible(bool(parts))
        for button in (self.record_button, self.repeat_button):
            button.setEnabled(bool(self.orientations))
            if not self.orientations:
                button.setToolTip("Aucune fiche de liaison envoyée pour cet enfant.")

    def choose(self) -> Optional[int]:
        """The orientation to act on: the selected session's, the only one, or the one picked."""
        selected = self.tab.selected()
        if selected is not None and getattr(selected, "care_referral_id", None):
            return int(selected.care_referral_id)
        candidates = [r for r in self.orientations if r.ended_on is None] or self.orientations
        if len(candidates) == 1:
            return candidates[0].id
        if not candidates:
            return None
        labels = [f"{r.partner_name} — {r.beneficiary} (fiche n° {r.id}, {r.sessions_text})" for r in candidates]
        chosen, ok = QInputDialog.getItem(self.tab, "Orientation", "Séances de l'orientation :", labels, 0, False)
        return candidates[labels.index(chosen)].id if ok else None

    def _open(self, dialog_class: type[QWidget]) -> None:
        fiche = self.choose()
        if fiche is None:
            return
        dialog = dialog_class(self.tab.ctx, fiche, self.tab)
        dialog.exec()
        self.tab.refresh()
