"""Importing a partners directory: reading .xlsx and .csv as users have them, the proposed
column mapping, every bad row reported by line and field, nothing written on any refusal."""

from pathlib import Path

import pytest
from care_fixtures import ptype
from openpyxl import Workbook, load_workbook
from refusal import refused
from sqlalchemy import func, select

from pre_desktop import db
from pre_desktop.exports.partners_directory import export_directory
from pre_desktop.models import GeneratedDocument, Partner, PartnerContact
from pre_desktop.services import partner_import, partners
from pre_desktop.services.errors import DomainError
from pre_desktop.services.partner_import import ImportRefused

HEADERS = ["Nom de la structure", "Type", "Adresse", "CP", "Ville", "Tél.", "E-mail", "Secteur",
           "Âge min", "Âge max", "Interlocuteur", "Fonction", "Observations"]
GOOD = [
    ["CMP Évry Centre", "CMP enfants", "2 rue de l'Hôpital", "91000", "Évry-Courcouronnes", "01 60 00 00 01",
     "cmp.evry@ght.fr", "91I03", "", "", "Dr Roux", "Pédopsychiatre", "Liste d'attente 3 mois"],
    ["Centre Françoise Dolto", "CMPP", "", "91100", "Corbeil-Essonnes", "", "", "", "4", "18", "", "", ""],
    ["Maison des ados", "mda", "", "", "Évry", "", "", "", "", "", "", "", ""],
    ["Association Filigrane", "Association de psychologues", "", "", "Ris-Orangis", "", "contact@filigrane.fr",
     "", "", "", "Mme Leclerc", "Psychologue", ""],
]


def write_csv(path: Path, rows, *, delimiter=";", encoding="utf-8") -> Path:
    lines = [delimiter.join(f'"{c}"' if delimiter in c else c for c in row) for row in [HEADERS] + rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def write_xlsx(path: Path, rows, *, blank_rows_above: int = 0) -> Path:
    wb = Workbook()
    ws = wb.active
    for _ in range(blank_rows_above):
        ws.append([])
    ws.append(HEADERS)
    for row in rows:
        ws.append([int(c) if c.isdigit() and len(c) < 3 else c for c in row])  # ages typed as numbers
    wb.save(path)
    return path


def partner_count(factory) -> int:
    with db.session_scope(factory) as s:
        return s.scalar(select(func.count()).select_from(Partner))


def test_proposed_mapping_reads_headers_without_accents_or_case():
    mapping = partner_import.propose_mapping(HEADERS)
    assert mapping == {"name": 0, "type": 1, "address": 2, "postal_code": 3, "town": 4, "phone": 5, "email": 6,
                       "sector": 7, "age_min": 8, "age_max": 9, "notes": 12, "active": None, "contact_name": 10,
                       "contact_function": 11, "contact_phone": None, "contact_email": None}
    assert partner_import.propose_mapping(["NOM", "TYPE DE STRUCTURE", "commune", "Courriel du contact"]) == (
        partner_import.propose_mapping(["nom", "Type de structure", "Commune", "courriel du contact"]))


@pytest.mark.parametrize("delimiter, encoding", [(";", "cp1252"), (",", "utf-8"), (";", "utf-8-sig")])
def test_import_good_csv(factory, tmp_path, delimiter, encoding):
    table = partner_import.read_table(write_csv(tmp_path / "annuaire.csv", GOOD, delimiter=delimiter, encoding=encoding))
    assert table.delimiter == delimiter and table.headers == HEADERS
    assert [line for line, _ in table.rows] == [2, 3, 4, 5]
    with db.session_scope(factory, 1) as s:
        report = partner_import.import_partners(s, table, partner_import.propose_mapping(table.headers))
    assert report.ok and len(report.rows) == 4
    assert report.summary() == "4 structure(s) à ajouter, 2 contact(s)."
    with db.session_scope(factory) as s:
        rows = {r.name: r for r in partners.search_partners(s)}
        assert set(rows) == {"CMP Évry Centre", "Centre Françoise Dolto", "Maison des ados", "Association Filigrane"}
        assert rows["CMP Évry Centre"].town == "Évry-Courcouronnes"
        assert (rows["CMP Évry Centre"].age_min, rows["CMP Évry Centre"].age_max) == (0, 17)  # from the type
        assert (rows["Centre Françoise Dolto"].age_min, rows["Centre Françoise Dolto"].age_max) == (4, 18)
        assert rows["Maison des ados"].type_label == "Maison des adolescents (MDA)"
        detail = partners.partner_detail(s, rows["CMP Évry Centre"].id)
        assert detail.notes == "Liste d'attente 3 mois" and detail.sector == "91I03" and detail.active
        assert [(c.name, c.function) for c in detail.contacts] == [("Dr Roux", "Pédopsychiatre")]


def test_import_good_xlsx_with_line_numbers_of_the_sheet(factory, tmp_path):
    table = partner_import.read_table(write_xlsx(tmp_path / "annuaire.xlsx", GOOD, blank_rows_above=2))
    assert table.headers == HEADERS and [line for line, _ in table.rows] == [4, 5, 6, 7]
    assert table.rows[1][1][8] == "4"  # a number cell read as text, without ".0"
    with db.session_scope(factory, 1) as s:
        partner_import.import_partners(s, table, partner_import.propose_mapping(table.headers))
    assert partner_count(factory) == 4


BAD = GOOD + [
    ["CMP Ris", "CMP enfant", "", "", "", "", "", "", "", "", "", "", ""],  # line 6: unknown type
    ["CMPP Sud", "CMPP", "", "9100", "", "", "", "", "", "", "", "", ""],  # line 7: postal code
    ["PAEJ Nord", "PAEJ", "", "", "", "", "paej@nord", "", "", "", "", "", ""],  # line 8: e-mail
    ["Libéral", "Psychologue libéral", "", "", "", "", "", "", "16", "12", "", "", ""],  # line 9: ages
    ["", "MSP", "", "", "Évry", "", "", "", "", "", "", "", ""],  # line 10: no name
    ["CMP Évry Centre", "CMP enfants", "", "", "Évry-Courcouronnes", "", "", "", "", "", "", "", ""],  # 11: twice
    ["MSP Sud", "MSP", "", "", "", "", "", "", "-2", "", "", "", ""],  # line 12: negative age
    ["REAAP", "REAAP", "", "", "", "", "", "", "", "", "M. X", "", ""],  # fine
    ["LAEP", "LAEP", "", "", "", "", "", "", "", "", "Mme Y", "", ""],  # line 14: contact e-mail, below
]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_bad_file_reports_every_bad_row_and_writes_nothing(factory, db_snapshot, tmp_path, kind):
    rows = [list(r) for r in BAD]
    rows[0][2] = ""  # the address column holds contact e-mails in this file (line 14 is wrong)
    path = write_csv(tmp_path / "a.csv", rows, encoding="cp1252") if kind == "csv" else write_xlsx(tmp_path / "a.xlsx", rows)
    table = partner_import.read_table(path)
    mapping = partner_import.propose_mapping(table.headers) | {"address": None, "contact_email": 2}  # line 14
    table.rows[-1][1][2] = "pas-un-courriel"
    table.rows[-2][1][2] = "x@reaap.fr"
    err = refused(factory, db_snapshot, lambda s: partner_import.import_partners(s, table, mapping), ImportRefused)
    found = [(e.line, e.field) for e in err.report.errors]
    assert found == [(6, "type"), (7, "postal_code"), (8, "email"), (9, "age_min"), (10, "name"), (11, "name"),
                     (12, "age_min"), (14, "contact_email")]
    messages = {e.line: e.message for e in err.report.errors}
    assert "« CMP enfant » est inconnu" in messages[6]
    assert "9100" in messages[7] and "paej@nord" in messages[8]
    assert "obligatoire" in messages[10] and "ligne 2" in messages[11]
    assert err.report.errors[-1].field_label == "Contact : courriel"
    assert "8 ligne(s)" in err.message and "Rien n'a été enregistré" in err.message
    assert partner_count(factory) == 0


def test_rows_already_in_the_directory_are_skipped(factory, tmp_path):
    with db.session_scope(factory, 1) as s:
        partners.create_partner(s, name="cmp evry centre", type_id=ptype(s, "CMP_ENF").id, town="EVRY-Courcouronnes")
    table = partner_import.read_table(write_csv(tmp_path / "a.csv", GOOD))
    with db.session_scope(factory, 1) as s:
        report = partner_import.import_partners(s, table, partner_import.propose_mapping(table.headers))
    assert report.already_present == [(2, "CMP Évry Centre")] and len(report.rows) == 3
    assert "1 déjà dans l'annuaire" in report.summary()
    assert partner_count(factory) == 4


@pytest.mark.parametrize("change, field", [
    ({"name": None}, "name"),
    ({"type": None}, "type"),
    ({"town": 0}, "town"),  # the name's column twice
    ({"couleur": 3}, "couleur"),
])
def test_bad_mapping_refused(factory, db_snapshot, tmp_path, change, field):
    table = partner_import.read_table(write_csv(tmp_path / "a.csv", GOOD))
    mapping = partner_import.propose_mapping(table.headers) | change
    assert refused(factory, db_snapshot, lambda s: partner_import.import_partners(s, table, mapping)).field == field


def test_unreadable_files_refused_in_french(tmp_path):
    for path, text in [(tmp_path / "absent.csv", "introuvable"), (tmp_path / "a.ods", "non pris en charge"),
                       (tmp_path / "faux.xlsx", "pas un classeur")]:
        if path.suffix != ".csv":
            path.write_bytes(b"not a workbook")
        with pytest.raises(DomainError, match=text):
            partner_import.read_table(path)
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"\r\n\r\n")
    with pytest.raises(DomainError, match="en-tête"):
        partner_import.read_table(empty)


def test_csv_with_quoted_multiline_cell_keeps_file_line_numbers(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('Nom;Type;Notes\nA;MDA;"deux\nlignes"\nB;MDA;\n', encoding="utf-8")
    table = partner_import.read_table(path)
    assert [(line, cells[0]) for line, cells in table.rows] == [(2, "A"), (4, "B")]
    assert table.rows[0][1][2] == "deux\nlignes"


def test_exported_directory_reads_back_and_imports_into_an_empty_base(factory, tmp_path, engine):
    table = partner_import.read_table(write_csv(tmp_path / "a.csv", GOOD))
    with db.session_scope(factory, 1) as s:
        partner_import.import_partners(s, table, partner_import.propose_mapping(table.headers))
        partners.create_partner(s, name="Ancien PAEJ", type_id=ptype(s, "PAEJ").id, active=False)
    with db.session_scope(factory, 1) as s:
        out, count = export_directory(s, tmp_path / "annuaire.xlsx")
    assert count == 5
    wb = load_workbook(out)
    sheet = wb["Annuaire des partenaires"]
    assert [c.value for c in sheet[1]][:3] == ["Nom de la structure", "Type de structure", "Adresse"]
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["Ancien PAEJ", "Association Filigrane", "Centre Françoise Dolto", "CMP Évry Centre", "Maison des ados"]
    assert wb["Contacts"].max_row == 2 + 1 + 1 + 2  # intro, blank, header, 2 contacts
    with db.session_scope(factory) as s:
        doc = s.scalars(select(GeneratedDocument)).one()
        assert (doc.kind, doc.file_format, doc.created_by_id) == ("partners_directory", "xlsx", 1)
    # round trip: delete everything, import the exported file with the proposed mapping
    with db.session_scope(factory, 1) as s:
        for p in s.scalars(select(Partner)):
            s.delete(p)
    table = partner_import.read_table(out)
    mapping = partner_import.propose_mapping(table.headers)
    assert None not in [mapping[k] for k in ("name", "type", "town", "active", "age_min", "contact_name", "contact_email")]
    with db.session_scope(factory, 1) as s:
        partner_import.import_partners(s, table, mapping)
    with db.session_scope(factory) as s:
        rows = {r.name: r for r in partners.search_partners(s)}
        assert len(rows) == 5 and not rows["Ancien PAEJ"].active
        assert s.scalar(select(func.count()).select_from(PartnerContact)) == 2


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_row_with_several_mistakes_has_each_reported_once(factory, db_snapshot, tmp_path, kind):
    rows = [["CMP Les Tilleuls", "CMP enfants", "", "93100", "Montreuil", "", "cmp@ght.fr", "", "", "", "", "", ""],
            ["", "Psychologue libéral", "", "93100", "Montreuil", "", "x", "", "", "", "", "", ""],
            ["Asso Zèbre", "Type inconnu", "", "9310", "Montreuil", "", "pas-un-mail", "", "12", "8", "Mme Roy", "",
             ""]]
    path = write_csv(tmp_path / "a.csv", rows) if kind == "csv" else write_xlsx(tmp_path / "a.xlsx", rows)
    table = partner_import.read_table(path)
    mapping = partner_import.propose_mapping(table.headers) | {"notes": None, "contact_email": 12}  # e-mails there
    table.rows[-1][1][12] = "roy@"
    err = refused(factory, db_snapshot, lambda s: partner_import.import_partners(s, table, mapping), ImportRefused)
    assert [(e.line, e.field) for e in err.report.errors] == [
        (3, "name"), (3, "email"),
        (4, "type"), (4, "postal_code"), (4, "email"), (4, "age_min"), (4, "contact_email")]
    assert "2 ligne(s)" in err.message and partner_count(factory) == 0
