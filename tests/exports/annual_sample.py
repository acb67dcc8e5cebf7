"""A school year's figures written by hand (the shapes services.statistics returns), to
check what the annual report prints without depending on how they are counted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pre_desktop.services.statistics import Breakdown, BreakdownRow, Dashboard, Figure, SchoolYear, Section


def fig(key, label, value, previous, unit="count", detail=""):
    return Figure(key, label, value, previous, unit, f"Définition de « {label} » : comptée ainsi.", detail=detail)


def rows(*items):
    return tuple(BreakdownRow(label, label, value, previous) for label, value, previous in items)


def bd(key, title, items, unit="count", chart="bar", total=None, previous_total=None):
    return Breakdown(key, title, rows(*items), unit, f"Définition de « {title} » : par catégorie.", chart,
                     total, previous_total)


def sample_dashboard(year: int = 2025) -> Dashboard:
    return Dashboard(SchoolYear(year), (
        Section("children", "Enfants suivis", (
            fig("children_followed", "Enfants suivis", 1234, 1100),
            fig("new_entries", "Nouvelles entrées", 87, 95),
            fig("exits", "Sorties", 41, 41)), (
            bd("exit_reasons", "Motifs de sortie", [("Objectifs atteints", 25, 20), ("Déménagement", 9, 12),
                                                    ("Refus de la famille", 7, 9)], chart="pie", total=41,
               previous_total=41),
            bd("by_sex", "Répartition par sexe", [("Filles", 560, 500), ("Garçons", 674, 600)], chart="pie",
               total=1234, previous_total=1100),
            bd("by_age_band", "Tranches d'âge", [("2 à 5 ans", 120, 110), ("6 à 10 ans", 700, 640),
                                                 ("11 à 16 ans", 400, 340), ("17 ans et plus", 14, 10)]),
            bd("by_school_level", "Niveau scolaire", [("Maternelle", 110, 100), ("Élémentaire", 690, 630),
                                                      ("Collège", 380, 330), ("Lycée", 30, 25),
                                                      ("Autre ou non renseigné", 24, 15)]),
            bd("by_neighbourhood", "Quartiers", [("Bel-Air – Grands-Pêchers", 400, 380),
                                                 ("La Noue – Clos-Français", 300, 290),
                                                 ("Bas-Montreuil – République", 250, 200),
                                                 ("Hors quartier prioritaire", 284, 230)]),
        )),
        Section("referrals", "Repérages", (fig("referrals", "Repérages reçus", 150, 162),), (
            bd("referral_sources", "Origine des repérages", [("Éducation nationale", 90, 100),
                                                             ("Service social", 40, 42), ("Famille", 20, 20)],
               chart="pie"),
            bd("referral_reasons", "Motifs de repérage", [("Difficultés scolaires", 70, 75),
                                                          ("Comportement, relations", 50, 55),
                                                          ("Santé, bien-être psychique", 30, 32)]),
        )),
        Section("pathways", "Parcours", (
            fig("pathways_ended", "Parcours terminés", 41, 41),
            fig("pathway_length_mean", "Durée moyenne d'un parcours", 212.5, 190, "days"),
            fig("pathway_length_median", "Durée médiane d'un parcours", 200, None, "days")), ()),
        Section("eps", "Équipe pluridisciplinaire de soutien", (
            fig("eps_meetings", "Commissions EPS tenues", 10, 9),
            fig("eps_decisions", "Décisions", 160, 150)), (
            bd("eps_decisions_by_kind", "Décisions par nature", [("Parcours accepté", 120, 110),
                                                                 ("Orientation", 30, 28), ("Refus", 10, 12)],
               chart=""),
        )),
        Section("orientations", "Orientations vers les partenaires", (
            fig("orientations", "Fiches de liaison envoyées", 64, 58),
            fig("first_appointment_delay_median", "Délai médian jusqu'au premier rendez-vous", 18, 21, "days"),
            fig("first_appointment_within_delay", "Premiers rendez-vous dans le délai", 0.75, 0.7, "percent",
                detail="45 sur 60")), (
            bd("orientations_by_partner_type", "Orientations par type de partenaire",
               [("CMP", 20, 18), ("CMPP", 24, 20), ("Psychologue libéral", 20, 20)]),
            bd("quota_use", "Utilisation du quota de séances", [("Moins de 15 séances", 50, 48),
                                                                 ("Seuil d'alerte atteint", 9, 7),
                                                                 ("Quota atteint", 5, 3)], chart="pie"),
        )),
        Section("sessions", "Séances et montants", (
            fig("sessions_held", "Séances tenues", 812, 790),
            fig("sessions_amount", "Montant des séances facturables", Decimal("36540.00"), Decimal("35100.50"),
                "amount")), (
            bd("attendance_by_partner", "Taux de présence par partenaire",
               [("CMP Montreuil", 0.82, 0.8), ("CMPP Henri-Wallon", 0.755, 0.78)], unit="percent"),
            bd("amounts_by_funder", "Montants par financeur",
               [("Ville", Decimal("20000.00"), Decimal("19000.50")), ("CAF", Decimal("16540.00"),
                                                                       Decimal("16100.00"))],
               unit="amount", chart="bar", total=Decimal("36540.00"), previous_total=Decimal("35100.50")),
        )),
    ), computed_on=dt.date(2026, 11, 22))


def empty_dashboard(year: int = 2030) -> Dashboard:
    """Every figure nil, as a year with no activity (categories are listed when either year has some)."""
    full = sample_dashboard(year)
    sections = []
    for s in full.sections:
        figures = tuple(Figure(f.key, f.label, 0 if f.unit == "count" else None, 0 if f.unit == "count" else None,
                               f.unit, f.definition) for f in s.figures)
        breakdowns = tuple(Breakdown(b.key, b.title, (), b.unit, b.definition, b.chart) for b in s.breakdowns)
        sections.append(Section(s.key, s.title, figures, breakdowns))
    return Dashboard(SchoolYear(year), tuple(sections), computed_on=dt.date(2026, 11, 22))
