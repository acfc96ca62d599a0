"""Shared fixtures: the sample corpus indexed once per test session, with the real indexer."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kb.base import KnowledgeBase
from kb.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"

# Apps made as served (TESTING off) warm their caches in the background: not in tests, but
# for tests/web/test_warm.py, which turns it on.
os.environ.setdefault("KB_WARM", "no")


@pytest.fixture(scope="session")
def corpus_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the whole sample corpus, indexed once. Do not write to it."""
    from indexer.ingest import ingest

    data_dir = tmp_path_factory.mktemp("corpus-data")
    with KnowledgeBase(Settings(data_dir=data_dir)) as kb:
        report = ingest(kb, [CORPUS])
    assert not report.failed, report.failed
    return data_dir


@pytest.fixture
def corpus_kb(corpus_data: Path) -> KnowledgeBase:
    """The indexed sample corpus, read-only."""
    with KnowledgeBase(Settings(data_dir=corpus_data)) as kb:
        yield kb


@pytest.fixture
def writable_corpus_data(corpus_data: Path, tmp_path: Path) -> Path:
    """A private copy of the indexed sample corpus that a test may change."""
    copy = tmp_path / "data"
    shutil.copytree(corpus_data, copy)
    return copy
