"""Keep the folded ``search_name`` columns in step with the names they mirror.

Done at flush time so that no code path (service, demo, import) can forget it.
"""

from __future__ import annotations

from sqlalchemy import event

from ..textnorm import fold
from .partners import Partner
from .people import Child, Family


def _child(mapper, connection, target: Child) -> None:
    target.search_name = fold(f"{target.last_name} {target.first_name}")


def _named(mapper, connection, target) -> None:
    target.search_name = fold(target.name)


for _cls, _fn in ((Child, _child), (Family, _named), (Partner, _named)):
    event.listen(_cls, "before_insert", _fn)
    event.listen(_cls, "before_update", _fn)
