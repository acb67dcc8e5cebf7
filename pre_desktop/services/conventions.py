"""Partnership conventions (rule 3): validity, quota, tariffs, signature, termination, renewal.

The model convention lasts 12 months, funds 20 sessions per person, pays per act
quarterly, and may be terminated with one month's notice. A session outside the
validity window is not billable, so every date computed here feeds billing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, aliased

from ..formatting import fr_date
from ..models import BillingPeriod, CareReferral, Convention, ConventionStatus, GeneratedDocument, Partner
from .clock import today
from .access import require_directory
from .common import (
    past_date,
    add_months,
    apply_changes,
    as_amount,
    as_date,
    check_version,
    get_or_fail,
    optional_text,
    positive_int,
    reject_unknown,
    required_text,
)
from .errors import DomainError

WHAT = "Cette convention"
DOCUMENT_TARGET = "convention"  # target_type of its generated documents

# Terms of the agreement: frozen once signed ("Aucune révision ne sera appliquée au tarif…").
CONTRACT_FIELDS = frozenset({"reference", "start_date", "end_date", "duration_months", "session_quota",
                             "tariff_individual", "tariff_parents", "tariff_family", "billing_period"})
FREE_FIELDS = frozenset({"signed_on", "quota_warning_threshold", "first_appointment_delay_days",
                         "psychologist_name", "signatory_pre", "signatory_partner", "signatory_pre_title",
                         "signatory_partner_title", "bank_details", "funder", "notes"})
# Statuses of a convention both parties signed: in force, under notice, or stored as expired.
SIGNED_STATES = (ConventionStatus.SIGNED, ConventionStatus.TERMINATED, ConventionStatus.EXPIRED)


# --------------------------------------------------------------------------- dates


def end_of_term(start: dt.date, months: int) -> dt.date:
    """Last day of a term of ``months`` starting on ``start``.

    Normally the day before the anniversary (1 Jan → 31 Dec). When the anniversary
    day does not exist (31 Jan + 1 month), the term ends on the last day of that
    month, as in French civil law, so the next term starts on the 1st.
    """
    anniversary = add_months(start, months)
    if anniversary.day != start.day:  # clamped: the corresponding day does not exist
        return anniversary
    return anniversary - dt.timedelta(days=1)


def validity_end(conv: Convention) -> dt.date:
    """Last day the convention covers: its end, or earlier if terminated."""
    if conv.terminated_on is not None and conv.terminated_on < conv.end_date:
        return conv.terminated_on
    return conv.end_date


def effective_status(conv: Convention, on: Optional[dt.date] = None) -> ConventionStatus:
    """Stored status, except that a signed convention whose end has passed reads EXPIRED."""
    day = on or today()
    if conv.status is ConventionStatus.SIGNED and day > validity_end(conv):
        return ConventionStatus.EXPIRED
    return conv.status


def covers(conv: Convention, day: dt.date) -> bool:
    """Is ``day`` within the convention's validity window (start .. effective end)?"""
    return conv.start_date <= day <= validity_end(conv)


def convention_in_force(session: Session, partner_id: int, on: Optional[dt.date] = None) -> Optional[Convention]:
    """The signed (possibly under notice, or since expired) convention covering that day, if any."""
    day = on or today()
    stmt = (
        select(Convention)
        .where(Convention.partner_id == partner_id,
               Convention.status.in_(SIGNED_STATES),
               Convention.start_date <= day, Convention.end_date >= day)
        .order_by(Convention.start_date.desc(), Convention.id.desc())
    )
    for conv in session.scalars(stmt):
        if covers(conv, day):
            return conv
    return None


# --------------------------------------------------------------------------- validation


def _int_at_least(value: Any, field: str, label: str, minimum: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(f"« {value} » n'est pas un nombre entier pour « {label} ».", field) from None
    if number < minimum:
        raise DomainError(f"Le champ « {label} » doit être au moins {minimum}.", field)
    return number


def _given(value: Any) -> bool:
    """A date field the user filled in (blank text counts as not given, as in ``as_date``)."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def _validated(values: dict[str, Any], *, explicit_end: bool) -> dict[str, Any]:
    """Every field of a convention checked together, before anything is written."""
    out: dict[str, Any] = {}
    out["reference"] = required_text(values.get("reference"), "reference", "Référence", 80)
    out["start_date"] = as_date(values.get("start_date"), "start_date", "Date de début")
    out["signed_on"] = past_date(values.get("signed_on"), "signed_on", "Date de signature", required=False)
    out["duration_months"] = positive_int(values.get("duration_months"), "duration_months", "Durée (mois)")
    if out["duration_months"] > 120:
        raise DomainError("La durée d'une convention ne peut pas dépasser 120 mois.", "duration_months")
    if explicit_end:
        end = as_date(values.get("end_date"), "end_date", "Date de fin")
        if end < out["start_date"]:
            raise DomainError(f"La date de fin ({fr_date(end)}) ne peut pas précéder la date de début "
                              f"({fr_date(out['start_date'])}).", "end_date")
        out["end_date"] = end
    else:
        out["end_date"] = end_of_term(out["start_date"], out["duration_months"])
    out["session_quota"] = positive_int(values.get("session_quota"), "session_quota", "Nombre de séances par personne")
    out["quota_warning_threshold"] = positive_int(values.get("quota_warning_threshold"), "quota_warning_threshold",
                                                  "Seuil d'alerte")
    if out["quota_warning_threshold"] >= out["session_quota"]:
        raise DomainError(f"Le seuil d'alerte ({out['quota_warning_threshold']}) doit être inférieur au nombre de "
                          f"séances par personne ({out['session_quota']}).", "quota_warning_threshold")
    out["first_appointment_delay_days"] = _int_at_least(values.get("first_appointment_delay_days"),
                                                        "first_appointment_delay_days",
                                                        "Délai du premier rendez-vous (jours)", 1)
    out["tariff_individual"] = as_amount(values.get("tariff_individual"), "tariff_individual", "Tarif entretien individuel")
    out["tariff_parents"] = as_amount(values.get("tariff_parents"), "tariff_parents", "Tarif entretien parents")
    out["tariff_family"] = as_amount(values.get("tariff_family"), "tariff_family", "Tarif entretien familial")
    try:
        out["billing_period"] = BillingPeriod(values.get("billing_period"))
    except ValueError:
        raise DomainError(f"« {values.get('billing_period')} » n'est pas une périodicité de facturation connue.",
                          "billing_period") from None
    out["psychologist_name"] = optional_text(values.get("psychologist_name"), "psychologist_name", "Psychologue référent")
    out["signatory_pre"] = optional_text(values.get("signatory_pre"), "signatory_pre", "Signataire pour le PRE")
    out["signatory_partner"] = optional_text(values.get("signatory_partner"), "signatory_partner",
                                             "Signataire pour le partenaire")
    out["signatory_pre_title"] = optional_text(values.get("signatory_pre_title"), "signatory_pre_title",
                                               "Qualité du signataire pour le PRE")
    out["signatory_partner_title"] = optional_text(values.get("signatory_partner_title"), "signatory_partner_title",
                                                   "Qualité du signataire pour le partenaire")
    out["bank_details"] = optional_text(values.get("bank_details"), "bank_details", "Coordonnées bancaires", 500)
    # Who pays the PRE for these sessions: the annual report sums sessions and amounts per funder.
    # Not a term agreed with the partner, so it can still be filled in on a signed convention.
    out["funder"] = optional_text(values.get("funder"), "funder", "Financeur", 120)
    out["notes"] = optional_text(values.get("notes"), "notes", "Notes", 5000)
    return out


def _overlapping_signed(session: Session, conv: Convention, start: dt.date, end: dt.date) -> Optional[Convention]:
    """A signed convention of the same partner covering part of start..end, including one
    under notice (it covers sessions until its notice runs out) or one stored as expired."""
    stmt = select(Convention).where(Convention.partner_id == conv.partner_id, Convention.id != conv.id,
                                    Convention.status.in_(SIGNED_STATES),
                                    Convention.start_date <= end, Convention.end_date >= start)
    for other in session.scalars(stmt):
        if other.start_date <= end and validity_end(other) >= start:
            return other
    return None


# --------------------------------------------------------------------------- writes


def create_convention(session: Session, *, partner_id: int, reference: str, start_date: Any,
                      signed_on: Any = None, duration_months: int = 12, end_date: Any = None,
                      session_quota: int = 20, quota_warning_threshold: int = 15,
                      first_appointment_delay_days: int = 30, tariff_individual: Any, tariff_parents: Any,
                      tariff_family: Any, billing_period: BillingPeriod | str = BillingPeriod.QUARTERLY,
                      psychologist_name: Optional[str] = None, signatory_pre: Optional[str] = None,
                      signatory_partner: Optional[str] = None, signatory_pre_title: Optional[str] = None,
                      signatory_partner_title: Optional[str] = None, bank_details: Optional[str] = None,
                      funder: Optional[str] = None, notes: Optional[str] = None) -> Convention:
    """A draft convention; its end is computed from start and duration unless given."""
    require_directory(session)
    partner = get_or_fail(session, Partner, partner_id, "Structure partenaire", "partner_id")
    values = _validated(dict(reference=reference, start_date=start_date, signed_on=signed_on,
                             duration_months=duration_months, end_date=end_date, session_quota=session_quota,
                             quota_warning_threshold=quota_warning_threshold,
                             first_appointment_delay_days=first_appointment_delay_days,
                             tariff_individual=tariff_individual, tariff_parents=tariff_parents,
                             tariff_family=tariff_family, billing_period=billing_period,
                             psychologist_name=psychologist_name, signatory_pre=signatory_pre,
                             signatory_partner=signatory_partner, signatory_pre_title=signatory_pre_title,
                             signatory_partner_title=signatory_partner_title, bank_details=bank_details,
                             funder=funder, notes=notes),
                        explicit_end=_given(end_date))
    conv = Convention(partner=partner, status=ConventionStatus.DRAFT, **values)
    session.add(conv)
    session.flush()
    return conv


def update_convention(session: Session, convention_id: int, *, expected_version: Optional[int],
                      **fields: Any) -> Convention:
    """Edit a convention. Once signed, its terms (dates, quota, tariffs) are frozen:
    the model convention excludes any revision during its term; renew instead."""
    require_directory(session)
    reject_unknown(fields, CONTRACT_FIELDS | FREE_FIELDS, "une convention")
    conv = get_or_fail(session, Convention, convention_id, "Convention")
    check_version(conv, expected_version, WHAT)
    merged = {key: getattr(conv, key) for key in CONTRACT_FIELDS | FREE_FIELDS}
    merged.update(fields)
    # The end follows start and duration unless the caller sets it (or neither changes).
    if "end_date" in fields:
        explicit_end = _given(fields["end_date"])
    else:
        explicit_end = not ({"start_date", "duration_months"} & set(fields))
    values = _validated(merged, explicit_end=explicit_end)
    if conv.status is not ConventionStatus.DRAFT and values["signed_on"] is None:
        raise DomainError("Cette convention est signée : sa date de signature ne peut pas être effacée.", "signed_on")
    if conv.status is not ConventionStatus.DRAFT:
        frozen = sorted(k for k in CONTRACT_FIELDS if values[k] != getattr(conv, k))
        if frozen:
            raise DomainError("Cette convention est signée : sa référence, ses dates, son quota et ses tarifs ne "
                              "peuvent plus être modifiés. Renouvelez-la pour en changer les termes.", frozen[0])
    apply_changes(conv, values)
    session.flush()
    return conv


def sign_convention(session: Session, convention_id: int, *, signed_on: Any,
                    expected_version: Optional[int] = None) -> Convention:
    """Record both parties' signature; one signed convention per partner at a time."""
    require_directory(session)
    conv = get_or_fail(session, Convention, convention_id, "Convention")
    check_version(conv, expected_version, WHAT)
    day = past_date(signed_on, "signed_on", "Date de signature")
    if conv.status is not ConventionStatus.DRAFT:
        raise DomainError("Seule une convention en brouillon peut être signée.", "signed_on")
    other = _overlapping_signed(session, conv, conv.start_date, conv.end_date)
    if other is not None:
        raise DomainError(
            f"Une convention signée avec ce partenaire couvre déjà une partie de cette période "
            f"(« {other.reference} », du {fr_date(other.start_date)} au {fr_date(validity_end(other))}). "
            "Changez la date de début ou résiliez l'autre convention.", "start_date")
    conv.signed_on = day
    conv.status = ConventionStatus.SIGNED
    session.flush()
    return conv


def terminate_convention(session: Session, convention_id: int, *, notice_on: Any,
                         expected_version: Optional[int] = None) -> Convention:
    """Termination takes one month's notice: the convention still covers sessions until then."""
    require_directory(session)
    conv = get_or_fail(session, Convention, convention_id, "Convention")
    check_version(conv, expected_version, WHAT)
    day = past_date(notice_on, "notice_on", "Date de la lettre de résiliation")
    if conv.status is not ConventionStatus.SIGNED:
        raise DomainError("Seule une convention signée peut être résiliée.", "notice_on")
    if day < conv.start_date:
        raise DomainError("La résiliation ne peut pas précéder le début de la convention.", "notice_on")
    if day > conv.end_date:
        raise DomainError("Cette convention est déjà arrivée à son terme : il n'y a rien à résilier.", "notice_on")
    conv.termination_notice_on = day
    conv.terminated_on = add_months(day, 1)
    conv.status = ConventionStatus.TERMINATED
    session.flush()
    return conv


def renew_convention(session: Session, convention_id: int, *, start_date: Any = None,
                     reference: Optional[str] = None) -> Convention:
    """A new draft with the same terms, starting the day after the old one ends."""
    require_directory(session)
    old = get_or_fail(session, Convention, convention_id, "Convention")
    if old.status not in (ConventionStatus.SIGNED, ConventionStatus.EXPIRED):
        raise DomainError("Seule une convention signée (en cours ou expirée) peut être renouvelée.", "start_date")
    already = session.scalar(select(Convention).where(Convention.renewed_from_id == old.id))
    if already is not None:
        raise DomainError(f"Cette convention a déjà été renouvelée (« {already.reference} »).", "start_date")
    start = as_date(start_date, "start_date", "Date de début", required=False) or old.end_date + dt.timedelta(days=1)
    if start <= old.start_date:
        raise DomainError("La convention renouvelée doit commencer après le début de la précédente.", "start_date")
    ref = required_text(reference if reference is not None else f"{old.reference} (renouvellement)",
                        "reference", "Référence", 80)
    conv = Convention(
        partner_id=old.partner_id, reference=ref, start_date=start, signed_on=None,
        duration_months=old.duration_months, end_date=end_of_term(start, old.duration_months),
        session_quota=old.session_quota, quota_warning_threshold=old.quota_warning_threshold,
        first_appointment_delay_days=old.first_appointment_delay_days, tariff_individual=old.tariff_individual,
        tariff_parents=old.tariff_parents, tariff_family=old.tariff_family, billing_period=old.billing_period,
        psychologist_name=old.psychologist_name, signatory_pre=old.signatory_pre,
        signatory_partner=old.signatory_partner, signatory_pre_title=old.signatory_pre_title,
        signatory_partner_title=old.signatory_partner_title, bank_details=old.bank_details, funder=old.funder,
        status=ConventionStatus.DRAFT, renewed_from_id=old.id, notes=old.notes)
    session.add(conv)
    session.flush()
    return conv


def delete_convention(session: Session, convention_id: int, *, expected_version: Optional[int] = None) -> None:
    """Only a draft goes: a signed convention is a commitment that billing and the
    fiches de liaison rest on; it is terminated, never erased.

    The records of documents generated from the draft go with it (the audit trail keeps
    the trace): SQLite may hand its id to the next convention, which must not appear to
    have documents it never had."""
    require_directory(session)
    conv = get_or_fail(session, Convention, convention_id, "Convention")
    check_version(conv, expected_version, WHAT)
    if conv.status is not ConventionStatus.DRAFT:
        raise DomainError("Seule une convention en brouillon peut être supprimée : une convention signée se résilie.",
                          "status")
    used = session.scalar(select(func.count()).select_from(CareReferral).where(CareReferral.convention_id == conv.id))
    if used:
        raise DomainError(f"Cette convention est citée par {used} fiche(s) de liaison : elle ne peut pas être supprimée.",
                          "status")
    session.execute(delete(GeneratedDocument).where(GeneratedDocument.target_type == DOCUMENT_TARGET,
                                                    GeneratedDocument.target_id == conv.id))
    session.delete(conv)
    session.flush()


# --------------------------------------------------------------------------- queries


def days_left(conv: Convention, on: Optional[dt.date] = None) -> Optional[int]:
    """Days until the convention stops covering sessions; None once it no longer does
    (or never will: a draft is not in force)."""
    day = on or today()
    if conv.status not in (ConventionStatus.SIGNED, ConventionStatus.TERMINATED):
        return None
    left = (validity_end(conv) - day).days
    return left if left >= 0 else None


@dataclass(frozen=True)
class ConventionRow:
    """One line of the conventions list: what the coordinator scans for."""

    id: int
    version: int
    partner_id: int
    partner_name: str
    reference: str
    start_date: dt.date
    end_date: dt.date  # last day covered (termination included)
    status: ConventionStatus  # effective: a signed convention past its end reads expired
    session_quota: int
    days_left: Optional[int]
    renewed: bool  # a renewal (draft or signed) already follows it


def list_conventions(session: Session, on: Optional[dt.date] = None) -> list[ConventionRow]:
    day = on or today()
    renewal = aliased(Convention)
    renewed = select(renewal.id).where(renewal.renewed_from_id == Convention.id).exists()
    stmt = (select(Convention, Partner.name, renewed)
            .join(Partner, Partner.id == Convention.partner_id)
            .order_by(Convention.start_date.desc(), Partner.name, Convention.id))
    return [ConventionRow(c.id, c.version, c.partner_id, name, c.reference, c.start_date, validity_end(c),
                          effective_status(c, day), c.session_quota, days_left(c, day), bool(is_renewed))
            for c, name, is_renewed in session.execute(stmt)]


@dataclass(frozen=True)
class RenewalRow:
    convention_id: int
    reference: str
    partner_id: int
    partner_name: str
    end_date: dt.date
    days_left: int


def conventions_to_renew(session: Session, on: Optional[dt.date] = None, within_days: int = 60) -> list[RenewalRow]:
    """Signed conventions ending within ``within_days`` that no draft or signed renewal follows."""
    day = on or today()
    limit = day + dt.timedelta(days=within_days)
    renewal = aliased(Convention)
    stmt = (
        select(Convention, Partner.name)
        .join(Partner, Partner.id == Convention.partner_id)
        .where(Convention.status == ConventionStatus.SIGNED, Convention.end_date >= day, Convention.end_date <= limit)
        .where(~select(renewal.id).where(renewal.renewed_from_id == Convention.id).exists())
        .order_by(Convention.end_date, Partner.name)
    )
    return [RenewalRow(c.id, c.reference, c.partner_id, name, c.end_date, (c.end_date - day).days)
            for c, name in session.execute(stmt)]


def conventions_of_partner(session: Session, partner_id: int) -> list[Convention]:
    return list(session.scalars(select(Convention).where(Convention.partner_id == partner_id)
                                .order_by(Convention.start_date.desc())))


@dataclass(frozen=True)
class PartnerChoice:
    id: int
    name: str
    active: bool


def partner_choices(session: Session) -> list[PartnerChoice]:
    """Partners a convention can be made with, by name (inactive ones last: old conventions keep theirs)."""
    stmt = select(Partner.id, Partner.name, Partner.active).order_by(Partner.active.desc(), Partner.name)
    return [PartnerChoice(i, n, bool(a)) for i, n, a in session.execute(stmt)]
