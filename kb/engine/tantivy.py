"""tantivy, the default engine: BM25 in Rust, facet counts by terms aggregations over fast
fields, top-k collection, so a search at national scale answers in milliseconds.

Layout: ``<root>/CURRENT`` names the generation in use; a generation directory holds the
tantivy index ``open`` (open documents' passages: what anonymous visitors search, so
nothing of a restricted report shapes their scores, counts or suggestions) and, when there
are restricted documents, ``all`` (every passage: exactly one index of everything, for
people with access; without restricted documents ``open`` is that index). A rebuild writes
a new generation and switches ``CURRENT`` atomically once it is committed; a crash leaves
the previous generation searchable. Incremental changes commit to each index (each tantivy
commit is atomic); the store's queue is cleared after, so a crash between them only means
the same changes are applied again.
"""
from __future__ import annotations

import atexit
import json
import math
import os
import re
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import tantivy

from kb.engine import (
    RESTRICTED_NOW, EngineHit, EngineRequest, EngineResults, IndexedPassage, RebuildNeeded,
    Token, switch_generation,
)
from kb.facets import FACETS
from kb.query import (STOP_WORDS, TERM, AllOf, AnyOf, AtLeast, BestOf, FacetIs, Node, Prefer,
                      Terms)
from kb.ranking import REFERENCE_WEIGHT
from kb.suggest import SPELLING_PREFIX_TERMS, edit_distance

#: Changes whenever the schema or the analysis does: an index of another version is rebuilt.
FORMAT = {"format": 2, "reference_weight": REFERENCE_WEIGHT}
_OPEN, _ALL = "open", "all"
_TEXT_FIELDS = ("text", "heading", "title")
_KEYWORDS = [facet.name for facet in FACETS if not facet.numeric]
_AGGREGATION_SIZE = 65_000  # more values than any facet has
_WRITER_HEAP = 128_000_000
#: Sorting newest first: year, then document, then passage, as one number (ids below 10^7).
_ID_SPAN = 10_000_000
#: Score factor tantivy applies through ``weight_by_field``: log2(2 + value). Learning
#: passages get the value that makes it 1 / REFERENCE_WEIGHT, reference matter 1.
_LIFT = 2 ** (1 / REFERENCE_WEIGHT) - 2
_TERM = re.compile(TERM)
#: The words of a passage its "more like this" query asks for.
SIMILAR_TERMS = 12


def _analyzer() -> tantivy.TextAnalyzer:
    """What is indexed and searched: letters and digits, lower case, stop words and words
    over 40 characters dropped, English stemming. (tantivy's simple tokenizer runs at twice
    the speed of a regular expression; the one-letter words it keeps, kb.query never asks
    for.)"""
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(41))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.custom_stopword(sorted(STOP_WORDS)))
            .filter(tantivy.Filter.stemmer("english"))
            .build())


def _marking_analyzer() -> tantivy.TextAnalyzer:
    """Every word as kb.query reads words (``TERM``), stemmed as indexed: for snippets."""
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(TERM))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stemmer("english"))
            .build())


def _spelling_analyzer() -> tantivy.TextAnalyzer:
    """The words themselves (lower case, unstemmed): what "did you mean" offers."""
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
            .filter(tantivy.Filter.lowercase())
            .build())


#: Words "did you mean" may offer: letters only, 3 to 30 of them.
_SPELLING_WORD = re.compile(r"[^\W\d_]{3,30}")


def _words(text: str) -> set[str]:
    return set(_SPELLING_WORD.findall(text.lower()))


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("pid", indexed=True, fast=True)
    builder.add_integer_field("doc", indexed=True, fast=True)
    for name in _TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name="kb")
    builder.add_text_field("spelling", tokenizer_name="kb_words", index_option="basic")
    for name in _KEYWORDS:
        builder.add_text_field(name, tokenizer_name="raw", fast=True, index_option="basic")
    builder.add_integer_field("year", indexed=True, fast=True)
    builder.add_unsigned_field("newest", fast=True)
    builder.add_float_field("lift", fast=True)
    return builder.build()


def _document(passage: IndexedPassage, spelling: Iterable[str]) -> tantivy.Document:
    """The passage as tantivy indexes it, ``spelling`` the words it adds to the index's
    vocabulary for "did you mean"."""
    document = tantivy.Document(
        pid=passage.passage_id, doc=passage.document_id, text=passage.text,
        heading=passage.heading, title=passage.title, spelling=" ".join(spelling),
        year=passage.year)
    document.add_unsigned("newest", (passage.year * _ID_SPAN + _ID_SPAN - 1 - passage.document_id)
                          * _ID_SPAN + _ID_SPAN - 1 - passage.passage_id)
    document.add_float("lift", 0.0 if passage.reference else _LIFT)
    for name in _KEYWORDS:
        for value in passage.facets.get(name, ()):
            document.add_text(name, value)
    return document


class _Reader:
    """One tantivy index opened for reading, reloaded when its commit changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.index = _open_index(path)
        # Reloaded here when a commit is seen (no watcher thread per index).
        self.index.config_reader(reload_policy="manual")
        self._meta = path / "meta.json"
        self._stamp = self._commit_stamp()

    def _commit_stamp(self) -> tuple:
        """What changes with each commit: tantivy replaces ``meta.json`` (a new file)."""
        stat = self._meta.stat()
        return stat.st_ino, stat.st_mtime_ns, stat.st_size

    def searcher(self) -> tantivy.Searcher:
        stamp = self._commit_stamp()
        if stamp != self._stamp:
            self.index.reload()
            self._stamp = stamp
        return self.index.searcher()


def _open_index(path: Path) -> tantivy.Index:
    try:
        index = tantivy.Index.open(str(path))
    except ValueError as error:
        if "Lockfile" not in str(error):
            raise
        index = tantivy.Index.open(str(_private_copy(path)))
    index.register_tokenizer("kb", _analyzer())
    index.register_tokenizer("kb_words", _spelling_analyzer())
    return index


def _private_copy(path: Path) -> Path:
    """A copy of the index at ``path`` this process may write, removed when it exits:
    tantivy takes a lock file beside an index even to read it, so an index whose lock files
    this process may not write (a read-only data directory) is read from a copy."""
    copy = Path(tempfile.mkdtemp(prefix="kb-tantivy-")) / path.name
    shutil.copytree(path, copy, copy_function=shutil.copyfile)
    for directory in [copy, *(p for p in copy.rglob("*") if p.is_dir())]:
        directory.chmod(0o700)  # copytree kept the read-only modes of the original's folders
    atexit.register(shutil.rmtree, copy.parent, ignore_errors=True)
    return copy


class TantivyEngine:
    """The tantivy engine (see the module)."""

    name = "tantivy"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.RLock()
        self._readers: dict[str, _Reader] = {}
        self._reading: Path | None = None
        self._pointer_key: tuple | None = None
        self._analyse = _analyzer()
        self._tokens = _marking_analyzer()
        self._schema = _schema()

    # -- generations ------------------------------------------------------------------------
    @property
    def _pointer(self) -> Path:
        return self.root / "CURRENT"

    def current_dir(self) -> Path | None:
        """The generation in use, or None (none yet, or one another version wrote)."""
        try:
            path = self.root / self._pointer.read_text().strip()
        except FileNotFoundError:
            return None
        try:
            written = json.loads((path / "kb-format.json").read_text())
        except (OSError, ValueError):
            return None
        return path if written == FORMAT and (path / _OPEN / "meta.json").exists() else None

    def exists(self) -> bool:
        return self.current_dir() is not None

    def _current_cached(self) -> Path | None:
        """``current_dir()``, read again only when ``CURRENT`` has changed."""
        try:
            stamp = os.stat(self._pointer)
            key = (stamp.st_ino, stamp.st_mtime_ns, stamp.st_size)
        except FileNotFoundError:
            key = None
        if key is None or key != self._pointer_key or self._reading is None:
            self._pointer_key = key
            return self.current_dir()
        return self._reading

    def generation(self) -> str | None:
        directory = self.current_dir()
        return directory.name if directory else None

    def _switch_to(self, directory: Path) -> None:
        switch_generation(self._pointer, directory)

    def _new_generation(self, with_restricted: bool) -> Path:
        """A new generation's directory: the open index, and the index of everything when
        there are restricted passages (without them, the open index is everything)."""
        directory = self.root / f"gen-{time.time_ns()}"
        for part in (_OPEN, _ALL) if with_restricted else (_OPEN,):
            (directory / part).mkdir(parents=True)
            tantivy.Index(self._schema, path=str(directory / part))
        (directory / "kb-format.json").write_text(json.dumps(FORMAT))
        return directory

    # -- writing ----------------------------------------------------------------------------
    def _writers(self, directory: Path) -> dict[str, tantivy.IndexWriter]:
        return {part: _open_index(directory / part).writer(heap_size=_WRITER_HEAP, num_threads=1)
                for part in (_OPEN, _ALL) if (directory / part).exists()}

    def apply(self, additions: Sequence[IndexedPassage], deletions: Sequence[int]) -> None:
        """Add or replace passages and delete others: each index in one commit. A first
        restricted passage needs the index of everything, which a rebuild writes."""
        with self._lock:
            directory = self.current_dir()
            if directory is None or (any(p.restricted for p in additions)
                                     and not (directory / _ALL).exists()):
                raise RebuildNeeded("restricted passages need an index of everything")
            restricted = {p.passage_id for p in additions if p.restricted}
            if restricted and restricted & self._all_ids(self._searcher(False)):
                raise RebuildNeeded(RESTRICTED_NOW)
            writers = self._writers(directory)
            for passage_id in [p.passage_id for p in additions] + list(deletions):
                for writer in writers.values():
                    writer.delete_documents_by_term("pid", passage_id)
            for passage in additions:
                document = _document(passage, _words(passage.text))
                for part, writer in writers.items():
                    if part == _ALL or not passage.restricted:
                        writer.add_document(document)
            for writer in writers.values():
                self._commit(writer)

    def _commit(self, writer: tantivy.IndexWriter) -> None:
        """One index's changes made durable and visible (atomically, by tantivy)."""
        writer.commit()
        writer.wait_merging_threads()

    def rebuild(self, passages: Iterable[IndexedPassage], with_restricted: bool = True) -> int:
        """Write a fresh generation and switch to it; returns the passage count.
        ``with_restricted`` False promises no restricted passage comes (one index is written)."""
        with self._lock:
            self.root.mkdir(parents=True, exist_ok=True)
            directory = self._new_generation(with_restricted)
            writers = self._writers(directory)
            count = 0
            # Each index's vocabulary for "did you mean" gets each word once: from the first
            # passage (that it holds) using it.
            known: dict[str, set[str]] = {part: set() for part in writers}
            try:
                for passage in passages:
                    if passage.restricted and _ALL not in writers:
                        raise ValueError("a restricted passage in a rebuild promised none")
                    words = _words(passage.text)
                    added: dict[frozenset, tantivy.Document] = {}
                    for part, writer in writers.items():
                        if part == _ALL or not passage.restricted:
                            new = frozenset(words - known[part])
                            known[part] |= new
                            if new not in added:
                                added[new] = _document(passage, new)
                            writer.add_document(added[new])
                    count += 1
                for writer in writers.values():
                    self._commit(writer)
            except BaseException:
                for writer in writers.values():
                    writer.rollback()
                writers.clear()  # releases the indexes' locks
                shutil.rmtree(directory, ignore_errors=True)
                raise
            writers.clear()
            previous = self.current_dir()
            self._switch_to(directory)
            for path in self.root.glob("gen-*"):  # the replaced one stays until the next
                if path not in (directory, previous):
                    shutil.rmtree(path, ignore_errors=True)
            return count

    def remove(self) -> None:
        with self._lock:
            self.close()
            shutil.rmtree(self.root, ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            self._readers.clear()
            self._reading = None

    # -- reading ----------------------------------------------------------------------------
    def _searcher(self, include_restricted: bool) -> tantivy.Searcher | None:
        with self._lock:
            directory = self._current_cached()
            if directory is None:
                return None
            if directory != self._reading:
                self._readers = {part: _Reader(directory / part) for part in (_OPEN, _ALL)
                                 if (directory / part / "meta.json").exists()}
                self._reading = directory
            return self._readers[_ALL if include_restricted and _ALL in self._readers
                                 else _OPEN].searcher()

    def passage_ids(self) -> tuple[set[int], set[int]]:
        opened, everything = (self._all_ids(self._searcher(every)) for every in (False, True))
        return opened, everything - opened

    @staticmethod
    def _all_ids(searcher: tantivy.Searcher | None) -> set[int]:
        if searcher is None or not searcher.num_docs:
            return set()
        found = searcher.search(tantivy.Query.all_query(), limit=searcher.num_docs, count=False)
        return {int(pid) for pid in searcher.fast_field_values("pid", [a for _, a in found.hits])}

    def search(self, request: EngineRequest) -> EngineResults:
        searcher = self._searcher(request.include_restricted)
        if searcher is None or request.query.matches_nothing:
            return EngineResults(total=0, hits=[], facets={})
        root, matching = request.query.root, request.query.matching or request.query.root
        exclusions = [(tantivy.Occur.MustNot, self._translate(node))
                      for node in request.query.excluded]
        if request.hidden:
            exclusions.append((tantivy.Occur.MustNot, tantivy.Query.term_set_query(
                self._schema, "pid", sorted(request.hidden))))
        conditions = self._conditions(request.filters, request.year_from, request.year_to)

        translated: dict[int, tantivy.Query] = {}

        def within(tree: Node | None, *skip: str, among: Node | None = None) -> tantivy.Query:
            """The query for ``tree`` within the filters (but those of ``skip``), and among
            the passages ``among`` matches (without scoring them)."""
            for node in (tree, among) if among is not None else (tree,):
                if id(node) not in translated:  # each tree translated once
                    translated[id(node)] = tantivy.Query.all_query() if node is None \
                        else self._translate(node)
            among_clause = [] if among is None else [(tantivy.Occur.Must, tantivy.Query.
                                                      const_score_query(translated[id(among)], 0.0))]
            return tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, translated[id(tree)])] + among_clause + exclusions
                + [(tantivy.Occur.Must, q) for name, q in conditions.items() if name not in skip])

        # Counting: the total and facets without a filter of their own in one aggregation
        # over every filter, then one for each filtered facet without its own filter.
        shared = [facet.name for facet in FACETS if facet.name not in conditions] \
            if request.facets else []

        def count(tree: Node | None) -> tuple[int, dict]:
            counted = searcher.aggregate(within(tree), {
                "total": {"value_count": {"field": "pid"}},
                **{name: {"terms": {"field": name, "size": _AGGREGATION_SIZE}} for name in shared}})
            return int(counted["total"]["value"]), counted

        counted_tree, matched = request.query.counted, None
        if counted_tree is not None:
            total, counted = count(counted_tree)
            if total:
                mentions = request.query.mentions or matching
                matched = max(total, int(searcher.aggregate(within(mentions), {
                    "total": {"value_count": {"field": "pid"}}})["total"]["value"]))
            else:  # nothing holds enough of the query: every match is listed
                counted_tree = None
        if counted_tree is None:
            total, counted = count(matching)
        facets = {name: _buckets(counted[name]) for name in shared}
        for name in conditions if request.facets else ():
            facets[name] = _buckets(searcher.aggregate(within(counted_tree or matching, name), {
                name: {"terms": {"field": name, "size": _AGGREGATION_SIZE}}})[name])
        newest = request.sort == "newest" or root is None
        limit = max(request.limit, 0)
        weighted = not newest and request.reference_weight != 1.0
        if weighted and request.reference_weight != REFERENCE_WEIGHT:
            raise ValueError(f"this index weighs reference matter {REFERENCE_WEIGHT}")
        if not total or not limit:
            return EngineResults(total=total, hits=[], facets=facets, matched=matched)
        found = searcher.search(within(root, among=counted_tree), limit=limit,
                                offset=request.offset, count=False,
                                order_by_field="newest" if newest else None,
                                weight_by_field="lift" if weighted else None)
        addresses = [address for _, address in found.hits]
        pids = searcher.fast_field_values("pid", addresses) if addresses else []
        docs = searcher.fast_field_values("doc", addresses) if addresses else []
        scale = REFERENCE_WEIGHT if weighted else 1.0
        hits = [EngineHit(passage_id=int(pid), document_id=int(doc),
                          score=0.0 if newest else float(score) * scale)
                for (score, _), pid, doc in zip(found.hits, pids, docs)]
        return EngineResults(total=total, hits=hits, facets=facets, matched=matched)

    def _conditions(self, filters: dict[str, Sequence[str]], year_from: int | None,
                    year_to: int | None) -> dict[str, tantivy.Query]:
        """A query for each filtered facet (the year range counts as the year facet)."""
        conditions: dict[str, tantivy.Query] = {}
        for facet in FACETS:
            values = list(filters.get(facet.name) or ())
            if values:
                if facet.numeric:
                    values = [int(v) for v in values]
                conditions[facet.name] = tantivy.Query.term_set_query(self._schema, facet.name,
                                                                      values)
        if year_from is not None or year_to is not None:
            span = tantivy.Query.range_query(self._schema, "year", tantivy.FieldType.Integer,
                                             year_from if year_from is not None else -1,
                                             year_to if year_to is not None else 1 << 31)
            conditions["year"] = span if "year" not in conditions else \
                tantivy.Query.boolean_query([(tantivy.Occur.Must, span),
                                             (tantivy.Occur.Must, conditions["year"])])
        return conditions

    def similar(self, text: str, *, exclude_document: int | None = None,
                filters: dict[str, Sequence[str]] | None = None, year_to: int | None = None,
                include_restricted: bool = False, limit: int = 5) -> list[EngineHit]:
        searcher = self._searcher(include_restricted)
        if searcher is None or not text.strip() or not searcher.num_docs:
            return []
        like = self._like(searcher, text)
        if like is None:
            return []
        clauses = [(tantivy.Occur.Must, like)]
        if exclude_document is not None:
            clauses.append((tantivy.Occur.MustNot, tantivy.Query.term_query(
                self._schema, "doc", exclude_document)))
        clauses += [(tantivy.Occur.Must, q)
                    for q in self._conditions(filters or {}, None, year_to).values()]
        found = searcher.search(tantivy.Query.boolean_query(clauses), limit=limit, count=False)
        addresses = [address for _, address in found.hits]
        if not addresses:
            return []
        pids = searcher.fast_field_values("pid", addresses)
        docs = searcher.fast_field_values("doc", addresses)
        return [EngineHit(passage_id=int(pid), document_id=int(doc), score=float(score))
                for (score, _), pid, doc in zip(found.hits, pids, docs)]

    def _like(self, searcher: tantivy.Searcher, text: str) -> tantivy.Query | None:
        """"More like this": the ``SIMILAR_TERMS`` words of ``text`` weighing most (times
        used, by BM25's idf), each boosted by its weight over the first's. Chosen here, not by
        tantivy's own more-like-this, which picks among equally weighted words at random: the
        same passage would get other neighbours in each process."""
        total = searcher.num_docs
        weighted = []
        for stem, used in Counter(self._analyse.analyze(text)).items():
            holding = searcher.doc_freq("text", stem)
            if holding:
                idf = math.log(1 + (total - holding + 0.5) / (holding + 0.5))
                weighted.append((used * idf, stem))
        chosen = sorted(weighted, key=lambda item: (-item[0], item[1]))[:SIMILAR_TERMS]
        if not chosen or chosen[0][0] <= 0:
            return None
        top = chosen[0][0]
        return tantivy.Query.boolean_query([
            (tantivy.Occur.Should, tantivy.Query.boost_query(
                tantivy.Query.term_query(self._schema, "text", stem), weight / top))
            for weight, stem in chosen])

    def spellings(self, word: str, include_restricted: bool, max_distance: int,
                  limit: int) -> list[str] | None:
        """None when a visible passage holds ``word``; else close words of the index, read
        from the words sharing its first letters (at most ``SPELLING_PREFIX_TERMS``)."""
        searcher = self._searcher(include_restricted)
        if searcher is None:
            return []
        if self._frequency(searcher, word):
            return None
        word = word.lower()
        prefix = word[:2] if len(word) > 3 else word[:1]
        found = searcher.terms_with_prefix("spelling", prefix, limit=SPELLING_PREFIX_TERMS)
        close = [term for term, _ in found if abs(len(term) - len(word)) <= max_distance
                 and term != word and edit_distance(word, term) <= max_distance]
        # Commonest first (a word whose passages were all deleted since is left out).
        counted = sorted(((self._frequency(searcher, term), term) for term in close),
                         key=lambda item: -item[0])
        return [term for count, term in counted if count][:limit]

    def _frequency(self, searcher: tantivy.Searcher, word: str) -> int:
        """Passages holding ``word`` (as its stem)."""
        stems = self._analyse.analyze(word)
        return searcher.doc_freq("text", stems[0]) if stems else 0

    def stems(self, text: str) -> list[str]:
        return self._tokens.analyze(text)

    def analyse(self, text: str) -> list[Token]:
        # The tokenizer is TERM: Python's regex finds the same words (and their places) when
        # tantivy's stems come out one for one; otherwise tantivy's own offsets are read.
        stems = self._tokens.analyze(text)
        words = list(_TERM.finditer(text))
        if len(words) == len(stems):
            return [Token(stem, word.start(), word.end()) for stem, word in zip(stems, words)]
        return [Token(token.text, token.char_offset_from, token.char_offset_to)
                for token in self._tokens.pre_tokenize(text).tokens]

    # -- the query tree in tantivy's terms --------------------------------------------------
    def _translate(self, node: Node) -> tantivy.Query:
        schema = self._schema
        if isinstance(node, Terms):
            tokens = [token for token in self._analyse.pre_tokenize(node.text).tokens
                      if len(token.text) > 1]  # as kb.query reads words
            per_field = []
            for name, weight in node.fields:
                weight *= node.boost
                if node.phrase and len(tokens) > 1:
                    first = tokens[0].position
                    query = tantivy.Query.phrase_query(
                        schema, name, [(t.position - first, t.text) for t in tokens],
                        slop=node.slop)
                    per_field.append(_boosted(query, weight))
                else:
                    per_field += [_boosted(tantivy.Query.term_query(schema, name, t.text), weight)
                                  for t in tokens]
            if not per_field:
                return tantivy.Query.empty_query()
            return per_field[0] if len(per_field) == 1 else _any(per_field)
        if isinstance(node, AnyOf):
            return _boosted(_any([self._translate(child) for child in node.children]), node.boost)
        if isinstance(node, AllOf):
            return _boosted(tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, self._translate(child)) for child in node.children]),
                node.boost)
        if isinstance(node, BestOf):
            return _boosted(tantivy.Query.disjunction_max_query(
                [self._translate(child) for child in node.children]), node.boost)
        if isinstance(node, AtLeast):
            return tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, self._translate(child)) for child in node.children],
                minimum_number_should_match=node.minimum)
        if isinstance(node, Prefer):
            return tantivy.Query.boolean_query([(tantivy.Occur.Must, self._translate(node.required)),
                                                (tantivy.Occur.Should, self._translate(node.optional))])
        if isinstance(node, FacetIs):
            return tantivy.Query.const_score_query(
                tantivy.Query.term_set_query(schema, node.facet, list(node.values)), node.boost)
        raise TypeError(f"not a query node: {node!r}")


def _buckets(counted: dict) -> dict[str, int]:
    """A terms aggregation's counts by value (numbers as their decimal text)."""
    return {str(int(b["key"]) if isinstance(b["key"], float) else b["key"]): int(b["doc_count"])
            for b in counted["buckets"]}


def _any(queries: list[tantivy.Query]) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


def _boosted(query: tantivy.Query, boost: float) -> tantivy.Query:
    return query if boost == 1.0 else tantivy.Query.boost_query(query, boost)
