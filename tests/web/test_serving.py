"""Serving as `make run` does: a relative data directory, links that do not echo the Host
header, and hostile searches answered with bounded work."""
from __future__ import annotations

import csv
import io
import random
import shutil
import sys
from pathlib import Path

import pytest
from flask import Flask

from kb.limits import LONG_QUERY_WORDS
from kb.settings import Settings
from kb.suggest import MAX_CORRECTED_WORDS, MAX_WORD_CHARS, SPELLING_PREFIX_TERMS
from tests.web.conftest import close_app, make_app
from web import create_app


def test_a_relative_data_directory_serves_page_links_from_any_working_directory(
        corpus_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(corpus_data, tmp_path / "instance")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KB_DATA", "instance")  # relative, as the Makefile sets it
    settings = Settings.from_env()
    monkeypatch.chdir("/")  # the server's working directory is not where KB_DATA points
    app = create_app(settings, TESTING=True)
    try:
        client = app.test_client()
        rows = client.get("/api/search.csv", query_string={"q": "father"}).get_data(as_text=True)
        links = [cell for row in csv.reader(io.StringIO(rows)) for cell in row
                 if "/file#page=" in cell]
        assert links, "some results open a kept PDF at their page"
        opened = client.get(links[0].split("#")[0])
        assert opened.status_code == 200 and opened.mimetype == "application/pdf"
        assert opened.data.startswith(b"%PDF")
    finally:
        close_app(app)


def test_links_in_the_api_and_csv_never_echo_the_host_header(corpus_data: Path) -> None:
    plain = make_app(corpus_data)
    based = make_app(corpus_data, base_url="https://kb.example.org/")
    try:
        for app, start in ((plain, "/"), (based, "https://kb.example.org/")):
            client = app.test_client()
            headers = {"Host": "evil.example"}
            found = client.get("/api/search?q=father", headers=headers).get_json()
            csv = client.get("/api/search.csv?q=father", headers=headers).get_data(as_text=True)
            document = client.get(f"/api/documents/{found['results'][0]['document_id']}",
                                  headers=headers).get_json()
            themes = client.get("/api/themes", headers=headers).get_json()
            trends = client.get("/api/trends", headers=headers).get_json()
            assert "evil.example" not in csv + str(found) + str(document) + str(themes) + str(trends)
            assert document["document"]["url"].startswith(start)
            assert all(p["link"].startswith(start) for p in document["passages"])
            assert all(c["search_url"].startswith(start) for c in trends["cells"])
            assert f",{start}documents/" in csv
    finally:
        close_app(plain)
        close_app(based)
    with pytest.raises(ValueError, match="scheme and host"):
        Settings(base_url="javascript:alert(1)")


@pytest.fixture
def spent(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Each word the engine looked up for "did you mean", with the edit distances worked out
    for it (spies: the real functions run unchanged)."""
    engine = app.extensions["knowledge_base"].engine
    module = sys.modules[type(engine).__module__]
    looked_up: list[list] = []
    real_spellings, real_distance = type(engine).spellings, module.edit_distance

    def spellings(self, word, *args, **kwargs):
        looked_up.append([word, 0])
        return real_spellings(self, word, *args, **kwargs)

    def edit_distance(first, second):
        looked_up[-1][1] += 1
        return real_distance(first, second)
    monkeypatch.setattr(type(engine), "spellings", spellings)
    monkeypatch.setattr(module, "edit_distance", edit_distance)
    return looked_up


def test_hostile_searches_are_answered_with_bounded_work(client, spent: list) -> None:
    rng = random.Random(5)
    letters = "abcdefghijklmnopqrstuvwxyz"
    hostile = {
        "a 500-letter word": "".join(rng.choice(letters) for _ in range(500)),
        "500 of (": "(" * 500,
        "unknown words joined by OR": " OR ".join(
            "".join(rng.choice(letters) for _ in range(3)) for _ in range(100))[:500],
        "long unknown words": " ".join("s" + "".join(rng.choice(letters) for _ in range(29))
                                       for _ in range(16)),
    }
    for name, query in hostile.items():
        spent.clear()
        answer = client.get("/api/search", query_string={"q": query})
        assert answer.status_code == 200, name
        assert answer.get_json()["total"] == 0, name
        assert len(spent) <= MAX_CORRECTED_WORDS, name
        assert all(len(word) <= MAX_WORD_CHARS for word, _ in spent), name
        assert all(distances <= SPELLING_PREFIX_TERMS for _, distances in spent), name
    # The corrections still work, each unknown word looked up once.
    spent.clear()
    found = client.get("/api/search", query_string={"q": "fahter sleap"}).get_json()
    assert found["suggestion"] == "father sleep" and [word for word, _ in spent] == ["fahter", "sleap"]
    assert all(0 < distances <= SPELLING_PREFIX_TERMS for _, distances in spent)
    # Over the length limit: refused before any work.
    assert client.get("/api/search", query_string={"q": "a OR " * 200}).status_code == 400


def test_long_searches_take_turns(app: Flask) -> None:
    """A search of many words while another holds the turn is refused at once (503, with a
    message), and a short search is not held up."""
    knowledge_base = app.extensions["knowledge_base"]
    long_query = " ".join(["father"] * (LONG_QUERY_WORDS + 1))
    client = app.test_client()
    with knowledge_base._long_searches.turn():
        busy = client.get("/api/search", query_string={"q": long_query})
        page = client.get("/", query_string={"q": long_query})
        assert client.get("/api/search", query_string={"q": "father"}).status_code == 200
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
    assert "one at a time" in busy.get_json()["error"]
    assert page.status_code == 503 and "try again in a moment" in page.get_data(as_text=True)
    assert client.get("/api/search", query_string={"q": long_query}).status_code == 200
