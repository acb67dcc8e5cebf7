"""An old, ended file full of identifying text: every place a name, a phone number, an
e-mail or a free text can sit (fields, the audit trail, documents, EPS notes…)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pre_desktop import db
from pre_desktop.models import (
    CareReferralSending,
    CareReferralState,
    Child,
    ChildStatus,
    Consent,
    EpsDecision,
    EpsDecisionKind,
    EpsMeeting,
    EpsMember,
    EpsSituation,
    Family,
    Guardian,
    MonthlyAnswer,
    Pathway,
    PathwayAction,
    PrivateNote,
    Referral,
    Sex,
)
from pre_desktop.services import children as children_service
from pre_desktop.services.documents import record_document

from care_fixtures import add_sessions, care_referral, convention, partner

D = dt.date

# Every string that must be gone after anonymisation.
SECRETS = (
    "Zephyrin", "Oriane", "Zefirin", "Kasongo", "Bérénice", "Théodore", "06 98 76 54 32", "01 44 55 66 77",
    "berenice.kasongo@exemple.fr", "17 rue des Glycines", "Groupe scolaire Louise-Michel",
    "Oriane a peur du noir", "Famille hébergée chez la tante", "refuse d'aller à l'école", "Lefranc-Tissot",
    "Retrouver confiance en soi", "Atelier théâtre du mercredi", "Angoisses nocturnes", "Dr Vautrin",
    "Séance agitée", "Vient avec sa grand-mère", "Note privée sur Oriane",
    "Mme Kasongo Bérénice", "scan-accord-oriane", "Fiche de liaison — ZEPHYRIN Oriane", "Orientée vers le RASED",
    "Relais par la CAF obtenu", "Déménagement à Lyon",
)


@dataclass
class OldFile:
    child_id: int
    family_id: int
    consent_file: str
    document_file: str


def old_file(factory, tmp_path, *, family: Family | None = None, first_name: str = "Oriane") -> OldFile:
    """An ended file whose last contact is 10/03/2024 (more than 2 years before the pinned today)."""
    scan = tmp_path / "scan-accord-oriane.pdf"
    scan.write_bytes(b"%PDF-1.4 accord")
    doc_file = tmp_path / "fiche-liaison-zephyrin.pdf"
    doc_file.write_bytes(b"%PDF-1.4 fiche Oriane Zephyrin")
    with db.session_scope(factory, 1) as s:
        if family is None:
            fam = Family(name="Zephyrin-Kasongo", address="17 rue des Glycines", postal_code="91100",
                         town="Corbeil-Essonnes", neighbourhood="Tarterêts", phone="01 44 55 66 77",
                         languages="lingala", notes="Famille hébergée chez la tante")
            fam.guardians.append(Guardian(last_name="Kasongo", first_name="Bérénice", phone="06 98 76 54 32",
                                          email="berenice.kasongo@exemple.fr", relationship_label="mère"))
            fam.guardians.append(Guardian(last_name="Zephyrin", first_name="Théodore", relationship_label="père"))
            fam.consents.append(Consent(given_on=D(2022, 9, 20), given_by="Mme Kasongo Bérénice",
                                        scope="Orientation soin", document_path=str(scan)))
            s.add(fam)
        else:
            fam = s.get(Family, family.id)
        child = Child(family=fam, last_name="Zefirin", first_name=first_name, birth_date=D(2012, 5, 17), sex=Sex.FEMALE,
                      school="Groupe scolaire Louise-Michel", school_class="CM1", referent_id=2,
                      status=ChildStatus.ENDED, entry_date=D(2022, 10, 1), exit_date=D(2024, 2, 1),
                      exit_reason="Déménagement à Lyon", notes="Oriane a peur du noir")
        s.add(child)
        s.flush()
        child.referrals.append(Referral(referred_on=D(2022, 9, 12), source="école", referrer_name="Mme Lefranc-Tissot",
                                        referrer_function="directrice", reasons="Oriane refuse d'aller à l'école"))
        meeting = EpsMeeting(meeting_date=D(2022, 10, 1), place="Mairie", notes="Situation très préoccupante")
        meeting.members.append(EpsMember(name="M. Durand", function="CPE"))
        s.add(meeting)
        s.flush()
        s.add(EpsSituation(meeting=meeting, child=child))
        pathway = Pathway(child=child, start_date=D(2022, 10, 1), end_date=D(2024, 2, 1), end_reason="Relais par la CAF obtenu",
                          objectives="Retrouver confiance en soi")
        pathway.actions.append(PathwayAction(label="Atelier théâtre du mercredi", action_type="Atelier",
                                             start_date=D(2022, 10, 10), end_date=D(2023, 6, 30),
                                             notes="Vient avec sa grand-mère"))
        s.add(pathway)
        s.flush()
        s.add(EpsDecision(meeting=meeting, child=child, kind=EpsDecisionKind.ACCEPT, decided_on=D(2022, 10, 1),
                          reason="Orientée vers le RASED", pathway_id=pathway.id,
                          effects={"child_before": {"exit_reason": "Déménagement à Lyon"}}))
        s.flush()
        # Renamed later: the trail holds both spellings.
        children_service.update_child(s, child.id, expected_version=None, confirm=True, last_name="Zephyrin")
        meeting.notes = "Situation très préoccupante : Oriane Zephyrin, 10 ans"
        p = partner(s, name="CMP Pasteur", code="CMP_ENF")
        conv = convention(s, p, start=D(2022, 1, 1), end=D(2024, 12, 31), reference="CONV-2022")
        cr = care_referral(s, child, p, conv, requested_on=D(2022, 10, 15), sent_on=D(2022, 10, 16),
                           state=CareReferralState.ENDED)
        cr.reason = "Angoisses nocturnes"
        cr.psychologist_name = "Dr Vautrin"
        cr.ended_on = D(2024, 1, 31)
        cr.end_reason = "Fin de prise en charge"
        cr.guardian_id = fam.guardians[0].id
        cr.sendings.append(CareReferralSending(sent_on=D(2022, 10, 16), how="courriel"))
        sessions = add_sessions(s, cr, [D(2023, 1, 10), D(2023, 2, 7), D(2024, 3, 10)])
        sessions[1].note = "Séance agitée"
        s.add(MonthlyAnswer(care_referral=cr, month="2023-01", comes_regularly=True, remark="Vient avec sa grand-mère"))
        s.add(PrivateNote(child_id=child.id, author_id=2, text="Note privée sur Oriane"))
        s.flush()
        record_document(s, kind="liaison", file_format="pdf", title="Fiche de liaison — ZEPHYRIN Oriane",
                        target_type="care_referral", target_id=cr.id, child_id=child.id, file_path=str(doc_file))
        return OldFile(child.id, fam.id, str(scan), str(doc_file))
