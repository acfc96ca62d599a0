"""Ranking policy, outside the engines: field weights, synonyms, proximity, theme boosts,
reference matter, and the plain-BM25 baseline they are measured against.

Every weight was measured with ``kb eval search`` (see the README's ranking section); the
engines score with BM25 and apply what the tree built here asks for.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from kb.query import (AnyOf, BestOf, FacetIs, ParsedQuery, Prefer, Terms, leaves, parse,
                      parse_plain, plain_words, terms_of)

#: BM25 over the passage text, its heading path and the document title, weighted so.
FIELD_WEIGHTS: tuple[tuple[str, float], ...] = (("text", 1.0), ("heading", 0.5), ("title", 0.2))
SYNONYM_WEIGHT = 0.3  # a taxonomy synonym of a query word counts for less than the word itself
PROXIMITY_WEIGHT = 0.5  # bonus for two adjacent query words found next to each other
PROXIMITY_SLOP = 0  # extra words allowed between them
THEME_BOOST = 3.0  # passages tagged with the theme a query's synonyms belong to rank higher
REFERENCE_WEIGHT = 0.5  # glossaries, reading lists and the like rank below the learning itself
#: Sections that hold a report's reference matter rather than its learning, by their heading.
REFERENCE_HEADING = re.compile(
    r"\b(glossary|abbreviations|acronyms|references|bibliography|further reading|"
    r"useful (links|resources)|contents|acknowledge?ments)\b", re.IGNORECASE)


def is_reference_matter(heading_path: Sequence[str]) -> bool:
    """Whether a passage sits in a glossary, reading list, contents or the like."""
    return bool(heading_path) and bool(REFERENCE_HEADING.search(heading_path[-1]))


_EXCLUDED = re.compile(r'(?:^|(?<=[\s(]))(?:-|NOT\s+)(?:"[^"]*"?|[^\s()]+)')


@lru_cache(maxsize=8192)
def _words(text: str) -> str:
    return " ".join(re.findall(r"[\w']+", text.lower()))


def query_expansions(text: str, synonym_groups: list[tuple[str | None, tuple[str, ...]]]
                     ) -> tuple[list[tuple[str, ...]], list[str]]:
    """The synonym groups a query touches, and the themes they belong to.

    ``synonym_groups`` holds (theme id or None, group of equivalent terms). A group is
    touched when one of its terms appears in the query as whole words; words the
    query excludes (``-word``, ``-"a phrase"``, ``NOT word``) touch nothing.
    """
    padded = f" {_words(_EXCLUDED.sub(' ', text))} "
    groups: list[tuple[str, ...]] = []
    themes: list[str] = []
    for theme_id, group in synonym_groups:
        if any(f" {_words(term)} " in padded for term in group):
            if group not in groups:
                groups.append(group)
            if theme_id is not None and theme_id not in themes:
                themes.append(theme_id)
    return groups, themes


def ranked_query(text: str, expansions: Sequence[Sequence[str]] = (),
                 boost_themes: Sequence[str] = (), plain: bool = False) -> ParsedQuery:
    """The query an engine runs for ``text``: the words as parsed, widened by synonyms (the
    best-matching equivalent counts, not all of them); among the matches, query words found
    next to each other and passages of the query's themes rank higher. ``plain`` gives the
    baseline (plain BM25 over the text)."""
    if plain:
        return parse_plain(text)
    parsed = parse(text, FIELD_WEIGHTS)
    if parsed.root is None:
        return parsed
    synonyms = []
    for group in expansions:
        alternatives = tuple(Terms(term, phrase=len(terms_of(term)) > 1)
                             for term in group if terms_of(term))
        if alternatives:
            synonyms.append(BestOf(alternatives, boost=SYNONYM_WEIGHT))
    words = terms_of(plain_words(_EXCLUDED.sub(" ", text)))
    pairs = [Terms(f"{first} {second}", phrase=True, slop=PROXIMITY_SLOP)
             for first, second in zip(words, words[1:])]
    # Synonyms widen what matches; proximity and the theme only rank what matches.
    matching = AnyOf((parsed.root, *synonyms)) if synonyms else parsed.root
    root = matching
    if pairs:
        root = Prefer(root, AnyOf(tuple(pairs), boost=PROXIMITY_WEIGHT))
    if boost_themes:
        root = Prefer(root, FacetIs("theme", tuple(boost_themes), boost=THEME_BOOST))
    return ParsedQuery(root=root, excluded=parsed.excluded, notice=parsed.notice,
                       matching=matching)


def highlighted_terms(query: ParsedQuery) -> list[str]:
    """The words a snippet marks: every word and phrase the query looks for, in the text."""
    return [leaf.text for leaf in leaves(query.root)
            if any(name == "text" for name, _ in leaf.fields)]
