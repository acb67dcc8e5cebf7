"""The partnership convention, after the model in the ANCT guide (seed 003).

One list of named fields (``TEMPLATE_FIELDS``) is the single source of what a
convention can say about the structure, the partner and the convention: the
built-in layout is written with those values, a structure's own Word template
uses the same names as ``{{ champ }}`` placeholders, the app's help and the README
list them, and the example template is the built-in layout with the placeholders
left in. A field added here is therefore available everywhere at once.

A template produces Word only: turning an arbitrary .docx into PDF needs a word
processor (LibreOffice), which the app does not require. The PDF then follows the
built-in layout, and the app and the command line say so.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from sqlalchemy.orm import Session

from ..formatting import fr_amount, fr_date
from ..models import BillingPeriod
from ..services.convention_documents import (
    KIND,
    ConventionDocumentData,
    convention_document_data,
    record_convention_document,
)
from ..services.errors import DomainError
from ..services.templates import get_template, save_template
from . import document as d
from .docx_template import fields_in, fill
from .render import atomic_write, render

BLANK_DATE = "…/…/……"
_BILLING = {BillingPeriod.MONTHLY: "mensuelle", BillingPeriod.QUARTERLY: "trimestrielle",
            BillingPeriod.YEARLY: "annuelle"}


def _join(*parts: Optional[str], sep: str = " ") -> str:
    return sep.join(p.strip() for p in parts if p and p.strip())


def _carrier(x: ConventionDocumentData) -> str:
    return x.structure.legal_carrier_name or x.structure.pre_name


def _pre_signatory_title(x: ConventionDocumentData) -> str:
    """The representative's title only when he signs: another signatory is not « Président »."""
    if x.signatory_pre_title:
        return x.signatory_pre_title
    return "" if x.signatory_pre else x.structure.legal_representative_title or ""


@dataclass(frozen=True)
class TemplateField:
    name: str
    description: str
    value: Callable[[ConventionDocumentData], str]


TEMPLATE_FIELDS: list[TemplateField] = [
    TemplateField("structure_nom", "Nom du programme de réussite éducative (Paramètres)", lambda x: x.structure.pre_name),
    TemplateField("porteur_type", "Type de porteur juridique : Caisse des écoles, CCAS, GIP, commune…",
                  lambda x: x.structure.legal_carrier_kind or ""),
    TemplateField("porteur_nom", "Nom du porteur juridique (à défaut, le nom du PRE)", _carrier),
    TemplateField("structure_adresse", "Adresse du porteur (numéro et rue)", lambda x: x.structure.address or ""),
    TemplateField("structure_code_postal", "Code postal du porteur", lambda x: x.structure.postal_code or ""),
    TemplateField("structure_commune", "Commune du porteur", lambda x: x.structure.town or ""),
    TemplateField("representant_legal", "Représentant légal du porteur", lambda x: x.structure.legal_representative or ""),
    TemplateField("representant_qualite", "Qualité du représentant légal (Président, Maire…)",
                  lambda x: x.structure.legal_representative_title or ""),
    TemplateField("coordonnateur", "Coordonnateur(trice) du PRE", lambda x: x.structure.coordinator_name or ""),
    TemplateField("tribunal_administratif", "Tribunal administratif compétent pour les litiges",
                  lambda x: x.structure.administrative_court or ""),
    TemplateField("partenaire_nom", "Nom de la structure partenaire (le prestataire)", lambda x: x.partner.name),
    TemplateField("partenaire_type", "Type de structure du partenaire", lambda x: x.partner.type_label),
    TemplateField("partenaire_adresse", "Adresse du partenaire (numéro et rue)", lambda x: x.partner.address or ""),
    TemplateField("partenaire_code_postal", "Code postal du partenaire", lambda x: x.partner.postal_code or ""),
    TemplateField("partenaire_commune", "Commune du partenaire", lambda x: x.partner.town or ""),
    TemplateField("partenaire_telephone", "Téléphone du partenaire", lambda x: x.partner.phone or ""),
    TemplateField("partenaire_courriel", "Courriel du partenaire", lambda x: x.partner.email or ""),
    TemplateField("convention_reference", "Référence de la convention", lambda x: x.reference),
    TemplateField("convention_date_signature", "Date de signature (JJ/MM/AAAA ; vide avant la signature)",
                  lambda x: fr_date(x.signed_on)),
    TemplateField("convention_debut", "Date de début (JJ/MM/AAAA)", lambda x: fr_date(x.start_date)),
    TemplateField("convention_fin", "Date de fin (JJ/MM/AAAA)", lambda x: fr_date(x.end_date)),
    TemplateField("convention_duree_mois", "Durée en mois (12 par défaut)", lambda x: str(x.duration_months)),
    TemplateField("quota_seances", "Nombre d'entretiens pris en charge par personne (20 par défaut)",
                  lambda x: str(x.session_quota)),
    TemplateField("delai_premier_rdv", "Délai du premier rendez-vous d'accueil, en jours (30 par défaut)",
                  lambda x: str(x.first_appointment_delay_days)),
    TemplateField("tarif_individuel", "Tarif d'un entretien individuel (ex. 45,50 €)", lambda x: fr_amount(x.tariff_individual)),
    TemplateField("tarif_parents", "Tarif d'un entretien parents", lambda x: fr_amount(x.tariff_parents)),
    TemplateField("tarif_familial", "Tarif d'un entretien familial", lambda x: fr_amount(x.tariff_family)),
    TemplateField("facturation", "Périodicité du règlement : mensuelle, trimestrielle ou annuelle",
                  lambda x: _BILLING[x.billing_period]),
    TemplateField("psychologue_referent", "Psychologue référent nommé par le partenaire",
                  lambda x: x.psychologist_name or ""),
    TemplateField("signataire_pre", "Signataire pour le PRE (à défaut, le représentant légal)",
                  lambda x: x.signatory_pre or x.structure.legal_representative or ""),
    TemplateField("signataire_pre_qualite", "Qualité du signataire pour le PRE (à défaut, celle du représentant légal "
                  "quand c'est lui qui signe)", _pre_signatory_title),
    TemplateField("signataire_partenaire", "Signataire pour le partenaire", lambda x: x.signatory_partner or ""),
    TemplateField("signataire_partenaire_qualite", "Qualité du signataire pour le partenaire",
                  lambda x: x.signatory_partner_title or ""),
    TemplateField("coordonnees_bancaires", "Coordonnées bancaires du partenaire (sur une ligne)",
                  lambda x: _join(*(x.bank_details or "").splitlines(), sep=" — ")),
    TemplateField("date_du_jour", "Date à laquelle le document est produit (JJ/MM/AAAA)", lambda x: fr_date(x.today)),
]
FIELD_NAMES = frozenset(f.name for f in TEMPLATE_FIELDS)


def template_values(data: ConventionDocumentData) -> dict[str, str]:
    return {f.name: f.value(data) for f in TEMPLATE_FIELDS}


def placeholder_values() -> dict[str, str]:
    """Each field shown as its own placeholder: the example template."""
    return {f.name: "{{ " + f.name + " }}" for f in TEMPLATE_FIELDS}


# --------------------------------------------------------------------------- built-in layout


def _or_fill(value: str, width: int = 30) -> str:
    return value or "." * width


def build_document(v: dict[str, str], logo_path: Optional[str] = None) -> d.Document:
    """The model convention's articles written with the field values ``v``."""
    carrier = v["porteur_nom"]
    pre = v["structure_nom"]
    town = v["structure_commune"]
    partner = v["partenaire_nom"]
    seat = _join(v["structure_adresse"], _join(v["structure_code_postal"], town), sep=", ")
    partner_seat = _join(v["partenaire_adresse"], _join(v["partenaire_code_postal"], v["partenaire_commune"]), sep=", ")
    # "Caisse des écoles de X" already says its kind; the kind alone when no name is set.
    head_lines = [line for line in (carrier if carrier != pre else v["porteur_type"],
                                    v["structure_adresse"], _join(v["structure_code_postal"], town)) if line]
    doc = d.Document(
        title="Convention de partenariat",
        subtitle=f"entre {carrier} et {partner}",
        letterhead=d.Letterhead(pre, head_lines, logo_path=logo_path),
        footer=f"Convention {v['convention_reference']} — {pre}",
    )
    doc.add(
        d.Paragraph([d.Run("Référence : ", bold=True), d.Run(v["convention_reference"])], align="center"),
        d.Spacer(3),
        d.Paragraph("ENTRE", bold=True, align="left"),
        d.Paragraph([d.Run(carrier, bold=True),
                     d.Run(f", porteur juridique du {pre}, représenté(e) par {_or_fill(v['representant_legal'])}"
                           + (f", {v['representant_qualite']}" if v["representant_qualite"] else "")
                           + f", dont le siège est situé {_or_fill(seat)},"),
                     ]),
        d.Paragraph("Ci-après dénommé(e) « le PRE »,", italic=True, align="left"),
        d.Paragraph("D'une part,", align="left"),
        d.Paragraph("ET", bold=True, align="left"),
        d.Paragraph([d.Run(partner, bold=True),
                     d.Run((f" ({v['partenaire_type']})" if v["partenaire_type"] else "")
                           + f", dont le siège est situé {_or_fill(partner_seat)}, représenté(e) par "
                           + _or_fill(v["signataire_partenaire"])
                           + (f", {v['signataire_partenaire_qualite']}" if v["signataire_partenaire_qualite"] else "")
                           + ","),
                     ]),
        d.Paragraph("Ci-après dénommé(e) « le prestataire »,", italic=True, align="left"),
        d.Paragraph("D'autre part,", align="left"),

        d.Heading("Article 1 — Cadre d'intervention"),
        d.Paragraph("Le plan de cohésion sociale du 30 juin 2004 et la loi de programmation du 18 janvier 2005 ont "
                    "apporté des moyens et des outils complémentaires pour accompagner les enfants du premier et du "
                    "second degré et leurs familles qui ne bénéficient pas d'un environnement social, familial et "
                    "culturel favorable à la réussite scolaire et éducative."),
        d.Paragraph("Considérant que la loi n° 2005-32 du 18 janvier 2005 de programmation pour la cohésion sociale "
                    "initie les programmes de réussite éducative, chargés d'accompagner hors temps scolaire et en "
                    "dehors de l'établissement scolaire des enfants et des jeunes résidant dans des quartiers "
                    "prioritaires de la politique de la ville, ou scolarisés dans un établissement relevant de "
                    "l'éducation prioritaire ou situé en QPV, qui présentent des signes de vulnérabilité, en prenant "
                    "en compte la globalité de leur environnement et de leurs difficultés ;"),
        d.Paragraph(f"Considérant que {('la commune de ' + town) if town else 'la commune'} s'inscrit dans cette "
                    f"démarche et confie à {carrier} le portage juridique, financier et opérationnel de ce dispositif ;"),
        d.Paragraph("Considérant que les actions proposées aux enfants et aux jeunes (accompagnement scolaire, "
                    "prévention du décrochage scolaire, santé, activités culturelles, de loisirs, sportives…) doivent "
                    "obligatoirement s'inscrire dans le cadre d'un suivi personnalisé, c'est-à-dire dans un parcours "
                    "préconisé par une équipe pluridisciplinaire de soutien (EPS), qui réunit enseignants, éducateurs, "
                    "animateurs, travailleurs sociaux, psychologues, pédopsychiatres, médecin scolaire… ;"),
        d.Paragraph("Considérant que les parcours personnalisés peuvent comprendre des actions de différente nature, "
                    "notamment des actions favorisant le dialogue parents/enfants et parents/école, des vacations "
                    "médicales, des actions en petit groupe permettant l'expression de l'enfant (atelier théâtre, "
                    "danse…), des activités favorisant le bien-être et la santé de l'enfant ;"),
        d.Paragraph("Considérant qu'il convient de proposer aux familles ayant accepté de collaborer avec la réussite "
                    "éducative un espace d'échange spécifique leur permettant de mieux appréhender les propositions "
                    "du dispositif en termes d'accompagnement psychologique ;"),
        d.Paragraph("Considérant qu'il convient de développer une action de prise en charge directe en matière de "
                    "souffrance psychique, qui constituera une intervention pouvant être préconisée dans un "
                    "programme d'accompagnement individualisé ;"),
        d.Paragraph("Il est convenu ce qui suit.", bold=True),

        d.Heading("Article 2 — Objet de la mission"),
        d.Paragraph("La souffrance psychologique est une problématique souvent rencontrée par les enfants et les "
                    "jeunes : plaintes somatiques, troubles des conduites, phobies scolaires, comportements agressifs "
                    "ou violents, qui ne sont pas toujours reconnus comme des signaux d'alarme ou ne peuvent faire "
                    "l'objet d'un suivi approprié. Les signataires reconnaissent qu'il est nécessaire, dans certains "
                    "cas, de proposer aux bénéficiaires du PRE une prise en charge en matière de santé mentale :"),
        d.Bullets(["un suivi individuel ou familial."]),
        d.Paragraph(f"{partner} s'engage à faire bénéficier certains enfants et jeunes suivis par le PRE d'un "
                    "accompagnement psychologique et d'un soutien personnalisé, à partir d'entretiens individuels ou "
                    "familiaux qui favorisent le travail autour des difficultés psychiques, éducatives et "
                    "relationnelles. Ses moyens d'action sont un lieu d'écoute, de parole et de médiation où sont "
                    "pratiquées différentes techniques psychothérapeutiques (individuel, groupe enfants et "
                    "adolescents), du soutien psychologique, de la guidance parentale et de la thérapie familiale, "
                    "des groupes de parole en lien avec la problématique du jeune (décrochage scolaire, conduites à "
                    "risques, difficultés de socialisation…)."),
        d.Paragraph([d.Run(f"{partner} s'engage à proposer un premier rendez-vous d'accueil dans un délai de "),
                     d.Run(f"{v['delai_premier_rdv']} jours", bold=True),
                     d.Run(" à compter de la demande du PRE.")]),
        d.Paragraph("Cette intervention se fait dans le cadre des accompagnements proposés par la réussite éducative, "
                    "selon les modalités suivantes : le référent de parcours en charge de l'accompagnement de la "
                    "famille adresse la demande au prestataire au moyen d'une fiche de liaison, sollicitant ainsi une "
                    "première rencontre."),
        d.Paragraph([d.Run("La prise en charge par le PRE se fait sur la base de "),
                     d.Run(f"{v['quota_seances']} entretiens par personne", bold=True),
                     d.Run(". Au-delà, si le prestataire considère nécessaire la poursuite de l'accompagnement, "
                           "celui-ci est pris en charge dans le cadre des autres financements mobilisés par lui.")]),

        d.Heading("Article 3 — Engagement du prestataire"),
        d.Paragraph(f"Le prestataire s'engage à réaliser, dans les conditions définies par la présente convention, "
                    f"l'accueil, le soutien psychologique et la prise en charge psychothérapeutique, individuels ou "
                    f"collectifs, d'enfants et d'adolescents et de leurs parents orientés par le {pre}."),

        d.Heading("Article 4 — Modalités de réalisation de la prestation"),
        d.Paragraph(f"Les entretiens individuels, avec les parents et familiaux sont organisés sur rendez-vous, dans "
                    f"les locaux de {partner}" + (f" ({partner_seat})." if partner_seat else ".")),

        d.Heading("Article 5 — Modalités de fonctionnement de la collaboration"),
        d.Paragraph("Le prestataire informe le coordonnateur du PRE"
                    + (f" ({v['coordonnateur']})" if v["coordonnateur"] else "")
                    + " des modalités de mise en œuvre des actions, notamment :"),
        d.Bullets(["le rythme des rencontres avec les familles ou les jeunes ;",
                   "l'orientation éventuelle du bénéficiaire vers d'autres services ou prestations ;",
                   "les absences des enfants, parents ou familles aux entretiens prévus."]),
        d.Paragraph("Un tableau mensuel est adressé par le PRE au prestataire : il indique les bénéficiaires orientés, "
                    "les fins de parcours et leurs dates. En retour, le prestataire indique si les enfants et familles "
                    "orientés viennent régulièrement aux rendez-vous proposés. Un point régulier est organisé entre le "
                    "coordonnateur et le prestataire pour ajuster le nombre de situations à adresser."),

        d.Heading("Article 6 — Durée de la mission"),
        d.Paragraph([d.Run("La présente convention est conclue pour une durée de "),
                     d.Run(f"{v['convention_duree_mois']} mois", bold=True),
                     d.Run(", du "), d.Run(v["convention_debut"], bold=True),
                     d.Run(" au "), d.Run(v["convention_fin"], bold=True),
                     d.Run(". Les entretiens réalisés en dehors de cette période ne sont pas pris en charge. Son "
                           "renouvellement fait l'objet d'une nouvelle convention.")]),

        d.Heading("Article 7 — Montant des prestations et modalités de règlement"),
        d.Paragraph("Obligations du PRE :", bold=True, align="left"),
        d.Bullets(["assurer le repérage et l'orientation des enfants, jeunes et parents susceptibles de bénéficier "
                   "des prestations proposées."]),
        d.Paragraph("Obligations du prestataire :", bold=True, align="left"),
        d.Bullets([f"nommer un psychologue référent pour les interventions prévues : {_or_fill(v['psychologue_referent'])}."]),
        d.Paragraph("Le prestataire est rémunéré à l'acte selon les tarifs suivants :"),
        d.Table(["Prestation", "Montant des honoraires"],
                [["Entretien individuel", v["tarif_individuel"]],
                 ["Entretien parents", v["tarif_parents"]],
                 ["Entretien familial", v["tarif_familial"]]],
                widths=[2, 1], align=["left", "right"]),
        d.Paragraph([d.Run("Le règlement des prestations est réalisé à l'acte, selon une périodicité "),
                     d.Run(v["facturation"], bold=True),
                     d.Run(", sur présentation d'un état des entretiens réalisés. Les paiements s'effectuent au "
                           "compte bancaire suivant :")]),
        d.Fields([("Coordonnées bancaires", v["coordonnees_bancaires"])], fill=True, label_width=0.3),
        d.Paragraph("Révision des honoraires :", bold=True, align="left"),
        d.Paragraph("Aucune révision ne sera appliquée au tarif des honoraires mentionnés au présent article pendant "
                    "la durée de la convention. Le versement des prestations facturées est exclusif de toute autre "
                    "rémunération ou indemnité (notamment les frais engendrés par l'exercice de l'activité)."),

        d.Heading("Article 8 — Évaluation"),
        d.Paragraph("Les parties s'entendent sur la mise en place d'indicateurs mesurables permettant d'évaluer la "
                    "pertinence de l'action proposée pour chaque suivi individuel, et sur l'échange des informations "
                    "utiles à cette évaluation, dans le respect du secret professionnel et de l'accord des familles."),

        d.Heading("Article 9 — Résiliation"),
        d.Paragraph("En cas de non-respect des dispositions de la présente convention, celle-ci pourra être résiliée "
                    "de plein droit par l'une ou l'autre des parties, à l'expiration d'un délai d'un mois suivant "
                    "l'envoi d'une lettre recommandée avec accusé de réception valant mise en demeure."),

        d.Heading("Article 10 — Litiges"),
        d.Paragraph("En cas de litige, notamment sur l'interprétation de la présente convention, les parties, après "
                    "épuisement des voies amiables (conciliation, arbitrage…), conviennent de s'en remettre à la "
                    "juridiction compétente. Les litiges non résolus nés de l'exécution de la présente convention "
                    f"relèvent de la compétence du {_or_fill(v['tribunal_administratif'])}."),

        d.Heading("Article 11 — Signatures"),
        d.Signatures(
            [d.SignatureBlock(carrier, v["signataire_pre"], v["signataire_pre_qualite"]),
             d.SignatureBlock(partner, v["signataire_partenaire"], v["signataire_partenaire_qualite"])],
            place_and_date=f"Fait en deux exemplaires à {_or_fill(town, 20)}, le "
                           f"{v['convention_date_signature'] or BLANK_DATE}"),
    )
    return doc


def convention_document(data: ConventionDocumentData) -> d.Document:
    return build_document(template_values(data), data.structure.logo_path)


def example_template() -> bytes:
    """The built-in layout as a .docx with every field left as its placeholder: the
    starting point for a structure that wants its own wording."""
    from .word import render_docx

    out = io.BytesIO()
    render_docx(build_document(placeholder_values()), out)
    return out.getvalue()


# --------------------------------------------------------------------------- templates and files


def check_template(content: bytes) -> list[str]:
    """The fields a template uses; an unknown one is refused by its name."""
    names = fields_in(content)
    for name in names:
        if name not in FIELD_NAMES:
            raise DomainError(f"Le modèle utilise un champ inconnu : « {name} ». Corrigez-le dans le fichier Word "
                              "(la liste est dans « Champs disponibles »).", "template")
    return names


def install_template(session: Session, path: Path) -> list[str]:
    """Check then store the structure's own convention template; nothing stored if refused."""
    path = Path(path)
    if path.suffix.lower() != ".docx":
        raise DomainError("Le modèle doit être un document Word au format .docx.", "template")
    try:
        content = path.read_bytes()
    except OSError as error:
        raise DomainError(f"Le fichier « {path.name} » ne peut pas être lu : {error.strerror}.", "template") from None
    names = check_template(content)
    save_template(session, KIND, path.name, content)
    return names


def write_convention(data: ConventionDocumentData, file_format: str, path: Path,
                     template: Optional[bytes] = None) -> Path:
    """Word from the template when there is one, otherwise (and always for PDF) the built-in layout."""
    if file_format == "docx" and template is not None:
        filled = fill(template, template_values(data))
        return atomic_write(path, lambda tmp: tmp.write_bytes(filled))
    return render(convention_document(data), file_format, path)


@dataclass(frozen=True)
class ConventionExport:
    path: Path
    template_name: Optional[str]  # the structure's template used, if any
    builtin_pdf_despite_template: bool  # a template exists but PDF follows the built-in layout


def export_convention(session: Session, convention_id: int, file_format: str, path: Path) -> ConventionExport:
    """Write the convention's file and record it against the version it was read at."""
    data = convention_document_data(session, convention_id)
    template = get_template(session, KIND)
    use = template if template is not None and file_format == "docx" else None
    written = write_convention(data, file_format, Path(path), use.content if use else None)
    record_convention_document(session, data, file_format, str(written), from_template=use.file_name if use else None)
    return ConventionExport(written, use.file_name if use else None,
                            template is not None and file_format == "pdf")
