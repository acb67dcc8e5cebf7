"""The EPS commission's two documents: the ordre du jour (before) and the relevé de
décisions (after), each as one ``Document`` rendered to Word and PDF.

Secret partagé: the builders only see the services' ``MeetingAgenda`` and
``MeetingMinutes``, which hold the strictly necessary (name, first name, age, the kind
of examination or the decision, the référent, and for an acceptance the pathway as
decided). The file's notes, the referral's reasons and the decision's free-text
motive are not in them, so they cannot reach a document by mistake.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Literal, Optional

from sqlalchemy.orm import Session

from ..formatting import fr_date
from ..models import EpsDecisionKind, EpsMeeting
from ..services.documents import children_of_meeting, record_document
from ..services.eps import MeetingAgenda, MeetingMinutes, MemberRow, meeting_agenda_data, meeting_minutes_data
from ..services.errors import DomainError
from ..services.labels import label
from ..services.settings import get_settings
from .document import (
    Document,
    Fields,
    Heading,
    Letterhead,
    Paragraph,
    Run,
    SignatureBlock,
    Signatures,
    Spacer,
    Table,
)
from .letterhead import letterhead
from .render import FORMATS, render

Kind = Literal["agenda", "minutes"]
KINDS: dict[str, str] = {"agenda": "Ordre du jour", "minutes": "Relevé de décisions"}
DOCUMENT_KINDS = {"agenda": "eps_agenda", "minutes": "eps_minutes"}  # GeneratedDocument.kind
TARGET_TYPE = EpsMeeting.__tablename__  # as the audit trail names the record
EPS_NAME = "Équipe pluridisciplinaire de soutien"
CONFIDENTIAL = ("Document confidentiel, couvert par le secret partagé : il ne contient que les informations "
                "strictement nécessaires à l'examen des situations. Ne pas diffuser au-delà des membres de l'EPS.")


def eps_title(kind: str, meeting_date) -> str:
    return f"{KINDS[kind]} — EPS du {fr_date(meeting_date)}"


def _where(place: Optional[str]) -> list[tuple[str, str]]:
    return [("Lieu :", place)] if place else []


def _members_table(members: list[MemberRow]) -> Table:
    return Table(["Nom", "Fonction", "Institution"],
                 [[m.name, m.function or "", m.institution or ""] for m in members], widths=[3, 3, 4])


def _age(age: int) -> str:
    return f"{age} an{'s' if age > 1 else ''}"


def agenda_document(data: MeetingAgenda, head: Optional[Letterhead] = None) -> Document:
    """The ordre du jour: when, where, who is invited, which situations, in order."""
    doc = Document(title="Ordre du jour", subtitle=f"{EPS_NAME} du {fr_date(data.meeting_date)}", letterhead=head,
                   footer=f"EPS du {fr_date(data.meeting_date)} — ordre du jour — confidentiel")
    count = len(data.rows)
    doc.add(Fields([("Date de la commission :", fr_date(data.meeting_date)), *_where(data.place),
                    ("Situations inscrites :", str(count))]))
    if data.members:
        doc.add(Heading("Membres", 2), _members_table(data.members))
    doc.add(Heading("Situations à examiner", 2))
    if data.rows:
        doc.add(Table(["N°", "Nom", "Prénom", "Âge", "Motif d'inscription", "Référent(e)"],
                      [[str(i), r.last_name, r.first_name, _age(r.age), r.reason, r.referent or ""]
                       for i, r in enumerate(data.rows, start=1)],
                      widths=[0.7, 2.2, 2, 1.3, 3.2, 2.4], align=["right", "left", "left", "right", "left", "left"]))
    else:
        doc.add(Paragraph("Aucune situation n'est encore inscrite à l'ordre du jour.", italic=True, align="left"))
    doc.add(Spacer(6), Paragraph(CONFIDENTIAL, italic=True, small=True))
    return doc


def _summary(data: MeetingMinutes) -> str:
    counts = Counter(r.kind_label for r in data.rows)
    order = [label(kind) for kind in EpsDecisionKind]
    parts = [f"{what.lower()} : {n}" for what, n in sorted(counts.items(), key=lambda it: _rank(order, it[0]))]
    return f"{len(data.rows)} situation(s) à l'ordre du jour — " + ", ".join(parts) + "."


def _rank(order: list[str], text: str) -> int:
    return order.index(text) if text in order else len(order)


def minutes_document(data: MeetingMinutes, head: Optional[Letterhead] = None) -> Document:
    """The relevé de décisions: who sat, one line per situation, then each pathway decided."""
    doc = Document(title="Relevé de décisions", subtitle=f"{EPS_NAME} du {fr_date(data.meeting_date)}",
                   letterhead=head, footer=f"EPS du {fr_date(data.meeting_date)} — relevé de décisions — confidentiel")
    doc.add(Fields([("Date de la commission :", fr_date(data.meeting_date)), *_where(data.place)]))
    present = [m for m in data.members if m.present]
    absent = [m for m in data.members if not m.present]
    if present:
        doc.add(Heading("Membres présents", 2), _members_table(present))
    if absent:
        names = ", ".join(m.name + (f" ({m.function})" if m.function else "") for m in absent)
        doc.add(Paragraph([Run("Excusé(e)s : ", bold=True), Run(names)], align="left"))
    doc.add(Heading("Décisions", 2))
    if not data.rows:
        doc.add(Paragraph("Aucune situation n'a été examinée.", italic=True, align="left"))
    else:
        doc.add(Paragraph(_summary(data), align="left"),
                Table(["N°", "Nom", "Prénom", "Âge", "Décision", "Référent(e)"],
                      [[str(i), r.last_name, r.first_name, _age(r.age), r.decision, r.referent or ""]
                       for i, r in enumerate(data.rows, start=1)],
                      widths=[0.7, 2.2, 2, 1.3, 3.6, 2.4], align=["right", "left", "left", "right", "left", "left"]))
    decided = [r for r in data.rows if r.actions or r.review_date]
    if decided:
        # What was decided (actions with their partner or type, review date), not the pathway's
        # objectives: those are free text written about the family, and the relevé goes to every
        # member (secret partagé: only what each needs to act). They stay in the child's file.
        # One row per child (a row never splits across pages, unlike heading + fields).
        doc.add(Heading("Parcours décidés", 2),
                Table(["Enfant", "Actions", "Révision"],
                      [[f"{r.last_name} {r.first_name}", "\n".join(f"• {a}" for a in r.actions) or "—",
                        fr_date(r.review_date)] for r in decided],
                      widths=[2.4, 6.4, 1.6]))
    doc.add(Spacer(6), Paragraph(CONFIDENTIAL, italic=True, small=True),
            Signatures([SignatureBlock("Le coordonnateur / la coordonnatrice du PRE")]))
    return doc


def default_file_name(kind: str, meeting_date, file_format: str) -> str:
    """« EPS 2026-11-10 - Relevé de décisions.pdf »: sorts by date in a folder."""
    return f"EPS {meeting_date.isoformat()} - {KINDS[kind]}.{file_format}"


def write_eps_document(session: Session, meeting_id: int, kind: str, file_format: str, path: Path) -> Path:
    """Build the ordre du jour or the relevé de décisions from the services' data, write it,
    and record who produced it. The caller commits: the record and the file go together."""
    if kind not in KINDS:
        raise DomainError(f"Document inconnu : « {kind} » (agenda ou minutes).", "kind")
    if file_format not in FORMATS:
        raise DomainError(f"Format inconnu : « {file_format} » (pdf ou docx).", "file_format")
    head = letterhead(get_settings(session))
    if kind == "agenda":
        data = meeting_agenda_data(session, meeting_id)
        doc = agenda_document(data, head)
        version, day = data.meeting_version, data.meeting_date
    else:
        minutes = meeting_minutes_data(session, meeting_id)
        doc = minutes_document(minutes, head)
        version, day = minutes.meeting_version, minutes.meeting_date
    written = render(doc, file_format, Path(path))
    record_document(session, kind=DOCUMENT_KINDS[kind], file_format=file_format, title=eps_title(kind, day),
                    target_type=TARGET_TYPE, target_id=meeting_id, target_version=version, file_path=str(written),
                    child_ids=children_of_meeting(session, meeting_id))
    return written
