"""The slow answers of first visits are computed when the app starts (in the background) and
kept until the data changes: never stale after a change."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from flask import Flask

from kb.recommendations import made_before, search_recommendations
from kb.search import SearchRequest
from kb.similarity import memoised
from tests.web.conftest import close_app, make_app
from tests.web.pages import kb_of
from web.warm import WARMING, start_warming, warm

WAIT_SECONDS = 300  # an upper bound for a loaded machine, never a measurement


def not_computed_again():
    raise AssertionError("computed again: it was not kept")


def test_the_app_warms_the_slow_answers_at_start_and_again_after_a_change(
        writable_corpus_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_WARM", "yes")
    app = make_app(writable_corpus_data, config={"TESTING": False})  # as served: warming starts
    kb = kb_of(app)
    theme = "fathers-male-carers"
    key = ("repeated-national-learning", theme, False)
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                memoised(kb, key, not_computed_again)
                break
            except AssertionError:
                assert time.monotonic() < deadline, "the recurrence page was not warmed"
                time.sleep(0.5)
        first = search_recommendations(kb, SearchRequest()).results[0]
        memoised(kb, ("made-before", first.passage.id, 3, False), not_computed_again)
        page = app.test_client().get(f"/trends/{theme}")
        assert page.status_code == 200
        # A curator's decision changes the data: nothing kept from before may be shown.
        passage = next(p for p in kb.store.passages() if theme in p.themes)
        kb.store.curate(passage.id, theme, "remove", "tester")
        with pytest.raises(AssertionError, match="computed again"):
            memoised(kb, key, not_computed_again)
    finally:
        app.extensions[WARMING].stop()
        close_app(app)


def test_warm_keeps_what_the_first_visits_need(app: Flask) -> None:
    kb = kb_of(app)
    themes = ["fathers-male-carers", "babies"]
    warm(kb, theme_ids=themes)
    for theme in themes:
        memoised(kb, ("repeated-national-learning", theme, False), not_computed_again)
        memoised(kb, ("most-common", theme, "finding", 3, False), not_computed_again)
    for result in search_recommendations(kb, SearchRequest()).results:
        assert made_before(kb, result.passage, result.document) == memoised(
            kb, ("made-before", result.passage.id, 3, False), not_computed_again)
    assert start_warming(app) is None, "tests (app.testing) start no warming thread"
