"""Document pages, original files and similar passages, over the indexed sample corpus."""
from __future__ import annotations

from collections import Counter

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb.base import KnowledgeBase
from tests.web.pages import soup


@pytest.fixture(scope="module")
def reviewed(app: Flask) -> dict:
    """A PDF document with recommendations, with its passages as the API gives them."""
    client = app.test_client()
    found = client.get("/api/search", query_string={"type": "recommendation"}).get_json()
    document_id = next(r["document_id"] for r in found["results"])
    return client.get(f"/api/documents/{document_id}").get_json()


def test_document_page_shows_metadata_and_every_passage_in_order(
        client: FlaskClient, reviewed: dict) -> None:
    document = reviewed["document"]
    page = soup(client.get(f"/documents/{document['id']}"))
    assert page.find("h1").get_text(strip=True) == document["title"]
    facts = page.find("dl", class_="facts").get_text(" ", strip=True)
    assert document["publisher"] in facts and str(document["year"]) in facts
    articles = page.select("article.passage-full")
    assert [a["id"] for a in articles] == [f"passage-{p['passage_id']}" for p in reviewed["passages"]]
    assert [p["seq"] for p in reviewed["passages"]] == sorted(p["seq"] for p in reviewed["passages"])
    paged = next(p for p in reviewed["passages"] if p["page_start"])
    link = page.find(id=f"passage-{paged['passage_id']}").find("a", class_="page-link")
    assert link["href"] == f"/documents/{document['id']}/file#page={paged['page_start']}"


def test_theme_profile_counts_the_passages_of_each_theme(
        client: FlaskClient, reviewed: dict) -> None:
    counts = Counter(theme for p in reviewed["passages"] for theme in p["themes"])
    page = soup(client.get(f"/documents/{reviewed['document']['id']}"))
    rows = page.find("table", class_="profile").find("tbody").find_all("tr")
    shown = {row.find("a")["href"].rsplit("/", 1)[1]: int(row.find("td").get_text())
             for row in rows}
    assert shown == dict(counts)
    total = len(reviewed["passages"])
    top = max(counts, key=counts.get)
    assert f"{round(100 * counts[top] / total)}%" in rows[0].get_text()


def test_recommendations_are_listed_and_link_to_their_passage(
        client: FlaskClient, reviewed: dict) -> None:
    expected = [p["passage_id"] for p in reviewed["passages"]
                if p["passage_type"] == "recommendation"]
    assert expected and reviewed["recommendations"] == expected
    page = soup(client.get(f"/documents/{reviewed['document']['id']}"))
    listed = page.find("ol", class_="recommendations").find_all("li", recursive=False)
    assert [li.find("a")["href"] for li in listed] == [f"#passage-{pid}" for pid in expected]
    assert f"Recommendations ({len(expected)})" in page.find(id="recommendations-heading").get_text()


def test_theme_evidence_is_in_a_title_and_reachable_by_keyboard(
        client: FlaskClient, reviewed: dict) -> None:
    passage = next(p for p in reviewed["passages"] if any(p["evidence"].values()))
    theme = next(t for t in passage["themes"] if passage["evidence"][t])
    page = soup(client.get(f"/documents/{reviewed['document']['id']}"))
    article = page.find(id=f"passage-{passage['passage_id']}")
    details = next(d for d in article.select("details.evidence")
                   if d.find("a", href=f"/themes/{theme}"))
    span = passage["evidence"][theme][0]
    assert span in details.find("summary")["title"]
    assert span in [q.get_text() for q in details.find_all("q")]


def test_original_pdf_is_sent_inline(client: FlaskClient, reviewed: dict) -> None:
    response = client.get(f"/documents/{reviewed['document']['id']}/file")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.data.startswith(b"%PDF")


def test_original_markdown_and_html_say_their_charset_once(
        client: FlaskClient, corpus: KnowledgeBase) -> None:
    sent = {}
    for document in corpus.store.documents():
        suffix = document.filename.rsplit(".", 1)[-1]
        if suffix in ("md", "html") and suffix not in sent:
            sent[suffix] = client.get(f"/documents/{document.id}/file")
    assert set(sent) == {"md", "html"}
    assert sent["md"].headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert sent["html"].headers["Content-Type"] == "text/html; charset=utf-8"


def test_missing_and_restricted_documents_are_not_found(
        writable_app: Flask, writable_kb: KnowledgeBase) -> None:
    client = writable_app.test_client()
    kb = writable_kb
    first, second = [d for d in kb.store.documents() if kb.original_file(d).is_file()][:2]
    kb.original_file(first).unlink()
    assert client.get(f"/documents/{first.id}").status_code == 200
    assert client.get(f"/documents/{first.id}/file").status_code == 404
    kb.store.set_restricted(second.id, True)
    kb.sync_index()
    passage = kb.store.passages(document_id=second.id)[0]
    for url in (f"/documents/{second.id}", f"/documents/{second.id}/file",
                f"/documents/{second.id}/passages/{passage.id}/similar",
                f"/api/documents/{second.id}", "/documents/999999", "/documents/999999/file"):
        assert client.get(url).status_code == 404, url
    found = client.get("/api/search", query_string={"per_page": "100"}).get_json()
    assert second.id not in {r["document_id"] for r in found["results"]}


def test_similar_passages_come_from_other_reviews(client: FlaskClient, reviewed: dict) -> None:
    document_id = reviewed["document"]["id"]
    passage = max(reviewed["passages"], key=lambda p: len(p["text"]))
    url = f"/documents/{document_id}/passages/{passage['passage_id']}/similar"
    whole = client.get(url)
    partial = client.get(url, headers={"HX-Request": "true"})
    assert whole.status_code == partial.status_code == 200
    assert "HX-Request" in partial.headers["Vary"]
    assert "<html" not in partial.get_data(as_text=True)
    links = [a["href"] for a in soup(partial).select(".similar-title a")]
    assert links, "a long passage has something like it elsewhere"
    assert all(not href.startswith(f"/documents/{document_id}#") for href in links)
    assert soup(whole).find("h1") and soup(whole).find("blockquote")


def test_similar_link_loads_into_the_page_with_htmx(client: FlaskClient, reviewed: dict) -> None:
    passage = reviewed["passages"][0]
    page = soup(client.get(f"/documents/{reviewed['document']['id']}"))
    link = page.find(id=f"passage-{passage['passage_id']}").find("p", class_="similar-link").a
    assert link["href"] == link["hx-get"]
    assert link["href"].endswith(f"/passages/{passage['passage_id']}/similar")
    assert link["hx-target"] == f"#similar-{passage['passage_id']}"


def test_a_passage_of_another_document_is_not_found(client: FlaskClient, reviewed: dict,
                                                    corpus: KnowledgeBase) -> None:
    other = next(d for d in corpus.store.documents() if d.id != reviewed["document"]["id"])
    foreign = corpus.store.passages(document_id=other.id)[0]
    url = f"/documents/{reviewed['document']['id']}/passages/{foreign.id}/similar"
    assert client.get(url).status_code == 404


def test_markup_in_a_document_is_shown_as_text(
        hostile_app: Flask, hostile_kb: KnowledgeBase) -> None:
    client = hostile_app.test_client()
    document = hostile_kb.store.documents()[0]
    html = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html


def test_a_partly_read_document_says_which_pages_cannot_be_searched(tmp_path) -> None:
    """A PDF some of whose pages are scans: the document page and its JSON say so."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfgen import canvas

    from indexer.ingest import ingest
    from kb.base import KnowledgeBase
    from kb.settings import Settings
    from tests.conftest import CORPUS
    from tests.web.conftest import close_app, make_app

    folder = tmp_path / "reports"
    folder.mkdir()
    scan = canvas.Canvas(str(tmp_path / "scan.pdf"))
    scan.rect(50, 50, 400, 600, fill=1)
    scan.showPage()
    scan.save()
    writer = PdfWriter(clone_from=PdfReader(CORPUS / "2020-calder-vale-rapid-review-child-k.pdf"))
    pages = len(writer.pages) + 1
    writer.add_page(PdfReader(tmp_path / "scan.pdf").pages[0])
    writer.write(folder / "child-k.pdf")
    data = tmp_path / "data"
    with KnowledgeBase(Settings(data_dir=data)) as kb:
        ingest(kb, [folder])
        document_id = kb.store.document_ids()[0]
    app = make_app(data)
    try:
        client = app.test_client()
        page = client.get(f"/documents/{document_id}").get_data(as_text=True)
        assert f"1 of {pages} pages gave no text: scanned pages need OCR" in page
        document = client.get(f"/api/documents/{document_id}").get_json()["document"]
        assert (document["page_count"], document["pages_without_text"]) == (pages, 1)
    finally:
        close_app(app)
