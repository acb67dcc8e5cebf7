"""School-year statistics: every figure against a hand count of the fixed data set
(tests/services/statistics_fixtures.py documents each child, fiche and session)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pre_desktop.models import Role, User
from pre_desktop.services import reports
from pre_desktop.services.errors import DomainError
from pre_desktop.services.statistics import (
    SchoolYear,
    as_school_year,
    dashboard,
    format_value,
    school_level,
    school_year_of,
    school_years_with_data,
)
from statistics_fixtures import build_statistics_data

D = dt.date
Y = "2025-2026"


@pytest.fixture
def data(session):
    built = build_statistics_data(session)
    session.commit()
    return built


@pytest.fixture
def board(session, data):
    return dashboard(session, Y)


def rows(board, key):
    """{label: (value, previous value)} of a breakdown."""
    return {r.label: (r.value, r.previous_value) for r in board.breakdown(key).rows}


def fig(board, key):
    f = board.figure(key)
    return f.value, f.previous_value


# --------------------------------------------------------------------------- school year


def test_school_year_parsing_and_bounds():
    year = SchoolYear.parse("2025-2026")
    assert (year.start, year.end, year.label) == (D(2025, 9, 1), D(2026, 8, 31), "2025-2026")
    assert year.previous().label == "2024-2025" and year.next().label == "2026-2027"
    assert SchoolYear.parse(" 2025/2026 ") == year and as_school_year(2025) == year and as_school_year(year) is year
    assert year.age_reference == D(2025, 12, 31)
    # 31 August belongs to the year that ends; 1 September starts the next (rule 9).
    assert school_year_of(D(2026, 8, 31)) == year and school_year_of(D(2026, 9, 1)) == year.next()
    assert school_year_of() == SchoolYear(2026)  # today is pinned to 22/11/2026
    assert year.contains(D(2025, 9, 1)) and not year.contains(D(2025, 8, 31)) and not year.contains(None)


@pytest.mark.parametrize("text, words", [
    ("2025-2027", "la seconde année doit suivre la première"),
    ("abc", "n'est pas une année scolaire"),
    ("", "n'est pas une année scolaire"),
    ("2026-2025", "la seconde année doit suivre la première"),
    ("0999-1000", "hors de la plage"),
])
def test_school_year_refusals_are_french_on_the_year_field(text, words):
    with pytest.raises(DomainError) as refused:
        SchoolYear.parse(text)
    assert refused.value.field == "year" and words in refused.value.message


def test_dashboard_refuses_an_unreadable_year(session):
    with pytest.raises(DomainError) as refused:
        dashboard(session, "2025-2027")
    assert refused.value.field == "year"


def test_school_levels_from_the_class_as_typed():
    assert [school_level(c) for c in ("PS", "ms", "G.S.", "CP", "CE2", "cm2", "6e", "6ème", "5EME", "3e",
                                      "2nde", "1re", "1ère", "Tle", "ULIS", "", None)] == [
        "maternelle", "maternelle", "maternelle", "elementaire", "elementaire", "elementaire", "college",
        "college", "college", "college", "lycee", "lycee", "lycee", "lycee", "other", "other", "other"]


# --------------------------------------------------------------------------- children


def test_children_followed_entries_and_exits(board):
    # Followed 2025-26: A (since 01/10/2024), B (15/10/2025–20/03/2026), C (01/09/2025–31/08/2026) = 3;
    # D left on 31/08/2025, E enters on 01/09/2026, F never entered. 2024-25: A and D = 2.
    assert fig(board, "children_followed") == (3, 2)
    # Entries 2025-26: B, C = 2; 2024-25: A = 1 (D entered in January 2024).
    assert fig(board, "new_entries") == (2, 1)
    # Exits 2025-26: B (20/03/2026), C (31/08/2026) = 2; 2024-25: D (31/08/2025) = 1.
    assert fig(board, "exits") == (2, 1)
    assert rows(board, "exit_reasons") == {"Déménagement de la famille": (1, 0), "Objectifs atteints": (1, 0),
                                           "Réorienté vers": (0, 1)}  # "Réorienté vers : CMP" → its head


def test_children_by_sex_age_level_and_neighbourhood(board, data):
    # Sex 2025-26: A, C girls, B boy; 2024-25: A girl, D boy.
    assert rows(board, "by_sex") == {"Fille": (2, 1), "Garçon": (1, 1)}
    # Age on 31/12/2025: A 6 (born 31/12/2019: birthday that day), B 13, C 4.
    # On 31/12/2024: A 5, D 16.
    assert rows(board, "by_age_band") == {"2 à 5 ans": (1, 1), "6 à 10 ans": (1, 0), "11 à 16 ans": (1, 1),
                                          "17 ans et plus": (0, 0)}
    # CP → élémentaire (A), 5e → collège (B), MS → maternelle (C); 2024-25: A élémentaire, D 1re → lycée.
    assert rows(board, "by_school_level") == {"Maternelle": (1, 0), "Élémentaire": (1, 1), "Collège": (1, 0),
                                              "Lycée": (0, 1)}
    # Neighbourhood: A, B Les Tilleuls; C Bel-Air; 2024-25: A Les Tilleuls, D Bel-Air.
    assert rows(board, "by_neighbourhood") == {"Les Tilleuls": (2, 1), "Bel-Air": (1, 1)}
    assert board.breakdown("by_sex").total == 3 and board.breakdown("by_sex").previous_total == 2
    # The children behind the figures.
    assert set(board.figure("children_followed").child_ids) == {data.a, data.b, data.c}
    assert board.breakdown("by_age_band").row("6_10").child_ids == (data.a,)
    assert board.breakdown("by_neighbourhood").row("Les Tilleuls").child_ids == tuple(sorted((data.a, data.b)))


# --------------------------------------------------------------------------- referrals, pathways, EPS


def test_referrals_sources_and_reasons(board, data):
    # 2025-26: A 01/03/2026, B 20/09/2025, E 15/08/2026, F 10/01/2026 = 4; 2024-25: A 15/09/2024, C 10/06/2025 = 2.
    assert fig(board, "referrals") == (4, 2)
    assert rows(board, "referral_sources") == {"École": (1, 1), "Collège": (1, 0), "Famille": (1, 0),
                                               "Service social départemental": (1, 0), "PMI": (0, 1)}
    # Reasons split on , and ; and folded: « anxiété » (A), « Anxiété » (E, F) → 3.
    assert rows(board, "referral_reasons") == {
        "Anxiété": (3, 1), "Absentéisme": (1, 0), "Conflits familiaux": (1, 0), "Harcèlement scolaire": (1, 0),
        "Difficultés de langage": (0, 1), "Difficultés scolaires": (0, 1)}
    anxiety = next(r for r in board.breakdown("referral_reasons").rows if r.label == "Anxiété")
    assert set(anxiety.child_ids) == {data.a, data.e, data.f}


def test_pathway_lengths_count_ended_pathways_only(board):
    # Ended 2025-26: B 15/10/2025→20/03/2026 = 156 days, C 01/09/2025→31/08/2026 = 364 days (A is running).
    assert (D(2026, 3, 20) - D(2025, 10, 15)).days == 156 and (D(2026, 8, 31) - D(2025, 9, 1)).days == 364
    assert fig(board, "pathways_ended") == (2, 1)
    # Mean (156 + 364) / 2 = 260; median of two = 260. 2024-25: D 10/01/2024→31/08/2025 = 599 days.
    assert fig(board, "pathway_length_mean") == (260.0, 599.0)
    assert fig(board, "pathway_length_median") == (260, 599)


def test_eps_meetings_and_decisions(board, data):
    # Meetings 2025-26: M1, M2, M3 (M5 is in 2026-27); 2024-25: M4.
    assert fig(board, "eps_meetings") == (3, 1)
    assert set(board.figure("eps_meetings").child_ids) == {data.a, data.b, data.c}  # on their agendas
    # Decisions 2025-26: B, C accepted (M1), A postponed and B ended (M2) = 4; 2024-25: A accepted.
    assert fig(board, "eps_decisions") == (4, 1)
    assert rows(board, "eps_decisions_by_kind") == {"Parcours accepté": (2, 1), "Ajourné": (1, 0), "Refusé": (0, 0),
                                                    "Réorienté": (0, 0), "Fin de parcours": (1, 0)}


# --------------------------------------------------------------------------- orientations


def test_orientations_by_partner_type(board):
    # Sent 2025-26: CR7 10/09/2025, CR2 20/10/2025, CR3 01/02/2026, CR4 20/07/2026, CR6 25/08/2026 = 5
    # (CR5 is a draft); 2024-25: CR1.
    assert fig(board, "orientations") == (5, 1)
    assert rows(board, "orientations_by_partner_type") == {
        "Centre médico-psycho-pédagogique (CMPP)": (2, 0), "Association de psychologues": (1, 1),
        "Point d'accueil et d'écoute jeunes (PAEJ)": (1, 0), "Psychologue libéral": (1, 0)}


def test_first_appointment_delay(board, data):
    # With a first appointment: CR7 10 days, CR3 19, CR2 21 → median 19; 2024-25: CR1 20 days.
    assert fig(board, "first_appointment_delay_median") == (19, 20)
    # Within the convention's delay: CR7 (10 ≤ 15) and CR3 (19 ≤ 30 default), not CR2 (21 > 15), not CR4
    # (no appointment, its 30 days are over on 22/11/2026); CR6 is still within its 100 days: not counted.
    # 2 / 4; 2024-25: CR1 20 ≤ 30 → 1 / 1.
    within = board.figure("first_appointment_within_delay")
    assert (within.value, within.previous_value, within.detail) == (0.5, 1.0, "2 sur 4")
    assert set(within.child_ids) == {data.c}  # CR7 and CR3 are both Chloé's


def test_quota_use(board, data):
    # Fiches with a session held in 2025-26: CR1 (5 held in quota by 31/08/2026: below 15), CR3 (3, no
    # convention: below the default 15), CR7 (3 = K2's alert of 3), CR2 (4 = K2's quota, plus one hors quota).
    assert rows(board, "quota_use") == {"Sous le seuil d'alerte": (2, 1), "Seuil d'alerte atteint": (1, 0),
                                        "Quota atteint": (1, 0)}
    assert fig(board, "quota_threshold_share") == (0.5, 0.0)  # (1 + 1) / 4; 2024-25: CR1 only, below
    assert fig(board, "quota_reached_share") == (0.25, 0.0)
    assert board.figure("quota_reached_share").child_ids == (data.b,)


# --------------------------------------------------------------------------- sessions and amounts


def test_attendance_by_partner_excludes_cancellations(board, data):
    # P1 2025-26: present 25/09, 18/12, 08/01, 05/02; absent 15/01; the cancelled 30/12 does not count → 4/5.
    # P2: 5 + 3 present → 8/8. P3: 3 present, 1 excused → 3/4. 2024-25: P1 05/06 present, 12/06 excused → 1/2.
    assert rows(board, "attendance_by_partner") == {"Association Filigrane": (0.8, 0.5), "CMPP Dolto": (1.0, None),
                                                    "Mme Roussel": (0.75, None)}
    assert board.breakdown("attendance_by_partner").row(str(data.p1)).detail == "4 présences sur 5 séances"


def test_sessions_and_amounts_by_convention_partner_and_funder(board):
    # Held 2025-26: CR1 4 + CR2 5 (one hors quota) + CR3 3 + CR7 3 = 15; 2024-25: CR1 05/06/2025 = 1.
    assert fig(board, "sessions_held") == (15, 1)
    # Billed: K1 25/09 + 18/12 individual 2 × 45 = 90; K1b (renewal: CR1's sessions after K1's end) 08/01
    # individual 50 + 05/02 parents 55 = 105; K2 CR2 4 × 40 (hors quota not billed) + CR7 3 × 40 = 280;
    # CR3 has no convention: 0. Total 475. 2024-25: K1 05/06/2025 = 45.
    assert fig(board, "sessions_amount") == (Decimal("475.00"), Decimal("45.00"))
    assert rows(board, "sessions_by_convention") == {"K2 — CMPP Dolto": (8, 0), "Sans convention": (3, 0),
                                                     "K1 — Association Filigrane": (2, 1),
                                                     "K1b — Association Filigrane": (2, 0)}
    assert rows(board, "amounts_by_convention") == {
        "K2 — CMPP Dolto": (Decimal("280.00"), 0), "K1b — Association Filigrane": (Decimal("105.00"), 0),
        "K1 — Association Filigrane": (Decimal("90.00"), Decimal("45.00")), "Sans convention": (Decimal("0.00"), 0)}
    assert rows(board, "sessions_by_partner") == {"CMPP Dolto": (8, 0), "Association Filigrane": (4, 1),
                                                  "Mme Roussel": (3, 0)}
    assert rows(board, "amounts_by_partner") == {"CMPP Dolto": (Decimal("280.00"), 0),
                                                 "Association Filigrane": (Decimal("195.00"), Decimal("45.00")),
                                                 "Mme Roussel": (Decimal("0.00"), 0)}
    # Funders: K1 ARS, K1b none, K2 CAF.
    assert rows(board, "sessions_by_funder") == {"CAF": (8, 0), "Sans convention": (3, 0), "ARS": (2, 1),
                                                 "Financeur non renseigné": (2, 0)}
    assert rows(board, "amounts_by_funder") == {
        "CAF": (Decimal("280.00"), 0), "Financeur non renseigné": (Decimal("105.00"), 0),
        "ARS": (Decimal("90.00"), Decimal("45.00")), "Sans convention": (Decimal("0.00"), 0)}
    assert board.breakdown("amounts_by_funder").total == Decimal("475.00")


def test_session_groups_bill_as_the_quarterly_statement(session, data):
    """The annual amounts use the statement's rule: for every convention and quarter, the same total."""
    compared = 0
    for conv in (data.k1, data.k1b, data.k2, data.k3):
        for year, quarter in ((2025, 2), (2025, 3), (2025, 4), (2026, 1), (2026, 2), (2026, 3)):
            try:
                statement = reports.quarterly_statement(session, conv, year, quarter)
            except DomainError:  # quarter outside the convention
                continue
            start, end = reports.quarter_bounds(year, quarter)
            groups = [g for g in reports.session_groups(session, start, end) if g.convention_id == conv]
            assert sum((g.amount for g in groups), Decimal("0.00")) == statement.total, (conv, year, quarter)
            assert sum(g.billable for g in groups) == statement.billable_count
            compared += 1
    # K1: T2–T4 2025; K1b and K3: T1–T3 2026; K2 (09/2025–08/2026): T3 2025 to T3 2026 → 3 + 3 + 5 + 3.
    assert compared == 14


# --------------------------------------------------------------------------- roles, definitions, formats


def test_counts_are_the_structures_but_the_children_behind_are_the_users(factory, data):
    with factory() as s:
        s.info["user_id"] = 2  # Karim Benali, référent of A, C, E and F
        board = dashboard(s, Y)
        assert board.ids_restricted
        assert board.figure("children_followed").value == 3
        assert set(board.figure("children_followed").child_ids) == {data.a, data.c}
        assert board.breakdown("sessions_by_partner").row(str(data.p2)).child_ids == (data.c,)  # B is not his
    with factory() as s:
        s.add(User(login="secr", first_name="Sam", last_name="Secr", role=Role.SECRETARIAT))
        s.commit()
        s.info["user_id"] = s.query(User).filter_by(login="secr").one().id
        board = dashboard(s, Y)
        assert board.figure("children_followed").value == 3
        assert all(not f.child_ids for sec in board.sections for f in sec.figures)
        assert all(not r.child_ids for sec in board.sections for b in sec.breakdowns for r in b.rows)
        # Typed reasons (repérage, exit) are not the secretariat's to read, even counted.
        assert board.breakdown("referral_reasons").rows == () and board.breakdown("exit_reasons").rows == ()


def test_every_figure_has_a_french_definition_and_sections_in_order(board):
    assert [s.key for s in board.sections] == ["children", "referrals", "pathways", "eps", "orientations",
                                               "sessions"]
    definitions = board.definitions()
    # 16 figures (3 + 1 + 3 + 2 + 5 + 2) and 17 breakdowns (5 + 2 + 0 + 1 + 2 + 7).
    assert len(definitions) == sum(len(s.figures) + len(s.breakdowns) for s in board.sections) == 33
    assert all(text.endswith(".") and len(text) > 40 for _, text in definitions)
    assert "31/12/2025" in board.breakdown("by_age_band").definition
    assert "annulées" in board.breakdown("attendance_by_partner").definition


def test_format_value():
    assert format_value(1234, "count") == "1\u202f234"
    assert format_value(Decimal("1234.5"), "amount") == "1\u202f234,50\u00a0€"
    assert format_value(0.5, "percent") == "50,0\u00a0%"
    assert format_value(260.0, "days") == "260\u00a0j" and format_value(12.5, "days") == "12,5\u00a0j"
    assert format_value(None, "days") == "—"


def test_years_with_data_go_back_to_the_first_activity(session, data):
    # Earliest activity: D's referral on 01/12/2023 → 2023-2024; newest: the current year 2026-2027.
    assert [y.label for y in school_years_with_data(session)] == ["2026-2027", "2025-2026", "2024-2025", "2023-2024"]


def test_an_empty_base_gives_zeros_and_dashes(session):
    board = dashboard(session, Y)
    assert fig(board, "children_followed") == (0, 0)
    assert fig(board, "pathway_length_median") == (None, None)
    assert fig(board, "sessions_amount") == (Decimal("0.00"), Decimal("0.00"))
    assert [r.label for r in board.breakdown("by_sex").rows] == ["Fille", "Garçon"]


def test_the_number_of_queries_does_not_grow_with_the_data(session, engine):
    """Grouped SQL, no query per child: the same number of statements for one data set or three."""
    from sqlalchemy import event

    statements: list[str] = []

    def count(*_args):
        statements.append("q")

    build_statistics_data(session)
    session.commit()
    dashboard(session, Y)  # the acting user is read once per session
    event.listen(engine, "before_cursor_execute", count)
    try:
        dashboard(session, Y)
        once = len(statements)
        build_statistics_data(session)
        build_statistics_data(session)
        session.commit()
        statements.clear()
        board = dashboard(session, Y)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert board.figure("children_followed").value == 9
    assert len(statements) == once


def test_beyond_twelve_reasons_the_rarest_are_grouped(session, data):
    from pre_desktop.models import Referral

    # 14 more reasons on one repérage of 2025-26: with the 4 of the fixed set, 18 distinct reasons.
    extra = [f"Motif {n:02d}" for n in range(14)]
    session.add(Referral(child_id=data.f, referred_on=D(2026, 2, 1), source="Autre", reasons=", ".join(extra)))
    session.commit()
    rows = dashboard(session, Y).breakdown("referral_reasons").rows
    # Kept: the 12 most frequent this year — Anxiété (3), then the 1s by name (Absentéisme, Conflits
    # familiaux, Harcèlement scolaire, Motif 00…Motif 07); grouped: Motif 08…13 this year, and last year's
    # Difficultés de langage / scolaires: 6 this year, 2 last year.
    assert len(rows) == 13 and rows[-1].label == "Autres motifs" and rows[0].label == "Anxiété"
    assert (rows[-1].value, rows[-1].previous_value, rows[-1].child_ids) == (6, 2, (data.f,))
    assert rows[-2].label == "Motif 07"


def test_a_child_entering_in_june_and_leaving_in_october_counts_in_both_years(session, data):
    """Acceptance check (issue 10): a pathway across the 31 August is followed in both school years,
    its entry counted in the first, its exit in the second, its age band at each year's 31 December."""
    from pre_desktop.models import Child, ChildStatus, Family, Sex

    family = Family(name="Roux", neighbourhood="Les Tilleuls")
    session.add(family)
    g = Child(family=family, last_name="Roux", first_name="Gaspard", sex=Sex.MALE, birth_date=D(2020, 11, 15),
              school_class="GS", entry_date=D(2026, 6, 10), exit_date=D(2026, 10, 5), exit_reason="Objectifs atteints",
              status=ChildStatus.ENDED)
    session.add(g)
    session.commit()
    first, second = dashboard(session, Y), dashboard(session, "2026-2027")
    # 2025-26: A, B, C + G = 4 followed; entries B, C, G = 3; exits B, C = 2 (G leaves in 2026-27).
    assert fig(first, "children_followed") == (4, 2) and fig(first, "new_entries") == (3, 1)
    assert fig(first, "exits") == (2, 1) and g.id in first.figure("new_entries").child_ids
    # 2026-27 (to 22/11/2026): A still followed, E entered on 01/09/2026, G until 05/10/2026 = 3; G's exit.
    assert fig(second, "children_followed") == (3, 4) and fig(second, "new_entries") == (1, 3)
    assert fig(second, "exits") == (1, 2) and second.figure("exits").child_ids == (g.id,)
    # Born 15/11/2020: 5 on 31/12/2025 (2 à 5 ans), 6 on 31/12/2026 (6 à 10 ans).
    assert g.id in first.breakdown("by_age_band").row("2_5").child_ids
    assert g.id in second.breakdown("by_age_band").row("6_10").child_ids



def test_a_past_year_reads_the_class_of_that_year_from_the_trail(session, data):
    """Acceptance check (issue 10): a report on 2025-2026 made in the autumn must not read each
    child one class up. The class is not kept per year; the audit trail holds each change with
    its before value: the class at 31/08/2026 is the one the first change after that day replaced."""
    import datetime as _dt

    from sqlalchemy import select as _select, update as _update

    from pre_desktop.models import AuditAction, AuditEvent, Child
    from pre_desktop.services.pseudonymised import pseudonymised_rows

    def retype(child_id: int, new_class: str, at: _dt.datetime) -> None:
        session.get(Child, child_id).school_class = new_class
        session.flush()
        last = session.scalars(_select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
        assert last.action == AuditAction.UPDATE and "school_class" in last.changes
        session.execute(_update(AuditEvent).where(AuditEvent.id == last.id).values(at=at))

    retype(data.a, "CE1", _dt.datetime(2026, 9, 3, 9))   # rentrée 2026: CP → CE1 (same level)
    retype(data.b, "5e SEGPA", _dt.datetime(2026, 3, 1, 9))  # during 2025-26: 5e → 5e SEGPA, kept
    retype(data.a, "CM1", _dt.datetime(2026, 10, 1, 9))  # a later change: the first one after the end counts
    retype(data.b, "4e", _dt.datetime(2026, 9, 2, 8))   # B left in March; a class typed later is not that year's
    session.commit()
    # Before the fix, A's « CM1 » and B's « 4e » were read; now CP (A, first change after 31/08/2026) and
    # « 5e SEGPA » (B): the same levels, so the counts stay, and the pseudonymised rows say so too.
    board = dashboard(session, Y)
    assert rows(board, "by_school_level") == {"Maternelle": (1, 0), "Élémentaire": (1, 1), "Collège": (1, 0),
                                              "Lycée": (0, 1)}
    # Crossing a level: Alice moved on file to 6e (typed in November 2026) still counts in élémentaire
    # for 2025-26 and 2024-25 — and in 2026-27, read from today's file, in collège.
    retype(data.a, "6e", _dt.datetime(2026, 11, 2, 9))
    session.commit()
    board = dashboard(session, Y)
    assert board.breakdown("by_school_level").row("elementaire").child_ids == (data.a,)
    assert rows(board, "by_school_level")["Élémentaire"] == (1, 1)
    current = dashboard(session, "2026-2027")
    assert current.breakdown("by_school_level").row("college").child_ids == (data.a,)
    alice = [r for r in pseudonymised_rows(session, Y).rows if r.birth_year == 2019]
    assert [r.school_level for r in alice] == ["Élémentaire"]
    assert "31/08/2026" in board.breakdown("by_school_level").definition
