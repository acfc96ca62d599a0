"""One settings object for every entry point: data directory, taxonomy, secret key and access."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

#: The search engines (``kb.engine``), the default first.
ENGINES = ("tantivy", "whoosh")
DEFAULT_THEMES = Path(__file__).with_name("themes.toml")


@dataclass(frozen=True)
class Settings:
    """Where data lives and what the service runs with.

    Environment variables: KB_DATA (data directory, default ``instance``),
    KB_THEMES (taxonomy file, default the shipped ``kb/themes.toml``),
    KB_SECRET_KEY (signing key for sessions; generated and kept in the data
    directory when unset), KB_REQUIRE_SIGN_IN (``yes``: nothing but the sign-in
    page is shown to anyone not signed in; default ``no``), KB_SECURE_COOKIES
    (``no`` lets the session cookie travel over plain HTTP, for local use only;
    default ``yes``), KB_BEHIND_PROXY (``yes``: trust one reverse proxy's
    X-Forwarded-For/-Proto/-Host headers; default ``no``), KB_SEARCH_CACHE_MB (memory
    for the matches of recent queries, reused when a search is refined or paged; 0 turns
    the cache off; default 64), KB_ENGINE (the search engine: ``tantivy``, the default, or
    ``whoosh``, pure Python, for small installations and platforms without a tantivy wheel;
    changing it rebuilds the index from the database on the next start).
    """

    data_dir: Path = Path("instance")
    themes_path: Path = DEFAULT_THEMES
    secret_key: str = field(default="", repr=False)
    require_sign_in: bool = False
    secure_cookies: bool = True
    behind_proxy: bool = False
    search_cache_mb: int = 64
    engine: str = field(default_factory=lambda: _engine_from_env())

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"KB_ENGINE must be one of {', '.join(ENGINES)}, not {self.engine!r}")

    @classmethod
    def from_env(cls, data_dir: str | os.PathLike | None = None,
                 themes_path: str | os.PathLike | None = None, *,
                 require_sign_in: bool | None = None, secure_cookies: bool | None = None,
                 behind_proxy: bool | None = None) -> "Settings":
        """Build settings from explicit values (CLI flags) falling back to the environment.

        Raises ValueError for a yes/no variable holding anything else.
        """
        data = Path(data_dir or os.environ.get("KB_DATA") or "instance")
        themes = Path(themes_path or os.environ.get("KB_THEMES") or DEFAULT_THEMES)
        return cls(
            data_dir=data, themes_path=themes, secret_key=os.environ.get("KB_SECRET_KEY", ""),
            require_sign_in=_flag(require_sign_in, "KB_REQUIRE_SIGN_IN", default=False),
            secure_cookies=_flag(secure_cookies, "KB_SECURE_COOKIES", default=True),
            behind_proxy=_flag(behind_proxy, "KB_BEHIND_PROXY", default=False),
            search_cache_mb=int(os.environ.get("KB_SEARCH_CACHE_MB") or 64),
            engine=_engine_from_env())

    @property
    def db_path(self) -> Path:
        return self.data_dir / "kb.sqlite3"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def files_dir(self) -> Path:
        """Copies of the original report files, named by content hash."""
        return self.data_dir / "files"

    def ensure_secret_key(self) -> str:
        """The configured secret key, or one generated once and stored in the data directory."""
        if self.secret_key:
            return self.secret_key
        key_file = self.data_dir / "secret_key"
        if key_file.exists():
            return key_file.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


def _engine_from_env() -> str:
    """KB_ENGINE, else the default engine."""
    return (os.environ.get("KB_ENGINE") or ENGINES[0]).strip().lower()


_YES = ("1", "yes", "true", "on")
_NO = ("0", "no", "false", "off")


def _flag(explicit: bool | None, variable: str, default: bool) -> bool:
    """An explicit value (a CLI flag), else the yes/no environment variable, else ``default``."""
    if explicit is not None:
        return explicit
    raw = os.environ.get(variable, "").strip().lower()
    if not raw:
        return default
    if raw in _YES:
        return True
    if raw in _NO:
        return False
    raise ValueError(f"{variable} must be yes or no, not {raw!r}")
