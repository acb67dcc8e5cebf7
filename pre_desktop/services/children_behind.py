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

# Beyond this many ids, reading every visible child and keeping the wanted ones is quicker
# than binding thousands of parameters (and stays under SQLite's limit of bound parameters).
_IN_LIST_LIMIT = 2000


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
    sort_name: str  # the folded "last first" name
    search_text: str  # folded name, school and référent: what the list's search looks in

    @property
    def name(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}"


def children_behind(session: Session, ids: Iterable[int], on: dt.date) -> list[ChildBehindRow]:
    """The rows of ``ids`` the acting user may read, by name; ages on ``on``.

    A figure of a big structure stands for thousands of children (every child followed):
    names come sorted on the stored folded name, and the few distinct schools and
    référents are folded once each.
    """
    wanted = set(ids)
    if not wanted:
        return []
    stmt = (select(Child.id, Child.search_name, Child.last_name, Child.first_name, Child.birth_date, Child.school,
                   Child.school_class, User.first_name, User.last_name, Child.status)
            .outerjoin(User, Child.referent_id == User.id)
            .where(visible_children(session)))
    if len(wanted) <= _IN_LIST_LIMIT:
        stmt = stmt.where(Child.id.in_(wanted))
    folded: dict[str, str] = {}
    rows: list[tuple[str, int, ChildBehindRow]] = []
    for cid, search_name, last, first, birth, school, school_class, ref_first, ref_last, status in session.execute(
            stmt):
        if cid not in wanted:
            continue
        referent = _name(ref_first, ref_last)
        school = school or ""
        for text in (school, referent):
            if text not in folded:
                folded[text] = fold(text)
        rows.append((search_name, cid, ChildBehindRow(
            id=cid, last_name=last, first_name=first, age=age_on(birth, on), school=school,
            school_class=school_class or "", referent_name=referent, status=status,
            status_label=LABELS[ChildStatus][status.value], sort_name=search_name,
            search_text=f"{search_name} {folded[school]} {folded[referent]}")))
    rows.sort(key=lambda item: (item[0], item[1]))
    return [row for _, _, row in rows]


def _name(first: Optional[str], last: Optional[str]) -> str:
    return f"{first} {last}" if last else ""
