"""Warming: the slow answers of the first visits (made before, repeated national learning,
a briefing's most common points) computed in the background when the app starts, and again
whenever the data changes, so no visitor waits for them. Results are kept by
``kb.similarity.memoised`` until the data changes, so they are never stale.

Each server process warms its own; ``KB_WARM=no`` turns warming off.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Sequence

from flask import Flask

from kb.base import KnowledgeBase
from kb.recommendations import RECOMMENDATION, made_before, search_recommendations
from kb.search import SearchRequest
from kb.similarity import data_version, prepare_asks
from kb.trends import most_common, repeated_national_learning
from web.knowledge import KB_EXTENSION
from web.themes import BRIEFING_POINTS

RECHECK_SECONDS = 30.0
WARMING = "kb_warming"  # the extension key of the event that stops warming  # how often the data is checked for changes to warm again

log = logging.getLogger(__name__)


def warm(kb: KnowledgeBase, include_restricted: bool = False,
         stop: threading.Event | None = None, theme_ids: Sequence[str] | None = None) -> None:
    """Compute what the recommendations register's first page, each theme's recurrence page
    and each briefing need (every theme, or ``theme_ids``), for visitors who may, or may not,
    see restricted documents; ``stop`` ends it between steps."""
    def stopped() -> bool:
        return stop is not None and stop.is_set()

    def register() -> None:
        prepare_asks(kb, RECOMMENDATION, include_restricted)
        response = search_recommendations(kb, SearchRequest(), include_restricted=include_restricted)
        for result in response.results:
            made_before(kb, result.passage, result.document, include_restricted=include_restricted)

    def recurrence_page(theme_id: str) -> None:
        repeated_national_learning(kb, theme_id, include_restricted=include_restricted)

    def briefing(theme_id: str) -> None:
        for passage_type in ("finding", "recommendation"):
            most_common(kb, theme_id, passage_type, limit=BRIEFING_POINTS,
                        include_restricted=include_restricted)

    # The register and the recurrence pages first (the slowest first visits), then briefings.
    steps = [register] + [lambda theme_id=theme_id, page=page: page(theme_id)
                          for page in (recurrence_page, briefing)
                          for theme_id in (theme_ids or kb.taxonomy.ids)]
    for step in steps:
        if stopped():
            return
        step()
    for step in steps:  # again, from the kept results: the least recently used are dropped first
        step()


class Warming:
    """The background thread warming one app's knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kb-warm", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        warmed = None
        while not self._stop.is_set():
            try:
                version = data_version(self._kb)
                if version != warmed:
                    warm(self._kb, stop=self._stop)
                    warmed = version
            except sqlite3.ProgrammingError:  # the knowledge base was closed: nothing to warm
                return
            except Exception:  # a warming failure must never stop the server
                log.exception("warming the knowledge base's slow answers failed")
            self._stop.wait(RECHECK_SECONDS)

    def stop(self, timeout: float = 120.0) -> None:
        """Stop after the step under way (before the knowledge base is closed)."""
        self._stop.set()
        self._thread.join(timeout)


def start_warming(app: Flask) -> Warming | None:
    """Warm in a background thread now and after every change of the data. Nothing is
    started when testing or with ``KB_WARM=no``."""
    if app.testing or os.environ.get("KB_WARM", "yes").strip().lower() in ("no", "0", "off"):
        return None
    warming = app.extensions[WARMING] = Warming(app.extensions[KB_EXTENSION])
    return warming
