"""The full-text search index: Whoosh on disk, behind one small interface.

``SearchIndex`` adds, deletes, searches with filters and facet counts, and
highlights. Everything Whoosh-specific lives in this module, so another engine
could replace it without touching ``web/`` or ``indexer/``.

The index lives in ``<data>/index/<generation>``; the file ``<data>/index/CURRENT``
names the generation in use. A rebuild writes a new generation beside the old
one and switches ``CURRENT`` atomically, so a crash leaves the previous index
searchable.
"""
from __future__ import annotations

import copy
import math
import os
import re
import shutil
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import kb  # noqa: F401  (filters Whoosh's import warnings)
import numpy as np
from whoosh import index as whoosh_index
from whoosh import qparser, query
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher
from whoosh.filedb.filestore import FileStorage
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.highlight import (FIRST, BasicFragmentScorer, ContextFragmenter, Highlighter,
                              HtmlFormatter, set_matched_filter)
from whoosh.matching import FilterMatcher
from whoosh.index import TOC
from whoosh.reading import MultiReader, TermNotFound
from whoosh.searching import Searcher
from whoosh.scoring import BM25F

from kb.model import Document, Passage
from kb.spelling import MAX_WORD_CHARS, SpellingBudget, closest_spelling
from kb.text import fold

#: Facets and whether a passage can carry several values of each.
FACETS: dict[str, bool] = {
    "theme": True,
    "scope": False,
    "kind": False,
    "year": False,
    "publisher": False,
    "area": False,
    "age_group": True,
    "passage_type": False,
    "agency": True,
}

SNIPPET_CHARS = 320
MAX_CORRECTED_WORDS = 5  # unknown words of one query looked up for "did you mean" (each costs)

# Ranking, on top of BM25F over the passage text, its heading path and the document title
# (measured with `kb eval search`; see the README's ranking section):
FIELD_BOOSTS = {"text": 1.0, "heading": 0.5, "title": 0.2}
SYNONYM_WEIGHT = 0.3  # a taxonomy synonym of a query word counts for less than the word itself
PROXIMITY_WEIGHT = 0.5  # bonus for two adjacent query words found next to each other
PROXIMITY_SLOP = 1
THEME_BOOST = 3.0  # passages tagged with the theme a query's synonyms belong to rank higher
REFERENCE_WEIGHT = 0.5  # glossaries, reading lists and the like rank below the learning itself
#: Sections that hold a report's reference matter rather than its learning, by their heading.
REFERENCE_HEADING = re.compile(
    r"\b(glossary|abbreviations|acronyms|references|bibliography|further reading|"
    r"useful (links|resources)|contents|acknowledge?ments)\b", re.IGNORECASE)


class _FoldingTokenizer(RegexTokenizer):
    """Whoosh's word tokenizer over text folded for matching (``kb.text.fold``: typographic
    quotes, apostrophes and dashes as ASCII, offsets kept), each word in NFKC ("ﬁ" as "fi")."""

    def __call__(self, value, **kwargs):
        for token in super().__call__(fold(value), **kwargs):
            token.text = unicodedata.normalize("NFKC", token.text)
            yield token


def _schema() -> Schema:
    # Whoosh's StemmingAnalyzer, with the folding tokenizer in place of its own.
    stem = _FoldingTokenizer() | LowercaseFilter() | StopFilter() | StemFilter()
    return Schema(
        pid=NUMERIC(int, stored=True, unique=True, sortable=True),
        doc=NUMERIC(int, stored=True, sortable=True),
        text=TEXT(analyzer=stem, stored=True, phrase=True, spelling=True),
        heading=TEXT(analyzer=stem, stored=True),
        title=TEXT(analyzer=stem),
        theme=KEYWORD(commas=True),
        scope=ID,
        kind=ID,
        year=NUMERIC(int, sortable=True),
        publisher=ID,
        area=ID,
        age_group=KEYWORD(commas=True),
        passage_type=ID,
        agency=KEYWORD(commas=True),
        restricted=ID,
        reference=ID,
    )


#: Numeric columns the facet table reads; an index without them (or without the reference
#: field) was written by an older version and is rebuilt from SQLite.
COLUMNS = ("pid", "doc", "year")


@dataclass
class IndexQuery:
    """What to look for. ``filters`` maps a facet to the values wanted (OR within a facet)."""

    text: str = ""
    filters: dict[str, Sequence[str]] = field(default_factory=dict)
    year_from: int | None = None
    year_to: int | None = None
    include_restricted: bool = False
    sort: str = "relevance"  # or "newest"
    offset: int = 0
    limit: int = 20
    expansions: Sequence[Sequence[str]] = ()  # groups of equivalent terms that widen the query
    boost_themes: Sequence[str] = ()  # themes the query is about: matching passages rank higher
    plain: bool = False  # plain BM25 over the text, OR of the words: the ranking baseline
    facets: bool = True
    suggest: bool = True
    #: Passages to leave out although the index holds them: the index has not yet caught up
    #: with the store (see ``KnowledgeBase.stale_passages``), so totals, facet counts and
    #: pages count only passages a search can return.
    hidden: frozenset[int] = frozenset()


@dataclass
class IndexHit:
    passage_id: int
    document_id: int
    score: float
    snippet: str  # HTML: escaped text with <mark> around matched terms


@dataclass
class IndexResults:
    total: int
    hits: list[IndexHit]
    facets: dict[str, dict[str, int]]
    notice: str | None = None  # set when the query could not be read as written
    suggestion: str | None = None  # a corrected query, for "did you mean"


def _document_fields(passage: Passage, document: Document) -> dict:
    meta = document.meta
    return {
        "pid": int(passage.id),
        "doc": int(document.id),
        "text": passage.text,
        "heading": " / ".join(passage.heading_path),
        "title": meta.title,
        "theme": ",".join(passage.themes),
        "scope": meta.scope,
        "kind": meta.kind,
        "year": int(meta.year or 0),
        "publisher": meta.publisher,
        "area": meta.area,
        "age_group": ",".join(passage.age_groups),
        "passage_type": passage.passage_type,
        "agency": ",".join(passage.agencies),
        "restricted": "1" if meta.restricted else "0",
        "reference": "1" if is_reference_matter(passage.heading_path) else "0",
    }


def is_reference_matter(heading_path: Sequence[str]) -> bool:
    """Whether a passage sits in a glossary, reading list, contents or the like."""
    return bool(heading_path) and bool(REFERENCE_HEADING.search(heading_path[-1]))


class _Storage(FileStorage):
    """A generation's directory, remembering which per-document column files are absent.

    Writing a segment, Whoosh asks for every posting of an unscored field whether the field
    has a length column; each question is a stat() call on disk, a third of a rebuild's
    time. Column files are written before the postings and never appear later, so a
    "no" is kept.
    """

    def __init__(self, directory: Path) -> None:
        super().__init__(str(directory))
        self._absent: set[str] = set()

    def file_exists(self, name: str) -> bool:
        if name in self._absent:
            return False
        exists = super().file_exists(name)
        if not exists and name.endswith(W3Codec.COLUMN_EXT):
            self._absent.add(name)
        return exists


class _FacetTable:
    """Every passage's facet values as numpy arrays, indexed by Whoosh document number.

    Built once per index commit from the facet fields' postings and the numeric columns
    (never from the stored text); counting a facet over the matching documents is then a
    few vectorised operations instead of a pass in Python.
    """

    def __init__(self, reader) -> None:
        size = reader.doc_count_all()
        self.size = size
        self.pids = np.zeros(size, dtype=np.int64)
        self.docs = np.zeros(size, dtype=np.int64)
        self.years = np.zeros(size, dtype=np.int64)
        self.restricted = np.zeros(size, dtype=bool)
        self.reference = np.zeros(size, dtype=bool)
        self.live = np.ones(size, dtype=bool)
        self.codes: dict[str, np.ndarray] = {}
        self.vocab: dict[str, list[str]] = {}
        self.lookup: dict[str, dict[str, int]] = {}
        self.value_masks: dict[str, dict[str, np.ndarray]] = {}
        for name, multi in FACETS.items():
            if multi:
                self.value_masks[name] = {}
            else:
                self.codes[name] = np.full(size, -1, dtype=np.int32)
                self.vocab[name] = []
                self.lookup[name] = {}
        for segment, offset in reader.leaf_readers():
            if not segment.doc_count_all():  # an index with nothing in it has no columns
                continue
            span = slice(offset, offset + segment.doc_count_all())
            self.pids[span] = _numeric_column(segment, "pid")
            self.docs[span] = _numeric_column(segment, "doc")
            self.years[span] = _numeric_column(segment, "year")
            if segment.has_deletions():
                self.live[span] = False
                self.live[offset + np.fromiter(segment.all_doc_ids(), dtype=np.int64)] = True
            self.restricted[offset + _posting_ids(segment, "restricted", "1")] = True
            self.reference[offset + _posting_ids(segment, "reference", "1")] = True
            for name, multi in FACETS.items():
                field = segment.schema[name]
                for term in field.sortable_terms(segment, name):
                    value = str(field.from_bytes(term))
                    docnums = offset + _posting_ids(segment, name, term)
                    if multi:
                        masks = self.value_masks[name]
                        if value not in masks:
                            masks[value] = np.zeros(size, dtype=bool)
                        masks[value][docnums] = True
                    else:
                        lookup = self.lookup[name]
                        if value not in lookup:
                            lookup[value] = len(self.vocab[name])
                            self.vocab[name].append(value)
                        self.codes[name][docnums] = lookup[value]
        self.restricted &= self.live
        for name, masks in self.value_masks.items():
            for mask in masks.values():
                mask &= self.live
        for codes in self.codes.values():
            codes[~self.live] = -1

    def mask(self, name: str, values: Sequence[str]) -> np.ndarray:
        """Documents carrying any of ``values`` in facet ``name``."""
        if FACETS[name]:
            result = np.zeros(self.size, dtype=bool)
            for value in values:
                if value in self.value_masks[name]:
                    result |= self.value_masks[name][value]
            return result
        codes = [self.lookup[name][v] for v in values if v in self.lookup[name]]
        return np.isin(self.codes[name], codes)

    def year_mask(self, year_from: int | None, year_to: int | None) -> np.ndarray:
        result = np.ones(self.size, dtype=bool)
        if year_from is not None:
            result &= self.years >= year_from
        if year_to is not None:
            result &= self.years <= year_to
        return result

    def count(self, name: str, base: np.ndarray) -> dict[str, int]:
        """Counts of each value of facet ``name`` among the documents in ``base``."""
        if FACETS[name]:
            counts = {value: int(np.count_nonzero(mask & base))
                      for value, mask in self.value_masks[name].items()}
        else:
            codes = self.codes[name][base]
            binned = np.bincount(codes[codes >= 0], minlength=len(self.vocab[name]))
            counts = {value: int(binned[i]) for i, value in enumerate(self.vocab[name])}
        return {value: n for value, n in counts.items() if n}


class SearchIndex:
    """The passages' full-text index, with filters, facet counts and highlighting."""

    def __init__(self, root: Path, cache_bytes: int = 64 << 20) -> None:
        self.root = Path(root)
        self._lock = threading.RLock()
        self._searcher = None
        self._searcher_dir: Path | None = None
        self._facets: _FacetTable | None = None
        self._facets_key: tuple | None = None
        self._readable: dict[Path, bool] = {}
        self._matches = _MatchCache(cache_bytes)

    # -- generations --------------------------------------------------------
    @property
    def _pointer(self) -> Path:
        return self.root / "CURRENT"

    def current_dir(self) -> Path | None:
        """The directory of the generation in use, or None before the first index (and when
        the index in use was written by an older version: the next sync rebuilds it)."""
        try:
            name = self._pointer.read_text().strip()
        except FileNotFoundError:
            return None
        path = self.root / name
        if not self._readable.get(path):
            self._readable[path] = whoosh_index.exists_in(str(path)) and _is_current(
                whoosh_index.open_dir(str(path)).schema)
        return path if self._readable[path] else None

    def exists(self) -> bool:
        return self.current_dir() is not None

    def _switch_to(self, directory: Path) -> None:
        temporary = self.root / "CURRENT.tmp"
        temporary.write_text(directory.name)
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, self._pointer)

    def _open(self):
        directory = self.current_dir()
        if directory is None:
            directory = self._new_generation()
            _Storage(directory).create_index(_schema())
            self._switch_to(directory)
        return _Storage(directory).open_index()

    def _new_generation(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        directory = self.root / f"gen-{time.time_ns()}"
        directory.mkdir()
        return directory

    # -- writing ------------------------------------------------------------
    def apply(self, additions: Iterable[tuple[Passage, Document]], deletions: Iterable[int]) -> None:
        """Add or replace passages and delete others, in one commit."""
        additions = list(additions)
        replaced = [passage.id for passage, _ in additions] + list(deletions)
        ix = self._open()
        writer = ix.writer(limitmb=128, compound=False)
        try:  # one search for every passage to drop (update_document would search for each)
            if replaced:
                writer.delete_by_query(query.Or([query.Term("pid", pid) for pid in replaced]))
            for passage, document in additions:
                writer.add_document(**_document_fields(passage, document))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        ix.close()

    def rebuild(self, items: Iterable[tuple[Passage, Document]]) -> int:
        """Write a fresh generation from ``items`` and switch to it; returns the passage count."""
        directory = self._new_generation()
        ix = _Storage(directory).create_index(_schema())
        writer = ix.writer(limitmb=256, compound=False)
        count = 0
        try:
            for passage, document in items:
                writer.add_document(**_document_fields(passage, document))
                count += 1
        except BaseException:
            writer.cancel()
            ix.close()
            shutil.rmtree(directory, ignore_errors=True)
            raise
        writer.commit(optimize=True)
        ix.close()
        previous = self.current_dir()
        self._switch_to(directory)
        self._remove_stale_generations(keep={directory, previous})
        return count

    def _remove_stale_generations(self, keep: set[Path | None]) -> None:
        """Remove generations that are neither current nor the one just replaced.

        The replaced one is kept until the next rebuild so that a searcher still
        reading it is not pulled from under its feet.
        """
        for path in self.root.glob("gen-*"):
            if path not in keep:
                shutil.rmtree(path, ignore_errors=True)

    def indexed_passage_ids(self) -> set[int]:
        """Ids of every passage in the index (for checks and repairs)."""
        with self._reading() as (searcher, table):
            return {int(pid) for pid in table.pids[table.live]} if searcher else set()

    # -- reading ------------------------------------------------------------
    @contextmanager
    def _reading(self) -> Iterator[tuple]:
        with self._lock:
            key = self._open_searcher()
            if key is None:
                yield None, None
                return
            key = (key, self._searcher.reader().doc_count_all())
            if self._facets_key != key:
                self._facets = _FacetTable(self._searcher.reader())
                self._facets_key = key
                self._matches.clear()
            yield self._searcher, self._facets

    def _open_searcher(self) -> tuple | None:
        """Bring ``self._searcher`` up to date with the generation in use; returns what
        identifies what it reads (None when there is no index)."""
        directory = self.current_dir()
        if directory is None:
            return None
        if self._searcher is None or self._searcher_dir != directory:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = _Storage(directory).open_index().searcher(weighting=BM25F())
            self._searcher_dir = directory
        else:
            self._searcher = self._searcher.refresh()
        return directory, self._searcher.reader().generation()

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None

    def remove(self) -> None:
        """Delete the index (every generation); it no longer exists until written again."""
        with self._lock:
            self.close()
            self._pointer.unlink(missing_ok=True)
            shutil.rmtree(self.root, ignore_errors=True)
            self._readable.clear()
            self._matches.clear()

    def search(self, request: IndexQuery) -> IndexResults:
        """Ranked, filtered passages with facet counts for the query and the other filters."""
        with self._reading() as (searcher, table):
            if searcher is None:
                return IndexResults(total=0, hits=[], facets={})
            whoosh_query, notice, excluded = self._parse(searcher, request)
            visible = table.live if request.include_restricted else table.live & ~table.restricted
            if request.hidden:
                visible = visible & ~np.isin(table.pids, list(request.hidden))
            masks = {name: table.mask(name, values)
                     for name, values in request.filters.items() if values and name in FACETS}
            if request.year_from is not None or request.year_to is not None:
                year_range = table.year_mask(request.year_from, request.year_to)
                masks["year"] = masks["year"] & year_range if "year" in masks else year_range
            wanted = visible.copy()
            for mask in masks.values():
                wanted &= mask
            if isinstance(whoosh_query, query.Every):
                ids = np.flatnonzero(table.live)
                scores = np.zeros(len(ids))
            else:
                ids, scores = self._scored_matches(searcher, whoosh_query, wanted)
                if excluded is not None:  # Whoosh's AndNot lets some excluded passages through
                    kept = ~_matching(searcher, excluded, table.size)[ids]
                    ids, scores = ids[kept], scores[kept]
                if not request.plain:
                    scores = np.where(table.reference[ids], scores * REFERENCE_WEIGHT, scores)
            matched = np.zeros(table.size, dtype=bool)
            matched[ids] = True
            matched &= visible
            selected = matched & wanted
            facets: dict[str, dict[str, int]] = {}
            if request.facets:
                for name in FACETS:
                    base = matched.copy()
                    for other, mask in masks.items():
                        if other != name:
                            base &= mask
                    facets[name] = table.count(name, base)
            total = int(np.count_nonzero(selected))
            keep = selected[ids]
            hits = self._ranked_hits(searcher, whoosh_query, request, table, ids[keep],
                                     scores[keep])
            suggestion = None
            if request.suggest and request.text.strip() and not request.plain:
                suggestion = self._suggest(searcher, request.text, request.include_restricted)
            return IndexResults(total=total, hits=hits, facets=facets, notice=notice,
                                suggestion=suggestion)

    def _scored_matches(self, searcher, whoosh_query: query.Query, wanted: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
        """Every match of the query, scored where ``wanted`` (NaN elsewhere: facets only
        count those); from the cache when the query ran since the index last changed."""
        key = repr(whoosh_query)
        found = self._matches.get(key)
        if found is None:
            found = _match(searcher, whoosh_query, wanted)
        else:
            ids, scores = found
            missing = wanted[ids] & np.isnan(scores)
            if missing.any():
                scores = scores.copy()
                scores[missing] = _scores(searcher, whoosh_query, ids[missing])
                found = ids, scores
        self._matches.put(key, found)
        return found

    def _ranked_hits(self, searcher, whoosh_query: query.Query, request: IndexQuery,
                     table: _FacetTable, ids: np.ndarray, scores: np.ndarray) -> list[IndexHit]:
        """The requested page of ``ids`` (the selected matches), best first (ties in index
        order) or newest first, with highlighted snippets."""
        wanted = request.offset + request.limit
        if len(ids) == 0 or request.limit <= 0:
            return []
        newest = request.sort == "newest" or not request.text.strip()
        if newest:
            order = np.lexsort((table.pids[ids], table.docs[ids], -table.years[ids]))
        else:
            order = np.lexsort((ids, -scores))
        page = order[request.offset:wanted]
        words = _matched_words(searcher, whoosh_query, ids[page]) if request.text.strip() \
            else frozenset()
        hits = []
        for position in page:
            stored = searcher.stored_fields(int(ids[position]))
            snippet = _highlight(stored["text"], words, searcher.schema["text"].analyzer) \
                if words else ""
            hits.append(IndexHit(passage_id=int(stored["pid"]), document_id=int(stored["doc"]),
                                 score=0.0 if newest else float(scores[position]),
                                 snippet=snippet or _escape(_shorten(stored["text"]))))
        return hits

    def similar(self, text: str, *, exclude_document: int | None = None,
                filters: dict[str, Sequence[str]] | None = None, year_to: int | None = None,
                include_restricted: bool = False, limit: int = 5,
                min_score: float = 0.0) -> list[IndexHit]:
        """Passages like ``text`` (by its most distinctive terms), optionally from other documents,
        within ``filters`` and up to ``year_to``."""
        with self._reading() as (searcher, table):
            if searcher is None or not text.strip():
                return []
            terms = searcher.key_terms_from_text("text", text, numterms=12)
            if not terms:
                return []
            like = query.Or([query.Term("text", word, boost=weight) for word, weight in terms])
            allowed = table.live.copy()
            if not include_restricted:
                allowed &= ~table.restricted
            if exclude_document is not None:
                allowed &= table.docs != exclude_document
            for name, values in (filters or {}).items():
                if values and name in FACETS:
                    allowed &= table.mask(name, values)
            if year_to is not None:
                allowed &= table.year_mask(None, year_to)
            ids, scores = _match(searcher, like, allowed)
            keep = allowed[ids] & (scores >= min_score)
            ids, scores = ids[keep], scores[keep]
            best = np.lexsort((ids, -scores))[:limit]
            words = _matched_words(searcher, like, ids[best])
            analyzer = searcher.schema["text"].analyzer
            hits = []
            for position in best:
                stored = searcher.stored_fields(int(ids[position]))
                hits.append(IndexHit(
                    passage_id=int(stored["pid"]), document_id=int(stored["doc"]),
                    score=float(scores[position]),
                    snippet=_highlight(stored["text"], words, analyzer)
                    or _escape(_shorten(stored["text"]))))
            return hits

    # -- query parsing ------------------------------------------------------
    def _parse(self, searcher, request: IndexQuery
               ) -> tuple[query.Query, str | None, query.Query | None]:
        """The query to score, a notice when it was not read as written, and what it leaves
        out (passages matching it are dropped from the matches)."""
        text = request.text.strip()
        if not text:
            return query.Every(), None, None
        schema = searcher.schema
        if request.plain:
            parser = qparser.QueryParser("text", schema, group=qparser.OrGroup)
            return parser.parse(_plain_words(text)), None, None
        parser = qparser.MultifieldParser(
            ["text", "heading", "title"], schema,
            fieldboosts=FIELD_BOOSTS,
            group=qparser.OrGroup.factory(0.9))
        parser.remove_plugin_class(qparser.FieldsPlugin)
        parser.remove_plugin_class(qparser.WildcardPlugin)
        parser.remove_plugin_class(qparser.BoostPlugin)
        parser.remove_plugin_class(qparser.RangePlugin)
        # + and - only at the start of a word: "self-harm" and "co-sleeping" leave nothing out.
        parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+",
                                                  minusexpr=r"(?<![^\s(])-"))
        notice = None
        try:
            parsed = parser.parse(text)
        except Exception:  # Whoosh raises assorted errors on odd syntax
            parsed = query.NullQuery
        if parsed is query.NullQuery and _EXCLUDED.search(text) \
                and not _plain_words(_EXCLUDED.sub(" ", text)):
            return parsed, "Your search only leaves words out: add a word to look for.", None
        if parsed is query.NullQuery or _has_errors(parsed):
            parsed = parser.parse(_plain_words(text))
            if parsed is query.NullQuery:
                return (parsed, "Your search has only very common words: try more specific ones.",
                        None)
            notice = "Your search could not be read as written, so it was searched as plain words."
        # Words left out (-word, -"phrase", NOT word) leave out passages from the whole
        # widened query, synonyms and proximity included.
        parsed, excluded = _split_exclusions(parsed)
        if parsed is None:
            return (query.NullQuery, "Your search only leaves words out: add a word to look for.",
                    None)
        widened = [parsed]
        proximity = _proximity_query(_EXCLUDED.sub(" ", text), schema)
        if proximity is not None:
            widened.append(proximity)
        for group in request.expansions:
            alternatives = [_phrase_query(term, schema) for term in group]
            alternatives = [alt for alt in alternatives if alt is not None]
            if alternatives:
                # The best-matching equivalent counts, not the sum of all of them.
                widened.append(query.DisjunctionMax(alternatives, boost=SYNONYM_WEIGHT))
        main = query.Or(widened) if len(widened) > 1 else parsed
        if request.boost_themes:
            boost = query.Or([query.Term("theme", theme) for theme in request.boost_themes],
                             boost=THEME_BOOST)
            main = query.AndMaybe(main, boost)
        return main, notice, query.Or(excluded) if excluded else None

    def _suggest(self, searcher, text: str, include_restricted: bool = False) -> str | None:
        """The query with each word unknown to the index replaced by the closest known word.

        Unless ``include_restricted``, a word is known only when an open passage holds it:
        a suggestion never reveals a word found only in restricted passages. Called while
        reading, so ``self._facets`` is the table of ``searcher``'s generation.
        """
        reader = searcher.reader()
        analyzer = searcher.schema["text"].analyzer
        table = self._facets
        # Deleted passages (a document restricted or removed since the last merge) leave their
        # words in the dictionary: a word is known only when a live passage holds it.
        hidden = ~table.live
        if not include_restricted:
            hidden |= table.restricted
        if not hidden.any():
            hidden = None

        def known(word: str) -> bool:
            stems = [token.text for token in analyzer(word)]
            if not stems or ("text", stems[0]) not in reader:
                return False
            if hidden is None:
                return True
            # Stops at the first passage that may be seen, usually the first of the list.
            return any(not hidden[docnum]
                       for docnum in reader.postings("text", stems[0]).all_ids())

        words = searcher.schema["text"].spelling_fieldname("text")  # the words, unstemmed

        def terms_from(prefix: str) -> Iterator[str]:
            return (term.decode() for term in reader.expand_prefix(words, prefix))

        def frequency(term: str) -> int:
            return reader.doc_frequency(words, term)

        # The work is bounded by kb/spelling.py (word length, terms examined per word and
        # per query), whatever the query holds: 500 letters of one word, 100 unknown words.
        budget = SpellingBudget()
        tries = 0

        def corrected(match: re.Match) -> str:
            nonlocal tries
            word = match.group(0)
            if word in _OPERATORS or tries >= MAX_CORRECTED_WORDS \
                    or len(word) > MAX_WORD_CHARS \
                    or not [token.text for token in analyzer(word)] or known(word):
                return word
            tries += 1
            return closest_spelling(word.lower(), terms_from, frequency, known, budget) or word

        suggestion = _WORD.sub(corrected, text)
        return suggestion if suggestion != text else None


class CombinedIndex(SearchIndex):
    """Several indexes searched as one, for reading only.

    Whoosh reads their segments together (a MultiReader), so word statistics, scores,
    facet counts and "similar" are exactly those of one index holding all their passages,
    while each passage is written to one index only.
    """

    def __init__(self, parts: Sequence[SearchIndex], cache_bytes: int = 64 << 20) -> None:
        super().__init__(parts[0].root, cache_bytes=cache_bytes)
        self.parts = list(parts)
        self._searcher_key: tuple | None = None

    def current_dir(self) -> Path | None:
        return next((d for d in (part.current_dir() for part in self.parts) if d), None)

    def exists(self) -> bool:
        return any(part.exists() for part in self.parts)

    def apply(self, additions, deletions) -> None:
        raise TypeError("a combined index is read-only: write to its parts")

    def rebuild(self, items) -> int:
        raise TypeError("a combined index is read-only: write to its parts")

    def remove(self) -> None:
        raise TypeError("a combined index is read-only: remove its parts")

    def _open_searcher(self) -> tuple | None:
        directories = [d for d in (part.current_dir() for part in self.parts) if d]
        if not directories:
            return None
        key = tuple((d, TOC._latest_generation(_Storage(d), "MAIN")) for d in directories)
        if key != self._searcher_key:
            if self._searcher is not None:
                self._searcher.close()
            readers = [_Storage(d).open_index().reader() for d in directories]
            reader = readers[0] if len(readers) == 1 else MultiReader(readers)
            self._searcher = Searcher(reader, weighting=BM25F())
            self._searcher_key = key
        return key


class _MatchCache:
    """The matches (document numbers and scores) of recent queries, up to a size in bytes.

    Refining a search by its facets or paging through it asks the same query again; the
    cache spares the pass over the postings. Cleared whenever the index changes.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._bytes = 0

    def get(self, key: str) -> tuple[np.ndarray, np.ndarray] | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: str, found: tuple[np.ndarray, np.ndarray]) -> None:
        """Keep ``found`` (replacing what ``key`` had), dropping the oldest over the budget."""
        if key in self._entries:
            self._bytes -= sum(array.nbytes for array in self._entries.pop(key))
        size = sum(array.nbytes for array in found)
        if size > self.max_bytes:
            return
        self._entries[key] = found
        self._bytes += size
        while self._bytes > self.max_bytes:
            _, dropped = self._entries.popitem(last=False)
            self._bytes -= sum(array.nbytes for array in dropped)

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0


def _match(searcher, whoosh_query: query.Query,
           wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every document matching the query, with its exact score where ``wanted`` (NaN
    elsewhere), in one pass over the postings.

    Counting facets, the total and the ranking all come from this pass (Whoosh's own
    top-k collector would walk the postings a second time and skips blocks by their
    best possible score, which leaves some scores short of the full BM25F sum).
    """
    ids: list[int] = []
    scores: list[float] = []
    scored = wanted.tobytes()  # one byte per document: indexing bytes is fast in Python
    context = searcher.context()
    for subsearcher, offset in searcher.leaf_searchers():
        matcher = whoosh_query.matcher(subsearcher, context)
        while matcher.is_active():
            docnum = offset + matcher.id()
            ids.append(docnum)
            scores.append(matcher.score() if scored[docnum] else math.nan)
            matcher.next()
    return np.array(ids, dtype=np.int64), np.array(scores, dtype=np.float64)


def _matching(searcher, whoosh_query: query.Query, size: int) -> np.ndarray:
    """Which documents match the query (unscored), as a mask."""
    mask = np.zeros(size, dtype=bool)
    for subsearcher, offset in searcher.leaf_searchers():
        matcher = whoosh_query.matcher(subsearcher, searcher.context())
        if matcher.is_active():
            mask[offset + np.fromiter(matcher.all_ids(), dtype=np.int64)] = True
    return mask


def _scores(searcher, whoosh_query: query.Query, docnums: np.ndarray) -> np.ndarray:
    """The scores of some matching documents (in ascending order), skipping to each."""
    scores = np.zeros(len(docnums))
    context = searcher.context()
    position = 0
    for subsearcher, offset in searcher.leaf_searchers():
        end = offset + subsearcher.doc_count_all()
        matcher = whoosh_query.matcher(subsearcher, context)
        while position < len(docnums) and docnums[position] < end:
            matcher.skip_to(int(docnums[position]) - offset)
            scores[position] = matcher.score()
            position += 1
    return scores


def _matched_words(searcher, whoosh_query: query.Query, docnums: np.ndarray) -> frozenset[str]:
    """The terms of the text field that matched in any of ``docnums`` (phrase words only
    where the phrase matched), to highlight as Whoosh highlights a page of results."""
    words: set[str] = set()
    # The query's words and phrases in the text field, unscored, each matcher kept positioned.
    text_parts = query.Or([leaf for leaf in _walk(whoosh_query) if leaf.is_leaf()
                           and getattr(leaf, "fieldname", None) == "text"])
    context = searcher.context(needs_current=True, weighting=None)
    for subsearcher, offset in searcher.leaf_searchers():
        local = sorted(int(d) - offset for d in docnums
                       if offset <= d < offset + subsearcher.doc_count_all())
        matcher = text_parts.matcher(subsearcher, context) if local else None
        for docnum in local:
            if not matcher.is_active():
                break
            matcher.skip_to(docnum)
            if matcher.is_active() and matcher.id() == docnum:
                words.update(text.decode() for fieldname, text in matcher.matching_terms()
                             if fieldname == "text")
    return frozenset(words)


def _is_current(schema: Schema) -> bool:
    """Whether an index's schema is the one this version writes and reads."""
    return "reference" in schema and "area" in schema and all(
        name in schema and schema[name].column_type for name in COLUMNS)


def _numeric_column(segment, fieldname: str) -> np.ndarray:
    """A segment's numeric column as an array, read in one piece (Whoosh's reader unpacks
    value by value)."""
    field = segment.schema[fieldname]
    column = segment.column_reader(fieldname, translate=False)
    values = np.zeros(segment.doc_count_all(), dtype=np.int64)
    count = getattr(column, "_count", 0)  # an empty segment's column has no data
    if count:
        raw = column._dbfile.get(column._basepos, count * column._fixedlen)
        values[:count] = np.frombuffer(raw, dtype=">" + column._typecode)
        values[:count] -= (1 << (field.bits - 1)) if field.signed else 0
    return values


def _posting_ids(segment, fieldname: str, text: str | bytes) -> np.ndarray:
    """Document numbers of a term's postings in a segment, deleted ones included, read a
    block at a time."""
    try:
        matcher = segment.postings(fieldname, text)
    except TermNotFound:
        return np.zeros(0, dtype=np.int64)
    if isinstance(matcher, FilterMatcher):  # the segment's deletions: the live mask has them
        matcher = matcher.child
        matcher.reset()
    if not isinstance(matcher, W3LeafMatcher):  # short posting lists are kept in the term
        return np.fromiter(matcher.all_ids(), dtype=np.int64)
    blocks = []
    while matcher.is_active():
        matcher._read_ids()
        blocks.append(np.asarray(matcher._ids, dtype=np.int64))
        matcher._next_block()
    return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.int64)


def _highlight(text: str, words: frozenset[str], analyzer) -> str:
    """Up to two fragments of ``text`` around ``words`` (analysed terms), adjacent matched
    words marked together, as Whoosh highlights a hit; of fragments scoring the same, the
    earlier wins (Whoosh breaks such ties by memory address)."""
    tokens = analyzer(text, positions=True, chars=True, mode="index", removestops=False)
    tokens = Highlighter._merge_matched_tokens(set_matched_filter(tokens, words))
    fragmenter = ContextFragmenter(maxchars=SNIPPET_CHARS, surround=90)
    scorer = BasicFragmentScorer()
    scored = [(scorer(fragment), fragment) for fragment in fragmenter.fragment_tokens(text, tokens)]
    scored.sort(key=lambda item: (-item[0], item[1].startchar))
    best = sorted((fragment for score, fragment in scored[:2] if score >= 1), key=FIRST)
    return _MarkFormatter(tagname="mark", between=" … ").format(best)


class _MarkFormatter(HtmlFormatter):
    """Escaped text with plain ``<mark>`` around matched terms."""

    template = "<%(tag)s>%(t)s</%(tag)s>"


def _proximity_query(text: str, schema: Schema) -> query.Query | None:
    """Adjacent query words found close together in a passage: "health visitor", "safe sleep"."""
    words = [token.text for token in schema["text"].analyzer(_plain_words(text))]
    pairs = [query.Phrase("text", [first, second], slop=PROXIMITY_SLOP)
             for first, second in zip(words, words[1:])]
    return query.Or(pairs, boost=PROXIMITY_WEIGHT) if pairs else None


def _phrase_query(term: str, schema: Schema) -> query.Query | None:
    tokens = [token.text for token in schema["text"].analyzer(term)]
    if not tokens:
        return None
    if len(tokens) == 1:
        return query.Term("text", tokens[0])
    return query.Phrase("text", tokens)


#: A word or "phrase" the query leaves out: after a minus sign, or after NOT.
_EXCLUDED = re.compile(r'(?:(?<=[\s(])|^)(?:-|NOT\s+)("[^"]*"?|[^\s()]+)')


def _split_exclusions(node: query.Query) -> tuple[query.Query | None, list[query.Query]]:
    """``node`` without the parts it leaves out, and those parts (None: nothing left)."""
    if isinstance(node, query.AndNot):
        positive, excluded = _split_exclusions(node.a)
        return positive, excluded + [node.b]
    if isinstance(node, query.Not):
        return None, [node.query]
    if isinstance(node, query.CompoundQuery):
        kept, excluded = [], []
        for child in node.subqueries:
            positive, left_out = _split_exclusions(child)
            excluded += left_out
            if positive is not None:
                kept.append(positive)
        if not excluded:
            return node, []
        if not kept:
            return None, excluded
        rebuilt = copy.copy(node)
        rebuilt.subqueries = kept
        return rebuilt, excluded
    return node, []


def _has_errors(parsed: query.Query) -> bool:
    """Whether Whoosh's parser flagged part of the query as unreadable."""
    return any(getattr(node, "error", None) for node in _walk(parsed))


def _walk(node: query.Query) -> Iterator[query.Query]:
    yield node
    for child in node.children():
        yield from _walk(child)


_WORD = re.compile(r"[\w']+")


def _plain_words(text: str) -> str:
    """The words of ``text``, stripped of all query syntax."""
    return " ".join(w for w in _WORD.findall(text) if w.upper() not in _OPERATORS)


_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})  # Whoosh's, as words


def _shorten(text: str) -> str:
    if len(text) <= SNIPPET_CHARS:
        return text
    cut = text[:SNIPPET_CHARS].rsplit(" ", 1)[0]
    return cut + " …"


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))
