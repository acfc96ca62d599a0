"""Web hardening: headers and a strict CSP with no inline code, CSRF on every POST, limits,
friendly errors without tracebacks, files only by document id, and hostile report text
shown as text on every page."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb.accounts import add_user
from kb.base import KnowledgeBase
from kb.settings import Settings
from tests.web.conftest import PASSWORD, close_app, make_app, opened
from tests.web.pages import active_content, kb_of, sign_in, soup
from web.security import CONTENT_SECURITY_POLICY, MAX_BODY_BYTES, MAX_QUERY_STRING_BYTES

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"

HOSTILE_MARKDOWN = """\
---
title: "<script>alert('title')</script> Review of Child <img src=x onerror=alert(3)>"
publisher: "<b onmouseover=alert(4)>Evil</b> Partnership"
year: 2024
kind: cspr
---

# Review <script>alert('h1')</script> with <a href="javascript:alert(5)">a link</a>

## Findings <img src=x onerror=alert(6)>

The social worker visited [click here](javascript:alert(7)) and <a href="javascript:alert(8)" onclick="alert(9)">this link</a> was in the report. <svg onload=alert(10)></svg> The father was not seen by the health visitor and neglect went unrecognised.

<div onmouseover="alert(11)"><script>alert(12)</script>A raw block of markup about neglect.</div>

<iframe src="javascript:alert(13)"></iframe>

The school saw the father <style>body{display:none}</style> at the gate and told the social worker about domestic abuse at home.
"""

HOSTILE_HTML = """\
<!doctype html>
<html><head><title>Briefing <script>alert(20)</script> on neglect</title>
<script>alert('head')</script><meta http-equiv="refresh" content="0;url=javascript:alert(21)"></head>
<body onload="alert(14)">
<h1 onclick="alert(15)">Briefing on neglect and fathers</h1>
<p>Health visitors <a href="javascript:alert(16)">saw</a> the father &lt;script&gt;alert(17)&lt;/script&gt; at home, and neglect was not recognised by the school.</p>
<script>alert(18)</script>
<p style="color:red" onmouseover="alert(19)">Domestic abuse was known to the police but not shared with the social worker.</p>
</body></html>
"""


@pytest.fixture(scope="module")
def markup_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Reports full of markup, indexed with the real indexer; a curator exists."""
    from indexer.ingest import ingest

    source = tmp_path_factory.mktemp("hostile-markup")
    (source / "2024-hostile-review.md").write_text(HOSTILE_MARKDOWN)
    (source / "2024-hostile-briefing.html").write_text(HOSTILE_HTML)
    data_dir = tmp_path_factory.mktemp("hostile-markup-data")
    with KnowledgeBase(Settings(data_dir=data_dir)) as kb:
        report = ingest(kb, [source])
        add_user(kb.store, "curator", PASSWORD, "curator")
    assert not report.failed, report.failed
    return data_dir


@pytest.fixture(scope="module")
def hostile(markup_data: Path) -> Flask:
    """The app over ``markup_data``."""
    return make_app(markup_data)


@pytest.fixture(scope="module")
def markup_kb(markup_data: Path) -> Iterator[KnowledgeBase]:
    """The data ``hostile`` serves, opened apart from it."""
    yield from opened(markup_data)


def _hostile_pages(kb: KnowledgeBase, client: FlaskClient) -> dict[str, str]:
    addresses = ["/", "/?q=father", "/?q=social+worker", "/?q=neglect&sort=newest", "/?q=alert",
                 "/?q=script", "/?q=javascript", "/?q=onclick", "/themes", "/sign-in"]
    addresses += [f"/themes/{theme}" for theme in kb.taxonomy.ids]
    for document in kb.store.documents():
        addresses.append(f"/documents/{document.id}")
        addresses += [f"/documents/{document.id}/passages/{p.id}/similar"
                      for p in kb.store.passages(document_id=document.id)]
    pages = {}
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 200, address
        pages[address] = response.get_data(as_text=True)
        if address.startswith("/?") or address.endswith("/similar"):
            swap = client.get(address, headers={"HX-Request": "true"})
            pages[address + " (htmx)"] = swap.get_data(as_text=True)
    return pages


def test_hostile_markup_in_reports_is_shown_as_text_everywhere(
        hostile: Flask, markup_kb: KnowledgeBase) -> None:
    anonymous = hostile.test_client()
    curator = hostile.test_client()
    sign_in(curator, "curator", PASSWORD)
    for who, client in (("anonymous", anonymous), ("curator", curator)):
        for address, html in _hostile_pages(markup_kb, client).items():
            assert active_content(html) == [], f"{who} {address}"
    ids = {d.file_type: d.id for d in markup_kb.store.documents()}
    document = soup(anonymous.get(f"/documents/{ids['md']}")).get_text()
    assert "<script>alert('title')</script> Review of Child <img src=x onerror=alert(3)>" in document
    assert '<a href="javascript:alert(8)" onclick="alert(9)">' in document
    assert "<svg onload=alert(10)>" in document
    results = soup(anonymous.get("/?q=social+worker")).find(id="results").get_text()
    assert "<b onmouseover=alert(4)>Evil</b> Partnership" in results
    briefing = soup(anonymous.get(f"/documents/{ids['html']}")).get_text()
    assert "<script>alert(17)</script>" in briefing, "escaped text stays text"
    assert "alert(18)" not in briefing and "alert('head')" not in briefing, "scripts are not text"


def test_the_checks_would_seeactive_content() -> None:
    page = ('<p onclick="x">a</p><a href=" JavaScript:alert(1)">b</a><img src=x><script>1</script>'
            '<div style="x"></div><script src="https://evil.example/x.js"></script>')
    assert len(active_content(page)) == 6


def test_api_answers_are_json_never_html(hostile: Flask) -> None:
    response = hostile.test_client().get("/api/search", query_string={"q": "father"})
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# -- headers ----------------------------------------------------------------------------------
@pytest.mark.parametrize("address", ["/", "/?q=father", "/themes", "/documents/1", "/api/search",
                                     "/api/search.csv?q=father", "/no-such-page", "/sign-in"])
def test_every_answer_carries_the_security_headers(client: FlaskClient, address: str) -> None:
    headers = client.get(address).headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Cookie" in headers["Vary"]


def test_the_content_security_policy_is_strict() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["base-uri"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY and "data:" not in CONTENT_SECURITY_POLICY


def test_templates_hold_no_inline_script_style_or_handlers() -> None:
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=|\shx-on|javascript:", text, re.I), template


def test_signed_in_pages_are_never_cached(access_app: Flask) -> None:
    client = access_app.test_client()
    assert "no-store" not in client.get("/themes").headers.get("Cache-Control", "")
    sign_in(client, "reader", PASSWORD)
    assert client.get("/themes").headers["Cache-Control"] == "private, no-store"


def test_an_original_html_report_is_sandboxed(hostile: Flask, markup_kb: KnowledgeBase) -> None:
    html = next(d for d in markup_kb.store.documents() if d.file_type == "html")
    response = hostile.test_client().get(f"/documents/{html.id}/file")
    assert response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"].startswith("sandbox; default-src 'none'")


def test_an_original_pdf_is_sent_as_a_pdf_that_cannot_be_sniffed(client: FlaskClient,
                                                                  corpus: KnowledgeBase) -> None:
    document = next(d for d in corpus.store.documents() if d.file_type == "pdf")
    response = client.get(f"/documents/{document.id}/file")
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# -- CSRF -------------------------------------------------------------------------------------
def _post_addresses(app: Flask, kb: KnowledgeBase) -> list[str]:
    """Every POST route of the app, with real ids filled in."""
    document = kb.store.documents()[0]
    values = {"document_id": document.id,
              "passage_id": kb.store.passages(document_id=document.id)[0].id}
    return [rule.build({a: values.get(a, 1) for a in rule.arguments}, append_unknown=False)[1]
            for rule in app.url_map.iter_rules() if "POST" in rule.methods]


def test_a_post_without_the_token_is_refused_with_a_friendly_page(
        access_app: Flask, access_kb: KnowledgeBase) -> None:
    client = access_app.test_client()
    sign_in(client, "admin", PASSWORD)
    addresses = _post_addresses(access_app, access_kb)
    assert {"/sign-in", "/sign-out"} <= set(addresses) and len(addresses) >= 4
    for address in addresses:
        for headers, data in (({}, {}), ({"HX-Request": "true"}, {}),
                              ({"X-CSRFToken": "forged"}, {}), ({}, {"csrf_token": "forged"})):
            response = client.post(address, headers=headers, data=data)
            assert response.status_code == 403, address
            text = response.get_data(as_text=True)
            assert "did not come from this site" in text and "Traceback" not in text, address
    assert "Signed in as admin" in client.get("/").get_data(as_text=True), "nothing was done"


def test_every_page_gives_htmx_the_token(client: FlaskClient) -> None:
    body = soup(client.get("/")).body
    assert re.fullmatch(r'\{"X-CSRFToken": "[\w.-]+"\}', body["hx-headers"])


# -- limits and errors ----------------------------------------------------------------------------
def test_a_search_too_long_is_refused_with_the_reason(client: FlaskClient) -> None:
    page = client.get("/", query_string={"q": "neglect " * 80})
    assert page.status_code == 400 and "the limit is 500" in page.get_data(as_text=True)
    found = client.get("/api/search", query_string={"q": "neglect " * 80})
    assert found.status_code == 400 and "the limit is 500" in found.get_json()["error"]


def test_page_size_and_page_number_are_capped(client: FlaskClient) -> None:
    found = client.get("/api/search", query_string={"per_page": "100000", "page": "99999999"})
    assert found.status_code == 200
    answer = found.get_json()
    # Capped at 100 a page, and a page past the last gives the last one.
    assert answer["per_page"] == 100 and answer["page"] == answer["pages"] == \
        -(-answer["total"] // 100)


def test_an_over_long_address_is_refused(client: FlaskClient) -> None:
    response = client.get("/", query_string={"theme": "x" * MAX_QUERY_STRING_BYTES})
    assert response.status_code == 414 and "too long" in response.get_data(as_text=True)


def test_an_over_large_body_is_refused(client: FlaskClient) -> None:
    response = client.post("/sign-in", data={"username": "x" * (MAX_BODY_BYTES + 1)})
    assert response.status_code == 413
    assert soup(response).find("h1").get_text() == "Request Entity Too Large"


def test_an_unexpected_error_is_a_friendly_page_without_a_traceback(corpus_data: Path) -> None:
    app = make_app(corpus_data, config={"TESTING": False})

    def broken() -> str:
        raise RuntimeError("secret internals: /srv/kb/kb.sqlite3")
    app.add_url_rule("/broken", view_func=broken)
    app.add_url_rule("/api/broken", view_func=broken, endpoint="api_broken")
    try:
        client = app.test_client()
        page, api = client.get("/broken"), client.get("/api/broken")
    finally:
        close_app(app)
    assert page.status_code == api.status_code == 500
    text = page.get_data(as_text=True)
    assert "Something went wrong on our side" in text and soup(page).find("h1")
    assert "Traceback" not in text and "secret internals" not in text
    assert api.get_json() == {"error": "Something went wrong on our side and has been logged. "
                                       "Please try again in a moment."}
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.parametrize(("address", "status"), [("/no-such-page", 404), ("/documents/abc", 404),
                                                 ("/sign-out", 405), ("/api/nothing", 404)])
def test_http_errors_are_friendly(client: FlaskClient, address: str, status: int) -> None:
    response = client.get(address)
    assert response.status_code == status
    if address.startswith("/api/"):
        assert "error" in response.get_json()
    else:
        assert soup(response).find("main").find("a", href="/")


# -- files ------------------------------------------------------------------------------------------
def test_files_are_served_by_document_id_only(client: FlaskClient, corpus: KnowledgeBase) -> None:
    kb = corpus
    document = next(d for d in kb.store.documents() if d.file_type == "pdf")
    kept = kb.original_file(document).read_bytes()
    assert client.get(f"/documents/{document.id}/file").data == kept
    ignored = client.get(f"/documents/{document.id}/file",
                         query_string={"path": "../../kb.sqlite3", "file": "/etc/passwd"})
    assert ignored.data == kept
    for address in ("/documents/../kb.sqlite3", "/documents/%2e%2e/kb.sqlite3/file",
                    f"/documents/{document.id}/../../kb.sqlite3", "/static/../kb.sqlite3",
                    "/static/..%2f..%2fkb%2fstore.py", f"/files/{document.content_hash}.pdf",
                    "/documents/1/file/..%2f..%2fkb.sqlite3", "/secret_key", "/kb.sqlite3"):
        response = client.get(address)
        assert response.status_code == 404, address
        assert b"SQLite format" not in response.data and b"import" not in response.data


def test_an_error_while_showing_the_error_page_is_still_no_traceback(tmp_path: Path) -> None:
    app = make_app(tmp_path / "data", config={"TESTING": False})

    def broken() -> str:
        kb_of(app).store.close()  # the database is gone, and the error page needs it
        raise RuntimeError("secret internals")
    app.add_url_rule("/broken", view_func=broken)
    add_user(kb_of(app).store, "viewer", PASSWORD)
    client = app.test_client()
    sign_in(client, "viewer", PASSWORD)  # so that the error page asks the database who it is
    try:
        response = client.get("/broken")
    finally:
        kb_of(app).engine.close()
    assert response.status_code == 500 and response.mimetype == "text/plain"
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
