"""The sample corpus's catalogue (corpus/catalogue.csv), read independently of the indexer."""
from __future__ import annotations

import csv
from dataclasses import dataclass

from kb.base import KnowledgeBase
from kb.model import Document
from tests.conftest import CORPUS


@dataclass(frozen=True)
class Entry:
    file: str
    title: str
    publisher: str
    year: int
    kind: str
    scope: str


def catalogue() -> dict[str, Entry]:
    """Catalogue entries by file name."""
    with open(CORPUS / "catalogue.csv", newline="", encoding="utf-8") as handle:
        return {row["file"]: Entry(row["file"], row["title"], row["publisher"], int(row["year"]),
                                   row["kind"], row["scope"])
                for row in csv.DictReader(handle)}


def catalogued_documents(kb: KnowledgeBase) -> list[tuple[Document, Entry]]:
    """Every stored document with its catalogue entry (found by file name)."""
    entries = catalogue()
    found = [(document, entries[document.filename]) for document in kb.store.documents()]
    assert len(found) == len(entries), "every catalogued file is indexed"
    return found
