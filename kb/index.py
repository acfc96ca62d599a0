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

import os
import re
import shutil
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import kb  # noqa: F401  (filters Whoosh's import warnings)
import numpy as np
from whoosh import index as whoosh_index
from whoosh import qparser, query, sorting
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.highlight import ContextFragmenter, HtmlFormatter
from whoosh.scoring import BM25F

from kb.model import Document, Passage

#: Facets and whether a passage can carry several values of each.
FACETS: dict[str, bool] = {
    "theme": True,
    "scope": False,
    "kind": False,
    "year": False,
    "publisher": False,
    "age_group": True,
    "passage_type": False,
    "agency": True,
}

SNIPPET_CHARS = 320

# Ranking, on top of BM25F over the passage text, its heading path and the document title
# (measured with `kb eval search`; see the README's ranking section):
FIELD_BOOSTS = {"text": 1.0, "heading": 0.5, "title": 0.2}
SYNONYM_WEIGHT = 0.3  # a taxonomy synonym of a query word counts for less than the word itself
PROXIMITY_WEIGHT = 0.5  # bonus for two adjacent query words found next to each other
PROXIMITY_SLOP = 1
THEME_BOOST = 3.0  # passages tagged with the theme a query's synonyms belong to rank higher


def _schema() -> Schema:
    stem = StemmingAnalyzer()
    return Schema(
        pid=ID(stored=True, unique=True),
        doc=NUMERIC(int, stored=True),
        text=TEXT(analyzer=stem, stored=True, phrase=True, spelling=True),
        heading=TEXT(analyzer=stem, stored=True),
        title=TEXT(analyzer=stem),
        theme=KEYWORD(commas=True, stored=True),
        scope=ID(stored=True),
        kind=ID(stored=True),
        year=NUMERIC(int, stored=True, sortable=True),
        publisher=ID(stored=True),
        age_group=KEYWORD(commas=True, stored=True),
        passage_type=ID(stored=True),
        agency=KEYWORD(commas=True, stored=True),
        restricted=ID(stored=True),
    )


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
        "pid": str(passage.id),
        "doc": int(document.id),
        "text": passage.text,
        "heading": " / ".join(passage.heading_path),
        "title": meta.title,
        "theme": ",".join(passage.themes),
        "scope": meta.scope,
        "kind": meta.kind,
        "year": int(meta.year or 0),
        "publisher": meta.publisher,
        "age_group": ",".join(passage.age_groups),
        "passage_type": passage.passage_type,
        "agency": ",".join(passage.agencies),
        "restricted": "1" if meta.restricted else "0",
    }


class _FacetTable:
    """Every live passage's facet values as numpy arrays, indexed by Whoosh document number.

    Built once per index generation; counting a facet over the matching
    documents is then a few vectorised operations instead of a pass in Python.
    """

    def __init__(self, reader) -> None:
        size = reader.doc_count_all()
        self.size = size
        self.pids = np.zeros(size, dtype=np.int64)
        self.docs = np.zeros(size, dtype=np.int64)
        self.restricted = np.zeros(size, dtype=bool)
        self.live = np.zeros(size, dtype=bool)
        self.codes: dict[str, np.ndarray] = {}
        self.vocab: dict[str, list[str]] = {}
        self.value_masks: dict[str, dict[str, np.ndarray]] = {}
        single_lookup: dict[str, dict[str, int]] = {}
        for name, multi in FACETS.items():
            if multi:
                self.value_masks[name] = {}
            else:
                self.codes[name] = np.full(size, -1, dtype=np.int32)
                self.vocab[name] = []
                single_lookup[name] = {}
        for docnum, stored in reader.iter_docs():
            self.live[docnum] = True
            self.pids[docnum] = int(stored["pid"])
            self.docs[docnum] = stored["doc"]
            self.restricted[docnum] = stored.get("restricted") == "1"
            for name, multi in FACETS.items():
                value = stored.get(name)
                if value in (None, ""):
                    continue
                if multi:
                    for item in str(value).split(","):
                        masks = self.value_masks[name]
                        if item not in masks:
                            masks[item] = np.zeros(size, dtype=bool)
                        masks[item][docnum] = True
                else:
                    value = str(value)
                    lookup = single_lookup[name]
                    if value not in lookup:
                        lookup[value] = len(self.vocab[name])
                        self.vocab[name].append(value)
                    self.codes[name][docnum] = lookup[value]
        self.lookup = single_lookup

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
        years = np.array([int(v) for v in self.vocab["year"]] + [0], dtype=np.int32)
        per_doc = years[self.codes["year"]]  # code -1 picks the trailing 0
        result = np.ones(self.size, dtype=bool)
        if year_from is not None:
            result &= per_doc >= year_from
        if year_to is not None:
            result &= per_doc <= year_to
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

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.RLock()
        self._searcher = None
        self._searcher_dir: Path | None = None
        self._facets: _FacetTable | None = None
        self._facets_key: tuple | None = None

    # -- generations --------------------------------------------------------
    @property
    def _pointer(self) -> Path:
        return self.root / "CURRENT"

    def current_dir(self) -> Path | None:
        """The directory of the generation in use, or None before the first index."""
        try:
            name = self._pointer.read_text().strip()
        except FileNotFoundError:
            return None
        path = self.root / name
        return path if whoosh_index.exists_in(str(path)) else None

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
            whoosh_index.create_in(str(directory), _schema())
            self._switch_to(directory)
        return whoosh_index.open_dir(str(directory))

    def _new_generation(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        directory = self.root / f"gen-{time.time_ns()}"
        directory.mkdir()
        return directory

    # -- writing ------------------------------------------------------------
    def apply(self, additions: Iterable[tuple[Passage, Document]], deletions: Iterable[int]) -> None:
        """Add or replace passages and delete others, in one commit."""
        ix = self._open()
        writer = ix.writer(limitmb=128)
        try:
            for passage_id in deletions:
                writer.delete_by_term("pid", str(passage_id))
            for passage, document in additions:
                writer.update_document(**_document_fields(passage, document))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        ix.close()

    def rebuild(self, items: Iterable[tuple[Passage, Document]]) -> int:
        """Write a fresh generation from ``items`` and switch to it; returns the passage count."""
        directory = self._new_generation()
        ix = whoosh_index.create_in(str(directory), _schema())
        writer = ix.writer(limitmb=256)
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
            directory = self.current_dir()
            if directory is None:
                yield None, None
                return
            if self._searcher is None or self._searcher_dir != directory:
                if self._searcher is not None:
                    self._searcher.close()
                self._searcher = whoosh_index.open_dir(str(directory)).searcher(weighting=BM25F())
                self._searcher_dir = directory
            else:
                self._searcher = self._searcher.refresh()
            reader = self._searcher.reader()
            key = (directory, reader.generation(), reader.doc_count_all())
            if self._facets_key != key:
                self._facets = _FacetTable(reader)
                self._facets_key = key
            yield self._searcher, self._facets

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None

    def search(self, request: IndexQuery) -> IndexResults:
        """Ranked, filtered passages with facet counts for the query and the other filters."""
        with self._reading() as (searcher, table):
            if searcher is None:
                return IndexResults(total=0, hits=[], facets={})
            whoosh_query, notice = self._parse(searcher, request)
            matched = np.zeros(table.size, dtype=bool)
            matched[list(searcher.docs_for_query(whoosh_query))] = True
            if not request.include_restricted:
                matched &= ~table.restricted
            masks = {name: table.mask(name, values)
                     for name, values in request.filters.items() if values and name in FACETS}
            if request.year_from is not None or request.year_to is not None:
                year_range = table.year_mask(request.year_from, request.year_to)
                masks["year"] = masks["year"] & year_range if "year" in masks else year_range
            selected = matched.copy()
            for mask in masks.values():
                selected &= mask
            facets: dict[str, dict[str, int]] = {}
            if request.facets:
                for name in FACETS:
                    base = matched.copy()
                    for other, mask in masks.items():
                        if other != name:
                            base &= mask
                    facets[name] = table.count(name, base)
            total = int(np.count_nonzero(selected))
            hits = self._ranked_hits(searcher, whoosh_query, request, selected, table, total)
            suggestion = None
            if request.suggest and request.text.strip() and total < 3 and not request.plain:
                suggestion = self._suggest(searcher, request.text)
            return IndexResults(total=total, hits=hits, facets=facets, notice=notice,
                                suggestion=suggestion)

    def _ranked_hits(self, searcher, whoosh_query, request: IndexQuery, selected: np.ndarray,
                     table: _FacetTable, total: int) -> list[IndexHit]:
        if total == 0 or request.limit <= 0:
            return []
        allowed = None if total == int(np.count_nonzero(table.live)) else \
            set(np.flatnonzero(selected).tolist())
        wanted = request.offset + request.limit
        newest = request.sort == "newest" or not request.text.strip()
        sortedby = [sorting.FieldFacet("year", reverse=True), sorting.FieldFacet("doc"),
                    sorting.FieldFacet("pid")] if newest else None
        results = searcher.search(whoosh_query, limit=wanted, filter=allowed, sortedby=sortedby,
                                  terms=True)
        results.fragmenter = ContextFragmenter(maxchars=SNIPPET_CHARS, surround=90)
        results.formatter = _MarkFormatter(tagname="mark", between=" … ")
        hits = []
        for hit in results[request.offset:wanted]:
            snippet = hit.highlights("text", top=2) if request.text.strip() else ""
            if not snippet:
                snippet = _escape(_shorten(hit["text"]))
            hits.append(IndexHit(passage_id=int(hit["pid"]), document_id=int(hit["doc"]),
                                 score=0.0 if newest else float(hit.score or 0.0),
                                 snippet=snippet))
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
            results = searcher.search(like, limit=limit, filter=set(np.flatnonzero(allowed).tolist()),
                                      terms=True)
            results.fragmenter = ContextFragmenter(maxchars=SNIPPET_CHARS, surround=90)
            results.formatter = _MarkFormatter(tagname="mark", between=" … ")
            return [IndexHit(passage_id=int(hit["pid"]), document_id=int(hit["doc"]),
                             score=float(hit.score or 0.0),
                             snippet=hit.highlights("text", top=2) or _escape(_shorten(hit["text"])))
                    for hit in results if (hit.score or 0.0) >= min_score]

    # -- query parsing ------------------------------------------------------
    def _parse(self, searcher, request: IndexQuery) -> tuple[query.Query, str | None]:
        text = request.text.strip()
        if not text:
            return query.Every(), None
        schema = searcher.schema
        if request.plain:
            parser = qparser.QueryParser("text", schema, group=qparser.OrGroup)
            return parser.parse(_plain_words(text)), None
        parser = qparser.MultifieldParser(
            ["text", "heading", "title"], schema,
            fieldboosts=FIELD_BOOSTS,
            group=qparser.OrGroup.factory(0.9))
        parser.remove_plugin_class(qparser.FieldsPlugin)
        parser.remove_plugin_class(qparser.WildcardPlugin)
        parser.remove_plugin_class(qparser.BoostPlugin)
        parser.remove_plugin_class(qparser.RangePlugin)
        parser.add_plugin(qparser.PlusMinusPlugin())
        notice = None
        try:
            parsed = parser.parse(text)
        except Exception:  # Whoosh raises assorted errors on odd syntax
            parsed = query.NullQuery
        if parsed is query.NullQuery or _has_errors(parsed):
            parsed = parser.parse(_plain_words(text))
            if parsed is query.NullQuery:
                return parsed, "Your search has only very common words: try more specific ones."
            notice = "Your search could not be read as written, so it was searched as plain words."
        widened = [parsed]
        proximity = _proximity_query(text, schema)
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
        return main, notice

    def _suggest(self, searcher, text: str) -> str | None:
        """The query with each word unknown to the index replaced by the closest known word."""
        reader = searcher.reader()
        corrector = reader.corrector("text")
        analyzer = searcher.schema["text"].analyzer
        words, changed = [], False
        for word in _plain_words(text).split():
            stems = [token.text for token in analyzer(word)]
            if stems and ("text", stems[0]) not in reader:
                found = corrector.suggest(word.lower(), limit=1, maxdist=2)
                if found:
                    word, changed = found[0], True
            words.append(word)
        return " ".join(words) if changed else None


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
    return " ".join(w for w in _WORD.findall(text) if w.upper() not in {"AND", "OR", "NOT"})


def _shorten(text: str) -> str:
    if len(text) <= SNIPPET_CHARS:
        return text
    cut = text[:SNIPPET_CHARS].rsplit(" ", 1)[0]
    return cut + " …"


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))
