"""One settings object for every entry point: data directory, taxonomy, secret key and access."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

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
    the cache off; default 64), KB_BASE_URL (the public address links in the API and CSV
    are built on, e.g. ``https://kb.example.org``; unset, they are paths on this site),
    KB_PARTNERSHIP (the partnership running the service, named
    as the author of training packs exported by no one signed in), KB_OUR_AREA (its area, as
    kb/areas.toml names it: offered as "our area" in filters),
    KB_ENGINE (the search engine: ``tantivy``, the default, or
    ``whoosh``, pure Python, for small installations and platforms without a tantivy wheel;
    changing it rebuilds the index from the database on the next start).

    The data directory and the taxonomy file are made absolute once, when the settings are
    made, so nothing later reads them against another working directory.
    """

    data_dir: Path = Path("instance")
    themes_path: Path = DEFAULT_THEMES
    secret_key: str = field(default="", repr=False)
    require_sign_in: bool = False
    secure_cookies: bool = True
    behind_proxy: bool = False
    search_cache_mb: int = 64
    base_url: str = ""
    partnership: str = ""
    our_area: str = ""  # the area of the partnership running the service (kb.areas)
    engine: str = field(default_factory=lambda: _engine_from_env())

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"KB_ENGINE must be one of {', '.join(ENGINES)}, not {self.engine!r}")
        object.__setattr__(self, "data_dir", Path(os.path.abspath(self.data_dir)))
        object.__setattr__(self, "themes_path", Path(os.path.abspath(self.themes_path)))
        object.__setattr__(self, "base_url", _base_url(self.base_url))

    @classmethod
    def from_env(cls, data_dir: str | os.PathLike | None = None,
                 themes_path: str | os.PathLike | None = None, *,
                 require_sign_in: bool | None = None, secure_cookies: bool | None = None,
                 behind_proxy: bool | None = None, base_url: str | None = None) -> "Settings":
        """Build settings from explicit values (CLI flags) falling back to the environment.

        Raises ValueError for a yes/no variable holding anything else, or a base URL that
        is not an http(s) address.
        """
        data = Path(data_dir or os.environ.get("KB_DATA") or "instance")
        themes = Path(themes_path or os.environ.get("KB_THEMES") or DEFAULT_THEMES)
        return cls(
            data_dir=data, themes_path=themes, secret_key=os.environ.get("KB_SECRET_KEY", ""),
            require_sign_in=_flag(require_sign_in, "KB_REQUIRE_SIGN_IN", default=False),
            secure_cookies=_flag(secure_cookies, "KB_SECURE_COOKIES", default=True),
            behind_proxy=_flag(behind_proxy, "KB_BEHIND_PROXY", default=False),
            search_cache_mb=_whole_number("KB_SEARCH_CACHE_MB", default=64),
            base_url=base_url if base_url is not None else os.environ.get("KB_BASE_URL", ""),
            partnership=" ".join(os.environ.get("KB_PARTNERSHIP", "").split())[:200],
            our_area=" ".join(os.environ.get("KB_OUR_AREA", "").split())[:200],
            engine=_engine_from_env())

    def check_data_dir(self) -> None:
        """Raise DataDirError when the data directory cannot be one (it is a file, say)."""
        if self.data_dir.exists() and not self.data_dir.is_dir():
            raise DataDirError(f"the data directory {self.data_dir} is a file, not a directory: "
                               "give a directory with --data or KB_DATA")

    @property
    def data_dir_writable(self) -> bool:
        """Whether this process may change the data directory (or create it)."""
        existing = next(p for p in (self.data_dir, *self.data_dir.parents) if p.exists())
        return os.access(existing, os.W_OK | os.X_OK)

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
        if not self.data_dir_writable:
            raise DataDirError(f"the data directory {self.data_dir} is read-only and holds no "
                               "secret key: set KB_SECRET_KEY")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


class DataDirError(ValueError):
    """The data directory cannot be used as it is; the message says why and what to do."""


def _base_url(raw: str) -> str:
    """``raw`` as a base for absolute links (no trailing slash), or "" for relative links."""
    raw = raw.strip()
    if not raw:
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/") \
            or parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError(f"the base URL is the site's scheme and host, such as "
                         f"https://kb.example.org, not {raw!r}")
    return f"{parts.scheme}://{parts.netloc}"


def _whole_number(variable: str, default: int) -> int:
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ValueError(f"{variable} must be a whole number, not {raw!r}")
    return int(raw)


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
