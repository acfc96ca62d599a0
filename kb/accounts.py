"""People who sign in: roles, restricted access, slow password hashes (scrypt, standard
library) and sessions kept on the server, which signing out, a new password, a new role or
removing the account end at once."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

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


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")


def add_user(store: Store, username: str, password: str, role: str = "viewer",
             restricted_access: bool = False) -> User:
    """Create an account; raises AccountError for a taken name, unknown role or short password."""
    username = username.strip()
    if not username or len(username) > 64 or not username.replace(".", "").replace("-", "") \
            .replace("_", "").replace("@", "").isalnum():
        raise AccountError("a user name is 1 to 64 letters, digits or . - _ @")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    _check_password(password)
    if get_user(store, username) is not None:
        raise AccountError(f"there is already a user called {username}")
    with store.transaction():
        store.conn.execute(
            "INSERT INTO users (username, password_hash, role, restricted_access, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (username, hash_password(password), role, int(restricted_access), utc_now()))
    return User(username, role, restricted_access)


def remove_user(store: Store, username: str) -> bool:
    """Delete an account and end its sessions; False when there is no such account."""
    with store.transaction():
        store.conn.execute("DELETE FROM sessions WHERE username = ?", (username,))
        cursor = store.conn.execute("DELETE FROM users WHERE username = ?", (username,))
    return cursor.rowcount > 0


def change_password(store: Store, username: str, password: str) -> None:
    """Set a new password and end every session of the account (sign in again with it)."""
    _check_password(password)
    with store.transaction():
        cursor = store.conn.execute("UPDATE users SET password_hash = ? WHERE username = ?",
                                    (hash_password(password), username))
        if cursor.rowcount == 0:
            raise AccountError(f"no user called {username}")
        store.conn.execute("DELETE FROM sessions WHERE username = ?", (username,))


def change_role(store: Store, username: str, role: str, restricted_access: bool) -> User:
    """Give an account another role or access, ending its sessions (they were granted under
    the old one)."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    with store.transaction():
        cursor = store.conn.execute(
            "UPDATE users SET role = ?, restricted_access = ? WHERE username = ?",
            (role, int(restricted_access), username))
        if cursor.rowcount == 0:
            raise AccountError(f"no user called {username}")
        store.conn.execute("DELETE FROM sessions WHERE username = ?", (username,))
    return User(username, role, restricted_access)


# -- sessions ----------------------------------------------------------------------------
def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(store: Store, username: str, lifetime: timedelta) -> str:
    """A new session for ``username``, lasting ``lifetime``; returns its token (for the
    cookie; the store keeps only its hash). Expired sessions are forgotten meanwhile."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(timezone.utc)
    with store.transaction():
        store.conn.execute("DELETE FROM sessions WHERE expires_at <= ?",
                           (now.isoformat(timespec="seconds"),))
        store.conn.execute(
            "INSERT INTO sessions (token_hash, username, created_at, expires_at) "
            "VALUES (?, ?, ?, ?)",
            (_token_hash(token), username, now.isoformat(timespec="seconds"),
             (now + lifetime).isoformat(timespec="seconds")))
    return token


def session_user(store: Store, token: str) -> User | None:
    """The account a live session belongs to, or None (ended, expired or unknown)."""
    row = store.conn.execute(
        "SELECT u.username, u.role, u.restricted_access FROM sessions s "
        "JOIN users u ON u.username = s.username WHERE s.token_hash = ? AND s.expires_at > ?",
        (_token_hash(token), utc_now())).fetchone()
    return User(row[0], row[1], bool(row[2])) if row else None


def end_session(store: Store, token: str) -> None:
    """Sign one session out."""
    with store.transaction():
        store.conn.execute("DELETE FROM sessions WHERE token_hash = ?", (_token_hash(token),))


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
