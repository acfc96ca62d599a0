"""The query language, parsed once here into a tree the project owns; each engine translates it.

The language: words (OR-ed, more matched words ranking higher), ``"phrases"``, ``OR``,
``AND``, ``NOT word``, ``-word``, ``-"a phrase"``, ``+word`` (required), ``ANDNOT``,
``ANDMAYBE`` and parentheses. ``+`` and ``-`` mark a word only at its start, so
``self-harm`` and ``co-sleeping`` leave nothing out. Words left out leave out every
passage holding them, whatever else the query (or its synonyms) matched.

Words are split into terms by one rule (``TERM``) and ``STOP_WORDS`` are dropped; both
engines are configured with the same, so this module knows which words can match.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

from kb.text import clean, fold

#: What makes a term: word characters, single dots allowed inside ("e.g"), two or more long.
TERM = r"\w(?:\.?\w)+"
_TERM = re.compile(TERM)
#: A word as typed (letters, digits, apostrophes), before any query syntax is read.
WORD = re.compile(r"[\w']+")
#: Words too common to search for (Whoosh's list, which the ranking was measured with).
STOP_WORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "have", "if", "in",
    "is", "it", "may", "not", "of", "on", "or", "tbd", "that", "the", "this", "to", "us", "we",
    "when", "will", "with", "yet", "you", "your"))
OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})

ONLY_EXCLUSIONS = "Your search only leaves words out: add a word to look for."
ONLY_COMMON = "Your search has only very common words: try more specific ones."
UNREADABLE = "Your search could not be read as written, so it was searched as plain words."


# -- the tree -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Terms:
    """A word or a phrase as typed, matched in ``fields`` (name, weight).

    An engine analyses ``text`` with its analyser: a word that splits into several terms
    matches any of them; a phrase matches its terms in order, ``slop`` extra positions
    allowed between neighbours.
    """

    text: str
    phrase: bool = False
    fields: tuple[tuple[str, float], ...] = (("text", 1.0),)
    slop: int = 0
    boost: float = 1.0


@dataclass(frozen=True)
class AnyOf:
    """At least one child matches; the matching children's scores add up."""

    children: tuple["Node", ...]
    boost: float = 1.0


@dataclass(frozen=True)
class AllOf:
    """Every child matches."""

    children: tuple["Node", ...]
    boost: float = 1.0


@dataclass(frozen=True)
class BestOf:
    """At least one child matches; the best child's score counts (equivalent terms)."""

    children: tuple["Node", ...]
    boost: float = 1.0


@dataclass(frozen=True)
class AtLeast:
    """At least ``minimum`` children match: a passage covering enough of a query's concepts.
    Used to count and to filter, never to score."""

    children: tuple["Node", ...]
    minimum: int


@dataclass(frozen=True)
class Prefer:
    """``required`` must match; ``optional`` adds to the score where it also matches."""

    required: "Node"
    optional: "Node"


@dataclass(frozen=True)
class FacetIs:
    """Passages carrying any of ``values`` in a facet (a scoring boost, with ``boost``)."""

    facet: str
    values: tuple[str, ...]
    boost: float = 1.0


Node = Union[Terms, AnyOf, AllOf, BestOf, AtLeast, Prefer, FacetIs]


@dataclass(frozen=True)
class ParsedQuery:
    """A query as read: what it looks for and what it leaves out.

    ``root`` None means no words to look for: browse everything when ``notice`` is None,
    else nothing (the notice says why).
    """

    root: Node | None = None
    excluded: tuple[Node, ...] = ()
    notice: str | None = None
    #: A tree matching exactly the passages ``root`` matches, without the parts that only
    #: score (an engine may count and filter with it); None: ``root`` itself.
    matching: Node | None = None
    #: The passages a search counts (its total and facets) and lists, ranked by ``root``:
    #: those plausibly relevant among ``matching`` (see ``kb.ranking``); None: ``matching``.
    counted: Node | None = None
    #: The query's words as typed, in the text (no synonyms): what "mention any of your
    #: words" counts beside ``counted``; None when ``counted`` is None.
    mentions: Node | None = None

    @property
    def matches_nothing(self) -> bool:
        return self.root is None and self.notice is not None


# -- reading ----------------------------------------------------------------------------------
def terms_of(text: str) -> list[str]:
    """The searchable terms of ``text`` (lower-cased, not yet stemmed), stop words dropped."""
    return [t for t in _TERM.findall(fold(clean(text)).lower()) if t not in STOP_WORDS]


def plain_words(text: str) -> str:
    """The words of ``text``, stripped of all query syntax."""
    return " ".join(w for w in WORD.findall(fold(text)) if w.upper() not in OPERATORS)


MAX_NESTING = 20  # brackets a query may open; past that it is read as plain words


class _Unreadable(ValueError):
    pass


_TOKEN = re.compile(r'\(|\)|[+-]?"[^"]*"?|[^\s()"]+')


def parse(text: str, fields: tuple[tuple[str, float], ...] = (("text", 1.0),)) -> ParsedQuery:
    """Read a query typed by a person; an unreadable one is read as plain words, saying so."""
    text = fold(clean(text)).strip()
    if not text:
        return ParsedQuery()
    notice = None
    try:
        root, excluded = _Parser(text, fields).read()
    except _Unreadable:
        notice = UNREADABLE
        root, excluded = _words_query(plain_words(text), fields), []
    if root is None:
        if excluded:
            return ParsedQuery(notice=ONLY_EXCLUSIONS)
        if notice is None and plain_words(text) and not terms_of(plain_words(text)):
            return ParsedQuery(notice=ONLY_COMMON)
        return ParsedQuery(notice=notice or ONLY_COMMON)
    return ParsedQuery(root=root, excluded=tuple(excluded), notice=notice)


def parse_plain(text: str) -> ParsedQuery:
    """The ranking baseline's reading: the plain words, OR-ed, in the passage text alone."""
    root = _words_query(plain_words(text), (("text", 1.0),))
    return ParsedQuery(root=root) if root is not None or not text.strip() \
        else ParsedQuery(notice=ONLY_COMMON)


def _words_query(text: str, fields) -> Node | None:
    leaves = _distinct([Terms(word, fields=fields) for word in text.split() if terms_of(word)])
    if not leaves:
        return None
    return leaves[0] if len(leaves) == 1 else AnyOf(tuple(leaves))


class _Parser:
    """Recursive descent over the tokens; exclusions are collected apart."""

    def __init__(self, text: str, fields) -> None:
        self.tokens = _TOKEN.findall(text)
        self.position = 0
        self.fields = fields
        self.excluded: list[Node] = []
        self.depth = 0  # brackets opened so far

    def read(self) -> tuple[Node | None, list[Node]]:
        node = self._sequence()
        if self.position < len(self.tokens):
            raise _Unreadable(self.tokens[self.position])
        return node, self.excluded

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self) -> str:
        token = self._peek()
        if token is None:
            raise _Unreadable("end")
        self.position += 1
        return token

    def _sequence(self) -> Node | None:
        """Items OR-ed (``OR`` between them or nothing at all); ``+`` items required."""
        should: list[Node] = []
        must: list[Node] = []
        while self._peek() not in (None, ")"):
            if self._peek() == "OR":
                self._take()
                if self._peek() in (None, ")", "OR", "AND", "ANDNOT", "ANDMAYBE"):
                    raise _Unreadable("OR")
                continue
            required = self._peek().startswith("+") and len(self._peek()) > 1
            node = self._chain()
            if node is not None:
                (must if required else should).append(node)
        should, must = _distinct(should), _distinct(must)
        optional = None if not should else should[0] if len(should) == 1 \
            else AnyOf(tuple(should))
        if must:  # (a lone required word stays marked as required: AllOf of one)
            required_node = AllOf(tuple(must))
            if len(must) == 1 and optional is not None:
                required_node = must[0]
            return Prefer(required_node, optional) if optional is not None else required_node
        return optional

    def _chain(self) -> Node | None:
        node = self._unary()
        while self._peek() in ("AND", "ANDNOT", "ANDMAYBE"):
            operator = self._take()
            if self._peek() in (None, ")", "OR", "AND", "ANDNOT", "ANDMAYBE"):
                raise _Unreadable(operator)
            right = self._unary()
            if operator == "ANDNOT":
                if right is not None:
                    self.excluded.append(right)
            elif node is None or right is None:
                node = node if right is None else right
            elif operator == "AND":
                node = AllOf(tuple(_flat(node, AllOf) + _flat(right, AllOf)))
            else:
                node = Prefer(node, right)
        return node

    def _unary(self) -> Node | None:
        token = self._peek()
        if token is None or token == ")":
            raise _Unreadable("missing word")
        if token == "NOT":
            self._take()
            left_out = self._unary()
            if left_out is not None:
                self.excluded.append(left_out)
            return None
        if token in OPERATORS:
            raise _Unreadable(token)
        if len(token) > 1 and token[0] in "+-":
            self.tokens[self.position] = token[1:]
            node = self._atom()
            if token[0] == "-":
                if node is not None:
                    self.excluded.append(node)
                return None
            return node
        return self._atom()

    def _atom(self) -> Node | None:
        token = self._take()
        if token == "(":
            self.depth += 1
            if self.depth > MAX_NESTING:  # no one nests that deep: read as plain words
                raise _Unreadable("(")
            node = self._sequence()
            if self._take() != ")":
                raise _Unreadable("(")
            return node
        if token.startswith('"'):
            words = token.strip('"')
            if not terms_of(words):
                return None
            return Terms(words, phrase=len(terms_of(words)) > 1, fields=self.fields)
        if not terms_of(token):
            return None
        return Terms(token, fields=self.fields)


def _distinct(nodes: list[Node]) -> list[Node]:
    """``nodes`` with repeats left out: a word typed twice counts once."""
    seen: set = set()
    kept = []
    for node in nodes:
        key = (tuple(terms_of(node.text)), node.phrase) if isinstance(node, Terms) else node
        if key not in seen:
            seen.add(key)
            kept.append(node)
    return kept


def _flat(node: Node, kind: type) -> list[Node]:
    return list(node.children) if isinstance(node, kind) and getattr(node, "boost", 1.0) == 1.0 \
        else [node]


def leaves(node: Node | None) -> list[Terms]:
    """Every word and phrase of a tree, in order."""
    if node is None:
        return []
    if isinstance(node, Terms):
        return [node]
    if isinstance(node, Prefer):
        return leaves(node.required) + leaves(node.optional)
    if isinstance(node, FacetIs):
        return []
    return [leaf for child in node.children for leaf in leaves(child)]
