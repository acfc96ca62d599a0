"""tantivy as a reference: BM25 over text, heading and title; facets by terms aggregations on
fast fields; top 10 with tantivy's snippet generator."""
from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

import tantivy

from bench.engines.common import FACETS, SNIPPET_CHARS, TOP, facet_values, numbered, query_terms
from bench.generate import GeneratedDocument
from bench.queries import filters, year_range

_TEXT_FIELDS = ["text", "heading", "title"]
_BOOSTS = {"text": 1.0, "heading": 0.5, "title": 0.2}
_KEYWORD_FACETS = [f for f in FACETS if f != "year"]
_AGGREGATION_SIZE = 1000  # more than any facet's number of values (publishers: about 150)


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("pid", stored=True, fast=True)
    builder.add_text_field("text", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("heading", tokenizer_name="en_stem")
    builder.add_text_field("title", tokenizer_name="en_stem")
    for facet in _KEYWORD_FACETS:
        builder.add_text_field(facet, tokenizer_name="raw", fast=True, index_option="basic")
    builder.add_integer_field("year", indexed=True, fast=True)
    builder.add_integer_field("restricted", indexed=True, fast=True)
    return builder.build()


def query_string(text: str) -> str:
    """The query for tantivy's parser: words and quoted phrases, OR-ed (its default)."""
    return " ".join(words[0] if len(words) == 1 else '"' + " ".join(words) + '"'
                    for words in query_terms(text))


class TantivyEngine:
    name = "tantivy"

    def __init__(self, directory: Path) -> None:
        self.directory = directory / "tantivy"
        self.index: tantivy.Index | None = None

    def build(self, documents: Iterable[GeneratedDocument]) -> int:
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True)
        index = tantivy.Index(_schema(), path=str(self.directory))
        writer = index.writer(heap_size=256_000_000, num_threads=1)
        count = 0
        for passage_id, _, document, passage in numbered(documents):
            fields = {"pid": passage_id, "text": passage["text"],
                      "heading": " / ".join(passage["heading_path"]), "title": document.title,
                      "year": document.year, "restricted": int(document.restricted)}
            doc = tantivy.Document(**fields)
            for facet, values in facet_values(document, passage).items():
                if facet != "year":
                    for value in values:
                        doc.add_text(facet, value)
            writer.add_document(doc)
            count += 1
        writer.commit()
        writer.wait_merging_threads()
        self.index = None
        return count

    def _searcher(self) -> tuple[tantivy.Index, tantivy.Searcher]:
        if self.index is None:
            self.index = tantivy.Index.open(str(self.directory))
        return self.index, self.index.searcher()

    def usable(self) -> bool:
        """Whether the index built before can be searched (it is rebuilt when the corpus is)."""
        return True

    def search(self, params: dict) -> int:
        index, searcher = self._searcher()
        schema = index.schema
        text = query_string(str(params.get("q", "")))
        text_query = index.parse_query(text, _TEXT_FIELDS, field_boosts=_BOOSTS) if text \
            else tantivy.Query.all_query()
        base = [(tantivy.Occur.Must, text_query),
                (tantivy.Occur.MustNot, tantivy.Query.term_query(schema, "restricted", 1))]
        conditions = self._conditions(schema, params)

        def restricted_to(*skip: str) -> tantivy.Query:
            return tantivy.Query.boolean_query(
                base + [(tantivy.Occur.Must, q) for name, q in conditions.items() if name not in skip])

        # facets without a filter of their own share one query with every filter
        unfiltered = [f for f in FACETS if f not in conditions]
        aggregations = [(restricted_to(), unfiltered)] + [(restricted_to(f), [f]) for f in conditions]
        for query, names in aggregations:
            searcher.aggregate(query, {name: {"terms": {"field": name, "size": _AGGREGATION_SIZE}}
                                       for name in names})
        selected = restricted_to()
        if text:
            found = searcher.search(selected, limit=TOP, count=True)
            snippets = tantivy.SnippetGenerator.create(searcher, text_query, schema, "text")
            snippets.set_max_num_chars(SNIPPET_CHARS)
            for _, address in found.hits:
                snippets.snippet_from_doc(searcher.doc(address)).to_html()
        else:
            found = searcher.search(selected, limit=TOP, count=True, order_by_field="year")
            for _, address in found.hits:
                searcher.doc(address)["text"][0][:SNIPPET_CHARS]
        return found.count

    @staticmethod
    def _conditions(schema: tantivy.Schema, params: dict) -> dict[str, tantivy.Query]:
        """A query for each filtered facet (the year range counts as year)."""
        conditions: dict[str, tantivy.Query] = {}
        for facet, values in filters(params).items():
            if facet == "year":
                values = [int(v) for v in values]
            conditions[facet] = tantivy.Query.term_set_query(schema, facet, values)
        low, high = year_range(params)
        if low is not None or high is not None:
            span = tantivy.Query.range_query(schema, "year", tantivy.FieldType.Integer,
                                             low or 0, high or 9999)
            conditions["year"] = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, span)] + ([(tantivy.Occur.Must, conditions["year"])]
                                                if "year" in conditions else []))
        return conditions

    def close(self) -> None:
        self.index = None
