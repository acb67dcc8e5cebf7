"""The pseudonymised statistical data: one row per child followed in a school year (issue 10).

For observatories and evaluations: what a statistic needs, nothing that names or
reaches a person. Kept: sex, birth year, age band, neighbourhood, school level, entry and
exit dates, the kind of exit, the first repérage's origin, and counts. Left out: names,
birth day, address, phones, e-mails, the school's name, the référent, every typed text
(motives, notes, objectives, reasons) — an origin typed outside the known list reads
« Autre » — and the child's id, which would lead back to the file.

The pseudonym is drawn at random for each export ("P0001"… given in a shuffled order, and
the rows sorted by it): it is stable within the file, says nothing of the child, and two
exports cannot be joined through it. Rows are read with a fixed number of grouped queries.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from ..models import CareReferral, CareSession, Child, ChildStatus, EpsDecision, Family, Referral, SessionStatus, Sex
from .access import require_coordinator
from .common import age_on
from .referrals import SOURCES
from .statistics import AGE_BANDS, SCHOOL_LEVELS, SchoolYear, as_school_year
from .statistics_queries import class_at_year_end, level_of_class

EXIT_KINDS = {ChildStatus.ENDED: "Fin de parcours", ChildStatus.REORIENTED: "Réorientation ou refus de l'EPS"}


@dataclass(frozen=True)
class PseudonymisedRow:
    pseudonym: str
    school_year: str
    sex: str  # "F", "M" or ""
    birth_year: int
    age_band: str
    neighbourhood: str
    school_level: str
    entry_date: Optional[dt.date]
    exit_date: Optional[dt.date]  # only an exit within the year (a later one is not yet known then)
    exit_kind: str
    referral_source: str
    referrals: int
    eps_decisions: int
    orientations: int
    sessions_held: int
    sessions_missed: int


@dataclass(frozen=True)
class PseudonymisedData:
    year: SchoolYear
    rows: tuple[PseudonymisedRow, ...]


# (attribute, header, kind and width for the .xlsx, definition) — the columns of both files, in order.
COLUMNS: tuple[tuple[str, str, str, int, str], ...] = (
    ("pseudonym", "Pseudonyme", "text", 12, "Tiré au hasard à chaque export : ne permet ni de retrouver l'enfant ni de "
                                        "relier deux exports."),
    ("school_year", "Année scolaire", "text", 12, "Du 1er septembre au 31 août."),
    ("sex", "Sexe", "text", 6, "F ou M ; vide si non renseigné."),
    ("birth_year", "Année de naissance", "int", 10, "Année seulement (ni le jour ni le mois)."),
    ("age_band", "Tranche d'âge", "text", 12, "Âge au 31 décembre de la première année scolaire."),
    ("neighbourhood", "Quartier", "text", 16, "Quartier de la famille, tel que saisi ; vide si non renseigné."),
    ("school_level", "Niveau scolaire", "text", 13, "Maternelle, élémentaire, collège, lycée, d'après la classe au "
                                                          "31 août de l'année."),
    ("entry_date", "Date d'entrée", "date", 11, "Entrée dans le dispositif."),
    ("exit_date", "Date de sortie", "date", 11, "Sortie du dispositif pendant l'année ; vide sinon."),
    ("exit_kind", "Type de sortie", "text", 22, "Fin de parcours, ou réorientation / refus de l'EPS (pas le motif "
                                            "saisi)."),
    ("referral_source", "Origine du premier repérage", "text", 20, "École, PMI, famille… (liste de l'application ; "
                                                               "« Autre » pour une origine saisie librement)."),
    ("referrals", "Repérages dans l'année", "int", 11, "Repérages datés de l'année scolaire."),
    ("eps_decisions", "Décisions EPS dans l'année", "int", 11, "Décisions de l'EPS datées de l'année scolaire."),
    ("orientations", "Orientations dans l'année", "int", 12, "Fiches de liaison envoyées dans l'année scolaire."),
    ("sessions_held", "Séances tenues", "int", 9, "Séances de l'année au statut « présent »."),
    ("sessions_missed", "Absences", "int", 9, "Séances de l'année où l'enfant était absent (excusé ou non) ; les "
                                           "séances annulées par le partenaire ne comptent pas."),
)


def _count_by_child(session: Session, stmt) -> dict[int, int]:  # noqa: ANN001 - a (child id, count) select
    return {child_id: int(n or 0) for child_id, n in session.execute(stmt)}


def pseudonymised_rows(session: Session, year: SchoolYear | str | int) -> PseudonymisedData:
    """Every child followed in ``year`` (the dashboard's definition), one row each, shuffled.

    The whole base leaves as data, even pseudonymised: the coordinator's decision only.
    """
    require_coordinator(session, "faire l'export statistique de toute la structure")
    sy = as_school_year(year)
    start, end = sy.start, sy.end
    followed = and_(Child.entry_date.is_not(None), Child.entry_date <= end,
                    (Child.exit_date.is_(None)) | (Child.exit_date >= start))
    in_year = lambda column: and_(column >= start, column <= end)  # noqa: E731
    first_referral = (select(Referral.child_id, func.min(Referral.referred_on).label("first_on"))
                      .group_by(Referral.child_id).subquery())
    source_of = {child_id: source for child_id, source in session.execute(
        select(Referral.child_id, Referral.source)
        .join(first_referral, and_(first_referral.c.child_id == Referral.child_id,
                                   first_referral.c.first_on == Referral.referred_on))
        .join(Child, Child.id == Referral.child_id).where(followed).order_by(Referral.id.desc()))}
    referrals = _count_by_child(session, select(Referral.child_id, func.count(Referral.id))
                                .where(in_year(Referral.referred_on)).group_by(Referral.child_id))
    decisions = _count_by_child(session, select(EpsDecision.child_id, func.count(EpsDecision.id))
                                .where(in_year(EpsDecision.decided_on)).group_by(EpsDecision.child_id))
    orientations = _count_by_child(session, select(CareReferral.child_id, func.count(CareReferral.id))
                                   .where(in_year(CareReferral.sent_on)).group_by(CareReferral.child_id))
    present = func.sum(case((CareSession.status == SessionStatus.PRESENT, 1), else_=0))
    missed = func.sum(case((CareSession.status.in_((SessionStatus.EXCUSED, SessionStatus.UNEXCUSED)), 1), else_=0))
    sessions = {child_id: (int(h or 0), int(m or 0)) for child_id, h, m in session.execute(
        select(CareReferral.child_id, present, missed)
        .join(CareReferral, CareReferral.id == CareSession.care_referral_id)
        .where(in_year(CareSession.session_date)).group_by(CareReferral.child_id))}
    known_sources = {s.casefold(): s for s in SOURCES}
    levels, bands = dict(SCHOOL_LEVELS), AGE_BANDS
    class_then, class_changes = class_at_year_end(end)  # the class of that year, not today's
    children = session.execute(
        select(Child.id, Child.sex, Child.birth_date, Family.neighbourhood, class_then, Child.entry_date,
               Child.exit_date, Child.status)
        .join(Family, Family.id == Child.family_id)
        .outerjoin(class_changes, class_changes.c.child_id == Child.id).where(followed)).all()
    numbers = list(range(1, len(children) + 1))
    secrets.SystemRandom().shuffle(numbers)
    width = max(4, len(str(len(children))))
    rows = []
    for number, (child_id, sex, birth, hood, school_class, entry, exit_, status) in zip(numbers, children):
        age = age_on(birth, sy.age_reference)
        band = next((label for _, label, low, high in bands if age >= low and (high is None or age <= high)),
                    bands[0][1])  # born after the reference day: youngest band
        exited = exit_ if exit_ is not None and exit_ <= end else None
        held, absent = sessions.get(child_id, (0, 0))
        source = source_of.get(child_id)
        rows.append(PseudonymisedRow(
            pseudonym=f"P{number:0{width}d}", school_year=sy.label,
            sex=sex.value if isinstance(sex, Sex) else "", birth_year=birth.year, age_band=band,
            neighbourhood=(hood or "").strip(), school_level=levels[level_of_class(school_class)],
            entry_date=entry, exit_date=exited,
            exit_kind=EXIT_KINDS.get(status, "") if exited is not None else "",
            referral_source=known_sources.get(source.strip().casefold(), "Autre") if source else "",
            referrals=referrals.get(child_id, 0), eps_decisions=decisions.get(child_id, 0),
            orientations=orientations.get(child_id, 0), sessions_held=held, sessions_missed=absent))
    rows.sort(key=lambda r: r.pseudonym)
    return PseudonymisedData(sy, tuple(rows))
