"""One writer at a time: an exclusive lock on the data directory.

Everything that changes the search index holds it: ``kb index``, ``kb reindex``,
``kb retag``, ``kb restrict``, ``kb curate`` and the web app's curation and
restriction forms. It is an ``flock`` on ``<data>/index.lock``, so the
operating system lets go of it when its holder dies, even by ``kill -9``.
"""
from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

LOCK_FILE = "index.lock"
POLL_SECONDS = 0.1


class IndexerBusy(RuntimeError):
    """Another process is changing the knowledge base; the message says which and what to do."""


class DataLock:
    """An exclusive lock on a data directory, as a context manager.

    ``wait`` is how many seconds to keep trying before giving up with IndexerBusy
    (0: give up at once).
    """

    def __init__(self, data_dir: Path, wait: float = 0.0) -> None:
        self.path = Path(data_dir) / LOCK_FILE
        self.wait = wait

    def __enter__(self) -> "DataLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a+")
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self.handle.seek(0)
                    holder = self.handle.read().strip() or "another process"
                    self.handle.close()
                    raise IndexerBusy(
                        f"another indexer ({holder}) is already working on {self.path.parent}; "
                        "wait for it to finish and run again") from None
                time.sleep(POLL_SECONDS)
        self.handle.truncate(0)
        self.handle.write(f"pid {os.getpid()}")
        self.handle.flush()
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.truncate(0)
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()
