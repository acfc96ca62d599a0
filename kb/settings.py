"""One settings object for every entry point: data directory, taxonomy and secret key."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_THEMES = Path(__file__).with_name("themes.toml")


@dataclass(frozen=True)
class Settings:
    """Where data lives and what the service runs with.

    Environment variables: KB_DATA (data directory, default ``instance``),
    KB_THEMES (taxonomy file, default the shipped ``kb/themes.toml``),
    KB_SECRET_KEY (signing key for sessions; generated and kept in the data
    directory when unset).
    """

    data_dir: Path = Path("instance")
    themes_path: Path = DEFAULT_THEMES
    secret_key: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, data_dir: str | os.PathLike | None = None,
                 themes_path: str | os.PathLike | None = None) -> "Settings":
        """Build settings from explicit values (CLI flags) falling back to the environment."""
        data = Path(data_dir or os.environ.get("KB_DATA") or "instance")
        themes = Path(themes_path or os.environ.get("KB_THEMES") or DEFAULT_THEMES)
        return cls(data_dir=data, themes_path=themes, secret_key=os.environ.get("KB_SECRET_KEY", ""))

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
