"""Search requests from URL parameters, and how queries are widened by synonyms."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from kb.search import SearchRequest, SearchRequestError, query_expansions


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
])
def test_bad_parameters_raise_a_helpful_error(params, message) -> None:
    with pytest.raises(SearchRequestError, match=message):
        SearchRequest.from_params(params)


def test_page_size_and_page_are_clamped() -> None:
    request = SearchRequest.from_params({"per_page": "100000", "page": "0"})
    assert request.per_page == 100 and request.page == 1


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
