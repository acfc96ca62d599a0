"""Restricted documents, and everything derived from them, reach only people with access.

Over the sample corpus plus one restricted report (``access_data``): for each derived
view, anonymous people and users without access see no trace of the report, and users
with access (and admins) see it. A final sweep opens every page and API address of the
app, including any added later, and checks that none shows the report's words to
anyone without access.
"""
from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from kb.base import KnowledgeBase
from kb.model import Document, Passage
from tests.web.conftest import PASSWORD, SECRET, SECRET_SPELLING
from tests.web.pages import sign_in, soup

PUBLISHER = "Quokkashire"
#: Words of the restricted report that no visitor types (they type SECRET, or a misspelling).
MARKERS = (PUBLISHER, "Unpublished national review", "assessment was never shared", SECRET_SPELLING)
BLIND = ["anonymous", "viewer"]  # may not see restricted documents
SIGHTED = ["reader", "admin"]  # may


@pytest.fixture(scope="module")
def client_for(access_app: Flask) -> Callable[[str], FlaskClient]:
    """A test client for a kind of visitor: ``anonymous`` or one of the users, signed in."""
    made: dict[str, FlaskClient] = {}

    def make(who: str) -> FlaskClient:
        if who not in made:
            client = access_app.test_client()
            if who != "anonymous":
                assert sign_in(client, who, PASSWORD).status_code == 303
            made[who] = client
        return made[who]
    return make


@pytest.fixture(scope="module")
def secret(access_kb: KnowledgeBase) -> tuple[Document, list[Passage]]:
    """The restricted report and its passages."""
    kb = access_kb
    document = next(d for d in kb.store.documents() if d.meta.restricted)
    return document, kb.store.passages(document_id=document.id)


@pytest.fixture(scope="module")
def twin(access_kb: KnowledgeBase, secret) -> Passage:
    """The open passage the restricted report repeats, word for word."""
    kb = access_kb
    return next(p for p in kb.store.passages() if p.document_id != secret[0].id
                and p.text in secret[1][0].text)


def _leaks(text: str) -> bool:
    return any(marker in text for marker in MARKERS)


def test_the_restricted_report_is_in_the_store_and_the_index(
        access_kb: KnowledgeBase, secret) -> None:
    document, passages = secret
    assert document.meta.restricted and any(SECRET in p.text for p in passages)
    assert {p.id for p in passages} <= access_kb.indexed_passage_ids()


# -- search results, facets, suggestions ---------------------------------------------
@pytest.mark.parametrize("who", BLIND + SIGHTED)
def test_search_results(client_for, who: str) -> None:
    client = client_for(who)
    found = client.get("/api/search", query_string={"q": SECRET}).get_json()
    page = client.get("/", query_string={"q": SECRET}).get_data(as_text=True)
    partial = client.get("/", query_string={"q": SECRET}, headers={"HX-Request": "true"})
    if who in BLIND:
        assert found["total"] == 0 and found["results"] == []
        assert "0 passages found" in page and not _leaks(page)
        assert not _leaks(partial.get_data(as_text=True))
    else:
        assert found["total"] >= 1 and all(r["publisher"].startswith(PUBLISHER)
                                           for r in found["results"])
        assert 'class="badge badge-restricted"' in page


@pytest.mark.parametrize("who", BLIND + SIGHTED)
def test_facet_counts(client_for, who: str, secret) -> None:
    client = client_for(who)
    facets = client.get("/api/search", query_string={"per_page": "1"}).get_json()["facets"]
    page = client.get("/", query_string={"q": "father"}).get_data(as_text=True)
    publishers = {value["value"] for value in facets["publisher"]}
    if who in BLIND:
        assert not any(PUBLISHER in p for p in publishers) and PUBLISHER not in page
    else:
        assert any(PUBLISHER in p for p in publishers) and PUBLISHER in page


def test_facet_counts_differ_by_exactly_the_restricted_passages(client_for, secret) -> None:
    def theme_counts(who: str) -> Counter:
        found = client_for(who).get("/api/search", query_string={"per_page": "1"}).get_json()
        return Counter({value["value"]: value["count"] for value in found["facets"]["theme"]})
    restricted = Counter(theme for passage in secret[1] for theme in passage.themes)
    assert restricted, "the restricted report carries themes"
    assert theme_counts("reader") - theme_counts("anonymous") == restricted
    assert theme_counts("viewer") == theme_counts("anonymous")


@pytest.mark.parametrize("who", BLIND + SIGHTED)
def test_did_you_mean_never_offers_a_word_only_restricted_passages_hold(
        client_for, who: str) -> None:
    misspelt = SECRET_SPELLING[:-2] + SECRET_SPELLING[-1]  # "quokkaflowr"
    client = client_for(who)
    found = client.get("/api/search", query_string={"q": misspelt}).get_json()
    page = client.get("/", query_string={"q": misspelt}).get_data(as_text=True)
    if who in BLIND:
        assert SECRET_SPELLING not in (found["suggestion"] or "") and SECRET_SPELLING not in page
    else:
        assert found["suggestion"] == SECRET_SPELLING
        assert soup(client.get("/", query_string={"q": misspelt})).find(
            class_="suggestion").a.get_text() == SECRET_SPELLING


def test_a_word_only_restricted_passages_hold_is_corrected_to_an_open_one(client_for) -> None:
    """Searching the restricted word itself gives no sign that it exists (no 'known word' tell)."""
    anonymous = client_for("anonymous").get("/api/search", query_string={"q": "fathr"}).get_json()
    assert anonymous["suggestion"] == "father"
    quiet = client_for("anonymous").get("/api/search", query_string={"q": SECRET}).get_json()
    assert quiet["total"] == 0 and SECRET not in (quiet["suggestion"] or "")


# -- similar passages ---------------------------------------------------------------
@pytest.mark.parametrize("who", BLIND + SIGHTED)
def test_similar_passages(client_for, who: str, secret, twin: Passage) -> None:
    client = client_for(who)
    url = f"/documents/{twin.document_id}/passages/{twin.id}/similar"
    whole = client.get(url).get_data(as_text=True)
    partial = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    link = f'href="/documents/{secret[0].id}#'
    if who in BLIND:
        assert link not in whole and link not in partial and not _leaks(partial)
    else:
        assert link in whole and link in partial


@pytest.mark.parametrize("who", BLIND + SIGHTED)
def test_restricted_passages_own_similar_page(client_for, who: str, secret) -> None:
    document, passages = secret
    response = client_for(who).get(f"/documents/{document.id}/passages/{passages[0].id}/similar")
    assert response.status_code == (404 if who in BLIND else 200)


# -- themes ---------------------------------------------------------------------------
def _expected_theme_counts(kb: KnowledgeBase, include_restricted: bool) -> dict[str, int]:
    open_documents = {d.id for d in kb.store.documents() if include_restricted or not d.meta.restricted}
    counts = Counter(theme for p in kb.store.passages() if p.document_id in open_documents
                     for theme in p.themes)
    return {theme.id: counts.get(theme.id, 0) for theme in kb.taxonomy.themes}


@pytest.mark.parametrize("who", BLIND + SIGHTED)
def test_theme_counts_pages_and_api(client_for, who: str, access_kb: KnowledgeBase, secret) -> None:
    client = client_for(who)
    expected = _expected_theme_counts(access_kb, include_restricted=who in SIGHTED)
    listed = client.get("/api/themes").get_json()["themes"]
    assert {t["id"]: t["passages"] for t in listed} == expected
    rows = soup(client.get("/themes")).find("table", class_="themes-table").tbody("tr")
    shown = [int(row("td")[3].get_text(" ", strip=True).removeprefix("Passages:").split()[0]) for row in rows]
    assert shown == [expected[t["id"]] for t in listed]
    theme = secret[1][0].themes[0]
    one = client.get(f"/api/themes/{theme}").get_json()
    assert one["theme"]["passages"] == expected[theme]
    page = client.get(f"/themes/{theme}").get_data(as_text=True)
    if who in BLIND:
        assert all(p["document"]["id"] != secret[0].id for p in one["passages"])
        assert not _leaks(page)


# -- documents, files, the API and CSV ---------------------------------------------------
@pytest.mark.parametrize("who", BLIND + SIGHTED)
def test_document_page_api_and_file(client_for, who: str, secret) -> None:
    client = client_for(who)
    document_id = secret[0].id
    responses = [client.get(f"/documents/{document_id}"), client.get(f"/api/documents/{document_id}"),
                 client.get(f"/documents/{document_id}/file")]
    if who in BLIND:
        assert [r.status_code for r in responses] == [404, 404, 404]
        assert all(not _leaks(r.get_data(as_text=True)) for r in responses)
    else:
        assert [r.status_code for r in responses] == [200, 200, 200]
        assert SECRET in responses[2].get_data(as_text=True)
        assert "Restricted" in soup(responses[0]).find("dl", class_="facts").get_text()


@pytest.mark.parametrize("who", BLIND + SIGHTED)
def test_csv_download(client_for, who: str) -> None:
    client = client_for(who)

    def rows(params: dict) -> list[list[str]]:
        text = client.get("/api/search.csv", query_string=params).get_data(as_text=True)
        return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1:]
    secret_rows = rows({"q": SECRET})
    everything = rows({"kind": "thematic-review"})
    if who in BLIND:
        assert secret_rows == [] and not any(_leaks(" ".join(row)) for row in everything)
    else:
        assert secret_rows and any(SECRET in " ".join(row) for row in everything)


# -- every address of the app ------------------------------------------------------------
def _addresses(app: Flask, kb: KnowledgeBase, secret, twin: Passage) -> list[str]:
    """Every GET route of the app, with ids of the restricted report and of its open twin, and
    with and without a search for the restricted word."""
    document, passages = secret
    values = {
        "document_id": [document.id, twin.document_id],
        "passage_id": [passages[0].id, twin.id],
        "theme_id": sorted({t for p in passages for t in p.themes})[:2],
    }
    addresses = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        options = [{}]
        for argument in rule.arguments:
            choices = values.get(argument) or ([1, 2] if "id" in argument else kb.taxonomy.ids[:2])
            options = [dict(o, **{argument: c}) for o in options for c in choices]
        for option in options:
            path = rule.build(option, append_unknown=False)[1]
            addresses += [path, f"{path}?q={SECRET}", f"{path}?q={SECRET_SPELLING[:-1]}",
                          f"{path}?theme={passages[0].themes[0]}&per_page=100"]
    return addresses


@pytest.mark.parametrize("who", BLIND)
def test_no_address_of_the_app_shows_the_restricted_report(
        client_for, who: str, access_app: Flask, access_kb: KnowledgeBase, secret,
        twin: Passage) -> None:
    client = client_for(who)
    addresses = _addresses(access_app, access_kb, secret, twin)
    assert len(addresses) >= 40
    for address in addresses:
        response = client.get(address)
        assert response.status_code < 500, address
        assert not _leaks(response.get_data().decode("utf-8", "replace")), address


def test_the_sweep_does_find_the_report_for_those_with_access(
        client_for, access_app: Flask, access_kb: KnowledgeBase, secret, twin: Passage) -> None:
    client = client_for("reader")
    seen = [address for address in _addresses(access_app, access_kb, secret, twin)
            if PUBLISHER in client.get(address).get_data().decode("utf-8", "replace")]
    assert len(seen) >= 5, seen


# -- trends, recurrence, briefings, recommendations, collections and their exports ----------------
def _theme_documents(client: FlaskClient, theme: str, year: int) -> int:
    cells = client.get("/api/trends").get_json()["cells"]
    return sum(c["documents"] for c in cells if c["theme"] == theme and c["year"] == year
               and c["scope"] == "national")


@pytest.mark.parametrize("who", BLIND + SIGHTED)
def test_trends_page_api_and_csv(client_for, who: str, secret) -> None:
    document, passages = secret
    client = client_for(who)
    theme, year = passages[0].themes[0], document.meta.year
    counted = _theme_documents(client, theme, year) - _theme_documents(client_for("anonymous"),
                                                                       theme, year)
    published = {(p["year"], p["scope"]): p["documents"]
                 for p in client.get("/api/trends").get_json()["published"]}
    opened = {(p["year"], p["scope"]): p["documents"]
              for p in client_for("anonymous").get("/api/trends").get_json()["published"]}
    csv_rows = client.get("/api/trends.csv").get_data(as_text=True)
    page = client.get("/trends").get_data(as_text=True)
    if who in BLIND:
        assert counted == 0 and published == opened and not _leaks(page)
        assert csv_rows == client_for("anonymous").get("/api/trends.csv").get_data(as_text=True)
    else:
        assert counted == 1 and published[(year, "national")] == opened.get((year, "national"), 0) + 1
        assert PUBLISHER in page, "the restricted report's publisher is a filter choice"


@pytest.mark.parametrize("who", BLIND + SIGHTED)
def test_recurrence_and_repeated_national_learning(client_for, who: str, secret,
                                                   twin: Passage) -> None:
    document, passages = secret
    client = client_for(who)
    theme = next(t for t in passages[0].themes if t in twin.themes)
    mine = {t["theme"]: t for t in client.get("/api/recurrence").get_json()["themes"]}
    theirs = {t["theme"]: t for t in client_for("anonymous").get("/api/recurrence")
              .get_json()["themes"]}
    found = client.get(f"/api/recurrence/{theme}").get_json()["repeated_national_learning"]
    earlier = {e["document"]["id"] for repeat in found for p in repeat["passages"]
               for e in p["earlier"]}
    page = client.get(f"/trends/{theme}").get_data(as_text=True)
    if who in BLIND:
        assert mine == theirs and document.id not in earlier and not _leaks(page)
    else:
        assert mine[theme]["documents_by_scope"]["national"] == \
            theirs[theme]["documents_by_scope"]["national"] + 1
        assert document.id in earlier, "the local twin repeats the restricted national learning"
        assert "Unpublished national review" in page


@pytest.mark.parametrize("who", BLIND + SIGHTED)
def test_theme_briefing(client_for, who: str, secret, twin: Passage) -> None:
    theme = next(t for t in secret[1][0].themes if t in twin.themes)
    page = soup(client_for(who).get(f"/themes/{theme}/briefing")).find("main")
    anonymous = soup(client_for("anonymous").get(f"/themes/{theme}/briefing")).find("main")
    if who in BLIND:
        assert page.get_text() == anonymous.get_text() and not _leaks(str(page))
    else:
        assert page.get_text() != anonymous.get_text(), "the restricted report counts"


@pytest.mark.parametrize("who", BLIND + SIGHTED)
def test_recommendations_register_and_made_before(client_for, who: str, secret,
                                                  twin: Passage) -> None:
    client = client_for(who)
    found = client.get("/api/recommendations", query_string={"q": SECRET}).get_json()
    words = " ".join(twin.text.split()[:12])
    results = client.get("/api/recommendations", query_string={"q": words, "per_page": "100"}
                         ).get_json()["results"]
    before = next(r for r in results if r["passage_id"] == twin.id)["made_before"]
    page = client.get("/recommendations", query_string={"q": words, "per_page": "100"})
    if who in BLIND:
        assert found["total"] == 0 and secret[0].id not in {m["document"]["id"] for m in before}
        assert not _leaks(page.get_data(as_text=True))
    else:
        assert found["total"] == 1
        assert secret[0].id in {m["document"]["id"] for m in before}
        assert "Unpublished national review" in page.get_data(as_text=True)


def _export_text(response) -> str:
    if response.mimetype.endswith("wordprocessingml.document"):
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            return archive.read("word/document.xml").decode()
    if response.mimetype == "application/pdf":
        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    return response.get_data(as_text=True)


@pytest.mark.parametrize("who", BLIND + SIGHTED)
def test_collections_and_their_exports(client_for, who: str) -> None:
    client = client_for(who)
    listed = client.get("/api/collections").get_json()["collections"]
    pack = next(c for c in listed if c["name"] == "Training pack")
    found = client.get(f"/api/collections/{pack['id']}").get_json()
    texts = {name: _export_text(client.get(url)) for name, url in found["exports"].items()}
    texts["page"] = client.get(f"/collections/{pack['id']}").get_data(as_text=True)
    texts["list"] = client.get("/collections").get_data(as_text=True)
    assert set(texts) >= {"md", "docx", "html", "print", "page", "list"}
    if who in BLIND:
        assert pack["passages"] == len(found["items"]) == 1
        assert not any(_leaks(text) or SECRET in text for text in texts.values())
    else:
        assert pack["passages"] == len(found["items"]) == 2
        assert all(SECRET in texts[name] for name in found["exports"]), "every export has it"
        assert SECRET in texts["page"]
