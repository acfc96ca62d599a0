"""A leak sweep: a report with canary words is indexed, collected, revised, restricted and
pruned with the real command line, as an administrator does; then every address of the
app (pages, the API, CSV and every export) and the command line's outputs are searched
for the canary words, as an anonymous visitor and as a signed-in user without access.

Also the restriction's reach over collected copies (every version, before and after
pruning) and its lifting.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ROOT
from tests.web.conftest import PASSWORD, close_app, make_app
from tests.web.pages import csrf_token, kb_of, sign_in
from tests.web.test_access import _export_text

CANARIES = ("marrowfinch", "tallowquay", "Brindlemoor")
REPORT = """\
---
title: "Child Safeguarding Practice Review: Child Brindlemoor"
publisher: Brindlemoor Safeguarding Children Partnership
year: 2024
kind: cspr
scope: local
restricted: no
---

# Child Safeguarding Practice Review: Child Brindlemoor

## Findings

The health visitor did not see the father at the marrowfinch address, although the school
had raised concerns about the child's attendance and the {version} tallowquay plan was never
reviewed by the partnership, which is the learning this review draws out for practitioners.

## Recommendations

Recommendation 1: The partnership should make sure that every tallowquay plan names the
adults living in the household and is reviewed when the child's circumstances change.
"""


def kb_cli(data: Path, *argv: str, password: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *argv, "--data", str(data)],
                          cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          env=dict(os.environ, KB_PASSWORD=password))


def leaks(text: str) -> list[str]:
    return [word for word in CANARIES if word.lower() in text.lower()]


def person(app: Flask, username: str | None) -> FlaskClient:
    client = app.test_client()
    if username:
        assert sign_in(client, username, PASSWORD).status_code == 303
    # Signed out, once there are accounts, the collections page has no forms: the sign-in page has.
    client.token = csrf_token(client, "/collections" if username else "/sign-in")
    return client


def collected_texts(client: FlaskClient, collection_id: int) -> str:
    found = client.get(f"/api/collections/{collection_id}").get_json()
    pages = [client.get(url) for url in found["exports"].values()]
    return " ".join([str(found)] + [_export_text(page) for page in pages]
                    + [client.get(f"/collections/{collection_id}").get_data(as_text=True)])


@pytest.fixture(scope="module")
def world(corpus_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The sample corpus plus the canary report, taken through its life on the command line."""
    data = tmp_path_factory.mktemp("sweep") / "data"
    shutil.copytree(corpus_data, data)
    reports = tmp_path_factory.mktemp("canary-reports")
    report = reports / "2024-brindlemoor-cspr.md"
    report.write_text(REPORT.format(version="first"))
    assert kb_cli(data, "index", str(reports)).returncode == 0
    for name, role in (("trainer", "viewer"), ("viewer", "viewer"), ("boss", "admin")):
        assert kb_cli(data, "users", "add", name, "--role", role, password=PASSWORD).returncode == 0
    app = make_app(data)
    kb = kb_of(app)
    document = next(d for d in kb.store.documents() if "Brindlemoor" in d.meta.title)
    passages = kb.store.passages(document_id=document.id)
    trainer = person(app, "trainer")
    made = trainer.post("/collections", data={"csrf_token": trainer.token, "name": "Sweep pack"})
    pack = int(made.location.rsplit("/", 1)[1])
    for passage in passages:  # both passages hold canary words
        assert trainer.post("/collections/items", data={
            "csrf_token": trainer.token, "passage_id": str(passage.id),
            "collection_id": str(pack)}).status_code == 303
    assert len(leaks(collected_texts(person(app, None), pack))) >= 2, "open: everyone sees it"
    # Revised: the collected finding itself changes, so its copy matches no live passage.
    report.write_text(REPORT.format(version="revised"))
    revised = kb_cli(data, "index", str(reports))
    assert "1 updated" in revised.stdout, revised.stdout
    current = next(d for d in kb.store.documents() if "Brindlemoor" in d.meta.title)
    yield {"app": app, "data": data, "reports": reports, "report": report, "pack": pack,
           "document": current, "old_passages": [p.id for p in passages], "first_id": document.id,
           "first_hash": document.content_hash}
    close_app(app)


def test_restricting_reaches_every_copy_of_every_version_before_and_after_pruning(world) -> None:
    app, data, pack = world["app"], world["data"], world["pack"]
    anonymous, viewer, boss = person(app, None), person(app, "viewer"), person(app, "boss")
    assert kb_cli(data, "restrict", str(world["document"].id)).returncode == 0
    for client in (anonymous, viewer):
        assert leaks(collected_texts(client, pack)) == [], "hidden straight after kb restrict"
    assert len(leaks(collected_texts(boss, pack))) >= 2
    # Lifted: every copy is visible again.
    assert kb_cli(data, "restrict", str(world["document"].id), "--lift").returncode == 0
    assert len(anonymous.get(f"/api/collections/{pack}").get_json()["items"]) == 2
    assert kb_cli(data, "restrict", str(world["document"].id)).returncode == 0
    # Withdrawn: the file is deleted and pruned; the copies stay, hidden.
    world["report"].unlink()
    pruned = kb_cli(data, "index", str(world["reports"]), "--prune")
    assert pruned.returncode == 0, pruned.stderr
    items = boss.get(f"/api/collections/{pack}").get_json()["items"]
    assert len(items) == 2 and all(item["withdrawn"] for item in items)
    kept = {path.name.split(".")[0] for path in (data / "files").iterdir()}
    assert world["document"].content_hash not in kept, "no copy of the withdrawn report is kept"
    assert world["first_hash"] not in kept, "nor of its first version"
    assert kept == kb_of(app).store.content_hashes()
    for client in (anonymous, viewer):
        assert client.get(f"/api/collections/{pack}").get_json()["items"] == []
        assert leaks(collected_texts(client, pack)) == []


def _addresses(app: Flask, world: dict) -> list[str]:
    """Every GET route, with the canary report's ids (of both versions) among the values."""
    kb = kb_of(app)
    values: dict[str, list] = {
        "document_id": [world["first_id"], world["document"].id, 1],
        "passage_id": world["old_passages"] + [1],
        "collection_id": [world["pack"], 1],
        "theme_id": kb.taxonomy.ids[:2],
        "file_format": ["md", "docx", "html", "pdf"],
    }
    addresses = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        options: list[dict] = [{}]
        for argument in rule.arguments:
            choices = values.get(argument) or [1, 2]
            options = [dict(o, **{argument: c}) for o in options for c in choices]
        for option in options:
            path = rule.build(option, append_unknown=False)[1]
            addresses += [path, f"{path}?q=tallowquay", f"{path}?q=marrowfinh",
                          f"{path}?publisher=Brindlemoor+Safeguarding+Children+Partnership"
                          "&per_page=100"]
    return addresses


@pytest.mark.parametrize("who", [None, "viewer"])
def test_no_address_export_or_command_shows_a_canary(world, who: str | None) -> None:
    app = world["app"]
    kb_cli(world["data"], "restrict", str(world["document"].id))  # restricted, if still stored
    client = person(app, who)
    addresses = _addresses(app, world)
    assert len(addresses) > 100
    for address in addresses:
        response = client.get(address)
        assert response.status_code < 500, address
        shown = [word for word in leaks(_export_text(response)) if word.lower() not in
                 address.lower()]  # the search box shows what was typed
        assert shown == [], address
    if who is not None:
        return
    data = world["data"]  # the command line (the same for everyone)
    for argv in (["search", "marrowfinch"], ["search", "tallowquay", "--json"],
                 ["search", "marrowfinh"], ["trends", "--json"], ["trends", "--csv"],
                 ["themes"], ["stats"], ["export", str(world["pack"]), "--format", "md"],
                 ["export", str(world["pack"]), "--format", "html"]):
        ran = kb_cli(data, *argv)
        assert ran.returncode == 0, (argv, ran.stderr)
        assert [word for word in leaks(ran.stdout) if word not in argv] == [], argv


def test_the_sweep_finds_the_canaries_for_an_administrator(world) -> None:
    boss = person(world["app"], "boss")
    seen = [address for address in _addresses(world["app"], world)
            if "collections" in address and leaks(_export_text(boss.get(address)))]
    assert len(seen) >= 5, seen


def test_a_report_restricted_after_indexing_leaves_no_trace_in_open_scores(
        world, app: Flask) -> None:
    """Anonymous scores over the knowledge base whose canary report was restricted after being
    indexed (and used) are those of the sample corpus alone, which never held it."""
    kb_cli(world["data"], "restrict", str(world["document"].id))  # restricted, if still stored
    for query in ("father health visitor", "school attendance plan", "household adults"):
        ours = person(world["app"], None).get("/api/search", query_string={"q": query}).get_json()
        never = app.test_client().get("/api/search", query_string={"q": query}).get_json()
        assert ours["total"] == never["total"], query
        assert [round(r["score"], 6) for r in ours["results"]] == \
            [round(r["score"], 6) for r in never["results"]], query
