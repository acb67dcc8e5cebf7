"""The fiche de liaison sent to a partner: the guide's model, and nothing more (rule 7).

The builder only sees :class:`services.care_referrals.LiaisonData`, which holds
exactly the model's fields: nothing else from the child's file (school, notes,
siblings, address) can reach the partner by mistake. The partner's answer block is
printed with dotted lines to fill in by hand, or with the answer once it is known.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

from sqlalchemy.orm import Session

from ..formatting import fr_date
from ..models import CareReferral
from ..services.care_referrals import LiaisonData, liaison_document_data
from ..services.clock import today
from ..services.common import get_or_fail
from ..services.documents import record_document
from ..services.errors import DomainError
from ..services.settings import get_settings
from .document import Document, Fields, Heading, Letterhead, Paragraph, Spacer
from .letterhead import letterhead
from .render import FORMATS, render

KIND = "liaison"
TARGET_TYPE = CareReferral.__tablename__  # as the audit trail names the record


def liaison_title(data: LiaisonData) -> str:
    return f"Fiche de liaison « {data.partner_name} »"


def liaison_document(data: LiaisonData, head: Optional[Letterhead] = None,
                     printed_on: Optional[dt.date] = None) -> Document:
    """The model fiche: the PRE's request, then the partner's answer block."""
    birth = fr_date(data.beneficiary_birth_date)
    if birth and data.beneficiary_kind == "Famille":
        birth += " (enfant)"
    doc = Document(
        title=f"FICHE DE LIAISON « {data.partner_name} »",
        letterhead=head,
        footer=f"Fiche de liaison éditée le {fr_date(printed_on or today())} — transmise avec l'accord de la famille",
    )
    doc.add(
        Heading(f"Demande du {data.pre_name}", 1),
        Fields([
            ("Date de la demande :", fr_date(data.requested_on)),
            ("Nom de l'enfant/Parent/Famille concerné(e) :",
             f"{data.beneficiary_last_name.upper()} ({data.beneficiary_kind.lower()})"),
            ("Prénom(s) :", data.beneficiary_first_names),
            ("Date de naissance :", birth),
            ("Motif initial de la demande :", data.reason),
        ], fill=True),
        Spacer(3),
        Paragraph("Contact référent de parcours en charge de l'accompagnement de l'enfant et de sa famille :",
                  align="left", bold=True),
        Fields([
            ("Nom :", data.referent_last_name.upper()),
            ("Prénom :", data.referent_first_name),
            ("Tél :", data.referent_phone),
        ], fill=True),
        Spacer(8),
        Heading(f"Réponse de « {data.partner_name} »", 1),
        Paragraph("À compléter par la structure et à retourner au référent de parcours.", align="left",
                  italic=True, small=True),
        Fields([
            ("Date de la réponse :", fr_date(data.answered_on)),
            ("Date du premier entretien proposé :", fr_date(data.first_appointment_on)),
            ("Nom du psychologue :", data.psychologist_name),
        ], fill=True),
    )
    return doc


def default_file_name(data: LiaisonData, file_format: str, on: Optional[dt.date] = None) -> str:
    """« Fiche de liaison - DUPONT Léa - CMPP - 2026-11-22.pdf »: sorts by date in a folder."""
    day = (on or today()).isoformat()
    raw = f"Fiche de liaison - {data.beneficiary_last_name.upper()} {data.beneficiary_first_names} - " \
          f"{data.partner_name} - {day}.{file_format}"
    return "".join("-" if ch in '<>:"/\\|?*' else ch for ch in raw)


def write_liaison_document(session: Session, care_referral_id: int, file_format: str, path: Path) -> Path:
    """Build the fiche from the service's data, write it, and record who produced it.

    Refused (DomainError, nothing written) without the family's agreement in force.
    The caller commits the session: the record and the file go together.
    """
    if file_format not in FORMATS:
        raise DomainError(f"Format inconnu : « {file_format} » (pdf ou docx).", "file_format")
    data = liaison_document_data(session, care_referral_id)
    cr = get_or_fail(session, CareReferral, care_referral_id, "Fiche de liaison")
    doc = liaison_document(data, letterhead(get_settings(session)))
    written = render(doc, file_format, Path(path))
    record_document(session, kind=KIND, file_format=file_format, title=liaison_title(data),
                    target_type=TARGET_TYPE, target_id=cr.id, target_version=cr.version, child_id=cr.child_id,
                    file_path=str(written))
    return written
