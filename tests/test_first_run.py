"""The bases the welcome screen creates: complete, or not there at all."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pre_desktop.first_run import create_demo_database, create_new_database
from pre_desktop.migrate import DatabaseOpenError, open_database
from pre_desktop.models import Child, Role, User
from pre_desktop.services.errors import DomainError
from pre_desktop.services.settings import get_settings
from pre_desktop.services.users import create_user

STRUCTURE = {"pre_name": "PRE de Roubaix", "legal_carrier_kind": "Caisse des écoles", "town": "Roubaix"}
COORD = {"login": "c.martin", "first_name": "Claire", "last_name": "Martin", "password": "Jardin-Bleu-42",
         "confirmation": "Jardin-Bleu-42"}


def test_new_database_holds_settings_and_coordinator(tmp_path):
    path = create_new_database(tmp_path / "pre.sqlite", STRUCTURE, COORD)
    engine, factory = open_database(path, create=False)
    with factory() as s:
        settings = get_settings(s)
        assert (settings.pre_name, settings.town, settings.coordinator_name) == ("PRE de Roubaix", "Roubaix", "Claire Martin")
        users = s.scalars(select(User)).all()
        assert [(u.login, u.full_name, u.role) for u in users] == [("c.martin", "Claire Martin", Role.COORDINATOR)]
        assert users[0].password_hash.startswith("$argon2id$")
    engine.dispose()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pre.sqlite"]


@pytest.mark.parametrize("structure, coordinator, field", [
    ({"pre_name": " "}, COORD, "pre_name"),
    (STRUCTURE, {**COORD, "login": "Claire Martin"}, "login"),
    (STRUCTURE, {**COORD, "last_name": ""}, "last_name"),
    ({**STRUCTURE, "public_age_min": 40}, COORD, "public_age_min"),
    (STRUCTURE, {**COORD, "password": None}, "password"),  # the first coordinator's password is required
    (STRUCTURE, {**COORD, "password": "Martin-Claire-1", "confirmation": "Martin-Claire-1"}, "password"),
    (STRUCTURE, {**COORD, "confirmation": "Jardin-Bleu-24"}, "confirmation"),
])
def test_refusal_leaves_no_file(tmp_path, structure, coordinator, field):
    with pytest.raises(DomainError) as refused:
        create_new_database(tmp_path / "pre.sqlite", structure, coordinator)
    assert refused.value.field == field
    assert list(tmp_path.iterdir()) == []


def test_existing_file_is_never_overwritten(tmp_path):
    path = tmp_path / "pre.sqlite"
    path.write_bytes(b"mes donnees")
    with pytest.raises(DatabaseOpenError, match="existe déjà"):
        create_new_database(path, STRUCTURE, COORD)
    assert path.read_bytes() == b"mes donnees"


def test_login_unique(session):
    create_user(session, login="K.Dupont", first_name="Kim", last_name="Dupont")
    with pytest.raises(DomainError, match="déjà utilisé") as refused:
        create_user(session, login="k.dupont", first_name="Kévin", last_name="Dupont")
    assert refused.value.field == "login"


def test_demo_database_replaces_only_when_asked(tmp_path):
    path = tmp_path / "demo.sqlite"
    counts = create_demo_database(path)
    assert counts["children"] > 0
    with pytest.raises(DatabaseOpenError):
        create_demo_database(path)
    create_demo_database(path, replace=True)
    engine, factory = open_database(path, create=False)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Child)) == counts["children"]
    engine.dispose()
