"""Fixtures for the core: a real SQLite store in a temporary data directory, and passages to fill it."""
from __future__ import annotations

from pathlib import Path

import pytest

from kb.model import DocumentMeta, Passage
from kb.settings import ENGINES
from kb.store import Store


@pytest.fixture(params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    """Each search engine in turn: tests taking it run once per engine."""
    return request.param


def make_passages(*texts: str, themes: list[list[str]] | None = None, **fields) -> list[Passage]:
    """Passages with the given texts (and themes), numbered in order."""
    passages = []
    for seq, text in enumerate(texts):
        passage = Passage(seq=seq, text=text, page_start=seq + 1, page_end=seq + 1,
                          heading_path=["1. Findings"], **fields)
        if themes:
            passage.themes = list(themes[seq])
            passage.theme_scores = {t: 1.0 for t in passage.themes}
            passage.evidence = {t: [t] for t in passage.themes}
        passages.append(passage)
    return passages


def meta(title: str = "Review", year: int = 2021, scope: str = "local", kind: str = "cspr",
         publisher: str = "Northmoor Safeguarding Children Partnership",
         restricted: bool = False) -> DocumentMeta:
    return DocumentMeta(title=title, publisher=publisher, year=year, kind=kind, scope=scope,
                        restricted=restricted)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "kb.sqlite3") as opened:
        yield opened
