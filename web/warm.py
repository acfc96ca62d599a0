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
from kb.search import SearchRequest
from kb.similarity import data_version
from web.knowledge import BRIEFING_POINTS, KB_EXTENSION

RECHECK_SECONDS = 30.0
WARMING = "kb_warming"  # the extension key of the event that stops warming  # how often the data is checked for changes to warm again

log = logging.getLogger(__name__)


def warm(kb: KnowledgeBase, stop: threading.Event | None = None,
         theme_ids: Sequence[str] | None = None) -> None:
    """Compute what the recommendations register's first page, each theme's recurrence page
    and each briefing need (every theme, or ``theme_ids``), for visitors who are not signed
    in; ``stop`` ends it between steps."""
    view = kb.for_reader(None)

    def stopped() -> bool:
        return stop is not None and stop.is_set()

    def register() -> None:
        view.prepare_made_before()
        for result in view.search_recommendations(SearchRequest()).results:
            view.made_before(result.passage, result.document)

    def recurrence_page(theme_id: str) -> None:
        view.repeated_national_learning(theme_id)

    def briefing(theme_id: str) -> None:
        for passage_type in ("finding", "recommendation"):
            view.most_common(theme_id, passage_type, limit=BRIEFING_POINTS)

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
