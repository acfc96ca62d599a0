"""Indexing folders of reports end to end: incremental runs, pruning, bad files, locking."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer.ingest import IndexerBusy, ingest
from kb.lock import DataLock
from kb.base import KnowledgeBase
from kb.search import SearchRequest
from kb.settings import Settings
from tests.conftest import CORPUS


def _small_folder(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    for name in names:
        shutil.copy(CORPUS / name, folder / name)
    return folder


PDF_A = "2020-calder-vale-rapid-review-child-k.pdf"
PDF_B = "2024-northmoor-rapid-review-child-s.pdf"


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    with KnowledgeBase(Settings(data_dir=tmp_path / "data")) as opened:
        yield opened


def test_the_whole_sample_corpus_is_indexed_with_pages_and_themes(corpus_kb: KnowledgeBase) -> None:
    documents = corpus_kb.store.documents()
    assert len(documents) == len([p for p in CORPUS.iterdir() if p.name != "catalogue.csv"])
    assert {d.file_type for d in documents} >= {"pdf", "md", "html", "docx"}
    passages = corpus_kb.store.passages()
    pdf_ids = {d.id for d in documents if d.file_type == "pdf"}
    assert all(p.page_start for p in passages if p.document_id in pdf_ids)
    assert sum(1 for p in passages if p.themes) > len(passages) / 2
    assert corpus_kb.indexed_passage_ids() == {p.id for p in passages}


def test_second_run_reports_everything_unchanged(corpus_data: Path) -> None:
    with KnowledgeBase(Settings(data_dir=corpus_data)) as kb:
        before = kb.store.passage_count()
        report = ingest(kb, [CORPUS])
        assert report.counts["unchanged"] == len(report.outcomes) and not report.failed
        assert kb.store.passage_count() == before


def test_changed_file_is_read_again_and_replaces_its_passages(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = _small_folder(tmp_path, PDF_A)
    ingest(kb, [folder])
    shutil.copy(CORPUS / PDF_B, folder / PDF_A)  # same name, new content
    report = ingest(kb, [folder])
    assert report.counts["updated"] == 1
    assert len(kb.store.documents()) == 1
    hits = kb.search(SearchRequest(q="Child S"))
    assert hits.total > 0
    assert all("Child K" not in r.passage.text for r in kb.search(SearchRequest(q="Child K")).results)


def test_a_corrected_catalogue_entry_is_taken_without_reading_the_file_again(
        kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = _small_folder(tmp_path, PDF_A)
    header = "file,title,publisher,year,kind,scope,restricted\n"
    catalogue = folder / "catalogue.csv"
    catalogue.write_text(header + f"{PDF_A},Rapid review K,Calder Vale Partnership,2020,"
                                  "rapid-review,local,no\n")
    ingest(kb, [folder])
    catalogue.write_text(header + f"{PDF_A},Rapid review: Child K (corrected),,2021,,,yes\n")
    report = ingest(kb, [folder])
    assert report.counts["updated"] == 1 and report.outcomes[0].reason == "catalogue entry changed"
    meta = kb.store.documents()[0].meta
    assert (meta.title, meta.publisher, meta.year, meta.restricted) == (
        "Rapid review: Child K (corrected)", "Calder Vale Partnership", 2021, True)
    assert kb.search(SearchRequest(q="Child K")).total == 0  # restricted: hidden at once
    found = kb.search(SearchRequest.from_params({"q": "corrected", "year": "2021"}),
                      include_restricted=True)
    assert found.total > 0  # the title and year reached the index
    # A row that no longer says "yes" does not lift the restriction; nothing else changed.
    catalogue.write_text(header + f"{PDF_A},Rapid review: Child K (corrected),,2021,,,no\n")
    assert ingest(kb, [folder]).counts["unchanged"] == 1
    assert kb.store.documents()[0].meta.restricted


def test_removed_files_go_only_with_prune(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = _small_folder(tmp_path, PDF_A, PDF_B)
    ingest(kb, [folder])
    (folder / PDF_B).unlink()
    ingest(kb, [folder])
    assert len(kb.store.documents()) == 2
    report = ingest(kb, [folder], prune=True)
    assert report.counts["removed"] == 1
    assert [d.filename for d in kb.store.documents()] == [PDF_A]
    assert kb.indexed_passage_ids() == {p.id for p in kb.store.passages()}


def test_same_content_under_two_paths_is_one_document(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = _small_folder(tmp_path, PDF_A)
    shutil.copy(folder / PDF_A, folder / "copy-of-child-k.pdf")
    report = ingest(kb, [folder])
    assert report.counts["new"] == 1 and report.counts["unchanged"] == 1
    assert len(kb.store.documents()) == 1


def test_bad_files_are_reported_and_the_run_goes_on(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = _small_folder(tmp_path, PDF_A)
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "fake.pdf").write_text("this is not a PDF")
    (folder / "half.pdf").write_bytes((CORPUS / PDF_B).read_bytes()[:4000])
    (folder / "notes.xyz").write_text("unknown")
    ingest(kb, [folder])
    report = ingest(kb, [folder])
    reasons = {Path(o.path).name: o.reason for o in report.failed}
    assert set(reasons) == {"empty.pdf", "fake.pdf", "half.pdf", "notes.xyz"}
    assert "empty" in reasons["empty.pdf"]
    assert "not a PDF" in reasons["fake.pdf"]
    assert reasons["notes.xyz"].startswith("unsupported file type .xyz: the knowledge base reads PDF")
    assert all(o.path.startswith(str(folder.resolve())) for o in report.failed)
    assert [d.filename for d in kb.store.documents()] == [PDF_A], "the good file is kept"


def test_a_second_indexer_is_refused_with_a_clear_message(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = _small_folder(tmp_path, PDF_A)
    with DataLock(kb.settings.data_dir):
        with pytest.raises(IndexerBusy, match="already working on"):
            ingest(kb, [folder])
    assert ingest(kb, [folder]).counts["new"] == 1


def test_index_is_rebuilt_from_sqlite_alone(writable_corpus_data: Path) -> None:
    with KnowledgeBase(Settings(data_dir=writable_corpus_data)) as kb:
        request = SearchRequest(q="father not seen by the health visitor")
        before = [r.passage.id for r in kb.search(request).results]
        shutil.rmtree(writable_corpus_data / "index")
        assert kb.search(request).total == 0
        kb.rebuild_index()
        assert [r.passage.id for r in kb.search(request).results] == before


def test_interrupted_run_leaves_queue_that_next_run_finishes(kb: KnowledgeBase, tmp_path: Path) -> None:
    """Documents stored in SQLite but not yet in the index reach it on the next run."""
    folder = _small_folder(tmp_path, PDF_A)
    ingest(kb, [folder])
    shutil.copy(CORPUS / PDF_B, folder / PDF_B)
    # Store the second document as a crashed run would have: in SQLite, queued, not indexed.
    from indexer.ingest import _hash_file, _Reader, _Task
    from indexer.tag import Tagger
    path = folder / PDF_B
    task = _Task(path=path, key=str(path.resolve()), content_hash=_hash_file(path),
                 catalogue_row=None, status="new")
    read = _Reader(Tagger(kb.taxonomy))(task)
    kb.store.save_document(task.key, task.content_hash, read.file_type, read.meta,
                           read.page_count, read.passages)
    stored = {p.id for p in kb.store.passages()}
    assert kb.indexed_passage_ids() < stored
    report = ingest(kb, [folder])
    assert report.counts["unchanged"] == 2
    assert kb.indexed_passage_ids() == stored
