"""The web app in its own process (``kb serve``, Werkzeug's threaded server, the match cache
off) on a free loopback port, searched over HTTP through ``/api/search``."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from bench import ROOT
from bench.engines.common import TOP

STARTUP_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A running ``kb serve``; use as a context manager."""

    def __init__(self, data_dir: Path, themes: Path | None = None, engine: str = "tantivy") -> None:
        self.port = _free_port()
        self.engine = engine
        self.command = [sys.executable, "-m", "cli", "serve", "--data", str(data_dir),
                        "--host", "127.0.0.1", "--port", str(self.port)]
        if themes:  # options after the command: the command's own defaults would win
            self.command += ["--themes", str(themes)]
        self.process: subprocess.Popen | None = None
        self.ready_seconds = 0.0

    def __enter__(self) -> "Server":
        started = time.perf_counter()
        self.process = subprocess.Popen(self.command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL,
                                        env={**os.environ, "KB_SEARCH_CACHE_MB": "0",
                                             "KB_ENGINE": self.engine})
        while True:
            try:
                self.get({"q": "child"})
                break
            except (urllib.error.URLError, ConnectionError):
                if self.process.poll() is not None or time.perf_counter() - started > STARTUP_SECONDS:
                    raise RuntimeError(f"the server did not start: {' '.join(self.command)}")
                time.sleep(0.2)
        self.ready_seconds = time.perf_counter() - started
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    @property
    def pid(self) -> int:
        return self.process.pid

    def get(self, params: dict) -> bytes:
        """The body of ``/api/search`` for the query (the top ``TOP`` results)."""
        url = f"http://127.0.0.1:{self.port}/api/search?" + urlencode(
            {**params, "per_page": TOP}, doseq=True)
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.read()
