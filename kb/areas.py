"""Areas: the place a local partnership serves, whatever name its reports were published
under (boards became partnerships in 2019). Aliases come from a data file (``kb/areas.toml``,
or ``areas.toml`` in the data directory); other names lose their "Safeguarding Children
Board"-like ending. National bodies have no area.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kb.text import fold

AREAS_FILE = Path(__file__).with_name("areas.toml")
#: Endings that name the body rather than the place: "Safeguarding Children Board",
#: "Local Safeguarding Children Partnership", "Safeguarding Partnership", "LSCB"...
_BODY = re.compile(
    r"(?:\s*[,\-–]\s*|\s+)(?:(?:local\s+)?(?:children'?s\s+)?safeguarding\s+(?:children(?:'s)?\s+|"
    r"adults\s+|and\s+\w+\s+)?(?:partnership|board|arrangements?)s?|l?scb|l?scp|mascp)$",
    re.IGNORECASE)
_THE = re.compile(r"^the\s+", re.IGNORECASE)


class AreasError(ValueError):
    """An areas file that cannot be used, with the reason."""


def _key(name: str) -> str:
    """A name as compared: typographic marks folded, case and spacing ignored."""
    return " ".join(fold(name).lower().split())


@dataclass(frozen=True)
class Areas:
    """Known areas and the names each has published under."""

    aliases: dict[str, str] = field(default_factory=dict)  # folded name -> area
    names: tuple[str, ...] = ()

    def area_of(self, publisher: str, scope: str = "local", declared: str = "") -> str:
        """The area of a document: ``declared`` (catalogue or front matter) when given, else
        its publisher's area; "" for a national document or one with no publisher."""
        if declared.strip():
            return self.aliases.get(_key(declared), " ".join(declared.split()))
        if scope == "national" or not publisher.strip():
            return ""
        known = self.aliases.get(_key(publisher))
        if known:
            return known
        place = _THE.sub("", _BODY.sub("", " ".join(fold(publisher).split())).strip())
        return self.aliases.get(_key(place), place) if place else ""


@lru_cache(maxsize=8)
def _load(path: Path, modified: float) -> Areas:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise AreasError(f"{path}: cannot be read: {error}") from error
    table = data.get("areas", {})
    if not isinstance(table, dict):
        raise AreasError(f"{path}: [areas] must be a table of areas")
    aliases: dict[str, str] = {}
    for name, entry in table.items():
        names = entry.get("aliases", []) if isinstance(entry, dict) else None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise AreasError(f"{path}: areas.{name}.aliases must be a list of names")
        for alias in [name, *names]:
            aliases[_key(alias)] = name
    return Areas(aliases=aliases, names=tuple(table))


def load_areas(data_dir: Path | None = None) -> Areas:
    """The data directory's ``areas.toml`` when it has one, else the shipped file."""
    own = Path(data_dir) / "areas.toml" if data_dir is not None else None
    path = own if own is not None and own.is_file() else AREAS_FILE
    return _load(path, path.stat().st_mtime)
