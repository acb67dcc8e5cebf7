"""A realistic, fictitious data set for demonstrations, training and manual tests.

Everything is invented: the town (Ville-Exemple), the people, the partners, the phone
numbers (the 06 39 98 and 01 99 00 ranges reserved for fiction) and the e-mail addresses
(example.fr). Dates are computed from ``today`` so the data always looks current, and the
same seed and today give exactly the same records.

The records are written with the ORM directly (about a second for the whole set), but
each one respects the rules the services enforce:

* the family's agreement is recorded before any fiche de liaison (rule 7);
* every pathway comes from an EPS decision, and the few actions taken outside a
  commission have no ``eps_decision_id`` and sit on the next agenda (rule 8);
* each fiche de liaison lies under a convention in force on the day it was requested,
  requested ≤ sent ≤ answered ≤ first appointment ≤ sessions ≤ today (rules 2 and 3);
* only present sessions after the 20th held, in-quota one are "hors quota", and they carry
  the relay funding note, as does their fiche (rule 1).
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import (
    AgendaReason,
    BeneficiaryKind,
    BillingPeriod,
    CareReferral,
    CareReferralSending,
    CareReferralState,
    CareSession,
    Child,
    ChildStatus,
    Consent,
    Convention,
    ConventionStatus,
    EpsDecision,
    EpsDecisionKind,
    EpsMeeting,
    EpsMember,
    EpsSituation,
    Family,
    Guardian,
    MonthlyAnswer,
    Partner,
    PartnerContact,
    PartnerType,
    Pathway,
    PathwayAction,
    Referral,
    Role,
    SessionKind,
    SessionStatus,
    Sex,
    StructureSettings,
    User,
)
from .services import clock
from .services.auth import hash_password
from .services.conventions import end_of_term
from .services.reference_data import ensure_partner_types
from .textnorm import fold

TOWN = "Ville-Exemple"
# One account per role; the README gives them so that the first command opens a usable app.
DEMO_PASSWORDS = {Role.COORDINATOR: "Demo-Pilotage-2026", Role.REFERENT: "Demo-Parcours-2026",
                  Role.SECRETARIAT: "Demo-Accueil-2026"}
DEMO_ACCOUNTS = [("s.marchand", Role.COORDINATOR), ("c.roche", Role.REFERENT), ("n.ferreira", Role.SECRETARIAT)]
POSTAL_CODE = "99100"
QUOTA = 20
SESSIONS_AIM = (1420, 1580)
RELAY_NOTE = ("Quota PRE de 20 entretiens atteint : relais de financement vers le dispositif "
              "« Mon soutien psy » (Assurance maladie), accord de la famille recueilli.")

# --------------------------------------------------------------------------------------
# Reference lists (all fictitious)
# --------------------------------------------------------------------------------------

# origin group -> (family names, girls' first names, boys' first names, languages)
GROUPS: dict[str, tuple[list[str], list[str], list[str], list[str]]] = {
    "fr": (
        ["Martin", "Bernard", "Dubois", "Petit", "Moreau", "Lefèvre", "Girard", "Rousseau",
         "Lambert", "Fontaine", "Mercier", "Gauthier", "Bonnet", "Leroy", "Roux", "Garnier",
         "Lemoine", "Chevalier", "Faure", "Hébert", "Ménard", "Léger", "Clément", "Noël",
         "Carré", "Benoît", "Lévêque", "Bérard", "Perrin", "Marchal", "Aubry", "Cordier",
         "Joly", "Brunet", "Guérin", "Barbier"],
        ["Éloïse", "Zoé", "Léa", "Chloé", "Jade", "Louise", "Emma", "Ambre", "Anaïs", "Maëlys",
         "Manon", "Clémence", "Océane", "Héloïse", "Mathilde", "Rose", "Juliette", "Lou"],
        ["Maël", "Noé", "Gabriel", "Raphaël", "Léo", "Louis", "Hugo", "Jules", "Théo", "Timothé",
         "Éthan", "Lucas", "Nathan", "Enzo", "Loïc", "Aurélien", "Mathéo", "Célestin"],
        [],
    ),
    "maghreb": (
        ["Benali", "Belkacem", "Haddad", "Bouzid", "Mansouri", "El Amrani", "Aït-Ali", "Ben Ahmed",
         "Cherif", "Boukhari", "Zerrouki", "Hamidi", "Saïdi", "Meziane"],
        ["Inès", "Aïcha", "Yasmine", "Lina", "Nour", "Hiba", "Sarah", "Amira", "Maïssa", "Rania",
         "Salma", "Israë"],
        ["Adam", "Mohamed", "Ismaël", "Yanis", "Rayan", "Ilyès", "Bilal", "Mehdi", "Amine",
         "Sami", "Anis", "Wassim", "Naïm"],
        ["arabe, français", "arabe", "kabyle, français", "arabe, français"],
    ),
    "west_africa": (
        ["Diallo", "Traoré", "Koné", "Mendy", "Camara", "Cissé", "Ndiaye", "N'Diaye", "Sow",
         "Bamba", "Keïta", "Coulibaly", "Touré"],
        ["Aïcha", "Fatoumata", "Aminata", "Mariam", "Awa", "Kadiatou", "Binta", "Coumba",
         "Néné", "Assa"],
        ["Moussa", "Mamadou", "Ibrahim", "Ousmane", "Souleymane", "Boubacar", "Issa",
         "Seydou", "Amadou", "Lamine"],
        ["soninké, français", "bambara, français", "wolof, français", "peul", "soninké"],
    ),
    "asia": (
        ["Nguyen", "Tran", "Pham", "Le Van", "Zhang", "Chen", "Wang"],
        ["Anh", "Linh", "Mai", "Thu", "Lan", "Mei", "Jia"],
        ["Minh", "Bao", "Duc", "Khang", "Hao", "Wei", "Jun"],
        ["vietnamien, français", "vietnamien", "mandarin", "mandarin, français"],
    ),
    "lusophone": (
        ["Da Silva", "Pereira", "Ferreira", "Rodrigues", "Gomes", "Gonçalves", "Fernandes"],
        ["Ana", "Beatriz", "Inês", "Matilde", "Leonor", "Letícia"],
        ["Tiago", "Rafael", "João", "Diogo", "Gonçalo", "Rodrigo"],
        ["portugais, français", "portugais", "portugais (Brésil)"],
    ),
    "east_europe": (
        ["Kovač", "Popescu", "Petrović", "Hoxha", "Nowak", "Ionescu", "Horvat"],
        ["Iva", "Ioana", "Ana-Maria", "Jelena", "Zofia", "Elira"],
        ["Luka", "Marko", "Andrei", "Stefan", "Arben", "Mateusz"],
        ["croate", "roumain, français", "serbe", "albanais", "polonais"],
    ),
    "turkish": (
        ["Yılmaz", "Öztürk", "Kaya", "Demir", "Şahin", "Çelik"],
        ["Elif", "Zeynep", "Ecrin", "Defne", "Ayşe"],
        ["Emir", "Yusuf", "Mert", "Kerem", "Ömer"],
        ["turc, français", "turc", "kurde, turc"],
    ),
    "south_asia": (
        ["Selvarajah", "Rahman", "Hossain", "Sivakumar"],
        ["Priya", "Anjali", "Nusrat", "Tharshika"],
        ["Arjun", "Rayhan", "Thiyagu", "Karthik"],
        ["tamoul", "tamoul, français", "bengali", "bengali, français"],
    ),
}
GROUP_WEIGHTS = {"fr": 40, "maghreb": 20, "west_africa": 14, "asia": 6, "lusophone": 7,
                 "east_europe": 6, "turkish": 4, "south_asia": 3}

ADULT_FEMALE = ["Sophie", "Nathalie", "Fatima", "Samira", "Mariama", "Céline", "Aurélie",
                "Sandrine", "Hanane", "Thi Hoa", "Maria", "Ana", "Gülsen", "Karima", "Sylvie",
                "Émilie", "Oumou", "Khadija", "Delphine", "Stéphanie"]
ADULT_MALE = ["Karim", "Mamadou", "Nicolas", "Stéphane", "Mohamed", "Sébastien", "Rachid",
              "Paulo", "Hakan", "Duc Minh", "Frédéric", "Jérôme", "Abdoulaye", "Goran", "Yacine",
              "Olivier", "Cédric", "Hervé"]

NEIGHBOURHOODS = {
    "Centre-ville": (["rue de la République", "place du Marché", "rue Jean-Jaurès", "rue des Écoles"],
                     "École maternelle Pauline-Kergomard", "École élémentaire Jean-Jaurès", "Collège Jean-Moulin"),
    "Les Tilleuls": (["allée des Tilleuls", "rue Émile-Zola", "résidence Les Tilleuls, bât. B"],
                     "École maternelle Pauline-Kergomard", "École élémentaire Louise-Michel", "Collège Jean-Moulin"),
    "La Source": (["avenue de la Source", "rue du Lavoir", "square des Fontaines"],
                  "École maternelle Les Coquelicots", "École élémentaire Jules-Ferry", "Collège Jean-Moulin"),
    "Bel-Air": (["résidence Bel-Air, bât. C", "rue Victor-Hugo", "chemin des Vignes"],
                "École maternelle Les Coquelicots", "École élémentaire Victor-Hugo", "Collège Simone-Veil"),
    "Les Peupliers": (["allée des Peupliers", "rue Olympe-de-Gouges", "rue Aimé-Césaire"],
                      "École maternelle Les Coquelicots", "École élémentaire Victor-Hugo", "Collège Simone-Veil"),
}
NEIGHBOURHOOD_WEIGHTS = [15, 25, 20, 25, 15]

# (class label, weight); index 0 = PS (3 years in the year it starts)
CLASSES = [("PS", 2), ("MS", 3), ("GS", 4), ("CP", 9), ("CE1", 10), ("CE2", 10), ("CM1", 10),
           ("CM2", 10), ("6e", 11), ("5e", 10), ("4e", 8), ("3e", 6)]

REFERRAL_SOURCES = [
    ("école", "enseignant(e)", 30),
    ("école", "directeur(trice) d'école", 15),
    ("collège", "conseiller(ère) principal(e) d'éducation", 12),
    ("service social", "assistante sociale de secteur", 14),
    ("PMI", "puéricultrice", 5),
    ("famille", "mère", 8),
    ("famille", "père", 3),
    ("centre social", "référente famille", 6),
    ("santé scolaire", "médecin scolaire", 4),
    ("CMP", "psychologue", 3),
]
REASONS = ["difficultés scolaires", "anxiété", "troubles du comportement en classe", "absentéisme",
           "isolement, repli sur soi", "difficultés de langage", "conflits familiaux",
           "séparation des parents", "harcèlement scolaire", "troubles du sommeil", "deuil récent",
           "besoin de soutien à la parentalité", "difficultés d'attention", "agitation",
           "manque de confiance en soi", "refus scolaire anxieux", "exposition aux écrans"]
OBJECTIVES = ["Apaiser l'anxiété et restaurer la confiance en soi",
              "Favoriser l'assiduité et l'accrochage scolaire",
              "Soutenir les parents dans leur rôle éducatif",
              "Travailler la gestion des émotions et de la colère",
              "Consolider les apprentissages fondamentaux (lecture, calcul)",
              "Ouvrir l'enfant à des activités culturelles et sportives",
              "Accompagner l'enfant après un événement familial douloureux",
              "Améliorer la communication au sein de la famille"]
OTHER_ACTIONS = [  # (label, type, partner type code or None, min age, max age)
    ("Accompagnement scolaire (CLAS)", "scolarité", None, 6, 16),
    ("Club Coup de pouce lecture", "scolarité", None, 6, 8),
    ("Atelier de sophrologie", "bien-être", None, 5, 16),
    ("Art-thérapie en petit groupe", "bien-être", None, 5, 16),
    ("Inscription au club de judo", "sport", None, 5, 16),
    ("Atelier théâtre", "culture", None, 8, 16),
    ("Accueil à la Maison des adolescents", "santé", "MDA", 11, 16),
    ("Groupe de parole parents (REAAP)", "parentalité", "REAAP", 0, 16),
    ("Accueil parent-enfant au LAEP", "parentalité", "LAEP", 0, 5),
    ("Bilan orthophonique", "santé", None, 3, 10),
]
HORS_EPS_ACTIONS = [("Stage de remise à niveau pendant les vacances", "scolarité"),
                    ("Séjour vacances avec le centre social", "loisirs"),
                    ("Inscription à l'école de musique", "culture"),
                    ("Aide aux devoirs au centre social", "scolarité"),
                    ("Atelier estime de soi", "bien-être")]
FICHE_REASONS = ["Anxiété importante en classe, pleurs le matin", "Difficultés relationnelles et agitation",
                 "Repli sur soi depuis la séparation des parents", "Troubles du sommeil, cauchemars",
                 "Difficultés à gérer la colère, conflits avec les pairs", "Deuil d'un grand-parent",
                 "Refus scolaire anxieux débutant", "Faible estime de soi, mise en échec scolaire"]
END_REASONS_FICHE = ["Objectifs atteints, fin de prise en charge", "Arrêt à la demande de la famille",
                     "Amélioration nette, fin d'un commun accord", "Relais vers le CMP enfants"]
END_REASONS_PATHWAY = ["Objectifs atteints", "Déménagement de la famille", "Entrée au lycée : relais vers le droit commun",
                       "Situation apaisée, fin d'un commun accord", "Relais vers l'aide sociale à l'enfance"]
MEMBERS = [("Mme Sophie Durand", "directrice d'école", "École élémentaire Jean-Jaurès"),
           ("M. Thomas Lenoir", "enseignant", "École élémentaire Louise-Michel"),
           ("Mme Karima Ouali", "assistante sociale", "Service social départemental"),
           ("Mme Hélène Vidal", "psychologue de l'Éducation nationale", "Éducation nationale"),
           ("Dr Patrick Morel", "médecin scolaire", "Santé scolaire"),
           ("M. Julien Caron", "conseiller principal d'éducation", "Collège Jean-Moulin"),
           ("Mme Aminata Sy", "conseillère principale d'éducation", "Collège Simone-Veil"),
           ("Mme Claire Besson", "infirmière scolaire", "Collège Simone-Veil"),
           ("Mme Laure Fabre", "éducatrice spécialisée", "Prévention spécialisée")]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text).split(",")[0]).strip("-")[:40]


# --------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------

def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def school_year_start(day: dt.date) -> dt.date:
    return dt.date(day.year if day.month >= 9 else day.year - 1, 9, 1)


def _second_tuesday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(1 - first.weekday()) % 7 + 7)


def _next_workday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _prev_workday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


# --------------------------------------------------------------------------------------
# Plans (plain Python, written to the database at the end)
# --------------------------------------------------------------------------------------

@dataclass
class _Conv:
    obj: Convention
    partner: Partner
    start: dt.date
    end: dt.date
    weight: int
    expired: bool = False


@dataclass
class _Fiche:
    conv: _Conv
    requested_on: dt.date
    kind: BeneficiaryKind = BeneficiaryKind.CHILD
    decision_key: Optional[int] = None  # index of the child's decision (None: hors EPS)
    state: CareReferralState = CareReferralState.DRAFT
    sent_on: Optional[dt.date] = None
    answered_on: Optional[dt.date] = None
    first_appointment_on: Optional[dt.date] = None
    ended_on: Optional[dt.date] = None
    end_reason: Optional[str] = None
    relay_note: Optional[str] = None
    reason: str = ""
    # (date, kind, status, hors_quota)
    sessions: list[tuple[dt.date, SessionKind, SessionStatus, bool]] = field(default_factory=list)


@dataclass
class _Decision:
    meeting: int
    kind: EpsDecisionKind
    previous: str
    situation_reason: AgendaReason = AgendaReason.NEW_REFERRAL
    postponed_to: Optional[dt.date] = None
    reoriented_to: Optional[str] = None
    reason: Optional[str] = None
    links_pathway: bool = False


@dataclass
class _Kid:
    obj: Child
    family_index: int
    referral_on: dt.date
    age_years: int
    decisions: list[_Decision] = field(default_factory=list)
    pathway_start: Optional[dt.date] = None
    pathway_end: Optional[dt.date] = None
    pathway_end_reason: Optional[str] = None
    review_date: Optional[dt.date] = None
    objectives: str = ""
    actions: list[dict] = field(default_factory=list)
    fiches: list[_Fiche] = field(default_factory=list)
    planned_agenda: Optional[AgendaReason] = None
    planned_meeting: Optional[int] = None
    accept_key: Optional[int] = None


class _Builder:
    def __init__(self, session: Session, today: dt.date, seed: int) -> None:
        self.s = session
        self.today = today
        self.seed = seed
        self.rng = random.Random(seed)
        self.cur_start = school_year_start(today)
        self.prev_start = dt.date(self.cur_start.year - 1, 9, 1)
        # Referrals run over about fifteen months: from the summer before the previous
        # school year when today is early in the current one, later otherwise.
        self.early = max(self.prev_start - dt.timedelta(days=45), today - dt.timedelta(days=470))
        self._phones: set[str] = set()
        self.intensity = 1.0  # scales the sessions held per fiche (see plan_care)

    # ---- small helpers -----------------------------------------------------------------

    def phone(self, mobile: bool = True) -> str:
        prefix = "06 39 98" if mobile else "01 99 00"
        while True:
            number = f"{prefix} {self.rng.randint(0, 99):02d} {self.rng.randint(0, 99):02d}"
            if number not in self._phones:
                self._phones.add(number)
                return number

    @staticmethod
    def email(first: str, last: str, domain: str = "example.fr") -> str:
        local = fold(f"{first}.{last}").replace(" ", "-").replace("'", "")
        return f"{local}@{domain}"

    def days(self, lo: int, hi: int) -> dt.timedelta:
        return dt.timedelta(days=self.rng.randint(lo, hi))

    # ---- structure, users, partners, conventions ---------------------------------------

    def structure(self) -> None:
        s = self.s
        logins = {"c.roche": ("Camille", "Roche", Role.REFERENT),
                  "m.saidi": ("Mehdi", "Saïdi", Role.REFERENT),
                  "l.vasseur": ("Laure", "Vasseur", Role.REFERENT),
                  "s.marchand": ("Sylvie", "Marchand", Role.COORDINATOR),
                  "n.ferreira": ("Nadia", "Ferreira", Role.SECRETARIAT)}
        existing = {u.login: u for u in s.scalars(select(User).where(User.login.in_(list(logins))))}
        self.users: list[User] = []
        hashes = {role: hash_password(password) for role, password in DEMO_PASSWORDS.items()}
        for login, (first, last, role) in logins.items():
            # The secretary's phone is fixed: drawing it would shift every random choice after it.
            phone = "01 99 00 10 01" if role is Role.SECRETARIAT else self.phone()
            user = existing.get(login) or User(login=login, first_name=first, last_name=last, role=role,
                                               phone=phone, email=self.email(first, last))
            user.password_hash = hashes[role]
            self.users.append(user)
        s.add_all(self.users)
        self.referents = self.users[:3]
        self.coordinator = self.users[3]
        self.secretary = self.users[4]
        # The demo's records read as the coordinator's work in each file's history ("Par"),
        # as they would in a real database (build_demo restores the caller's attribution).
        s.flush()
        s.info["user_id"] = self.coordinator.id

        settings = s.scalars(select(StructureSettings).order_by(StructureSettings.id)).first()
        if settings is None:
            settings = StructureSettings()
            s.add(settings)
        settings.pre_name = f"PRE de {TOWN}"
        settings.legal_carrier_kind = "Caisse des écoles"
        settings.legal_carrier_name = f"Caisse des écoles de {TOWN}"
        settings.address = "Hôtel de ville, 1 place de la Mairie"
        settings.postal_code = POSTAL_CODE
        settings.town = TOWN
        settings.legal_representative = "Le Président"
        settings.legal_representative_title = f"Président de la Caisse des écoles de {TOWN}"
        settings.coordinator_name = self.coordinator.full_name
        settings.phone = "01 99 00 10 00"
        settings.email = "pre@example.fr"
        settings.administrative_court = f"Tribunal administratif de {TOWN}"

        ensure_partner_types(s)
        types = {t.code: t for t in s.scalars(select(PartnerType))}
        specs = [  # name, type, address, contacts [(name, function)]
            ("CMP enfants et adolescents de Ville-Exemple", "CMP_ENF", "4 rue Pasteur",
             [("Dr Anne Leclerc", "pédopsychiatre, médecin responsable"), ("Secrétariat", "accueil")]),
            ("CMPP Françoise-Dolto", "CMPP", "18 avenue de la Source",
             [("Dr Marc Delorme", "médecin directeur"), ("Mme Julie Perret", "secrétaire")]),
            ("Association Parenthèse, psychologues", "ASSO_PSY", "7 rue des Écoles",
             [("Mme Isabelle Nguyen-Roy", "psychologue clinicienne, coordinatrice"), ("M. Rémi Santos", "psychologue")]),
            ("Association Écoute et Grandir", "ASSO_PSY", "25 rue Émile-Zola",
             [("Mme Nadia Kaci", "psychologue, présidente")]),
            ("Mme Hélène Roussel, psychologue", "PSY_LIB", "3 place du Marché",
             [("Mme Hélène Roussel", "psychologue clinicienne")]),
            ("M. Yanis Haddou, psychologue", "PSY_LIB", "11 rue Victor-Hugo",
             [("M. Yanis Haddou", "psychologue, thérapie familiale")]),
            ("Maison des adolescents du Val-Exemple", "MDA", "2 boulevard de l'Europe",
             [("Mme Chantal Breton", "coordinatrice"), ("Accueil", "accueil jeunes et parents")]),
            ("PAEJ L'Escale", "PAEJ", "9 rue Olympe-de-Gouges", [("M. Farid Lounes", "éducateur, responsable")]),
            ("CATTP Les Lucioles", "CATTP_ENF", "4 rue Pasteur", [("Mme Odile Masson", "cadre de santé")]),
            ("LAEP La Maison des Petits Pas", "LAEP", "square des Fontaines", [("Mme Léna Ribeiro", "accueillante")]),
            ("Espace santé jeunes de Ville-Exemple", "ESJ", "14 rue de la République",
             [("Mme Coralie Duval", "infirmière, coordinatrice")]),
            ("REAAP Ville-Exemple, réseau des parents", "REAAP", "centre social La Source",
             [("M. Bruno Lemaire", "animateur du réseau")]),
        ]
        self.partners: list[Partner] = []
        self.partner_by_type: dict[str, list[Partner]] = {}
        for name, code, address, contacts in specs:
            partner = Partner(name=name, type=types[code], address=address, postal_code=POSTAL_CODE, town=TOWN,
                              phone=self.phone(mobile=False), email=f"{_slug(name)}@example.fr",
                              sector=f"{TOWN} et communes voisines", active=True)
            if code == "CATTP_ENF":
                partner.notes = "Accueil uniquement sur orientation du CMP (médecin psychiatre) : le PRE ne peut pas y orienter directement."
            for cname, function in contacts:
                first_last = cname.split(" ", 1)[-1].split(" ")
                partner.contacts.append(PartnerContact(
                    name=cname, function=function, phone=self.phone(mobile=cname.startswith("M")),
                    email=self.email(first_last[0], first_last[-1]) if len(first_last) > 1 else partner.email))
            self.partners.append(partner)
            self.partner_by_type.setdefault(code, []).append(partner)
        s.add_all(self.partners)

        t = self.today
        c1_start = add_months(dt.date(self.early.year, self.early.month, 1), -1)
        c2_end = t + dt.timedelta(days=40)
        c2_start = add_months(c2_end + dt.timedelta(days=1), -12)
        base = add_months(t + dt.timedelta(days=75), -12)
        c3_start = add_months(dt.date(base.year, base.month, 1), 1)
        p = self.partner_by_type
        plans = [  # partner, start, tariffs, weight, expired, psychologist, funder (the annual report sums by it)
            (p["ASSO_PSY"][1], c1_start, ("45.00", "50.00", "60.00"), 4, True, "Mme Nadia Kaci", "Ville"),
            (p["CMPP"][0], c2_start, ("45.00", "45.00", "50.00"), 3, False, "Mme Julie Perret", "ARS"),
            (p["ASSO_PSY"][0], c3_start, ("45.00", "50.00", "60.00"), 4, False, "Mme Isabelle Nguyen-Roy",
             "Cité éducative"),
            (p["PSY_LIB"][0], add_months(c3_start, 1), ("50.00", "50.00", "60.00"), 2, False, "Mme Hélène Roussel",
             "Ville"),
            (p["PSY_LIB"][1], add_months(c3_start, 2), ("50.00", "55.00", "60.00"), 2, False, "M. Yanis Haddou",
             "CAF"),
        ]
        self.convs: list[_Conv] = []
        for number, (partner, start, tariffs, weight, expired, psy, funder) in enumerate(plans, start=1):
            end = end_of_term(start, 12)
            conv = Convention(
                partner=partner, reference=f"PRE-{start.year}-{number:02d}",
                signed_on=start - self.days(5, 15), start_date=start, duration_months=12, end_date=end,
                session_quota=QUOTA, quota_warning_threshold=15, first_appointment_delay_days=30,
                tariff_individual=Decimal(tariffs[0]), tariff_parents=Decimal(tariffs[1]),
                tariff_family=Decimal(tariffs[2]), billing_period=BillingPeriod.QUARTERLY,
                psychologist_name=psy, funder=funder, signatory_pre=f"Le Président de la Caisse des écoles de {TOWN}",
                signatory_partner=partner.contacts[0].name,
                status=ConventionStatus.EXPIRED if expired else ConventionStatus.SIGNED,
                notes="Convention non renouvelée : l'association a cessé ses consultations." if expired else None,
            )
            self.convs.append(_Conv(conv, partner, start, end, weight, expired))
        s.add_all([c.obj for c in self.convs])
        s.flush()

    # ---- families, children, referrals -------------------------------------------------

    def families(self) -> None:
        rng = self.rng
        groups = list(GROUP_WEIGHTS)
        used: set[str] = set()
        sizes = [1] * 60 + [2] * 30 + [3] * 10
        rng.shuffle(sizes)
        self.family_objs: list[Family] = []
        self.family_group: list[str] = []
        self.kids: list[_Kid] = []
        hoods = list(NEIGHBOURHOODS)
        t = self.today
        # The last EPS held before today: children referred after it are still waiting.
        self.meetings = self._meeting_dates()
        past = [d for d in self.meetings if d <= t]
        self.last_past = past[-1]
        waiting_from = min(self.last_past - dt.timedelta(days=6), t - dt.timedelta(days=1))
        early = self.early
        span = (waiting_from - dt.timedelta(days=1) - early).days
        no_consent = set(rng.sample([i for i, n in enumerate(sizes) if n <= 2], 6))
        self.no_consent = no_consent
        interpreters = 0
        for index, size in enumerate(sizes):
            group = rng.choices(groups, weights=[GROUP_WEIGHTS[g] for g in groups])[0]
            names = [n for n in GROUPS[group][0] if n not in used] or GROUPS[group][0]
            last = rng.choice(names)
            used.add(last)
            hood = rng.choices(hoods, weights=NEIGHBOURHOOD_WEIGHTS)[0]
            streets, maternelle, elementaire, college = NEIGHBOURHOODS[hood]
            languages = None
            interpreter = False
            if group != "fr" and rng.random() < 0.6:
                languages = rng.choice(GROUPS[group][3])
                if "français" not in languages and interpreters < 5 and rng.random() < 0.6:
                    interpreter = True
                    interpreters += 1
            family = Family(name=last, address=f"{rng.randint(1, 80)} {rng.choice(streets)}", postal_code=POSTAL_CODE,
                            town=TOWN, neighbourhood=hood, languages=languages, interpreter_needed=interpreter)
            # guardians
            mother_first = rng.choice(ADULT_FEMALE)
            father_first = rng.choice(ADULT_MALE)
            two = rng.random() < 0.6
            guardians = []
            mother = Guardian(last_name=last, first_name=mother_first, relationship_label="mère",
                              phone=self.phone(), email=self.email(mother_first, last) if rng.random() < 0.7 else None,
                              birth_date=dt.date(t.year - rng.randint(28, 48), rng.randint(1, 12), rng.randint(1, 28)))
            if two or rng.random() < 0.85:
                guardians.append(mother)
            if two or not guardians:
                father = Guardian(last_name=last, first_name=father_first, relationship_label="père",
                                  phone=self.phone(), email=self.email(father_first, last) if rng.random() < 0.5 else None,
                                  birth_date=dt.date(t.year - rng.randint(30, 52), rng.randint(1, 12), rng.randint(1, 28)))
                guardians.append(father)
            if not two and rng.random() < 0.1:
                guardians.append(Guardian(last_name=rng.choice(GROUPS["fr"][0]), first_name=rng.choice(ADULT_FEMALE),
                                                 relationship_label="grand-mère", phone=self.phone(), is_legal_guardian=False))
            family.guardians.extend(guardians)
            family.phone = guardians[0].phone
            self.family_objs.append(family)
            self.family_group.append(group)

            referent = self.referents[index % 3]
            if index in no_consent or rng.random() < 0.05:
                base_referral = waiting_from + self.days(0, max(0, (t - waiting_from).days - 1))
            else:
                base_referral = early + self.days(0, span)
            taken_first: set[str] = set()
            for k in range(size):
                referral_on = base_referral
                if k and rng.random() < 0.4 and index not in no_consent:
                    referral_on = min(base_referral + self.days(20, 150), t - dt.timedelta(days=1))
                level = rng.choices(range(len(CLASSES)), weights=[w for _, w in CLASSES])[0]
                sex = rng.choice([Sex.FEMALE, Sex.MALE])
                girls, boys = GROUPS[group][1], GROUPS[group][2]
                pool = (girls if sex is Sex.FEMALE else boys) if rng.random() < 0.75 else \
                    (GROUPS["fr"][1] if sex is Sex.FEMALE else GROUPS["fr"][2])
                first = rng.choice([n for n in pool if n not in taken_first] or pool)
                taken_first.add(first)
                behind = 1 if level >= 3 and rng.random() < 0.08 else 0
                birth_year = self.cur_start.year - 3 - level - behind
                birth = dt.date(birth_year, rng.randint(1, 12), rng.randint(1, 28))
                label = CLASSES[level][0]
                school = maternelle if level <= 2 else elementaire if level <= 7 else college
                child = Child(family=family, last_name=last, first_name=first, sex=sex, birth_date=birth,
                              school=school, school_class=label, referent=referent, status=ChildStatus.REFERRED)
                source, function, _ = rng.choices(REFERRAL_SOURCES, weights=[w for *_, w in REFERRAL_SOURCES])[0]
                if source == "famille":
                    g = family.guardians[0]
                    referrer = f"{g.first_name} {g.last_name}"
                    function = g.relationship_label or function
                elif source in ("école", "collège"):
                    referrer = f"{rng.choice(['Mme', 'M.'])} {rng.choice(GROUPS['fr'][0])}"
                    function = f"{function}, {school}" if source == "école" else f"{function}, {college}"
                else:
                    referrer = f"{rng.choice(['Mme', 'M.'])} {rng.choice(GROUPS['fr'][0])}"
                reasons = ", ".join(rng.sample(REASONS, rng.randint(1, 3)))
                child.referrals.append(Referral(referred_on=referral_on, source=source, referrer_name=referrer,
                                                referrer_function=function, reasons=reasons))
                age = referral_on.year - birth.year
                self.kids.append(_Kid(child, index, referral_on, age))
        # Added and flushed in write(), once their statuses are final (no update in the trail).

    def _meeting_dates(self) -> list[dt.date]:
        dates = []
        month = max(self.prev_start, dt.date(self.early.year, self.early.month, 1))
        planned = 0
        while planned < 2:
            if month.month != 8:
                day = _second_tuesday(month.year, month.month)
                dates.append(day)
                if day > self.today:
                    planned += 1
            month = add_months(month, 1)
        return dates

    # ---- EPS decisions, pathways and fiches --------------------------------------------

    def _meeting_after(self, day: dt.date) -> Optional[int]:
        for i, d in enumerate(self.meetings):
            if d >= day:
                return i
        return None

    def _is_past(self, meeting: int) -> bool:
        return self.meetings[meeting] <= self.today

    def plan_care(self) -> None:
        """Plan decisions, pathways and fiches, aiming at about 1,500 sessions.

        The number of sessions depends on the seed and on where today falls in the school
        year; when it lands far from the aim the plan is made again (from the same random
        state, so still deterministic) with more or fewer sessions per fiche.
        """
        state = self.rng.getstate()
        statuses = [(k.obj.status, k.obj.entry_date, k.obj.exit_date, k.obj.exit_reason) for k in self.kids]
        tried: list[tuple[int, float]] = []
        for attempt in range(6):
            if attempt == 5:  # none in the aim: take the closest
                self.intensity = min(tried)[1]
            self.rng.setstate(state)
            self._fiche_counter = 0
            for kid, (status, entry, exit_date, exit_reason) in zip(self.kids, statuses):
                kid.obj.status, kid.obj.entry_date, kid.obj.exit_date, kid.obj.exit_reason = status, entry, exit_date, exit_reason
                kid.decisions, kid.fiches, kid.actions = [], [], []
                kid.pathway_start = kid.pathway_end = kid.pathway_end_reason = kid.review_date = None
                kid.planned_agenda = kid.planned_meeting = kid.accept_key = None
                kid.objectives = ""
            self.pathways()
            total = sum(len(f.sessions) for k in self.kids for f in k.fiches)
            if SESSIONS_AIM[0] <= total <= SESSIONS_AIM[1] or attempt == 5:
                break
            tried.append((abs(total - sum(SESSIONS_AIM) // 2), self.intensity))
            self.intensity = max(0.6, min(1.5, self.intensity * sum(SESSIONS_AIM) / 2 / total))

    def pathways(self) -> None:
        rng = self.rng
        examined = []
        for kid in self.kids:
            m = self._meeting_after(kid.referral_on + dt.timedelta(days=7))
            if m is None or not self._is_past(m) or kid.family_index in self.no_consent:
                if m is not None and rng.random() < 0.7:
                    kid.planned_agenda, kid.planned_meeting = AgendaReason.NEW_REFERRAL, m
                continue
            examined.append((kid, m))
        order = list(range(len(examined)))
        rng.shuffle(order)
        first_kind: dict[int, EpsDecisionKind] = {}
        for rank, i in enumerate(order):
            first_kind[i] = (EpsDecisionKind.POSTPONE if rank < 5 else EpsDecisionKind.REFUSE if rank < 9
                             else EpsDecisionKind.REORIENT if rank < 14 else EpsDecisionKind.ACCEPT)
        self.accepted: list[_Kid] = []
        for i, (kid, m) in enumerate(examined):
            kind = first_kind[i]
            child = kid.obj
            if kind is EpsDecisionKind.POSTPONE:
                nxt = m + 1
                kid.decisions.append(_Decision(m, kind, ChildStatus.REFERRED.value, postponed_to=self.meetings[nxt],
                                               reason="Bilan de la psychologue scolaire attendu avant décision."))
                if not self._is_past(nxt):
                    kid.planned_agenda, kid.planned_meeting = AgendaReason.NEW_REFERRAL, nxt
                    continue
                m = nxt
                kind = EpsDecisionKind.ACCEPT
            day = self.meetings[m]
            if kind is EpsDecisionKind.REFUSE:
                kid.decisions.append(_Decision(m, kind, ChildStatus.REFERRED.value,
                                               reason="Situation ne relevant pas du PRE : accompagnement éducatif déjà en place (AEMO)."))
                child.status, child.exit_date = ChildStatus.REORIENTED, day
                child.exit_reason = "Refus de l'EPS : accompagnement déjà en place"
                continue
            if kind is EpsDecisionKind.REORIENT:
                target = rng.choice(["CMP enfants et adolescents de Ville-Exemple", "Service social départemental",
                                     "Dispositif de soutien du collège", "Plateforme de coordination et d'orientation (PCO)"])
                kid.decisions.append(_Decision(m, kind, ChildStatus.REFERRED.value, reoriented_to=target,
                                               reason="La situation relève d'un accompagnement spécialisé."))
                child.status, child.exit_date = ChildStatus.REORIENTED, day
                child.exit_reason = f"Réorienté vers : {target}"
                continue
            kid.accept_key = len(kid.decisions)
            kid.decisions.append(_Decision(m, EpsDecisionKind.ACCEPT, ChildStatus.REFERRED.value, links_pathway=True,
                                           reason="Parcours individualisé proposé à la famille, qui l'accepte."))
            child.status, child.entry_date = ChildStatus.ACTIVE, day
            kid.pathway_start = day
            kid.objectives = " ; ".join(rng.sample(OBJECTIVES, rng.randint(1, 3)))
            self.accepted.append(kid)

        # Special fiches first: at quota, beyond quota, and the unanswered one.
        old = [k for k in self.accepted if k.pathway_start <= self.today - dt.timedelta(days=215)]
        at_quota, beyond = rng.sample(old, 2)
        self._special_fiche(at_quota, beyond=False)
        self._special_fiche(beyond, beyond=True)
        mid = [k for k in self.accepted if not k.fiches
               and self.today - dt.timedelta(days=150) <= k.pathway_start <= self.today - dt.timedelta(days=45)]
        overdue = rng.choice(mid)
        r = max(overdue.pathway_start + dt.timedelta(days=2), self.today - self.days(38, 44))
        f = _Fiche(self._conv_at(r, current_only=True), r, decision_key=overdue.accept_key, reason=rng.choice(FICHE_REASONS))
        f.state, f.sent_on = CareReferralState.SENT, r + dt.timedelta(days=1)
        overdue.fiches.append(f)
        specials = {id(at_quota), id(beyond), id(overdue)}

        # Accepted children without a fiche yet, kept for the recent drafts/sent/answered.
        pending = [k for k in self.accepted if id(k) not in specials]
        rng.shuffle(pending)
        recent_pool, normal = pending[:6], pending[6:]
        for kid in normal:
            if rng.random() < 0.05:
                continue  # pathway without soutien psychologique
            r = kid.pathway_start + self.days(2, 21)
            if r > self.today:
                r = self.today
            conv = self._conv_at(r)
            if conv is None:
                continue
            kind = rng.choices([BeneficiaryKind.CHILD, BeneficiaryKind.PARENT, BeneficiaryKind.FAMILY], [90, 4, 6])[0]
            fiche = _Fiche(conv, r, kind=kind, decision_key=kid.accept_key, reason=rng.choice(FICHE_REASONS))
            self._run_fiche(fiche)
            kid.fiches.append(fiche)
            # Parents' interviews decided by the same EPS, at a partner under convention then.
            if kind is BeneficiaryKind.CHILD and rng.random() < 0.06:
                r3 = r + self.days(7, 40)
                conv3 = self._conv_at(r3) if r3 <= self.today else None
                if conv3 is not None:
                    family_work = rng.random() < 0.5
                    parents = _Fiche(conv3, r3, kind=BeneficiaryKind.FAMILY if family_work else BeneficiaryKind.PARENT,
                                     decision_key=kid.accept_key,
                                     reason="Entretiens familiaux pour apaiser les relations" if family_work
                                     else "Entretiens de soutien à la parentalité pour le parent")
                    self._run_fiche(parents)
                    kid.fiches.append(parents)
            # Convention ended under the fiche: relay to a partner still under convention.
            if fiche.end_reason == "Fin de la convention" and rng.random() < 0.75:
                r2 = fiche.ended_on + self.days(7, 25)
                conv2 = self._conv_at(r2, current_only=True) if r2 <= self.today else None
                if conv2 is not None:
                    relay = _Fiche(conv2, r2, decision_key=kid.accept_key, reason="Poursuite du suivi psychologique (relais)")
                    self._run_fiche(relay)
                    kid.fiches.append(relay)
        # Recent fiches in the early states (requested in the last days, all under the delay).
        wanted = [CareReferralState.DRAFT, CareReferralState.DRAFT, CareReferralState.SENT,
                  CareReferralState.SENT, CareReferralState.ANSWERED, CareReferralState.ANSWERED]
        for kid, state in zip(recent_pool, wanted):
            fiche = self._recent_fiche(kid, state)
            if fiche is not None:
                kid.fiches.append(fiche)

        # Ends of pathway, decided by a later EPS once the care is over.
        for kid in normal:
            if any(f.state is not CareReferralState.ENDED for f in kid.fiches):
                continue
            if kid.pathway_start > self.today - dt.timedelta(days=150) or rng.random() < 0.45:
                continue
            after = kid.pathway_start + dt.timedelta(days=120)
            for f in kid.fiches:
                after = max(after, f.ended_on + dt.timedelta(days=5))
            m = self._meeting_after(after)
            if m is None or not self._is_past(m):
                continue
            day = self.meetings[m]
            reason = rng.choice(END_REASONS_PATHWAY)
            kid.decisions.append(_Decision(m, EpsDecisionKind.END, ChildStatus.ACTIVE.value, AgendaReason.REVIEW,
                                           reason=reason, links_pathway=True))
            kid.pathway_end, kid.pathway_end_reason = day, reason
            kid.obj.status, kid.obj.exit_date, kid.obj.exit_reason = ChildStatus.ENDED, day, reason

        # Actions, review dates, hors-EPS additions.
        active = [k for k in self.accepted if k.pathway_end is None]
        overdue_reviews = set(id(k) for k in rng.sample(
            [k for k in active if add_months(k.pathway_start, 6) < self.today - dt.timedelta(days=10)], 5))
        for kid in self.accepted:
            self._actions(kid)
            review = add_months(kid.pathway_start, 6)
            if kid.pathway_end is None and id(kid) not in overdue_reviews:
                while review < self.today:
                    review = add_months(review, 6)
            elif id(kid) in overdue_reviews:
                kid.planned_agenda = AgendaReason.REVIEW
            kid.review_date = review
        hors = rng.sample([k for k in active if k.planned_agenda is None
                           and k.pathway_start < self.today - dt.timedelta(days=60)], 7)
        for n, kid in enumerate(hors):
            start = max(kid.pathway_start + dt.timedelta(days=20), self.today - self.days(5, 40))
            if n < 4:
                label, kind = HORS_EPS_ACTIONS[n]
                kid.actions.append(dict(label=label, action_type=kind, partner=None, decision=None, start=start))
            else:  # a parent's follow-up arranged with the family between two commissions
                conv = self._conv_at(start, current_only=True)
                guardian_fiche = _Fiche(conv, start, kind=BeneficiaryKind.PARENT, decision_key=None,
                                        reason="Soutien du parent, épuisé et inquiet, demandé par la famille")
                self._run_fiche(guardian_fiche)
                kid.fiches.append(guardian_fiche)
                kid.actions.append(dict(label="Soutien psychologique du parent", action_type="soin",
                                        partner=conv.partner, decision=None, start=start))
            kid.planned_agenda = AgendaReason.HORS_EPS
        for kid in self.kids:
            child = kid.obj
            if child.status is ChildStatus.ACTIVE:
                child.last_contact_on = max(child.entry_date, self.today - self.days(0, 30))
            elif child.status is ChildStatus.REFERRED:
                child.last_contact_on = kid.referral_on
            else:
                child.last_contact_on = child.exit_date

    def _conv_at(self, day: dt.date, current_only: bool = False) -> Optional[_Conv]:
        options = [c for c in self.convs if c.start <= day <= c.end
                   and not (c.expired and (current_only or day > c.end - dt.timedelta(days=100)))]
        if not options:
            return None
        return self.rng.choices(options, weights=[c.weight for c in options])[0]

    @staticmethod
    def _session_kind(rng: random.Random, beneficiary: BeneficiaryKind) -> SessionKind:
        x = rng.random()
        if beneficiary is BeneficiaryKind.PARENT:
            return SessionKind.PARENTS
        if beneficiary is BeneficiaryKind.FAMILY:
            return SessionKind.FAMILY if x < 0.8 else SessionKind.PARENTS
        return SessionKind.INDIVIDUAL if x < 0.8 else SessionKind.PARENTS if x < 0.95 else SessionKind.FAMILY

    @staticmethod
    def _status(rng: random.Random) -> SessionStatus:
        x = rng.random()
        return (SessionStatus.PRESENT if x < 0.82 else SessionStatus.EXCUSED if x < 0.9
                else SessionStatus.UNEXCUSED if x < 0.96 else SessionStatus.CANCELLED)

    @staticmethod
    def _answer(rng: random.Random, fiche: _Fiche) -> None:
        fiche.sent_on = fiche.requested_on + dt.timedelta(days=rng.randint(0, 3))
        fiche.answered_on = fiche.sent_on + dt.timedelta(days=rng.randint(3, 12))
        fiche.first_appointment_on = _next_workday(min(fiche.answered_on + dt.timedelta(days=rng.randint(2, 14)),
                                                       fiche.requested_on + dt.timedelta(days=28)))
        if fiche.first_appointment_on < fiche.answered_on:
            fiche.first_appointment_on = fiche.answered_on

    def _run_fiche(self, fiche: _Fiche) -> None:
        """Send, answer and hold sessions until the target, the convention's end or today."""
        # One stream per fiche, so that changing the intensity moves only the sessions.
        self._fiche_counter += 1
        rng = random.Random(f"{self.seed}:{self._fiche_counter}")
        self._answer(rng, fiche)
        if fiche.answered_on > self.today:
            fiche.answered_on = fiche.first_appointment_on = None
            fiche.state = CareReferralState.SENT if fiche.sent_on <= self.today else CareReferralState.DRAFT
            if fiche.state is CareReferralState.DRAFT:
                fiche.sent_on = None
            return
        if fiche.first_appointment_on > self.today:
            fiche.state = CareReferralState.ANSWERED
            return
        target = rng.choices([rng.randint(4, 9), rng.randint(10, 14), rng.randint(15, 19)], [15, 35, 50])[0]
        target = max(3, min(QUOTA - 1, round(target * self.intensity)))
        step = 7 if rng.random() < 0.75 else 14
        limit = self.today
        if fiche.conv.expired:
            limit = min(limit, fiche.conv.end - dt.timedelta(days=rng.randint(0, 12)))
        day, present = fiche.first_appointment_on, 0
        while day <= limit:
            status = SessionStatus.PRESENT if not fiche.sessions else self._status(rng)
            fiche.sessions.append((day, self._session_kind(rng, fiche.kind), status, False))
            present += status is SessionStatus.PRESENT
            if present >= target:
                break
            day = day + dt.timedelta(days=step + rng.randint(-1, 1))
            if day.month == 8 and day.day < 24:
                day = dt.date(day.year, 8, 24)
            day = _next_workday(day)
        last = fiche.sessions[-1][0]
        if present >= target:
            end = last + dt.timedelta(days=rng.randint(0, 10))
            if end <= self.today:
                fiche.state, fiche.ended_on = CareReferralState.ENDED, end
                fiche.end_reason = rng.choice(END_REASONS_FICHE)
                return
        elif fiche.conv.expired and day > limit:
            fiche.state, fiche.ended_on = CareReferralState.ENDED, min(last + dt.timedelta(days=7), fiche.conv.end)
            fiche.end_reason = "Fin de la convention"
            return
        fiche.state = CareReferralState.IN_PROGRESS

    def _special_fiche(self, kid: _Kid, beyond: bool) -> None:
        """Weekly sessions ending a few days ago: exactly 20 held, or 20 + hors quota."""
        rng = self.rng
        count = 28 if beyond else 23
        last = _prev_workday(self.today - dt.timedelta(days=3))
        dates = [last - dt.timedelta(days=7 * i) for i in range(count)][::-1]
        r = dates[0] - dt.timedelta(days=12)
        conv = self._conv_at(r, current_only=True)
        fiche = _Fiche(conv, r, decision_key=kid.accept_key, reason=rng.choice(FICHE_REASONS))
        fiche.sent_on = r + dt.timedelta(days=1)
        fiche.answered_on = r + dt.timedelta(days=6)
        fiche.first_appointment_on = dates[0]
        absent = set(rng.sample(range(2, 18), 3))
        present = 0
        for i, day in enumerate(dates):
            if i in absent:
                status = rng.choice([SessionStatus.EXCUSED, SessionStatus.UNEXCUSED, SessionStatus.CANCELLED])
            else:
                status = SessionStatus.PRESENT
            hors = status is SessionStatus.PRESENT and present >= QUOTA
            present += status is SessionStatus.PRESENT
            kind = SessionKind.PARENTS if i % 6 == 5 else SessionKind.INDIVIDUAL
            fiche.sessions.append((day, kind, status, hors))
        if beyond:
            fiche.relay_note = RELAY_NOTE
        fiche.state = CareReferralState.IN_PROGRESS
        kid.fiches.append(fiche)

    def _recent_fiche(self, kid: _Kid, state: CareReferralState) -> Optional[_Fiche]:
        t = self.today
        if state is CareReferralState.ANSWERED:
            r = t - self.days(12, 18)
        elif state is CareReferralState.SENT:
            r = t - self.days(3, 12)
        else:
            r = t - self.days(0, 8)
        r = max(r, kid.pathway_start)
        conv = self._conv_at(r, current_only=True)
        if conv is None:
            return None
        fiche = _Fiche(conv, r, decision_key=kid.accept_key, reason=self.rng.choice(FICHE_REASONS), state=state)
        if state is not CareReferralState.DRAFT:
            fiche.sent_on = min(r + self.days(0, 2), t)
        if state is CareReferralState.ANSWERED:
            fiche.answered_on = min(fiche.sent_on + self.days(2, 6), t)
            fiche.first_appointment_on = _next_workday(max(t + self.days(1, 6), fiche.answered_on))
        return fiche

    def _actions(self, kid: _Kid) -> None:
        rng = self.rng
        seen: set[int] = set()
        for f in kid.fiches:
            if f.decision_key is None or id(f.conv.partner) in seen:
                continue
            seen.add(id(f.conv.partner))
            label = "Soutien psychologique" if f.kind is BeneficiaryKind.CHILD else \
                "Soutien à la parentalité (entretiens parents)" if f.kind is BeneficiaryKind.PARENT else "Thérapie familiale"
            kid.actions.append(dict(label=label, action_type="soin", partner=f.conv.partner, decision=kid.accept_key,
                                    start=f.requested_on, end=f.ended_on))
        options = [a for a in OTHER_ACTIONS if a[3] <= kid.age_years <= a[4]]
        for label, kind, ptype, *_ in rng.sample(options, min(len(options), rng.randint(0 if kid.fiches else 1, 2))):
            partner = self.partner_by_type[ptype][0] if ptype else None
            kid.actions.append(dict(label=label, action_type=kind, partner=partner, decision=kid.accept_key,
                                    start=kid.pathway_start + self.days(7, 30)))
        for a in kid.actions:
            if a["start"] > self.today:
                a["start"] = self.today

    # ---- writing -----------------------------------------------------------------------

    def write(self) -> dict[str, int]:
        s, rng, t = self.s, self.rng, self.today
        s.add_all(self.family_objs)
        s.add_all([k.obj for k in self.kids])
        s.flush()
        used = {d.meeting for k in self.kids for d in k.decisions}
        meetings: dict[int, EpsMeeting] = {}
        for i, day in enumerate(self.meetings):
            if day <= t and i not in used:
                continue  # no situation examined (summer): no commission held
            m = EpsMeeting(meeting_date=day, place=rng.choice(["Salle du conseil, hôtel de ville",
                                                                "Centre social La Source", "Collège Jean-Moulin, salle polyvalente"]))
            if day <= t:
                m.notes = "Compte rendu diffusé aux membres de l'EPS."
                m.members.append(EpsMember(name=self.coordinator.full_name, function="coordonnatrice PRE", institution=f"PRE de {TOWN}"))
                m.members.append(EpsMember(name=self.referents[i % 3].full_name, function="référent(e) de parcours", institution=f"PRE de {TOWN}"))
                for name, function, institution in rng.sample(MEMBERS, rng.randint(4, 6)):
                    m.members.append(EpsMember(name=name, function=function, institution=institution, present=rng.random() < 0.9))
            else:
                m.notes = "Commission prévue : ordre du jour en préparation."
            meetings[i] = m
        s.add_all(list(meetings.values()))

        pathways: dict[int, Pathway] = {}
        for kid in self.accepted:
            p = Pathway(child_id=kid.obj.id, start_date=kid.pathway_start, review_date=kid.review_date,
                        end_date=kid.pathway_end, end_reason=kid.pathway_end_reason, objectives=kid.objectives)
            pathways[id(kid)] = p
        s.add_all(list(pathways.values()))
        s.flush()

        decisions: dict[tuple[int, int], EpsDecision] = {}
        situations = []
        positions = [0] * len(self.meetings)
        for kid in self.kids:
            for n, d in enumerate(kid.decisions):
                positions[d.meeting] += 1
                situations.append(EpsSituation(meeting_id=meetings[d.meeting].id, child_id=kid.obj.id,
                                               reason=d.situation_reason, position=positions[d.meeting]))
                decisions[(id(kid), n)] = EpsDecision(
                    meeting_id=meetings[d.meeting].id, child_id=kid.obj.id, kind=d.kind,
                    decided_on=self.meetings[d.meeting], postponed_to=d.postponed_to, reoriented_to=d.reoriented_to,
                    reason=d.reason, pathway_id=pathways[id(kid)].id if d.links_pathway else None,
                    previous_child_status=d.previous)
        next_meeting = next(i for i, d in enumerate(self.meetings) if d > t)
        for kid in self.kids:
            if kid.planned_agenda is not None:
                m = next_meeting if kid.planned_meeting is None else kid.planned_meeting
                positions[m] += 1
                situations.append(EpsSituation(meeting_id=meetings[m].id, child_id=kid.obj.id,
                                               reason=kid.planned_agenda, position=positions[m]))
        s.add_all(situations)
        s.add_all(list(decisions.values()))
        s.flush()

        actions = []
        fiches: list[CareReferral] = []
        fiche_plans: list[tuple[_Kid, _Fiche, CareReferral]] = []
        for kid in self.accepted:
            pathway = pathways[id(kid)]
            for a in kid.actions:
                decision = decisions[(id(kid), a["decision"])] if a["decision"] is not None else None
                end = a.get("end") or kid.pathway_end
                actions.append(PathwayAction(pathway_id=pathway.id, label=a["label"], action_type=a["action_type"],
                                             partner_id=a["partner"].id if a["partner"] else None,
                                             eps_decision_id=decision.id if decision else None,
                                             start_date=a["start"], end_date=end))
            for f in kid.fiches:
                family = kid.obj.family
                guardian = family.guardians[0] if f.kind is BeneficiaryKind.PARENT else None
                decision = decisions[(id(kid), f.decision_key)] if f.decision_key is not None else None
                cr = CareReferral(
                    child_id=kid.obj.id, beneficiary_kind=f.kind, guardian_id=guardian.id if guardian else None,
                    partner_id=f.conv.partner.id, convention_id=f.conv.obj.id, referent_id=kid.obj.referent_id,
                    eps_decision_id=decision.id if decision else None, reason=f.reason, requested_on=f.requested_on,
                    state=f.state, sent_on=f.sent_on, sent_how=rng.choice(["courriel sécurisé", "remise en main propre", "courrier"]) if f.sent_on else None,
                    answered_on=f.answered_on, first_appointment_on=f.first_appointment_on,
                    psychologist_name=f.conv.obj.psychologist_name if f.answered_on else None,
                    ended_on=f.ended_on, end_reason=f.end_reason, relay_funding_note=f.relay_note)
                if f.sent_on:
                    cr.sendings.append(CareReferralSending(sent_on=f.sent_on, how=cr.sent_how))
                for day, kind, status, hors in f.sessions:
                    cr.sessions.append(CareSession(session_date=day, kind=kind, status=status, hors_quota=hors,
                                                   relay_funding_note=RELAY_NOTE if hors else None))
                fiches.append(cr)
                fiche_plans.append((kid, f, cr))
        s.add_all(actions)
        s.add_all(fiches)
        s.flush()

        # What each decision did, recorded as the EPS service records it, so a demo
        # decision can be reverted like one entered on screen.
        created_actions: dict[int, list[int]] = {}
        for action in actions:
            if action.eps_decision_id is not None:
                created_actions.setdefault(action.eps_decision_id, []).append(action.id)
        for kid in self.kids:
            for n, d in enumerate(kid.decisions):
                decision = decisions[(id(kid), n)]
                effects: dict = {"created_pathway_id": None, "created_action_ids": [], "regularised_action_ids": [],
                                 "regularised_care_referral_ids": [], "pathway_before": None, "child_before": {}}
                if d.kind is EpsDecisionKind.ACCEPT:
                    effects.update(created_pathway_id=decision.pathway_id,
                                   created_action_ids=created_actions.get(decision.id, []),
                                   child_before={"entry_date": None})
                elif d.kind is EpsDecisionKind.END:
                    effects.update(pathway_before={"end_date": None, "end_reason": None},
                                   child_before={"exit_date": None, "exit_reason": None})
                elif d.kind in (EpsDecisionKind.REFUSE, EpsDecisionKind.REORIENT):
                    effects.update(child_before={"exit_date": None, "exit_reason": None})
                decision.effects = effects
        s.flush()

        # The family's agreement, given before its first fiche (a few families have none yet).
        consents = []
        first_request: dict[int, dt.date] = {}
        for kid, f, _ in fiche_plans:
            fi = kid.family_index
            first_request[fi] = min(first_request.get(fi, f.requested_on), f.requested_on)
        first_referral: dict[int, dt.date] = {}
        for kid in self.kids:
            fi = kid.family_index
            first_referral[fi] = min(first_referral.get(fi, kid.referral_on), kid.referral_on)
        for fi, family in enumerate(self.family_objs):
            if fi in self.no_consent:
                continue
            given = min(first_referral[fi] + self.days(0, 20), t)
            if fi in first_request:
                given = min(given, first_request[fi])
            g = family.guardians[0]
            consents.append(Consent(family_id=family.id, given_on=given, given_by=f"{g.first_name} {g.last_name} ({g.relationship_label})",
                                    scope="Échanges avec l'EPS et transmission des fiches de liaison aux partenaires du parcours",
                                    document_path=None, recorded_by_id=family.children[0].referent_id))
        s.add_all(consents)

        # Monthly answers of last month from the partners that replied.
        month_start = dt.date(t.year, t.month, 1)
        last_month = add_months(month_start, -1)
        month = last_month.strftime("%Y-%m")
        replying = {id(self.convs[2].partner), id(self.convs[3].partner), id(self.convs[1].partner)}
        answers = []
        for kid, f, cr in fiche_plans:
            if id(f.conv.partner) not in replying:
                continue
            in_month = [st for day, _, st, _ in f.sessions if last_month <= day < month_start]
            if not in_month:
                continue
            regular = in_month.count(SessionStatus.UNEXCUSED) == 0
            answers.append(MonthlyAnswer(care_referral_id=cr.id, month=month, comes_regularly=regular,
                                         remark=None if regular else "Absences non excusées ce mois-ci : à évoquer avec la famille."))
        s.add_all(answers)
        s.flush()
        return {
            "children": len(self.kids),
            "families": len(self.family_objs),
            "users": len(self.users),
            "partners": len(self.partners),
            "conventions": len(self.convs),
            "eps_meetings": len(meetings),
            "care_referrals": len(fiches),
            "sessions": sum(len(f.sessions) for f in fiches),
        }


def demo_hint(session: Session) -> Optional[str]:
    """The demo accounts, said on the login of the demonstration base (and only there:
    recognised by its fictitious town and its coordinator's account)."""
    settings = session.scalars(select(StructureSettings).order_by(StructureSettings.id)).first()
    if settings is None or settings.town != TOWN or settings.postal_code != POSTAL_CODE:
        return None
    if session.scalars(select(User.id).where(User.login == DEMO_ACCOUNTS[0][0])).first() is None:
        return None
    roles = {Role.COORDINATOR: "coordination", Role.REFERENT: "référente", Role.SECRETARIAT: "secrétariat"}
    accounts = "\n".join(f"   {login}  /  {DEMO_PASSWORDS[role]}  ({roles[role]})" for login, role in DEMO_ACCOUNTS)
    return f"Base de démonstration (données fictives), comptes :\n{accounts}"


def build_demo(session: Session, today: dt.date | None = None, seed: int = 2026) -> dict[str, int]:
    """Write the demo data set into ``session`` (not committed) and return its counts.

    ``today`` anchors every date (default: the app's today); the same seed and today give
    the same records. Meant for an empty database: partner types are added if missing, the
    structure's settings are overwritten and demo users are reused by login.
    """
    builder = _Builder(session, today or clock.today(), seed)
    caller = session.info.get("user_id")  # structure() attributes what follows to the coordinator
    try:
        builder.structure()
        builder.families()
        builder.plan_care()
        return builder.write()
    finally:
        session.info["user_id"] = caller
