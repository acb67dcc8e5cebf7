"""The one domain error type, and the confirmation request for warnings.

Every refusal carries a French message for the user and the field it concerns, so
the UI can highlight that field and show the message next to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from typing import Optional


class DomainError(Exception):
    """Input refused by a rule. Raised before anything is written."""

    def __init__(self, message: str, field: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class NotFoundError(DomainError):
    """The record asked for does not exist (deleted meanwhile, wrong id)."""


class StaleRecordError(DomainError):
    """The record changed since the user read it: never overwrite silently."""

    def __init__(self, what: str = "Cet enregistrement") -> None:
        super().__init__(
            f"{what} a été modifié entre-temps (dans une autre fenêtre ou sur un autre poste). "
            "Rechargez-le pour voir la dernière version avant d'enregistrer vos changements.",
            field=None,
        )


class PermissionDeniedError(DomainError):
    """The current user's role does not allow this."""


@dataclass(frozen=True)
class DomainWarning:
    """Something the user may accept (age outside the public, likely duplicate…)."""

    code: str
    message: str
    field: Optional[str] = None
    related_id: Optional[int] = None


@dataclass
class NeedsConfirmation(Exception):
    """Raised instead of writing when warnings exist and the caller did not confirm.

    The caller shows the warnings, and calls again with ``confirm=True`` if the user
    accepts them. Nothing has been written when this is raised.
    """

    warnings: list[DomainWarning] = dc_field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(w.message for w in self.warnings)
