"""Crash safety for real: ``kb index`` run as a process and killed with SIGKILL at several
moments (tests/indexer/crash.py), then the previous database and index are checked, served
and searched, and the next run must finish everything. Searches go on answering while the
index is rebuilt and extended by other processes."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.ingest import ingest
from kb.base import KnowledgeBase
from kb.search import SearchRequest
from kb.settings import Settings
from tests.conftest import CORPUS, ROOT
from tests.web.conftest import close_app, make_app

FIRST = ("2020-calder-vale-rapid-review-child-k.pdf", "2024-northmoor-rapid-review-child-s.pdf")
LATER = ("2017-northmoor-scr-baby-t.pdf", "2022-westbridge-7-minute-briefing-fathers.md",
         "2024-ashby-cspr-child-p.pdf", "2025-ashby-cspr-baby-o.pdf")
QUERY = "father"
KILLED = -signal.SIGKILL


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the first two reports, indexed; copied by each test."""
    folder = tmp_path_factory.mktemp("first") / "reports"
    folder.mkdir()
    for name in FIRST:
        shutil.copy(CORPUS / name, folder / name)
    data = tmp_path_factory.mktemp("first-data") / "data"
    with KnowledgeBase(Settings(data_dir=data)) as kb:
        assert not ingest(kb, [folder]).failed
    return data


@pytest.fixture
def data(first_run: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(first_run, copy)
    return copy


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    """The first two reports and four more: what the killed run is asked to index."""
    folder = tmp_path / "reports"
    folder.mkdir()
    for name in FIRST + LATER:
        shutil.copy(CORPUS / name, folder / name)
    return folder


def kb_command(*argv: str, kill_at: str = "", **options) -> subprocess.Popen:
    """``kb ARGV`` in its own process, to be killed at ``kill_at`` (see crash.py)."""
    env = dict(os.environ, KB_TEST_KILL_AT=kill_at)
    return subprocess.Popen([sys.executable, "-m", "tests.indexer.crash", *argv], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **options)


def run_killed(kill_at: str, *argv: str) -> None:
    process = kb_command(*argv, kill_at=kill_at)
    # Returns only once every process holding its output has ended: its workers too, which
    # must not outlive it.
    out, err = process.communicate(timeout=120)
    assert process.returncode == KILLED, (kill_at, process.returncode, out, err)


def state(data: Path) -> dict:
    """What a reader of the data directory finds: stored and indexed passages, search answers."""
    with KnowledgeBase(Settings(data_dir=data)) as kb:
        assert kb.store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        adding, deleting = kb.store.pending_index_changes()
        return {
            "documents": {d.filename for d in kb.store.documents()},
            "stored": {p.id for p in kb.store.passages()},
            "indexed": kb.indexed_passage_ids(),
            "adding": set(adding), "deleting": set(deleting),
            "generation": kb.engine.generation(),
            "found": {r.passage.id for r in kb.search(SearchRequest(q=QUERY, per_page=100)).results},
            "total": kb.search(SearchRequest(q=QUERY)).total,
        }


def assert_previous_still_served(data: Path, before: dict, replacing: bool = False) -> dict:
    """The killed run left the previous database and index usable, searchable and served.

    The index is the store but for what the queue says: a sync (the next run's first step)
    brings them level. Unless the run was ``replacing`` documents (``--rebuild``), nothing
    from before is gone.
    """
    after = state(data)
    assert after["indexed"] - after["stored"] <= after["deleting"]
    assert after["stored"] - after["indexed"] <= after["adding"]
    assert before["documents"] <= after["documents"]
    if not replacing:
        assert before["stored"] <= after["stored"] and before["indexed"] <= after["indexed"]
        assert after["total"] >= before["total"]
    assert after["generation"] is not None and after["found"]
    # Passages the killed run deleted from SQLite and not yet from the index are not counted.
    assert after["total"] == len(after["found"]) < 100
    app = make_app(data)
    try:
        client = app.test_client()
        assert client.get("/", query_string={"q": QUERY}).status_code == 200
        found = client.get("/api/search", query_string={"q": QUERY}).get_json()
        assert found["total"] == after["total"] and found["results"]
        document = found["results"][0]["document_id"]
        assert client.get(f"/documents/{document}").status_code == 200
    finally:
        close_app(app)
    return after


def assert_next_run_finishes(data: Path, reports: Path) -> None:
    with KnowledgeBase(Settings(data_dir=data)) as kb:
        report = ingest(kb, [reports])
        assert not report.failed, report.failed
    done = state(data)
    assert done["documents"] == set(FIRST + LATER)
    assert done["indexed"] == done["stored"], "everything stored is indexed"
    with KnowledgeBase(Settings(data_dir=data)) as kb:
        for document in kb.store.documents():
            assert kb.store.passages(document_id=document.id), document.filename
        titles = kb.search(SearchRequest(q="Baby T", kind=("scr",))).results
        assert titles and titles[0].document.filename == "2017-northmoor-scr-baby-t.pdf"


#: Kill points inside one engine's commit, by engine.
ENGINE_ONLY = {"segment": "whoosh", "toc": "whoosh", "cleanup": "whoosh", "commit": "tantivy"}


@pytest.mark.parametrize("kill_at", [
    "stored:1",    # one new document committed to SQLite, nothing of it in the index
    "stored:3",    # several stored, the index not yet told
    "passage:7",   # in the middle of a document's transaction
    "segment:1",   # in the middle of the index commit
    "toc:1",       # index segment written, its table of contents not
    "cleanup:1",   # index committed, old files left
    "commit:1",    # the open passages' index committed, the index of everything not
    "queue:1",     # index committed, the queue in SQLite not cleared
])
def test_kill_during_kb_index(data: Path, reports: Path, kill_at: str) -> None:
    engine = ENGINE_ONLY.get(kill_at.partition(":")[0])
    if engine and engine != Settings().engine:
        pytest.skip(f"a moment inside {engine}'s commit (KB_ENGINE={engine} runs it)")
    before = state(data)
    run_killed(kill_at, "index", str(reports), "--data", str(data))
    after = assert_previous_still_served(data, before)
    if kill_at.startswith(("stored", "passage")):
        assert after["indexed"] == before["indexed"], "the index is untouched before the sync"
    assert_next_run_finishes(data, reports)


@pytest.mark.parametrize(("kill_at", "argv"), [
    ("stored:4", ["index", "REPORTS", "--rebuild"]),    # re-reading: old documents replaced
    ("rebuild:100", ["index", "REPORTS", "--rebuild"]),  # writing a fresh index generation
    ("switch:1", ["index", "REPORTS", "--rebuild"]),    # a fresh generation ready, not in use
    ("rebuild:20", ["reindex"]),
])
def test_kill_during_a_rebuild_keeps_the_previous_generation(
        data: Path, reports: Path, kill_at: str, argv: list[str]) -> None:
    before = state(data)
    run_killed(kill_at, *[str(reports) if a == "REPORTS" else a for a in argv], "--data", str(data))
    after = assert_previous_still_served(data, before, replacing=True)
    assert after["generation"] == before["generation"], "still the previous generation"
    assert_next_run_finishes(data, reports)


def test_kill_from_outside_at_an_unplanned_moment(data: Path, reports: Path) -> None:
    before = state(data)
    process = kb_command("index", str(reports), "--data", str(data), "--jobs", "2")
    for line in process.stdout:
        if line.startswith("stored 2"):
            process.send_signal(signal.SIGKILL)  # kill -9, wherever it has got to
            break
    process.communicate(timeout=60)
    assert process.returncode == KILLED
    assert_previous_still_served(data, before)
    assert_next_run_finishes(data, reports)


# -- searching while others write -------------------------------------------------------------
@pytest.fixture
def searching(data: Path) -> Iterator[dict]:
    """Four threads searching the served app without pause until told to stop."""
    app = make_app(data)
    seen: dict = {"answers": 0, "failures": [], "totals": set(), "stop": threading.Event()}

    def search() -> None:
        client = app.test_client()
        while not seen["stop"].is_set():
            for address in (f"/api/search?q={QUERY}", f"/?q={QUERY}&scope=local", "/themes"):
                try:
                    response = client.get(address)
                except Exception as error:  # noqa: BLE001  (recorded, and the test fails)
                    seen["failures"].append((address, repr(error)))
                    return
                if response.status_code != 200:
                    seen["failures"].append((address, response.status_code))
                elif address.startswith("/api/"):
                    seen["totals"].add(response.get_json()["total"])
                seen["answers"] += 1
    threads = [threading.Thread(target=search) for _ in range(4)]
    for thread in threads:
        thread.start()
    yield seen
    seen["stop"].set()
    for thread in threads:
        thread.join()
    close_app(app)


def test_searches_keep_answering_while_the_index_is_rebuilt(data: Path, searching: dict) -> None:
    total = state(data)["total"]
    time.sleep(0.2)
    for _ in range(3):
        process = kb_command("reindex", "--data", str(data))
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    answers = searching["answers"]
    time.sleep(0.3)  # and after the last switch
    assert searching["failures"] == [] and searching["answers"] > answers > 20
    assert searching["totals"] == {total}, "every answer complete, none from a half-built index"


def test_searches_keep_answering_while_reports_are_added(data: Path, reports: Path,
                                                         searching: dict) -> None:
    before = state(data)["total"]
    process = kb_command("index", str(reports), "--data", str(data))
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    time.sleep(0.3)
    after = state(data)["total"]
    assert searching["failures"] == [] and searching["answers"] > 20
    assert before in searching["totals"] and after in searching["totals"]
    assert all(before <= total <= after for total in searching["totals"])


def test_after_a_kill_during_a_rebuild_totals_are_the_rows_a_search_returns(
        data: Path, reports: Path) -> None:
    """`kill -9` after a re-read document's commit, before the index drops its old passages:
    until the next run, `kb search` and the API count only passages they can return."""
    run_killed("stored:1", "index", str(reports), "--rebuild", "--jobs", "2", "--data", str(data))
    searched = subprocess.run(
        [sys.executable, "-m", "cli", "search", QUERY, "--json", "--limit", "100",
         "--data", str(data)], cwd=ROOT, capture_output=True, text=True, check=True)
    found = json.loads(searched.stdout)
    assert found["total"] == len(found["results"]) > 0
    assert sum(v["count"] for v in found["facets"]["scope"]) == found["total"]
    app = make_app(data)
    try:
        answer = app.test_client().get("/api/search", query_string={"q": QUERY, "per_page": 100})
        page = answer.get_json()
        assert page["total"] == len(page["results"]) == found["total"]
    finally:
        close_app(app)
