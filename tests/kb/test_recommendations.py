"""The recommendations register over the sample corpus: every recommendation, searched like
any search, and what earlier reviews had already recommended."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from kb.base import KnowledgeBase
from kb.recommendations import made_before, search_recommendations
from kb.search import SearchRequest
from kb.settings import Settings
from kb.similarity import PARTIAL_ASK


@pytest.fixture
def writable_kb(writable_corpus_data: Path) -> KnowledgeBase:
    with KnowledgeBase(Settings(data_dir=writable_corpus_data)) as kb:
        yield kb


def every_result(kb: KnowledgeBase, request: SearchRequest) -> list:
    results, page = [], 1
    while True:
        response = search_recommendations(kb, replace(request, per_page=100, page=page))
        results += response.results
        if page >= response.pages:
            return results
        page += 1


def test_the_register_holds_every_recommendation_and_nothing_else(corpus_kb: KnowledgeBase) -> None:
    stored = [p for p in corpus_kb.store.passages() if p.passage_type == "recommendation"]
    response = search_recommendations(corpus_kb, SearchRequest())
    assert response.total == len(stored) > 20
    assert {r.passage.id for r in every_result(corpus_kb, SearchRequest())} == {p.id for p in stored}
    assert response.request == SearchRequest(), "the request keeps no passage type"
    assert "passage_type" not in response.facets
    themes = {f.value: f.count for f in response.facets["theme"]}
    assert themes == dict(Counter(t for p in stored for t in p.themes))


def test_the_register_is_searched_and_filtered_like_any_search(corpus_kb: KnowledgeBase) -> None:
    request = SearchRequest(q="father", scope=("local",))
    found = every_result(corpus_kb, request)
    assert found and all(r.passage.passage_type == "recommendation"
                         and r.document.meta.scope == "local" for r in found)
    assert len(found) == corpus_kb.search(replace(request, passage_type=("recommendation",))).total


def test_made_before_gives_similar_recommendations_of_earlier_years(corpus_kb: KnowledgeBase) -> None:
    found = every_result(corpus_kb, SearchRequest())
    earlier = {r.passage.id: made_before(corpus_kb, r.passage, r.document) for r in found}
    assert sum(bool(echoes) for echoes in earlier.values()) >= 3
    for result in found:
        for echo in earlier[result.passage.id]:
            assert echo.result.passage.passage_type == "recommendation"
            assert echo.result.document.id != result.document.id
            assert echo.result.document.meta.year < result.document.meta.year
            assert PARTIAL_ASK <= echo.strength <= 1 and echo.match in ("strong", "partial")
    maternity = next(r for r in found if "structured fields" in r.passage.text
                     and r.document.meta.scope == "local")
    assert any(echo.result.document.meta.title.startswith("Who is the man in the house?")
               for echo in earlier[maternity.passage.id])


def test_made_before_cites_restricted_reviews_only_for_those_with_access(
        writable_kb: KnowledgeBase) -> None:
    found = every_result(writable_kb, SearchRequest())
    result, echo = next((r, e) for r in found
                        for e in made_before(writable_kb, r.passage, r.document))
    writable_kb.store.set_restricted(echo.result.document.id, True)
    writable_kb.sync_index()
    hidden = made_before(writable_kb, result.passage, result.document)
    shown = made_before(writable_kb, result.passage, result.document, include_restricted=True)
    assert echo.result.passage.id not in {e.result.passage.id for e in hidden}
    assert echo.result.passage.id in {e.result.passage.id for e in shown}
