"""Revision 0002 on a database holding a real convention: the convention keeps its terms,
gains empty signatory titles and bank details, and a Word template can then be stored."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from pre_desktop import db, migrate
from pre_desktop.models import Convention, DocumentTemplate
from test_migrations import fill_every_table


def test_convention_from_0001_upgrades_and_reads_through_the_orm(tmp_path):
    path = tmp_path / "old.sqlite"
    migrate.upgrade(path, "0001")
    fill_every_table(path, rows_per_table=1, given={
        "partner_types": [{"code": "ASSO_PSY", "label": "Association de psychologues", "orientation_mode": "free"}],
        "partners": [{"name": "Association Filigrane", "search_name": "association filigrane"}],
        "conventions": [{"reference": "PRE-2026-01", "start_date": dt.date(2026, 1, 1),
                         "end_date": dt.date(2026, 12, 31), "duration_months": 12, "session_quota": 20,
                         "quota_warning_threshold": 15, "first_appointment_delay_days": 30,
                         "tariff_individual": Decimal("45.50"), "tariff_parents": Decimal("50"),
                         "tariff_family": Decimal("60"), "billing_period": "quarterly", "status": "signed",
                         "signatory_partner": "Mme Kaci", "renewed_from_id": None}],
    })
    engine, factory = migrate.open_database(path)
    try:
        assert migrate.current_revision(engine) == migrate.head_revision()
        with db.session_scope(factory) as s:
            conv = s.scalars(select(Convention)).one()
            assert (conv.reference, conv.tariff_individual, conv.signatory_partner) == (
                "PRE-2026-01", Decimal("45.50"), "Mme Kaci")
            assert (conv.signatory_pre_title, conv.signatory_partner_title, conv.bank_details) == (None, None, None)
            conv.signatory_partner_title = "Directrice"
            s.add(DocumentTemplate(kind="convention", file_name="modèle.docx", content=b"PK\x03\x04"))
        with factory() as s:
            assert s.scalars(select(Convention)).one().signatory_partner_title == "Directrice"
            assert s.scalars(select(DocumentTemplate)).one().content == b"PK\x03\x04"
    finally:
        engine.dispose()
