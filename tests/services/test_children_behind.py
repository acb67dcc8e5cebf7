"""The list behind a figure: only the files the acting user may read, sorted by name
without regard to accents, ages on the statistics' day, the same rows whichever way the
ids are looked up (a few, or thousands)."""

from __future__ import annotations

import datetime as dt

import pytest

from pre_desktop import db
from pre_desktop.models import Child, ChildStatus, Family, Role, User
from pre_desktop.services import children_behind as module
from pre_desktop.services.children_behind import children_behind

D = dt.date


@pytest.fixture
def ids(factory) -> dict[str, int]:
    with db.session_scope(factory) as s:
        family = Family(name="Test")
        made = {
            "zoe": Child(family=family, last_name="Zidane", first_name="Zoé", birth_date=D(2015, 6, 1),
                         school="École Jaurès", school_class="CM1", referent_id=2, status=ChildStatus.ACTIVE),
            "emile": Child(family=family, last_name="Élie", first_name="Émile", birth_date=D(2016, 1, 31),
                           referent_id=1, status=ChildStatus.ENDED),
            "fabien": Child(family=family, last_name="Faure", first_name="Fabien", birth_date=D(2012, 12, 31),
                            school="Collège Moulin", referent_id=2, status=ChildStatus.REFERRED),
        }
        s.add_all(made.values())
        s.add(User(login="secr", first_name="Sam", last_name="Dupont", role=Role.SECRETARIAT))
        s.flush()
        return {key: child.id for key, child in made.items()}


def rows_as(factory, user_id, wanted, on=D(2025, 12, 31)):
    with factory() as s:
        s.info["user_id"] = user_id
        return children_behind(s, wanted, on)


def test_a_coordinator_gets_every_child_asked_sorted_without_accents(factory, ids):
    rows = rows_as(factory, 1, [ids["zoe"], ids["fabien"], ids["emile"]])
    assert [r.name for r in rows] == ["ÉLIE Émile", "FAURE Fabien", "ZIDANE Zoé"]
    emile, fabien, zoe = rows
    assert (fabien.age, emile.age, zoe.age) == (13, 9, 10)  # on 31/12/2025
    assert (zoe.school, zoe.school_class, zoe.referent_name, zoe.status_label) == (
        "École Jaurès", "CM1", "Karim Benali", "En parcours")
    assert zoe.search_text == "zidane zoe ecole jaures karim benali"
    assert rows_as(factory, 1, []) == []


def test_a_referent_gets_only_their_files_and_the_secretariat_none(factory, ids):
    wanted = list(ids.values())
    assert [r.first_name for r in rows_as(factory, 2, wanted)] == ["Fabien", "Zoé"]
    with factory() as s:
        secretary = s.query(User).filter_by(login="secr").one().id
    assert rows_as(factory, secretary, wanted) == []


def test_thousands_of_ids_read_every_visible_file_and_keep_the_wanted_ones(factory, ids, monkeypatch):
    few = rows_as(factory, 2, [ids["zoe"], ids["emile"], 9999])
    monkeypatch.setattr(module, "_IN_LIST_LIMIT", 1)
    assert rows_as(factory, 2, [ids["zoe"], ids["emile"], 9999]) == few
    assert [r.first_name for r in few] == ["Zoé"]
