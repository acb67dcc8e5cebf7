"""Right of access (RGPD art. 15): everything the PRE holds about one family, for the
document handed to it.

Gathered per family because that is how a request comes ("what do you hold about us?"):
the household, its adults and agreements, then each child's file — identity, repérages,
EPS, pathways, orientations with their sendings and the partner's answers, sessions,
files shared with a référent, the référents' private notes, the documents produced —
and, from the audit trail, who consulted each file and when, and which documents
carried the child's data out of the app (art. 15-1 c: the recipients).

Private notes are included: they are personal data about the family written by the
PRE's staff, and art. 15 has no exception for working notes (the CNIL reads it so for
social work files). The coordinator reads the document before handing it over and
hides what concerns third persons (art. 15-4); the screen says so.

Coordinator only. The result is text already in French (dates JJ/MM/AAAA), in
sections the document lays out as it comes: the rules of what is shown live here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..formatting import fr_date, fr_datetime
from ..models import (
    AuditAction,
    AuditEvent,
    CareReferral,
    CareReferralSending,
    CareSession,
    Child,
    ChildShare,
    Consent,
    EpsDecision,
    EpsMeeting,
    EpsSituation,
    Family,
    GeneratedDocument,
    MonthlyAnswer,
    Partner,
    Pathway,
    PathwayAction,
    PrivateNote,
    Referral,
    Role,
    User,
)
from .access import require_role
from .clock import today
from .common import get_or_fail
from .document_list import kind_label
from .labels import label
from .settings import get_settings

WHAT = "produire le document de droit d'accès d'une famille"


@dataclass(frozen=True)
class Listing:
    """One table of the document: a title, its columns, its rows (text), what to say when empty."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    empty: str
    widths: Optional[list[float]] = None


@dataclass(frozen=True)
class ChildPart:
    child_id: int
    name: str
    identity: list[tuple[str, str]]
    listings: list[Listing]


@dataclass(frozen=True)
class SubjectAccess:
    family_id: int
    family_name: str
    made_on: dt.date
    family: list[tuple[str, str]]
    adults: Listing
    consents: Listing
    children: list[ChildPart]
    retention_years: int
    archive_years: int
    pre_name: str
    child_ids: list[int] = field(default_factory=list)


def _yes(value: Optional[bool]) -> str:
    return "" if value is None else ("Oui" if value else "Non")


def _text(value: Optional[str]) -> str:
    return (value or "").strip()


def _fields(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Label/value lines, leaving out the empty ones (a blank line says nothing)."""
    return [(name, value) for name, value in pairs if value]


class _Users:
    def __init__(self, session: Session) -> None:
        self.names = {u.id: u.full_name for u in session.scalars(select(User))}

    def __call__(self, user_id: Optional[int]) -> str:
        if user_id is None:
            return "Ligne de commande"
        return self.names.get(user_id, f"n° {user_id}")


def _child_part(session: Session, child: Child, users: _Users, guardians: dict[int, str]) -> ChildPart:
    cid = child.id
    identity = _fields([
        ("Nom", child.last_name), ("Prénom", child.first_name), ("Date de naissance", fr_date(child.birth_date)),
        ("Sexe", label(child.sex)), ("École / établissement", _text(child.school)), ("Classe", _text(child.school_class)),
        ("Référent(e) de parcours", users(child.referent_id) if child.referent_id else ""),
        ("Statut", label(child.status)), ("Entré(e) le", fr_date(child.entry_date)),
        ("Sorti(e) le", fr_date(child.exit_date)), ("Motif de sortie", _text(child.exit_reason)),
        ("Dernier contact", fr_date(child.last_contact_on)), ("Notes du dossier", _text(child.notes)),
        ("Archivé le", fr_date(child.archived_on)),
    ])
    listings: list[Listing] = []

    referrals = session.scalars(select(Referral).where(Referral.child_id == cid).order_by(Referral.referred_on))
    listings.append(Listing(
        "Repérages", ["Date", "Origine", "Personne qui oriente", "Motifs", "Notes"],
        [[fr_date(r.referred_on), r.source, " — ".join(p for p in (r.referrer_name, r.referrer_function) if p),
          _text(r.reasons), _text(r.notes)] for r in referrals],
        "Aucun repérage.", [1, 1.2, 1.6, 2.4, 2]))

    meetings = {m.id: m.meeting_date for m in session.scalars(
        select(EpsMeeting).where(or_(EpsMeeting.id.in_(select(EpsSituation.meeting_id).where(EpsSituation.child_id == cid)),
                                     EpsMeeting.id.in_(select(EpsDecision.meeting_id).where(EpsDecision.child_id == cid)))))}
    dated: list[tuple[dt.date, int, list[str]]] = [
        (meetings[s.meeting_id], 0, [fr_date(meetings[s.meeting_id]), "Inscrit(e) à l'ordre du jour", label(s.reason), ""])
        for s in session.scalars(select(EpsSituation).where(EpsSituation.child_id == cid))]
    for d in session.scalars(select(EpsDecision).where(EpsDecision.child_id == cid)):
        detail = " ; ".join(p for p in (f"ajourné au {fr_date(d.postponed_to)}" if d.postponed_to else "",
                                        f"réorienté vers {d.reoriented_to}" if d.reoriented_to else "") if p)
        day = meetings.get(d.meeting_id, d.decided_on)
        dated.append((day, 1, [fr_date(day), label(d.kind), _text(d.reason), detail]))
    eps_rows = [row for _day, _order, row in sorted(dated, key=lambda item: (item[0], item[1]))]
    listings.append(Listing("Équipe pluridisciplinaire de soutien (EPS)", ["Commission", "Décision", "Motif", "Détail"],
                            eps_rows, "Aucun passage en EPS.", [1, 1.4, 3, 1.6]))

    partners = {p.id: p.name for p in session.scalars(select(Partner))}
    pathway_rows = []
    for p in session.scalars(select(Pathway).where(Pathway.child_id == cid).order_by(Pathway.start_date)):
        actions = session.scalars(select(PathwayAction).where(PathwayAction.pathway_id == p.id).order_by(PathwayAction.id))
        action_text = " ; ".join(
            " — ".join(x for x in (a.label, _text(a.action_type), partners.get(a.partner_id or 0, ""),
                                   _text(a.notes)) if x) for a in actions)
        period = f"du {fr_date(p.start_date)}" + (f" au {fr_date(p.end_date)}" if p.end_date else " (en cours)")
        pathway_rows.append([period, _text(p.objectives), action_text, fr_date(p.review_date), _text(p.end_reason)])
    listings.append(Listing("Parcours individualisés", ["Période", "Objectifs", "Actions", "Révision", "Motif de fin"],
                            pathway_rows, "Aucun parcours.", [1.3, 2.2, 2.6, 1, 1.3]))

    orientations = list(session.scalars(select(CareReferral).where(CareReferral.child_id == cid)
                                        .order_by(CareReferral.requested_on, CareReferral.id)))
    ids = [o.id for o in orientations]
    sendings: dict[int, list[str]] = {}
    for s in session.scalars(select(CareReferralSending).where(CareReferralSending.care_referral_id.in_(ids))
                             .order_by(CareReferralSending.sent_on)):
        sendings.setdefault(s.care_referral_id, []).append(fr_date(s.sent_on) + (f" ({s.how})" if s.how else ""))
    orientation_rows = []
    for o in orientations:
        beneficiary = label(o.beneficiary_kind) + (f" : {guardians.get(o.guardian_id, '')}" if o.guardian_id else "")
        sent = " ; ".join(sendings.get(o.id, [])) or (fr_date(o.sent_on) + (f" ({o.sent_how})" if o.sent_how else ""))
        answer = " ; ".join(p for p in (
            f"réponse le {fr_date(o.answered_on)}" if o.answered_on else "",
            f"1er rendez-vous le {fr_date(o.first_appointment_on)}" if o.first_appointment_on else "",
            f"psychologue : {o.psychologist_name}" if o.psychologist_name else "",
            f"terminée le {fr_date(o.ended_on)}" if o.ended_on else "", _text(o.end_reason),
            _text(o.relay_funding_note)) if p)
        orientation_rows.append([fr_date(o.requested_on), partners.get(o.partner_id, ""), beneficiary,
                                 _text(o.reason), label(o.state), sent, answer])
    listings.append(Listing("Orientations vers des partenaires (fiches de liaison)",
                            ["Demande", "Structure", "Bénéficiaire", "Motif", "État", "Envoyée", "Suite"],
                            orientation_rows, "Aucune orientation.", [1, 1.6, 1.1, 1.8, 1, 1.2, 2]))

    answers = [[a.month[5:7] + "/" + a.month[:4], partners.get(o.partner_id, ""), _yes(a.comes_regularly), _text(a.remark)]
               for o in orientations for a in session.scalars(
                   select(MonthlyAnswer).where(MonthlyAnswer.care_referral_id == o.id).order_by(MonthlyAnswer.month))]
    listings.append(Listing("Réponses des partenaires aux tableaux mensuels",
                            ["Mois", "Structure", "Vient régulièrement", "Remarque"], answers,
                            "Aucune réponse de partenaire.", [0.8, 2, 1.2, 3]))

    by_referral = {o.id: partners.get(o.partner_id, "") for o in orientations}
    sessions = session.scalars(select(CareSession).where(CareSession.care_referral_id.in_(ids))
                               .order_by(CareSession.session_date, CareSession.id))
    listings.append(Listing(
        "Séances chez les partenaires", ["Date", "Structure", "Type", "Présence", "Hors quota", "Remarque"],
        [[fr_date(s.session_date), by_referral.get(s.care_referral_id, ""), label(s.kind), label(s.status),
          "Oui" if s.hors_quota else "", _text(s.note)] for s in sessions],
        "Aucune séance.", [1, 2, 1.5, 1.4, 0.8, 2]))

    shares = session.scalars(select(ChildShare).where(ChildShare.child_id == cid).order_by(ChildShare.shared_on))
    listings.append(Listing("Dossier partagé avec", ["Depuis le", "Référent(e)", "Partagé par"],
                            [[fr_date(s.shared_on), users(s.user_id), users(s.shared_by_id) if s.shared_by_id else ""]
                             for s in shares], "Dossier partagé avec personne d'autre que son ou sa référent(e).",
                            [1, 2, 2]))

    notes = session.scalars(select(PrivateNote).where(PrivateNote.child_id == cid).order_by(PrivateNote.written_at))
    listings.append(Listing("Notes de travail des professionnels (notes privées)", ["Écrite le", "Par", "Note"],
                            [[fr_datetime(n.written_at), users(n.author_id), _text(n.text)] for n in notes],
                            "Aucune note privée.", [1.1, 1.3, 5]))

    docs = session.scalars(select(GeneratedDocument).where(GeneratedDocument.child_id == cid)
                           .order_by(GeneratedDocument.created_at, GeneratedDocument.id))
    listings.append(Listing("Documents produits au sujet de l'enfant", ["Le", "Document", "Type", "Par"],
                            [[fr_datetime(d.created_at), d.title, kind_label(d.kind), users(d.created_by_id)]
                             for d in docs], "Aucun document produit.", [1.2, 3.2, 1.6, 1.3]))

    trail = session.scalars(
        select(AuditEvent).where(AuditEvent.child_id == cid,
                                 AuditEvent.action.in_([AuditAction.VIEW, AuditAction.EXPORT]))
        .order_by(AuditEvent.at, AuditEvent.id))
    listings.append(Listing(
        "Consultations du dossier et transmissions", ["Date et heure", "Par", "Action", "Détail"],
        [[fr_datetime(e.at), users(e.user_id), "Consultation" if e.action is AuditAction.VIEW else "Document produit",
          "" if e.action is AuditAction.VIEW else _text(e.summary)] for e in trail],
        "Aucune consultation enregistrée.", [1.2, 1.4, 1.3, 4]))
    return ChildPart(child_id=cid, name=child.full_name, identity=identity, listings=listings)


def subject_access(session: Session, family_id: int) -> SubjectAccess:
    """Everything held about the family ``family_id`` and its children (coordinator only)."""
    require_role(session, Role.COORDINATOR, what=WHAT)
    family = get_or_fail(session, Family, family_id, "Famille")
    users = _Users(session)
    family_fields = _fields([
        ("Nom de la famille", family.name), ("Adresse", _text(family.address)),
        ("Commune", " ".join(p for p in (family.postal_code, family.town) if p)),
        ("Quartier", _text(family.neighbourhood)), ("Téléphone", _text(family.phone)),
        ("Langues parlées", _text(family.languages)),
        ("Interprète nécessaire", "Oui" if family.interpreter_needed else ""),
        ("Notes sur la famille", _text(family.notes)),
    ])
    guardians = {g.id: f"{g.first_name} {g.last_name}" for g in family.guardians}
    adults = Listing("Adultes du foyer", ["Nom", "Lien", "Né(e) le", "Téléphone", "Courriel", "Responsable légal"],
                     [[f"{g.last_name.upper()} {g.first_name}", _text(g.relationship_label), fr_date(g.birth_date),
                       _text(g.phone), _text(g.email), "Oui" if g.is_legal_guardian else "Non"]
                      for g in family.guardians], "Aucun adulte enregistré.", [1.8, 1, 1, 1.2, 1.8, 0.9])
    consents = Listing("Accords de la famille", ["Donné le", "Par", "Pour", "Retiré le", "Enregistré par"],
                       [[fr_date(c.given_on), c.given_by, _text(c.scope), fr_date(c.withdrawn_on),
                         users(c.recorded_by_id) if c.recorded_by_id else ""]
                        for c in session.scalars(select(Consent).where(Consent.family_id == family.id)
                                                 .order_by(Consent.given_on, Consent.id))],
                       "Aucun accord enregistré.", [1, 1.8, 2.2, 1, 1.3])
    children = list(session.scalars(select(Child).where(Child.family_id == family.id)
                                    .order_by(Child.birth_date, Child.id)))
    settings = get_settings(session)
    return SubjectAccess(
        family_id=family.id, family_name=family.name, made_on=today(), family=family_fields, adults=adults,
        consents=consents, children=[_child_part(session, c, users, guardians) for c in children],
        retention_years=settings.retention_years if settings is not None else 2,
        archive_years=settings.archive_years if settings is not None else 3,
        pre_name=settings.pre_name if settings is not None and settings.pre_name else "Programme de réussite éducative",
        child_ids=[c.id for c in children])


def family_of_child(session: Session, child_id: int) -> int:
    """The family whose right of access a child's file leads to."""
    return get_or_fail(session, Child, child_id, "Enfant").family_id

