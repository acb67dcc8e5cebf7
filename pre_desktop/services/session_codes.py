"""The short codes a month's sessions are typed with: ``12 I P; 19 PA E``.

A partner reports a month at once; typing "12" (the 12th, individuel, présent) or
"19 PA E" (the 19th, entretien parents, absent excusé) is much faster than a form per
session. Type and status codes are distinct words, so their order does not matter and
either may be left out (individuel, présent by default).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Iterable

from ..models import SessionKind, SessionStatus
from ..textnorm import fold
from .errors import DomainError

KIND_CODES: dict[str, SessionKind] = {
    "I": SessionKind.INDIVIDUAL, "IND": SessionKind.INDIVIDUAL,
    "PA": SessionKind.PARENTS, "PAR": SessionKind.PARENTS,
    "F": SessionKind.FAMILY, "FA": SessionKind.FAMILY, "FAM": SessionKind.FAMILY,
}
STATUS_CODES: dict[str, SessionStatus] = {
    "P": SessionStatus.PRESENT,
    "E": SessionStatus.EXCUSED, "AE": SessionStatus.EXCUSED,
    "A": SessionStatus.UNEXCUSED, "ANE": SessionStatus.UNEXCUSED,
    "X": SessionStatus.CANCELLED, "AN": SessionStatus.CANCELLED, "ANN": SessionStatus.CANCELLED,
}
KIND_CODE = {SessionKind.INDIVIDUAL: "I", SessionKind.PARENTS: "PA", SessionKind.FAMILY: "F"}
STATUS_CODE = {SessionStatus.PRESENT: "P", SessionStatus.EXCUSED: "E", SessionStatus.UNEXCUSED: "A",
               SessionStatus.CANCELLED: "X"}
LEGEND = ("Saisie : jour, type, statut — séparez les séances par « ; ». Types : I individuel, PA parents, "
          "F familial. Statuts : P présent, E absent excusé, A absent non excusé, X annulé par le partenaire. "
          "Par défaut I P. Ex. : « 3; 10 E; 17 PA » ")


@dataclass(frozen=True)
class TypedSession:
    session_date: dt.date
    kind: SessionKind
    status: SessionStatus


def _day(token: str, year: int, month: int, piece: str) -> dt.date:
    parts = token.split("/")
    try:
        numbers = [int(p) for p in parts]
        if len(numbers) == 1:
            return dt.date(year, month, numbers[0])
        if len(numbers) == 2:
            return dt.date(year, numbers[1], numbers[0])
        if len(numbers) == 3:
            return dt.date(numbers[2], numbers[1], numbers[0])
    except (ValueError, OverflowError):  # a huge number overflows dt.date instead of being out of range
        pass
    where = f"« {piece} » : " if piece != token else ""
    raise DomainError(f"{where}« {token} » n'est pas un jour valide.", "sessions")


def parse_sessions(text: str, year: int, month: int) -> list[TypedSession]:
    """Read ``12 I P; 19 PA E`` (the month is the grid's); refuse what cannot be read."""
    out: list[TypedSession] = []
    for piece in re.split(r"[;,\n]+", text or ""):
        words = piece.split()
        if not words:
            continue
        day = _day(words[0], year, month, piece.strip())
        kind, status = SessionKind.INDIVIDUAL, SessionStatus.PRESENT
        kind_seen = status_seen = False
        for word in words[1:]:
            code = fold(word).upper().strip(".")
            if code in KIND_CODES and not kind_seen:
                kind, kind_seen = KIND_CODES[code], True
            elif code in STATUS_CODES and not status_seen:
                status, status_seen = STATUS_CODES[code], True
            else:
                raise DomainError(f"« {piece.strip()} » : « {word} » n'est ni un type (I, PA, F) ni un statut "
                                  "(P, E, A, X), ou il est répété.", "sessions")
        out.append(TypedSession(day, kind, status))
    return out


def format_sessions(sessions: Iterable[TypedSession | object]) -> str:
    """The codes of stored sessions, in date order: ``2 I P; 9 I E``."""
    items = sorted(sessions, key=lambda s: (s.session_date, s.kind.value))  # type: ignore[attr-defined]
    return "; ".join(f"{s.session_date.day} {KIND_CODE[s.kind]} {STATUS_CODE[s.status]}"  # type: ignore[attr-defined]
                     for s in items)
