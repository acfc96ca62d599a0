"""Turn folders of report files into knowledge-base records: the ``kb index`` run.

Files are hashed in the main process; new or changed ones are read, segmented
and tagged in worker processes (each with a time and memory limit); each
document is stored in its own SQLite transaction, and the search index is
brought up to date from the store's queue. A crash at any point leaves the
previous database and index usable, and the next run completes the work.
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kb.base import KnowledgeBase
from kb.lock import DataLock, IndexerBusy  # noqa: F401  (IndexerBusy: what ingest raises)
from kb.model import DocumentMeta, Passage, partly_read
from indexer.readers import SUPPORTED_SUFFIXES, ExtractionError, check_size, extract, unsupported
from indexer.metadata import (
    CatalogueError, catalogue_corrections, read_catalogue, resolve_metadata,
)
from indexer.segment import segment
from indexer.retag import retag_if_stale, stamp, tagger_for
from indexer.tag import Tagger
from indexer.workers import run_limited

CATALOGUE = "catalogue.csv"
log = logging.getLogger(__name__)
SYNC_EVERY = 50  # new documents stored between two commits of the search index


#: The reason given when the knowledge base itself fails on a file (its traceback is the detail).
FAULT = ("the knowledge base failed on this file (a fault to report, not a problem with the file); "
         "run again with --verbose to see the details")


@dataclass
class FileOutcome:
    path: str
    status: str  # new, updated, unchanged, failed, removed
    reason: str = ""
    pages: int = 0
    passages: int = 0
    warning: str = ""  # read, but not wholly: what is missing and what to do
    detail: str = ""   # a failure's technical cause (the reader library's message), for --verbose


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    seconds: float = 0.0
    retagged: int = 0  # stored passages tagged again because a new tagger is in force

    @property
    def counts(self) -> Counter:
        return Counter(outcome.status for outcome in self.outcomes)

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def warned(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.warning]

    @property
    def pages_read(self) -> int:
        return sum(o.pages for o in self.outcomes if o.status in ("new", "updated"))

    def summary(self) -> str:
        counts = self.counts
        line = ", ".join(f"{counts.get(status, 0)} {status}"
                         for status in ("new", "updated", "unchanged", "failed"))
        if counts.get("removed"):
            line += f", {counts['removed']} removed"
        if self.warned:
            line += f", {len(self.warned)} partly read"
        rate = f" ({self.pages_read / self.seconds:.1f} pages/s)" if self.pages_read and self.seconds else ""
        retagged = f"; {self.retagged} stored passages re-tagged by the new tagger" if self.retagged else ""
        return f"{line} in {self.seconds:.1f}s{rate}{retagged}"


@dataclass
class _Task:
    path: Path
    key: str
    content_hash: str
    catalogue_row: dict[str, str] | None
    status: str  # new or updated
    same_content: list[str] = field(default_factory=list)  # other paths seen with this content



@dataclass
class _ReadDocument:
    meta: DocumentMeta
    file_type: str
    page_count: int
    passages: list[Passage]
    pages_without_text: int = 0


class _Reader:
    """Reads, segments and tags one file; runs inside a worker process."""

    expected_errors = (ExtractionError,)

    def __init__(self, tagger: Tagger) -> None:
        self.tagger = tagger

    def __call__(self, task: _Task) -> _ReadDocument:
        extracted = extract(task.path)
        passages = segment(extracted.blocks)
        if not passages:
            raise ExtractionError("no text found in the file: it holds no words to index; check that "
                                  "it is the report")
        self.tagger.tag(passages)
        meta = resolve_metadata(task.path, extracted, task.catalogue_row)
        return _ReadDocument(meta=meta, file_type=extracted.file_type,
                             page_count=extracted.page_count, passages=passages,
                             pages_without_text=extracted.pages_without_text)


def discover(paths: Iterable[Path]) -> tuple[list[tuple[Path, Path]], list[FileOutcome]]:
    """Report files under ``paths`` as (file, folder whose catalogue applies), and unusable paths."""
    found: list[tuple[Path, Path]] = []
    problems: list[FileOutcome] = []
    for root in paths:
        root = Path(root)
        if root.is_file():
            found.append((root, root.parent))
        elif root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file() and not any(part.startswith(".") for part in path.relative_to(root).parts) \
                        and path.name != CATALOGUE:
                    found.append((path, path.parent))
        else:
            problems.append(FileOutcome(str(root), "failed", "no such file or folder"))
    return found, problems


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def ingest(kb: KnowledgeBase, paths: Iterable[Path], *, rebuild: bool = False, prune: bool = False,
           jobs: int = 1, timeout: float = 120.0,
           progress: Callable[[FileOutcome], None] | None = None,
           on_total: Callable[[int], None] | None = None) -> IngestReport:
    """Index report files under ``paths`` into ``kb``; returns what happened to each file.

    Unchanged files (same content hash) are skipped unless ``rebuild``; a changed
    file replaces its old passages; files gone from the folders are removed only
    with ``prune``. Raises IndexerBusy when another run holds the data directory.
    """
    started = time.monotonic()
    paths = [Path(p) for p in paths]
    report = IngestReport()
    notify = progress or (lambda outcome: None)
    with DataLock(kb.settings.data_dir):
        kb.sync_index()  # finish what an interrupted run left in the queue
        files, problems = discover(paths)
        report.outcomes += problems
        if on_total:
            on_total(len(files))
        tasks = _plan(kb, files, rebuild, report, notify)
        tagger = tagger_for(kb)
        # Tags made by another tagger (a new version, taxonomy or model): redo them (a rebuild
        # reads only the files it is given; documents read from elsewhere are re-tagged too).
        report.retagged = retag_if_stale(kb, tagger)
        _read_and_store(kb, tasks, tagger, jobs, timeout, report, notify)
        kb.store.set_tagger_state(stamp=stamp(tagger))
        if prune:
            _prune(kb, paths, {str(path.resolve()) for path, _ in files}, report)
        if rebuild:
            kb.rebuild_index()
        else:
            kb.sync_index()
        _drop_unused_originals(kb)
    report.seconds = time.monotonic() - started
    return report


def _plan(kb: KnowledgeBase, files: list[tuple[Path, Path]], rebuild: bool, report: IngestReport,
          notify: Callable[[FileOutcome], None]) -> list[_Task]:
    catalogues: dict[Path, dict[str, dict[str, str]]] = {}
    tasks: list[_Task] = []
    planned: dict[str, _Task] = {}
    for path, folder in files:
        if folder not in catalogues:
            try:
                catalogues[folder] = read_catalogue(folder)
            except CatalogueError as error:
                catalogues[folder] = {}
                outcome = FileOutcome(str(folder / CATALOGUE), "failed",
                                      f"catalogue not used: {error}")
                report.outcomes.append(outcome)
                notify(outcome)
        key = str(path.resolve())
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            outcome = FileOutcome(key, "failed", unsupported(path.suffix.lower()))
            report.outcomes.append(outcome)
            notify(outcome)
            continue
        try:
            check_size(path)  # before hashing: a huge file is refused without being read
            content_hash = _hash_file(path)
        except (ExtractionError, OSError) as error:
            reason = f"cannot be opened: {error.strerror or error}" if isinstance(error, OSError) \
                else str(error)
            outcome = FileOutcome(key, "failed", reason)
            report.outcomes.append(outcome)
            notify(outcome)
            continue
        known = kb.store.source_hash(key)
        if not rebuild:
            same_content = kb.store.document_id_for_hash(content_hash)
            if known == content_hash or same_content is not None:
                if known != content_hash:
                    kb.store.link_source(key, same_content, content_hash)
                outcome = FileOutcome(key, "unchanged")
                stored = kb.store.document(kb.store.document_id_for_hash(content_hash))
                corrected = catalogue_corrections(catalogues[folder].get(path.name), stored.meta)
                if corrected is not None:  # the file is the same, its catalogue row is not
                    kb.store.update_metadata(stored.id, corrected)
                    outcome = FileOutcome(key, "updated", reason="catalogue entry changed")
                report.outcomes.append(outcome)
                notify(outcome)
                continue
        if content_hash in planned:  # the same content twice in this run: read it once
            planned[content_hash].same_content.append(key)
            continue
        task = _Task(path=path, key=key, content_hash=content_hash,
                     catalogue_row=catalogues[folder].get(path.name),
                     status="new" if known is None else "updated")
        planned[content_hash] = task
        tasks.append(task)
    return tasks


def _read_and_store(kb: KnowledgeBase, tasks: list[_Task], tagger: Tagger, jobs: int, timeout: float,
                    report: IngestReport, notify: Callable[[FileOutcome], None]) -> None:
    if not tasks:
        return
    reader = _Reader(tagger)
    files_dir = kb.settings.files_dir
    files_dir.mkdir(parents=True, exist_ok=True)
    stored = 0
    for result in run_limited(reader, tasks, jobs=jobs, timeout=timeout):
        task: _Task = result.item
        if result.error is not None:
            reason, detail = (FAULT, result.error) if result.unexpected else (result.error, result.detail)
            if detail:
                log.info("%s: %s (%s)", task.key, reason, detail)
            outcome = FileOutcome(task.key, "failed", reason, detail=detail)
            report.outcomes.extend(FileOutcome(other, "failed", reason, detail=detail)
                                   for other in task.same_content)
        else:
            document: _ReadDocument = result.value
            _keep_original(task, files_dir)
            replaces = task.status == "updated" or \
                kb.store.document_id_for_hash(task.content_hash) is not None
            document_id = kb.store.save_document(
                task.key, task.content_hash, document.file_type, document.meta,
                document.page_count, document.passages,
                pages_without_text=document.pages_without_text)
            outcome = FileOutcome(task.key, task.status, pages=document.page_count,
                                  passages=len(document.passages),
                                  warning=partly_read(document.page_count, document.pages_without_text))
            for other_path in task.same_content:
                kb.store.link_source(other_path, document_id, task.content_hash)
                report.outcomes.append(FileOutcome(other_path, "unchanged"))
            stored += 1
            if replaces or stored % SYNC_EVERY == 0:
                kb.sync_index()  # a replaced document's old passages leave the index at once
        report.outcomes.append(outcome)
        notify(outcome)


def _keep_original(task: _Task, files_dir: Path) -> None:
    """Copy the original file into the data directory, named by its content hash."""
    target = files_dir / f"{task.content_hash}{task.path.suffix.lower()}"
    if not target.exists():
        temporary = target.with_suffix(target.suffix + ".part")
        shutil.copyfile(task.path, temporary)
        os.replace(temporary, target)


def _drop_unused_originals(kb: KnowledgeBase) -> None:
    """Delete kept copies of originals that no stored document holds any more (the old
    version of a revised file, a pruned report, a copy left half-made by a crash): a
    withdrawn report leaves nothing of itself in the data directory."""
    files_dir = kb.settings.files_dir
    if not files_dir.is_dir():
        return
    kept = kb.store.content_hashes()
    for path in files_dir.iterdir():
        if path.name.split(".", 1)[0] not in kept:
            path.unlink(missing_ok=True)


def _prune(kb: KnowledgeBase, roots: list[Path], present: set[str], report: IngestReport) -> None:
    folders = [str(root.resolve()) + os.sep for root in roots if root.is_dir()]
    for path in kb.store.source_paths():
        inside = any(path.startswith(folder) for folder in folders) or \
            any(path == str(root.resolve()) for root in roots)
        if inside and path not in present and kb.store.remove_source(path):
            report.outcomes.append(FileOutcome(path, "removed"))
