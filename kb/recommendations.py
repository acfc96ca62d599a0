"""The recommendations register: every passage typed as a recommendation, searched and
faceted like any search, and what earlier reviews had already recommended."""
from __future__ import annotations

from dataclasses import replace

from kb.base import KnowledgeBase
from kb.model import Document, Passage
from kb.search import SearchRequest, SearchResponse
from kb.similarity import Echo, memoised, same_asks

RECOMMENDATION = "recommendation"
MADE_BEFORE_LIMIT = 3


def search_recommendations(kb: KnowledgeBase, request: SearchRequest,
                           include_restricted: bool = False) -> SearchResponse:
    """``request`` over recommendations only (without the passage-type facet: it never varies)."""
    response = kb.search(replace(request, passage_type=(RECOMMENDATION,)),
                         include_restricted=include_restricted)
    response.request = request
    response.facets.pop("passage_type", None)
    return response


def made_before(kb: KnowledgeBase, passage: Passage, document: Document,
                include_restricted: bool = False, limit: int = MADE_BEFORE_LIMIT) -> list[Echo]:
    """Recommendations of other documents from earlier years that asked for much the same
    thing as ``passage`` (of ``document``, see ``kb.similarity.same_asks``), strongest first;
    none when the year is not known."""
    if document.meta.year is None:
        return []
    return memoised(kb, ("made-before", passage.id, limit, include_restricted), lambda: same_asks(
        kb, passage, include_restricted=include_restricted, limit=limit,
        passage_type=RECOMMENDATION, year_to=document.meta.year - 1))
