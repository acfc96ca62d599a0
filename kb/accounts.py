"""People who sign in: roles, restricted access and slow password hashes (scrypt, standard library)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from kb.store import Store, utc_now

ROLES: tuple[str, ...] = ("viewer", "curator", "admin")
_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1, "dklen": 32}
MIN_PASSWORD_CHARS = 10


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    restricted_access: bool

    @property
    def can_curate(self) -> bool:
        return self.role in ("curator", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def sees_restricted(self) -> bool:
        """Whether restricted documents and everything derived from them are visible."""
        return self.restricted_access or self.is_admin


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def _password_matches(password: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **_SCRYPT)
    return hmac.compare_digest(candidate.hex(), digest)


_DUMMY_HASH = hash_password(secrets.token_hex(8))


def add_user(store: Store, username: str, password: str, role: str = "viewer",
             restricted_access: bool = False) -> User:
    """Create an account; raises AccountError for a taken name, unknown role or short password."""
    username = username.strip()
    if not username or len(username) > 64 or not username.replace(".", "").replace("-", "") \
            .replace("_", "").replace("@", "").isalnum():
        raise AccountError("a user name is 1 to 64 letters, digits or . - _ @")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    if get_user(store, username) is not None:
        raise AccountError(f"there is already a user called {username}")
    with store.transaction():
        store.conn.execute(
            "INSERT INTO users (username, password_hash, role, restricted_access, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (username, hash_password(password), role, int(restricted_access), utc_now()))
    return User(username, role, restricted_access)


def remove_user(store: Store, username: str) -> bool:
    with store.transaction():
        cursor = store.conn.execute("DELETE FROM users WHERE username = ?", (username,))
    return cursor.rowcount > 0


def get_user(store: Store, username: str) -> User | None:
    row = store.conn.execute(
        "SELECT username, role, restricted_access FROM users WHERE username = ?",
        (username,)).fetchone()
    return User(row[0], row[1], bool(row[2])) if row else None


def list_users(store: Store) -> list[User]:
    rows = store.conn.execute(
        "SELECT username, role, restricted_access FROM users ORDER BY username")
    return [User(row[0], row[1], bool(row[2])) for row in rows]


def authenticate(store: Store, username: str, password: str) -> User | None:
    """The user if the password is right, else None (taking as long either way)."""
    row = store.conn.execute(
        "SELECT password_hash FROM users WHERE username = ?", (username,)).fetchone()
    if row is None:
        _password_matches(password, _DUMMY_HASH)
        return None
    return get_user(store, username) if _password_matches(password, row[0]) else None
