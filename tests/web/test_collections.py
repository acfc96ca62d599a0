"""Collections in the web app, as plain forms and as htmx swaps: create, add from search results
and documents, notes, order, removal, exports; withdrawn and restricted passages."""
from __future__ import annotations

import io
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import docx
import pytest
from flask import Flask
from pypdf import PdfReader
from flask.testing import FlaskClient

from kb.base import KnowledgeBase
from tests.web.conftest import PASSWORD, close_app, make_app
from tests.web.pages import csrf_token, sign_in, soup


@pytest.fixture
def visitor(writable_app: Flask) -> FlaskClient:
    """A visitor of a private copy of the corpus, with the CSRF token its forms carry."""
    client = writable_app.test_client()
    client.token = csrf_token(client, "/collections")
    return client


def post(client: FlaskClient, url: str, htmx: bool = False, **form: str):
    headers = {"HX-Request": "true", "X-CSRFToken": client.token} if htmx else {}
    data = form if htmx else dict(form, csrf_token=client.token)
    return client.post(url, data=data, headers=headers)


def start(client: FlaskClient, name: str = "Fathers") -> int:
    response = post(client, "/collections", name=name)
    assert response.status_code == 303
    return int(urlsplit(response.location).path.rsplit("/", 1)[1])


def add_form(page) -> dict[str, str]:
    """The fields of the first "Add to" form on a page."""
    form = page.find("form", class_="add-form")
    assert form["action"] == "/collections/items" and form["hx-post"] == "/collections/items"
    return {field["name"]: field["value"] for field in form("input")}


def items(client: FlaskClient, collection_id: int) -> list[dict]:
    return client.get(f"/api/collections/{collection_id}").get_json()["items"]


def test_start_a_collection_and_add_a_search_result_without_javascript(
        visitor: FlaskClient) -> None:
    collection_id = start(visitor)
    results = soup(visitor.get("/", query_string={"q": "father"}))
    fields = add_form(results)
    assert fields["collection_id"] == str(collection_id)
    assert results.select_one(".add-form button").get_text(" ", strip=True).startswith("Add to “Fathers”")
    response = visitor.post("/collections/items", data=fields)
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.location).query)["back"] == [fields["next"]]
    page = soup(visitor.get(response.location))
    assert "Added a passage of" in page.find(class_="flash").get_text()
    assert page.find(class_="flash").a["href"] == fields["next"]
    [item] = items(visitor, collection_id)
    assert item["passage_id"] == int(fields["passage_id"])
    assert page.select_one(".collection-quote").get_text() == item["text"]
    listed = visitor.get("/api/collections").get_json()["collections"]
    assert [(c["name"], c["passages"]) for c in listed] == [("Fathers", 1)]


def test_add_from_a_document_page_with_htmx(
        visitor: FlaskClient, writable_kb: KnowledgeBase) -> None:
    document = next(d for d in writable_kb.store.documents() if d.passage_count > 3)
    page = soup(visitor.get(f"/documents/{document.id}"))
    assert len(page.select("article.passage-full form.add-form")) == document.passage_count
    fields = add_form(page)
    assert fields["collection_id"] == "", "no collection yet: the button starts one"
    response = post(visitor, "/collections/items", htmx=True, **fields)
    added = soup(response)
    assert response.status_code == 200 and added.p["role"] == "status"
    assert added.p.get_text(" ", strip=True) == "Added to Untitled collection ."
    collection_id = int(added.a["href"].rsplit("/", 1)[1])
    oob = {element["class"][0]: element for element in added.select("[hx-swap-oob]")}
    assert oob["add-target"]["hx-swap-oob"] == "outerHTML:.add-target", "other buttons follow"
    assert oob["add-target-id"]["value"] == str(collection_id)
    assert items(visitor, collection_id)[0]["document_id"] == document.id
    again = add_form(soup(visitor.get(f"/documents/{document.id}")))
    assert again["collection_id"] == str(collection_id), "the next click adds to the same one"
    twice = soup(post(visitor, "/collections/items", htmx=True, **again))
    assert twice.p.get_text(" ", strip=True) == "Already in Untitled collection ."
    assert len(items(visitor, collection_id)) == 1


def test_notes_order_and_removal_as_forms_and_as_swaps(visitor: FlaskClient,
                                                       writable_kb: KnowledgeBase) -> None:
    collection_id = start(visitor)
    passages = writable_kb.store.passages()[:3]
    for passage in passages:
        post(visitor, "/collections/items", passage_id=str(passage.id),
             collection_id=str(collection_id))
    first, second, third = (item["id"] for item in items(visitor, collection_id))
    base = f"/collections/{collection_id}/items"
    response = post(visitor, f"{base}/{third}/move", direction="up")
    assert response.status_code == 303 and response.location.endswith(f"#item-{third}")
    assert [i["id"] for i in items(visitor, collection_id)] == [first, third, second]
    swapped = soup(post(visitor, f"{base}/{first}/move", htmx=True, direction="down"))
    assert swapped.find(id="collection-items") and "moved down" in swapped.find(
        class_="collection-message").get_text()
    assert swapped.find(class_="collection-message").has_attr("data-focus-after-swap")
    assert [li["id"] for li in swapped.select("li.collection-item")] == [
        f"item-{third}", f"item-{first}", f"item-{second}"]
    post(visitor, f"{base}/{second}/note", htmx=True, note="  Ask: who else lived there?  ")
    assert items(visitor, collection_id)[2]["note"] == "Ask: who else lived there?"
    too_long = soup(post(visitor, f"{base}/{second}/note", htmx=True, note="x" * 5001))
    assert "The note was not saved" in too_long.find(class_="collection-message").get_text()
    post(visitor, f"{base}/{first}/remove")
    assert [i["id"] for i in items(visitor, collection_id)] == [third, second]
    assert post(visitor, f"{base}/{third}/move", direction="sideways").status_code == 400
    other = start(visitor, "Another")
    assert post(visitor, f"/collections/{other}/items/{third}/remove").status_code == 404
    assert visitor.post(f"{base}/{third}/remove").status_code in (400, 403), "no CSRF token"


def test_rename_delete_and_a_name_is_needed(visitor: FlaskClient) -> None:
    collection_id = start(visitor)
    post(visitor, f"/collections/{collection_id}/rename", name="Men in babies' lives")
    assert soup(visitor.get(f"/collections/{collection_id}")).h1.get_text() == "Men in babies' lives"
    refused = post(visitor, "/collections", name="   ")
    assert refused.status_code == 400 and "needs a name" in soup(refused).find(
        class_="error-summary").get_text()
    response = post(visitor, f"/collections/{collection_id}/delete")
    assert response.status_code == 303 and response.location.endswith("/collections")
    assert visitor.get(f"/collections/{collection_id}").status_code == 404
    assert visitor.get(f"/api/collections/{collection_id}").status_code == 404


def test_exports_and_the_printable_page(visitor: FlaskClient, writable_kb: KnowledgeBase) -> None:
    collection_id = start(visitor, "Babies: bruising")
    kb = writable_kb
    passages = [p for p in kb.store.passages() if "babies" in p.themes and p.page_start][:2]
    for passage in passages:
        post(visitor, "/collections/items", passage_id=str(passage.id),
             collection_id=str(collection_id))
    titles = {kb.store.document(p.document_id).meta.title for p in passages}
    links = soup(visitor.get(f"/collections/{collection_id}")).select(".export-links a")
    assert [a.get_text() for a in links] == ["Printable page", "Word (DOCX)", "PDF", "Markdown",
                                             "HTML file"]
    for link in links[1:]:
        response = visitor.get(link["href"])
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith(
            'attachment; filename="babies-bruising.')
        assert response.headers["Content-Type"].count("charset") <= 1
        if link["href"].endswith("docx"):
            text = " ".join(p.text for p in docx.Document(io.BytesIO(response.data)).paragraphs)
        elif link["href"].endswith("pdf"):
            text = " ".join(" ".join(page.extract_text() for page in
                                     PdfReader(io.BytesIO(response.data)).pages).split())
        else:
            text = response.get_data(as_text=True)
        assert all(title in text for title in titles)
    printable = visitor.get(links[0]["href"])
    page = soup(printable)
    assert page.find("link", rel="stylesheet")["href"] == "/collections/training-pack.css"
    assert not page.find("style") and not page.find(style=True), "nothing inline (CSP)"
    assert "style-src 'self'" in printable.headers["Content-Security-Policy"]
    assert len(page.select("figure.quotation")) == 2
    assert visitor.get("/collections/training-pack.css").mimetype == "text/css"
    assert visitor.get(f"/collections/{collection_id}/export.odt").status_code == 404


def test_a_passage_whose_report_is_removed_stays_marked_withdrawn(
        visitor: FlaskClient, writable_kb: KnowledgeBase) -> None:
    collection_id = start(visitor)
    kb = writable_kb
    passage = next(p for p in kb.store.passages() if p.page_start)
    document = kb.store.document(passage.document_id)
    post(visitor, "/collections/items", passage_id=str(passage.id), collection_id=str(collection_id))
    kb.store.remove_source(document.path)
    kb.sync_index()
    [item] = items(visitor, collection_id)
    assert item["withdrawn"] and item["link"] is None and item["text"] == passage.text
    assert item["citation"]["title"] == document.meta.title
    page = soup(visitor.get(f"/collections/{collection_id}"))
    assert page.select_one("li.collection-item.withdrawn .badge-withdrawn")
    assert not page.select_one("li.collection-item .citation a"), "nothing to link to"
    pack = visitor.get(f"/collections/{collection_id}/export.md").get_data(as_text=True)
    assert "Withdrawn: this report is no longer in the knowledge base" in pack


@pytest.fixture
def access_copy(access_copy_data: Path) -> Iterator[Flask]:
    """The corpus with a restricted report and users (tests/web/conftest.py), writable."""
    application = make_app(access_copy_data)
    yield application
    close_app(application)


def test_restricted_passages_reach_only_those_with_access(access_copy: Flask,
                                                          access_copy_kb: KnowledgeBase) -> None:
    kb = access_copy_kb
    secret = next(d for d in kb.store.documents() if d.meta.restricted)
    passage = kb.store.passages(document_id=secret.id)[0]
    reader = access_copy.test_client()
    sign_in(reader, "reader", PASSWORD)
    reader.token = csrf_token(reader, "/collections")
    collection_id = start(reader, "Mixed")
    opened = next(p for p in kb.store.passages() if p.document_id != secret.id)
    for added in (opened, passage):
        assert post(reader, "/collections/items", passage_id=str(added.id),
                    collection_id=str(collection_id)).status_code == 303
    anonymous = access_copy.test_client()
    anonymous.token = csrf_token(anonymous)
    for client, seen in ((reader, True), (anonymous, False)):
        found = client.get(f"/api/collections/{collection_id}").get_json()["items"]
        assert (passage.text in [i["text"] for i in found]) is seen and len(found) == 1 + seen
        assert client.get("/api/collections").get_json()["collections"][0]["passages"] == 1 + seen
        for url in (f"/collections/{collection_id}", f"/collections/{collection_id}/export.md",
                    f"/collections/{collection_id}/print"):
            assert (secret.meta.title in client.get(url).get_data(as_text=True)) is seen, url
    viewer = access_copy.test_client()
    sign_in(viewer, "viewer", PASSWORD)  # signed in, but without access to restricted reports
    viewer.token = csrf_token(viewer, "/collections")
    hidden_item = next(i for i in items(reader, collection_id) if i["text"] == passage.text)
    assert post(viewer, f"/collections/{collection_id}/items/{hidden_item['id']}/remove"
                ).status_code == 403  # not theirs: only the reader who started it changes it
    assert post(viewer, "/collections/items", passage_id=str(passage.id),
                collection_id=str(collection_id)).status_code == 404
    assert len(items(reader, collection_id)) == 2


def test_with_accounts_only_people_signed_in_change_collections(access_copy: Flask) -> None:
    anonymous = access_copy.test_client()
    anonymous.token = csrf_token(anonymous)
    refused = post(anonymous, "/collections", name="Anyone's")
    assert refused.status_code == 303 and urlsplit(refused.location).path == "/sign-in"
    page = anonymous.get(refused.location).get_data(as_text=True)
    assert "Sign in to start or change collections." in page
    swapped = post(anonymous, "/collections", htmx=True, name="Anyone's")
    assert swapped.status_code == 204 and swapped.headers["HX-Redirect"].startswith("/sign-in")
    existing = anonymous.get("/api/collections").get_json()["collections"]
    assert existing and all(c["name"] != "Anyone's" for c in existing)
    assert post(anonymous, f"/collections/{existing[0]['id']}/delete").status_code == 303
    assert anonymous.get("/api/collections").get_json()["collections"] == existing
    viewer = access_copy.test_client()
    sign_in(viewer, "viewer", PASSWORD)
    viewer.token = csrf_token(viewer, "/collections")
    assert post(viewer, "/collections", name="A viewer's").status_code == 303
    names = [c["name"] for c in viewer.get("/api/collections").get_json()["collections"]]
    assert "A viewer's" in names


def test_an_add_refused_for_want_of_signing_in_is_done_once_signed_in(
        access_copy: Flask, access_copy_kb: KnowledgeBase) -> None:
    """Without JavaScript, from a page shown before signing out: the passage travels through
    the sign-in form and is added once the person is signed in."""
    kb = access_copy_kb
    passage = next(p for p in kb.store.passages()
                   if not kb.store.document(p.document_id).meta.restricted)
    anonymous = access_copy.test_client()
    anonymous.token = csrf_token(anonymous)
    refused = post(anonymous, "/collections/items", passage_id=str(passage.id),
                   next="/?q=father")
    assert refused.status_code == 303
    asked = parse_qs(urlsplit(refused.location).query)
    assert urlsplit(refused.location).path == "/sign-in" and asked["add"] == [str(passage.id)]
    page = soup(anonymous.get(refused.location))
    assert "Sign in to add the passage" in page.find(class_="sign-in-purpose").get_text()
    assert page.find("input", attrs={"name": "add"})["value"] == str(passage.id)
    form = {field["name"]: field.get("value", "") for field in page.select("form.sign-in-form input")}
    done = anonymous.post("/sign-in", data={**form, "username": "curator", "password": PASSWORD})
    assert done.status_code == 303 and urlsplit(done.location).path.startswith("/collections/")
    collection_id = int(urlsplit(done.location).path.rsplit("/", 1)[1])
    assert [i["text"] for i in items(anonymous, collection_id)][-1] == passage.text
    shown = anonymous.get(done.location).get_data(as_text=True)
    assert "Added a passage of" in shown and "Back to where you were" in shown
    wrong = access_copy.test_client()
    wrong.token = csrf_token(wrong, "/sign-in?add=99999999")
    assert soup(wrong.get("/sign-in?add=99999999")).find(class_="sign-in-purpose") is None


def _pack_passages(kb: KnowledgeBase) -> list:
    """Three passages for a "Seeing the men" pack: one about fathers and babies, then two
    about babies alone, from two or more reports (so babies is the theme shared most)."""
    passages = kb.store.passages()
    both = next(p for p in passages if {"babies", "fathers-male-carers"} <= set(p.themes))
    babies = [p for p in passages if "babies" in p.themes and "fathers-male-carers" not in p.themes
              and p.document_id != both.document_id]
    return [both, babies[0], babies[1]]


def test_the_trainer_chooses_how_the_pack_is_grouped(
        visitor: FlaskClient, writable_kb: KnowledgeBase) -> None:
    collection_id = start(visitor, "Seeing the men")
    chosen = _pack_passages(writable_kb)
    for passage in chosen:
        post(visitor, "/collections/items", passage_id=str(passage.id), collection_id=str(collection_id))

    def sections() -> list[tuple[str, int]]:
        page = soup(visitor.get(f"/collections/{collection_id}/print"))
        return [(section.h2.get_text(), len(section.select("figure.quotation")))
                for section in page.select("section.theme-section")]

    assert sections()[0][0] == "Babies and infants", "today's grouping: the theme shared most"
    page = soup(visitor.get(f"/collections/{collection_id}"))
    assert page.find("input", attrs={"name": "grouping", "value": "theme"}).has_attr("checked")
    assert page.find("select", attrs={"name": "lead_theme"}).option["value"] in chosen[0].themes
    response = post(visitor, f"/collections/{collection_id}/grouping", grouping="lead",
                    lead_theme="fathers-male-carers")
    assert response.status_code == 303
    assert sections() == [("Fathers and male carers", 1), ("Babies and infants", 2)]
    post(visitor, f"/collections/{collection_id}/grouping", grouping="order")
    page = soup(visitor.get(f"/collections/{collection_id}/print"))
    assert [s.h2.get_text() for s in page.select("section.theme-section")] == ["Passages"]
    assert [f.blockquote.get_text() for f in page.select("figure.quotation")] == [
        p.text for p in chosen], "the trainer's own order"
    markdown = visitor.get(f"/collections/{collection_id}/export.md").get_data(as_text=True)
    assert "in the trainer's order" in markdown
    assert post(visitor, f"/collections/{collection_id}/grouping", grouping="sideways").status_code == 400


def test_sources_are_numbered_as_they_appear_and_link_to_the_report(
        visitor: FlaskClient, writable_kb: KnowledgeBase) -> None:
    collection_id = start(visitor, "Sources")
    chosen = _pack_passages(writable_kb)
    for passage in chosen:
        post(visitor, "/collections/items", passage_id=str(passage.id), collection_id=str(collection_id))
    post(visitor, f"/collections/{collection_id}/grouping", grouping="order")
    page = soup(visitor.get(f"/collections/{collection_id}/print"))
    cited = [int(f.figcaption.find("a", href=lambda h: h.startswith("#source-"))["href"]
                 .removeprefix("#source-")) for f in page.select("figure.quotation")]
    first_appearance = list(dict.fromkeys(cited))
    assert first_appearance == list(range(1, len(first_appearance) + 1))
    for figure, passage in zip(page.select("figure.quotation"), chosen):
        link = figure.figcaption.find("a", string="in the report")
        assert link["href"].endswith(f"/documents/{passage.document_id}#passage-{passage.id}")
        assert "\u00a0" in figure.cite.get_text(), "“p. 3” is kept on one line"
    for source in page.select(".sources li"):
        assert "/documents/" in source.find("a", string="Report page")["href"]
    assert page.find("button", attrs={"data-print": True}).get_text() == "Print this pack"
    assert page.find("script", src="/static/app.js")
    briefing = soup(visitor.get("/themes/babies/briefing"))
    assert briefing.find("button", attrs={"data-print": True})
    document = docx.Document(io.BytesIO(visitor.get(f"/collections/{collection_id}/export.docx").data))
    links = [rel.target_ref for rel in document.part.rels.values() if "hyperlink" in rel.reltype]
    assert any(f"#passage-{chosen[0].id}" in link for link in links)
    assert all("p.\u00a0" in p.text for p in document.paragraphs if p.text.startswith("— "))


def test_word_files_name_the_trainer_or_the_partnership(access_copy: Flask, corpus_data: Path,
                                                        tmp_path: Path) -> None:
    trainer = access_copy.test_client()
    sign_in(trainer, "curator", PASSWORD)
    trainer.token = csrf_token(trainer, "/collections")
    collection_id = start(trainer, "Named")
    properties = docx.Document(io.BytesIO(
        trainer.get(f"/collections/{collection_id}/export.docx").data)).core_properties
    assert properties.author == properties.last_modified_by == "curator"
    shutil.copytree(corpus_data, tmp_path / "partnership")
    partnership = make_app(tmp_path / "partnership", partnership="Northmoor Safeguarding Partnership")
    try:
        visitor = partnership.test_client()
        visitor.token = csrf_token(visitor, "/collections")
        collection_id = start(visitor, "Anyone's")
        properties = docx.Document(io.BytesIO(
            visitor.get(f"/collections/{collection_id}/export.docx").data)).core_properties
        assert properties.author == "Northmoor Safeguarding Partnership"
        assert "python-docx" not in (properties.author, properties.last_modified_by,
                                     properties.comments)
        pdf = PdfReader(io.BytesIO(visitor.get(f"/collections/{collection_id}/export.pdf").data))
        assert pdf.metadata.author == "Northmoor Safeguarding Partnership"
    finally:
        close_app(partnership)
