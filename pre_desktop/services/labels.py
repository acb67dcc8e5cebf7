"""French labels for the stored English codes: one table, used by UI and documents."""

from __future__ import annotations

from ..models import (
    AgendaReason,
    BeneficiaryKind,
    BillingPeriod,
    CareReferralState,
    ChildStatus,
    ConventionStatus,
    EpsDecisionKind,
    OrientationMode,
    Role,
    SessionKind,
    SessionStatus,
    Sex,
)

LABELS: dict[type, dict[str, str]] = {
    Role: {"coordinator": "Coordonnateur(trice)", "referent": "Référent(e) de parcours", "secretariat": "Secrétariat"},
    Sex: {"F": "Fille", "M": "Garçon"},
    ChildStatus: {"referred": "Repéré — attend l'EPS", "active": "En parcours", "reoriented": "Réorienté", "ended": "Sorti"},
    EpsDecisionKind: {"accept": "Parcours accepté", "postpone": "Ajourné", "refuse": "Refusé",
                      "reorient": "Réorienté", "end": "Fin de parcours"},
    AgendaReason: {"new_referral": "Nouvelle situation", "review": "Révision du parcours",
                   "hors_eps": "Action hors EPS à régulariser", "other": "Autre"},
    OrientationMode: {"free_access": "Accès libre", "partners": "Orientation par les partenaires",
                      "medical": "Prescription / orientation médicale"},
    ConventionStatus: {"draft": "Brouillon", "signed": "Signée", "terminated": "Résiliée", "expired": "Expirée"},
    BillingPeriod: {"monthly": "Mensuelle", "quarterly": "Trimestrielle", "yearly": "Annuelle"},
    BeneficiaryKind: {"child": "Enfant", "parent": "Parent", "family": "Famille"},
    CareReferralState: {"draft": "Brouillon", "sent": "Envoyée", "answered": "Réponse reçue",
                        "in_progress": "Prise en charge en cours", "ended": "Terminée"},
    SessionKind: {"individual": "Entretien individuel", "parents": "Entretien parents", "family": "Entretien familial"},
    SessionStatus: {"present": "Présent", "excused": "Absent excusé", "unexcused": "Absent non excusé",
                    "cancelled": "Annulé par le partenaire"},
}


def label(value) -> str:  # noqa: ANN001 - any of the enums above
    """French label of an enum member; empty for None."""
    if value is None:
        return ""
    return LABELS[type(value)][value.value]
