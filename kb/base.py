"""The knowledge base as one object: store, search index and taxonomy, opened from settings."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

from kb.index import CombinedIndex, IndexResults, SearchIndex
from kb.limits import LongSearchGate, is_long
from kb.model import Document, Passage
from kb.search import (
    FACET_PARAMS, SearchRequest, SearchResponse, PassageResult, index_query, order_facet,
)
from kb.settings import DataDirError, Settings
from kb.store import Store
from kb.taxonomy import Taxonomy, load_taxonomy

INDEX_BATCH = 2000
LONG_SEARCH_LOCK = "long-search.lock"


class KnowledgeBase:
    """Documents and passages (SQLite), their full-text index (Whoosh) and the themes in force.

    Open and restricted documents' passages are indexed apart: ``index`` holds the open
    ones and answers everyone; ``restricted_index`` holds the restricted ones, and people
    who may see them search both as one (a ``CombinedIndex``, the same as one index of
    everything). Filtering one index would hide restricted passages but not what they do
    to everything else: how common a word is shapes every score, which words are
    distinctive shapes "similar passages", and both would let an anonymous visitor probe
    restricted text. Each passage is still written once.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.check_data_dir()
        if settings.data_dir_writable:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        elif not settings.db_path.is_file():
            raise DataDirError(f"there is no knowledge base in {settings.data_dir}, and it "
                               "cannot be made there: the directory is read-only")
        self.store = Store(settings.db_path, read_only=not settings.data_dir_writable)
        cache = settings.search_cache_mb << 20
        self.index = SearchIndex(settings.index_dir / "open", cache_bytes=cache)
        self.restricted_index = SearchIndex(settings.index_dir / "restricted", cache_bytes=cache)
        self._everything = CombinedIndex([self.index, self.restricted_index], cache_bytes=cache)
        self.taxonomy: Taxonomy = load_taxonomy(settings.themes_path)
        self._synonyms: list[tuple[str | None, tuple[str, ...]]] = [
            (theme.id, tuple(group)) for theme in self.taxonomy.themes for group in theme.synonyms]
        self._synonyms += [(None, group) for group in self.taxonomy.search_synonyms]
        self._long_searches: LongSearchGate | None = None

    def close(self) -> None:
        self.index.close()
        self.restricted_index.close()
        self._everything.close()
        self.store.close()

    def __enter__(self) -> "KnowledgeBase":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def original_file(self, document: Document) -> Path:
        """The kept copy of a document's original file (it may be missing for old data)."""
        return self.settings.files_dir / f"{document.content_hash}{Path(document.path).suffix.lower()}"

    # -- keeping the index in step with the store ----------------------------
    def sync_index(self) -> int:
        """Apply the store's queued changes to the search indexes; returns how many were applied.

        Safe to repeat: a crash between an index commit and clearing the queue
        only means the same changes are applied again.
        """
        if not self.index.exists():
            return self.rebuild_index()
        if self.store.has_restricted() and not self.restricted_index.exists():
            self.restricted_index.rebuild(self._passages(restricted=True))
        additions, deletions = self.store.pending_index_changes()
        if not additions and not deletions:
            return 0
        for start in range(0, max(len(additions), 1), INDEX_BATCH):
            batch = additions[start:start + INDEX_BATCH]
            items = list(self._with_documents(self.store.passages(passage_ids=batch)))
            dropped = deletions if start == 0 else []
            # A passage lives in one index: added to its own, dropped from the other.
            opened = [(p, d) for p, d in items if not d.meta.restricted]
            closed = [(p, d) for p, d in items if d.meta.restricted]
            if closed or self.restricted_index.exists():
                self.restricted_index.apply(closed, dropped + [p.id for p, _ in opened])
            if closed and {p.id for p, _ in closed} & self.index.indexed_passage_ids():
                # A document restricted now: its passages leave the open index without a
                # trace. Deleted passages would still count in its word statistics (every
                # anonymous score) and spelling dictionary, so it is written afresh from the
                # store (rare: 0.6 s on the sample corpus, minutes at 100k passages).
                self.index.rebuild(self._passages(restricted=False))
            else:
                self.index.apply(opened, dropped + [p.id for p, _ in closed])
            self.store.clear_index_changes(batch + dropped)
        return len(additions) + len(deletions)

    def rebuild_index(self) -> int:
        """Build fresh search indexes from SQLite alone; the old ones serve until they are ready.

        The queue of changes is cleared only once the fresh indexes are in use: a crash
        before that leaves the old ones with their queue, which the next sync applies.
        """
        additions, deletions = self.store.pending_index_changes()
        count = self.index.rebuild(self._passages(restricted=False))
        if self.store.has_restricted():
            count += self.restricted_index.rebuild(self._passages(restricted=True))
        else:
            self.restricted_index.remove()
        self.store.clear_index_changes(additions + deletions)
        self._remove_old_layout()
        return count

    def index_for(self, include_restricted: bool) -> SearchIndex:
        """The index to search: the open documents' alone, or everything (see the class)."""
        if include_restricted and self.restricted_index.exists():
            return self._everything
        return self.index

    def indexed_passage_ids(self) -> set[int]:
        """Ids of every passage in the search indexes (for checks and repairs)."""
        return self.index.indexed_passage_ids() | self.restricted_index.indexed_passage_ids()

    def _remove_old_layout(self) -> None:
        """Indexes written by earlier versions, which held every passage in one place."""
        root = self.settings.index_dir
        (root / "CURRENT").unlink(missing_ok=True)
        for old in root.glob("gen-*"):
            shutil.rmtree(old, ignore_errors=True)

    def _passages(self, restricted: bool) -> Iterator[tuple[Passage, Document]]:
        """Every passage of the open (or the restricted) documents, one document at a time."""
        for document_id in self.store.document_ids():
            document = self.store.document(document_id)
            if document is not None and document.meta.restricted == restricted:
                for passage in self.store.passages(document_id=document_id):
                    yield passage, document

    def _with_documents(self, passages: list[Passage]) -> Iterator[tuple[Passage, Document]]:
        documents: dict[int, Document | None] = {}
        for passage in passages:
            if passage.document_id not in documents:
                documents[passage.document_id] = self.store.document(passage.document_id)
            document = documents[passage.document_id]
            if document is not None:
                yield passage, document

    def similar_passages(self, passage: Passage, limit: int = 5, include_restricted: bool = False,
                         other_documents: bool = True, **filters) -> list[PassageResult]:
        """Passages like ``passage`` in other reviews (best first), within optional facet filters.

        ``filters`` takes facet names (``theme=[...]``, ``passage_type=[...]``, ...) and
        ``year_to``.
        """
        year_to = filters.pop("year_to", None)
        hits = self.index_for(include_restricted).similar(
            passage.text, exclude_document=passage.document_id if other_documents else None,
            filters=filters, year_to=year_to, include_restricted=include_restricted, limit=limit)
        return self._results(hits, include_restricted)

    def _results(self, hits, include_restricted: bool) -> list[PassageResult]:
        """Index hits joined with their passages and documents from the store, in rank order
        (a hit the store no longer has, or has restricted meanwhile, is left out)."""
        passages = {p.id: p for p in self.store.passages(passage_ids=[h.passage_id for h in hits])}
        documents: dict[int, Document | None] = {}
        results = []
        for hit in hits:
            passage = passages.get(hit.passage_id)
            if hit.document_id not in documents:
                documents[hit.document_id] = self.store.document(hit.document_id)
            document = documents[hit.document_id]
            if passage is not None and document is not None \
                    and (include_restricted or not document.meta.restricted):
                results.append(PassageResult(passage=passage, document=document,
                                             snippet=hit.snippet, score=hit.score))
        return results

    # -- searching ----------------------------------------------------------
    def take_turns_for_long_searches(self) -> None:
        """From now on, searches of many words take turns with those of every other process
        serving this data directory (see kb/limits.py); the web app asks for it."""
        self._long_searches = LongSearchGate(self.settings.data_dir / LONG_SEARCH_LOCK)

    def search(self, request: SearchRequest, include_restricted: bool = False,
               plain: bool = False) -> SearchResponse:
        """Run a search; ``plain`` gives the BM25 baseline with no synonyms or boosts.

        Raises SearchBusy for a long search while another runs, once
        ``take_turns_for_long_searches`` was called.
        """
        if self._long_searches is not None and is_long(request.q):
            with self._long_searches.turn():
                return self._search(request, include_restricted, plain)
        return self._search(request, include_restricted, plain)

    def _search(self, request: SearchRequest, include_restricted: bool,
                plain: bool) -> SearchResponse:
        asked = index_query(request, self._synonyms, include_restricted=include_restricted,
                            plain=plain)
        # After `kill -9` between a store commit and the index catching up (or while a run
        # catches up), the index still holds passages the store has dropped or restricted:
        # they are left out of the count as well as the rows, so the total is always the
        # number of passages a search can return.
        asked.hidden = self.store.stale_index_entries(include_restricted)
        found: IndexResults = self.index_for(include_restricted).search(asked)
        results = self._results(found.hits, include_restricted)
        facets = {name: order_facet(name, counts, getattr(request, name), self.taxonomy.label)
                  for name, counts in found.facets.items() if name in FACET_PARAMS}
        return SearchResponse(request=request, total=found.total, results=results, facets=facets,
                              notice=found.notice, suggestion=found.suggestion)
