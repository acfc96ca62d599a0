"""The knowledge base as one object: store, search engine and taxonomy, opened from settings."""
from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from kb.engine import (
    EngineHit, EngineRequest, IndexedPassage, RebuildNeeded, SearchEngine, open_engine,
)
from kb.facets import FACET_PARAMS, order_facet
from kb.lock import DataLock, IndexerBusy
from kb.model import Document, Passage
from kb.query import terms_of
from kb.acronyms import load_acronyms, read_acronyms, synonym_groups
from kb.ranking import (PARAMS, REFERENCE_WEIGHT, RankingParams, highlighted_terms,
                        query_expansions, query_themes, ranked_query)
from kb.search import SearchRequest, SearchResponse, PassageResult
from kb.limits import LongSearchGate, is_long
from kb.settings import DataDirError, Settings
from kb.snippets import snippet
from kb.store import Store
from kb.suggest import suggestion
from kb.taxonomy import Taxonomy, load_taxonomy
from kb.text import fold

if TYPE_CHECKING:
    from kb.accounts import User
    from kb.reader import ReaderView

INDEX_BATCH = 2000
LONG_SEARCH_LOCK = "long-search.lock"


class KnowledgeBase:
    """Documents and passages (SQLite), their full-text index (the engine of
    ``settings.engine``) and the themes in force.

    The engine keeps restricted documents' passages apart from what anonymous visitors
    search (see ``kb.engine``): filtering one index would hide restricted passages but not
    what they do to everything else (how common a word is shapes every score, which words
    are distinctive shapes "similar passages"), and both would let an anonymous visitor
    probe restricted text.
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
        self.engine: SearchEngine = open_engine(settings.engine, settings.index_dir,
                                                cache_bytes=settings.search_cache_mb << 20)
        self.taxonomy: Taxonomy = load_taxonomy(settings.themes_path)
        self.acronyms = load_acronyms()
        #: (theme id or None, equivalent terms): the taxonomy's, the practitioners' and the
        #: acronyms' synonym groups.
        self.synonym_groups: list[tuple[str | None, tuple[str, ...]]] = [
            (theme.id, tuple(group)) for theme in self.taxonomy.themes for group in theme.synonyms]
        self.synonym_groups += [(None, group) for group in self.taxonomy.search_synonyms]
        self.synonym_groups += synonym_groups(self.acronyms)
        self._long_searches: LongSearchGate | None = None

    def close(self) -> None:
        self.engine.close()
        self.store.close()

    def __enter__(self) -> "KnowledgeBase":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def for_reader(self, user: "User | None") -> "ReaderView":
        """This knowledge base as ``user`` may see it (None: someone not signed in); see
        ``kb.reader``."""
        from kb.reader import reader_view

        return reader_view(self, user)

    def original_file(self, document: Document) -> Path:
        """The kept copy of a document's original file (it may be missing for old data)."""
        return self.settings.files_dir / f"{document.content_hash}{Path(document.path).suffix.lower()}"

    # -- keeping the index in step with the store ----------------------------
    def sync_index(self) -> int:
        """Apply the store's queued changes to the search index; returns how many were applied.

        Safe to repeat: a crash between an index commit and clearing the queue
        only means the same changes are applied again. With no index of this engine yet
        (a new data directory, another engine's, or one an earlier version wrote), the
        index is built from SQLite.
        """
        if not self.engine.exists():
            return self.rebuild_index()
        additions, deletions = self.store.pending_index_changes()
        if not additions and not deletions:
            return 0
        for start in range(0, max(len(additions), 1), INDEX_BATCH):
            batch = additions[start:start + INDEX_BATCH]
            items = [IndexedPassage.of(passage, document) for passage, document
                     in self._with_documents(self.store.passages(passage_ids=batch))]
            dropped = deletions if start == 0 else []
            try:
                self.engine.apply(items, dropped)
            except RebuildNeeded:
                return self.rebuild_index()
            self.store.clear_index_changes(batch + dropped)
        return len(additions) + len(deletions)

    def rebuild_index(self) -> int:
        """Build a fresh search index from SQLite alone; the old one serves until it is ready.

        The queue of changes is cleared only once the fresh index is in use: a crash
        before that leaves the old one with its queue, which the next sync applies.
        """
        additions, deletions = self.store.pending_index_changes()
        count = self.engine.rebuild((IndexedPassage.of(p, d) for p, d in self._passages()),
                                    with_restricted=self.store.has_restricted())
        self.store.clear_index_changes(additions + deletions)
        self._remove_other_indexes()
        return count

    def index_needs_building(self) -> bool:
        """Whether passages are stored but this engine has no index of them yet: a data
        directory of an earlier version, or one another engine indexed."""
        return not self.engine.exists() and bool(self.store.document_ids())

    def build_index_if_needed(self, say: Callable[[str], object] = print) -> int | None:
        """Build the index from SQLite when it is missing (see ``index_needs_building``),
        saying so first; returns the passages indexed, or None when nothing was done (no
        need, or another process holds the data directory: that writer builds it)."""
        if self.store.read_only or not self.index_needs_building():
            return None  # read-only: searched as it is, never rebuilt from here
        try:
            with DataLock(self.settings.data_dir):
                if not self.index_needs_building():
                    return None
                say(f"Building the {self.engine.name} search index from the database in "
                    f"{self.settings.data_dir}: its index was written by an earlier version or "
                    "another engine. This happens once.")
                count = self.rebuild_index()
        except IndexerBusy:
            return None
        say(f"Search index ready: {count} passages.")
        return count

    def indexed_passage_ids(self) -> set[int]:
        """Ids of every passage in the search index (for checks and repairs)."""
        opened, restricted = self.engine.passage_ids()
        return opened | restricted

    def _remove_other_indexes(self) -> None:
        """Indexes of other engines and of earlier versions' layouts: stale once this
        engine's index is in use (switching back rebuilds from SQLite)."""
        own = self.settings.index_dir / self.engine.name
        for path in self.settings.index_dir.iterdir():
            if path != own:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)

    def _passages(self) -> Iterator[tuple[Passage, Document]]:
        """Every passage with its document, in one pass over the store."""
        documents = {document.id: document for document in self.store.documents()}
        for passage in self.store.passages_for_index():
            document = documents.get(passage.document_id)
            if document is not None:
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
        hits = self.engine.similar(
            fold(passage.text), exclude_document=passage.document_id if other_documents else None,
            filters=filters, year_to=year_to, include_restricted=include_restricted, limit=limit)
        # The terms the two passages share are marked.
        return self._results(hits, self._terms(terms_of(passage.text)), include_restricted)

    def _terms(self, words: list[str]) -> frozenset[str]:
        """The engine's terms for ``words`` (as it stems them)."""
        return frozenset(token.term for word in words for term in terms_of(word)
                         for token in self.engine.analyse(term))

    def _results(self, hits: list[EngineHit], marked: frozenset[str],
                 include_restricted: bool) -> list[PassageResult]:
        """Hits joined with their passages and documents from the store, in rank order, each
        with its snippet made from the stored text (a hit the store no longer has, or
        has restricted meanwhile, is left out)."""
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
                tokens = self.engine.analyse(fold(passage.text)) if marked else []
                results.append(PassageResult(passage=passage, document=document,
                                             snippet=snippet(passage.text, tokens, marked),
                                             score=hit.score))
        return results

    # -- searching ----------------------------------------------------------
    def take_turns_for_long_searches(self) -> None:
        """From now on, searches of many words take turns with those of every other process
        serving this data directory (see kb/limits.py); the web app asks for it."""
        self._long_searches = LongSearchGate(self.settings.data_dir / LONG_SEARCH_LOCK)

    def search(self, request: SearchRequest, include_restricted: bool = False,
               plain: bool = False, params: RankingParams = PARAMS) -> SearchResponse:
        """Run a search; ``plain`` gives the BM25 baseline with no synonyms or boosts (and
        every match counted), ``params`` another ranking (for measuring one).

        Raises SearchBusy for a long search while another runs, once
        ``take_turns_for_long_searches`` was called.
        """
        if self._long_searches is not None and is_long(request.q):
            with self._long_searches.turn():
                return self._search(request, include_restricted, plain, params)
        return self._search(request, include_restricted, plain, params)

    def _search(self, request: SearchRequest, include_restricted: bool,
                plain: bool, params: RankingParams = PARAMS) -> SearchResponse:
        if plain:
            text, corrections, expansions, themes = request.q, [], [], []
        else:
            text, corrections = read_acronyms(request.q, self.acronyms)
            expansions, themes = query_expansions(text, self.synonym_groups)
            themes += [theme for theme in query_themes(text, self.theme_cues, self._stems)
                       if theme not in themes]
        query = ranked_query(text, expansions, themes, plain=plain, params=params,
                             match=request.match)
        found = self.engine.search(EngineRequest(
            query=query, filters=request.filters(), year_from=request.year_from,
            year_to=request.year_to, include_restricted=include_restricted, sort=request.sort,
            offset=(request.page - 1) * request.per_page, limit=request.per_page,
            reference_weight=1.0 if plain else REFERENCE_WEIGHT, facets=not plain,
            # After `kill -9` between a store commit and the index catching up (or while a run
            # catches up), the index still holds passages the store has dropped or restricted:
            # they are left out of the count as well as the rows, so the total is always the
            # number of passages a search can return.
            hidden=self.store.stale_index_entries(include_restricted)))
        marked = self._terms(highlighted_terms(query)) if query.root is not None else frozenset()
        results = self._results(found.hits, marked, include_restricted)
        facets = {name: order_facet(name, counts, getattr(request, name), self.taxonomy.label,
                                    pinned=tuple(themes) if name == "theme" else ())
                  for name, counts in found.facets.items() if name in FACET_PARAMS}
        corrected = None
        if text.strip() and not plain:
            corrected = suggestion(self.engine, text, include_restricted, self.domain_terms)
        return SearchResponse(request=request, total=found.total, results=results, facets=facets,
                              notice=query.notice, suggestion=corrected, matched=found.matched,
                              query_themes=tuple(themes),
                              read_as=[(c.typed, c.acronym.term, c.acronym.means[0]
                                        if c.acronym.means else "") for c in corrections])

    def _stems(self, text: str) -> list[str]:
        return self.engine.stems(fold(text).lower())

    @cached_property
    def theme_cues(self) -> list[tuple[str, tuple[tuple[str, ...], ...]]]:
        """Each theme with the phrases that name it in a query (its search synonyms and
        strong signal phrases, and its acronyms), as the engine stems them."""
        cues = []
        for theme in self.taxonomy.themes:
            strong = theme.signals.get("strong", {})
            phrases = [term for group in theme.synonyms for term in group]
            phrases += [phrase for key in ("lemmas", "phrases")
                        for phrase in strong.get(key, ()) if isinstance(phrase, str)]
            phrases += [term for acronym in self.acronyms if acronym.theme == theme.id
                        for term in (acronym.term, *acronym.means)]
            stemmed = {tuple(self._stems(phrase)) for phrase in phrases}
            cues.append((theme.id, tuple(sorted(stem for stem in stemmed if stem))))
        return cues

    @cached_property
    def domain_terms(self) -> frozenset[str]:
        """The knowledge base's own words ("did you mean" prefers them): acronyms, and the
        one-word terms of the themes' and practitioners' synonyms."""
        terms = {acronym.term.lower() for acronym in self.acronyms}
        terms |= {term.lower() for _, group in self.synonym_groups for term in group
                  if re.fullmatch(r"[a-z][a-z'-]+", term.lower())}
        return frozenset(terms)
