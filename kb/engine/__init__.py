"""The search engine contract: what ``kb`` asks of an engine, in types ``kb`` owns.

An engine indexes ``IndexedPassage`` records (built here from the store's passages and
documents, text already folded), answers ``EngineRequest``\\ s with ``EngineResults`` and
says which words it knows. No engine type, query object, document number or private
attribute crosses this contract: queries are ``kb.query`` trees, hits are passage ids with
scores, and snippets are made by ``kb.snippets`` from the stored text.

Access: an engine keeps what anonymous visitors search apart from restricted passages, so
that their answers (totals, scores, order, suggestions, similar passages) are those of a
knowledge base that never held a restricted report, while ``include_restricted`` gives
exactly what one index of everything gives.

Generations: ``rebuild`` writes a new generation and switches to it only when complete; a
crash at any point leaves the previous one searchable.
"""
from __future__ import annotations

import os

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from kb.facets import passage_facets
from kb.model import Document, Passage
from kb.query import ParsedQuery
from kb.ranking import is_reference_matter
from kb.settings import ENGINES
from kb.text import fold



@dataclass(frozen=True)
class IndexedPassage:
    """One passage as engines index it."""

    passage_id: int
    document_id: int
    text: str  # folded (typographic quotes as ASCII, offsets kept): searched, not stored
    heading: str
    title: str
    year: int
    facets: dict[str, list[str]]  # every facet of kb.facets, values as strings
    restricted: bool
    reference: bool  # reference matter (glossary, contents...): ranked lower

    @classmethod
    def of(cls, passage: Passage, document: Document) -> "IndexedPassage":
        meta = document.meta
        return cls(passage_id=int(passage.id), document_id=int(document.id),
                   text=_fold(passage.text), heading=_fold(" / ".join(passage.heading_path)),
                   title=_fold(meta.title), year=int(meta.year or 0),
                   facets=passage_facets(passage, document), restricted=bool(meta.restricted),
                   reference=is_reference_matter(passage.heading_path))


def switch_generation(pointer: Path, directory: Path) -> None:
    """Make the file ``pointer`` name ``directory`` (a generation), atomically and durably:
    a crash leaves it naming either the old generation or the new one."""
    temporary = pointer.with_name(pointer.name + ".tmp")
    temporary.write_text(directory.name)
    with open(temporary, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, pointer)


def _fold(text: str) -> str:
    """``kb.text.fold``, skipping the plain ASCII most text is."""
    return text if text.isascii() else fold(text)


@dataclass(frozen=True)
class EngineRequest:
    """A search: the query tree, filters (OR within a facet, AND across), paging, sorting."""

    query: ParsedQuery = field(default_factory=ParsedQuery)
    filters: dict[str, Sequence[str]] = field(default_factory=dict)
    year_from: int | None = None
    year_to: int | None = None
    include_restricted: bool = False
    sort: str = "relevance"  # or "newest": year, then document, then passage
    offset: int = 0
    limit: int = 20
    reference_weight: float = 1.0  # score factor for reference matter
    facets: bool = True  # count every facet (each without its own filter)
    hidden: frozenset[int] = frozenset()  # passages to leave out (deleted, index not yet told)


@dataclass
class EngineHit:
    passage_id: int
    document_id: int
    score: float


@dataclass
class EngineResults:
    total: int  # passages counted (the query's ``counted`` tree, else every match)
    hits: list[EngineHit]
    facets: dict[str, dict[str, int]]
    #: Passages mentioning any word of the query (its ``mentions``), at least ``total``;
    #: None when the total counts every match.
    matched: int | None = None


@dataclass(frozen=True)
class Token:
    """A term of a text as an engine analyses it, with its place in the text."""

    term: str
    start: int
    end: int


#: Why a passage of the open index that is restricted now needs a rebuild: deleting it would
#: leave its words in the open index's statistics (every anonymous score) and vocabulary
#: until segments merge, so the open index is written afresh from the store (restrictions
#: are rare; 0.6 s on the sample corpus, about 26 s at 300k passages with tantivy).
RESTRICTED_NOW = "passages restricted now must leave the open index without a trace"


class RebuildNeeded(Exception):
    """The index must be rebuilt (``rebuild``) to take these changes."""


class SearchEngine(Protocol):
    """A full-text engine behind the knowledge base (see the module)."""

    name: str

    def exists(self) -> bool:
        """Whether an index this version can read is in place."""

    def generation(self) -> str | None:
        """What identifies the generation in use (None before the first index)."""

    def apply(self, additions: Sequence[IndexedPassage], deletions: Sequence[int]) -> None:
        """Add or replace passages and delete others; repeatable after a crash. Raises
        RebuildNeeded when the changes cannot be made in place."""

    def rebuild(self, passages: Iterable[IndexedPassage], with_restricted: bool = True) -> int:
        """Write a new generation from ``passages`` and switch to it; returns the count.
        ``with_restricted`` False promises that no restricted passage comes (an engine may
        then write less)."""

    def search(self, request: EngineRequest) -> EngineResults:
        """Ranked, filtered passages with facet counts for the query and the other filters:
        the passages the query's ``counted`` tree matches, ranked by its ``root``; when it
        matches none, every passage ``matching`` matches (``matched`` then None)."""

    def similar(self, text: str, *, exclude_document: int | None = None,
                filters: dict[str, Sequence[str]] | None = None, year_to: int | None = None,
                include_restricted: bool = False, limit: int = 5) -> list[EngineHit]:
        """Passages like ``text`` (by its most distinctive terms)."""

    def spellings(self, word: str, include_restricted: bool, max_distance: int,
                  limit: int) -> list[str] | None:
        """None when a visible passage holds ``word``; else up to ``limit`` known words
        within ``max_distance`` edits of it, commonest first (the engine bounds the work)."""

    def analyse(self, text: str) -> list[Token]:
        """``text``'s terms as this engine indexes them (stop words left in)."""

    def stems(self, text: str) -> list[str]:
        """``text``'s terms as ``analyse`` gives them, without their places (quicker)."""

    def passage_ids(self) -> tuple[set[int], set[int]]:
        """Ids of every indexed passage: (open, restricted)."""

    def remove(self) -> None:
        """Delete every generation."""

    def close(self) -> None:
        """Release files and memory."""


def open_engine(name: str, root: Path, cache_bytes: int = 64 << 20) -> SearchEngine:
    """The engine called ``name``, keeping its index under ``root / name``."""
    if name == "tantivy":
        try:
            from kb.engine.tantivy import TantivyEngine
        except ImportError as error:
            raise RuntimeError(f"the tantivy search engine cannot be loaded here ({error}); "
                               "set KB_ENGINE=whoosh to use the pure-Python engine") from None
        return TantivyEngine(root / name)
    if name == "whoosh":
        from kb.engine.whoosh import WhooshEngine
        return WhooshEngine(root / name, cache_bytes=cache_bytes)
    raise ValueError(f"unknown search engine {name!r}: use one of {', '.join(ENGINES)}")
