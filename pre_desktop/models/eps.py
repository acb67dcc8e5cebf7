"""EPS commissions, their agenda and decisions; pathways and their actions."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Versioned, enum_column
from .enums import AgendaReason, EpsDecisionKind

if TYPE_CHECKING:  # pragma: no cover
    from .partners import Partner
    from .people import Child


class EpsMeeting(Versioned, Base):
    """One commission of the équipe pluridisciplinaire de soutien."""

    __tablename__ = "eps_meetings"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_date: Mapped[dt.date] = mapped_column(Date, index=True)
    place: Mapped[Optional[str]] = mapped_column(String(200))
    notes: Mapped[Optional[str]] = mapped_column(Text)

    members: Mapped[list["EpsMember"]] = relationship(back_populates="meeting", cascade="all, delete-orphan", order_by="EpsMember.id")
    situations: Mapped[list["EpsSituation"]] = relationship(back_populates="meeting", cascade="all, delete-orphan", order_by="EpsSituation.position")
    decisions: Mapped[list["EpsDecision"]] = relationship(back_populates="meeting", order_by="EpsDecision.id")


class EpsMember(Versioned, Base):
    """A professional present at a meeting (teacher, social worker, psychologist…)."""

    __tablename__ = "eps_members"
    __audited__ = True  # who sat at the commission that discussed the children

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("eps_meetings.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    function: Mapped[Optional[str]] = mapped_column(String(200))
    institution: Mapped[Optional[str]] = mapped_column(String(200))
    present: Mapped[bool] = mapped_column(Boolean, default=True)

    meeting: Mapped[EpsMeeting] = relationship(back_populates="members")


class EpsSituation(Versioned, Base):
    """A child's situation put on a meeting's agenda."""

    __tablename__ = "eps_situations"
    __table_args__ = (UniqueConstraint("meeting_id", "child_id"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("eps_meetings.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    reason: Mapped[AgendaReason] = mapped_column(enum_column(AgendaReason), default=AgendaReason.NEW_REFERRAL)
    position: Mapped[int] = mapped_column(Integer, default=0)

    meeting: Mapped[EpsMeeting] = relationship(back_populates="situations")
    child: Mapped["Child"] = relationship()

    @property
    def audit_child_id(self) -> Optional[int]:
        return self.child_id


class EpsDecision(Versioned, Base):
    """What the EPS decided for one child at one meeting."""

    __tablename__ = "eps_decisions"
    __table_args__ = (UniqueConstraint("meeting_id", "child_id"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("eps_meetings.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EpsDecisionKind] = mapped_column(enum_column(EpsDecisionKind))
    decided_on: Mapped[dt.date] = mapped_column(Date)
    postponed_to: Mapped[Optional[dt.date]] = mapped_column(Date)
    reoriented_to: Mapped[Optional[str]] = mapped_column(String(200))
    reason: Mapped[Optional[str]] = mapped_column(Text)
    pathway_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pathways.id", ondelete="SET NULL"), index=True)
    # Status the child had before this decision, so removing it can restore it.
    previous_child_status: Mapped[Optional[str]] = mapped_column(String(30))
    # What applying the decision did, so removing it can undo exactly that (without
    # relying on timestamps or the audit trail): rows it created, hors-EPS rows it
    # regularised, and the previous values of the pathway and child fields it overwrote.
    # Keys: created_pathway_id, created_action_ids, regularised_action_ids,
    # regularised_care_referral_ids, pathway_before, child_before (dates as YYYY-MM-DD).
    # NULL for a decision written without it: then it cannot be undone automatically.
    effects: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)

    meeting: Mapped[EpsMeeting] = relationship(back_populates="decisions")
    child: Mapped["Child"] = relationship()
    pathway: Mapped[Optional["Pathway"]] = relationship(foreign_keys=[pathway_id])

    @property
    def audit_child_id(self) -> Optional[int]:
        return self.child_id


class Pathway(Versioned, Base):
    """Parcours individualisé: objectives and actions recommended by an EPS."""

    __tablename__ = "pathways"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    review_date: Mapped[Optional[dt.date]] = mapped_column(Date, index=True)
    end_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    end_reason: Mapped[Optional[str]] = mapped_column(String(200))
    objectives: Mapped[str] = mapped_column(Text, default="")
    # The EPS decision that recommended this pathway is the accept decision whose
    # pathway_id points here (no FK back, to keep the schema free of cycles).

    child: Mapped["Child"] = relationship(back_populates="pathways")
    actions: Mapped[list["PathwayAction"]] = relationship(back_populates="pathway", cascade="all, delete-orphan", order_by="PathwayAction.id")

    @property
    def audit_child_id(self) -> Optional[int]:
        return self.child_id


class PathwayAction(Versioned, Base):
    """One action of a pathway; without an EPS decision it is "hors EPS" (rule 8)."""

    __tablename__ = "pathway_actions"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathways.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    action_type: Mapped[Optional[str]] = mapped_column(String(100))
    partner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("partners.id"), index=True)
    eps_decision_id: Mapped[Optional[int]] = mapped_column(ForeignKey("eps_decisions.id", ondelete="SET NULL"), index=True)
    start_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    end_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    notes: Mapped[Optional[str]] = mapped_column(Text)

    pathway: Mapped[Pathway] = relationship(back_populates="actions")
    partner: Mapped[Optional["Partner"]] = relationship()

    @property
    def hors_eps(self) -> bool:
        return self.eps_decision_id is None

    @property
    def audit_child_id(self) -> Optional[int]:
        return self.pathway.child_id if self.pathway is not None else None
