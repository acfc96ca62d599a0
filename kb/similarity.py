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

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar
from weakref import WeakKeyDictionary

from kb.base import KnowledgeBase
from kb.model import Passage
from kb.search import PassageResult

SAME_POINT = 0.3
MEMO_ENTRIES = 512

T = TypeVar("T")


@dataclass
class Echo:
    """A passage of another document making much the same point as a given one."""

    result: PassageResult
    strength: float  # its score as a share of the given passage's best possible score, 0..1


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
