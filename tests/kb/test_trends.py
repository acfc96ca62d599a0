"""Trends and recurrence of themes over the indexed sample corpus, checked against its catalogue
(years, scopes, kinds, publishers) and the themes the store gives each passage."""
from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest
from werkzeug.datastructures import MultiDict

from kb.base import KnowledgeBase
from kb.search import SearchRequest
from kb.settings import Settings
from kb.similarity import SAME_POINT, echoes
from kb.store import Store
from kb.trends import (
    TrendFilters, filter_choices, most_common, recurrence, repeated_national_learning,
    theme_trends,
)
from tests.catalogue import Entry, catalogue, catalogued_documents
from tests.kb.conftest import make_passages, meta

Cells = dict[tuple[str, int, str], int]


@pytest.fixture
def writable_kb(writable_corpus_data: Path) -> KnowledgeBase:
    with KnowledgeBase(Settings(data_dir=writable_corpus_data)) as kb:
        yield kb


def expected_cells(kb: KnowledgeBase, include_restricted: bool = False,
                   keep: Callable[[Entry], bool] = lambda entry: True) -> tuple[Cells, Cells]:
    """Documents and passages per (theme, year, scope): years and scopes from the catalogue,
    themes from ``Store.passages`` (curation applied), counted here without SQL."""
    documents: Counter = Counter()
    passages: Counter = Counter()
    for document, entry in catalogued_documents(kb):
        if (document.meta.restricted and not include_restricted) or not keep(entry):
            continue
        themes = Counter(t for p in kb.store.passages(document_id=document.id) for t in p.themes)
        for theme, count in themes.items():
            if theme in kb.taxonomy.ids:
                documents[(theme, entry.year, entry.scope)] += 1
                passages[(theme, entry.year, entry.scope)] += count
    return dict(documents), dict(passages)


def counted(trends) -> tuple[Cells, Cells]:
    return ({key: cell.documents for key, cell in trends.cells.items()},
            {key: cell.passages for key, cell in trends.cells.items()})


# -- the themes in force ------------------------------------------------------------------
def test_the_effective_themes_view_applies_curators_decisions(store: Store) -> None:
    store.save_document("/r/a.pdf", "a", "pdf", meta(), 2, make_passages(
        "The stepfather was never assessed.", "Nobody saw the baby's bruise.",
        themes=[["fathers-male-carers", "neglect"], ["babies"]]))
    first, second = store.passages()
    store.curate(first.id, "neglect", "remove", "curator")
    store.curate(first.id, "fathers-male-carers", "confirm", "curator")
    store.curate(second.id, "professional-curiosity", "add", "curator")
    in_view = sorted(tuple(row) for row in store.conn.execute(
        "SELECT passage_id, theme_id FROM effective_themes"))
    assert in_view == sorted((p.id, t) for p in store.passages() for t in p.themes)
    assert in_view == sorted([(first.id, "fathers-male-carers"), (second.id, "babies"),
                              (second.id, "professional-curiosity")])


# -- theme by year ---------------------------------------------------------------------------
def test_trend_counts_agree_with_the_catalogue_and_the_stored_themes(corpus_kb: KnowledgeBase) -> None:
    trends = theme_trends(corpus_kb)
    assert counted(trends) == expected_cells(corpus_kb)
    entries = catalogue().values()
    assert trends.years == list(range(min(e.year for e in entries), max(e.year for e in entries) + 1))
    assert trends.published == dict(Counter((entry.year, entry.scope) for entry in entries))
    assert trends.scopes == ("local", "national") and trends.undated_documents == 0
    assert trends.theme_ids == corpus_kb.taxonomy.ids


def test_filters_count_only_the_documents_they_select(corpus_kb: KnowledgeBase) -> None:
    filters = TrendFilters(kind=("cspr", "rapid-review"), scope=("local",), year_from=2020,
                           year_to=2024)
    trends = theme_trends(corpus_kb, filters)
    expected = expected_cells(corpus_kb, keep=lambda e: e.kind in filters.kind
                              and e.scope == "local" and 2020 <= e.year <= 2024)
    assert expected[0], "the filters select some documents"
    assert counted(trends) == expected and trends.scopes == ("local",)
    publishers = Counter(entry.publisher for entry in catalogue().values())
    publisher = max(publishers, key=publishers.get)
    by_publisher = theme_trends(corpus_kb, TrendFilters(publisher=(publisher,)))
    assert sum(by_publisher.published.values()) == publishers[publisher] > 1
    assert counted(by_publisher) == expected_cells(corpus_kb, keep=lambda e: e.publisher == publisher)


def test_every_count_is_the_result_of_the_search_behind_it(corpus_kb: KnowledgeBase) -> None:
    filters = TrendFilters(scope=("local", "national"), year_from=2018)
    trends = theme_trends(corpus_kb, filters)
    assert len(trends.cells) > 50
    for cell in trends.cells.values():
        search = replace(filters.search(cell.theme_id, cell.year, cell.scope), per_page=100)
        response = corpus_kb.search(search)
        assert response.total == cell.passages <= 100, cell
        assert len({result.document.id for result in response.results}) == cell.documents, cell


def test_json_and_csv_have_a_row_per_theme_year_and_scope(corpus_kb: KnowledgeBase) -> None:
    trends = theme_trends(corpus_kb)

    def link(search: SearchRequest) -> str:
        return "/?" + urlencode(search.to_params())
    data = trends.to_dict(corpus_kb.taxonomy.label, link)
    assert len(data["cells"]) == len(trends.theme_ids) * len(trends.years) * 2
    assert sum(cell["documents"] for cell in data["cells"]) == sum(
        cell.documents for cell in trends.cells.values())
    rows = list(csv.DictReader(io.StringIO(trends.to_csv(corpus_kb.taxonomy.label, link))))
    assert [(r["theme_id"], int(r["year"]), r["scope"], int(r["documents"]), int(r["passages"]),
             r["search_url"]) for r in rows] == [
        (c["theme"], c["year"], c["scope"], c["documents"], c["passages"], c["search_url"])
        for c in data["cells"]]
    busiest = max(data["cells"], key=lambda c: c["passages"])
    search = SearchRequest.from_params(MultiDict(parse_qsl(busiest["search_url"][2:])))
    assert corpus_kb.search(search).total == busiest["passages"]


# -- recurrence ------------------------------------------------------------------------------
def test_recurrence_gives_first_and_last_years_documents_and_years(corpus_kb: KnowledgeBase) -> None:
    documents, _ = expected_cells(corpus_kb)
    found = recurrence(corpus_kb)
    assert [theme.theme_id for theme in found] == list(corpus_kb.taxonomy.ids)
    for theme in found:
        years = sorted({year for (theme_id, year, _), _ in documents.items()
                        if theme_id == theme.theme_id})
        assert theme.years == years and theme.recurred_in == years[1:]
        assert (theme.first_year, theme.last_year) == ((years[0], years[-1]) if years else (None, None))
        for scope in ("local", "national"):
            assert theme.documents_by_scope[scope] == sum(
                n for (theme_id, _, s), n in documents.items() if theme_id == theme.theme_id
                and s == scope)
        assert theme.documents == sum(theme.documents_by_scope.values())
    assert sum(len(theme.recurred_in) > 2 for theme in found) > 5, "themes do recur in the corpus"


def test_counts_follow_curators_decisions(writable_kb: KnowledgeBase) -> None:
    before = theme_trends(writable_kb)
    passage = next(p for p in writable_kb.store.passages() if "neglect" in p.themes)
    writable_kb.store.curate(passage.id, "neglect", "remove", "curator")
    document = writable_kb.store.document(passage.document_id)
    after = theme_trends(writable_kb)
    key = ("neglect", document.meta.year, document.meta.scope)
    assert after.cells.get(key, after.cell(*key)).passages == before.cells[key].passages - 1
    assert counted(after) == expected_cells(writable_kb)


def test_restricted_documents_count_only_for_those_with_access(writable_kb: KnowledgeBase) -> None:
    publishers = Counter(entry.publisher for entry in catalogue().values())
    document = next(d for d in writable_kb.store.documents()
                    if publishers[d.meta.publisher] == 1 and d.passage_count)
    writable_kb.store.set_restricted(document.id, True)
    hidden, shown = theme_trends(writable_kb), theme_trends(writable_kb, include_restricted=True)
    assert counted(hidden) == expected_cells(writable_kb, include_restricted=False)
    assert counted(shown) == expected_cells(writable_kb, include_restricted=True)
    assert counted(hidden) != counted(shown)
    assert sum(hidden.published.values()) == sum(shown.published.values()) - 1
    themes = {t for p in writable_kb.store.passages(document_id=document.id) for t in p.themes}
    documents = lambda found: {theme.theme_id: theme.documents for theme in found}  # noqa: E731
    assert {theme for theme, n in documents(recurrence(writable_kb, include_restricted=True)).items()
            if n != documents(recurrence(writable_kb))[theme]} == themes & set(writable_kb.taxonomy.ids)
    assert document.meta.publisher not in filter_choices(writable_kb).publishers
    assert document.meta.publisher in filter_choices(writable_kb, include_restricted=True).publishers


# -- the same learning again -------------------------------------------------------------------
def test_local_passages_repeating_earlier_national_learning(corpus_kb: KnowledgeBase) -> None:
    theme = "fathers-male-carers"
    repeats = repeated_national_learning(corpus_kb, theme)
    assert repeats
    for repeat in repeats:
        assert repeat.document.meta.scope == "local"
        for repeated in repeat.passages:
            assert repeated.passage.document_id == repeat.document.id
            assert theme in repeated.passage.themes and repeated.earlier
            for echo in repeated.earlier:
                earlier = echo.result.document.meta
                assert earlier.scope == "national" and earlier.year < repeat.document.meta.year
                assert theme in echo.result.passage.themes and SAME_POINT <= echo.strength <= 1
    # Baby O (2025) recommends recording fathers' details at maternity booking, as the
    # national review of 2021 on men in babies' lives had recommended.
    maternity = next(repeated for repeat in repeats for repeated in repeat.passages
                     if "structured fields" in repeated.passage.text)
    assert any(echo.result.document.meta.title.startswith("Who is the man in the house?")
               for echo in maternity.earlier)


def test_repeats_cite_restricted_national_reviews_only_for_those_with_access(
        writable_kb: KnowledgeBase) -> None:
    theme = "fathers-male-carers"
    strongest = max((echo for repeat in repeated_national_learning(writable_kb, theme)
                     for repeated in repeat.passages for echo in repeated.earlier),
                    key=lambda echo: echo.strength)
    national = strongest.result.document
    writable_kb.store.set_restricted(national.id, True)
    writable_kb.sync_index()

    def cited(include_restricted: bool) -> set[int]:
        return {echo.result.document.id
                for repeat in repeated_national_learning(writable_kb, theme, include_restricted)
                for repeated in repeat.passages for echo in repeated.earlier}
    assert national.id not in cited(False)
    assert national.id in cited(True)


def test_echoes_honour_filters_that_leave_no_passage(corpus_kb: KnowledgeBase) -> None:
    earliest = min(d.meta.year for d in corpus_kb.store.documents())
    passage = corpus_kb.store.passages()[0]
    assert echoes(corpus_kb, passage, include_restricted=True, year_to=earliest - 1) == []
    assert echoes(corpus_kb, passage, include_restricted=True, theme="no-such-theme") == []


def test_most_common_findings_are_those_other_documents_make_too(corpus_kb: KnowledgeBase) -> None:
    theme = "fathers-male-carers"
    points = most_common(corpus_kb, theme, "finding", limit=3)
    assert len(points) == 3 and points[0].other_documents >= 2
    assert [p.other_documents for p in points] == sorted((p.other_documents for p in points),
                                                         reverse=True)
    shown: set[int] = set()
    for point in points:
        assert point.passage.passage_type == "finding" and theme in point.passage.themes
        assert point.passage.id not in shown, "a point already listed is not repeated"
        assert all(echo.result.document.id != point.document.id and theme in
                   echo.result.passage.themes for echo in point.echoes)
        shown |= {echo.result.passage.id for echo in point.echoes}
