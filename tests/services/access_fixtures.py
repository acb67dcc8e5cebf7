"""A small PRE with two référents' caseloads, a secretariat account and a coordinator.

User 1 is the coordinator (Claire Martin), 2 the référent Karim Benali (conftest); this
adds 3, the référent Sophie Leroy, and 4, the secretariat (Nadia Haddad). Karim follows
Léa Dupont, Sophie follows Noé Moreau: each child has a repérage, an open pathway, an
EPS situation, a fiche de liaison sent to a partner with two October sessions and a
generated document, all carrying notes and reasons that must not leak.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from pre_desktop import db
from pre_desktop.models import (
    EpsMeeting,
    EpsSituation,
    GeneratedDocument,
    Pathway,
    Referral,
    Role,
    User,
)

from care_fixtures import add_sessions, care_referral, convention, family_with_child, partner

D = dt.date
COORD, KARIM, SOPHIE, SECRETARIAT = 1, 2, 3, 4


@dataclass(frozen=True)
class World:
    lea: int  # Karim's
    noe: int  # Sophie's
    lea_family: int
    noe_family: int
    lea_fiche: int
    noe_fiche: int
    noe_session: int
    noe_referral: int
    noe_pathway: int
    partner: int
    convention: int
    meeting: int


@pytest.fixture
def world(factory) -> World:
    with db.session_scope(factory) as s:
        s.add(User(login="sophie", first_name="Sophie", last_name="Leroy", role=Role.REFERENT))
        s.add(User(login="secretariat", first_name="Nadia", last_name="Haddad", role=Role.SECRETARIAT))
        s.flush()
        p = partner(s)
        conv = convention(s, p)
        meeting = EpsMeeting(meeting_date=D(2026, 12, 3), place="Mairie")
        s.add(meeting)
        ids = {}
        for key, name, first, referent in (("lea", "Dupont", "Léa", KARIM), ("noe", "Moreau", "Noé", SOPHIE)):
            child = family_with_child(s, name=name, first_name=first, referent_id=referent,
                                      notes=f"Notes du dossier de {first}")
            referral = Referral(child=child, referred_on=D(2026, 1, 10), source="École",
                                reasons=f"Motif de santé de {first}", notes=f"Notes du repérage de {first}")
            pathway = Pathway(child=child, start_date=D(2026, 2, 1), review_date=D(2027, 2, 1),
                              objectives=f"Objectifs de {first}")
            s.add_all([referral, pathway, EpsSituation(meeting=meeting, child=child, position=len(ids) + 1)])
            cr = care_referral(s, child, p, conv)
            sessions = add_sessions(s, cr, [D(2026, 10, 5), D(2026, 10, 12)])
            s.add(GeneratedDocument(kind="liaison", file_format="pdf", title=f"Fiche de liaison — {first}",
                                    target_type="care_referral", target_id=cr.id, child_id=child.id))
            s.flush()
            ids[key] = (child.id, child.family_id, cr.id, sessions[0].id, referral.id, pathway.id)
        return World(lea=ids["lea"][0], noe=ids["noe"][0], lea_family=ids["lea"][1], noe_family=ids["noe"][1],
                     lea_fiche=ids["lea"][2], noe_fiche=ids["noe"][2], noe_session=ids["noe"][3],
                     noe_referral=ids["noe"][4], noe_pathway=ids["noe"][5], partner=p.id, convention=conv.id,
                     meeting=meeting.id)


def acting(factory, user_id):
    """A read session acting as ``user_id`` (the window's ``ctx.read()``)."""
    s = factory()
    s.info["user_id"] = user_id
    return s
