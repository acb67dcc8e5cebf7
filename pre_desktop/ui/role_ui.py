"""Actions kept out of sight of the roles that cannot use them.

The services refuse anyway (services.access): this only spares a user a button that
would answer « Votre rôle ne permet pas… ». A window without an account (tests, tools)
shows everything, as the command line may do everything.
"""

from __future__ import annotations

from typing import Union

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from ..models import Role
from .context import AppContext

# Partners, conventions and the partners' monthly documents (services.access.require_directory).
DIRECTORY = frozenset({Role.COORDINATOR, Role.SECRETARIAT})
# Running the EPS commissions, the partner types (services.access.require_coordinator).
COORDINATION = frozenset({Role.COORDINATOR})


def only_for(ctx: AppContext, roles: frozenset[Role], *items: Union[QWidget, QAction]) -> bool:
    """Hide ``items`` unless the acting user's role is one of ``roles``; whether it is."""
    allowed = ctx.role is None or ctx.role in roles
    if not allowed:
        for item in items:
            item.setVisible(False)
    return allowed
