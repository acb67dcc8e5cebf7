"""The children behind a statistic: the list a figure of the Tableau de bord opens.

The statistics give ids (already limited to the files the acting user may read); this
turns them into list rows. The access rule is applied again here, in the query: a list
of names never depends on the caller having filtered right. Ages are given on the day the
statistics count them (31 December of the school year), so a child listed under "6 à 10
ans" shows an age in that band.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Child, ChildStatus, User
from ..textnorm import fold
from .access import visible_children
from .common import age_on
from .labels import LABELS

_CHUNK = 5000  # ids per query: well under SQLite's limit of bound parameters


@dataclass(frozen=True)
class ChildBehindRow:
    id: int
    last_name: str
    first_name: str
    age: int
    school: str
    school_class: str
    referent_name: str
    status: ChildStatus
    status_label: str

    @property
    def name(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}"


def children_behind(session: Session, ids: Iterable[int], on: dt.date) -> list[ChildBehindRow]:
    """The rows of ``ids`` the acting user may read, by name; ages on ``on``."""
    wanted = sorted(set(ids))
    rows: list[ChildBehindRow] = []
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        stmt = (select(Child.id, Child.last_name, Child.first_name, Child.birth_date, Child.school,
                       Child.school_class, User.first_name, User.last_name, Child.status)
                .outerjoin(User, Child.referent_id == User.id)
                .where(Child.id.in_(chunk), visible_children(session)))
        for cid, last, first, birth, school, school_class, ref_first, ref_last, status in session.execute(stmt):
            rows.append(ChildBehindRow(
                id=cid, last_name=last, first_name=first, age=age_on(birth, on), school=school or "",
                school_class=school_class or "", referent_name=_name(ref_first, ref_last), status=status,
                status_label=LABELS[ChildStatus][status.value]))
    rows.sort(key=lambda r: (fold(f"{r.last_name} {r.first_name}"), r.id))
    return rows


def _name(first: Optional[str], last: Optional[str]) -> str:
    return f"{first} {last}" if last else ""
