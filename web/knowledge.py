"""What the pages and the API read from the knowledge base, shared so both always agree.

Restricted documents, and everything derived from them, are left out for everyone
but signed-in people with access (``can_see_restricted``).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from flask import abort, current_app, g, session

from kb.accounts import User, session_user
from kb.base import KnowledgeBase
from kb.model import SCOPES, Document, Passage
from kb.search import PassageResult, SearchRequest

KB_EXTENSION = "knowledge_base"
SIMILAR_QUERY_WORDS = 10
SESSION_USER = "session"  # the cookie's key holding the token of a session kept in the store


def current_kb() -> KnowledgeBase:
    """The application's knowledge base."""
    return current_app.extensions[KB_EXTENSION]


def signed_in_user() -> User | None:
    """The person signed in for this request, read afresh from the store once per request.

    The cookie names a session kept in the store: signing out, a new password, a new role
    or removing the account ends it, whatever copy of the cookie someone still holds.
    """
    if "kb_user" not in g:
        token = session.get(SESSION_USER)
        g.kb_user = session_user(current_kb().store, token) if isinstance(token, str) else None
    return g.kb_user


def can_see_restricted() -> bool:
    """Whether the person making this request may see restricted documents.

    Every view that shows documents, passages or anything counted from them asks this.
    """
    user = signed_in_user()
    return user is not None and user.sees_restricted


def visible_document(document_id: int) -> Document:
    """The document with this id, or a 404 when it does not exist or is restricted."""
    document = current_kb().store.document(document_id)
    if document is None or (document.meta.restricted and not can_see_restricted()):
        abort(404, description="There is no such document.")
    return document


def visible_passage(document: Document, passage_id: int) -> Passage:
    """A passage of ``document``, or a 404."""
    found = current_kb().store.passages(passage_ids=[passage_id])
    if not found or found[0].document_id != document.id:
        abort(404, description="There is no such passage in this document.")
    return found[0]


# -- documents ---------------------------------------------------------------
@dataclass
class ThemeShare:
    """How many of a document's passages carry a theme, and what share that is."""

    theme_id: str
    label: str
    passages: int
    share: float  # 0..1 of the document's passages


def theme_profile(document: Document, passages: list[Passage]) -> list[ThemeShare]:
    """The themes of a document's passages, most frequent first."""
    kb = current_kb()
    counts = Counter(theme for passage in passages for theme in passage.themes)
    total = len(passages) or 1
    return [ThemeShare(theme_id=theme, label=kb.taxonomy.label(theme), passages=count,
                       share=count / total)
            for theme, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def recommendations(passages: list[Passage]) -> list[Passage]:
    return [passage for passage in passages if passage.passage_type == "recommendation"]


# -- themes ------------------------------------------------------------------
@dataclass
class ThemeCounts:
    """How widely a theme recurs: documents and passages carrying it, by local or national."""

    documents: int = 0
    passages: int = 0
    documents_by_scope: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SCOPES, 0))
    passages_by_scope: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SCOPES, 0))


@dataclass
class ThemeOverview:
    counts: dict[str, ThemeCounts]  # every theme in the taxonomy, even when unused
    top_passages: dict[str, list[tuple[Passage, Document]]]  # by the tagger's score


def theme_overview(top: int = 0) -> ThemeOverview:
    """Counts for every theme and, when ``top`` > 0, each theme's best-scored passages.

    Computed from the store (curation applied) over the documents this request may see.
    """
    kb = current_kb()
    see_restricted = can_see_restricted()
    documents = {d.id: d for d in kb.store.documents() if see_restricted or not d.meta.restricted}
    counts = {theme_id: ThemeCounts() for theme_id in kb.taxonomy.ids}
    seen: dict[str, set[int]] = {theme_id: set() for theme_id in counts}
    candidates: dict[str, list[tuple[float, Passage, Document]]] = {t: [] for t in counts}
    for passage in kb.store.passages():
        document = documents.get(passage.document_id)
        if document is None:
            continue
        scope = document.meta.scope
        for theme in passage.themes:
            if theme not in counts:
                continue
            theme_counts = counts[theme]
            theme_counts.passages += 1
            theme_counts.passages_by_scope[scope] = theme_counts.passages_by_scope.get(scope, 0) + 1
            if document.id not in seen[theme]:
                seen[theme].add(document.id)
                theme_counts.documents += 1
                theme_counts.documents_by_scope[scope] = \
                    theme_counts.documents_by_scope.get(scope, 0) + 1
            if top:
                candidates[theme].append((passage.theme_scores.get(theme, 0.0), passage, document))
    return ThemeOverview(counts=counts, top_passages={
        theme: _best_spread(found, top) for theme, found in candidates.items()} if top else {})


def _best_spread(scored: list[tuple[float, Passage, Document]], limit: int,
                 per_document: int = 2) -> list[tuple[Passage, Document]]:
    """The highest-scored passages, at most ``per_document`` from any one document."""
    chosen: list[tuple[Passage, Document]] = []
    taken: Counter = Counter()
    for _, passage, document in sorted(scored, key=lambda item: (-item[0], item[1].id)):
        if taken[document.id] < per_document:
            chosen.append((passage, document))
            taken[document.id] += 1
            if len(chosen) == limit:
                break
    return chosen


# -- similar passages ----------------------------------------------------------
_STOPWORDS = frozenset("""
about above after again against all also although among and any are around because been
before being below between both but can could did does doing down during each either every
few for from further had has have having her here hers herself him himself his how into its
itself just more most much must not now off once only other our ours out over own same shall
she should some such than that the their theirs them themselves then there these they this
those through too under until upon very was were what when where whether which while who
whom why will with within without would you your yours yourself however made make many may
might need needs needed one two three said says used using well year years time times way
ways part child children family families review reviews practice professionals professional
agency agencies case
""".split())


def similarity_query(text: str, words: int = SIMILAR_QUERY_WORDS) -> str:
    """A plain-words query of a passage's most characteristic words (frequent, long, not common)."""
    counts = Counter(word for word in re.findall(r"[a-z]{4,}", text.lower())
                     if word not in _STOPWORDS)
    ranked = sorted(counts, key=lambda word: (-counts[word] * len(word), word))
    return " ".join(ranked[:words])


def similar_passages(passage: Passage, limit: int = 5) -> list[PassageResult]:
    """Passages of other documents that share the most characteristic words of ``passage``."""
    query = similarity_query(passage.text)
    if not query:
        return []
    response = current_kb().search(SearchRequest(q=query, per_page=min(limit * 8, 100)),
                                   include_restricted=can_see_restricted())
    others = [r for r in response.results if r.document.id != passage.document_id]
    return others[:limit]
