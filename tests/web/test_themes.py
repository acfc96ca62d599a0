"""The theme list and theme pages, over the indexed sample corpus."""
from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from kb.base import KnowledgeBase
from tests.web.pages import soup


def test_theme_list_counts_agree_with_the_search_index(
        client: FlaskClient, corpus: KnowledgeBase) -> None:
    taxonomy = corpus.taxonomy
    facet = {value["value"]: value["count"] for value in client.get(
        "/api/search", query_string={"per_page": "1"}).get_json()["facets"]["theme"]}
    rows = soup(client.get("/themes")).find("table", class_="themes-table").find("tbody")("tr")
    assert [row.th.get_text(strip=True) for row in rows] == [t.label for t in taxonomy.themes]
    documents = len(corpus.store.documents())
    for theme, row in zip(taxonomy.themes, rows):
        cells = [int(td.get_text(" ", strip=True).split(":")[-1].split()[0])
                 for td in row("td")[:4]]
        in_documents, local, national, passages = cells
        assert passages == facet.get(theme.id, 0), theme.id
        assert in_documents == local + national <= documents
        assert (passages == 0) == (in_documents == 0)


def test_theme_page_explains_the_theme_and_how_often_it_recurs(
        client: FlaskClient, corpus: KnowledgeBase) -> None:
    listed = client.get("/api/themes").get_json()["themes"]
    busiest = max(listed, key=lambda t: t["passages"])
    theme = corpus.taxonomy.get(busiest["id"])
    page = soup(client.get(f"/themes/{theme.id}"))
    assert page.find("h1").get_text(strip=True) == theme.label
    assert theme.definition in page.get_text()
    if theme.excludes:
        assert "What does not belong" in page.get_text()
    rows = {row.th.get_text(strip=True): [int(td.get_text()) for td in row("td")]
            for row in page.find("table", class_="recurrence").tbody("tr")}
    assert rows["All"] == [busiest["documents"], busiest["passages"]]
    assert rows["Local reviews"][0] + rows["National reviews"][0] == busiest["documents"]
    assert rows["Local reviews"][1] + rows["National reviews"][1] == busiest["passages"]
    search_link = page.find("a", string=f"Search all {busiest['passages']} passages on this theme")
    assert search_link["href"] == f"/?theme={theme.id}"


def test_theme_page_shows_passages_that_carry_the_theme(client: FlaskClient, app: Flask) -> None:
    busiest = max(client.get("/api/themes").get_json()["themes"], key=lambda t: t["passages"])
    found = client.get(f"/api/themes/{busiest['id']}").get_json()
    assert found["passages"] and all(busiest["id"] in p["themes"] for p in found["passages"])
    page = soup(client.get(f"/themes/{busiest['id']}"))
    links = [a["href"] for a in page.select(".theme-passages h3 a")]
    assert links == [f"/documents/{p['document']['id']}#passage-{p['passage_id']}"
                     for p in found["passages"]]


def test_unknown_theme_is_not_found(client: FlaskClient) -> None:
    assert client.get("/themes/no-such-theme").status_code == 404
    response = client.get("/api/themes/no-such-theme")
    assert response.status_code == 404 and response.get_json() == {"error": "There is no such theme."}
