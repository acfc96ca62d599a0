"""The Whoosh search index: adding, deleting, filters, facet counts, highlighting, rebuilds."""
from __future__ import annotations

from pathlib import Path

import pytest

from kb.index import IndexQuery, SearchIndex
from kb.store import Store
from tests.kb.conftest import make_passages, meta


@pytest.fixture
def indexed(store: Store, tmp_path: Path) -> SearchIndex:
    """Three documents: two local, one national, with themes on their passages."""
    store.save_document("/r/a.pdf", "a", "pdf", meta("Review A", 2019), 2, make_passages(
        "The stepfather was never assessed by the health visitor.",
        "Baby A had a bruise that nobody explained.",
        themes=[["fathers-male-carers"], ["babies"]]))
    store.save_document("/r/b.pdf", "b", "pdf", meta("Review B", 2022), 1, make_passages(
        "Her father was not seen; the school knew little of the home.",
        themes=[["fathers-male-carers", "education-safety"]]))
    store.save_document("/r/c.pdf", "c", "pdf", meta("National C", 2024, scope="national",
                                                     kind="thematic-review",
                                                     publisher="National Panel"), 1,
                        make_passages("Men in babies' lives are often invisible to services.",
                                      themes=[["fathers-male-carers", "babies"]]))
    index = SearchIndex(tmp_path / "index")
    items = [(p, store.document(p.document_id)) for p in store.passages()]
    index.rebuild(items)
    yield index
    index.close()


def ids(results) -> list[int]:
    return [hit.passage_id for hit in results.hits]


def test_words_are_stemmed(indexed: SearchIndex) -> None:
    results = indexed.search(IndexQuery(text="assess"))
    assert results.total == 1
    assert "<mark>assessed</mark>" in results.hits[0].snippet


def test_facet_counts_follow_the_query_and_the_other_filters(indexed: SearchIndex) -> None:
    results = indexed.search(IndexQuery(text="father OR stepfather OR men"))
    assert results.total == 3
    assert results.facets["scope"] == {"local": 2, "national": 1}
    filtered = indexed.search(IndexQuery(text="father OR stepfather OR men",
                                         filters={"scope": ["national"]}))
    assert filtered.total == 1
    # The scope facet still counts both scopes (its own filter is left out)...
    assert filtered.facets["scope"] == {"local": 2, "national": 1}
    # ...while other facets count only within the national filter.
    assert filtered.facets["kind"] == {"thematic-review": 1}
    assert filtered.facets["theme"] == {"fathers-male-carers": 1, "babies": 1}


def test_values_of_one_facet_combine_with_or_and_facets_with_and(indexed: SearchIndex) -> None:
    either = indexed.search(IndexQuery(filters={"theme": ["education-safety", "babies"]}))
    assert either.total == 3
    both = indexed.search(IndexQuery(filters={"theme": ["babies"], "scope": ["local"]}))
    assert both.total == 1


def test_year_range(indexed: SearchIndex) -> None:
    assert indexed.search(IndexQuery(year_from=2020, year_to=2023)).total == 1
    assert indexed.search(IndexQuery(year_from=2020)).total == 2


def test_newest_first_sort(indexed: SearchIndex, store: Store) -> None:
    results = indexed.search(IndexQuery(sort="newest", limit=10))
    years = [store.document(hit.document_id).meta.year for hit in results.hits]
    assert years == sorted(years, reverse=True)


def test_restricted_passages_are_hidden_unless_asked_for(indexed: SearchIndex, store: Store) -> None:
    document_id = store.document_id_for_hash("c")
    store.set_restricted(document_id, True)
    additions, deletions = store.pending_index_changes()
    indexed.apply([(p, store.document(p.document_id)) for p in store.passages(passage_ids=additions)],
                  deletions)
    hidden = indexed.search(IndexQuery(text="men"))
    assert hidden.total == 0 and "national" not in hidden.facets["scope"]
    shown = indexed.search(IndexQuery(text="men", include_restricted=True))
    assert shown.total == 1


def test_phrases_or_and_exclusion(indexed: SearchIndex) -> None:
    assert indexed.search(IndexQuery(text='"never assessed"')).total == 1
    assert indexed.search(IndexQuery(text='"assessed never"')).total == 0
    assert indexed.search(IndexQuery(text="father -school")).total == 0
    assert indexed.search(IndexQuery(text="bruise OR school")).total == 2


def test_unreadable_query_is_searched_as_plain_words(indexed: SearchIndex) -> None:
    results = indexed.search(IndexQuery(text="bruise AND ((("))
    assert results.total == 1
    results = indexed.search(IndexQuery(text="((( OR"))
    assert results.total == 0 and results.notice


def test_misspelt_word_gets_a_suggestion(indexed: SearchIndex) -> None:
    results = indexed.search(IndexQuery(text="stepfahter"))
    assert results.total == 0
    assert results.suggestion == "stepfather"


def test_expansions_widen_the_query(indexed: SearchIndex) -> None:
    assert indexed.search(IndexQuery(text="dad")).total == 0
    widened = indexed.search(IndexQuery(text="dad", expansions=[("dad", "father", "stepfather")]))
    assert widened.total == 2


def test_snippets_escape_markup(tmp_path: Path, store: Store) -> None:
    store.save_document("/r/x.md", "x", "md", meta("X"), 0,
                        make_passages("<script>alert(1)</script> the bruise was <b>old</b>"))
    index = SearchIndex(tmp_path / "index")
    index.rebuild([(p, store.document(p.document_id)) for p in store.passages()])
    snippet = index.search(IndexQuery(text="bruise")).hits[0].snippet
    assert "<script" not in snippet and "alert(1)&lt;/script&gt;" in snippet
    assert "<b>" not in snippet and "<mark>bruise</mark>" in snippet
    browse = index.search(IndexQuery()).hits[0].snippet
    assert "<script>" not in browse and "&lt;script&gt;" in browse
    index.close()


def test_apply_deletes_and_replaces(indexed: SearchIndex, store: Store) -> None:
    store.clear_all_index_changes()
    store.save_document("/r/a.pdf", "a2", "pdf", meta("Review A", 2019), 1,
                        make_passages("A rewritten review about housing."))
    additions, deletions = store.pending_index_changes()
    indexed.apply([(p, store.document(p.document_id)) for p in store.passages(passage_ids=additions)],
                  deletions)
    assert indexed.search(IndexQuery(text="stepfather")).total == 0
    assert indexed.search(IndexQuery(text="housing")).total == 1
    assert indexed.indexed_passage_ids() == {p.id for p in store.passages()}


def test_rebuild_switches_generation_and_keeps_the_old_one_until_next(indexed: SearchIndex,
                                                                      store: Store) -> None:
    before = indexed.current_dir()
    indexed.rebuild([(p, store.document(p.document_id)) for p in store.passages()])
    after = indexed.current_dir()
    assert after != before and before.exists()
    assert indexed.search(IndexQuery(text="bruise")).total == 1
    indexed.rebuild([(p, store.document(p.document_id)) for p in store.passages()])
    assert not before.exists()


def test_an_empty_index_answers_with_nothing(tmp_path: Path) -> None:
    results = SearchIndex(tmp_path / "none").search(IndexQuery(text="anything"))
    assert results.total == 0 and results.hits == []


def test_a_query_word_outranks_a_pile_of_its_synonyms(store: Store, tmp_path: Path) -> None:
    store.save_document("/r/s.md", "s", "md", meta("S"), 0, make_passages(
        "The father, the stepfather and the mother's partner, every male carer, was absent.",
        "The dad was absent from every visit."))
    index = SearchIndex(tmp_path / "index")
    index.rebuild([(p, store.document(p.document_id)) for p in store.passages()])
    group = ("dad", "father", "stepfather", "mother's partner", "male carer")
    results = index.search(IndexQuery(text="dad absent", expansions=[group]))
    assert results.total == 2
    assert "dad" in results.hits[0].snippet.lower()
    index.close()


def test_query_words_found_together_rank_first(store: Store, tmp_path: Path) -> None:
    store.save_document("/r/p.md", "p", "md", meta("P"), 0, make_passages(
        "Sleep was poor and the home was not safe for a baby of that age at night.",
        "The baby slept on a sofa; safe sleep advice was never given to the household."))
    index = SearchIndex(tmp_path / "index")
    index.rebuild([(p, store.document(p.document_id)) for p in store.passages()])
    results = index.search(IndexQuery(text="safe sleep"))
    assert results.total == 2
    assert "sofa" in results.hits[0].snippet
    index.close()


def test_newest_first_breaks_ties_by_passage_number(tmp_path: Path, store: Store) -> None:
    store.save_document("/r/long.pdf", "long", "pdf", meta("Long", 2020), 12,
                        make_passages(*[f"Passage number {n} about neglect." for n in range(12)]))
    index = SearchIndex(tmp_path / "index")
    index.rebuild([(p, store.document(p.document_id)) for p in store.passages()])
    pids = [p.id for p in store.passages()]
    # Numbers, not strings: passage 10 comes after passage 9.
    assert ids(index.search(IndexQuery(sort="newest", limit=20))) == sorted(pids)
    by_date = index.search(IndexQuery(text="neglect", sort="newest", limit=20))
    assert ids(by_date) == sorted(pids)
    assert all("<mark>neglect</mark>" in hit.snippet for hit in by_date.hits)
    index.close()


def test_facet_counts_add_up_to_the_total(indexed: SearchIndex) -> None:
    for request in (IndexQuery(), IndexQuery(text="father OR baby OR men"),
                    IndexQuery(text="father", filters={"theme": ["fathers-male-carers"]})):
        results = indexed.search(request)
        for name in ("scope", "kind", "year", "publisher"):
            assert sum(results.facets[name].values()) == results.total
    recent = indexed.search(IndexQuery(year_from=2020))
    assert recent.facets["year"] == {"2019": 2, "2022": 1, "2024": 1}  # its own filter left out
    assert recent.facets["scope"] == {"local": 1, "national": 1}


def test_refining_a_cached_query_gives_what_a_fresh_index_gives(indexed: SearchIndex,
                                                                 tmp_path: Path) -> None:
    requests = [IndexQuery(text="father OR baby OR men", filters={"scope": ["national"]}),
                IndexQuery(text="father OR baby OR men"),
                IndexQuery(text="father OR baby OR men", filters={"theme": ["babies"]}),
                IndexQuery(text="father OR baby OR men", offset=1, limit=1)]
    cached = [indexed.search(request) for request in requests]
    for request, answer in zip(requests, cached):
        fresh = SearchIndex(indexed.root)  # the same index, nothing cached
        assert fresh.search(request) == answer
        fresh.close()


def test_scores_are_the_full_sum_and_ties_keep_index_order(indexed: SearchIndex) -> None:
    results = indexed.search(IndexQuery(text="father OR baby OR men", limit=10))
    scores = [hit.score for hit in results.hits]
    assert scores == sorted(scores, reverse=True) and all(score > 0 for score in scores)


def test_deleted_passages_leave_the_facet_counts(indexed: SearchIndex, store: Store) -> None:
    store.clear_all_index_changes()
    store.save_document("/r/c.pdf", "c2", "pdf", meta("National C", 2024, scope="national"), 1,
                        make_passages("A rewritten national review about housing."))
    additions, deletions = store.pending_index_changes()
    indexed.apply([(p, store.document(p.document_id)) for p in store.passages(passage_ids=additions)],
                  deletions)
    results = indexed.search(IndexQuery())
    assert results.total == 4
    assert results.facets["theme"] == {"fathers-male-carers": 2, "babies": 1, "education-safety": 1}
    assert indexed.search(IndexQuery(text="men")).total == 0


def test_an_index_written_by_an_older_version_is_not_used(tmp_path: Path) -> None:
    from whoosh import index as whoosh_index
    from whoosh.fields import ID, TEXT, Schema

    root = tmp_path / "index"
    (root / "gen-1").mkdir(parents=True)
    whoosh_index.create_in(str(root / "gen-1"), Schema(pid=ID(stored=True), text=TEXT))
    (root / "CURRENT").write_text("gen-1")
    index = SearchIndex(root)
    assert not index.exists()  # so the next sync rebuilds it from SQLite
    assert index.search(IndexQuery(text="anything")).total == 0


def test_snippets_prefer_the_earlier_of_equal_fragments(tmp_path: Path, store: Store) -> None:
    filler = " ".join(["nothing of note here"] * 30)
    text = f"First bruise seen. {filler} Second bruise seen. {filler} Third bruise seen."
    store.save_document("/r/y.md", "y", "md", meta("Y"), 0, make_passages(text))
    index = SearchIndex(tmp_path / "index")
    index.rebuild([(p, store.document(p.document_id)) for p in store.passages()])
    snippet = index.search(IndexQuery(text="bruise")).hits[0].snippet
    assert "First <mark>bruise</mark>" in snippet and "Second <mark>bruise</mark>" in snippet
    assert "Third" not in snippet
    index.close()


def test_similar_passages_respect_filters_that_match_nothing(indexed: SearchIndex,
                                                            store: Store) -> None:
    text = "Men and fathers in the lives of babies were not seen by services."
    assert indexed.similar(text, limit=5)
    assert indexed.similar(text, filters={"publisher": ["Nobody publishes this"]}) == []
    # A filter leaving only restricted passages must not fall back to "no filter".
    store.set_restricted(store.document_id_for_hash("c"), True)
    indexed.rebuild([(p, store.document(p.document_id)) for p in store.passages()])
    assert indexed.similar(text, filters={"scope": ["national"]}) == []
    assert indexed.similar(text, filters={"scope": ["national"]}, include_restricted=True)


def test_reference_matter_ranks_below_the_learning(tmp_path: Path, store: Store) -> None:
    glossary, finding = make_passages(
        "Elective home education: a parent's choice to educate a child at home.",
        "The child in elective home education was not seen by any professional.")
    glossary.heading_path = ["7. Glossary"]
    store.save_document("/r/g.md", "g", "md", meta("G"), 0, [glossary, finding])
    index = SearchIndex(tmp_path / "index")
    index.rebuild([(p, store.document(p.document_id)) for p in store.passages()])
    # Shorter, the glossary entry would win on BM25 alone; its section puts it second.
    plain = index.search(IndexQuery(text="elective home education", plain=True))
    assert "parent's choice" in plain.hits[0].snippet
    ranked = index.search(IndexQuery(text="elective home education"))
    assert "not seen" in ranked.hits[0].snippet and ranked.total == 2
    index.close()


def test_did_you_mean_looks_up_a_bounded_number_of_words(indexed: SearchIndex) -> None:
    from kb.index import MAX_CORRECTED_WORDS

    results = indexed.search(IndexQuery(text=" ".join(["bruse"] * (MAX_CORRECTED_WORDS + 2))))
    assert results.suggestion.split() == ["bruise"] * MAX_CORRECTED_WORDS + ["bruse"] * 2


@pytest.mark.parametrize("text, left_out", [
    ("sofa -baby", r"\bbab(y|ies)\b"),
    ("father -baby", r"\bbab(y|ies)\b"),
    ("father NOT baby", r"\bbab(y|ies)\b"),
    ('stepfather -"health visitor"', r"\bhealth visitors?\b"),
    ('neglect OR "poor home conditions" -adolescent', r"\badolescen"),
])
def test_left_out_words_leave_out_every_passage_that_has_them(corpus_kb, text: str,
                                                             left_out: str) -> None:
    import re

    from kb.search import SearchRequest

    response = corpus_kb.search(SearchRequest.from_params({"q": text, "per_page": "100"}))
    assert 0 < response.total <= 100 and len(response.results) == response.total
    assert not [r.passage.id for r in response.results
                if re.search(left_out, r.passage.text, re.IGNORECASE)]
    assert sum(response.facets["scope"][i].count for i in range(len(response.facets["scope"]))) \
        == response.total


def test_a_search_that_only_leaves_words_out_says_what_to_do(corpus_kb) -> None:
    from kb.search import SearchRequest

    for text in ("-father", "NOT father", '-"health visitor"'):
        response = corpus_kb.search(SearchRequest.from_params({"q": text}))
        assert response.total == 0 and "add a word to look for" in response.notice


def test_did_you_mean_keeps_the_query_and_picks_the_closest_spelling(corpus_kb) -> None:
    from kb.search import SearchRequest

    def suggestion(text: str) -> str | None:
        return corpus_kb.search(SearchRequest.from_params({"q": text})).suggestion

    # Offered even when the rest of the query finds plenty, closest spelling first
    # (Whoosh alone proposes the commoner "lead" for "sleap").
    assert suggestion("safe sleap") == "safe sleep"
    assert suggestion("fathers not seen by helth visitors") == "fathers not seen by health visitors"
    assert suggestion('"safe sleap" -sofaa') == '"safe sleep" -sofa'
    assert suggestion("father") is None
    assert suggestion("zzqxwv plorf") is None  # nothing close enough: no guess


def test_a_hyphen_inside_a_word_leaves_nothing_out(corpus_kb) -> None:
    from kb.search import SearchRequest

    for text, wanted in (("self-harm", "harm"), ("co-sleeping on sofa", "sleep")):
        response = corpus_kb.search(SearchRequest.from_params({"q": text}))
        assert all(wanted in r.passage.text.lower() for r in response.results[:3]), text
