"""Types of structure from the ANCT guide's table ("Cartographie non-exhaustive des
structures de soin et d'accompagnement", seed 003), loaded into every database.

CATTP and hôpitaux de jour are marked (*) in the guide: reached only through a
psychiatrist, "le PRE n'a pas la possibilité d'orienter vers ces structures
directement" (rule 6).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import OrientationMode, PartnerType

INDIRECT_EXPLANATION = (
    "Ces accueils passent en général par une orientation faite par un médecin psychiatre : "
    "le PRE n'a pas la possibilité d'orienter vers ces structures directement "
    "(guide ANCT, cartographie des structures de soin). Orientez d'abord vers le CMP ou le "
    "médecin qui suit l'enfant."
)


@dataclass(frozen=True)
class TypeSpec:
    code: str
    label: str
    public_label: str
    age_min: Optional[int]
    age_max: Optional[int]
    mode: OrientationMode
    orientation_label: str
    direct: bool = True


F, P, M = OrientationMode.FREE_ACCESS, OrientationMode.PARTNERS, OrientationMode.MEDICAL

PARTNER_TYPES: tuple[TypeSpec, ...] = (
    TypeSpec("MDA", "Maison des adolescents (MDA)", "11-25 ans (et leurs parents)", 11, 25, P, "Orientation libre ; partenaires scolaires, sociaux, justice"),
    TypeSpec("PAEJ", "Point d'accueil et d'écoute jeunes (PAEJ)", "12-25 ans", 12, 25, F, "Accès libre / partenaires"),
    TypeSpec("ESJ", "Espace santé jeunes", "12-25 ans", 12, 25, F, "Accès libre"),
    TypeSpec("CJC", "Consultation jeunes consommateurs (CJC)", "Jeunes / parents", 11, None, P, "Orientation libre / partenaires"),
    TypeSpec("REAAP", "Réseau d'écoute, d'appui et d'accompagnement des parents (REAAP)", "Parents", None, None, F, "Accès libre"),
    TypeSpec("CMP_ENF", "CMP enfants", "Enfants et adolescents", 0, 17, M, "Prescription ou orientation"),
    TypeSpec("CMP_ADU", "CMP adultes", "Adultes (à partir de 16 ans)", 16, None, M, "Orientation médicale"),
    TypeSpec("CATTP_ENF", "CATTP enfants", "Enfants", 0, 17, M, "Orientation CMP", direct=False),
    TypeSpec("CATTP_ADU", "CATTP adultes", "Adultes", 18, None, M, "Orientation CMP", direct=False),
    TypeSpec("HDJ", "Hôpital de jour (HDJ)", "Enfants / adultes", None, None, M, "Orientation médicale", direct=False),
    TypeSpec("CMPP", "Centre médico-psycho-pédagogique (CMPP)", "Enfants et familles (jusqu'à 20 ans)", 0, 20, M, "Orientation scolaire / médicale"),
    TypeSpec("MSP", "Maison de santé pluriprofessionnelle (MSP)", "Tout public", None, None, F, "Accès libre"),
    TypeSpec("PCO", "Plateforme de coordination et d'orientation (PCO)", "0-6 ans", 0, 6, M, "Orientation médicale"),
    TypeSpec("MPF", "Maison de protection des familles (MPF)", "Familles", None, None, P, "Partenaires / police"),
    TypeSpec("LAEP", "Lieu d'accueil enfants-parents (LAEP)", "Parents / enfants 0-6 ans", 0, 6, F, "Accès libre"),
    TypeSpec("ASSO_PSY", "Association de psychologues", "Enfants, jeunes et familles", None, None, P, "Fiche de liaison du PRE (convention)"),
    TypeSpec("PSY_LIB", "Psychologue libéral", "Tout public", None, None, F, "Fiche de liaison du PRE (convention)"),
    TypeSpec("AUTRE", "Autre structure", "", None, None, P, ""),
)


def ensure_partner_types(session: Session) -> int:
    """Insert the guide's types that are missing; never touch types the coordinator adjusted.

    Returns the number of types added.
    """
    existing = set(session.scalars(select(PartnerType.code)))
    added = 0
    for spec in PARTNER_TYPES:
        if spec.code in existing:
            continue
        session.add(
            PartnerType(
                code=spec.code,
                label=spec.label,
                public_label=spec.public_label,
                age_min=spec.age_min,
                age_max=spec.age_max,
                orientation_mode=spec.mode,
                orientation_label=spec.orientation_label,
                direct_orientation_allowed=spec.direct,
                refusal_explanation=None if spec.direct else INDIRECT_EXPLANATION,
                builtin=True,
            )
        )
        added += 1
    session.flush()
    return added
