"""Long searches take turns, so a flood of them cannot crowd out everyone else's.

A search of many words costs many times a short one (each word is looked up in three
fields, with its synonyms and a proximity phrase per pair of neighbours), and a client
can send one after another as fast as they are answered. Every process serving a data
directory shares one turn for long searches (an ``flock`` on ``<data>/long-search.lock``):
a long search that finds the turn taken is refused at once with ``SearchBusy`` (the web
app answers 503, "try again in a moment") rather than queueing behind the others, so at
most one long search runs at a time and short ones keep their speed.
"""
from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kb.query import OPERATORS, WORD

#: A search of more words than this takes its turn (the sample queries have one to six).
LONG_QUERY_WORDS = 10


class SearchBusy(RuntimeError):
    """Another long search is running; the message says what to do."""


def is_long(text: str) -> bool:
    """Whether a query has more than ``LONG_QUERY_WORDS`` words (operators not counted)."""
    return sum(1 for word in WORD.findall(text) if word not in OPERATORS) > LONG_QUERY_WORDS


class LongSearchGate:
    """The one turn for long searches, shared by every thread and process of a data directory.

    Where the lock file cannot be made (a read-only data directory) the turn is shared by
    this process's threads only.
    """

    def __init__(self, lock_path: Path) -> None:
        self.lock_path = Path(lock_path)
        self._threads = threading.Lock()
        self._handle = None

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold the turn while the block runs; SearchBusy at once when it is taken."""
        if not self._threads.acquire(blocking=False):
            raise SearchBusy(_BUSY)
        try:
            handle = self._file()
            if handle is not None:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise SearchBusy(_BUSY) from None
            try:
                yield
            finally:
                if handle is not None:
                    fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _file(self):
        if self._handle is None:
            try:
                self._handle = open(self.lock_path, "a+")
            except OSError:
                return None
        return self._handle


_BUSY = (f"Searches of more than {LONG_QUERY_WORDS} words are answered one at a time, and one "
         "is running: try again in a moment, or search for fewer words.")
