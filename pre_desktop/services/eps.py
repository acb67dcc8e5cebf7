"""EPS commissions (équipe pluridisciplinaire de soutien): meetings, members, agenda,
decisions and their effects on the child's file and pathway.

Rule 8 ("EPS first"): every action and orientation is decided by an EPS. The agenda
suggestions bring back, for each commission, the children waiting since a referral,
the pathways due for review and the actions and fiches de liaison recorded "hors EPS".

Decisions change other records (pathway, actions, fiches, child's status). Each decision
keeps an explicit record of what it did (``EpsDecision.effects``: rows created, rows
regularised, values overwritten), and :func:`revert_decision` undoes exactly that. The
record, not timestamps or the audit trail, is the source: it does not depend on clock
order, and works for a decision recorded and removed in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, NamedTuple, Optional

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ..formatting import fr_date
from ..models import (
    AgendaReason,
    CareReferral,
    Child,
    ChildStatus,
    EpsDecision,
    EpsDecisionKind,
    EpsMeeting,
    EpsMember,
    EpsSituation,
    Pathway,
    PathwayAction,
    Referral,
    Role,
    User,
)
from .access import (
    can_see_child,
    check_child,
    require_child,
    require_coordinator,
    require_role,
    visible_children,
)
from .clock import today
from .common import add_months, age_on, as_bool, as_date, check_version, get_or_fail, optional_text, required_text
from .errors import DomainError, DomainWarning, NeedsConfirmation
from .labels import label
from .partners import orientation_check
from .pathways import check_partner, hors_eps_actions, hors_eps_care_referrals, open_pathway
from .settings import public_age_range

REVIEW_MONTHS = 6
REASON_MAX = 2_000


# ---------------------------------------------------------------------------
# Meetings and members
# ---------------------------------------------------------------------------


def _clean_meeting_field(name: str, value: Any) -> Any:
    if name == "meeting_date":
        return as_date(value, "meeting_date", "Date de la commission")
    if name == "place":
        return optional_text(value, "place", "Lieu", 200)
    if name == "notes":
        return optional_text(value, "notes", "Notes", 10_000)
    raise DomainError(f"Champ inconnu pour une commission : « {name} ».", name)


def create_meeting(session: Session, *, meeting_date: Any, place: Optional[str] = None,
                   notes: Optional[str] = None) -> EpsMeeting:
    require_coordinator(session, "organiser les commissions EPS (la coordination les anime)")
    values = {k: _clean_meeting_field(k, v) for k, v in dict(meeting_date=meeting_date, place=place, notes=notes).items()}
    meeting = EpsMeeting(**values)
    session.add(meeting)
    session.flush()
    return meeting


def update_meeting(session: Session, meeting_id: int, *, expected_version: Optional[int], **fields: Any) -> EpsMeeting:
    """Change date, place or notes. The date is fixed once decisions are recorded: they,
    the pathways they opened and the children's entry dates all carry it."""
    require_coordinator(session, "organiser les commissions EPS (la coordination les anime)")
    meeting = get_or_fail(session, EpsMeeting, meeting_id, "Commission EPS")
    check_version(meeting, expected_version, "Cette commission")
    values = {k: _clean_meeting_field(k, v) for k, v in fields.items()}
    if "meeting_date" in values and values["meeting_date"] != meeting.meeting_date and meeting.decisions:
        raise DomainError("Des décisions sont enregistrées pour cette commission : sa date ne peut plus changer. "
                          "Annulez d'abord les décisions.", "meeting_date")
    for key, value in values.items():
        setattr(meeting, key, value)
    session.flush()
    return meeting


def delete_meeting(session: Session, meeting_id: int, *, expected_version: Optional[int] = None) -> None:
    """Delete a commission with no decision (its agenda and members go with it)."""
    require_coordinator(session, "organiser les commissions EPS (la coordination les anime)")
    meeting = get_or_fail(session, EpsMeeting, meeting_id, "Commission EPS")
    check_version(meeting, expected_version, "Cette commission")
    if meeting.decisions:
        raise DomainError(f"{len(meeting.decisions)} décision(s) sont enregistrées pour cette commission : "
                          "annulez-les avant de la supprimer.", "meeting_id")
    session.delete(meeting)
    session.flush()


def _clean_member_field(name: str, value: Any) -> Any:
    if name == "name":
        return required_text(value, "name", "Nom", 200)
    if name == "function":
        return optional_text(value, "function", "Fonction", 200)
    if name == "institution":
        return optional_text(value, "institution", "Institution", 200)
    if name == "present":
        return as_bool(value, "present", "Présent")
    raise DomainError(f"Champ inconnu pour un membre : « {name} ».", name)


def add_member(session: Session, meeting_id: int, *, name: str, function: Optional[str] = None,
               institution: Optional[str] = None, present: bool = True) -> EpsMember:
    require_coordinator(session, "organiser les commissions EPS (la coordination les anime)")
    meeting = get_or_fail(session, EpsMeeting, meeting_id, "Commission EPS")
    values = {k: _clean_member_field(k, v) for k, v in
              dict(name=name, function=function, institution=institution, present=present).items()}
    member = EpsMember(meeting=meeting, **values)
    session.add(member)
    session.flush()
    return member


def update_member(session: Session, member_id: int, *, expected_version: Optional[int] = None, **fields: Any) -> EpsMember:
    require_coordinator(session, "organiser les commissions EPS (la coordination les anime)")
    member = get_or_fail(session, EpsMember, member_id, "Membre")
    check_version(member, expected_version, "Ce membre")
    values = {k: _clean_member_field(k, v) for k, v in fields.items()}
    for key, value in values.items():
        setattr(member, key, value)
    session.flush()
    return member


def remove_member(session: Session, member_id: int) -> None:
    require_coordinator(session, "organiser les commissions EPS (la coordination les anime)")
    member = get_or_fail(session, EpsMember, member_id, "Membre")
    member.meeting.members.remove(member)
    session.delete(member)
    session.flush()


# ---------------------------------------------------------------------------
# Agenda
# ---------------------------------------------------------------------------


def _as_reason(value: Any) -> AgendaReason:
    try:
        return AgendaReason(value)
    except ValueError:
        raise DomainError(f"« {value} » n'est pas un motif d'inscription valide.", "reason") from None


def _decision_at(session: Session, meeting_id: int, child_id: int) -> Optional[EpsDecision]:
    return session.scalars(select(EpsDecision).where(EpsDecision.meeting_id == meeting_id,
                                                     EpsDecision.child_id == child_id)).first()


def _situation_of(session: Session, meeting_id: int, child_id: int) -> Optional[EpsSituation]:
    return session.scalars(select(EpsSituation).where(EpsSituation.meeting_id == meeting_id,
                                                      EpsSituation.child_id == child_id)).first()


def _next_position(session: Session, meeting_id: int) -> int:
    return (session.scalar(select(func.max(EpsSituation.position)).where(EpsSituation.meeting_id == meeting_id)) or 0) + 1


def add_situation(session: Session, meeting_id: int, child_id: int,
                  reason: AgendaReason = AgendaReason.NEW_REFERRAL) -> EpsSituation:
    """Put a child's situation on a meeting's agenda (once per meeting)."""
    meeting = get_or_fail(session, EpsMeeting, meeting_id, "Commission EPS")
    child = require_child(session, child_id, write=True, field="child_id")
    why = _as_reason(reason)
    if child.status is ChildStatus.ENDED:
        raise DomainError(f"{child.full_name} est sorti(e) du dispositif : enregistrez un nouveau repérage pour "
                          "présenter à nouveau sa situation.", "child_id")
    if _situation_of(session, meeting.id, child.id) is not None:
        raise DomainError(f"La situation de {child.full_name} est déjà à l'ordre du jour de cette commission.",
                          "child_id")
    situation = EpsSituation(meeting=meeting, child=child, reason=why, position=_next_position(session, meeting.id))
    session.add(situation)
    session.flush()
    return situation


def remove_situation(session: Session, situation_id: int, *, confirm: bool = False) -> None:
    """Take a situation off the agenda. If the EPS already decided for this child at this
    meeting, the decision goes too, with its effects (see revert_decision): asked first."""
    situation = get_or_fail(session, EpsSituation, situation_id, "Situation")
    check_child(session, situation.child, write=True)
    decision = _decision_at(session, situation.meeting_id, situation.child_id)
    if decision is not None:
        _check_revert(session, decision)
        if not confirm:
            raise NeedsConfirmation([DomainWarning(
                "decision_recorded",
                f"Une décision (« {label(decision.kind)} ») est enregistrée pour {situation.child.full_name} à cette "
                "commission : retirer la situation supprimera cette décision et annulera ses effets.",
                "situation_id", decision.id)])
        _revert_effects(session, decision)
    situation.meeting.situations.remove(situation)
    session.delete(situation)
    session.flush()


class AgendaSuggestion(NamedTuple):
    """A child the EPS should examine, why, and since when (in ``detail``)."""

    child: Child
    reason: AgendaReason
    detail: str


_PRIORITY = {AgendaReason.NEW_REFERRAL: 0, AgendaReason.HORS_EPS: 1, AgendaReason.REVIEW: 2, AgendaReason.OTHER: 3}


def agenda_suggestions(session: Session, meeting_id: int) -> list[AgendaSuggestion]:
    """Who should come before this commission, not yet on its agenda:

    - children "repérés" with no decision since their latest referral (or whose
      examination was postponed to this date or earlier);
    - children with actions recorded "hors EPS" in their open pathway, or fiches de
      liaison recorded without an EPS decision (rule 8);
    - open pathways whose review date is on or before the meeting.

    One suggestion per child (first reason in that order, all details joined).
    """
    meeting = get_or_fail(session, EpsMeeting, meeting_id, "Commission EPS")
    day = meeting.meeting_date
    on_agenda = set(session.scalars(select(EpsSituation.child_id).where(EpsSituation.meeting_id == meeting.id)))
    found: dict[int, list[tuple[AgendaReason, str, dt.date]]] = {}
    children: dict[int, Child] = {}

    def note(child: Child, reason: AgendaReason, detail: str, since: dt.date) -> None:
        if child.id in on_agenda or child.status is ChildStatus.ENDED or child.archived_on is not None:
            return
        children[child.id] = child
        found.setdefault(child.id, []).append((reason, detail, since))

    waiting = list(session.scalars(select(Child).where(Child.status == ChildStatus.REFERRED, visible_children(session))))
    if waiting:
        ids = [c.id for c in waiting]
        last_ref: dict[int, Referral] = {}
        for ref in session.scalars(select(Referral).where(Referral.child_id.in_(ids), Referral.referred_on <= day)
                                   .order_by(Referral.referred_on, Referral.id)):
            last_ref[ref.child_id] = ref
        last_dec: dict[int, EpsDecision] = {}
        for dec in session.scalars(select(EpsDecision).where(EpsDecision.child_id.in_(ids))
                                   .order_by(EpsDecision.decided_on, EpsDecision.id)):
            last_dec[dec.child_id] = dec
        for child in waiting:
            ref, dec = last_ref.get(child.id), last_dec.get(child.id)
            if ref is None and any(r.referred_on > day for r in child.referrals):
                continue  # referred after this meeting
            if ref is not None and (dec is None or dec.decided_on < ref.referred_on):
                note(child, AgendaReason.NEW_REFERRAL,
                     f"En attente depuis le {fr_date(ref.referred_on)} (repérage : {ref.source})", ref.referred_on)
            elif ref is None and dec is None:
                since = child.created_at.date() if child.created_at else day
                note(child, AgendaReason.NEW_REFERRAL, "En attente de l'EPS (aucun repérage enregistré)", since)
            elif (dec is not None and dec.kind is EpsDecisionKind.POSTPONE and dec.meeting_id != meeting.id
                  and (dec.postponed_to is None or dec.postponed_to <= day)):
                note(child, AgendaReason.NEW_REFERRAL,
                     f"Situation ajournée le {fr_date(dec.decided_on)}, à revoir à partir du {fr_date(dec.postponed_to)}",
                     dec.decided_on)

    by_child: dict[int, list] = {}
    for row in hors_eps_actions(session):
        by_child.setdefault(row.child_id, []).append(row)
    for child_id, rows in by_child.items():
        since = min(r.since for r in rows)
        labels = ", ".join(r.label for r in rows)
        n_actions = sum(1 for r in rows if r.kind == "action")
        counts = [f"{n} {what}(s)" for n, what in ((n_actions, "action"), (len(rows) - n_actions, "orientation")) if n]
        note(session.get(Child, child_id), AgendaReason.HORS_EPS,
             f"{' et '.join(counts)} hors EPS depuis le {fr_date(since)} : {labels}", since)

    due = session.scalars(select(Pathway).where(Pathway.end_date.is_(None), Pathway.review_date.is_not(None),
                                                Pathway.review_date <= day,
                                                visible_children(session, Pathway.child_id)))
    for pathway in due:
        note(pathway.child, AgendaReason.REVIEW, f"Révision du parcours prévue le {fr_date(pathway.review_date)}",
             pathway.review_date)

    out = []
    for child_id, items in found.items():
        items.sort(key=lambda it: _PRIORITY[it[0]])
        since = min(it[2] for it in items)
        out.append((_PRIORITY[items[0][0]], since, children[child_id].search_name,
                    AgendaSuggestion(children[child_id], items[0][0], " ; ".join(it[1] for it in items))))
    out.sort(key=lambda t: t[:3])
    return [t[3] for t in out]


# ---------------------------------------------------------------------------
# Decisions
# ---------------------------------------------------------------------------


@dataclass
class _ChildState:
    """What a decision is checked against: the child's status and open pathway
    (as they are, or as they will be once a decision being replaced is reverted)."""

    status: ChildStatus
    open_pathway: Optional[Pathway]


@dataclass
class _Plan:
    meeting: EpsMeeting
    child: Child
    kind: EpsDecisionKind
    objectives: Optional[str]
    actions: list[dict[str, Any]]
    review_date: Optional[dt.date]
    postponed_to: Optional[dt.date]
    reoriented_to: Optional[str]
    reason: Optional[str]
    end_date: Optional[dt.date]
    regularise_hors_eps: bool
    warnings: list[DomainWarning]


_ACTION_KEYS = {"label", "action_type", "partner_id"}


def _as_kind(value: Any) -> EpsDecisionKind:
    try:
        return EpsDecisionKind(value)
    except ValueError:
        raise DomainError(f"« {value} » n'est pas une décision d'EPS valide.", "kind") from None


def _clean_actions(session: Session, actions: Iterable[Mapping[str, Any]], child: Child, day: dt.date,
                   warnings: list[DomainWarning]) -> list[dict[str, Any]]:
    """The actions of an acceptance, checked; an action with a partner is an orientation there
    (rule 6): refused where the PRE may not orient directly, a warning outside its public's ages."""
    out = []
    for i, raw in enumerate(actions or (), start=1):
        unknown = set(raw) - _ACTION_KEYS
        if unknown:
            raise DomainError(f"Action n° {i} : champ inconnu « {sorted(unknown)[0]} ».", "actions")
        text = (raw.get("label") or "").strip()
        if not text:
            raise DomainError(f"Action n° {i} : le libellé est obligatoire.", "actions")
        if len(text) > 200:
            raise DomainError(f"Action n° {i} : le libellé est trop long (200 caractères au plus).", "actions")
        kind = optional_text(raw.get("action_type"), "actions", "Type d'action", 100)
        check_partner(session, raw.get("partner_id"), "actions")
        if raw.get("partner_id") is not None:
            refusal, ages = orientation_check(session, raw["partner_id"], child.birth_date, day)
            if refusal is not None:
                raise DomainError(f"Action n° {i} : {refusal.message}", "actions")
            warnings.extend(DomainWarning(w.code, f"Action n° {i} : {w.message}", "actions", w.related_id)
                            for w in ages)
        out.append({"label": text, "action_type": kind, "partner_id": raw.get("partner_id")})
    return out


def _later_decision(session: Session, child_id: int, after: dt.date, exclude_id: Optional[int]) -> Optional[EpsDecision]:
    """The child's decision after ``after``; with ``exclude_id`` (the decision being undone or
    replaced), one recorded after it the same day (two commissions on one date) counts too."""
    later = EpsDecision.decided_on > after
    if exclude_id is not None:
        later = or_(later, and_(EpsDecision.decided_on == after, EpsDecision.id > exclude_id))
    stmt = select(EpsDecision).where(EpsDecision.child_id == child_id, later)
    if exclude_id is not None:
        stmt = stmt.where(EpsDecision.id != exclude_id)
    return session.scalars(stmt.order_by(EpsDecision.decided_on.desc())).first()


def _plan(session: Session, meeting: EpsMeeting, child: Child, state: _ChildState, *, kind: Any,
          objectives: Optional[str], actions: Iterable[Mapping[str, Any]], review_date: Any, postponed_to: Any,
          reoriented_to: Optional[str], reason: Optional[str], end_date: Any, regularise_hors_eps: bool,
          exclude_id: Optional[int] = None) -> _Plan:
    """Every check of a decision, before anything is written."""
    day = meeting.meeting_date
    if day > today():
        raise DomainError(f"La commission du {fr_date(day)} n'a pas encore eu lieu : sa décision ne peut pas "
                          "encore être enregistrée.", "meeting_id")
    if state.status is ChildStatus.ENDED:
        raise DomainError(f"{child.full_name} est sorti(e) du dispositif : aucune décision ne peut être enregistrée "
                          "sans nouveau repérage.", "child_id")
    if day < child.birth_date:
        raise DomainError(f"La commission du {fr_date(day)} précède la naissance de {child.full_name} "
                          f"({fr_date(child.birth_date)}) : vérifiez la commission choisie ou la date de naissance.",
                          "meeting_id")
    existing = _decision_at(session, meeting.id, child.id)
    if existing is not None and existing.id != exclude_id:
        raise DomainError(f"Une décision est déjà enregistrée pour {child.full_name} à cette commission : "
                          "modifiez-la plutôt que d'en ajouter une seconde.", "child_id")
    later = _later_decision(session, child.id, day, exclude_id)
    if later is not None:
        raise DomainError(f"Une décision plus récente (EPS du {fr_date(later.decided_on)}) existe déjà pour "
                          f"{child.full_name}.", "meeting_id")
    what = _as_kind(kind)
    why = optional_text(reason, "reason", "Motif", REASON_MAX)
    plan = _Plan(meeting=meeting, child=child, kind=what, objectives=None, actions=[], review_date=None,
                 postponed_to=None, reoriented_to=None, reason=why, end_date=None,
                 regularise_hors_eps=bool(regularise_hors_eps), warnings=[])
    pathway = state.open_pathway
    if what is EpsDecisionKind.ACCEPT:
        if pathway is not None and day < pathway.start_date:
            raise DomainError("La commission précède le début du parcours en cours.", "meeting_id")
        plan.objectives = optional_text(objectives, "objectives", "Objectifs", 10_000)
        plan.actions = _clean_actions(session, actions, child, day, plan.warnings)
        plan.review_date = as_date(review_date, "review_date", "Date de révision", required=False) \
            or add_months(day, REVIEW_MONTHS)
        if plan.review_date <= day:
            raise DomainError("La date de révision doit suivre la date de la commission.", "review_date")
        age_min, age_max = public_age_range(session)
        age = age_on(child.birth_date, day)
        if not age_min <= age <= age_max:
            plan.warnings.append(DomainWarning(
                "age_outside_public", f"{child.first_name} a {age} an{'s' if age > 1 else ''} : hors du public "
                f"habituel du PRE ({age_min} à {age_max} ans).", "child_id", child.id))
    elif what is EpsDecisionKind.POSTPONE:
        plan.postponed_to = as_date(postponed_to, "postponed_to", "Ajourné au")
        if plan.postponed_to <= day:
            raise DomainError(f"La date d'ajournement doit suivre la date de la commission ({fr_date(day)}).",
                              "postponed_to")
    elif what is EpsDecisionKind.REFUSE:
        plan.reason = required_text(reason, "reason", "Motif du refus", REASON_MAX)
        if pathway is not None:
            raise DomainError(f"{child.full_name} a un parcours en cours : choisissez « Fin de parcours » ou "
                              "« Réorienté ».", "kind")
    elif what is EpsDecisionKind.REORIENT:
        plan.reoriented_to = required_text(reoriented_to, "reoriented_to", "Réorienté vers", 200)
        plan.reason = required_text(reason, "reason", "Motif de la réorientation", REASON_MAX)
        if pathway is not None and day < pathway.start_date:
            raise DomainError("La commission précède le début du parcours en cours.", "meeting_id")
    elif what is EpsDecisionKind.END:
        plan.reason = required_text(reason, "reason", "Motif de fin de parcours", REASON_MAX)
        plan.end_date = as_date(end_date, "end_date", "Date de fin", required=False) or day
        if pathway is not None and plan.end_date < pathway.start_date:
            raise DomainError(f"La fin du parcours ne peut pas précéder son début ({fr_date(pathway.start_date)}).",
                              "end_date")
        if plan.end_date < child.birth_date:
            raise DomainError("La date de fin ne peut pas précéder la naissance.", "end_date")
    if _situation_of(session, meeting.id, child.id) is None:
        plan.warnings.append(DomainWarning(
            "not_on_agenda", f"La situation de {child.full_name} n'est pas à l'ordre du jour de cette commission : "
            "elle y sera ajoutée.", "child_id", child.id))
    return plan


def _inferred_reason(session: Session, child: Child) -> AgendaReason:
    if child.status is ChildStatus.REFERRED:
        return AgendaReason.NEW_REFERRAL
    if hors_eps_actions(session, child.id):
        return AgendaReason.HORS_EPS
    if open_pathway(session, child.id) is not None:
        return AgendaReason.REVIEW
    return AgendaReason.OTHER


def _short(text: str, size: int = 200) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _iso(value: Optional[dt.date]) -> Optional[str]:
    return value.isoformat() if value is not None else None


def _overwrite(obj: Any, before: dict[str, Any], **values: Any) -> None:
    """Set fields, noting in ``before`` the previous value of each one that changes
    (only those: undoing must not touch a field the decision left alone)."""
    for key, value in values.items():
        current = getattr(obj, key)
        if current != value:
            before.setdefault(key, _iso(current) if isinstance(current, dt.date) else current)
            setattr(obj, key, value)


def _apply(session: Session, plan: _Plan) -> EpsDecision:
    """Write a checked decision and its effects (nothing here may refuse), recording
    those effects on the decision so that revert_decision can undo them exactly."""
    meeting, child, day = plan.meeting, plan.child, plan.meeting.meeting_date
    if _situation_of(session, meeting.id, child.id) is None:
        session.add(EpsSituation(meeting=meeting, child=child, reason=_inferred_reason(session, child),
                                 position=_next_position(session, meeting.id)))
    pathway = open_pathway(session, child.id)
    pathway_before: dict[str, Any] = {}
    child_before: dict[str, Any] = {}
    regularised_actions: list[PathwayAction] = []
    regularised_referrals: list[CareReferral] = []
    created_pathway: Optional[Pathway] = None
    previous_status = child.status.value
    # Field changes first (they need no decision id), so the decision row is written
    # once with its record of them.
    if plan.kind is EpsDecisionKind.ACCEPT:
        if pathway is None:
            created_pathway = pathway = Pathway(child=child, start_date=day, objectives=plan.objectives or "",
                                                review_date=plan.review_date)
            session.add(pathway)
        else:
            if plan.objectives:
                block = f"EPS du {fr_date(day)} : {plan.objectives}"
                _overwrite(pathway, pathway_before,
                           objectives=f"{pathway.objectives}\n\n{block}" if pathway.objectives else block)
            _overwrite(pathway, pathway_before, review_date=plan.review_date)
            if plan.regularise_hors_eps:
                regularised_actions = [a for a in pathway.actions if a.eps_decision_id is None]
        if plan.regularise_hors_eps:
            regularised_referrals = hors_eps_care_referrals(session, child.id)
        child.status = ChildStatus.ACTIVE
        if child.entry_date is None:
            _overwrite(child, child_before, entry_date=day)
        # Back in a pathway after an earlier end: that exit no longer applies.
        _overwrite(child, child_before, exit_date=None, exit_reason=None)
    elif plan.kind is EpsDecisionKind.POSTPONE:
        if pathway is not None:
            _overwrite(pathway, pathway_before, review_date=plan.postponed_to)
    elif plan.kind is EpsDecisionKind.REFUSE:
        child.status = ChildStatus.REORIENTED
    elif plan.kind is EpsDecisionKind.REORIENT:
        if pathway is not None:
            _overwrite(pathway, pathway_before, end_date=day,
                       end_reason=_short(f"Réorientation : {plan.reoriented_to}"))
        child.status = ChildStatus.REORIENTED
    elif plan.kind is EpsDecisionKind.END:
        if pathway is not None:
            _overwrite(pathway, pathway_before, end_date=plan.end_date, end_reason=_short(plan.reason or ""))
        child.status = ChildStatus.ENDED
        _overwrite(child, child_before, exit_date=plan.end_date, exit_reason=_short(plan.reason or ""))
    if plan.kind is EpsDecisionKind.REFUSE:
        pathway = None  # refused only without an open pathway; nothing to link
    session.flush()  # a created pathway gets its id
    effects: dict[str, Any] = {
        "created_pathway_id": created_pathway.id if created_pathway is not None else None,
        "created_action_ids": [],
        "regularised_action_ids": [a.id for a in regularised_actions],
        "regularised_care_referral_ids": [cr.id for cr in regularised_referrals],
        "pathway_before": pathway_before if created_pathway is None and pathway is not None else None,
        "child_before": child_before,
        # What the EPS decided, as decided (the pathway may be edited later): for the
        # relevé de décisions and to prefill the decision when it is modified.
        "decided": {"objectives": plan.objectives, "review_date": _iso(plan.review_date),
                    "end_date": _iso(plan.end_date)},
    }
    decision = EpsDecision(meeting=meeting, child=child, kind=plan.kind, decided_on=day, postponed_to=plan.postponed_to,
                           reoriented_to=plan.reoriented_to, reason=plan.reason, pathway=pathway,
                           previous_child_status=previous_status, effects=effects)
    session.add(decision)
    session.flush()  # the decision's id, for the rows it decides
    for row in (*regularised_actions, *regularised_referrals):
        row.eps_decision_id = decision.id
    if plan.actions:
        created = [PathwayAction(pathway=pathway, eps_decision_id=decision.id, start_date=day, **spec)
                   for spec in plan.actions]
        session.add_all(created)
        session.flush()
        decision.effects = {**effects, "created_action_ids": [a.id for a in created]}
    session.flush()
    return decision


def record_decision(session: Session, *, meeting_id: int, child_id: int, kind: EpsDecisionKind,
                    objectives: Optional[str] = None, actions: Iterable[Mapping[str, Any]] = (),
                    review_date: Any = None, postponed_to: Any = None, reoriented_to: Optional[str] = None,
                    reason: Optional[str] = None, end_date: Any = None, regularise_hors_eps: bool = True,
                    confirm: bool = False) -> EpsDecision:
    """Record what the EPS decided for a child at a meeting, with its effects:

    - ACCEPT: opens a pathway (start = meeting date, the objectives, review date given
      or meeting + 6 months) with the listed actions linked to the decision; child
      "en parcours", entry date set if empty, a former exit (date, reason) cleared. If the
      child already has an open pathway (renewal, or hors-EPS actions), that pathway is
      extended instead: objectives
      appended, review date moved, new actions added, and with ``regularise_hors_eps``
      its hors-EPS actions, and the child's running fiches de liaison recorded without
      an EPS decision, are linked to this decision (rule 8).
    - POSTPONE: ``postponed_to`` required, after the meeting; the status is unchanged
      (a repéré child keeps waiting); an open pathway's review moves to that date.
    - REFUSE: ``reason`` required; child "réorienté". Not for a child with an open
      pathway (end it or reorient instead).
    - REORIENT: ``reoriented_to`` and ``reason`` required; child "réorienté"; an open
      pathway is closed at the meeting date.
    - END: ``reason`` required, ``end_date`` defaults to the meeting date; the open
      pathway is closed (end date and reason), the child "sorti" with exit date/reason.

    Refused: a meeting not yet held, a child already "sorti", a second decision for the
    child at the same meeting (use update_decision), a meeting older than the child's
    latest decision. Warnings (confirm): child not on the agenda (added), age outside the
    public for an acceptance. The child's previous status is kept on the decision.
    """
    meeting = get_or_fail(session, EpsMeeting, meeting_id, "Commission EPS")
    child = require_child(session, child_id, write=True, field="child_id")
    state = _ChildState(child.status, open_pathway(session, child.id))
    plan = _plan(session, meeting, child, state, kind=kind, objectives=objectives, actions=actions,
                 review_date=review_date, postponed_to=postponed_to, reoriented_to=reoriented_to, reason=reason,
                 end_date=end_date, regularise_hors_eps=regularise_hors_eps)
    if plan.warnings and not confirm:
        raise NeedsConfirmation(plan.warnings)
    return _apply(session, plan)


def _effects(decision: EpsDecision) -> dict[str, Any]:
    return decision.effects or {}


def _created_pathway(decision: EpsDecision) -> bool:
    """Did this decision open its pathway (rather than extend the open one)?"""
    created = _effects(decision).get("created_pathway_id")
    return created is not None and created == decision.pathway_id


def _regularised_referral_ids(decision: EpsDecision) -> set[int]:
    return set(_effects(decision).get("regularised_care_referral_ids") or ())


def _status_after(decision: EpsDecision) -> ChildStatus:
    return {
        EpsDecisionKind.ACCEPT: ChildStatus.ACTIVE,
        EpsDecisionKind.REFUSE: ChildStatus.REORIENTED,
        EpsDecisionKind.REORIENT: ChildStatus.REORIENTED,
        EpsDecisionKind.END: ChildStatus.ENDED,
    }.get(decision.kind, ChildStatus(decision.previous_child_status or ChildStatus.REFERRED.value))


def _check_revert(session: Session, decision: EpsDecision) -> None:
    """Refuse an undo that would lose or contradict later work."""
    child = decision.child
    later = _later_decision(session, child.id, decision.decided_on, decision.id)
    if later is not None:
        raise DomainError(f"Une décision plus récente (EPS du {fr_date(later.decided_on)}) existe pour "
                          f"{child.full_name} : annulez-la d'abord.", "decision_id")
    if child.status is not _status_after(decision):
        raise DomainError(f"Le statut de {child.full_name} a changé depuis cette décision (« {label(child.status)} ») : "
                          "elle ne peut pas être annulée automatiquement.", "decision_id")
    changes_records = (decision.pathway_id is not None
                       or decision.kind in (EpsDecisionKind.ACCEPT, EpsDecisionKind.END))
    if decision.effects is None and changes_records:
        raise DomainError("Cette décision n'a pas gardé la trace de ses effets : elle ne peut pas être annulée "
                          "automatiquement.", "decision_id")
    regularised = _regularised_referral_ids(decision)
    linked = session.scalar(select(func.count()).select_from(CareReferral).where(
        CareReferral.eps_decision_id == decision.id, CareReferral.id.not_in(sorted(regularised))))
    if linked:
        raise DomainError(f"{linked} fiche(s) de liaison s'appuient sur cette décision : elle ne peut pas être annulée.",
                          "decision_id")
    pathway = decision.pathway
    if decision.kind is EpsDecisionKind.ACCEPT and pathway is not None and _created_pathway(decision):
        care = session.scalar(select(func.count()).select_from(CareReferral).where(
            CareReferral.child_id == child.id, CareReferral.requested_on >= pathway.start_date,
            CareReferral.id.not_in(sorted(regularised))))
        if care:
            raise DomainError(f"Le parcours ouvert par cette décision a {care} fiche(s) de liaison et leurs séances : "
                              "il ne peut pas être supprimé.", "decision_id")
        created = set(_effects(decision).get("created_action_ids") or ())
        if any(a.eps_decision_id != decision.id or a.id not in created for a in pathway.actions):
            raise DomainError("Des actions ont été ajoutées depuis au parcours ouvert par cette décision : "
                              "retirez-les d'abord.", "decision_id")
    if decision.kind in (EpsDecisionKind.REORIENT, EpsDecisionKind.END) and pathway is not None:
        current = open_pathway(session, child.id)
        if current is not None and current.id != pathway.id:
            raise DomainError(f"{child.full_name} a un autre parcours en cours : le parcours clos par cette décision "
                              "ne peut pas être rouvert.", "decision_id")


def _state_after_revert(session: Session, decision: EpsDecision) -> _ChildState:
    status = ChildStatus(decision.previous_child_status or ChildStatus.REFERRED.value)
    pathway = decision.pathway
    if decision.kind is EpsDecisionKind.ACCEPT:
        return _ChildState(status, None if pathway is not None and _created_pathway(decision) else pathway)
    if decision.kind in (EpsDecisionKind.REORIENT, EpsDecisionKind.END) and pathway is not None:
        return _ChildState(status, pathway)
    return _ChildState(status, open_pathway(session, decision.child_id))


_DATE_FIELDS = {"review_date", "end_date", "entry_date", "exit_date"}


def _restore(obj: Any, values: Optional[Mapping[str, Any]]) -> None:
    """Put back the values a decision overwrote (dates are kept as YYYY-MM-DD)."""
    for key, value in (values or {}).items():
        if key in _DATE_FIELDS and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        setattr(obj, key, value)


def _revert_effects(session: Session, decision: EpsDecision) -> None:
    """Undo a checked decision (see _check_revert) from its record of effects, and delete it."""
    child, pathway, effects = decision.child, decision.pathway, _effects(decision)
    if decision.kind is EpsDecisionKind.ACCEPT:
        if pathway is not None and _created_pathway(decision):
            child.pathways.remove(pathway)
            session.delete(pathway)
        elif pathway is not None:
            created = set(effects.get("created_action_ids") or ())
            for action in list(pathway.actions):
                if action.eps_decision_id == decision.id:
                    if action.id in created:
                        pathway.actions.remove(action)
                        session.delete(action)
                    else:
                        action.eps_decision_id = None  # back to "hors EPS"
            _restore(pathway, effects.get("pathway_before"))
        regularised = _regularised_referral_ids(decision)
        if regularised:
            for cr in session.scalars(select(CareReferral).where(CareReferral.id.in_(sorted(regularised)),
                                                                 CareReferral.eps_decision_id == decision.id)):
                cr.eps_decision_id = None  # back to "hors EPS"
    elif pathway is not None:
        _restore(pathway, effects.get("pathway_before"))
    _restore(child, effects.get("child_before"))
    child.status = ChildStatus(decision.previous_child_status or ChildStatus.REFERRED.value)
    decision.meeting.decisions.remove(decision)
    session.delete(decision)
    session.flush()


def revert_decision(session: Session, decision_id: int, *, expected_version: Optional[int] = None) -> None:
    """Cancel a decision and undo its effects, restoring the file as it was before:
    ACCEPT deletes the pathway it opened (refused once fiches de liaison or other actions
    depend on it) or, for an extended pathway, removes its new actions, puts regularised
    actions back "hors EPS" and restores objectives and review date; the fiches it
    regularised go back "hors EPS" (fiches created under it refuse the undo); END and REORIENT
    reopen the pathway they closed; the child's previous status (and entry/exit data)
    come back. Only the child's latest decision can be reverted."""
    decision = get_or_fail(session, EpsDecision, decision_id, "Décision d'EPS")
    check_child(session, decision.child, write=True)
    check_version(decision, expected_version, "Cette décision")
    _check_revert(session, decision)
    _revert_effects(session, decision)


def update_decision(session: Session, decision_id: int, *, expected_version: Optional[int] = None,
                    confirm: bool = False, **fields: Any) -> EpsDecision:
    """Replace a decision (same meeting, same child): revert then record, checked as a
    whole first so a refusal changes nothing. ``fields`` as record_decision's."""
    decision = get_or_fail(session, EpsDecision, decision_id, "Décision d'EPS")
    check_child(session, decision.child, write=True)
    check_version(decision, expected_version, "Cette décision")
    allowed = {"kind", "objectives", "actions", "review_date", "postponed_to", "reoriented_to", "reason", "end_date",
               "regularise_hors_eps"}
    for key in fields:
        if key not in allowed:
            raise DomainError(f"Champ inconnu pour une décision : « {key} ».", key)
    params = dict(kind=decision.kind, objectives=None, actions=(), review_date=None, postponed_to=None,
                  reoriented_to=None, reason=None, end_date=None, regularise_hors_eps=True)
    params.update(fields)
    _check_revert(session, decision)
    meeting, child = decision.meeting, decision.child
    plan = _plan(session, meeting, child, _state_after_revert(session, decision), exclude_id=decision.id, **params)
    if plan.warnings and not confirm:
        raise NeedsConfirmation(plan.warnings)
    _revert_effects(session, decision)
    return _apply(session, plan)


# ---------------------------------------------------------------------------
# Queries for screens and documents
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionRow:
    id: int
    meeting_id: int
    meeting_date: dt.date
    kind: EpsDecisionKind
    label: str
    postponed_to: Optional[dt.date]
    reoriented_to: Optional[str]
    reason: Optional[str]
    pathway_id: Optional[int]
    version: int


def _decision_label(decision: EpsDecision) -> str:
    text = label(decision.kind)
    if decision.kind is EpsDecisionKind.POSTPONE and decision.postponed_to:
        text += f" au {fr_date(decision.postponed_to)}"
    elif decision.kind is EpsDecisionKind.REORIENT and decision.reoriented_to:
        text += f" vers {decision.reoriented_to}"
    return text


def decisions_for_child(session: Session, child_id: int) -> list[DecisionRow]:
    """The child's EPS decisions, oldest first."""
    require_child(session, child_id)
    stmt = select(EpsDecision).where(EpsDecision.child_id == child_id).order_by(EpsDecision.decided_on, EpsDecision.id)
    return [DecisionRow(id=d.id, meeting_id=d.meeting_id, meeting_date=d.decided_on, kind=d.kind,
                        label=_decision_label(d), postponed_to=d.postponed_to, reoriented_to=d.reoriented_to,
                        reason=d.reason, pathway_id=d.pathway_id, version=d.version)
            for d in session.scalars(stmt)]


@dataclass(frozen=True)
class MeetingRow:
    id: int
    meeting_date: dt.date
    place: Optional[str]
    situation_count: int
    decision_count: int
    version: int


def meetings(session: Session, *, past: Optional[bool] = None) -> list[MeetingRow]:
    """Commissions: all (by date), past ones (before today, newest first) or coming ones."""
    require_role(session, Role.COORDINATOR, Role.REFERENT, what="consulter les commissions EPS")
    # A référent counts the situations of their files: those the commission shows them.
    situations = (select(EpsSituation.meeting_id, func.count().label("n"))
                  .where(visible_children(session, EpsSituation.child_id)).group_by(EpsSituation.meeting_id)
                  .subquery())
    decisions = (select(EpsDecision.meeting_id, func.count().label("n"))
                 .where(visible_children(session, EpsDecision.child_id)).group_by(EpsDecision.meeting_id)
                 .subquery())
    stmt = (select(EpsMeeting, func.coalesce(situations.c.n, 0), func.coalesce(decisions.c.n, 0))
            .outerjoin(situations, situations.c.meeting_id == EpsMeeting.id)
            .outerjoin(decisions, decisions.c.meeting_id == EpsMeeting.id))
    if past is True:
        stmt = stmt.where(EpsMeeting.meeting_date < today()).order_by(EpsMeeting.meeting_date.desc(), EpsMeeting.id)
    else:
        if past is False:
            stmt = stmt.where(EpsMeeting.meeting_date >= today())
        stmt = stmt.order_by(EpsMeeting.meeting_date, EpsMeeting.id)
    return [MeetingRow(id=m.id, meeting_date=m.meeting_date, place=m.place, situation_count=ns, decision_count=nd,
                       version=m.version) for m, ns, nd in session.execute(stmt)]


@dataclass(frozen=True)
class MemberRow:
    name: str
    function: Optional[str]
    institution: Optional[str]
    present: bool


@dataclass(frozen=True)
class ActionView:
    """An action a decision put in the pathway (``regularised``: recorded hors EPS before,
    validated by this decision)."""

    id: int
    label: str
    action_type: Optional[str]
    partner_id: Optional[int]
    partner_name: Optional[str]
    regularised: bool = False

    @property
    def text(self) -> str:
        with_whom = self.partner_name or self.action_type
        return f"{self.label} ({with_whom})" if with_whom else self.label


@dataclass(frozen=True)
class DecisionView:
    """A recorded decision with what it decided, to show it and to prefill its modification."""

    id: int
    version: int
    kind: EpsDecisionKind
    label: str
    objectives: Optional[str]
    actions: list[ActionView]
    review_date: Optional[dt.date]
    postponed_to: Optional[dt.date]
    reoriented_to: Optional[str]
    reason: Optional[str]
    end_date: Optional[dt.date]


def _decided(decision: EpsDecision, key: str) -> Any:
    return (_effects(decision).get("decided") or {}).get(key)


def _decision_view(session: Session, decision: EpsDecision) -> DecisionView:
    pathway = decision.pathway
    objectives = _decided(decision, "objectives")
    review = _decided(decision, "review_date")
    end = _decided(decision, "end_date")
    actions: list[ActionView] = []
    if decision.kind is EpsDecisionKind.ACCEPT:
        if objectives is None and "decided" not in _effects(decision) and pathway is not None and _created_pathway(decision):
            objectives = pathway.objectives or None  # recorded before decisions kept what they decided
        if review is None and pathway is not None and pathway.review_date is not None:
            review = pathway.review_date.isoformat()
        created = set(_effects(decision).get("created_action_ids") or ())
        stmt = select(PathwayAction).where(PathwayAction.eps_decision_id == decision.id).order_by(PathwayAction.id)
        actions = [ActionView(id=a.id, label=a.label, action_type=a.action_type, partner_id=a.partner_id,
                              partner_name=a.partner.name if a.partner is not None else None,
                              regularised=a.id not in created)
                   for a in session.scalars(stmt)]
    elif decision.kind is EpsDecisionKind.END and end is None and decision.child.exit_date is not None:
        end = decision.child.exit_date.isoformat()
    return DecisionView(
        id=decision.id, version=decision.version, kind=decision.kind, label=_decision_label(decision),
        objectives=objectives, actions=actions,
        review_date=dt.date.fromisoformat(review) if review else None, postponed_to=decision.postponed_to,
        reoriented_to=decision.reoriented_to, reason=decision.reason,
        end_date=dt.date.fromisoformat(end) if end else None)


@dataclass(frozen=True)
class MemberView:
    id: int
    version: int
    name: str
    function: Optional[str]
    institution: Optional[str]
    present: bool


@dataclass(frozen=True)
class SituationRow:
    """One line of a meeting's agenda, with the decision taken for it if any."""

    id: int
    version: int
    position: int
    child_id: int
    child_name: str  # "NOM Prénom"
    age: int  # at the meeting date
    reason: AgendaReason
    reason_label: str
    referent: Optional[str]
    status_label: str
    decision: Optional[DecisionView]


@dataclass(frozen=True)
class MeetingView:
    id: int
    version: int
    meeting_date: dt.date
    place: Optional[str]
    notes: Optional[str]
    held: bool  # on or before today: decisions can be recorded
    members: list[MemberView]
    situations: list[SituationRow]


def _list_name(child: Child) -> str:
    return f"{child.last_name.upper()} {child.first_name}"


def meeting_view(session: Session, meeting_id: int) -> MeetingView:
    """Everything the meeting screen shows: the commission, its members, its agenda in
    order with each situation's decision. A référent sees the situations of the files they
    may read (the commission's other children are the coordinator's to see)."""
    require_role(session, Role.COORDINATOR, Role.REFERENT, what="consulter les commissions EPS")
    meeting = get_or_fail(session, EpsMeeting, meeting_id, "Commission EPS")
    decided = {d.child_id: d for d in meeting.decisions}
    situations = []
    for sit in meeting.situations:
        child = sit.child
        if not can_see_child(session, child):
            continue
        decision = decided.get(child.id)
        situations.append(SituationRow(
            id=sit.id, version=sit.version, position=sit.position, child_id=child.id, child_name=_list_name(child),
            age=age_on(child.birth_date, meeting.meeting_date), reason=sit.reason, reason_label=label(sit.reason),
            referent=child.referent.full_name if child.referent else None, status_label=label(child.status),
            decision=_decision_view(session, decision) if decision is not None else None))
    members = [MemberView(m.id, m.version, m.name, m.function, m.institution, m.present) for m in meeting.members]
    return MeetingView(id=meeting.id, version=meeting.version, meeting_date=meeting.meeting_date, place=meeting.place,
                       notes=meeting.notes, held=meeting.meeting_date <= today(), members=members,
                       situations=situations)


@dataclass(frozen=True)
class SuggestionRow:
    """An agenda suggestion as plain values for a screen (see agenda_suggestions)."""

    child_id: int
    child_name: str
    age: int
    reason: AgendaReason
    reason_label: str
    detail: str
    referent: Optional[str]


def agenda_suggestion_rows(session: Session, meeting_id: int) -> list[SuggestionRow]:
    require_role(session, Role.COORDINATOR, Role.REFERENT, what="consulter les commissions EPS")
    meeting = get_or_fail(session, EpsMeeting, meeting_id, "Commission EPS")
    return [SuggestionRow(child_id=s.child.id, child_name=_list_name(s.child),
                          age=age_on(s.child.birth_date, meeting.meeting_date), reason=s.reason,
                          reason_label=label(s.reason), detail=s.detail,
                          referent=s.child.referent.full_name if s.child.referent else None)
            for s in agenda_suggestions(session, meeting_id)]


def add_situations(session: Session, meeting_id: int, items: Iterable[tuple[int, Any]]) -> list[EpsSituation]:
    """Put several children on the agenda at once (child id, reason): all or none."""
    return [add_situation(session, meeting_id, child_id, reason) for child_id, reason in items]


@dataclass(frozen=True)
class MinutesRow:
    """One situation in the minutes: strictly what the shared secret allows (no notes,
    no reasons, no family details); for an acceptance, the pathway as decided."""

    last_name: str
    first_name: str
    age: int
    decision: str
    referent: Optional[str]
    objectives: Optional[str] = None
    actions: tuple[str, ...] = ()
    review_date: Optional[dt.date] = None
    kind_label: str = "Pas de décision"  # the decision without its details, to count them


@dataclass(frozen=True)
class MeetingMinutes:
    meeting_id: int
    meeting_version: int
    meeting_date: dt.date
    place: Optional[str]
    members: list[MemberRow]
    rows: list[MinutesRow]


def meeting_minutes_data(session: Session, meeting_id: int) -> MeetingMinutes:
    """Data for the relevé de décisions of a commission, in agenda order (every child: the
    coordinator's document)."""
    require_coordinator(session, "produire le relevé de décisions d'une commission")
    meeting = get_or_fail(session, EpsMeeting, meeting_id, "Commission EPS")
    decided = {d.child_id: d for d in meeting.decisions}
    children = [s.child for s in meeting.situations]
    children += [d.child for d in meeting.decisions if d.child not in children]
    rows = []
    for child in children:
        decision = decided.get(child.id)
        view = _decision_view(session, decision) if decision is not None else None
        referent: Optional[User] = child.referent
        accepted = view is not None and view.kind is EpsDecisionKind.ACCEPT
        text = view.label if view else "Pas de décision"
        if view is not None and view.kind is EpsDecisionKind.END and view.end_date is not None:
            text += f" au {fr_date(view.end_date)}"
        rows.append(MinutesRow(last_name=child.last_name.upper(), first_name=child.first_name,
                               age=age_on(child.birth_date, meeting.meeting_date),
                               decision=text,
                               referent=referent.full_name if referent else None,
                               objectives=view.objectives if accepted else None,
                               actions=tuple(a.text for a in view.actions) if accepted else (),
                               review_date=view.review_date if accepted else None,
                               kind_label=label(view.kind) if view else "Pas de décision"))
    members = [MemberRow(m.name, m.function, m.institution, m.present) for m in meeting.members]
    return MeetingMinutes(meeting_id=meeting.id, meeting_version=meeting.version, meeting_date=meeting.meeting_date,
                          place=meeting.place, members=members, rows=rows)


@dataclass(frozen=True)
class AgendaRow:
    """One situation of the ordre du jour: who, why (the kind of examination, never the
    referral's free text) and who follows the child."""

    last_name: str
    first_name: str
    age: int
    reason: str
    referent: Optional[str]


@dataclass(frozen=True)
class MeetingAgenda:
    meeting_id: int
    meeting_version: int
    meeting_date: dt.date
    place: Optional[str]
    members: list[MemberRow]
    rows: list[AgendaRow]


def meeting_agenda_data(session: Session, meeting_id: int) -> MeetingAgenda:
    """Data for the ordre du jour of a commission, in agenda order (every child: the
    coordinator's document)."""
    require_coordinator(session, "produire l'ordre du jour d'une commission")
    meeting = get_or_fail(session, EpsMeeting, meeting_id, "Commission EPS")
    rows = [AgendaRow(last_name=s.child.last_name.upper(), first_name=s.child.first_name,
                      age=age_on(s.child.birth_date, meeting.meeting_date), reason=label(s.reason),
                      referent=s.child.referent.full_name if s.child.referent else None)
            for s in meeting.situations]
    members = [MemberRow(m.name, m.function, m.institution, m.present) for m in meeting.members]
    return MeetingAgenda(meeting_id=meeting.id, meeting_version=meeting.version, meeting_date=meeting.meeting_date,
                         place=meeting.place, members=members, rows=rows)
