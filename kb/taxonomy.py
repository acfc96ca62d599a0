"""The theme taxonomy as data: themes, their signals and the facet tables, read from TOML.

The shipped taxonomy is ``kb/themes.toml``; the agency gazetteer, age-group and
passage-type signals live in ``kb/facets.toml``. A partnership's own themes file
may carry its own ``[facets]`` table; otherwise the shipped facets apply.
Nothing theme-specific is written in Python: the tagger reads everything from here.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_THEMES = Path(__file__).with_name("themes.toml")
DEFAULT_FACETS = Path(__file__).with_name("facets.toml")
SIGNAL_KEYS: tuple[str, ...] = ("phrases", "lemmas", "patterns", "age_groups", "near")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class TaxonomyError(Exception):
    """A taxonomy file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Theme:
    """One theme: stable id, label, definition and the raw signal tables the tagger compiles."""

    id: str
    label: str
    definition: str
    excludes: str
    synonyms: tuple[tuple[str, ...], ...]
    signals: dict


@dataclass(frozen=True)
class Taxonomy:
    """The themes in force, where they came from, facet tables and scoring settings."""

    themes: tuple[Theme, ...]
    path: Path
    facets: dict
    scoring: dict = field(default_factory=dict)
    #: Groups of equivalent words in practitioners' language, bound to no theme ("A&E",
    #: "emergency department"), that search uses to widen a query.
    search_synonyms: tuple[tuple[str, ...], ...] = ()

    def get(self, theme_id: str) -> Theme | None:
        """The theme with this id, or None."""
        return next((theme for theme in self.themes if theme.id == theme_id), None)

    def label(self, theme_id: str) -> str:
        """The label of a theme, or the id itself when the theme is unknown."""
        theme = self.get(theme_id)
        return theme.label if theme else theme_id

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(theme.id for theme in self.themes)


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Read and check a taxonomy file (default: the shipped ``kb/themes.toml``)."""
    path = Path(path) if path is not None else DEFAULT_THEMES
    data = _read(path)
    raw_themes = data.get("themes")
    if not isinstance(raw_themes, list) or not raw_themes:
        raise TaxonomyError(f"{path}: no [[themes]] entries")
    scoring = data.get("scoring", {})
    weights = scoring.get("weights", {}) if isinstance(scoring, dict) else None
    if not isinstance(weights, dict) or not all(
            isinstance(w, (int, float)) and not isinstance(w, bool) for w in weights.values()):
        raise TaxonomyError(f"{path}: [scoring] needs a weights table of numbers")
    tiers = tuple(weights)
    exclude = scoring.get("exclude", {})
    if isinstance(exclude, dict) and "near" in exclude:
        near = exclude["near"]
        _check_near(f"{path}: [scoring] exclude.near", near if isinstance(near, list) else [near])
    themes = tuple(_theme(path, index, raw, tiers) for index, raw in enumerate(raw_themes))
    seen: set[str] = set()
    for theme in themes:
        if theme.id in seen:
            raise TaxonomyError(f"{path}: theme id {theme.id!r} appears twice")
        seen.add(theme.id)
    facets = data["facets"] if "facets" in data else _read(DEFAULT_FACETS)
    if not isinstance(facets, dict):
        raise TaxonomyError(f"{path}: [facets] must be a table")
    search = data["search"] if "search" in data else _read(DEFAULT_THEMES).get("search", {})
    search_synonyms = search.get("synonyms", []) if isinstance(search, dict) else None
    if not _is_groups(search_synonyms):
        raise TaxonomyError(f"{path}: [search] synonyms must be a list of non-empty lists of strings")
    return Taxonomy(themes=themes, path=path, facets=facets, scoring=scoring,
                    search_synonyms=tuple(tuple(group) for group in search_synonyms))


def _check_near(where: str, rules: list) -> None:
    """Each proximity rule: a name, two or more lists of terms, a window of tokens (or one per gap),
    whether the terms must come in order and whether a match runs on to the end of its sentence."""
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict) or set(rule) - {"name", "terms", "window", "ordered", "sentence"}:
            raise TaxonomyError(f"{where} #{index + 1} must be a table of name, terms, window, ordered and sentence")
        if not isinstance(rule.get("name"), str) or not rule["name"].strip() or "|" in rule["name"]:
            raise TaxonomyError(f"{where} #{index + 1} needs a name (without '|')")
        terms = rule.get("terms")
        if not _is_groups(terms) or len(terms) < 2 or not all(t.strip() for group in terms for t in group):
            raise TaxonomyError(f"{where} {rule['name']!r}: terms must be two or more lists of non-empty strings")
        window = rule.get("window", 0)
        windows = window if isinstance(window, list) else [window]
        if (isinstance(window, list) and len(window) != len(terms) - 1) or not all(
                isinstance(w, int) and not isinstance(w, bool) and 0 <= w <= 20 for w in windows):
            raise TaxonomyError(f"{where} {rule['name']!r}: window must be a number of tokens from 0 to 20, "
                                f"or a list of them, one per gap between the terms")
        for flag in ("ordered", "sentence"):
            if not isinstance(rule.get(flag, True), bool):
                raise TaxonomyError(f"{where} {rule['name']!r}: {flag} must be true or false")


def _is_groups(value: Any) -> bool:
    """Whether ``value`` is a list of non-empty lists of strings (synonym groups)."""
    return isinstance(value, list) and all(
        isinstance(group, list) and group and all(isinstance(term, str) for term in group)
        for group in value)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise TaxonomyError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise TaxonomyError(f"{path}: not valid TOML ({error})") from None
    except OSError as error:
        raise TaxonomyError(f"{path}: cannot be read ({error.strerror})") from None


def _theme(path: Path, index: int, raw: Any, tiers: tuple[str, ...]) -> Theme:
    where = f"{path}: theme #{index + 1}"
    if not isinstance(raw, dict):
        raise TaxonomyError(f"{where} is not a table")
    theme_id = raw.get("id")
    if not isinstance(theme_id, str) or not _ID.match(theme_id):
        raise TaxonomyError(f"{where}: id must be a lower-case slug such as 'neglect', got {theme_id!r}")
    where = f"{path}: theme {theme_id!r}"
    for key in ("label", "definition"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise TaxonomyError(f"{where}: missing {key}")
    excludes = raw.get("excludes", "")
    if not isinstance(excludes, str):
        raise TaxonomyError(f"{where}: excludes must be a string")
    synonyms = raw.get("synonyms", [])
    if not _is_groups(synonyms):
        raise TaxonomyError(f"{where}: synonyms must be a list of non-empty lists of strings")
    signals = raw.get("signals", {})
    _check_signals(where, signals, tiers)
    return Theme(id=theme_id, label=raw["label"].strip(), definition=raw["definition"].strip(),
                 excludes=excludes.strip(), synonyms=tuple(tuple(group) for group in synonyms),
                 signals=signals)


def _check_signals(where: str, signals: Any, tiers: tuple[str, ...]) -> None:
    if not isinstance(signals, dict):
        raise TaxonomyError(f"{where}: signals must be a table")
    for tier, table in signals.items():
        if tier not in (*tiers, "exclude"):
            raise TaxonomyError(f"{where}: signal tier {tier!r} has no weight in [scoring.weights]")
        if not isinstance(table, dict):
            raise TaxonomyError(f"{where}: signals.{tier} must be a table")
        for key, values in table.items():
            if key not in SIGNAL_KEYS:
                raise TaxonomyError(f"{where}: unknown key signals.{tier}.{key}")
            if not isinstance(values, list):
                raise TaxonomyError(f"{where}: signals.{tier}.{key} must be a list")
            if key == "near":
                _check_near(f"{where}: signals.{tier}.near", values)
            elif key == "patterns":
                if not all(isinstance(p, list) and p and all(isinstance(t, dict) for t in p)
                           for p in values):
                    raise TaxonomyError(
                        f"{where}: signals.{tier}.patterns must be lists of token tables")
            elif not all(isinstance(term, str) and term.strip() for term in values):
                raise TaxonomyError(f"{where}: signals.{tier}.{key} must hold non-empty strings")
