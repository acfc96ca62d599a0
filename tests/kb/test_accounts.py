"""Accounts: slow password hashes, roles and who may see restricted documents."""
from __future__ import annotations

import pytest

from kb.accounts import AccountError, add_user, authenticate, get_user, list_users, remove_user
from kb.store import Store


def test_password_is_stored_as_a_slow_salted_hash(store: Store) -> None:
    add_user(store, "alice", "correct horse battery", "curator")
    stored = store.conn.execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    add_user(store, "bob", "correct horse battery")
    hashes = {row[0] for row in store.conn.execute("SELECT password_hash FROM users")}
    assert len(hashes) == 2, "the same password gets a different salt"


def test_authenticate_accepts_only_the_right_password(store: Store) -> None:
    add_user(store, "alice", "correct horse battery", "curator")
    user = authenticate(store, "alice", "correct horse battery")
    assert user is not None and user.can_curate and not user.is_admin
    assert authenticate(store, "alice", "wrong password!") is None
    assert authenticate(store, "nobody", "correct horse battery") is None


def test_roles_and_restricted_access(store: Store) -> None:
    assert not add_user(store, "v", "a long password", "viewer").sees_restricted
    assert add_user(store, "r", "a long password", "viewer", restricted_access=True).sees_restricted
    assert add_user(store, "a", "a long password", "admin").sees_restricted
    assert [u.username for u in list_users(store)] == ["a", "r", "v"]


@pytest.mark.parametrize("username, password, role, message", [
    ("alice", "short", "viewer", "at least 10 characters"),
    ("alice", "a long password", "owner", "role must be one of"),
    ("bad name!", "a long password", "viewer", "user name"),
])
def test_bad_accounts_are_refused(store: Store, username, password, role, message) -> None:
    with pytest.raises(AccountError, match=message):
        add_user(store, username, password, role)


def test_duplicate_and_removal(store: Store) -> None:
    add_user(store, "alice", "a long password")
    with pytest.raises(AccountError, match="already"):
        add_user(store, "alice", "another long password")
    assert remove_user(store, "alice") and get_user(store, "alice") is None
    assert not remove_user(store, "alice")
