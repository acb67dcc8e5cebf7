"""The Journal des accès, as searched, to .xlsx: the coordinator's answer to "who read
or changed this file, and when?" (a CNIL check, a family's complaint).

The export is itself traced: a file listing who read which child's file is personal
data too, and leaves the app.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..formatting import fr_datetime
from ..models import User
from ..services.audit_search import TrailFilter, TrailRow, trail_rows
from ..services.documents import record_document
from ..services.settings import structure_name
from .xlsx import Column, Sheet, write_xlsx

KIND = "audit_trail"
TITLE = "Journal des accès"
TARGET = "audit_events"  # the trail, not one event: target id 0
EXPORT_LIMIT = 100_000  # a year of a large PRE; Excel itself stops at 1,048,576 rows

COLUMNS = [Column("Date et heure", "datetime", 17), Column("Utilisateur", "text", 20),
           Column("Action", "text", 14), Column("Dossier", "text", 26), Column("Élément", "text", 24),
           Column("Détail", "text", 80)]


def _local(moment: dt.datetime) -> dt.datetime:
    """The stored naive UTC as the local wall-clock time the screen shows."""
    return moment.replace(tzinfo=dt.timezone.utc).astimezone().replace(tzinfo=None)


def trail_sheet(rows: Sequence[TrailRow], pre_name: str, filters: str, now: Optional[dt.datetime] = None,
                cut: bool = False) -> Sheet:
    stamp = fr_datetime(now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
    intro = [f"{pre_name} — {TITLE}", f"Extrait le {stamp} : {len(rows)} événement(s)", f"Filtres : {filters}"]
    if cut:
        intro.append(f"Seuls les {len(rows)} événements les plus récents sont écrits : affinez les filtres "
                     "(dossier, utilisateur, période) pour les autres.")
    data = [[_local(r.at), r.user_name, r.action_label, r.child_name, r.entity_label, r.what] for r in rows]
    return Sheet(TITLE, COLUMNS, data, intro=intro)


def export_trail(session: Session, f: TrailFilter, path: Path, *, limit: int = EXPORT_LIMIT) -> tuple[Path, int]:
    """Write every event matching ``f`` (the newest ``limit``, said in the sheet when
    there are more) and trace the export (coordinator only: the search refuses anyone
    else before anything is written). The caller commits."""
    rows = trail_rows(session, f, limit=limit + 1)
    cut = len(rows) > limit
    rows = rows[:limit]
    users = {u.id: u.full_name for u in session.scalars(select(User))}
    filters = f.describe(users)
    written = write_xlsx([trail_sheet(rows, structure_name(session), filters, cut=cut)], Path(path))
    record_document(session, kind=KIND, file_format="xlsx", title=f"{TITLE} ({filters})", target_type=TARGET,
                    target_id=0, file_path=str(written),
                    children=len({r.child_id for r in rows if r.child_id is not None}))
    return written, len(rows)
