"""Property-based tests: no query, parameter, path or form value makes the app fail (a 500).

Over the indexed sample corpus (read-only), except the curation forms, which change data
and get a private copy. Example counts are kept modest so the suite stays fast.
"""
from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kb.base import KnowledgeBase
from kb.engine import EngineRequest
from kb.facets import FACET_PARAMS
from kb.ranking import ranked_query
from kb.search import SearchRequest, SearchRequestError
from tests.web.conftest import PASSWORD, close_app, make_app
from tests.web.pages import csrf_token, sign_in

EXAMPLES = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

#: Pieces of query syntax (ours, and what other query languages use), words from the corpus, and oddities.
SYNTAX = ['"', "(", ")", "AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "-", "+", "*", "?", "~", "~2",
          "^", "^3", ":", "text:", "title:", "[", "]", "{", "}", "TO", "\\", "/", "'", "<", ">",
          "=", "father", "neglect", "health visitor", "Child K", "\x00", "\t", "\u200b", "é",
          "٣", "ﬁ", "🙂", "%", "&", "#", "..", "x" * 60]
#: Any character a URL or form can carry (lone surrogates cannot be sent at all).
CHARACTERS = st.characters(exclude_categories=("Cs",))
TEXT = st.one_of(
    st.text(CHARACTERS, max_size=80),
    st.lists(st.sampled_from(SYNTAX) | st.text(CHARACTERS, max_size=6), max_size=25).map(" ".join),
    st.lists(st.sampled_from(SYNTAX), min_size=60, max_size=140).map("".join),  # over the limit
)
VALUE = st.one_of(TEXT, st.integers(-10**12, 10**12).map(str), st.sampled_from(
    ["", " ", "0", "-1", "1e9", "99999999999999999999", "2020", "local", "national", "cspr",
     "relevance", "newest", "baby", "recommendation", "neglect", "NaN", "１２"]))
PARAMS = sorted(set(FACET_PARAMS.values()) | {"q", "year_from", "year_to", "sort", "page",
                                              "per_page", "unknown"})
QUERY = st.lists(st.tuples(st.sampled_from(PARAMS), VALUE), max_size=12)


def _no_failure(response, address: str) -> None:
    assert response.status_code < 500, (address, response.status_code)
    if address.startswith("/api/") and response.mimetype == "application/json":
        assert response.get_json() is not None


@EXAMPLES
@given(text=TEXT, sort=st.sampled_from(["relevance", "newest"]), plain=st.booleans(),
       include_restricted=st.booleans())
@example(text="x ANDMAYBE ANDMAYBE y", sort="relevance", plain=False, include_restricted=False)
@example(text="0:ANDNOT:ANDNOT:0", sort="relevance", plain=True, include_restricted=False)
def test_the_query_parser_reads_anything(corpus: KnowledgeBase, text: str, sort: str, plain: bool,
                                         include_restricted: bool) -> None:
    kb = corpus
    found = kb.engine.search(EngineRequest(query=ranked_query(text[:500], plain=plain), sort=sort,
                                           limit=5, include_restricted=include_restricted))
    assert found.total >= len(found.hits)
    try:
        request = SearchRequest.from_params({"q": text})
    except SearchRequestError:
        assert len(text) > 500
        return
    response = kb.search(request, include_restricted=include_restricted)
    assert response.total >= len(response.results)


def _get_routes(app: Flask, with_arguments: bool) -> list:
    """Every GET route of the app (whoever added it), with or without path arguments."""
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and rule.endpoint != "static"
                   and bool(rule.arguments) == with_arguments), key=lambda rule: rule.rule)


@EXAMPLES
@given(params=QUERY, htmx=st.booleans())
def test_every_page_and_api_address_takes_any_parameters(
        app: Flask, params: list[tuple[str, str]], htmx: bool) -> None:
    client = app.test_client()
    headers = {"HX-Request": "true"} if htmx else {}
    routes = _get_routes(app, with_arguments=False)
    assert {"/", "/api/search", "/api/search.csv"} <= {rule.rule for rule in routes}
    for rule in routes:
        response = client.get(rule.rule, query_string=params, headers=headers)
        _no_failure(response, rule.rule)
        if rule.rule in ("/", "/api/search", "/api/search.csv"):
            assert response.status_code in (200, 400), (rule.rule, params)


@EXAMPLES
@given(number=st.integers(-2**70, 2**70), other=st.integers(0, 10**6), word=TEXT)
def test_every_address_takes_any_ids_and_names(app: Flask, number: int, other: int,
                                               word: str) -> None:
    client = app.test_client()
    name = word.replace("/", "").replace("?", "").replace("#", "").replace("%", "") or "x"
    for rule in _get_routes(app, with_arguments=True):
        for numbers in ((number, other), (other, number)):
            given_numbers = iter(numbers * 2)

            def value(match: re.Match) -> str:
                return str(next(given_numbers)) if match.group(1) == "int" else name
            path = re.sub(r"<(?:(\w+):)?\w+>", value, rule.rule)
            _no_failure(client.get(path), path)


@EXAMPLES
@given(username=TEXT, password=TEXT, target=TEXT)
def test_sign_in_takes_any_form_values(app: Flask, username: str, password: str,
                                       target: str) -> None:
    client = app.test_client()
    response = client.post("/sign-in", data={"username": username, "password": password,
                                             "next": target, "csrf_token": csrf_token(client)})
    assert response.status_code in (401, 413), response.status_code
    assert client.get("/sign-in", query_string={"next": target}).status_code == 200


@pytest.fixture(scope="module")
def curation_app(access_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    copy = tmp_path_factory.mktemp("properties") / "data"
    shutil.copytree(access_data, copy)
    application = make_app(copy)
    yield application
    close_app(application)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(action=st.sampled_from(["confirm", "remove", "add"]) | TEXT,
       theme=st.sampled_from(["neglect", "fathers-and-male-carers"]) | TEXT,
       document=st.integers(-5, 40), passage=st.integers(-5, 3000), restricted=VALUE)
def test_curation_and_restriction_forms_take_any_values(
        curation_app: Flask, action: str, theme: str, document: int, passage: int,
        restricted: str) -> None:
    client = curation_app.test_client()
    sign_in(client, "admin", PASSWORD)
    token = csrf_token(client)
    curate = client.post(f"/documents/{document}/passages/{passage}/themes",
                         data={"action": action, "theme": theme, "csrf_token": token})
    assert curate.status_code in (303, 400, 404), curate.status_code
    restrict = client.post(f"/documents/{document}/restriction",
                           data={"restricted": restricted, "csrf_token": token})
    assert restrict.status_code in (303, 400, 404), restrict.status_code


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(passage=VALUE, collection=VALUE, name=TEXT, note=TEXT, move=VALUE)
@example(passage="99999999999999999999999", collection="1", name="x", note="", move="up")
@example(passage="²", collection="²", name="x", note="", move="down")
def test_collection_forms_take_any_values(curation_app: Flask, passage: str, collection: str,
                                          name: str, note: str, move: str) -> None:
    client = curation_app.test_client()
    sign_in(client, "viewer", PASSWORD)
    token = csrf_token(client, "/collections")
    posts = [("/collections", {"name": name}),
             ("/collections/items", {"passage_id": passage, "collection_id": collection}),
             ("/collections/1/rename", {"name": name}),
             ("/collections/1/target", {"collection_id": collection}),
             ("/collections/1/items/1/note", {"note": note}),
             ("/collections/1/items/1/move", {"direction": move})]
    for address, form in posts:
        for headers in ({}, {"HX-Request": "true", "X-CSRFToken": token}):
            response = client.post(address, data=dict(form, csrf_token=token), headers=headers)
            _no_failure(response, address)
