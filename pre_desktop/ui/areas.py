"""The app's areas, in the navigation's order, and where each one's screen lives.

An area appears in the navigation only once its screen exists (no dead buttons): to
add one, write its widget (``__init__(ctx, parent)`` and ``refresh()``) and add its
``module:Class`` to ``SCREENS``. Screens are imported lazily so a broken or slow area
does not slow the start of the others.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Optional, Protocol

from PySide6.QtWidgets import QWidget

from ..models import Role
from .context import AppContext


@dataclass(frozen=True)
class Area:
    key: str
    label: str
    shortcut: str  # Alt+digit, in the navigation's order


ORDER: list[tuple[str, str]] = [
    ("todo", "À traiter"),
    ("children", "Enfants"),
    ("eps", "EPS"),
    ("partners", "Partenaires"),
    ("conventions", "Conventions"),
    ("liaisons", "Fiches de liaison"),
    ("sessions", "Séances"),
    ("documents", "Documents"),
    ("dashboard", "Tableau de bord"),
    ("audit", "Journal"),
    ("archive", "Archivage"),
    ("settings", "Paramètres"),
    ("users", "Utilisateurs"),
]

# key -> "module:Class" of the screen. Only the areas listed here are shown.
SCREENS: dict[str, str] = {
    "todo": "pre_desktop.ui.todo_area:TodoArea",
    "children": "pre_desktop.ui.children_area:ChildrenArea",
    "conventions": "pre_desktop.ui.conventions_area:ConventionsArea",
    "eps": "pre_desktop.ui.eps_area:EpsArea",
    "partners": "pre_desktop.ui.partners_area:PartnersArea",
    "settings": "pre_desktop.ui.settings_area:SettingsArea",
    "liaisons": "pre_desktop.ui.liaisons_area:LiaisonsArea",
    "sessions": "pre_desktop.ui.sessions_area:SessionsArea",
    "documents": "pre_desktop.ui.documents_area:DocumentsArea",
    "dashboard": "pre_desktop.ui.dashboard_area:DashboardArea",  # the structure's figures; lists of children per role
    "audit": "pre_desktop.ui.audit_area:AuditArea",  # coordinator only (services.audit_search)
    "archive": "pre_desktop.ui.archive_area:ArchiveArea",  # coordinator only (services.retention)
    "users": "pre_desktop.ui.users_area:UsersArea",  # coordinator only: users_area.visible_for(role)
}


class AreaScreen(Protocol):
    def refresh(self) -> None: ...


# key -> the roles that have the area; an area not listed is everyone's. The services
# refuse anyway (services.access): this only keeps out of sight what a role cannot use.
# Add the line of a new area that is not everyone's.
ROLES: dict[str, frozenset[Role]] = {
    "children": frozenset({Role.COORDINATOR, Role.REFERENT}),  # the secretariat opens no child's file
    "eps": frozenset({Role.COORDINATOR, Role.REFERENT}),
    "liaisons": frozenset({Role.COORDINATOR, Role.REFERENT}),
    "dashboard": frozenset({Role.COORDINATOR, Role.REFERENT}),  # its drill-down names children
    "settings": frozenset({Role.COORDINATOR}),
    "audit": frozenset({Role.COORDINATOR}),
    "archive": frozenset({Role.COORDINATOR}),
    "users": frozenset({Role.COORDINATOR}),
}


def allowed(key: str, role: Optional[Role]) -> bool:
    """Whether ``role`` has the area (no role: no account yet, every area)."""
    return role is None or key not in ROLES or role in ROLES[key]


def available(role: Optional[Role] = None) -> list[Area]:
    shown = [(key, text) for key, text in ORDER if key in SCREENS and allowed(key, role)]
    # Alt+1 … Alt+9 for the first nine; the others are reached from the navigation only.
    return [Area(key, text, f"Alt+{i}" if i <= 9 else "") for i, (key, text) in enumerate(shown, start=1)]


def create(key: str, ctx: AppContext, parent: Optional[QWidget] = None) -> QWidget:
    module_name, class_name = SCREENS[key].split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(ctx, parent)
