"""Acronyms practitioners type, read from ``kb/acronyms.toml``: what each stands for, its
common misspellings and the theme it belongs to (data, not code)."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_ACRONYMS = Path(__file__).with_name("acronyms.toml")


@dataclass(frozen=True)
class Acronym:
    term: str  # as written: "CAMHS"
    means: tuple[str, ...]  # equivalent terms: "child and adolescent mental health services"
    variants: tuple[str, ...]  # common misspellings, lower case: "cahms", "cams"
    theme: str | None


@dataclass(frozen=True)
class Correction:
    """A query word read as an acronym: ``typed`` as written, ``acronym`` as meant."""

    typed: str
    acronym: Acronym


@lru_cache(maxsize=4)
def load_acronyms(path: Path = DEFAULT_ACRONYMS) -> tuple[Acronym, ...]:
    """The acronyms of a file (default: the shipped ``kb/acronyms.toml``)."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return tuple(Acronym(term=entry["term"], means=tuple(entry.get("means", ())),
                         variants=tuple(v.lower() for v in entry.get("variants", ())),
                         theme=entry.get("theme")) for entry in data.get("acronyms", ()))


@lru_cache(maxsize=4)
def _variants(acronyms: tuple[Acronym, ...]) -> tuple[re.Pattern | None, dict[str, Acronym]]:
    by_variant = {variant: acronym for acronym in acronyms for variant in acronym.variants}
    if not by_variant:
        return None, {}
    alternatives = "|".join(re.escape(v).replace(r"\ ", r"\s+")
                            for v in sorted(by_variant, key=len, reverse=True))
    return re.compile(rf"(?<![\w'\"-])(?:{alternatives})(?![\w'-])", re.IGNORECASE), by_variant


def read_acronyms(text: str, acronyms: tuple[Acronym, ...]) -> tuple[str, list[Correction]]:
    """``text`` with each misspelt acronym written as the acronym (words in quotes are left
    as typed), and what was changed."""
    pattern, by_variant = _variants(acronyms)
    if pattern is None:
        return text, []
    corrections: list[Correction] = []
    quoted = [match.span() for match in re.finditer(r'"[^"]*"?', text)]

    def replace(match: re.Match) -> str:
        if any(start <= match.start() < end for start, end in quoted):
            return match.group(0)
        acronym = by_variant[" ".join(match.group(0).lower().split())]
        corrections.append(Correction(match.group(0), acronym))
        return acronym.term

    return pattern.sub(replace, text), corrections


def synonym_groups(acronyms: tuple[Acronym, ...]) -> list[tuple[str | None, tuple[str, ...]]]:
    """Each acronym with its meanings, as (theme or None, group of equivalent terms)."""
    return [(acronym.theme, (acronym.term.lower(), *acronym.means)) for acronym in acronyms]
