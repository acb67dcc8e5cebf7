"""The right-of-access document (RGPD art. 15) handed to a family: all the PRE holds
about it, each child's file in turn, who consulted the files, then what the law says
the family must be told (purposes, recipients, periods, rights).

Built from :class:`services.subject_access.SubjectAccess` only; landscape, because the
orientations and the access log are wide tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from sqlalchemy.orm import Session

from ..formatting import fr_date
from ..models import Family
from ..services.documents import record_document
from ..services.settings import get_settings
from ..services.subject_access import Listing, SubjectAccess, subject_access
from .document import Block, Document, Fields, Heading, Letterhead, PageBreak, Paragraph, Spacer, Table
from .letterhead import letterhead
from .render import render

KIND = "subject_access"
TARGET_TYPE = Family.__tablename__


def subject_access_title(data: SubjectAccess) -> str:
    return f"Droit d'accès — famille {data.family_name}"


def _listing(listing: Listing, level: int = 2) -> list[Block]:
    blocks: list[Block] = [Heading(listing.title, level)]
    if not listing.rows:
        return blocks + [Paragraph(listing.empty, align="left", italic=True)]
    return blocks + [Table(listing.headers, listing.rows, widths=listing.widths, small=True)]


def _rights(data: SubjectAccess) -> list[Block]:
    return [
        Heading("Ce que la loi vous permet de savoir et de demander", 1),
        Paragraph(f"Responsable du traitement : {data.pre_name}. Ces données sont traitées pour accompagner "
                  "l'enfant et sa famille dans le cadre du Programme de réussite éducative (repérage, examen "
                  "de la situation en équipe pluridisciplinaire de soutien, parcours individualisé, orientation "
                  "vers des partenaires avec l'accord de la famille)."),
        Paragraph("Destinataires : les professionnels du PRE habilités (coordination, référent(e) de parcours) "
                  "et, avec votre accord, les structures partenaires vers lesquelles l'enfant est orienté, qui ne "
                  "reçoivent que la fiche de liaison et le tableau mensuel de leurs bénéficiaires. Les documents "
                  "transmis figurent ci-dessus, enfant par enfant."),
        Paragraph(f"Durée de conservation : le dossier reste actif au plus {data.retention_years} an(s) après le "
                  f"dernier contact, puis il est archivé, en accès restreint, pendant {data.archive_years} an(s), "
                  "avant d'être anonymisé (seules des données statistiques sans nom sont gardées)."),
        Paragraph("Vos droits : vous pouvez demander la rectification des données inexactes, leur effacement ou la "
                  "limitation de leur traitement, vous opposer au traitement et retirer à tout moment votre "
                  "accord au partage avec les partenaires, auprès de la coordination du PRE. Si vous estimez que "
                  "vos droits ne sont pas respectés, vous pouvez adresser une réclamation à la CNIL "
                  "(www.cnil.fr)."),
    ]


def subject_access_document(data: SubjectAccess, head: Optional[Letterhead] = None) -> Document:
    doc = Document(
        title=f"Données détenues sur la famille {data.family_name}",
        subtitle=f"Droit d'accès (RGPD, article 15) — document établi le {fr_date(data.made_on)}",
        letterhead=head,
        footer=f"{subject_access_title(data)} — établi le {fr_date(data.made_on)} — confidentiel",
        landscape=True,
    )
    names = ", ".join(child.name for child in data.children) or "aucun enfant suivi"
    doc.add(
        Paragraph(f"Ce document rassemble toutes les informations que le {data.pre_name} détient sur votre famille "
                  f"et sur chacun de vos enfants suivis ({names}), ainsi que la liste des personnes qui ont "
                  "consulté leurs dossiers et des documents qui en ont été tirés."),
        Heading("La famille", 1),
        Fields(data.family, label_width=0.25) if data.family else Paragraph("Aucune information.", align="left", italic=True),
        Spacer(2),
        *_listing(data.adults),
        *_listing(data.consents),
    )
    for child in data.children:
        doc.add(PageBreak(), Heading(f"Dossier de {child.name}", 1), Fields(child.identity, label_width=0.25))
        for listing in child.listings:
            doc.add(*_listing(listing))
    doc.add(PageBreak(), *_rights(data))
    return doc


def export_subject_access(session: Session, family_id: int, path: Path) -> Path:
    """Gather, write the PDF and trace it in each child's file (coordinator only: refused
    before anything is written). The caller commits."""
    data = subject_access(session, family_id)
    written = render(subject_access_document(data, letterhead(get_settings(session))), "pdf", Path(path))
    record_document(session, kind=KIND, file_format="pdf", title=subject_access_title(data), target_type=TARGET_TYPE,
                    target_id=family_id, file_path=str(written), child_ids=data.child_ids)
    return written
