"""Ranking policy, outside the engines: field weights, synonyms, proximity, theme boosts,
reference matter, and the plain-BM25 baseline they are measured against.

Every weight was chosen by cross-validation with ``kb eval search --cv`` (see the README's
ranking section); the engines score with BM25 and apply what the tree built here asks for.
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from kb.query import (WORD, AllOf, AnyOf, AtLeast, BestOf, FacetIs, Node, ParsedQuery, Prefer,
                      Terms, leaves, parse, parse_plain, plain_words, terms_of)


@dataclass(frozen=True)
class RankingParams:
    """The ranking's weights and the rule for the counted result set. The defaults were
    chosen by cross-validation over the judged dev queries (``kb eval search --cv 6``;
    the README's "Search ranking" gives the folds)."""

    heading_weight: float = 1.0  # BM25 over the heading path, against the text's 1.0
    title_weight: float = 0.1  # and over the document title
    synonym_weight: float = 0.15  # a synonym of a query word counts for less than the word
    proximity_weight: float = 0.25  # bonus for two adjacent query words found near each other
    proximity_slop: int = 0  # extra words allowed between them
    theme_boost: float = 3.0  # passages tagged with a theme the query names rank higher
    #: Share of the query's concepts (a word, or words making one term, with its synonyms) a
    #: passage must hold to be counted as plausibly relevant (listed, in the total and facets).
    counted_share: float = 0.5
    #: Leave out the words of a question or a sentence that say nothing of what is sought
    #: ("what", "is there", "how", "my"), unless quoted or the query has nothing else.
    drop_function_words: bool = True

    @property
    def fields(self) -> tuple[tuple[str, float], ...]:
        return (("text", 1.0), ("heading", self.heading_weight), ("title", self.title_weight))


#: Words a query phrased as a question or a sentence holds that say nothing of what is
#: sought (beyond ``kb.query.STOP_WORDS``, which the index itself leaves out).
FUNCTION_WORDS = frozenset((
    "what", "which", "who", "whom", "whose", "how", "why", "where", "there", "here", "was",
    "were", "been", "being", "do", "does", "did", "doing", "has", "had", "having", "i", "me",
    "my", "our", "ours", "they", "them", "their", "he", "him", "his", "she", "her", "its",
    "would", "could", "should", "shall", "might", "must", "about", "any", "some", "such",
    "than", "then", "so", "very", "just", "also", "still", "most", "more", "much", "many",
    "into", "onto", "over", "out", "up", "off", "all", "each", "every", "both", "other",
    "these", "those", "there's", "what's", "isn't", "aren't"))
#: The ranking in force.
PARAMS = RankingParams()
#: How a query's words select passages: those holding enough of its concepts (``relevant``),
#: any of its words (``any``), or every one of its concepts (``all``).
MATCH_MODES = ("relevant", "any", "all")
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
                 boost_themes: Sequence[str] = (), plain: bool = False,
                 params: RankingParams = PARAMS, match: str = "relevant") -> ParsedQuery:
    """The query an engine runs for ``text``: the words as parsed, widened by synonyms (the
    best-matching equivalent counts, not all of them); among the matches, query words found
    next to each other and passages of the query's themes rank higher. The passages counted
    and listed are those holding enough of the query's concepts (``match``, see
    ``MATCH_MODES``), ranked as the whole query ranks them. ``plain`` gives the baseline (plain BM25 over the text, every
    match counted)."""
    if plain:
        return parse_plain(text)
    parsed = parse(text, params.fields)
    if parsed.root is None:
        return parsed
    if params.drop_function_words:
        parsed = _without_function_words(parsed)
    groups = _distinct_groups(expansions)
    synonyms = [BestOf(_alternatives(group), boost=params.synonym_weight) for group in groups]
    words = terms_of(plain_words(_EXCLUDED.sub(" ", text)))
    if params.drop_function_words and any(word not in FUNCTION_WORDS for word in words):
        words = [word for word in words if word not in FUNCTION_WORDS]
    pairs = [Terms(f"{first} {second}", phrase=True, slop=params.proximity_slop)
             for first, second in zip(words, words[1:])]
    # Synonyms widen what matches (but what a query requires, ``+word`` or ``AND``, stays
    # required: there they only rank); proximity and the theme only rank what matches.
    strict = isinstance(parsed.root, (Prefer, AllOf))
    matching = AnyOf((parsed.root, *synonyms)) if synonyms and not strict else parsed.root
    root = Prefer(matching, AnyOf(tuple(synonyms))) if synonyms and strict else matching
    if pairs and params.proximity_weight:
        root = Prefer(root, AnyOf(tuple(pairs), boost=params.proximity_weight))
    if boost_themes and params.theme_boost:
        root = Prefer(root, FacetIs("theme", tuple(boost_themes), boost=params.theme_boost))
    counted = None if match == "any" else _counted(
        parsed.root, groups, params.counted_share if match == "relevant" else 1.0)
    return ParsedQuery(root=root, excluded=parsed.excluded, notice=parsed.notice,
                       matching=matching, counted=counted,
                       mentions=parse_plain(text).root if counted is not None else None)


def _distinct_groups(expansions: Sequence[Sequence[str]]) -> list[tuple[str, ...]]:
    """The synonym groups with searchable terms, each term searched once: in the first group
    holding it (a theme's group and an acronym's often share terms)."""
    seen: set[tuple[str, ...]] = set()
    groups = []
    for group in expansions:
        kept = []
        for term in group:
            key = tuple(terms_of(term))
            if key and key not in seen:
                seen.add(key)
                kept.append(term)
        if kept:
            groups.append(tuple(kept))
    return groups


def _without_function_words(parsed: ParsedQuery) -> ParsedQuery:
    """``parsed`` without the unquoted function words among the words it looks for (when it
    looks for anything else)."""
    required, items = _query_parts(parsed.root)
    kept = tuple(item for item in items
                 if not (isinstance(item, Terms) and not item.phrase
                         and set(terms_of(item.text)) <= FUNCTION_WORDS))
    if not kept or len(kept) == len(items):
        return parsed
    optional = kept[0] if len(kept) == 1 else AnyOf(kept)
    root = Prefer(required, optional) if required is not None else optional
    return ParsedQuery(root=root, excluded=parsed.excluded, notice=parsed.notice)


def _query_parts(root: Node) -> tuple[Node | None, list[Node]]:
    """What a parsed query requires (``+word``; None when nothing), and each of the words or
    phrases it looks for (the whole tree as one item when it is not a list of them)."""
    required, optional = (root.required, root.optional) if isinstance(root, Prefer) \
        else (None, root)
    items = list(optional.children) if isinstance(optional, AnyOf) and optional.boost == 1.0 \
        else [optional]
    return required, items


def _alternatives(group: Sequence[str], whole: bool = False) -> tuple[Terms, ...]:
    """A synonym group's terms to search for; ``whole``: only those searchable word for word
    ("not in school" is searched as "school", all its other words being too common to index,
    which is no longer what it means)."""
    return tuple(Terms(term, phrase=len(terms_of(term)) > 1) for term in group
                 if not whole or len(terms_of(term)) == len(WORD.findall(term)))


def query_concepts(root: Node, groups: Sequence[Sequence[str]]) -> tuple[Node | None, list[Node]]:
    """What a parsed query requires (``+word``; None when nothing), and its concepts: each
    word or phrase it looks for, with the synonyms of the groups whose terms use its words."""
    required, items = _query_parts(root)
    if not all(isinstance(item, Terms) for item in items):
        return required, []
    # Words typed together that make one term of a synonym group ("home educated") are one
    # concept: that term or its equivalents.
    merged: list[tuple[Terms, list[Sequence[str]]]] = []
    position = 0
    while position < len(items):
        for size in (3, 2):
            chunk = items[position:position + size]
            if len(chunk) == size and not any(item.phrase for item in chunk):
                words = [term for item in chunk for term in terms_of(item.text)]
                touched = [group for group in groups
                           if any(terms_of(term) == words for term in group)]
                if touched:
                    merged.append((Terms(" ".join(item.text for item in chunk), phrase=True,
                                         fields=chunk[0].fields), touched))
                    position += size
                    break
        else:
            words = set(terms_of(items[position].text))
            merged.append((items[position], [group for group in groups
                                             if any(words & set(terms_of(term))
                                                    for term in group)]))
            position += 1
    concepts: list[Node] = []
    for item, touched in merged:
        alternatives = [alternative for group in touched
                        for alternative in _alternatives(group, whole=True)]
        # (A concept only selects passages, never scores them: held in the text or heading.)
        item = replace(item, fields=tuple(f for f in item.fields if f[0] != "title"))
        concepts.append(AnyOf((item, *alternatives)) if alternatives else item)
    return required, concepts


def _counted(root: Node, groups: Sequence[Sequence[str]], share: float) -> Node | None:
    """The passages plausibly relevant to a query: holding at least ``share`` of its concepts
    (and whatever it requires). None when that is every passage it matches."""
    required, concepts = query_concepts(root, groups)
    minimum = math.ceil(share * len(concepts) - 1e-9)
    if minimum < 2:
        return None
    enough = AtLeast(tuple(concepts), minimum)
    return enough if required is None else AllOf((required, enough))


def query_themes(text: str, cues: Sequence[tuple[str, tuple[tuple[str, ...], ...]]],
                 analyse) -> list[str]:
    """Themes a query names through a theme's phrases (``cues``: theme id and its phrases as
    ``analyse`` turns them into terms), beyond its search synonyms."""
    terms = tuple(analyse(_EXCLUDED.sub(" ", text)))
    starts: dict[str, list[int]] = {}
    for index, term in enumerate(terms):
        starts.setdefault(term, []).append(index)
    found = []
    for theme_id, phrases in cues:
        if any(terms[i:i + len(phrase)] == phrase
               for phrase in phrases for i in starts.get(phrase[0], ())):
            found.append(theme_id)
    return found


def highlighted_terms(query: ParsedQuery) -> list[str]:
    """The words a snippet marks: every word and phrase the query looks for, in the text."""
    return [leaf.text for leaf in leaves(query.root)
            if any(name == "text" for name, _ in leaf.fields)]
