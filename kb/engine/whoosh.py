"""Whoosh, the pure-Python engine: for small installations and platforms without a tantivy
wheel (``KB_ENGINE=whoosh``).

Open and restricted passages are indexed apart, each in its own directory of generations
(``open/`` and ``restricted/``); anonymous visitors search the open index alone, people with
access search both as one through Whoosh's MultiReader (exactly one index of everything).
Each directory holds ``<generation>`` directories and a ``CURRENT`` file naming the one in
use; a rebuild writes a new generation beside the old one and switches ``CURRENT``
atomically, so a crash leaves the previous index searchable.

Whoosh scores every matching posting in Python, so it answers in seconds at 100,000
passages; tantivy is the engine for anything larger than a partnership's own reviews.
"""
from __future__ import annotations

import math
import shutil
import threading
import time
import warnings
from collections import OrderedDict
from itertools import islice
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

# Whoosh 2.7.4 uses old-style regex strings that warn on import under Python 3.12+.
warnings.filterwarnings("ignore", category=SyntaxWarning, module=r"whoosh(\..*)?")
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"whoosh(\..*)?")

from whoosh import index as whoosh_index  # noqa: E402
from whoosh import query
from whoosh.analysis import StemmingAnalyzer
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC
from whoosh.matching import FilterMatcher
from whoosh.reading import MultiReader, TermNotFound
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

from kb.engine import (
    RESTRICTED_NOW, EngineHit, EngineRequest, EngineResults, IndexedPassage, RebuildNeeded,
    Token, switch_generation,
)
from kb.facets import FACETS as REGISTRY, MULTI_VALUED
from kb.query import STOP_WORDS, AllOf, AnyOf, AtLeast, BestOf, FacetIs, Node, Prefer, Terms
from kb.suggest import SPELLING_PREFIX_TERMS, edit_distance

FACETS = MULTI_VALUED
_ANALYZER = StemmingAnalyzer(stoplist=STOP_WORDS)


def _schema() -> Schema:
    """The passages' fields, a field per facet of the registry (several values comma-joined,
    numbers as sortable columns)."""
    facets = {facet.name: NUMERIC(int, sortable=True) if facet.numeric
              else KEYWORD(commas=True) if facet.multi else ID for facet in REGISTRY}
    return Schema(
        pid=NUMERIC(int, stored=True, unique=True, sortable=True),
        doc=NUMERIC(int, stored=True, sortable=True),
        text=TEXT(analyzer=_ANALYZER, phrase=True, spelling=True),
        heading=TEXT(analyzer=_ANALYZER),
        title=TEXT(analyzer=_ANALYZER),
        restricted=ID,
        reference=ID,
        **facets,
    )


#: Numeric columns the facet table reads; an index without them (or without the reference
#: field) was written by an older version and is rebuilt from SQLite.
COLUMNS = ("pid", "doc", "year")


def _document_fields(passage: IndexedPassage) -> dict:
    fields = {
        "pid": passage.passage_id,
        "doc": passage.document_id,
        "text": passage.text,
        "heading": passage.heading,
        "title": passage.title,
        "restricted": "1" if passage.restricted else "0",
        "reference": "1" if passage.reference else "0",
    }
    for facet in REGISTRY:
        values = passage.facets.get(facet.name, [])
        if facet.numeric:
            fields[facet.name] = int(values[0]) if values else 0
        else:
            fields[facet.name] = ",".join(values) if facet.multi else (values[0] if values else "")
    return fields


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


class _Part:
    """One index directory: its generations, writing, and the matching behind a search."""

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
        switch_generation(self._pointer, directory)

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
    def apply(self, additions: Sequence[IndexedPassage], deletions: Iterable[int]) -> None:
        """Add or replace passages and delete others, in one commit."""
        replaced = [passage.passage_id for passage in additions] + list(deletions)
        ix = self._open()
        writer = ix.writer(limitmb=128, compound=False)
        try:  # one search for every passage to drop (update_document would search for each)
            if replaced:
                writer.delete_by_query(query.Or([query.Term("pid", pid) for pid in replaced]))
            for passage in additions:
                writer.add_document(**_document_fields(passage))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        ix.close()

    def rebuild(self, passages: Iterable[IndexedPassage]) -> int:
        """Write a fresh generation and switch to it; returns the passage count."""
        directory = self._new_generation()
        ix = _Storage(directory).create_index(_schema())
        writer = ix.writer(limitmb=256, compound=False)
        count = 0
        try:
            for passage in passages:
                writer.add_document(**_document_fields(passage))
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
        """Remove generations that are neither current nor the one just replaced (kept until
        the next rebuild, so that a searcher still reading it is not pulled from under it)."""
        for path in self.root.glob("gen-*"):
            if path not in keep:
                shutil.rmtree(path, ignore_errors=True)

    def passage_ids(self) -> set[int]:
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

    def search(self, request: EngineRequest) -> EngineResults:
        """Ranked, filtered passages with facet counts for the query and the other filters."""
        with self._reading() as (searcher, table):
            if searcher is None or request.query.matches_nothing:
                return EngineResults(total=0, hits=[], facets={})
            schema = searcher.schema
            root = request.query.root
            whoosh_query = query.Every() if root is None else _translate(root, schema)
            excluded = query.Or([_translate(node, schema) for node in request.query.excluded]) \
                if request.query.excluded else None
            visible = table.live if request.include_restricted else table.live & ~table.restricted
            if request.hidden:
                visible = visible & ~np.isin(table.pids, np.fromiter(request.hidden, np.int64))
            masks = {name: table.mask(name, values)
                     for name, values in request.filters.items() if values and name in FACETS}
            if request.year_from is not None or request.year_to is not None:
                year_range = table.year_mask(request.year_from, request.year_to)
                masks["year"] = masks["year"] & year_range if "year" in masks else year_range
            wanted = visible.copy()
            for mask in masks.values():
                wanted &= mask
            if root is None:
                ids = np.flatnonzero(table.live)
                scores = np.zeros(len(ids))
            else:
                ids, scores = self._scored_matches(searcher, whoosh_query, wanted)
                if excluded is not None:  # Whoosh's AndNot lets some excluded passages through
                    kept = ~_matching(searcher, excluded, table.size)[ids]
                    ids, scores = ids[kept], scores[kept]
                if request.reference_weight != 1.0:
                    scores = np.where(table.reference[ids], scores * request.reference_weight,
                                      scores)
            matched = np.zeros(table.size, dtype=bool)
            matched[ids] = True
            matched &= visible
            selected = matched & wanted
            any_total = None
            if root is not None and request.query.counted is not None:
                counted = _node_mask(searcher, request.query.counted, table.size)
                if np.count_nonzero(selected & counted):  # else every match is listed
                    mentions = request.query.mentions
                    mentioned = selected if mentions is None else \
                        _matching(searcher, _translate(mentions, schema), table.size) & wanted
                    if excluded is not None and mentions is not None:
                        mentioned &= ~_matching(searcher, excluded, table.size)
                    any_total = max(int(np.count_nonzero(selected & counted)),
                                    int(np.count_nonzero(mentioned)))
                    matched &= counted
                    selected &= counted
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
            hits = self._ranked_hits(request, table, ids[keep], scores[keep])
            return EngineResults(total=total, hits=hits, facets=facets, matched=any_total)

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

    def _ranked_hits(self, request: EngineRequest, table: _FacetTable, ids: np.ndarray,
                     scores: np.ndarray) -> list[EngineHit]:
        """The requested page of ``ids`` (the selected matches), best first (ties in index
        order) or newest first."""
        if len(ids) == 0 or request.limit <= 0:
            return []
        newest = request.sort == "newest" or request.query.root is None
        if newest:
            order = np.lexsort((table.pids[ids], table.docs[ids], -table.years[ids]))
        else:
            order = np.lexsort((ids, -scores))
        page = order[request.offset:request.offset + request.limit]
        return [EngineHit(passage_id=int(table.pids[ids[i]]), document_id=int(table.docs[ids[i]]),
                          score=0.0 if newest else float(scores[i])) for i in page]

    def similar(self, text: str, *, exclude_document: int | None = None,
                filters: dict[str, Sequence[str]] | None = None, year_to: int | None = None,
                include_restricted: bool = False, limit: int = 5) -> list[EngineHit]:
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
            keep = allowed[ids]
            ids, scores = ids[keep], scores[keep]
            best = np.lexsort((ids, -scores))[:limit]
            return [EngineHit(passage_id=int(table.pids[ids[i]]),
                              document_id=int(table.docs[ids[i]]), score=float(scores[i]))
                    for i in best]

    def spellings(self, word: str, include_restricted: bool, max_distance: int,
                  limit: int) -> list[str] | None:
        """None when a visible passage holds ``word``, else known words close to it."""
        with self._reading() as (searcher, table):
            if searcher is None:
                return []
            reader = searcher.reader()
            # Deleted passages (a document restricted or removed since the last merge) leave
            # their words in the dictionary: a word is known only when a passage that may be
            # seen holds it.
            hidden = ~table.live
            if not include_restricted:
                hidden |= table.restricted
            if not hidden.any():
                hidden = None

            def known(candidate: str) -> bool:
                stems = [token.text for token in _ANALYZER(candidate)]
                if not stems or ("text", stems[0]) not in reader:
                    return False
                if hidden is None:
                    return True
                # Stops at the first passage that may be seen, usually the first of the list.
                return any(not hidden[docnum]
                           for docnum in reader.postings("text", stems[0]).all_ids())

            if known(word):
                return None
            # The words sharing its first letters, at most SPELLING_PREFIX_TERMS of them: the
            # work is bounded whatever the word (Whoosh's own corrector reads every word).
            words = searcher.schema["text"].spelling_fieldname("text")  # unstemmed
            prefix = word[:2] if len(word) > 3 else word[:1]
            found = (term.decode() for term in reader.expand_prefix(words, prefix))
            close = [term for term in islice(found, SPELLING_PREFIX_TERMS)
                     if abs(len(term) - len(word)) <= max_distance and term != word
                     and edit_distance(word, term) <= max_distance]
            # Commonest first.
            close.sort(key=lambda term: -reader.doc_frequency(words, term))
            return [term for term in close if known(term)][:limit]


class _Combined(_Part):
    """Several parts searched as one, for reading only.

    Whoosh reads their segments together (a MultiReader), so word statistics, scores,
    facet counts and "similar" are exactly those of one index holding all their passages,
    while each passage is written to one index only.
    """

    def __init__(self, parts: Sequence[_Part], cache_bytes: int = 64 << 20) -> None:
        super().__init__(parts[0].root, cache_bytes=cache_bytes)
        self.parts = list(parts)
        self._searcher_key: tuple | None = None

    def current_dir(self) -> Path | None:
        return next((d for d in (part.current_dir() for part in self.parts) if d), None)

    def exists(self) -> bool:
        return any(part.exists() for part in self.parts)

    def apply(self, additions, deletions) -> None:
        raise TypeError("a combined index is read-only: write to its parts")

    def rebuild(self, passages) -> int:
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


class WhooshEngine:
    """The Whoosh engine: an open part, a restricted part, and both read as one."""

    name = "whoosh"

    def __init__(self, root: Path, cache_bytes: int = 64 << 20) -> None:
        self.root = Path(root)
        self.open_part = _Part(self.root / "open", cache_bytes=cache_bytes)
        self.restricted_part = _Part(self.root / "restricted", cache_bytes=cache_bytes)
        self._everything = _Combined([self.open_part, self.restricted_part],
                                     cache_bytes=cache_bytes)

    def exists(self) -> bool:
        return self.open_part.exists()

    def generation(self) -> str | None:
        directory = self.open_part.current_dir()
        return directory.name if directory else None

    def _reader(self, include_restricted: bool) -> _Part:
        if include_restricted and self.restricted_part.exists():
            return self._everything
        return self.open_part

    def apply(self, additions: Sequence[IndexedPassage], deletions: Sequence[int]) -> None:
        """A passage lives in one part: added to its own, dropped from the other."""
        opened = [p for p in additions if not p.restricted]
        closed = [p for p in additions if p.restricted]
        if closed and {p.passage_id for p in closed} & self.open_part.passage_ids():
            raise RebuildNeeded(RESTRICTED_NOW)
        self.open_part.apply(opened, list(deletions) + [p.passage_id for p in closed])
        if closed or self.restricted_part.exists():
            self.restricted_part.apply(closed, list(deletions) + [p.passage_id for p in opened])

    def rebuild(self, passages: Iterable[IndexedPassage], with_restricted: bool = True) -> int:
        """Both parts afresh, in one pass over ``passages`` (restricted ones held back and
        written after the open part is complete)."""
        closed: list[IndexedPassage] = []

        def opened() -> Iterator[IndexedPassage]:
            for passage in passages:
                if passage.restricted:
                    closed.append(passage)
                else:
                    yield passage

        count = self.open_part.rebuild(opened())
        if closed:
            count += self.restricted_part.rebuild(closed)
        else:
            self.restricted_part.remove()
        return count

    def search(self, request: EngineRequest) -> EngineResults:
        return self._reader(request.include_restricted).search(request)

    def similar(self, text: str, *, include_restricted: bool = False, **options) -> list[EngineHit]:
        return self._reader(include_restricted).similar(
            text, include_restricted=include_restricted, **options)

    def spellings(self, word: str, include_restricted: bool, max_distance: int,
                  limit: int) -> list[str] | None:
        return self._reader(include_restricted).spellings(word, include_restricted,
                                                          max_distance, limit)

    def stems(self, text: str) -> list[str]:
        return [token.text for token in _ANALYZER(text, mode="index", removestops=False)]

    def analyse(self, text: str) -> list[Token]:
        return [Token(token.text, token.startchar, token.endchar)
                for token in _ANALYZER(text, positions=True, chars=True, mode="index",
                                       removestops=False)]

    def passage_ids(self) -> tuple[set[int], set[int]]:
        return self.open_part.passage_ids(), self.restricted_part.passage_ids()

    def remove(self) -> None:
        self.close()
        self.open_part.remove()
        self.restricted_part.remove()

    def close(self) -> None:
        self.open_part.close()
        self.restricted_part.close()
        self._everything.close()


# -- the query tree in Whoosh's terms ----------------------------------------------------------
def _translate(node: Node, schema: Schema) -> query.Query:
    """A ``kb.query`` tree as a Whoosh query (the analyser stems each word)."""
    if isinstance(node, Terms):
        tokens = [token.text for token in schema["text"].analyzer(node.text)]
        per_field = []
        for name, weight in node.fields:
            weight *= node.boost
            if node.phrase and len(tokens) > 1:
                per_field.append(query.Phrase(name, tokens, slop=node.slop + 1, boost=weight))
            else:
                per_field += [query.Term(name, token, boost=weight) for token in tokens]
        return per_field[0] if len(per_field) == 1 else query.Or(per_field)
    if isinstance(node, AnyOf):
        return query.Or([_translate(child, schema) for child in node.children], boost=node.boost)
    if isinstance(node, AllOf):
        return query.And([_translate(child, schema) for child in node.children], boost=node.boost)
    if isinstance(node, BestOf):
        return query.DisjunctionMax([_translate(child, schema) for child in node.children],
                                    boost=node.boost)
    if isinstance(node, AtLeast):  # only selects: a search counts it with ``_node_mask``
        raise TypeError("AtLeast selects passages and never scores: count it with _node_mask "
                        "(as a query it would be every combination of its children)")
    if isinstance(node, Prefer):
        return query.AndMaybe(_translate(node.required, schema), _translate(node.optional, schema))
    if isinstance(node, FacetIs):
        return query.Or([query.Term(node.facet, value) for value in node.values],
                        boost=node.boost)
    raise TypeError(f"not a query node: {node!r}")


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


def _node_mask(searcher, node: Node, size: int) -> np.ndarray:
    """Which documents a tree matches, as a mask: "at least n of these" by adding up its
    children's masks (no query of every combination)."""
    if isinstance(node, AtLeast):
        held = sum((_node_mask(searcher, child, size).astype(np.int32)
                    for child in node.children), np.zeros(size, dtype=np.int32))
        return held >= node.minimum
    if isinstance(node, AllOf):
        mask = np.ones(size, dtype=bool)
        for child in node.children:
            mask &= _node_mask(searcher, child, size)
        return mask
    return _matching(searcher, _translate(node, searcher.schema), size)


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


def _is_current(schema: Schema) -> bool:
    """Whether an index's schema is the one this version writes and reads."""
    return "reference" in schema and all(
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


