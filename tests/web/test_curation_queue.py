"""The curators' review queue (/curation/queue), its JSON, "retrain now" for admins, and the
learned model's evidence on the document page and in the API.

Each test works on a private copy of ``access_data`` (the sample corpus tagged by the shipped
tagger, one restricted report and a user of each kind).
"""
from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from indexer.learn import shipped_examples
from kb.model import MODEL_EVIDENCE
from tests.web.conftest import PASSWORD
from tests.web.pages import csrf_token, kb_of, signed_in as signed_in_as, soup


@pytest.fixture
def app(access_app_copy: Flask) -> Flask:
    return access_app_copy


def signed_in(app: Flask, who: str) -> FlaskClient:
    return signed_in_as(app, who, PASSWORD)


@pytest.mark.parametrize("who", ["anonymous", "viewer"])
def test_only_curators_see_the_queue(app: Flask, who: str) -> None:
    client = signed_in(app, who)
    assert client.get("/curation/queue").status_code == 403
    assert client.get("/curation/queue.json").status_code == 403
    assert client.get("/api/curation/queue").status_code == 403


def test_the_queue_lists_the_least_sure_themes_and_says_when_the_model_was_trained(app: Flask) -> None:
    client = signed_in(app, "curator")
    page = soup(client.get("/curation/queue"))
    state = page.select_one(".model-state").get_text(" ", strip=True)
    shipped = len(shipped_examples())
    assert "Last trained on" in state and f"{shipped} examples, 0 of them from curators" in state
    items = page.select(".queue-item")
    assert items
    assert not page.select("form[action='/curation/retrain']")  # admins only
    data = client.get("/api/curation/queue").get_json()
    assert data["model"]["examples"] == shipped and data["model"]["curator_examples"] == 0
    first = data["items"][0]
    # Least sure first: the rules and the model disagree, or the model is near its threshold.
    assert first["rules_and_model_disagree"] or abs(first["model_score"] - 0.6) < 0.25
    assert {"passage_id", "theme", "tagged", "rule_score", "model_score", "evidence", "text"} <= set(first)


def test_one_click_decides_a_theme_and_it_leaves_the_queue(app: Flask) -> None:
    client = signed_in(app, "curator")
    first = client.get("/curation/queue.json").get_json()["items"][0]
    action = "confirm" if first["tagged"] else "add"
    response = client.post(
        f"/documents/{first['document_id']}/passages/{first['passage_id']}/themes",
        data={"action": action, "theme": first["theme"], "next": "queue", "page": "1",
              "csrf_token": csrf_token(client, "/curation/queue")})
    assert response.status_code == 303 and response.headers["Location"].startswith("/curation/queue")
    kb = kb_of(app)
    assert first["theme"] in next(p for p in kb.store.passages(passage_ids=[first["passage_id"]])).themes
    remaining = client.get("/curation/queue.json").get_json()["items"]
    assert (first["passage_id"], first["theme"]) not in {(i["passage_id"], i["theme"]) for i in remaining}
    state = client.get("/curation/queue.json").get_json()["model"]
    assert state["decisions_since"] == 1


def test_admins_retrain_now_with_the_curators_decisions(app: Flask) -> None:
    curator = signed_in(app, "curator")
    first = curator.get("/curation/queue.json").get_json()["items"][0]
    curator.post(f"/documents/{first['document_id']}/passages/{first['passage_id']}/themes",
                 data={"action": "remove", "theme": first["theme"], "next": "queue",
                       "csrf_token": csrf_token(curator, "/curation/queue")})
    assert curator.post("/curation/retrain",
                        data={"csrf_token": csrf_token(curator, "/curation/queue")}).status_code == 403
    admin = signed_in(app, "admin")
    page = soup(admin.get("/curation/queue"))
    assert page.select_one("form[action='/curation/retrain'] button").get_text(strip=True) == "Retrain now"
    response = admin.post("/curation/retrain", data={"csrf_token": csrf_token(admin, "/curation/queue")})
    assert response.status_code == 303
    page = soup(admin.get(response.headers["Location"]))
    examples = len(shipped_examples()) + 1
    assert f"trained again on {examples} examples (1 from curators' decisions)" in page.select_one(".flash").get_text()
    assert f"{examples} examples, 1 of them from curators" in page.select_one(".model-state").get_text(" ", strip=True)


def test_a_learned_tag_shows_the_models_words_on_the_page_and_in_the_api(app: Flask) -> None:
    kb = kb_of(app)
    passage = next(p for p in kb.store.passages() if not kb.store.document(p.document_id).meta.restricted
                   and any(e.startswith(MODEL_EVIDENCE) for t in p.themes for e in p.evidence.get(t, [])))
    theme = next(t for t in passage.themes if any(e.startswith(MODEL_EVIDENCE) for e in passage.evidence[t]))
    client = app.test_client()
    page = soup(client.get(f"/documents/{passage.document_id}"))
    body = page.select_one(f"#themes-{passage.id}").get_text(" ", strip=True)
    assert "Tagged by the learned model, which weighed most the words" in body
    word = passage.evidence[theme][-1][len(MODEL_EVIDENCE):]
    assert word in body
    api = client.get(f"/api/documents/{passage.document_id}").get_json()
    found = next(p for p in api["passages"] if p["passage_id"] == passage.id)
    assert found["evidence"][theme] == passage.evidence[theme]
