"""`make run` serves with gunicorn (the production server), one command, Ctrl-C stops it."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60  # an upper bound for a loaded machine, never a measurement


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children(pid: int) -> list[int]:
    found = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                           text=True).stdout.split()
    return [int(child) for child in found]


@pytest.mark.skipif(not shutil.which("make"), reason="needs make")
def test_make_serve_runs_gunicorn_and_ctrl_c_stops_it(corpus_data: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(corpus_data, data)
    port = free_port()
    server = subprocess.Popen(
        ["make", "--no-print-directory", "serve", f"KB_DATA={data}", f"PORT={port}"], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        env={**os.environ, "KB_WARM": "no"})  # warming is tested in tests/web/test_warm.py
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/?q=father", timeout=5) as answer:
                    assert answer.status == 200
                    assert answer.headers["Server"].startswith("gunicorn")
                    assert "Results for" in answer.read().decode()
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.3)
        master = next(pid for pid in [server.pid] + children(server.pid)
                      if any(part.endswith("gunicorn") for part in
                             Path(f"/proc/{pid}/cmdline").read_text().split("\0")[:2]))
        while len(children(master)) < (os.cpu_count() or 1) + 1 and time.monotonic() < deadline:
            time.sleep(0.3)
        assert len(children(master)) == (os.cpu_count() or 1) + 1, "a worker per CPU, and one more"
        os.killpg(server.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's process group
        server.wait(timeout=WAIT_SECONDS)
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    assert "gunicorn workers; press Ctrl-C to stop" in server.stdout.read()
