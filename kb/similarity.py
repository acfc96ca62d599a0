"""Whether two passages make the same point, and results kept until the data changes.

The search index ranks passages like a given one (``KnowledgeBase.similar_passages``),
but its scores depend on the passage's length and words, so no fixed cut-off tells
"the same learning" from "shares a few words". Here a passage's score against another
is divided by the best score any passage reaches against it (its own text, as a rule):
1.0 for the same text, and ``SAME_POINT`` or more for the same point in other words
(on the sample corpus, re-used recommendations score 0.3 to 0.45 and unrelated passages
that share a few words 0.05 to 0.25).
"""
from __future__ import annotations

import math
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar
from weakref import WeakKeyDictionary

from kb.base import KnowledgeBase
from kb.engine import EngineHit
from kb.model import Passage
from kb.query import STOP_WORDS
from kb.ranking import FUNCTION_WORDS
from kb.search import PassageResult
from kb.text import fold

SAME_POINT = 0.3
MEMO_ENTRIES = 512
#: Two recommendations asking for the same thing: the share of what they ask that they share
#: (see ``ask_similarity``) at which the match is "strong", and the least that is "partial".
STRONG_ASK = 0.3
PARTIAL_ASK = 0.18
#: Two passages are compared only when they share a term held by at most this share of the
#: passages compared (or ``COMMON_FLOOR`` of them), so the work per passage stays small.
COMMON_SHARE = 0.02
COMMON_FLOOR = 5
PREPARING_STEP = 8  # passages read between pauses when preparing in the background
PREPARING_PAUSE = 0.002  # seconds
THEME_SHARE = 0.2  # the weight of shared themes in ``ask_similarity`` (the rest: shared terms)

T = TypeVar("T")


@dataclass
class Echo:
    """A passage of another document making much the same point as a given one."""

    result: PassageResult
    strength: float  # its score as a share of the given passage's best possible score, 0..1

    @property
    def match(self) -> str:
        """"strong" or "partial", for an earlier recommendation asking for the same thing."""
        return "strong" if self.strength >= STRONG_ASK else "partial"


@dataclass(frozen=True)
class _Asks:
    """Every visible passage of a type as sets of key terms, each term's weight, and which
    passages hold each term."""

    terms: dict[int, frozenset[str]]  # by passage id
    weights: dict[str, float]  # inverse document frequency among those passages
    holding: dict[str, list[int]]  # passage ids by term
    #: By passage id: its document, the document's year and the passage's themes.
    places: dict[int, tuple[int, int | None, tuple[str, ...]]]
    norms: dict[int, float]  # each passage's weighted length (see ``ask_similarity``)


def key_terms(kb: KnowledgeBase, text: str) -> frozenset[str]:
    """What a passage talks about, as terms: its words as the search engine stems them (stop
    words, function words and numbers left out), and for each synonym group of the taxonomy
    or the acronyms whose term it uses ("male carers", "dad"), the group itself: restatements
    in other words share it."""
    stems = tuple(kb.engine.stems(fold(text).lower()))
    ignored, phrases = _vocabulary(kb)
    terms = {stem for stem in stems if stem not in ignored and not stem.isdigit()
             and len(stem) > 2}
    for index, stem in enumerate(stems):
        for phrase, group in phrases.get(stem, ()):
            if stems[index:index + len(phrase)] == phrase:
                terms.add(group)
    return frozenset(terms)


def _vocabulary(kb: KnowledgeBase) -> tuple[frozenset[str], dict[str, list[tuple[tuple, str]]]]:
    """The stems of words that say nothing of an ask, and each synonym term as stems (found
    by its first stem) with its group's name."""
    def compute() -> tuple[frozenset[str], dict[str, list[tuple[tuple, str]]]]:
        ignored = frozenset(stem for word in STOP_WORDS | FUNCTION_WORDS
                            for stem in kb.engine.stems(word))
        phrases: dict[str, list[tuple[tuple, str]]] = {}
        for index, (_, group) in enumerate(kb.synonym_groups):
            for term in group:
                stems = tuple(kb.engine.stems(fold(term).lower()))
                if stems and (stems, f"~{index}") not in phrases.get(stems[0], []):
                    phrases.setdefault(stems[0], []).append((stems, f"~{index}"))
        return ignored, phrases
    return memoised(kb, ("ask-vocabulary",), compute)


def prepare_asks(kb: KnowledgeBase, passage_type: str, include_restricted: bool) -> None:
    """Read what every passage of ``passage_type`` asks for, ahead of ``same_asks``, in
    small steps that leave searches in other threads room to run (for background warming:
    at national scale it is seconds of Python)."""
    _asks(kb, passage_type, include_restricted, pause=PREPARING_PAUSE)


def _asks(kb: KnowledgeBase, passage_type: str, include_restricted: bool,
          pause: float = 0.0) -> _Asks:
    def read(passages: list[Passage]) -> dict[int, frozenset[str]]:
        terms = {}
        for start in range(0, len(passages), PREPARING_STEP):
            terms.update((p.id, key_terms(kb, p.text))
                         for p in passages[start:start + PREPARING_STEP])
            if pause:
                time.sleep(pause)  # lets waiting threads take the interpreter
        return terms

    def compute() -> _Asks:
        passages = kb.store.passages(passage_ids=kb.store.passage_ids_of_type(passage_type))
        documents = {d.id: d for d in kb.store.documents()}
        passages = [p for p in passages if p.document_id in documents
                    and (include_restricted or not documents[p.document_id].meta.restricted)]
        terms = read(passages)
        holding: dict[str, list[int]] = {}
        for passage_id, found in terms.items():
            for term in found:
                holding.setdefault(term, []).append(passage_id)
        count = max(1, len(passages))
        weights = {term: math.log(1 + count / len(ids)) for term, ids in holding.items()}
        norms = {passage_id: _norm(found, weights) for passage_id, found in terms.items()}
        places = {p.id: (p.document_id, documents[p.document_id].meta.year, tuple(p.themes))
                  for p in passages}
        return _Asks(terms, weights, holding, places, norms)
    return memoised(kb, ("asks", passage_type, include_restricted), compute)


def ask_similarity(first: frozenset[str], second: frozenset[str], weights: dict[str, float],
                   first_themes: Sequence[str] = (), second_themes: Sequence[str] = (),
                   norms: tuple[float, float] | None = None) -> float:
    """How far two passages ask for the same thing, 0..1: the cosine of their key terms
    (weighted by how rare each is among the passages compared; ``norms``, their weighted
    lengths when known), of which ``THEME_SHARE`` counts only as far as they share their
    themes (shared themes alone link nothing)."""
    both = norms[0] * norms[1] if norms else _norm(first, weights) * _norm(second, weights)
    cosine = sum(weights.get(term, 0.0) ** 2 for term in first & second) / both if both else 0.0
    themes = set(first_themes) | set(second_themes)
    overlap = len(set(first_themes) & set(second_themes)) / len(themes) if themes else 0.0
    return cosine * (1 - THEME_SHARE + THEME_SHARE * overlap)


def _norm(terms: frozenset[str], weights: dict[str, float]) -> float:
    return math.sqrt(sum(weights.get(term, 0.0) ** 2 for term in terms))


def same_asks(kb: KnowledgeBase, passage: Passage, *, include_restricted: bool,
              passage_type: str, year_to: int | None = None,
              limit: int = 3) -> list[Echo]:
    """Passages of ``passage_type`` in other documents (up to ``year_to``) asking for much the
    same thing as ``passage``, strongest first, each at least ``PARTIAL_ASK`` alike."""
    asks = _asks(kb, passage_type, include_restricted)
    mine = asks.terms.get(passage.id) or key_terms(kb, passage.text)
    mine_norm = _norm(mine, asks.weights)
    # Passages sharing none of its less common terms are too far apart to be compared.
    common = max(COMMON_FLOOR, COMMON_SHARE * len(asks.terms))
    candidates = {other_id for term in mine if len(asks.holding.get(term, ())) <= common
                  for other_id in asks.holding.get(term, ())}
    scored = []
    for other_id in candidates:
        terms = asks.terms[other_id]
        document_id, year, themes = asks.places[other_id]
        if document_id == passage.document_id or (
                year_to is not None and (year is None or year > year_to)):
            continue
        strength = ask_similarity(mine, terms, asks.weights, passage.themes, themes,
                                  norms=(mine_norm, asks.norms[other_id]))
        if strength >= PARTIAL_ASK:
            scored.append((strength, other_id, document_id))
    scored.sort(key=lambda item: (-item[0], item[1]))
    hits = [EngineHit(other_id, document_id, strength)
            for strength, other_id, document_id in scored[:limit]]
    shared = frozenset(term for hit in hits for term in asks.terms[hit.passage_id] & mine
                       if not term.startswith("~"))
    return [Echo(result, result.score)
            for result in kb._results(hits, shared, include_restricted)]


def echoes(kb: KnowledgeBase, passage: Passage, *, include_restricted: bool, limit: int = 3,
           theme: str | None = None, scope: str | None = None, passage_type: str | None = None,
           year_to: int | None = None) -> list[Echo]:
    """Passages of other documents making much the same point as ``passage``, strongest first,
    optionally only those on a theme, of a scope or passage type, up to a year."""
    best = _reference_score(kb, passage, include_restricted)
    if best <= 0:
        return []
    filters = {name: [value] for name, value in
               (("theme", theme), ("scope", scope), ("passage_type", passage_type)) if value}
    found = kb.similar_passages(passage, limit=limit, include_restricted=include_restricted,
                                year_to=year_to, **filters)

    def within_filters(result: PassageResult) -> bool:
        """Checked here too: the index applies no filter at all when its filters leave nothing."""
        meta = result.document.meta
        return (result.document.id != passage.document_id
                and (include_restricted or not meta.restricted)
                and (theme is None or theme in result.passage.themes)
                and (scope is None or meta.scope == scope)
                and (passage_type is None or result.passage.passage_type == passage_type)
                and (year_to is None or (meta.year is not None and meta.year <= year_to)))
    return [Echo(result, min(1.0, result.score / best)) for result in found
            if result.score >= SAME_POINT * best and within_filters(result)]


def _reference_score(kb: KnowledgeBase, passage: Passage, include_restricted: bool) -> float:
    """The best score any passage reaches against ``passage`` (its own text, as a rule)."""
    def compute() -> float:
        best = kb.similar_passages(passage, limit=1, include_restricted=include_restricted,
                                   other_documents=False)
        return best[0].score if best else 0.0
    return memoised(kb, ("reference-score", passage.id, include_restricted), compute)


# -- memo ------------------------------------------------------------------------
_memos: WeakKeyDictionary[KnowledgeBase, tuple[tuple[int, int], OrderedDict]] = WeakKeyDictionary()
_memo_lock = threading.Lock()


def memoised(kb: KnowledgeBase, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or its value from an earlier call with the same ``key`` if the
    knowledge base's data has not changed since (the least recently used are dropped)."""
    version = data_version(kb)
    with _memo_lock:
        seen, values = _memos.get(kb, (None, None))
        if seen != version or values is None:
            values = OrderedDict()
            _memos[kb] = (version, values)
        if key in values:
            values.move_to_end(key)
            return values[key]
    value = compute()
    with _memo_lock:
        values[key] = value
        while len(values) > MEMO_ENTRIES:
            values.popitem(last=False)
    return value


def data_version(kb: KnowledgeBase) -> tuple[int, int]:
    """Changes whenever the database does: SQLite's count of other connections' commits
    and this connection's count of changed rows. The search index only changes after
    the database does (its queue is emptied once the index has the changes)."""
    conn = kb.store.conn
    return conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes
