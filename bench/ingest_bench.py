"""End-to-end ingest (``indexer.ingest.ingest``): PDF pages per second with one and two
workers, and the re-index of an unchanged corpus."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench import ROOT
from bench.engines.kb_engine import settings_for
from kb.base import KnowledgeBase


def ingest_rate(folder: Path, data_dir: Path, themes: Path | None, jobs: int) -> dict:
    """Index ``folder`` into an empty data directory; pages, seconds and pages per second."""
    from indexer.ingest import ingest

    shutil.rmtree(data_dir, ignore_errors=True)
    with KnowledgeBase(settings_for(data_dir, themes)) as kb:
        report = ingest(kb, [folder], jobs=jobs)
    if report.failed:
        raise RuntimeError(f"{len(report.failed)} files failed, e.g. {report.failed[0]}")
    return {"jobs": jobs, "files": len(report.outcomes), "pages": report.pages_read,
            "seconds": round(report.seconds, 2),
            "pages_per_s": round(report.pages_read / report.seconds, 1)}


def reindex_unchanged(folder: Path, data_dir: Path, themes: Path | None) -> dict:
    """Index ``folder`` (once) and then again: the second run finds every file unchanged."""
    from indexer.ingest import ingest

    with KnowledgeBase(settings_for(data_dir, themes)) as kb:
        ingest(kb, [folder])
        report = ingest(kb, [folder])
    return {"files": len(report.outcomes), "unchanged": report.counts.get("unchanged", 0),
            "seconds": round(report.seconds, 3)}


def kb_command_seconds(arguments: list[str], data_dir: Path, themes: Path | None) -> float:
    """Wall-clock seconds of a ``kb`` command on a data directory, in a new process (as
    ``kb index FOLDER`` on an up-to-date corpus, or ``kb reindex``)."""
    command = [sys.executable, "-m", "cli", *arguments, "--data", str(data_dir)]
    if themes:
        command += ["--themes", str(themes)]
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return round(time.perf_counter() - started, 2)
