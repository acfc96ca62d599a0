"""The recommendations register page and its JSON twin, over the indexed sample corpus."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from kb.recommendations import made_before
from tests.web.pages import kb_of, soup


def test_every_recommendation_is_listed_with_what_was_made_before(
        client: FlaskClient, app: Flask) -> None:
    # The app's own knowledge base, whose answers are kept (kb.similarity.memoised): another
    # one opened on the same data may find other passages "made before", as tantivy's
    # more-like-this picks among equally weighted words at random (a known fault, reported).
    kb = kb_of(app)
    stored = [p for p in kb.store.passages() if p.passage_type == "recommendation"]
    found = client.get("/api/recommendations", query_string={"per_page": "100"}).get_json()
    assert found["total"] == len(stored) and len(found["results"]) == len(stored)
    assert {r["passage_id"] for r in found["results"]} == {p.id for p in stored}
    assert "passage_type" not in found["facets"]
    repeated = [r for r in found["results"] if r["made_before"]]
    assert len(repeated) >= 3
    for result in repeated:
        passage = next(p for p in stored if p.id == result["passage_id"])
        expected = made_before(kb, passage, kb.store.document(passage.document_id))
        assert [e["passage_id"] for e in result["made_before"]] == [
            e.result.passage.id for e in expected]
        assert all(e["passage_type"] == "recommendation" and e["document"]["year"] < result["year"]
                   for e in result["made_before"])
    page = soup(client.get("/recommendations", query_string={"per_page": "100"}))
    items = page.select("ol.register > li")
    assert len(items) == len(stored)
    assert page.find(id="result-count").get_text(strip=True).startswith(f"{len(stored)} recommendations")
    for item, result in zip(items, found["results"]):
        links = item.select(".made-before .similar-title a")
        assert [a["href"] for a in links] == [
            f"/documents/{e['document']['id']}#passage-{e['passage_id']}" for e in result["made_before"]]
        assert item.find("form", class_="add-form"), "each can go into a collection"


def test_the_register_is_searched_and_filtered_like_the_search_page(client: FlaskClient) -> None:
    params = [("q", "father"), ("scope", "local"), ("type", "finding")]
    found = client.get("/api/recommendations", query_string=params).get_json()
    assert found["total"] > 0
    assert all(r["passage_type"] == "recommendation" and r["scope"] == "local"
               for r in found["results"]), "the type is always recommendation"
    page = soup(client.get("/recommendations", query_string=params))
    assert page.find("form", id="search-form")["action"] == "/recommendations"
    assert page.find("input", id="q")["value"] == "father"
    chips = page.select("a.chip-remove")
    assert chips and all(urlsplit(a["href"]).path == "/recommendations" for a in chips)
    assert not page.find("input", attrs={"name": "type"}), "no passage-type filter"
    assert page.find("input", attrs={"name": "scope", "value": "local"}).has_attr("checked")
    theme_chip = page.select_one("ol.register a.chip")
    assert urlsplit(theme_chip["href"]).path == "/recommendations"


def test_htmx_gets_the_results_with_filters_and_count_out_of_band(client: FlaskClient) -> None:
    response = client.get("/recommendations", query_string={"q": "father"},
                          headers={"HX-Request": "true"})
    page = soup(response)
    assert not page.find("html") and page.find(id="results-heading")
    assert page.find(id="filters")["hx-swap-oob"] == "innerHTML"
    assert page.find(id="result-count")["hx-swap-oob"] == "innerHTML"
    assert "HX-Request" in response.headers["Vary"]


def test_a_bad_parameter_is_explained(client: FlaskClient) -> None:
    response = client.get("/recommendations", query_string={"page": "two"})
    assert response.status_code == 400
    assert "page must be a whole number" in soup(response).find(class_="error-summary").get_text()
    assert client.get("/api/recommendations", query_string={"page": "two"}).status_code == 400
