"""À traiter: one list of everything due, gathered from the services that own each rule.

Nothing is decided here: each line comes from the rule's own query (answers overdue,
quota, conventions to renew, hors-EPS items, pathways to review), turned into a common
shape the screen lists and sorts, with what to open (a child's file or a convention).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from sqlalchemy.orm import Session

from .care_referrals import overdue
from .clock import today
from .conventions import conventions_to_renew
from .pathways import hors_eps_actions, pathways_due_for_review
from .retention import archived_ids
from .sessions import quota_alerts

KIND_LABELS = {
    "answer_overdue": "Réponse en retard",
    "quota": "Quota de séances",
    "convention_renewal": "Convention à renouveler",
    "hors_eps": "Hors EPS",
    "review": "Révision du parcours",
}
# The order of the list when sorted by kind: what blocks a child's care first.
KIND_ORDER = tuple(KIND_LABELS)


@dataclass(frozen=True)
class TodoItem:
    kind: str  # a key of KIND_LABELS
    who: str  # the child, or the partner of a convention
    what: str  # what is due, in French
    due: Optional[dt.date]  # the date it became (or becomes) due
    days: int  # days late (positive) or left (negative, a convention's end to come)
    target: str  # "child" or "convention": what opening the line shows
    target_id: int

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def todo_items(session: Session, on: Optional[dt.date] = None) -> list[TodoItem]:
    """Everything due on ``on`` (today), most pressing kind first, then the longest waiting."""
    day = on or today()
    items: list[TodoItem] = []
    for row in overdue(session, day):
        items.append(TodoItem(
            "answer_overdue", row.child_name,
            f"{row.partner_name} : {row.missing} en attente depuis {row.days_waiting} jours "
            f"(délai {row.delay_days} jours)", row.sent_on + dt.timedelta(days=row.delay_days),
            row.days_waiting - row.delay_days, "child", row.child_id))
    for alert in quota_alerts(session):
        if alert.level == "beyond":
            what = (f"{alert.partner_name} : quota de {alert.quota} séances dépassé "
                    f"({alert.hors_quota_count} hors quota) — relais de financement")
        elif alert.level == "reached":
            what = f"{alert.partner_name} : quota atteint ({alert.used} séances sur {alert.quota}) — préparer le relais"
        else:
            what = f"{alert.partner_name} : {alert.used} séances sur {alert.quota} (alerte à {alert.threshold})"
        items.append(TodoItem("quota", alert.child_name, what, None, alert.used + alert.hors_quota_count - alert.quota,
                              "child", alert.child_id))
    for renewal in conventions_to_renew(session, day):
        items.append(TodoItem(
            "convention_renewal", renewal.partner_name,
            f"Convention {renewal.reference} : fin le {renewal.end_date:%d/%m/%Y}, dans {renewal.days_left} jours",
            renewal.end_date, -renewal.days_left, "convention", renewal.convention_id))
    for row in hors_eps_actions(session):
        what = (f"{row.label} (depuis le {row.since:%d/%m/%Y}) : à présenter à la prochaine EPS")
        items.append(TodoItem("hors_eps", row.child_name, what, row.since, (day - row.since).days, "child",
                              row.child_id))
    for review in pathways_due_for_review(session, day):
        items.append(TodoItem("review", review.child_name,
                              f"Révision du parcours prévue le {review.review_date:%d/%m/%Y}", review.review_date,
                              review.days_late, "child", review.child_id))
    archived = archived_ids(session)
    if archived:  # out of the everyday lists (a forgotten draft fiche, an old hors-EPS item)
        items = [item for item in items if item.target != "child" or item.target_id not in archived]
    rank = {kind: i for i, kind in enumerate(KIND_ORDER)}
    items.sort(key=lambda item: (rank[item.kind], -item.days, item.who))
    return items
