"""Window-wide actions that lead into an area: the Enfants menu (Ctrl+N, Ctrl+F) and the
requests to show a record (``ctx.open_record``) in the area that holds it.

Kept out of main_window so the window stays a shell: it calls ``install(window)`` once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from .caseload_actions import add_transfer_action

if TYPE_CHECKING:  # pragma: no cover
    from .main_window import MainWindow

RECORD_AREAS = {"convention": "conventions"}  # record kind -> area that shows it


def install(window: "MainWindow") -> None:
    if window.has_area("children"):
        _children_menu(window)
    window.ctx.open_record.connect(lambda kind, record_id: show_record(window, kind, record_id))


def _children_menu(window: "MainWindow") -> None:
    menu = window.menuBar().addMenu("&Enfants")
    window.new_referral_action = QAction("&Nouveau repérage…", window)
    window.new_referral_action.setShortcut(QKeySequence.StandardKey.New)
    window.new_referral_action.setStatusTip("Saisir un nouvel enfant repéré : enfant, famille, repérage")
    window.new_referral_action.triggered.connect(lambda: new_referral(window))
    menu.addAction(window.new_referral_action)
    window.search_action = QAction("&Rechercher un enfant", window)
    window.search_action.setShortcut(QKeySequence.StandardKey.Find)
    window.search_action.setStatusTip("Aller à la recherche de la liste des enfants")
    window.search_action.triggered.connect(lambda: search_children(window))
    menu.addAction(window.search_action)
    add_transfer_action(window, menu)


def new_referral(window: "MainWindow") -> None:
    window.show_area("children")
    window.screen("children").new_referral()  # type: ignore[attr-defined]


def search_children(window: "MainWindow") -> None:
    window.show_area("children")
    window.screen("children").focus_search()  # type: ignore[attr-defined]


def show_record(window: "MainWindow", kind: str, record_id: int) -> bool:
    """Show the area holding the record, and the record itself if the area can select it."""
    area = RECORD_AREAS.get(kind)
    if area is None or not window.has_area(area):
        return False
    window.show_area(area)
    select = getattr(window.screen(area), "show_record", None)
    if callable(select):
        select(kind, record_id)
    return True
