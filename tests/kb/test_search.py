"""Search requests from URL parameters, and how queries are widened by synonyms."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from kb.base import KnowledgeBase
from kb.facets import FACET_PARAMS, facet_label
from kb.ranking import query_expansions
from kb.search import SearchRequest, SearchRequestError, within_pages


def test_request_round_trips_through_url_parameters() -> None:
    params = MultiDict([("q", "fathers not seen"), ("theme", "babies"), ("theme", "neglect"),
                        ("scope", "local"), ("age", "baby"), ("type", "recommendation"),
                        ("agency", "police"), ("year_from", "2019"), ("year_to", "2024"),
                        ("sort", "newest"), ("page", "2")])
    request = SearchRequest.from_params(params)
    assert request.theme == ("babies", "neglect")
    assert request.age_group == ("baby",) and request.passage_type == ("recommendation",)
    assert request.year_from == 2019 and request.page == 2
    assert SearchRequest.from_params(MultiDict(request.to_params())) == request


def test_defaults_are_left_out_of_urls() -> None:
    assert SearchRequest.from_params({"q": "neglect"}).to_params() == [("q", "neglect")]


def test_toggling_a_facet_value_adds_or_removes_it_and_goes_back_to_page_one() -> None:
    request = SearchRequest(q="x", theme=("babies",), page=3)
    added = request.toggled("theme", "neglect")
    assert added.theme == ("babies", "neglect") and added.page == 1
    assert added.toggled("theme", "babies").theme == ("neglect",)


@pytest.mark.parametrize("params, message", [
    ({"year_from": "twenty"}, "year_from must be a whole number"),
    ({"sort": "random"}, "sort must be one of"),
    ({"q": "x" * 501}, "too long"),
    ({"year": "abc"}, "year must be a whole number, not 'abc'"),
    ({"year": ["2021", "twenty"]}, "year must be a whole number, not 'twenty'"),
    ({"page": "-1"}, "page must be a whole number"),
])
def test_bad_parameters_raise_a_helpful_error(params, message) -> None:
    with pytest.raises(SearchRequestError, match=message):
        SearchRequest.from_params(params)


def test_page_size_and_page_are_clamped() -> None:
    request = SearchRequest.from_params({"per_page": "100000", "page": "0"})
    assert request.per_page == 100 and request.page == 1


def test_an_unknown_facet_value_is_a_filter_not_an_error() -> None:
    request = SearchRequest.from_params({"kind": "foo", "theme": "no-such-theme", "year": "1800"})
    assert request.kind == ("foo",) and request.theme == ("no-such-theme",)
    assert request.year == ("1800",)


def test_a_page_past_the_last_gives_the_last_page(corpus_kb: KnowledgeBase) -> None:
    asked = SearchRequest(q="father", per_page=20, page=99)
    found = within_pages(corpus_kb.search, asked)
    last = corpus_kb.search(SearchRequest(q="father", per_page=20, page=found.pages))
    assert found.pages > 1 and found.request.page == found.pages and found.page_asked == 99
    assert [r.passage.id for r in found.results] == [r.passage.id for r in last.results]
    assert found.results and found.to_dict()["page"] == found.pages
    within = within_pages(corpus_kb.search, SearchRequest(q="father", page=2))
    assert within.request.page == 2 and within.page_asked is None
    nothing = within_pages(corpus_kb.search, SearchRequest(q="xylophonequasar", page=3))
    assert nothing.request.page == 1 and nothing.total == 0


def test_agency_and_age_facets_are_labelled_from_the_facets_data(
        corpus_kb: KnowledgeBase) -> None:
    agencies = corpus_kb.taxonomy.facets["agencies"]
    assert facet_label("agency", "health-visiting") == agencies["health-visiting"]["label"] \
        == "Health visiting"
    assert facet_label("agency", "childrens-social-care") == "Children's social care"
    assert facet_label("agency", "no-such-agency") == "no-such-agency"
    assert facet_label("agency", "police", facets={"agencies": {"police": {"label": "Constabulary"}}}) \
        == "Constabulary"
    assert facet_label("age_group", "baby") == corpus_kb.taxonomy.facets["age_groups"]["baby"]["label"]
    assert facet_label("passage_type", "good-practice") == "Good practice"

    found = corpus_kb.search(SearchRequest(q="father", agency=("health-visiting",)))
    labels = {count.value: count.label for count in found.facets["agency"]}
    assert labels["health-visiting"] == "Health visiting"
    assert labels["childrens-social-care"] == "Children's social care"
    assert all(labels[value] == agencies[value]["label"] for value in labels)
    assert all(count.label != count.value for count in found.facets["age_group"])


def test_the_json_names_the_url_parameter_of_each_facet(corpus_kb: KnowledgeBase) -> None:
    data = corpus_kb.search(SearchRequest(q="father")).to_dict()
    assert data["facet_params"]["age_group"] == "age"
    assert data["facet_params"]["passage_type"] == "type"
    assert set(data["facet_params"]) == set(data["facets"]) <= set(FACET_PARAMS)


def test_synonym_groups_are_found_as_whole_words() -> None:
    groups = [("fathers-male-carers", ("father", "dad", "mother's partner")),
              ("home-education", ("not in school", "home educated"))]
    expansions, themes = query_expansions("Was the dad seen?", groups)
    assert expansions == [("father", "dad", "mother's partner")]
    assert themes == ["fathers-male-carers"]
    assert query_expansions("children not in school", groups)[1] == ["home-education"]
    assert query_expansions("daddy long legs", groups) == ([], [])


def test_groups_without_a_theme_widen_but_boost_no_theme() -> None:
    groups = [(None, ("a&e", "emergency department")),
              ("fathers-male-carers", ("father", "dad"))]
    expansions, themes = query_expansions("seen in A&E", groups)
    assert expansions == [("a&e", "emergency department")] and themes == []


def test_excluded_words_widen_nothing() -> None:
    groups = [("fathers-male-carers", ("father", "dad")),
              ("home-education", ("not in school", "home educated"))]
    assert query_expansions("mother -dad", groups) == ([], [])
    assert query_expansions('visits -"home educated"', groups) == ([], [])
    assert query_expansions("dad -grandmother", groups)[1] == ["fathers-male-carers"]


def test_every_facet_of_the_registry_is_a_search_filter() -> None:
    from dataclasses import fields

    from kb.facets import FACETS

    names = {field.name for field in fields(SearchRequest)}
    assert {facet.name for facet in FACETS} <= names
    request = SearchRequest.from_params({facet.param: "2020" for facet in FACETS})
    assert request.filters() == {facet.name: ("2020",) for facet in FACETS}
    assert dict(request.to_params()) == {facet.param: "2020" for facet in FACETS}
