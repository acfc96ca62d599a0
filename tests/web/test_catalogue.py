"""The catalogue of reports (/documents) and its JSON and CSV twins, over the sample corpus."""
from __future__ import annotations

import csv
import io
from collections import Counter
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from kb.base import KnowledgeBase
from tests.web.pages import soup


def listed(client: FlaskClient, **params: str) -> list[dict]:
    return client.get("/api/documents", query_string={"per_page": "100", **params}).get_json()[
        "documents"]


def theme_passages(kb: KnowledgeBase, document_id: int) -> Counter:
    return Counter(theme for passage in kb.store.passages(document_id=document_id)
                   for theme in passage.themes)


def test_every_report_is_listed_with_its_metadata_and_top_themes(client: FlaskClient,
                                                                  corpus: KnowledgeBase) -> None:
    documents = corpus.store.documents()
    found = client.get("/api/documents", query_string={"per_page": "100"}).get_json()
    assert found["total"] == len(documents) and found["sort"] == "newest"
    assert [d["id"] for d in found["documents"]] == [d.id for d in sorted(
        documents, key=lambda d: (-(d.meta.year or 0), d.meta.title.lower()))]
    for entry in found["documents"]:
        document = next(d for d in documents if d.id == entry["id"])
        assert (entry["title"], entry["publisher"], entry["year"], entry["kind"], entry["scope"],
                entry["page_count"]) == (document.meta.title, document.meta.publisher,
                                         document.meta.year, document.meta.kind,
                                         document.meta.scope, document.page_count)
        counts = theme_passages(corpus, document.id)
        top = [t["passages"] for t in entry["top_themes"]]
        assert top == sorted(counts.values(), reverse=True)[:3]
        assert all(counts[t["id"]] == t["passages"] for t in entry["top_themes"])
    page = soup(client.get("/documents", query_string={"per_page": "100"}))
    rows = page.select("table.catalogue-table tbody tr")
    assert [urlsplit(row.th.a["href"]).path for row in rows] == [
        f"/documents/{d['id']}" for d in found["documents"]]
    first = rows[0].get_text(" ", strip=True)
    assert found["documents"][0]["publisher"] in first and str(found["documents"][0]["year"]) in first
    assert found["documents"][0]["top_themes"][0]["label"] in first
    assert page.find("a", attrs={"aria-current": "page"}, string="Reports")


def test_filters_are_the_search_pages_with_counts_of_reports(client: FlaskClient,
                                                             corpus: KnowledgeBase) -> None:
    documents = corpus.store.documents()
    local_cspr = listed(client, scope="local", kind="cspr")
    assert {d["id"] for d in local_cspr} == {d.id for d in documents
                                            if d.meta.scope == "local" and d.meta.kind == "cspr"}
    babies = listed(client, theme="babies")
    assert {d["id"] for d in babies} == {d.id for d in documents
                                        if theme_passages(corpus, d.id)["babies"]}
    facets = client.get("/api/documents", query_string={"scope": "local"}).get_json()["facets"]
    theme_counts = {f["value"]: f["count"] for f in facets["theme"]}
    assert theme_counts["babies"] == sum(1 for d in documents if d.meta.scope == "local"
                                         and theme_passages(corpus, d.id)["babies"])
    scope_counts = {f["value"]: f["count"] for f in facets["scope"]}
    assert scope_counts == dict(Counter(d.meta.scope for d in documents)), \
        "a facet's own filter does not narrow its counts"
    years = listed(client, year_from="2021", year_to="2023")
    assert years and all(2021 <= d["year"] <= 2023 for d in years)
    assert {d["id"] for d in listed(client, q="northmoor")} == {
        d.id for d in documents if "Northmoor" in d.meta.publisher + d.meta.title}
    page = soup(client.get("/documents", query_string={"scope": "local", "kind": "cspr"}))
    assert page.find("input", attrs={"name": "kind", "value": "cspr"}).has_attr("checked")
    assert len(page.select("table.catalogue-table tbody tr")) == len(local_cspr)
    assert any("Kind of document" in chip.get_text() for chip in page.select(".chip-remove"))


def test_sorting_paging_and_the_csv(client: FlaskClient, app: Flask) -> None:
    by_title = listed(client, sort="title")
    assert [d["title"].lower() for d in by_title] == sorted(d["title"].lower() for d in by_title)
    by_pages = listed(client, sort="pages")
    assert [d["page_count"] for d in by_pages] == sorted((d["page_count"] for d in by_pages),
                                                         reverse=True)
    second = client.get("/api/documents", query_string={"sort": "title", "per_page": "5",
                                                        "page": "2"}).get_json()
    assert [d["id"] for d in second["documents"]] == [d["id"] for d in by_title[5:10]]
    last = client.get("/api/documents", query_string={"per_page": "5", "page": "99"}).get_json()
    assert last["page"] == last["pages"] == -(-len(by_title) // 5)
    assert client.get("/documents?sort=sideways").status_code == 400
    assert client.get("/api/documents?year_from=abc").status_code == 400
    response = client.get("/api/documents.csv", query_string={"sort": "title", "scope": "local"})
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [int(row["id"]) for row in rows] == [d["id"] for d in listed(client, sort="title",
                                                                       scope="local")]
    page = soup(client.get("/documents", query_string={"sort": "title", "scope": "local"}))
    downloads = [a["href"] for a in page.select("p.download a")]
    assert any(href.startswith("/api/documents.csv?") and "sort=title" in href for href in downloads)
    assert page.find("option", attrs={"value": "title"}).has_attr("selected")


def test_restricted_reports_are_listed_only_for_people_with_access(
        access_app: Flask, access_kb: KnowledgeBase) -> None:
    from tests.web.conftest import PASSWORD
    from tests.web.pages import sign_in

    anonymous = access_app.test_client()
    hidden = [d for d in access_kb.store.documents() if d.meta.restricted]
    assert hidden
    assert not {d.id for d in hidden} & {d["id"] for d in listed(anonymous)}
    reader = access_app.test_client()
    sign_in(reader, "reader", PASSWORD)
    assert {d.id for d in hidden} <= {d["id"] for d in listed(reader)}
