"""The audit trail of one child's file, in words a référent reads: who changed which
field from what to what, and when.

The trail stores English column names and raw values (codes, ids, ISO dates); this
module turns them into French labels, names and JJ/MM/AAAA dates. The family's own
events (family record, its adults, its agreement) belong to the file too: they carry
the family's id and no child's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Optional

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ..formatting import fr_date, fr_datetime
from ..models import (
    AgendaReason,
    AuditAction,
    AuditEvent,
    BeneficiaryKind,
    BillingPeriod,
    CareReferralState,
    ChildStatus,
    Convention,
    ConventionStatus,
    EpsDecision,
    EpsDecisionKind,
    EpsMeeting,
    Family,
    Guardian,
    Partner,
    PartnerType,
    Role,
    SessionKind,
    SessionStatus,
    Sex,
    User,
)
from .access import require_child
from .labels import label

ACTION_LABELS = {
    AuditAction.CREATE: "Création",
    AuditAction.UPDATE: "Modification",
    AuditAction.DELETE: "Suppression",
    AuditAction.VIEW: "Consultation",
    AuditAction.EXPORT: "Document produit",
    AuditAction.LOGIN: "Connexion",
}

ENTITY_LABELS = {
    "children": "Dossier de l'enfant",
    "families": "Famille",
    "guardians": "Responsable",
    "consents": "Accord de la famille",
    "referrals": "Repérage",
    "eps_situations": "Ordre du jour d'EPS",
    "eps_decisions": "Décision d'EPS",
    "pathways": "Parcours",
    "pathway_actions": "Action du parcours",
    "care_referrals": "Fiche de liaison",
    "care_referral_sendings": "Envoi de la fiche de liaison",
    "care_sessions": "Séance",
    "monthly_answers": "Réponse au tableau mensuel",
    # Outside the children's files (the coordinator's Journal shows them too).
    "users": "Compte utilisateur",
    "partners": "Structure partenaire",
    "partner_contacts": "Contact d'une structure",
    "conventions": "Convention",
    "eps_meetings": "Commission EPS",
    "eps_members": "Participant à l'EPS",
    "child_shares": "Partage du dossier",
    "private_notes": "Note privée",
    "database": "Base de données",
    "partner": "Structure partenaire",
}

# Column -> French label, per table; a column missing here is not shown (internal).
_COMMON = {"notes": "Notes", "phone": "Téléphone", "email": "Courriel", "birth_date": "Date de naissance",
           "last_name": "Nom", "first_name": "Prénom", "reason": "Motif", "end_reason": "Motif de fin",
           "start_date": "Date de début", "end_date": "Date de fin", "referent_id": "Référent(e)",
           "partner_id": "Structure partenaire", "relay_funding_note": "Financement relais"}

FIELD_LABELS: dict[str, dict[str, str]] = {
    "children": {"family_id": "Famille", "sex": "Sexe", "school": "École / établissement", "school_class": "Classe",
                 "status": "Statut", "entry_date": "Date d'entrée", "exit_date": "Date de sortie",
                 "exit_reason": "Motif de sortie", "last_contact_on": "Dernier contact"},
    "families": {"name": "Nom de la famille", "address": "Adresse", "postal_code": "Code postal", "town": "Commune",
                 "neighbourhood": "Quartier", "languages": "Langues parlées",
                 "interpreter_needed": "Interprète nécessaire"},
    "guardians": {"relationship_label": "Lien avec l'enfant", "is_legal_guardian": "Responsable légal"},
    "consents": {"given_on": "Date de l'accord", "given_by": "Donné par", "scope": "Portée",
                 "document_path": "Document", "withdrawn_on": "Retiré le"},
    "referrals": {"referred_on": "Date du repérage", "source": "Origine du repérage",
                  "referrer_name": "Personne qui oriente", "referrer_function": "Fonction",
                  "reasons": "Motifs du repérage"},
    "eps_situations": {"meeting_id": "Commission", "reason": "Motif d'inscription", "position": "Rang"},
    "eps_decisions": {"meeting_id": "Commission", "kind": "Décision", "decided_on": "Date de la décision",
                      "postponed_to": "Ajourné au", "reoriented_to": "Réorienté vers"},
    "pathways": {"review_date": "Date de révision", "objectives": "Objectifs"},
    "pathway_actions": {"label": "Action", "action_type": "Type d'action", "eps_decision_id": "Décision d'EPS"},
    "care_referrals": {"beneficiary_kind": "Bénéficiaire", "guardian_id": "Parent bénéficiaire",
                       "convention_id": "Convention", "requested_on": "Date de la demande", "state": "État",
                       "sent_on": "Envoyée le", "sent_how": "Envoyée par", "answered_on": "Réponse le",
                       "first_appointment_on": "Premier rendez-vous", "psychologist_name": "Psychologue",
                       "ended_on": "Terminée le", "age_warning_reason": "Motif (âge hors public)",
                       "eps_decision_id": "Décision d'EPS"},
    "care_referral_sendings": {"sent_on": "Envoyée le", "how": "Moyen d'envoi"},
    "care_sessions": {"session_date": "Date de la séance", "kind": "Type d'entretien", "status": "Présence",
                      "hors_quota": "Hors quota", "note": "Remarque"},
    "monthly_answers": {"month": "Mois", "comes_regularly": "Vient régulièrement", "remark": "Remarque"},
    "users": {"login": "Identifiant", "role": "Rôle", "active": "Compte actif"},
    "partners": {"name": "Nom", "type_id": "Type de structure", "address": "Adresse", "postal_code": "Code postal",
                 "town": "Commune", "sector": "Secteur", "age_min": "Âge minimum", "age_max": "Âge maximum",
                 "active": "Active"},
    "partner_contacts": {"name": "Nom", "function": "Fonction"},
    "conventions": {"reference": "Référence", "signed_on": "Signée le", "duration_months": "Durée (mois)",
                    "session_quota": "Quota de séances", "quota_warning_threshold": "Seuil d'alerte",
                    "first_appointment_delay_days": "Délai du premier rendez-vous (jours)",
                    "tariff_individual": "Tarif entretien individuel", "tariff_parents": "Tarif entretien parents",
                    "tariff_family": "Tarif entretien familial", "billing_period": "Facturation",
                    "psychologist_name": "Psychologue", "signatory_pre": "Signataire PRE",
                    "signatory_partner": "Signataire partenaire", "funder": "Financeur", "status": "Statut",
                    "terminated_on": "Résiliée le", "termination_notice_on": "Préavis donné le"},
    "eps_meetings": {"meeting_date": "Date de la commission", "place": "Lieu"},
    "eps_members": {"name": "Nom", "function": "Fonction", "institution": "Institution", "present": "Présent(e)"},
    "child_shares": {"user_id": "Partagé avec", "shared_on": "Partagé le"},
}

_ENUMS: dict[str, type] = {"sex": Sex, "status": ChildStatus, "beneficiary_kind": BeneficiaryKind,
                           "state": CareReferralState}
_ENUMS_BY_TABLE: dict[tuple[str, str], type] = {
    ("eps_decisions", "kind"): EpsDecisionKind,
    ("eps_situations", "reason"): AgendaReason,
    ("care_sessions", "kind"): SessionKind,
    ("care_sessions", "status"): SessionStatus,
    ("users", "role"): Role,
    ("conventions", "status"): ConventionStatus,
    ("conventions", "billing_period"): BillingPeriod,
}


def field_label(entity: str, field: str) -> Optional[str]:
    """French label of a traced column; None for internal columns (ids, computed states)."""
    return FIELD_LABELS.get(entity, {}).get(field) or (
        _COMMON.get(field) if entity in FIELD_LABELS else None)


@dataclass(frozen=True)
class HistoryLine:
    """One line of the Historique tab: one changed field, or one event without fields."""

    event_id: int
    at: dt.datetime  # naive UTC, as stored
    at_text: str  # JJ/MM/AAAA HH:MM, local time
    user_name: str
    action: AuditAction
    action_label: str
    entity_label: str
    field_label: str
    before: str
    after: str


class _Names:
    """Names for the ids a trail holds (référent, partner, family…), read once each."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[tuple[type, int], str] = {}

    def of(self, model: type, record_id: int, text: Callable[[Any], str]) -> str:
        key = (model, record_id)
        if key not in self._cache:
            obj = self.session.get(model, record_id)
            self._cache[key] = text(obj) if obj is not None else f"n° {record_id} (supprimé)"
        return self._cache[key]


_ID_NAMES: dict[str, tuple[type, Callable[[Any], str]]] = {
    "referent_id": (User, lambda u: u.full_name),
    "user_id": (User, lambda u: u.full_name),
    "partner_id": (Partner, lambda p: p.name),
    "type_id": (PartnerType, lambda t: t.label),
    "convention_id": (Convention, lambda c: c.reference),
    "family_id": (Family, lambda f: f.name),
    "guardian_id": (Guardian, lambda g: f"{g.first_name} {g.last_name}"),
    "meeting_id": (EpsMeeting, lambda m: f"EPS du {fr_date(m.meeting_date)}"),
    "eps_decision_id": (EpsDecision, lambda d: f"{label(d.kind)} (EPS du {fr_date(d.decided_on)})"),
}


def _value_text(entity: str, field: str, value: Any, names: _Names) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    enum_cls = _ENUMS_BY_TABLE.get((entity, field)) or _ENUMS.get(field)
    if enum_cls is not None:
        try:
            return label(enum_cls(value))
        except ValueError:
            return str(value)
    if field in _ID_NAMES and isinstance(value, int):
        model, text = _ID_NAMES[field]
        return names.of(model, value, text)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return fr_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, (dict, list)):
        return ""
    return str(value)


def _summary(entity: str, values: dict[str, Any], names: _Names, side: int) -> str:
    parts = []
    for field, pair in values.items():
        name = field_label(entity, field)
        text = _value_text(entity, field, pair[side], names) if isinstance(pair, list) else ""
        if name and text:
            parts.append(f"{name} : {text}")
    return " ; ".join(parts)


def file_events(session: Session, child_id: int) -> list[AuditEvent]:
    """The events of the child's file and of its family's own records, newest first."""
    child = require_child(session, child_id)
    stmt = (select(AuditEvent)
            .where(or_(AuditEvent.child_id == child.id,
                       and_(AuditEvent.child_id.is_(None), AuditEvent.family_id == child.family_id)))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    return list(session.scalars(stmt))


def history(session: Session, child_id: int, *, views: bool = True) -> list[HistoryLine]:
    """The Historique tab, newest first: one line per changed field of an update; one line
    per creation, deletion, consultation (if ``views``) or document, with its values in short."""
    names = _Names(session)
    events = file_events(session, child_id)
    users = {u.id: u.full_name for u in session.scalars(select(User))}
    lines: list[HistoryLine] = []
    for event in events:
        if event.action is AuditAction.VIEW and not views:
            continue
        base = dict(event_id=event.id, at=event.at, at_text=fr_datetime(event.at),
                    user_name=users.get(event.user_id or 0, "—"), action=event.action,
                    action_label=ACTION_LABELS.get(event.action, str(event.action)),
                    entity_label=ENTITY_LABELS.get(event.entity, event.entity))
        changes = event.changes or {}
        if not changes and event.summary:  # recorded by a service in words (a private note: never its text)
            lines.append(HistoryLine(**base, field_label="", before="", after=event.summary))
        elif event.action is AuditAction.UPDATE:
            for field, pair in changes.items():
                name = field_label(event.entity, field)
                if not name or not isinstance(pair, list) or len(pair) != 2:
                    continue
                lines.append(HistoryLine(**base, field_label=name,
                                         before=_value_text(event.entity, field, pair[0], names),
                                         after=_value_text(event.entity, field, pair[1], names)))
        elif event.action is AuditAction.CREATE:
            lines.append(HistoryLine(**base, field_label="", before="",
                                     after=_summary(event.entity, changes, names, 1)))
        elif event.action is AuditAction.DELETE:
            lines.append(HistoryLine(**base, field_label="", before=_summary(event.entity, changes, names, 0),
                                     after=""))
        else:
            lines.append(HistoryLine(**base, field_label="", before="", after=event.summary or ""))
    return lines


# Entities whose changes the trail must never spell out, whatever a service recorded:
# a private note is its author's alone (not audited by design; only "a note was written").
PRIVATE_ENTITIES = {"private_notes"}

Names = _Names  # the id → name reader, shared with the Journal (services/audit_search)


def event_text(event: AuditEvent, names: _Names) -> str:
    """What one event did, in a line: the fields changed ("Champ : avant → après"), the
    values of a created or deleted record, or the event's own words (a document, a view)."""
    if event.entity in PRIVATE_ENTITIES:
        return "Note privée (contenu non tracé)"
    changes = event.changes or {}
    if event.action is AuditAction.UPDATE:
        parts = []
        for field, pair in changes.items():
            name = field_label(event.entity, field)
            if not name or not isinstance(pair, list) or len(pair) != 2:
                continue
            before = _value_text(event.entity, field, pair[0], names) or "(vide)"
            after = _value_text(event.entity, field, pair[1], names) or "(vide)"
            parts.append(f"{name} : {before} → {after}")
        return " ; ".join(parts) or event.summary or "(mise à jour technique, sans champ affiché)"
    if event.action is AuditAction.CREATE:
        return _summary(event.entity, changes, names, 1) or (event.summary or "")
    if event.action is AuditAction.DELETE:
        return _summary(event.entity, changes, names, 0) or (event.summary or "")
    return event.summary or ""
