"""Curators confirm, remove and add themes from the document page; admins restrict documents.

Each test works on a private copy of ``access_data`` (the sample corpus, one restricted
report and a user of each kind), through the real forms: with htmx and without.
"""
from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb.base import KnowledgeBase
from kb.lock import DataLock
from kb.model import Passage
from tests.web.conftest import PASSWORD
from tests.web.pages import csrf_token, signed_in as signed_in_as, soup


@pytest.fixture
def app(access_app_copy: Flask) -> Flask:
    return access_app_copy


def signed_in(app: Flask, who: str) -> FlaskClient:
    return signed_in_as(app, who, PASSWORD)


@pytest.fixture
def passage(access_copy_kb: KnowledgeBase) -> Passage:
    """An open passage carrying at least one theme."""
    kb = access_copy_kb
    return next(p for p in kb.store.passages() if p.themes
                and not kb.store.document(p.document_id).meta.restricted)


def _url(passage: Passage) -> str:
    return f"/documents/{passage.document_id}/passages/{passage.id}/themes"


def _indexed_with(app: Flask, passage: Passage, theme: str) -> bool:
    """Whether a search narrowed to ``theme`` finds ``passage`` (the search index is in step)."""
    found = app.test_client().get("/api/search", query_string={
        "theme": theme, "per_page": "100", "q": " ".join(passage.text.split()[:12])}).get_json()
    return passage.id in {r["passage_id"] for r in found["results"]}


@pytest.mark.parametrize(("who", "forms"), [("anonymous", False), ("viewer", False),
                                            ("reader", False), ("curator", True), ("admin", True)])
def test_only_curators_see_the_curation_forms(app: Flask, passage: Passage, who: str,
                                              forms: bool) -> None:
    page = soup(signed_in(app, who).get(f"/documents/{passage.document_id}"))
    region = page.find(id=f"themes-{passage.id}")
    assert bool(region.find("details", class_="curate")) is forms
    if forms:
        posted = region.find_all("form")
        assert all(f["method"] == "post" and f["action"] == _url(passage) == f["hx-post"]
                   and f["hx-target"] == f"#themes-{passage.id}" for f in posted)
        assert all(f.find("input", attrs={"name": "csrf_token"})["value"] for f in posted)
        buttons = {(b["name"], b["value"]) for b in region.find_all("button", attrs={"name": "action"})}
        assert {("action", "confirm"), ("action", "remove")} <= buttons
        add = region.find("form", class_="curate-add")
        assert add.find("select")["name"] == "theme" and add.find("label")["for"] == add.select_one("select")["id"]


def test_removing_a_theme_without_javascript(
        app: Flask, passage: Passage, access_copy_kb: KnowledgeBase) -> None:
    client = signed_in(app, "curator")
    theme = passage.themes[0]
    assert _indexed_with(app, passage, theme)
    response = client.post(_url(passage), data={"action": "remove", "theme": theme,
                                                "csrf_token": csrf_token(client)})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/documents/{passage.document_id}#passage-{passage.id}"
    page = soup(client.get(response.headers["Location"]))
    assert "removed" in page.find(class_="flash").get_text()
    chips = page.find(id=f"themes-{passage.id}").select("ul.evidence-chips summary")
    assert access_copy_kb.taxonomy.label(theme) not in [chip.get_text() for chip in chips]
    assert theme not in access_copy_kb.store.passages(passage_ids=[passage.id])[0].themes
    assert not _indexed_with(app, passage, theme), "the search index follows at once"


def test_adding_and_confirming_a_theme_with_htmx(
        app: Flask, passage: Passage, access_copy_kb: KnowledgeBase) -> None:
    client = signed_in(app, "curator")
    token = csrf_token(client)
    new = next(t for t in access_copy_kb.taxonomy.ids if t not in passage.themes)
    response = client.post(_url(passage), data={"action": "add", "theme": new},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200
    swapped = soup(response)
    assert swapped.find("div")["id"] == f"themes-{passage.id}" and not swapped.find("html")
    label = access_copy_kb.taxonomy.label(new)
    assert label in [chip.get_text() for chip in swapped.select("ul.evidence-chips summary")]
    assert swapped.find(class_="curation-message").get_text() == f"“{label}” added."
    assert _indexed_with(app, passage, new)
    kept = passage.themes[0]
    confirmed = soup(client.post(_url(passage), data={"action": "confirm", "theme": kept},
                                 headers={"HX-Request": "true", "X-CSRFToken": token}))
    row = next(li for li in confirmed.select(".curate-list li")
               if li.find("input", attrs={"name": "theme"})["value"] == kept)
    assert "confirmed by curator" in row.get_text()
    log = access_copy_kb.store.curation_log(passage.id)
    assert {(d["theme_id"], d["action"], d["curator"]) for d in log} == {
        (new, "add", "curator"), (kept, "confirm", "curator")}


@pytest.mark.parametrize("who", ["anonymous", "viewer", "reader"])
def test_people_who_are_not_curators_cannot_change_themes(app: Flask, passage: Passage,
                                                          who: str, access_copy_kb: KnowledgeBase) -> None:
    client = signed_in(app, who)
    response = client.post(_url(passage), data={"action": "remove", "theme": passage.themes[0],
                                                "csrf_token": csrf_token(client)})
    assert response.status_code == 403
    assert "Only curators" in soup(response).find("main").get_text()
    assert access_copy_kb.store.curation_log(passage.id) == []


@pytest.mark.parametrize(("data", "status"), [
    ({"action": "add", "theme": "no-such-theme"}, 400), ({"action": "delete", "theme": "neglect"}, 400),
    ({"action": "add"}, 400)])
def test_bad_curation_requests_are_refused(app: Flask, passage: Passage, data: dict,
                                           status: int, access_copy_kb: KnowledgeBase) -> None:
    client = signed_in(app, "curator")
    response = client.post(_url(passage), data=dict(data, csrf_token=csrf_token(client)))
    assert response.status_code == status
    assert access_copy_kb.store.curation_log(passage.id) == []


def test_a_curator_without_access_cannot_curate_a_restricted_passage(
        app: Flask, access_copy_kb: KnowledgeBase) -> None:
    kb = access_copy_kb
    hidden = next(d for d in kb.store.documents() if d.meta.restricted)
    passage = kb.store.passages(document_id=hidden.id)[0]
    client = signed_in(app, "curator")
    response = client.post(_url(passage), data={"action": "add", "theme": "neglect",
                                                "csrf_token": csrf_token(client)})
    assert response.status_code == 404


def test_a_passage_of_another_document_is_not_found(
        app: Flask, passage: Passage, access_copy_kb: KnowledgeBase) -> None:
    client = signed_in(app, "curator")
    other = next(d for d in access_copy_kb.store.documents() if d.id != passage.document_id)
    response = client.post(f"/documents/{other.id}/passages/{passage.id}/themes", data={
        "action": "add", "theme": "neglect", "csrf_token": csrf_token(client)})
    assert response.status_code == 404


def test_a_change_while_an_indexer_runs_is_refused_and_nothing_changes(
        app: Flask, passage: Passage, access_copy_kb: KnowledgeBase) -> None:
    client = signed_in(app, "curator")
    token = csrf_token(client)
    with DataLock(access_copy_kb.settings.data_dir):  # `kb index` at work
        response = client.post(_url(passage), data={"action": "remove", "theme": passage.themes[0],
                                                    "csrf_token": token})
        swap = client.post(_url(passage), data={"action": "remove", "theme": passage.themes[0]},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == swap.status_code == 503
    assert "being indexed just now" in soup(response).find("main").get_text()
    assert access_copy_kb.store.curation_log(passage.id) == []
    assert client.post(_url(passage), data={"action": "remove", "theme": passage.themes[0],
                                            "csrf_token": token}).status_code == 303


# -- restriction ----------------------------------------------------------------------------
def _restrict(client: FlaskClient, document_id: int, value: str):
    return client.post(f"/documents/{document_id}/restriction",
                       data={"restricted": value, "csrf_token": csrf_token(client)})


def test_an_admin_restricts_and_opens_a_document(app: Flask, passage: Passage) -> None:
    admin, anonymous = signed_in(app, "admin"), app.test_client()
    document_id = passage.document_id
    page = soup(admin.get(f"/documents/{document_id}"))
    form = page.find("form", class_="restriction-form")
    assert form.find("input", attrs={"name": "restricted"})["value"] == "yes"
    assert form.button.get_text() == "Restrict this document"

    def visible() -> bool:
        found = anonymous.get("/api/search", query_string={"per_page": "100", "q": passage.text[:200]})
        return document_id in {r["document_id"] for r in found.get_json()["results"]}
    assert visible()
    response = _restrict(admin, document_id, "yes")
    assert response.status_code == 303 and response.headers["Location"] == f"/documents/{document_id}"
    assert "now restricted" in soup(admin.get(f"/documents/{document_id}")).find(class_="flash").get_text()
    assert anonymous.get(f"/documents/{document_id}").status_code == 404
    assert not visible(), "gone from search at once"
    assert _restrict(admin, document_id, "no").status_code == 303
    assert anonymous.get(f"/documents/{document_id}").status_code == 200 and visible()


@pytest.mark.parametrize("who", ["anonymous", "viewer", "reader", "curator"])
def test_only_admins_restrict_documents(
        app: Flask, passage: Passage, who: str, access_copy_kb: KnowledgeBase) -> None:
    client = signed_in(app, who)
    assert not soup(client.get(f"/documents/{passage.document_id}")).find(
        "form", class_="restriction-form")
    assert _restrict(client, passage.document_id, "yes").status_code == 403
    assert not access_copy_kb.store.document(passage.document_id).meta.restricted
