"""The JSON API and the CSV download mirror the pages, over the indexed sample corpus."""
from __future__ import annotations

import csv
import io

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from kb.base import KnowledgeBase
from kb.search import SearchRequest
from tests.web.pages import soup


def test_api_search_is_the_search_response_as_json(
        client: FlaskClient, corpus: KnowledgeBase) -> None:
    params = [("q", "father"), ("scope", "local"), ("per_page", "5")]
    found = client.get("/api/search", query_string=params).get_json()
    expected = corpus.search(SearchRequest.from_params(MultiDict(params))).to_dict()
    assert found == expected
    assert found["total"] > 5 and len(found["results"]) == 5


def test_api_errors_are_json_with_status_400(client: FlaskClient) -> None:
    response = client.get("/api/search", query_string={"page": "two"})
    assert response.status_code == 400
    assert response.get_json() == {"error": "page must be a whole number, not 'two'"}
    assert client.get("/api/search.csv", query_string={"sort": "x"}).status_code == 400


def test_api_document_has_metadata_profile_and_passages(
        client: FlaskClient, corpus: KnowledgeBase) -> None:
    document = next(d for d in corpus.store.documents() if not d.meta.restricted)
    found = client.get(f"/api/documents/{document.id}").get_json()
    assert found["document"]["title"] == document.meta.title
    assert found["document"]["file_url"].endswith(f"/documents/{document.id}/file")
    assert len(found["passages"]) == document.passage_count
    assert sum(t["passages"] for t in found["themes"]) == \
        sum(len(p["themes"]) for p in found["passages"])
    response = client.get("/api/documents/999999")
    assert response.status_code == 404 and "error" in response.get_json()


def test_api_themes_list_every_theme(client: FlaskClient, corpus: KnowledgeBase) -> None:
    found = client.get("/api/themes").get_json()["themes"]
    assert [t["id"] for t in found] == list(corpus.taxonomy.ids)
    assert all(t["documents_by_scope"]["local"] + t["documents_by_scope"]["national"]
               == t["documents"] for t in found)


def test_csv_has_one_row_per_matching_passage(client: FlaskClient) -> None:
    params = [("q", "father"), ("scope", "local")]
    total = client.get("/api/search", query_string=params).get_json()["total"]
    response = client.get("/api/search.csv", query_string=params)
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["title", "publisher", "year", "kind", "scope", "page", "heading", "themes",
                       "text", "link"]
    assert len(rows) - 1 == total > 20, "all matching passages, not one page"
    assert {row[4] for row in rows[1:]} == {"local"}
    assert all(row[9].startswith("/documents/") for row in rows[1:])


def test_csv_without_a_query_has_every_passage_up_to_the_cap(client: FlaskClient) -> None:
    total = client.get("/api/search", query_string={"per_page": "1"}).get_json()["total"]
    rows = list(csv.reader(io.StringIO(client.get("/api/search.csv").get_data(as_text=True))))
    assert len(rows) - 1 == min(total, 1000)


def test_csv_cells_that_look_like_formulas_are_neutralised(hostile_app: Flask) -> None:
    client = hostile_app.test_client()
    text = client.get("/api/search.csv", query_string={"q": "HYPERLINK"}).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    cell = next(row[8] for row in rows[1:] if "HYPERLINK" in row[8])
    assert cell.startswith("'=")


def test_search_page_and_api_agree(client: FlaskClient) -> None:
    params = {"q": "health visitor", "sort": "newest"}
    found = client.get("/api/search", query_string=params).get_json()
    page = soup(client.get("/", query_string=params))
    titles = [a.get_text(strip=True) for a in page.select(".result-group h2 a")]
    assert titles == list(dict.fromkeys(r["title"] for r in found["results"]))


def test_api_labels_agencies_and_names_each_facets_url_parameter(client: FlaskClient) -> None:
    found = client.get("/api/search", query_string={"q": "father"}).get_json()
    agencies = {value["value"]: value["label"] for value in found["facets"]["agency"]}
    assert agencies["health-visiting"] == "Health visiting"
    assert agencies["childrens-social-care"] == "Children's social care"
    assert all(label != value for value, label in agencies.items())
    assert found["facet_params"]["age_group"] == "age"
    assert found["facet_params"]["passage_type"] == "type"
    # The named parameter filters: a value from the facets, sent back under its parameter.
    baby = client.get("/api/search", query_string={"q": "father", "age": "baby"}).get_json()
    count = next(v["count"] for v in found["facets"]["age_group"] if v["value"] == "baby")
    assert baby["total"] == count


def test_api_page_past_the_last_gives_the_last_page(client: FlaskClient) -> None:
    first = client.get("/api/search", query_string={"q": "father"}).get_json()
    last = client.get("/api/search", query_string={"q": "father", "page": first["pages"]}).get_json()
    past = client.get("/api/search", query_string={"q": "father", "page": "99"}).get_json()
    assert first["pages"] > 1 and past["page"] == past["pages"] == first["pages"]
    assert past["results"] and past["results"] == last["results"]
    register = client.get("/api/recommendations", query_string={"page": "999"}).get_json()
    assert register["page"] == register["pages"] and register["results"]


def test_api_unknown_facet_values_match_nothing_and_malformed_numbers_are_400(
        client: FlaskClient) -> None:
    for param in ("kind", "theme", "agency", "age", "type"):
        found = client.get("/api/search", query_string={param: "foo"})
        assert found.status_code == 200, param
        assert found.get_json()["total"] == 0
    assert client.get("/api/search", query_string={"year": "1800"}).get_json()["total"] == 0
    for param in ("year", "year_from", "year_to", "page", "per_page"):
        response = client.get("/api/search", query_string={param: "abc"})
        assert response.status_code == 400, param
        assert response.get_json() == {"error": f"{param} must be a whole number, not 'abc'"}
