"""The counting behind :mod:`.statistics`: grouped SQL per figure, for a school year and the one before.

Every number is a GROUP BY (or a column query over the year's few rows, for medians and the
free-text reasons); no ORM object is loaded per child. The children behind a figure are
asked separately, only for the selected year, and only those the acting user may read
(:func:`.access.visible_children` in the query).
"""

from __future__ import annotations

import datetime as dt
import re
import statistics as pystats
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterable, Optional

from sqlalchemy import Select, String, and_, case, func, literal, or_, select, type_coerce
from sqlalchemy.orm import Session

from ..formatting import fr_date
from ..models import (
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
from .labels import label
from .reports import held_groups
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

# --------------------------------------------------------------------------- school levels

_LEVEL_WORDS: dict[str, tuple[str, ...]] = {
    "maternelle": ("tps", "ps", "ms", "gs", "petitesection", "moyennesection", "grandesection", "maternelle",
                   "pspms", "msgs", "psms", "gsms"),
    "elementaire": ("cp", "ce1", "ce2", "cm1", "cm2", "cpce1", "ce1ce2", "ce2cm1", "cm1cm2", "elementaire"),
    "college": ("6e", "6eme", "6°", "sixieme", "5e", "5eme", "5°", "cinquieme", "4e", "4eme", "4°", "quatrieme",
                "3e", "3eme", "3°", "troisieme", "segpa", "college"),
    "lycee": ("2nde", "2de", "2nd", "seconde", "2ndepro", "1re", "1ere", "1ère", "premiere", "1repro", "1erepro",
              "tle", "term", "terminale", "tlepro", "cap", "cap1", "cap2", "bacpro", "lycee"),
}
_LEVEL_OF_WORD = {word: level for level, words in _LEVEL_WORDS.items() for word in words}
_PUNCT = re.compile(r"[\s.\-_/']+")


def level_of_class(school_class: Optional[str]) -> str:
    """PS/MS/GS → maternelle, CP…CM2 → élémentaire, 6e…3e → collège, 2nde/1re/Tle → lycée,
    anything else (ULIS, IME, empty) → other. Case, accents, spaces and dots are ignored."""
    word = _PUNCT.sub("", fold(school_class or ""))
    return _LEVEL_OF_WORD.get(word, "other")


def _level_case(session: Session) -> Any:
    """A CASE over the classes actually typed: each distinct spelling is classified once in
    Python (accents and case folded the same everywhere), the database groups by the result."""
    classes = [c for c in session.scalars(select(Child.school_class).distinct()) if c is not None]
    mapping = {c: level_of_class(c) for c in classes}
    known = {c: lvl for c, lvl in mapping.items() if lvl != "other"}
    if not known:
        return literal("other")
    return case(known, value=Child.school_class, else_=literal("other"))


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
    """Counts one school year. ``with_ids`` asks the children behind each number too."""

    def __init__(self, session: Session, year: SchoolYear, with_ids: bool) -> None:
        self.s = session
        self.year = year
        self.start, self.end = year.start, year.end
        self.with_ids = with_ids and _any_visible(session)
        self.out = _Year()

    # -- helpers

    def in_year(self, column: Any) -> Any:
        return and_(column >= self.start, column <= self.end)

    def ids(self, stmt: Select, child_column: Any) -> dict[Any, tuple[int, ...]]:
        """{category: child ids} from a (category, child id) statement, visible children only."""
        if not self.with_ids:
            return {}
        found: dict[Any, set[int]] = defaultdict(set)
        for key, child_id in self.s.execute(stmt.where(visible_children(self.s, child_column)).distinct()):
            found[key].add(child_id)
        return {k: tuple(sorted(v)) for k, v in found.items()}

    def figure(self, key: str, value: Any, ids: Iterable[int] = (), detail: str = "", label_: str = "") -> None:
        self.out.figures[key] = _Row(label_, value, tuple(sorted(set(ids))) if self.with_ids else (), detail)

    def grouped(self, key: str, counts: Iterable[tuple[Any, Any]], ids: dict[Any, tuple[int, ...]],
                labels: Callable[[Any], str], key_of: Callable[[Any], str] = lambda k: str(k)) -> None:
        rows: dict[str, _Row] = {}
        for category, value in counts:
            row_key = key_of(category)
            row = rows.setdefault(row_key, _Row(labels(category), 0))
            row.value += value or 0
            row.ids = tuple(sorted(set(row.ids) | set(ids.get(category, ()))))
        self.out.breakdowns[key] = rows

    # -- children followed

    def followed(self) -> Any:
        return and_(Child.entry_date.is_not(None), Child.entry_date <= self.end,
                    or_(Child.exit_date.is_(None), Child.exit_date >= self.start))

    def count_children(self) -> None:
        s, followed = self.s, self.followed()
        for key, cond in (("children_followed", followed), ("new_entries", self.in_year(Child.entry_date)),
                          ("exits", self.in_year(Child.exit_date))):
            value = s.scalar(select(func.count(Child.id)).where(cond)) or 0
            self.figure(key, value, self.ids(select(literal(1), Child.id).where(cond), Child.id).get(1, ()))
        ref = self.year.age_reference

        def years_before(n: int) -> dt.date:
            try:
                return ref.replace(year=ref.year - n)
            except ValueError:  # never for 31 December, kept for safety
                return ref.replace(year=ref.year - n, day=28)

        bands = []
        for band_key, _, low, _high in AGE_BANDS[1:]:
            bands.append((Child.birth_date > years_before(low), AGE_BANDS[len(bands)][0]))
        age_case = case(*bands, else_=literal(AGE_BANDS[-1][0]))
        sex_col = func.coalesce(type_coerce(Child.sex, String), literal(""))
        hood = func.coalesce(func.nullif(func.trim(Family.neighbourhood), ""), literal(""))
        level = _level_case(s)
        base = select(Child.id).join(Family, Family.id == Child.family_id).where(followed)
        for key, expr, labels in (
                ("by_sex", sex_col, lambda k: label(Sex(k)) if k else NOT_GIVEN),
                ("by_age_band", age_case, lambda k: dict((b[0], b[1]) for b in AGE_BANDS)[k]),
                ("by_school_level", level, lambda k: dict(SCHOOL_LEVELS)[k]),
                ("by_neighbourhood", hood, lambda k: k or NOT_GIVEN)):
            counts = s.execute(select(expr, func.count(Child.id)).join(Family, Family.id == Child.family_id)
                               .where(followed).group_by(expr)).all()
            ids = self.ids(base.with_only_columns(expr, Child.id), Child.id)
            self.grouped(key, counts, ids, labels, key_of=lambda k: str(k) if k else "")
        # Exit reasons: free text, grouped by what comes before " : " ("Réorienté vers : CMP").
        exits = self.in_year(Child.exit_date)
        reason = func.coalesce(Child.exit_reason, literal(""))
        counts = s.execute(select(reason, func.count(Child.id)).where(exits).group_by(reason)).all()
        ids = self.ids(select(reason, Child.id).where(exits), Child.id)
        self.grouped("exit_reasons", counts, ids, _reason_label, key_of=lambda k: fold(_reason_label(k)))

    # -- referrals

    def count_referrals(self) -> None:
        s, when = self.s, self.in_year(Referral.referred_on)
        total = s.scalar(select(func.count(Referral.id)).where(when)) or 0
        ids = self.ids(select(literal(1), Referral.child_id).where(when), Referral.child_id)
        self.figure("referrals", total, ids.get(1, ()))
        source = func.coalesce(Referral.source, literal(""))
        counts = s.execute(select(source, func.count(Referral.id)).where(when).group_by(source)).all()
        self.grouped("referral_sources", counts, self.ids(select(source, Referral.child_id).where(when),
                                                           Referral.child_id),
                     lambda k: (k[:1].upper() + k[1:]) if k else NOT_GIVEN, key_of=lambda k: fold(k))
        # Reasons are typed text ("anxiété, absentéisme"): split on , ; and line ends, folded.
        reasons: dict[str, _Row] = {}
        for child_id, text in s.execute(select(Referral.child_id, Referral.reasons).where(when)):
            for part in _REASON_SPLIT.split(text or ""):
                part = part.strip(" .-–\t")
                if not part:
                    continue
                key = fold(part)
                row = reasons.setdefault(key, _Row(part[:1].upper() + part[1:], 0, ()))
                row.value += 1
                if self.with_ids:
                    row.ids = row.ids + (child_id,)
        self.out.breakdowns["referral_reasons"] = reasons
        self.reason_ids_visible = self._visible_ids([i for r in reasons.values() for i in r.ids])

    def _visible_ids(self, ids: Iterable[int]) -> set[int]:
        """Which of these (from a Python-side count) the acting user may read."""
        wanted = sorted(set(ids))
        if not wanted or not self.with_ids:
            return set()
        if sees_every_file(self.s):
            return set(wanted)
        out: set[int] = set()
        for start in range(0, len(wanted), 5000):
            chunk = wanted[start:start + 5000]
            out.update(self.s.scalars(select(Child.id).where(Child.id.in_(chunk), visible_children(self.s))))
        return out

    # -- pathways

    def count_pathways(self) -> None:
        rows = self.s.execute(select(Pathway.child_id, Pathway.start_date, Pathway.end_date)
                              .where(self.in_year(Pathway.end_date))).all()
        lengths = [(end - start).days for _, start, end in rows if start is not None and end >= start]
        visible = self._visible_ids(child for child, _, _ in rows)
        self.figure("pathways_ended", len(rows), visible)
        self.figure("pathway_length_mean", round(sum(lengths) / len(lengths), 1) if lengths else None, visible)
        self.figure("pathway_length_median", pystats.median(lengths) if lengths else None, visible)

    # -- EPS

    def count_eps(self) -> None:
        s = self.s
        held = and_(self.in_year(EpsMeeting.meeting_date), EpsMeeting.meeting_date <= today())
        meetings = s.scalar(select(func.count(EpsMeeting.id)).where(held)) or 0
        examined = self.ids(select(literal(1), EpsSituation.child_id)
                            .join(EpsMeeting, EpsMeeting.id == EpsSituation.meeting_id).where(held),
                            EpsSituation.child_id)
        self.figure("eps_meetings", meetings, examined.get(1, ()))
        when = self.in_year(EpsDecision.decided_on)
        total = s.scalar(select(func.count(EpsDecision.id)).where(when)) or 0
        self.figure("eps_decisions", total, self.ids(select(literal(1), EpsDecision.child_id).where(when),
                                                     EpsDecision.child_id).get(1, ()))
        counts = s.execute(select(EpsDecision.kind, func.count(EpsDecision.id)).where(when)
                           .group_by(EpsDecision.kind)).all()
        self.grouped("eps_decisions_by_kind", counts,
                     self.ids(select(EpsDecision.kind, EpsDecision.child_id).where(when), EpsDecision.child_id),
                     lambda k: label(EpsDecisionKind(k)), key_of=lambda k: EpsDecisionKind(k).value)

    # -- orientations (fiches de liaison)

    def count_orientations(self) -> None:
        s, sent = self.s, self.in_year(CareReferral.sent_on)
        total = s.scalar(select(func.count(CareReferral.id)).where(sent)) or 0
        self.figure("orientations", total, self.ids(select(literal(1), CareReferral.child_id).where(sent),
                                                    CareReferral.child_id).get(1, ()))
        by_type = (select(PartnerType.label, func.count(CareReferral.id))
                   .join(Partner, Partner.id == CareReferral.partner_id)
                   .join(PartnerType, PartnerType.id == Partner.type_id).where(sent).group_by(PartnerType.label))
        ids = self.ids(select(PartnerType.label, CareReferral.child_id)
                       .join(Partner, Partner.id == CareReferral.partner_id)
                       .join(PartnerType, PartnerType.id == Partner.type_id).where(sent), CareReferral.child_id)
        self.grouped("orientations_by_partner_type", s.execute(by_type).all(), ids, lambda k: k,
                     key_of=lambda k: fold(k))
        # Delay from the first sending to the first appointment (rule 2).
        delay_limit = func.coalesce(Convention.first_appointment_delay_days, DEFAULT_FIRST_APPOINTMENT_DELAY)
        rows = s.execute(select(CareReferral.child_id, CareReferral.sent_on, CareReferral.first_appointment_on,
                                delay_limit).outerjoin(Convention, Convention.id == CareReferral.convention_id)
                         .where(sent)).all()
        now = today()
        delays: list[int] = []
        within, due, delay_children, within_children = 0, 0, [], []
        for child_id, sent_on, first, limit in rows:
            limit = int(limit)
            if first is not None and first >= sent_on:
                days = (first - sent_on).days
                delays.append(days)
                delay_children.append(child_id)
                due += 1
                if days <= limit:
                    within += 1
                    within_children.append(child_id)
            elif (now - sent_on).days > limit:
                due += 1  # no first appointment and the delay has run out: outside the delay
        self.figure("first_appointment_delay_median", pystats.median(delays) if delays else None,
                    self._visible_ids(delay_children), detail=f"{len(delays)} fiches avec un premier rendez-vous")
        self.figure("first_appointment_within_delay", within / due if due else None,
                    self._visible_ids(within_children), detail=f"{within} sur {due}")
        self.count_quota()

    def count_quota(self) -> None:
        """Fiches with a session held in the year, by how much of the quota they used by its end."""
        s = self.s
        present = CareSession.status == SessionStatus.PRESENT
        up_to_end = CareSession.session_date <= self.end
        used = func.sum(case((and_(present, up_to_end, CareSession.hors_quota.is_(False)), 1), else_=0))
        hors = func.sum(case((and_(present, up_to_end, CareSession.hors_quota.is_(True)), 1), else_=0))
        held_in_year = func.sum(case((and_(present, self.in_year(CareSession.session_date)), 1), else_=0))
        per_fiche = (select(CareSession.care_referral_id.label("cr_id"), used.label("used"), hors.label("hors"))
                     .group_by(CareSession.care_referral_id).having(held_in_year > 0).subquery())
        quota = func.coalesce(Convention.session_quota, DEFAULT_QUOTA)
        threshold = func.coalesce(Convention.quota_warning_threshold, DEFAULT_THRESHOLD)
        level = case((or_(per_fiche.c.used >= quota, per_fiche.c.hors > 0), literal("reached")),
                     (per_fiche.c.used >= threshold, literal("threshold")), else_=literal("below"))
        frm = (select(level.label("level"), CareReferral.child_id).select_from(per_fiche)
               .join(CareReferral, CareReferral.id == per_fiche.c.cr_id)
               .outerjoin(Convention, Convention.id == CareReferral.convention_id))
        counts = dict(s.execute(select(level, func.count()).select_from(per_fiche)
                                .join(CareReferral, CareReferral.id == per_fiche.c.cr_id)
                                .outerjoin(Convention, Convention.id == CareReferral.convention_id)
                                .group_by(level)).all())
        ids = self.ids(frm, CareReferral.child_id)
        self.grouped("quota_use", [(k, counts.get(k, 0)) for k, _ in QUOTA_LEVELS], ids, dict(QUOTA_LEVELS).get)
        total = sum(counts.values())
        reached = counts.get("reached", 0)
        at_threshold = reached + counts.get("threshold", 0)
        self.figure("quota_threshold_share", at_threshold / total if total else None,
                    (*ids.get("threshold", ()), *ids.get("reached", ())), detail=f"{at_threshold} sur {total}")
        self.figure("quota_reached_share", reached / total if total else None, ids.get("reached", ()),
                    detail=f"{reached} sur {total}")

    # -- sessions

    def count_sessions(self) -> None:
        s, when = self.s, self.in_year(CareSession.session_date)
        present = case((CareSession.status == SessionStatus.PRESENT, 1), else_=0)
        absent = case((CareSession.status.in_((SessionStatus.EXCUSED, SessionStatus.UNEXCUSED)), 1), else_=0)
        att = s.execute(select(Partner.id, Partner.name, func.sum(present), func.sum(absent))
                        .join(CareReferral, CareReferral.id == CareSession.care_referral_id)
                        .join(Partner, Partner.id == CareReferral.partner_id)
                        .where(when, CareSession.status != SessionStatus.CANCELLED)
                        .group_by(Partner.id, Partner.name)).all()
        ids = self.ids(select(CareReferral.partner_id, CareReferral.child_id)
                       .join(CareSession, CareSession.care_referral_id == CareReferral.id)
                       .where(when, CareSession.status != SessionStatus.CANCELLED), CareReferral.child_id)
        rows: dict[str, _Row] = {}
        for partner_id, name, here, away in att:
            here, away = int(here or 0), int(away or 0)
            if here + away:
                rows[str(partner_id)] = _Row(name, here / (here + away), ids.get(partner_id, ()),
                                             f"{here} présences sur {here + away} séances")
        self.out.breakdowns["attendance_by_partner"] = rows

        groups = held_groups(s, self.start, self.end)
        conventions = {cid: (ref, partner, funder) for cid, ref, partner, funder in s.execute(
            select(Convention.id, Convention.reference, Partner.name, Convention.funder)
            .join(Partner, Partner.id == Convention.partner_id))}
        partners = dict(s.execute(select(Partner.id, Partner.name)).all())
        visible = self._visible_ids(g.child_id for g in groups)
        held_total, amount_total = 0, Decimal("0.00")
        tables: dict[str, dict[str, _Row]] = {k: {} for k in (
            "sessions_by_convention", "amounts_by_convention", "sessions_by_partner", "amounts_by_partner",
            "sessions_by_funder", "amounts_by_funder")}
        for g in groups:
            held_total += g.held
            amount_total += g.amount
            if g.convention_id is None:
                conv_key, conv_label, funder = "none", "Sans convention", "Sans convention"
            else:
                ref, partner_name, funder_text = conventions[g.convention_id]
                conv_key, conv_label = str(g.convention_id), f"{ref} — {partner_name}"
                funder = (funder_text or "").strip() or "Financeur non renseigné"
            for what, key, row_label in (("convention", conv_key, conv_label),
                                         ("partner", str(g.partner_id), partners.get(g.partner_id, "")),
                                         ("funder", fold(funder), funder)):
                for measure, value in (("sessions", g.held), ("amounts", g.amount)):
                    row = tables[f"{measure}_by_{what}"].setdefault(
                        key, _Row(row_label, Decimal("0.00") if measure == "amounts" else 0))
                    row.value += value
                    if g.child_id in visible and g.child_id not in row.ids:
                        row.ids = row.ids + (g.child_id,)
        for key, table in tables.items():
            for row in table.values():
                row.ids = tuple(sorted(row.ids))
            self.out.breakdowns[key] = table
        self.figure("sessions_held", held_total, visible)
        self.figure("sessions_amount", amount_total,
                    visible & {g.child_id for g in groups if g.billable})

    def run(self) -> _Year:
        self.count_children()
        self.count_referrals()
        self.count_pathways()
        self.count_eps()
        self.count_orientations()
        self.count_sessions()
        return self.out


_REASON_SPLIT = re.compile(r"[,;\n\r]+")
QUOTA_LEVELS = (("below", "Sous le seuil d'alerte"), ("threshold", "Seuil d'alerte atteint"),
                ("reached", "Quota atteint"))


def _reason_label(text: Optional[str]) -> str:
    head = (text or "").split(" : ", 1)[0].strip().rstrip(":").strip()
    return head[:1].upper() + head[1:] if head else NOT_GIVEN


def _any_visible(session: Session) -> bool:
    return sees_every_file(session) or session.scalar(
        select(func.count(Child.id)).where(visible_children(session))) > 0


# --------------------------------------------------------------------------- assembly

_FIXED_ORDER = {
    "by_sex": [Sex.FEMALE.value, Sex.MALE.value, ""],
    "by_age_band": [b[0] for b in AGE_BANDS],
    "by_school_level": [k for k, _ in SCHOOL_LEVELS],
    "eps_decisions_by_kind": [k.value for k in EpsDecisionKind],
    "quota_use": [k for k, _ in QUOTA_LEVELS],
}
# Fixed categories shown even at zero (a funder reads "0 garçon" as information).
_ALWAYS = {"by_sex": {"F", "M"}, "by_age_band": {"2_5", "6_10", "11_16", "17_plus"},
           "by_school_level": {"maternelle", "elementaire", "college", "lycee"},
           "eps_decisions_by_kind": {k.value for k in EpsDecisionKind}, "quota_use": {k for k, _ in QUOTA_LEVELS}}


def _merge_rows(key: str, current: dict[str, _Row], previous: dict[str, _Row], unit: str) -> list[BreakdownRow]:
    zero: Any = Decimal("0.00") if unit == "amount" else 0
    keys = [k for k in dict.fromkeys([*current, *previous])]
    if key in _FIXED_ORDER:
        order = _FIXED_ORDER[key]
        keys = [k for k in order if k in current or k in previous or k in _ALWAYS.get(key, ())]
        labels_from = {**{k: r.label for k, r in previous.items()}, **{k: r.label for k, r in current.items()}}
    else:
        keys.sort(key=lambda k: (-(current[k].value if k in current and current[k].value is not None else -1),
                                 -(previous[k].value if k in previous and previous[k].value is not None else -1),
                                 fold((current.get(k) or previous[k]).label)))
        keys.sort(key=lambda k: k == "other")  # « Autres motifs » after the named ones
        labels_from = {}
    rows = []
    for k in keys:
        cur, prev = current.get(k), previous.get(k)
        text = (cur or prev).label if (cur or prev) else labels_from.get(k, k)
        if key in _FIXED_ORDER and not (cur or prev):
            text = _fixed_label(key, k)
        rate = unit == "percent"
        rows.append(BreakdownRow(
            key=k, label=text,
            value=cur.value if cur else (None if rate else zero),
            previous_value=prev.value if prev else (None if rate else zero),
            child_ids=cur.ids if cur else (), detail=cur.detail if cur else ""))
    return rows


def _fixed_label(key: str, k: str) -> str:
    if key == "by_sex":
        return label(Sex(k)) if k else NOT_GIVEN
    if key == "by_age_band":
        return dict((b[0], b[1]) for b in AGE_BANDS)[k]
    if key == "by_school_level":
        return dict(SCHOOL_LEVELS)[k]
    if key == "eps_decisions_by_kind":
        return label(EpsDecisionKind(k))
    return dict(QUOTA_LEVELS)[k]


def _top_reasons(rows: dict[str, _Row], previous: dict[str, _Row], visible: set[int]) -> tuple[dict, dict]:
    """Keep the most frequent reasons of the year; fold the others into « Autres motifs »."""
    ranked = sorted(rows, key=lambda k: (-rows[k].value, fold(rows[k].label)))
    keep = set(ranked[:TOP_REASONS]) if len(ranked) > TOP_REASONS + 1 else set(ranked)
    if not ranked:
        keep = set(sorted(previous, key=lambda k: -previous[k].value)[:TOP_REASONS])

    def fold_rows(src: dict[str, _Row]) -> dict[str, _Row]:
        out: dict[str, _Row] = {}
        for k, row in src.items():
            target = k if k in keep else "other"
            dest = out.setdefault(target, _Row(row.label if target == k else OTHER_REASONS, 0))
            dest.value += row.value
            dest.ids = dest.ids + tuple(i for i in row.ids if i in visible)
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
              "élémentaire ; 6e à 3e et SEGPA → collège ; 2nde, 1re, Tle, CAP → lycée ; toute autre classe (ULIS, "
              "IME…) ou une classe vide → « Autre ou non renseigné ». La classe n'est pas historisée : pour une "
              "année passée, c'est la dernière classe connue.", "bar", True),
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
        current.breakdowns["referral_reasons"], previous.breakdowns["referral_reasons"],
        getattr(current_counter, "reason_ids_visible", set()))
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
