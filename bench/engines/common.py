"""What the engines share: the interface, passage numbering and the reading of query text."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Protocol

from bench.generate import GeneratedDocument
from kb.facets import FACETS as REGISTRY
from kb.query import STOP_WORDS

TOP = 10
SNIPPET_CHARS = 320
#: The facets every engine counts (the knowledge base's registry, by facet name).
FACETS = tuple(facet.name for facet in REGISTRY)
#: The generated passages' key holding each multi-valued facet.
MULTI_VALUED = {"theme": "themes", "age_group": "age_groups", "agency": "agencies"}
_PHRASE_OR_WORD = re.compile(r'"([^"]*)"|([\w\']+)')
_WORD = re.compile(r"\w+")


class Engine(Protocol):
    """An engine loaded with one corpus."""

    name: str

    def build(self, documents: Iterable[GeneratedDocument]) -> int:
        """Index the corpus; returns the passage count."""

    def search(self, params: dict) -> int:
        """Run one query in full (total, all facets, top 10 with snippets); returns the total."""

    def close(self) -> None:
        """Release files and memory."""


def numbered(documents: Iterable[GeneratedDocument]) -> Iterator[tuple[int, int, GeneratedDocument, dict]]:
    """(passage id, document id, document, passage), ids counting from 1."""
    passage_id = 0
    for document_id, document in enumerate(documents, start=1):
        for passage in document.passages:
            passage_id += 1
            yield passage_id, document_id, document, passage


def facet_values(document: GeneratedDocument, passage: dict) -> dict[str, list[str]]:
    """A passage's value(s) of every facet, as strings."""
    values = {"scope": [document.scope], "kind": [document.kind], "year": [str(document.year)],
              "publisher": [document.publisher], "passage_type": [passage["passage_type"]]}
    for facet, key in MULTI_VALUED.items():
        values[facet] = list(passage[key])
    return values


def query_terms(text: str) -> list[list[str]]:
    """The query's terms: each a word or a quoted phrase (as a list of words).

    This mirrors the knowledge base's parsing: the terms are OR-ed and single stop words
    (the knowledge base's list) dropped; phrases keep theirs, as both reference engines index them.
    """
    terms = []
    for phrase, word in _PHRASE_OR_WORD.findall(text):
        words = _WORD.findall((phrase or word).lower())
        if phrase and len(words) > 1:
            terms.append(words)
        else:
            terms += [[w] for w in words if w not in STOP_WORDS]
    return terms
