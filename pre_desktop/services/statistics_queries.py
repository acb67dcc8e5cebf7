"""The counting behind :mod:`.statistics`: grouped SQL per figure, for a school year and the one before.

Every number is a GROUP BY (or a column query over the year's few rows, for medians and the
free-text reasons); no ORM object is loaded per child. The children behind a figure are
asked separately, only for the selected year, and only those the acting user may read
(:func:`.access.visible_children` in the query).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import statistics as pystats
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterable, Optional

from sqlalchemy import Select, String, and_, case, cast, func, literal, or_, select, type_coerce
from sqlalchemy.orm import Session

from ..formatting import fr_date
from ..models import (
    AuditAction,
    AuditEvent,
    CareReferral,
    CareSession,
    Child,
    Convention,
    EpsDecision,
    EpsDecisionKind,
    EpsMeeting,
    EpsSituation,
    Family,
    Partner,
    PartnerType,
    Pathway,
    Referral,
    SessionStatus,
    Sex,
)
from ..textnorm import fold
from .access import may_read_notes, sees_every_file, visible_children
from .clock import today
from . import school_levels
from .labels import label
from .reports import session_groups
from .sessions import DEFAULT_QUOTA, DEFAULT_THRESHOLD
from .statistics import (
    AGE_BANDS,
    SCHOOL_LEVELS,
    Breakdown,
    BreakdownRow,
    Dashboard,
    Figure,
    SchoolYear,
    Section,
)

DEFAULT_FIRST_APPOINTMENT_DELAY = 30
TOP_REASONS = 12
NOT_GIVEN = "Non renseigné"
OTHER_REASONS = "Autres motifs"
OTHER_KEY = "_other"

# --------------------------------------------------------------------------- school levels

_LEVEL_KEYS = {school_levels.MATERNELLE: "maternelle", school_levels.ELEMENTAIRE: "elementaire",
               school_levels.COLLEGE: "college", school_levels.LYCEE: "lycee"}


def level_of_class(school_class: Optional[str]) -> str:
    """The SCHOOL_LEVELS key of a class as typed (:func:`.school_levels.school_level`), "other"
    when it says nothing of the level (ULIS, IME, empty)."""
    return _LEVEL_KEYS.get(school_levels.school_level(school_class) or "", "other")


def class_at_year_end(end: dt.date) -> Any:
    """The class a child was in at the end of a school year, as an SQL expression over Child
    (outer join :func:`class_changes_after` on the child's id).

    The class is not kept per year, but every change of it is in the audit trail with its
    before value: the class then is the one replaced by the first change after ``end`` (the
    rentrée's « CM2 → 6e »), or the class on file when none was typed since. Without that, a
    report on the past year made in the autumn would read every child one class up."""
    changes = class_changes_after(end)
    return func.coalesce(changes.c.before, Child.school_class), changes


def class_changes_after(end: dt.date) -> Any:
    """Per child, the class replaced by the first change typed after ``end`` (SQLite returns the
    bare column of the row holding the MIN)."""
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    return (select(AuditEvent.entity_id.label("child_id"),
                   func.json_extract(AuditEvent.changes, "$.school_class[0]").label("before"),
                   func.min(AuditEvent.at).label("first_at"))
            .where(AuditEvent.entity == Child.__tablename__, AuditEvent.action == AuditAction.UPDATE,
                   AuditEvent.at >= after, func.json_type(AuditEvent.changes, "$.school_class").is_not(None))
            .group_by(AuditEvent.entity_id).subquery())


def _level_case(session: Session, value: Any = None, end: Optional[dt.date] = None) -> Any:
    """A CASE over the classes actually typed: each distinct spelling is classified once in
    Python (accents and case folded the same everywhere), the database groups by the result.
    ``value`` is the class expression (the file's class by default); ``end`` adds the classes
    replaced since then (:func:`class_at_year_end`)."""
    classes = {c for c in session.scalars(select(Child.school_class).distinct()) if c is not None}
    if end is not None:
        classes.update(c for c in session.scalars(select(class_changes_after(end).c.before).distinct())
                       if isinstance(c, str))
    mapping = {c: level_of_class(c) for c in classes}
    known = {c: lvl for c, lvl in mapping.items() if lvl != "other"}
    if not known:
        return literal("other")
    return case(known, value=Child.school_class if value is None else value, else_=literal("other"))


# --------------------------------------------------------------------------- per-year results


@dataclass
class _Row:
    label: str
    value: Any = 0
    ids: tuple[int, ...] = ()
    detail: str = ""


@dataclass
class _Year:
    """The raw results of one school year: figures and breakdown rows by key."""

    figures: dict[str, _Row] = field(default_factory=dict)
    breakdowns: dict[str, dict[str, _Row]] = field(default_factory=dict)


class _Counter:
    """Counts one school year. ``with_ids`` asks the children behind each number too.

    Counting is GROUP BY in the database; the children behind the numbers come from one
    more column query per subject (children, repérages, fiches, sessions), restricted to the
    files the acting user may read, and are shared out to the categories in Python.
    """

    def __init__(self, session: Session, year: SchoolYear, with_ids: bool) -> None:
        self.s = session
        self.year = year
        self.start, self.end = year.start, year.end
        self.with_ids = with_ids and _any_visible(session)
        self.out = _Year()
        self._visible: Optional[set[int]] = None

    # -- helpers

    def in_year(self, column: Any) -> Any:
        return and_(column >= self.start, column <= self.end)

    def rows(self, stmt: Select, child_column: Any) -> list[Any]:
        """The rows of a column query for the children the acting user may read (none without ids)."""
        if not self.with_ids:
            return []
        return list(self.s.execute(stmt.where(visible_children(self.s, child_column))))

    def ids_column(self, child_column: Any) -> Any:
        """An aggregate of the visible children's ids of each group ("12,40,41"), or a constant
        when the ids are not asked: the groups and the children behind them in one query."""
        if not self.with_ids:
            return literal("")
        value = cast(child_column, String)
        if not sees_every_file(self.s):
            value = case((visible_children(self.s, child_column), value), else_=None)
        return func.aggregate_strings(value, ",")

    def visible(self, ids: Iterable[int]) -> set[int]:
        """Which of these ids (from a query not filtered by access) the acting user may read."""
        wanted = set(ids)
        if not self.with_ids or not wanted:
            return set()
        if sees_every_file(self.s):
            return wanted
        if self._visible is None:
            self._visible = set(self.s.scalars(select(Child.id).where(visible_children(self.s))))
        return wanted & self._visible

    def figure(self, key: str, value: Any, ids: Iterable[int] = (), detail: str = "") -> None:
        self.out.figures[key] = _Row("", value, tuple(sorted(set(ids))) if self.with_ids else (), detail)

    def breakdown(self, key: str, counts: Iterable[tuple[Any, Any]], ids: dict[Any, Iterable[int]],
                  labels: Callable[[Any], str], key_of: Callable[[Any], str] = str) -> None:
        """Rows from (category, value) pairs; categories with the same key_of are merged."""
        rows: dict[str, _Row] = {}
        members: dict[str, set[int]] = defaultdict(set)
        for category, value in counts:
            row_key = key_of(category)
            row = rows.setdefault(row_key, _Row(labels(category), 0))
            row.value += value or 0
            members[row_key].update(ids.get(category, ()))
        for row_key, row in rows.items():
            row.ids = tuple(sorted(members[row_key]))
        self.out.breakdowns[key] = rows

    # -- children followed

    def followed(self) -> Any:
        return and_(Child.entry_date.is_not(None), Child.entry_date <= self.end,
                    or_(Child.exit_date.is_(None), Child.exit_date >= self.start))

    def count_children(self) -> None:
        s, followed = self.s, self.followed()
        ref = self.year.age_reference
        # Age on the reference day is at least n ⇔ born on or before that day n years earlier.
        bands = [(Child.birth_date > ref.replace(year=ref.year - low), AGE_BANDS[index][0])
                 for index, (_, _, low, _) in enumerate(AGE_BANDS[1:])]
        class_then, class_changes = class_at_year_end(self.end)
        cols = (func.coalesce(type_coerce(Child.sex, String), literal("")),
                case(*bands, else_=literal(AGE_BANDS[-1][0])),
                _level_case(s, class_then, self.end),
                func.coalesce(func.nullif(func.trim(Family.neighbourhood), ""), literal("")),
                case((self.in_year(Child.entry_date), 1), else_=0))
        # One GROUP BY over every combination (a few hundred rows), summed per category below.
        cube = [(*r[:-1], _ids(r[-1])) for r in s.execute(
            select(*cols, func.count(Child.id), self.ids_column(Child.id))
            .join(Family, Family.id == Child.family_id)
            .outerjoin(class_changes, class_changes.c.child_id == Child.id).where(followed).group_by(*cols))]
        self.figure("children_followed", sum(r[5] for r in cube), (i for r in cube for i in r[6]))
        self.figure("new_entries", sum(r[5] for r in cube if r[4]), (i for r in cube if r[4] for i in r[6]))
        level_labels, band_labels = dict(SCHOOL_LEVELS), {b[0]: b[1] for b in AGE_BANDS}
        for key, index, labels in (("by_sex", 0, lambda k: label(Sex(k)) if k else NOT_GIVEN),
                                   ("by_age_band", 1, band_labels.__getitem__),
                                   ("by_school_level", 2, level_labels.__getitem__),
                                   ("by_neighbourhood", 3, lambda k: k or NOT_GIVEN)):
            counts: dict[Any, int] = defaultdict(int)
            ids: dict[Any, list[int]] = defaultdict(list)
            for r in cube:
                counts[r[index]] += r[5]
                ids[r[index]].extend(r[6])
            self.breakdown(key, counts.items(), ids, labels, key_of=lambda k: str(k) if k else "")
        # Exits, by reason: free text, grouped by what comes before " : " ("Réorienté vers : CMP").
        exits = self.in_year(Child.exit_date)
        reason = func.coalesce(Child.exit_reason, literal(""))
        grouped = s.execute(select(reason, func.count(Child.id), self.ids_column(Child.id)).where(exits)
                            .group_by(reason)).all()
        counts_by_reason = [(text, n) for text, n, _ in grouped]
        ids_by_reason = {text: _ids(ids) for text, _, ids in grouped}
        self.figure("exits", sum(n for _, n in counts_by_reason), (i for v in ids_by_reason.values() for i in v))
        self.breakdown("exit_reasons", counts_by_reason, ids_by_reason, _reason_label,
                       key_of=lambda k: fold(_reason_label(k)))

    # -- referrals

    def count_referrals(self) -> None:
        s, when = self.s, self.in_year(Referral.referred_on)
        source = func.coalesce(Referral.source, literal(""))
        # Reasons are typed text ("anxiété, absentéisme"): split on , ; and line ends, folded; each
        # distinct text is split once.
        grouped = s.execute(select(source, Referral.reasons, func.count(Referral.id),
                                   self.ids_column(Referral.child_id)).where(when)
                            .group_by(source, Referral.reasons)).all()
        counts_by_source: dict[str, int] = defaultdict(int)
        by_source: dict[str, list[int]] = defaultdict(list)
        reasons: dict[str, _Row] = {}
        reason_children: dict[str, set[int]] = defaultdict(set)
        for source_text, text, n, id_text in grouped:
            ids = _ids(id_text)
            counts_by_source[source_text] += n
            by_source[source_text].extend(ids)
            for key, part in _reason_parts(text):
                reasons.setdefault(key, _Row(part, 0)).value += n
                reason_children[key].update(ids)
        counts = list(counts_by_source.items())
        self.figure("referrals", sum(n for _, n in counts), (i for v in by_source.values() for i in v))
        self.breakdown("referral_sources", counts, by_source,
                       lambda k: (k[:1].upper() + k[1:]) if k else NOT_GIVEN, key_of=fold)
        for key, row in reasons.items():
            row.ids = tuple(sorted(reason_children[key]))
        self.out.breakdowns["referral_reasons"] = reasons

    # -- pathways

    def count_pathways(self) -> None:
        rows = self.s.execute(select(Pathway.child_id, Pathway.start_date, Pathway.end_date)
                              .where(self.in_year(Pathway.end_date))).all()
        lengths = [(end - start).days for _, start, end in rows if start is not None and end >= start]
        visible = self.visible(child for child, _, _ in rows)
        self.figure("pathways_ended", len(rows), visible)
        self.figure("pathway_length_mean", round(sum(lengths) / len(lengths), 1) if lengths else None, visible)
        self.figure("pathway_length_median", pystats.median(lengths) if lengths else None, visible)

    # -- EPS

    def count_eps(self) -> None:
        s = self.s
        held = and_(self.in_year(EpsMeeting.meeting_date), EpsMeeting.meeting_date <= today())
        meetings = s.scalar(select(func.count(EpsMeeting.id)).where(held)) or 0
        examined = self.rows(select(EpsSituation.child_id).join(EpsMeeting, EpsMeeting.id == EpsSituation.meeting_id)
                             .where(held), EpsSituation.child_id)
        self.figure("eps_meetings", meetings, (r[0] for r in examined))
        when = self.in_year(EpsDecision.decided_on)
        counts = s.execute(select(EpsDecision.kind, func.count(EpsDecision.id)).where(when)
                           .group_by(EpsDecision.kind)).all()
        ids: dict[Any, list[int]] = defaultdict(list)
        for kind, child_id in self.rows(select(EpsDecision.kind, EpsDecision.child_id).where(when),
                                        EpsDecision.child_id):
            ids[kind].append(child_id)
        self.figure("eps_decisions", sum(n for _, n in counts), (i for v in ids.values() for i in v))
        self.breakdown("eps_decisions_by_kind", counts, ids, lambda k: label(EpsDecisionKind(k)),
                       key_of=lambda k: EpsDecisionKind(k).value)

    # -- orientations (fiches de liaison)

    def count_orientations(self) -> None:
        s, sent = self.s, self.in_year(CareReferral.sent_on)
        typed = (lambda stmt: stmt.join(Partner, Partner.id == CareReferral.partner_id)
                 .join(PartnerType, PartnerType.id == Partner.type_id).where(sent))
        counts = s.execute(typed(select(PartnerType.label, func.count(CareReferral.id))).group_by(PartnerType.label)).all()
        # One row per fiche sent in the year: the children by type, and the delay to the first appointment (rule 2).
        delay_limit = func.coalesce(Convention.first_appointment_delay_days, DEFAULT_FIRST_APPOINTMENT_DELAY)
        fiches = s.execute(typed(select(CareReferral.child_id, PartnerType.label, CareReferral.sent_on,
                                        CareReferral.first_appointment_on, delay_limit))
                           .outerjoin(Convention, Convention.id == CareReferral.convention_id)).all()
        visible = self.visible(r[0] for r in fiches)
        by_type: dict[str, list[int]] = defaultdict(list)
        for child_id, type_label, *_ in fiches:
            if child_id in visible:
                by_type[type_label].append(child_id)
        self.figure("orientations", sum(n for _, n in counts), visible)
        self.breakdown("orientations_by_partner_type", counts, by_type, str, key_of=fold)
        now = today()
        delays: list[int] = []
        within, due, delay_children, within_children = 0, 0, [], []
        for child_id, _, sent_on, first, limit in fiches:
            if first is not None and first >= sent_on:
                days = (first - sent_on).days
                delays.append(days)
                delay_children.append(child_id)
                due += 1
                if days <= int(limit):
                    within += 1
                    within_children.append(child_id)
            elif (now - sent_on).days > int(limit):
                due += 1  # no first appointment and the delay has run out: outside the delay
        self.figure("first_appointment_delay_median", pystats.median(delays) if delays else None,
                    visible.intersection(delay_children), detail=f"{len(delays)} fiches avec un premier rendez-vous")
        self.figure("first_appointment_within_delay", within / due if due else None,
                    visible.intersection(within_children), detail=f"{within} sur {due}")

    def count_quota(self) -> None:
        """Fiches with a session held in the year, by how much of the quota they used by its end."""
        s = self.s
        present = CareSession.status == SessionStatus.PRESENT
        up_to_end = CareSession.session_date <= self.end
        used = func.sum(case((and_(present, up_to_end, CareSession.hors_quota.is_(False)), 1), else_=0))
        hors = func.sum(case((and_(present, up_to_end, CareSession.hors_quota.is_(True)), 1), else_=0))
        held_in_year = func.sum(case((and_(present, self.in_year(CareSession.session_date)), 1), else_=0))
        per_fiche = (select(CareSession.care_referral_id.label("cr_id"), used.label("used"), hors.label("hors"))
                     .where(CareSession.session_date <= self.end)
                     .group_by(CareSession.care_referral_id).having(held_in_year > 0).subquery())
        quota = func.coalesce(Convention.session_quota, DEFAULT_QUOTA)
        threshold = func.coalesce(Convention.quota_warning_threshold, DEFAULT_THRESHOLD)
        level = case((or_(per_fiche.c.used >= quota, per_fiche.c.hors > 0), literal("reached")),
                     (per_fiche.c.used >= threshold, literal("threshold")), else_=literal("below"))
        fiches = s.execute(select(level, CareReferral.child_id).select_from(per_fiche)
                           .join(CareReferral, CareReferral.id == per_fiche.c.cr_id)
                           .outerjoin(Convention, Convention.id == CareReferral.convention_id)).all()
        counts: dict[str, int] = {k: 0 for k, _ in QUOTA_LEVELS}
        visible = self.visible(child_id for _, child_id in fiches)
        ids: dict[str, list[int]] = defaultdict(list)
        for lvl, child_id in fiches:
            counts[lvl] += 1
            if child_id in visible:
                ids[lvl].append(child_id)
        self.breakdown("quota_use", counts.items(), ids, dict(QUOTA_LEVELS).__getitem__)
        total, reached = len(fiches), counts["reached"]
        at_threshold = reached + counts["threshold"]
        self.figure("quota_threshold_share", at_threshold / total if total else None,
                    (*ids["threshold"], *ids["reached"]), detail=f"{at_threshold} sur {total}")
        self.figure("quota_reached_share", reached / total if total else None, ids["reached"],
                    detail=f"{reached} sur {total}")

    # -- sessions

    def count_sessions(self) -> None:
        s = self.s
        groups = session_groups(s, self.start, self.end, per_child=self.with_ids)
        partners = dict(s.execute(select(Partner.id, Partner.name)).all())
        places: dict[tuple[Optional[int], int], tuple[tuple[str, str, str], ...]] = {}
        for cid, ref, funder_text in s.execute(select(Convention.id, Convention.reference, Convention.funder)):
            funder = (funder_text or "").strip() or "Financeur non renseigné"
            places[(cid, 0)] = ((str(cid), ref, ""), (fold(funder), funder, ""))
        visible = self.visible(g.child_id for g in groups if g.child_id is not None)
        attendance: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        attendance_ids: dict[int, set[int]] = defaultdict(set)
        tables: dict[str, dict[str, _Row]] = {k: {} for k in (
            "sessions_by_convention", "amounts_by_convention", "sessions_by_partner", "amounts_by_partner",
            "sessions_by_funder", "amounts_by_funder")}
        members: dict[tuple[str, str], set[int]] = defaultdict(set)
        held_children: set[int] = set()
        billed_children: set[int] = set()
        held_total, amount_total = 0, Decimal("0.00")
        for g in groups:
            if g.status is not SessionStatus.CANCELLED:
                attendance[g.partner_id][0 if g.status is SessionStatus.PRESENT else 1] += g.count
                attendance_ids[g.partner_id].add(g.child_id)
            if not g.held:
                continue
            held_total += g.held
            amount_total += g.amount
            held_children.add(g.child_id)
            if g.billable:
                billed_children.add(g.child_id)
            partner_name = partners.get(g.partner_id, "")
            if g.convention_id is None:
                conv_key, conv_label, funder_key, funder = "none", "Sans convention", "none", "Sans convention"
            else:
                (conv_key, ref, _), (funder_key, funder, _) = places[(g.convention_id, 0)]
                conv_label = f"{ref} — {partner_name}"
            for what, key, row_label in (("convention", conv_key, conv_label),
                                         ("partner", str(g.partner_id), partner_name),
                                         ("funder", funder_key, funder)):
                for measure, value in (("sessions", g.held), ("amounts", g.amount)):
                    table = f"{measure}_by_{what}"
                    row = tables[table].setdefault(key, _Row(row_label, Decimal("0.00") if measure == "amounts" else 0))
                    row.value += value
                    members[(table, key)].add(g.child_id)
        for table, rows in tables.items():
            for key, row in rows.items():
                row.ids = tuple(sorted(members[(table, key)] & visible))
            self.out.breakdowns[table] = rows
        self.out.breakdowns["attendance_by_partner"] = {
            str(pid): _Row(partners.get(pid, ""), here / (here + away), tuple(sorted(attendance_ids[pid] & visible)),
                           f"{here} présences sur {here + away} séances")
            for pid, (here, away) in attendance.items() if here + away}
        self.figure("sessions_held", held_total, held_children & visible)
        self.figure("sessions_amount", amount_total, billed_children & visible)

    def run(self) -> _Year:
        self.count_children()
        self.count_referrals()
        self.count_pathways()
        self.count_eps()
        self.count_orientations()
        self.count_quota()
        self.count_sessions()
        return self.out


_REASON_SPLIT = re.compile(r"[,;\n\r]+")
QUOTA_LEVELS = (("below", "Sous le seuil d'alerte"), ("threshold", "Seuil d'alerte atteint"),
                ("reached", "Quota atteint"))


@functools.lru_cache(maxsize=4096)
def _reason_parts(text: Optional[str]) -> tuple[tuple[str, str], ...]:
    """(folded key, label) of each reason in a repérage's typed reasons, once per distinct text."""
    parts = []
    for part in _REASON_SPLIT.split(text or ""):
        part = part.strip(" .-–\t")
        if part:
            parts.append((fold(part), part[:1].upper() + part[1:]))
    return tuple(dict(parts).items())


def _ids(text: Optional[str]) -> list[int]:
    """The ids of an aggregated "12,40,41" (empty for none)."""
    return [int(part) for part in text.split(",")] if text else []


def _reason_label(text: Optional[str]) -> str:
    head = (text or "").split(" : ", 1)[0].strip().rstrip(":").strip()
    return head[:1].upper() + head[1:] if head else NOT_GIVEN


def _any_visible(session: Session) -> bool:
    return sees_every_file(session) or session.scalar(
        select(func.count(Child.id)).where(visible_children(session))) > 0


# --------------------------------------------------------------------------- assembly

def _fixed_categories() -> dict[str, list[tuple[str, str, bool]]]:
    """Breakdowns over a closed list: (row key, label, shown even at zero) in display order.
    A funder reads « 0 garçon » or « 0 refus » as information; « non renseigné » only when it occurs."""
    return {
        "by_sex": [(Sex.FEMALE.value, label(Sex.FEMALE), True), (Sex.MALE.value, label(Sex.MALE), True),
                   ("", NOT_GIVEN, False)],
        "by_age_band": [(k, text, k != "under_2") for k, text, _, _ in AGE_BANDS],
        "by_school_level": [(k, text, k != "other") for k, text in SCHOOL_LEVELS],
        "eps_decisions_by_kind": [(k.value, label(k), True) for k in EpsDecisionKind],
        "quota_use": [(k, text, True) for k, text in QUOTA_LEVELS],
    }


def _merge_rows(key: str, current: dict[str, _Row], previous: dict[str, _Row], unit: str) -> list[BreakdownRow]:
    """The rows of both years side by side: closed lists in their order, others by this year's value."""
    fixed = _fixed_categories().get(key)
    if fixed is not None:
        labels = {k: text for k, text, _ in fixed}
        keys = [k for k, _, always in fixed if always or k in current or k in previous]
    else:
        labels = {k: (current.get(k) or previous[k]).label for k in {**previous, **current}}
        keys = sorted(labels, key=lambda k: (k == OTHER_KEY,  # « Autres motifs » after the named ones
                                             -(current[k].value if k in current else -1),
                                             -(previous[k].value if k in previous else -1), fold(labels[k])))
    # A missing count is zero; a missing rate is unknown (no session, no rate).
    missing: Any = None if unit == "percent" else Decimal("0.00") if unit == "amount" else 0
    rows = []
    for k in keys:
        cur, prev = current.get(k), previous.get(k)
        rows.append(BreakdownRow(key=k, label=labels[k], value=cur.value if cur else missing,
                                 previous_value=prev.value if prev else missing,
                                 child_ids=cur.ids if cur else (), detail=cur.detail if cur else ""))
    return rows


def _top_reasons(rows: dict[str, _Row], previous: dict[str, _Row]) -> tuple[dict, dict]:
    """Keep the most frequent reasons of the year; fold the others into « Autres motifs »."""
    def value(src: dict[str, _Row], k: str) -> int:
        return src[k].value if k in src else 0

    ranked = sorted({**previous, **rows}, key=lambda k: (-value(rows, k), -value(previous, k),
                                                          fold((rows.get(k) or previous[k]).label)))
    keep = set(ranked[:TOP_REASONS]) if len(ranked) > TOP_REASONS + 1 else set(ranked)

    def fold_rows(src: dict[str, _Row]) -> dict[str, _Row]:
        out: dict[str, _Row] = {}
        for k, row in src.items():
            target = k if k in keep else OTHER_KEY
            dest = out.setdefault(target, _Row(row.label if target == k else OTHER_REASONS, 0))
            dest.value += row.value
            dest.ids = (*dest.ids, *row.ids)
        for row in out.values():
            row.ids = tuple(sorted(set(row.ids)))
        return out

    return fold_rows(rows), fold_rows(previous)


@dataclass(frozen=True)
class _Spec:
    key: str
    label: str
    unit: str
    definition: str
    chart: str = "bar"
    parts: bool = False  # rows are parts of a whole: a total is meaningful


def _definitions(year: SchoolYear) -> dict[str, _Spec]:
    s, e, ref = fr_date(year.start), fr_date(year.end), fr_date(year.age_reference)
    period = f"du {s} au {e}"
    followed = (f"enfants dont la date d'entrée dans le dispositif est au plus tard le {e} et qui n'en sont "
                f"pas sortis avant le {s} (date de sortie vide ou postérieure) : chacun compte une fois, "
                "qu'il ait été suivi toute l'année ou quelques jours")
    specs = [
        _Spec("children_followed", "Enfants suivis", "count", f"Nombre d'{followed}."),
        _Spec("new_entries", "Nouvelles entrées", "count",
              f"Enfants dont la date d'entrée dans le dispositif (premier parcours accepté par l'EPS) est {period}."),
        _Spec("exits", "Sorties", "count", f"Enfants dont la date de sortie du dispositif est {period}."),
        _Spec("exit_reasons", "Motifs de sortie", "count",
              f"Sorties {period}, par motif de sortie du dossier ; un motif détaillé après « : » est rangé sous "
              "son début (« Réorienté vers : CMP » compte dans « Réorienté vers »).", "bar", True),
        _Spec("by_sex", "Enfants suivis par sexe", "count", f"Sexe des {followed}.", "pie", True),
        _Spec("by_age_band", "Enfants suivis par âge", "count",
              f"Âge au {ref} (31 décembre de la première année scolaire) des enfants suivis : chaque enfant reste "
              "dans une seule tranche toute l'année (2-5, 6-10, 11-16, 17 ans et plus ; moins de 2 ans à part).",
              "bar", True),
        _Spec("by_school_level", "Enfants suivis par niveau scolaire", "count",
              "Niveau tiré de la classe enregistrée dans le dossier : TPS, PS, MS, GS → maternelle ; CP à CM2 → "
              "élémentaire ; 6e à 3e (et SEGPA) → collège ; 2nde, 1re, Tle (et CAP, bac pro) → lycée ; une "
              "classe qui ne dit pas le niveau (ULIS, IME…) ou vide → « Autre ou non renseigné ». Classe au "
              f"{e} : celle que la première modification de la classe saisie après cette date a remplacée "
              "(journal des modifications), sinon la classe du dossier.", "bar", True),
        _Spec("by_neighbourhood", "Enfants suivis par quartier", "count",
              "Quartier de la famille de chaque enfant suivi, tel qu'il est saisi dans le dossier de la famille.",
              "bar", True),
        _Spec("referrals", "Repérages", "count",
              f"Repérages dont la date est {period} (un enfant repéré deux fois compte deux fois)."),
        _Spec("referral_sources", "Origine des repérages", "count",
              f"Repérages {period}, par origine (école, service social, PMI, famille…).", "pie", True),
        _Spec("referral_reasons", "Motifs de repérage", "count",
              f"Motifs des repérages {period} : chaque motif séparé par une virgule, un point-virgule ou un retour "
              "à la ligne compte une fois (sans tenir compte des majuscules ni des accents) ; un repérage peut "
              f"avoir plusieurs motifs. Au-delà des {TOP_REASONS} plus fréquents, regroupés dans « Autres motifs ».",
              "bar"),
        _Spec("pathways_ended", "Parcours terminés", "count", f"Parcours dont la date de fin est {period}."),
        _Spec("pathway_length_mean", "Durée moyenne des parcours", "days",
              f"Moyenne, en jours, de la durée (date de fin − date de début) des parcours terminés {period}. Les "
              "parcours en cours ne comptent pas : leur durée n'est pas encore connue."),
        _Spec("pathway_length_median", "Durée médiane des parcours", "days",
              f"Médiane, en jours, de la durée des parcours terminés {period} (la moitié a duré moins, la moitié "
              "plus) ; moins sensible que la moyenne à quelques parcours très longs."),
        _Spec("eps_meetings", "Commissions EPS tenues", "count",
              f"Commissions de l'EPS datées {period} et déjà passées ; les enfants derrière ce chiffre sont ceux "
              "inscrits à l'ordre du jour."),
        _Spec("eps_decisions", "Décisions de l'EPS", "count", f"Décisions de l'EPS datées {period}."),
        _Spec("eps_decisions_by_kind", "Décisions de l'EPS par nature", "count",
              f"Décisions de l'EPS datées {period}, par nature : parcours accepté, ajourné, refusé, réorienté, "
              "fin de parcours.", "bar", True),
        _Spec("orientations", "Orientations vers un partenaire", "count",
              f"Fiches de liaison envoyées {period} (date du premier envoi) ; les brouillons jamais envoyés ne "
              "comptent pas."),
        _Spec("orientations_by_partner_type", "Orientations par type de partenaire", "count",
              f"Fiches de liaison envoyées {period}, par type de la structure partenaire (CMP, CMPP, "
              "association de psychologues…).", "bar", True),
        _Spec("first_appointment_delay_median", "Délai médian jusqu'au premier rendez-vous", "days",
              f"Pour les fiches envoyées {period} qui ont un premier rendez-vous : médiane du nombre de jours "
              "entre le premier envoi de la fiche et ce rendez-vous."),
        _Spec("first_appointment_within_delay", "Premiers rendez-vous dans le délai", "percent",
              f"Part des fiches envoyées {period} dont le premier rendez-vous a eu lieu dans le délai de la "
              f"convention (premier rendez-vous sous {DEFAULT_FIRST_APPOINTMENT_DELAY} jours par défaut ou sans "
              "convention), parmi celles qui ont un premier rendez-vous ou dont le délai est écoulé à ce jour : une "
              "fiche restée sans rendez-vous après le délai compte hors délai, une fiche récente encore dans son "
              "délai ne compte pas."),
        _Spec("quota_threshold_share", "Prises en charge au seuil d'alerte", "percent",
              "Part des fiches ayant une séance tenue dans l'année dont les séances tenues dans le quota, du début "
              f"de la prise en charge au {e}, atteignent le seuil d'alerte de la convention "
              f"({DEFAULT_THRESHOLD} par défaut) — quota atteint compris."),
        _Spec("quota_reached_share", "Prises en charge au quota", "percent",
              "Part des fiches ayant une séance tenue dans l'année dont les séances tenues dans le quota "
              f"atteignent le quota de la convention ({DEFAULT_QUOTA} par défaut) au {e}, ou qui ont une séance "
              "hors quota."),
        _Spec("quota_use", "Utilisation du quota de séances", "count",
              "Fiches ayant au moins une séance tenue dans l'année, selon leurs séances tenues dans le quota du "
              f"début de la prise en charge au {e} : sous le seuil d'alerte, seuil atteint, quota atteint (ou "
              "séance hors quota).", "pie", True),
        _Spec("attendance_by_partner", "Assiduité par partenaire", "percent",
              f"Séances {period} : présent ÷ (présent + absent excusé + absent non excusé). Les séances annulées "
              "par le partenaire ne comptent pas : l'enfant n'y est pour rien.", "bar"),
        _Spec("sessions_held", "Séances tenues", "count",
              f"Séances {period} au statut « présent », dans le quota ou hors quota."),
        _Spec("sessions_amount", "Montant des séances", "amount",
              f"Séances tenues {period}, dans le quota et dans les dates d'une convention signée, × le tarif de la "
              "convention pour le type d'entretien (individuel, parents, familial) : la règle de l'état "
              "trimestriel, sur l'année scolaire."),
    ]
    by_what = {"convention": "convention (une séance d'une convention renouvelée compte sous le renouvellement "
                             "qui couvre sa date)",
               "partner": "partenaire", "funder": "financeur de la convention (« Financeur non renseigné » si le "
                                                  "champ est vide)"}
    for what, text in by_what.items():
        title = {"convention": "convention", "partner": "partenaire", "funder": "financeur"}[what]
        specs.append(_Spec(f"sessions_by_{what}", f"Séances tenues par {title}", "count",
                           f"Séances au statut « présent » {period}, par {text}.", "bar", True))
        specs.append(_Spec(f"amounts_by_{what}", f"Montants par {title}", "amount",
                           f"Montant des séances facturables {period} (même règle que l'état trimestriel), par "
                           f"{text}.", "bar", True))
    return {spec.key: spec for spec in specs}


_SECTIONS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("children", "Enfants suivis", ("children_followed", "new_entries", "exits"),
     ("exit_reasons", "by_sex", "by_age_band", "by_school_level", "by_neighbourhood")),
    ("referrals", "Repérages", ("referrals",), ("referral_sources", "referral_reasons")),
    ("pathways", "Parcours", ("pathways_ended", "pathway_length_mean", "pathway_length_median"), ()),
    ("eps", "Équipe pluridisciplinaire de soutien (EPS)", ("eps_meetings", "eps_decisions"),
     ("eps_decisions_by_kind",)),
    ("orientations", "Orientations vers les partenaires", (
        "orientations", "first_appointment_delay_median", "first_appointment_within_delay", "quota_threshold_share",
        "quota_reached_share"), ("orientations_by_partner_type", "quota_use")),
    ("sessions", "Séances et montants", ("sessions_held", "sessions_amount"), (
        "attendance_by_partner", "sessions_by_convention", "amounts_by_convention", "sessions_by_partner",
        "amounts_by_partner", "sessions_by_funder", "amounts_by_funder")),
)

HIDDEN_FOR_NO_NOTES = ("referral_reasons", "exit_reasons")


def build_dashboard(session: Session, year: SchoolYear) -> Dashboard:
    current_counter = _Counter(session, year, with_ids=True)
    current = current_counter.run()
    previous = _Counter(session, year.previous(), with_ids=False).run()
    current.breakdowns["referral_reasons"], previous.breakdowns["referral_reasons"] = _top_reasons(
        current.breakdowns["referral_reasons"], previous.breakdowns["referral_reasons"])
    notes = may_read_notes(session)
    specs = _definitions(year)
    sections = []
    for key, title, figure_keys, breakdown_keys in _SECTIONS:
        figures = []
        for fk in figure_keys:
            spec, cur, prev = specs[fk], current.figures[fk], previous.figures[fk]
            figures.append(Figure(fk, spec.label, cur.value, prev.value, spec.unit, spec.definition,  # type: ignore[arg-type]
                                  cur.ids, cur.detail))
        breakdowns = []
        for bk in breakdown_keys:
            spec = specs[bk]
            if bk in HIDDEN_FOR_NO_NOTES and not notes:
                breakdowns.append(Breakdown(bk, spec.label, (),
                                            spec.unit, spec.definition + " Non visible pour le secrétariat "  # type: ignore[arg-type]
                                            "(motifs des dossiers).", ""))
                continue
            rows = _merge_rows(bk, current.breakdowns[bk], previous.breakdowns[bk], spec.unit)
            total = prev_total = None
            if spec.parts:
                zero: Any = Decimal("0.00") if spec.unit == "amount" else 0
                total = sum((r.value or zero for r in rows), zero)
                prev_total = sum((r.previous_value or zero for r in rows), zero)
            breakdowns.append(Breakdown(bk, spec.label, tuple(rows), spec.unit, spec.definition,  # type: ignore[arg-type]
                                        spec.chart, total, prev_total))  # type: ignore[arg-type]
        sections.append(Section(key, title, tuple(figures), tuple(breakdowns)))
    return Dashboard(year, tuple(sections), today(), ids_restricted=not sees_every_file(session))


def years_with_data(session: Session) -> list[SchoolYear]:
    firsts = [session.scalar(select(func.min(col))) for col in (
        Child.entry_date, Referral.referred_on, CareSession.session_date, EpsMeeting.meeting_date)]
    current = SchoolYear.of(today())
    known = [SchoolYear.of(d) for d in firsts if d is not None]
    oldest = min(known + [current])
    return [SchoolYear(y) for y in range(current.start_year, oldest.start_year - 1, -1)]
