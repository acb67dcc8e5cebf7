"""Accounts (issue 9): Argon2id hashes, password strength, the growing delay after failures,
the first password of an unsecured base, and who may manage accounts."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, text

from pre_desktop import db
from pre_desktop.models import AuditAction, AuditEvent, Role, User
from pre_desktop.services import auth, users
from pre_desktop.services.errors import DomainError, PermissionDeniedError

from refusal import refused

GOOD = "Jardin-Bleu-42"
T0 = dt.datetime(2026, 11, 22, 9, 0, 0)


@pytest.fixture
def secured(factory, fast_hashing):
    """The coordinator (1) and the référent (2) have passwords; a secretary (3) too."""
    with db.session_scope(factory) as s:
        auth.set_password(s, 1, GOOD)
        auth.set_password(s, 2, "Suivi-Parcours-2026")
        users.create_user(s, login="secr", first_name="Sonia", last_name="Petit", role=Role.SECRETARIAT,
                          password="Accueil-Partenaires-7")
    return factory


def login(factory, name, password, now=T0):
    return auth.kept_even_if_refused(factory, None, lambda s: auth.authenticate(s, name, password, now).id)


def test_password_is_stored_as_argon2id_and_never_in_the_trail(secured):
    with secured() as s:
        user = s.get(User, 1)
        assert user.password_hash.startswith("$argon2id$") and GOOD not in user.password_hash
        hashes = [u.password_hash for u in s.scalars(select(User))]
        trail = json.dumps([(e.changes, e.summary) for e in s.scalars(select(AuditEvent))], ensure_ascii=False)
    for value in hashes:
        assert value not in trail
    assert "argon2" not in trail and GOOD not in trail
    assert "Mot de passe attribué au compte « coord »" in trail


def test_real_hasher_is_argon2id_with_sound_parameters():
    assert auth.hasher.type.name == "ID" and auth.hasher.memory_cost >= 19 * 1024 and auth.hasher.time_cost >= 2


@pytest.mark.parametrize("password, reason", [
    ("Court-1", "au moins 10 caractères"),
    ("toutenminusculesici", "trois sortes"),
    ("TOUTENMAJUSCULE42", "trois sortes"),
    ("Claire-et-moi-42", "le prénom"),
    ("xx-Martin-2026", "le nom"),
    ("Coord-Bureau-2026", "l'identifiant"),
    ("Azertyuiop2024!", "plus courants"),
    ("Motdepasse-123", "plus courants"),
    (" Jardin-Bleu-42", "espace"),
    ("", "Choisissez"),
])
def test_weak_passwords_are_refused_with_the_reason(factory, db_snapshot, fast_hashing, password, reason):
    error = refused(factory, db_snapshot, lambda s: auth.set_password(s, 1, password))
    assert error.field == "password" and reason in error.message


def test_login_success_sets_last_login_and_traces_it(secured):
    assert login(secured, "coord", GOOD) == 1
    assert login(secured, " COORD ", GOOD) == 1  # as typed: spaces and capitals do not matter
    with secured() as s:
        user = s.get(User, 1)
        assert user.last_login_at == T0 and user.failed_logins == 0
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.LOGIN)).all()[-1]
        assert event.user_id == 1 and event.summary == "Connexion"


def test_unknown_login_and_wrong_password_read_the_same(secured):
    with pytest.raises(DomainError) as unknown:
        login(secured, "personne", GOOD)
    with pytest.raises(DomainError) as wrong:
        login(secured, "coord", "Jardin-Bleu-43")
    assert unknown.value.message == wrong.value.message == "Identifiant ou mot de passe incorrect."
    assert unknown.value.field == wrong.value.field == "password"


def test_delay_grows_after_five_failures_and_is_checked_before_the_password(secured):
    now = T0
    for _ in range(4):
        with pytest.raises(DomainError, match="incorrect"):
            login(secured, "ref", "Mauvais-Essai-1", now)
    with pytest.raises(DomainError, match="incorrect"):  # the 5th failure: counted, then the delay
        login(secured, "ref", "Mauvais-Essai-1", now)
    waits = []
    for _ in range(6):
        with pytest.raises(DomainError) as early:  # even the right password is not checked yet
            login(secured, "ref", "Suivi-Parcours-2026", now)
        waits.append(early.value.message)
        with secured() as s:
            left = auth.wait_left(s.get(User, 2), now)
        now += left
        with pytest.raises(DomainError, match="incorrect"):
            login(secured, "ref", "Mauvais-Essai-1", now)
    assert waits == ["Trop d'essais : réessayez dans 30 s.", "Trop d'essais : réessayez dans 1 min.",
                     "Trop d'essais : réessayez dans 2 min.", "Trop d'essais : réessayez dans 4 min.",
                     "Trop d'essais : réessayez dans 8 min.", "Trop d'essais : réessayez dans 15 min."]
    with secured() as s:
        assert s.get(User, 2).failed_logins == 11
    now += dt.timedelta(minutes=15)
    assert login(secured, "ref", "Suivi-Parcours-2026", now) == 2  # the wait is over: success resets
    with secured() as s:
        assert s.get(User, 2).failed_logins == 0 and s.get(User, 2).last_failed_at is None
    assert [auth.delay_after(n).total_seconds() for n in (0, 4, 5, 6, 7, 9, 10, 40)] == \
        [0, 0, 30, 60, 120, 480, 900, 900]


def test_inactive_account_is_refused_only_to_who_knows_its_password(secured):
    with db.session_scope(secured, 1) as s:
        users.set_active(s, 2, False)
    with pytest.raises(DomainError, match="incorrect"):
        login(secured, "ref", "Autre-Essai-99")
    with pytest.raises(DomainError, match="désactivé"):
        login(secured, "ref", "Suivi-Parcours-2026")


def test_rehash_when_parameters_change(secured, monkeypatch):
    with secured() as s:
        old = s.get(User, 1).password_hash
    monkeypatch.setattr(auth, "hasher", PasswordHasher(time_cost=2, memory_cost=128, parallelism=1))
    assert login(secured, "coord", GOOD) == 1
    with secured() as s:
        new = s.get(User, 1).password_hash
    assert new != old and "m=128,t=2,p=1" in new
    assert login(secured, "coord", GOOD) == 1


def test_change_own_password_needs_the_old_one(secured, db_snapshot):
    error = refused(secured, db_snapshot, lambda s: auth.change_own_password(s, "Pas-Le-Bon-1", "Nouveau-Jardin-7"))
    assert error.field == "old_password"
    error = refused(secured, db_snapshot, lambda s: auth.change_own_password(s, GOOD, "court"))
    assert error.field == "password"
    with db.session_scope(secured, 1) as s:
        auth.change_own_password(s, GOOD, "Nouveau-Jardin-7")
    assert login(secured, "coord", "Nouveau-Jardin-7") == 1
    with pytest.raises(DomainError):
        login(secured, "coord", GOOD)


def test_wrong_old_password_counts_as_a_failure(secured):
    for _ in range(5):
        with pytest.raises(DomainError, match="ancien"):
            auth.kept_even_if_refused(secured, 1, lambda s: auth.change_own_password(s, "Pas-Le-Bon-1", "Autre-Jardin-8",
                                                                                   now=T0))
    with pytest.raises(DomainError, match="Trop d'essais"):
        auth.kept_even_if_refused(secured, 1, lambda s: auth.change_own_password(s, GOOD, "Autre-Jardin-8", now=T0))


def test_first_password_only_while_the_base_is_not_secured(factory, db_snapshot, fast_hashing):
    # A base from before accounts had passwords: the coordinator chooses theirs, once.
    with pytest.raises(auth.PasswordNotSetError) as first:
        login(factory, "coord", "")
    assert first.value.first_password_allowed and first.value.user_id == 1
    with pytest.raises(auth.PasswordNotSetError) as referent:
        login(factory, "ref", "")
    assert not referent.value.first_password_allowed and "coordonnateur" in referent.value.message
    error = refused(factory, db_snapshot, lambda s: auth.set_first_password(s, 2, "Suivi-Parcours-2026", "Suivi-Parcours-2026"))
    assert "ne peut pas" in error.message
    error = refused(factory, db_snapshot, lambda s: auth.set_first_password(s, 1, GOOD, "Jardin-Bleu-24"))
    assert error.field == "confirmation"
    with db.session_scope(factory) as s:
        auth.set_first_password(s, 1, GOOD, GOOD)
    # Secured now: another coordinator without a password can no longer choose one.
    with db.session_scope(factory, 1) as s:
        other = users.create_user(s, login="c.dubois", first_name="Chloé", last_name="Dubois").id
    with pytest.raises(auth.PasswordNotSetError) as later:
        login(factory, "c.dubois", "")
    assert not later.value.first_password_allowed
    refused(factory, db_snapshot, lambda s: auth.set_first_password(s, other, "Chene-Vert-2026", "Chene-Vert-2026"))


def test_only_a_coordinator_manages_accounts(secured, db_snapshot):
    for user_id in (2, 3):
        for action in (lambda s: users.create_user(s, login="x.y", first_name="X", last_name="Y"),
                       lambda s: users.change_role(s, 2, Role.COORDINATOR),
                       lambda s: users.set_active(s, 1, False),
                       lambda s: auth.set_password(s, 1, "Pirate-Compte-99"),
                       lambda s: users.list_accounts(s)):
            before = db_snapshot()
            with pytest.raises(PermissionDeniedError) as err:
                with db.session_scope(secured, user_id) as s:
                    action(s)
            assert db_snapshot() == before and "ne permet pas" in err.value.message


def test_coordinator_creates_changes_role_deactivates_and_resets(secured):
    with db.session_scope(secured, 1) as s:
        new = users.create_user(s, login="n.roy", first_name="Nina", last_name="Roy", role=Role.REFERENT,
                                password="Ecureuil-Roux-31", confirmation="Ecureuil-Roux-31").id
    assert login(secured, "n.roy", "Ecureuil-Roux-31") == new
    with db.session_scope(secured, 1) as s:
        users.change_role(s, new, Role.COORDINATOR)
        auth.set_password(s, new, "Ecureuil-Gris-32")
        users.set_active(s, new, False)
    with pytest.raises(DomainError, match="désactivé"):
        login(secured, "n.roy", "Ecureuil-Gris-32")
    with db.session_scope(secured, 1) as s:
        users.set_active(s, new, True)
        rows = {r.login: r for r in users.list_accounts(s)}
    assert login(secured, "n.roy", "Ecureuil-Gris-32") == new
    assert rows["n.roy"].role is Role.COORDINATOR and rows["n.roy"].active and rows["n.roy"].has_password
    with secured() as s:
        trail = [(e.action, e.changes, e.summary) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.entity == "users", AuditEvent.entity_id == new))]
    assert any(c and c.get("role") == ["referent", "coordinator"] for _, c, _ in trail)
    assert any(c and c.get("active") == [True, False] for _, c, _ in trail)
    assert any(summary == "Mot de passe attribué au compte « n.roy »" for _, _, summary in trail)


def test_the_last_active_coordinator_stays(secured, db_snapshot):
    error = refused(secured, db_snapshot, lambda s: users.change_role(s, 1, Role.REFERENT))
    assert error.field == "role" and "seul compte de coordination actif" in error.message
    with db.session_scope(secured, None) as s:  # even from the command line
        with pytest.raises(DomainError, match="seul compte"):
            users.set_active(s, 1, False)
        s.rollback()
    with db.session_scope(secured, 1) as s:
        users.create_user(s, login="c.dubois", first_name="Chloé", last_name="Dubois", password="Chene-Vert-2026")
    with db.session_scope(secured, 1) as s:
        users.change_role(s, 1, Role.REFERENT)  # another coordinator exists now
    with secured() as s:
        assert s.get(User, 1).role is Role.REFERENT


def test_nobody_deactivates_their_own_account(secured, db_snapshot):
    with db.session_scope(secured, 1) as s:
        users.create_user(s, login="c.dubois", first_name="Chloé", last_name="Dubois", password="Chene-Vert-2026")
    error = refused(secured, db_snapshot, lambda s: users.set_active(s, 1, False))
    assert error.field == "active" and "propre compte" in error.message


def test_no_hash_in_the_database_outside_the_users_table(secured):
    with secured() as s:
        hashes = [h for (h,) in s.execute(select(User.password_hash)) if h]
        dump = "\n".join(str(row) for row in s.execute(text("SELECT * FROM audit_events")))
    assert hashes and not any(h in dump for h in hashes)
