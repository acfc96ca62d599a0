"""The `kb` command run as a person runs it: a mistake or a problem with the disk is one
line saying what is wrong (exit status 2 for a usage error, 1 otherwise), never a
traceback; text from documents reaches the terminal without control characters."""
from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

ESCAPES = "\x1b[31m\x1b[2J"  # red text, then the screen cleared


def kb(*argv: str, env: dict | None = None, user: int | None = None, **options
       ) -> subprocess.CompletedProcess:
    """``kb ARGV`` in its own process (as ``user``, a uid, when given)."""
    command = [sys.executable, "-m", "cli", *argv]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})}, **options)


def one_line_error(ran: subprocess.CompletedProcess, status: int, *words: str) -> None:
    assert ran.returncode == status, (ran.returncode, ran.stderr)
    assert ran.stderr.count("\n") == 1 and "Traceback" not in ran.stderr, ran.stderr
    for word in words:
        assert word in ran.stderr, ran.stderr


def test_a_data_directory_that_is_a_file(tmp_path: Path) -> None:
    file = tmp_path / "data"
    file.write_text("not a directory")
    for argv in (["stats"], ["search", "father"], ["index", str(tmp_path)]):
        one_line_error(kb(*argv, env={"KB_DATA": str(file)}), 2, "is a file, not a directory")


@pytest.mark.parametrize(("argv", "words"), [
    (["index", "x", "--jobs", "0"], ["--jobs", "at least 1"]),
    (["index", "x", "--jobs", "-1"], ["--jobs", "at least 1"]),
    (["index", "x", "--timeout", "0"], ["--timeout", "above 0"]),
    (["index", "x", "--timeout", "-5"], ["--timeout", "above 0"]),
    (["index", "x", "--timeout", "nan"], ["--timeout", "above 0"]),
    (["trends", "--year-from", "99999999999999999999999"], ["--year-from", "0 to 9999"]),
    (["search", "father", "--year-to", "-3"], ["--year-to"]),
    (["serve", "--base-url", "ftp://kb"], ["base URL"]),
])
def test_usage_errors(tmp_path: Path, argv: list[str], words: list[str]) -> None:
    one_line_error(kb(*argv, "--data", str(tmp_path / "data")), 2, *words)


def test_export_to_a_missing_directory_or_to_a_directory(corpus_data: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(corpus_data, data)
    from kb.base import KnowledgeBase
    from kb.collection import add_passage, create_collection
    from kb.settings import Settings
    with KnowledgeBase(Settings(data_dir=data)) as knowledge:
        passage = knowledge.store.passages()[0]
        add_passage(knowledge.store, create_collection(knowledge.store, "Pack"), passage,
                    knowledge.store.document(passage.document_id))
    for target, words in ((tmp_path / "missing" / "pack.md", ["no directory"]),
                          (tmp_path, ["is a directory"])):
        one_line_error(kb("export", "Pack", "--format", "md", "-o", str(target), "--data", str(data)),
                       2, *words)
    assert kb("export", "Pack", "--format", "md", "-o", str(tmp_path / "pack.md"),
              "--data", str(data)).returncode == 0


def test_eval_themes_on_a_file_that_is_not_json_lines(tmp_path: Path) -> None:
    text = tmp_path / "notes.jsonl"
    text.write_text("These are notes, not labelled passages.\n")
    one_line_error(kb("eval", "themes", str(text), "--data", str(tmp_path / "data")), 2,
                   "not JSON lines", "line 1")
    listed = tmp_path / "list.jsonl"
    listed.write_text('["a", "list"]\n')
    one_line_error(kb("eval", "themes", str(listed), "--data", str(tmp_path / "data")), 2,
                   "line 1 is not an object")


@pytest.fixture
def read_only_data(corpus_data: Path) -> Iterator[Path]:
    """The indexed sample corpus in a directory nobody but root may write."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv, to run kb as another user")
    holder = Path(tempfile.mkdtemp(prefix="kb-read-only-"))
    data = holder / "data"
    shutil.copytree(corpus_data, data)
    for path in [data, *data.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    holder.chmod(0o755)
    yield data
    for path in [data, *data.rglob("*")]:
        path.chmod(stat.S_IRWXU)
    shutil.rmtree(holder)


NOBODY = 65534


def test_a_read_only_data_directory(read_only_data: Path) -> None:
    env = {"KB_DATA": str(read_only_data)}
    searched = kb("search", "father", "--limit", "1", env=env, user=NOBODY)
    assert searched.returncode == 0 and "passages" in searched.stdout, searched.stderr
    assert kb("stats", env=env, user=NOBODY).returncode == 0
    for argv in (["index", str(ROOT / "corpus")], ["reindex"], ["restrict", "1"],
                 ["users", "add", "someone"]):
        one_line_error(kb(*argv, env=env, user=NOBODY), 2, "read-only", f"kb {argv[0]}")
    one_line_error(kb("serve", env=env, user=NOBODY), 2, "read-only", "KB_SECRET_KEY")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable,
         "-m", "cli", "serve", "--port", str(port), "--insecure-cookies"], cwd=ROOT,
        env={**os.environ, **env, "KB_SECRET_KEY": "read-only test"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=father") as found:
                    assert found.status == 200 and b'"total"' in found.read()
                    break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "the server ran"
                time.sleep(0.3)
        browser = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        form = browser.open(f"http://127.0.0.1:{port}/sign-in").read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        with pytest.raises(urllib.error.HTTPError) as refused:
            browser.open(f"http://127.0.0.1:{port}/sign-in", data=urllib.parse.urlencode(
                {"csrf_token": token, "username": "someone", "password": "x" * 12}).encode())
        assert refused.value.code == 503 and b"read-only" in refused.value.read()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_text_from_documents_reaches_the_terminal_without_control_characters(
        tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "2024-review.md").write_text("# Findings\n\n" + "The grandmother was not asked "
        "about the bruising seen at nursery, and no one followed it up with the family. " * 8)
    (reports / "catalogue.csv").write_text(  # a title as a spreadsheet may hold it
        "file,title,publisher,year,kind,scope,restricted\n"
        f"2024-review.md,Review of Child Q{ESCAPES},Kestrel Partnership,2024,cspr,local,no\n")
    data = str(tmp_path / "data")
    assert kb("index", str(reports), "--data", data).returncode == 0
    searched = kb("search", "grandmother", "--data", data)
    assert searched.returncode == 0 and "Review of Child Q" in searched.stdout
    assert "\x1b" not in searched.stdout
    stats = kb("stats", "--data", data)
    assert stats.returncode == 0 and "\x1b" not in stats.stdout
