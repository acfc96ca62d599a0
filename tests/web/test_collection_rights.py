"""Who may change a collection: its owner and admins; nobody deletes passages they cannot
see; and a hidden passage is answered exactly as a missing one."""
from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb.base import KnowledgeBase
from tests.web.conftest import PASSWORD
from tests.web.pages import csrf_token, sign_in
from tests.web.test_sessions import kb_cli


@pytest.fixture
def app(access_app_copy: Flask) -> Flask:
    return access_app_copy


def person(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, username, PASSWORD).status_code == 303
    client.token = csrf_token(client, "/collections")
    return client


def post(client: FlaskClient, url: str, **fields: str):
    return client.post(url, data={"csrf_token": client.token, **fields})


def names(client: FlaskClient) -> set[str]:
    return {c["name"] for c in client.get("/api/collections").get_json()["collections"]}


def started(client: FlaskClient, name: str) -> int:
    response = post(client, "/collections", name=name)
    assert response.status_code == 303
    return int(response.location.rstrip("/").rsplit("/", 1)[1])


def test_only_the_owner_and_admins_change_a_collection(
        app: Flask, access_copy_kb: KnowledgeBase) -> None:
    kb = access_copy_kb
    opened = next(p for p in kb.store.passages()
                  if not kb.store.document(p.document_id).meta.restricted)
    owner, other, admin = person(app, "curator"), person(app, "viewer"), person(app, "admin")
    pack = started(owner, "Curator's pack")
    assert post(owner, "/collections/items", passage_id=str(opened.id),
                collection_id=str(pack)).status_code == 303
    item = owner.get(f"/api/collections/{pack}").get_json()["items"][0]["id"]
    for url, fields in ((f"/collections/{pack}/rename", {"name": "Taken over"}),
                        (f"/collections/{pack}/delete", {}),
                        (f"/collections/{pack}/target", {}),
                        (f"/collections/{pack}/items/{item}/note", {"note": "mine now"}),
                        (f"/collections/{pack}/items/{item}/move", {"direction": "up"}),
                        (f"/collections/{pack}/items/{item}/remove", {}),
                        ("/collections/items", {"passage_id": str(opened.id + 1),
                                                "collection_id": str(pack)})):
        assert post(other, url, **fields).status_code == 403, url
    found = owner.get(f"/api/collections/{pack}").get_json()
    assert found["name"] == "Curator's pack" and len(found["items"]) == 1
    assert found["items"][0]["note"] == ""
    # The other person's "Add" buttons never point at someone else's collection: a new one.
    assert post(other, "/collections/items", passage_id=str(opened.id)).status_code == 303
    assert len(owner.get(f"/api/collections/{pack}").get_json()["items"]) == 1
    assert post(owner, f"/collections/{pack}/rename", name="Renamed").status_code == 303
    assert post(admin, f"/collections/{pack}/rename", name="By the admin").status_code == 303
    assert "By the admin" in names(owner)
    assert post(owner, f"/collections/{pack}/delete").status_code == 303
    assert "By the admin" not in names(owner)


def test_nobody_deletes_a_collection_holding_passages_they_cannot_see(
        app: Flask, access_copy_kb: KnowledgeBase) -> None:
    kb = access_copy_kb
    secret = next(d for d in kb.store.documents() if d.meta.restricted)
    hidden = kb.store.passages(document_id=secret.id)[0]
    reader = person(app, "reader")  # may see restricted reports
    pack = started(reader, "Mixed pack")
    assert post(reader, "/collections/items", passage_id=str(hidden.id),
                collection_id=str(pack)).status_code == 303
    # The reader loses access; the collection is still theirs, but holds what they cannot see.
    assert kb_cli(app, "users", "role", "reader", "--role", "viewer").returncode == 0
    reader = person(app, "reader")
    assert post(reader, f"/collections/{pack}/delete").status_code == 403
    assert post(reader, f"/collections/{pack}/rename", name="Still mine").status_code == 303
    admin = person(app, "admin")
    assert post(admin, f"/collections/{pack}/delete").status_code == 303
    assert "Still mine" not in names(admin)


def test_a_hidden_passage_is_answered_as_a_missing_one(
        app: Flask, access_copy_kb: KnowledgeBase) -> None:
    kb = access_copy_kb
    secret = next(d for d in kb.store.documents() if d.meta.restricted)
    hidden = kb.store.passages(document_id=secret.id)[0]
    missing = max(p.id for p in kb.store.passages()) + 1000
    viewer = person(app, "viewer")
    pack = started(viewer, "Viewer's pack")
    answers = [post(viewer, "/collections/items", passage_id=str(pid), collection_id=str(pack))
               for pid in (hidden.id, missing)]
    assert [a.status_code for a in answers] == [404, 404]
    assert answers[0].get_data() == answers[1].get_data()
    api = [viewer.post("/collections/items", data={"passage_id": str(pid), "csrf_token":
                                                   viewer.token}, headers={"HX-Request": "true"})
           for pid in (hidden.id, missing)]
    assert api[0].status_code == api[1].status_code and api[0].get_data() == api[1].get_data()
