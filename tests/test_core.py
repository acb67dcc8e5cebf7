"""Audit trail, optimistic locking, French formats and search folding."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from pre_desktop import db
from pre_desktop.formatting import fr_amount, fr_date
from pre_desktop.models import AuditAction, AuditEvent, Child, Family, Guardian
from pre_desktop.services.common import as_amount, as_date, check_version
from pre_desktop.services.errors import DomainError, StaleRecordError
from pre_desktop.textnorm import fold


def _child(factory) -> int:
    with db.session_scope(factory, 2) as s:
        fam = Family(name="Nguyen")
        child = Child(family=fam, last_name="Nguyen", first_name="Éloïse", birth_date=dt.date(2016, 3, 4))
        s.add(child)
    return child.id


def test_create_update_delete_are_audited_with_user_and_field_values(factory):
    child_id = _child(factory)
    with db.session_scope(factory, 1) as s:
        s.get(Child, child_id).school = "École Jean-Jaurès"
    with db.session_scope(factory, 1) as s:
        s.delete(s.get(Child, child_id))
    with db.session_scope(factory) as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.entity == "children").order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE]
    create, update, delete = events
    assert create.user_id == 2 and create.child_id == child_id
    assert create.changes["first_name"] == [None, "Éloïse"]
    assert update.user_id == 1 and update.changes == {"school": [None, "École Jean-Jaurès"]}
    assert delete.changes["last_name"] == ["Nguyen", None]


def test_audit_is_rolled_back_with_the_change(factory):
    child_id = _child(factory)
    with db.session_scope(factory) as s:
        count = len(s.scalars(select(AuditEvent)).all())
    with pytest.raises(RuntimeError):
        with db.session_scope(factory, 1) as s:
            s.get(Child, child_id).school = "Ailleurs"
            s.flush()
            raise RuntimeError("boom")
    with db.session_scope(factory) as s:
        assert len(s.scalars(select(AuditEvent)).all()) == count
        assert s.get(Child, child_id).school is None


def test_a_record_changed_elsewhere_is_never_silently_overwritten(factory):
    child_id = _child(factory)
    first, second = factory(), factory()
    a, b = first.get(Child, child_id), second.get(Child, child_id)
    assert a.version == b.version == 1
    a.school = "Collège Jean-Moulin"
    first.commit()
    # The service check: the version the user read is no longer current.
    fresh = factory().get(Child, child_id)
    with pytest.raises(StaleRecordError) as err:
        check_version(fresh, 1, "Ce dossier")
    assert "modifié entre-temps" in err.value.message
    # The ORM check behind it: a write based on the old row fails.
    b.school = "Autre école"
    with pytest.raises(StaleDataError):
        second.commit()
    second.rollback()
    assert factory().get(Child, child_id).school == "Collège Jean-Moulin"


def test_sqlite_pragmas(engine):
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.BUSY_TIMEOUT_MS


def test_french_formats():
    assert fr_date(dt.date(2026, 9, 1)) == "01/09/2026"
    assert fr_date(None) == ""
    assert fr_amount(Decimal("1234.5")) == "1\u202f234,50\u00a0€"
    assert fr_amount(45) == "45,00\u00a0€"
    assert fr_amount(Decimal("1234567.891"), currency=False) == "1\u202f234\u202f567,89"


def test_amount_and_date_parsing_refuse_with_the_field():
    assert as_amount("1 234,50 €", "tariff", "Tarif") == Decimal("1234.50")
    for bad in ("abc", "-3", "NaN"):
        with pytest.raises(DomainError) as err:
            as_amount(bad, "tariff", "Tarif")
        assert err.value.field == "tariff"
    assert as_date("05/10/2026", "d", "Date") == dt.date(2026, 10, 5)
    with pytest.raises(DomainError) as err:
        as_date("31/02/2026", "d", "Date")
    assert err.value.field == "d" and "JJ/MM/AAAA" in err.value.message


def test_fold_ignores_case_accents_and_ligatures():
    assert fold("  Éloïse   N'DIAYE ") == "eloise n'diaye"
    assert fold("Cœur") == "coeur"
    assert fold(None) == ""


def test_json_values_stay_structured_in_the_audit_trail():
    from pre_desktop.services.audit import _jsonable

    value = {"ids": [1, 2], "before": {"review_date": dt.date(2026, 5, 1), "amount": Decimal("45.5")}}
    assert _jsonable(value) == {"ids": [1, 2], "before": {"review_date": "2026-05-01", "amount": "45.5"}}


def test_relationship_only_changes_are_audited_with_their_keys(factory):
    """Setting a relationship (not its id column) changes the row's foreign key at flush:
    the trail must show it, on creation as on update."""
    child_id = _child(factory)
    with db.session_scope(factory, 1) as s:
        other = Family(name="Diallo")
        s.add(other)
        s.flush()
        other_id = other.id
        child = s.get(Child, child_id)
        old_family = child.family_id
        child.family = other  # relationship only
    with db.session_scope(factory) as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.entity == "children").order_by(AuditEvent.id)).all()
    create, *updates = events
    assert create.changes["family_id"] == [None, old_family]  # set through Child(family=...)
    assert [e.changes for e in updates] == [{"family_id": [old_family, other_id]}]
    assert updates[0].user_id == 1 and updates[0].family_id == other_id


def test_rows_deleted_as_orphans_are_audited(factory):
    """Removing a row from its parent's collection (delete-orphan) deletes it at flush,
    without session.delete(): the trail must still show the deletion."""
    with db.session_scope(factory, 2) as s:
        fam = Family(name="Nguyen")
        fam.guardians.append(Guardian(last_name="Nguyen", first_name="Thi", is_legal_guardian=True))
        fam.guardians.append(Guardian(last_name="Nguyen", first_name="Van", is_legal_guardian=True))
        s.add(fam)
    with db.session_scope(factory, 1) as s:
        family = s.get(Family, fam.id)
        thi = family.guardians[0]
        family.guardians.remove(thi)
        thi_id = thi.id
    with db.session_scope(factory) as s:
        assert s.get(Guardian, thi_id) is None
        (event,) = s.scalars(select(AuditEvent).where(AuditEvent.entity == "guardians",
                                                      AuditEvent.action == AuditAction.DELETE)).all()
    assert (event.entity_id, event.user_id, event.family_id) == (thi_id, 1, fam.id)
    assert event.changes["first_name"] == ["Thi", None]


def test_a_failed_flush_leaves_no_stale_audit_event_for_the_next_one(factory):
    """A flush refused by the database (constraint) is rolled back; the session may go on
    (long-lived UI session): its next flush must not trace the rows of the failed one."""
    from sqlalchemy.exc import IntegrityError

    s = factory()
    s.info["user_id"] = 1
    try:
        s.add(Child(family_id=999, last_name="Fantome", first_name="Ada", birth_date=dt.date(2016, 3, 4)))
        with pytest.raises(IntegrityError):
            s.flush()
        s.rollback()
        s.add(Family(name="Réelle"))
        s.commit()
        events = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(e.entity, e.action) for e in events if e.entity in ("children", "families")] == [
            ("families", AuditAction.CREATE)]
    finally:
        s.close()


def test_yes_no_is_read_not_cast():
    from pre_desktop.services.common import as_bool

    assert as_bool("non", "f", "Champ") is False and as_bool("Oui", "f", "Champ") is True
    assert as_bool("false", "f", "Champ") is False and as_bool(1, "f", "Champ") is True
    assert as_bool(None, "f", "Champ") is False
    with pytest.raises(DomainError) as err:
        as_bool("peut-être", "interpreter_needed", "Interprète nécessaire")
    assert err.value.field == "interpreter_needed"


def test_unknown_update_field_is_refused_with_its_name():
    from pre_desktop.services.common import apply_changes, reject_unknown

    reject_unknown({"name": 1}, {"name", "town"}, "une structure partenaire")
    with pytest.raises(DomainError) as err:
        reject_unknown({"name": 1, "colour": 2}, {"name"}, "une structure partenaire")
    assert err.value.field == "colour" and "colour" in err.value.message

    class Row:
        a, b = 1, 2

    row = Row()
    apply_changes(row, {"a": 1, "b": 3})
    assert (row.a, row.b) == (1, 3) and "a" not in vars(row)


def test_participles_agree_with_the_child():
    from pre_desktop.formatting import agreed
    from pre_desktop.models import Sex

    assert (agreed("né", Sex.FEMALE), agreed("né", Sex.MALE), agreed("né", None)) == ("née", "né", "né(e)")
    assert agreed("entré", "F") == "entrée"
