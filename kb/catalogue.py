"""The catalogue of reports: every document with its metadata and top themes, filtered by the
search page's document facets, sorted and paged (the way people browse a case review
repository), counted over the store rather than the search index.
"""
from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from kb.base import KnowledgeBase
from kb.model import KIND_LABELS, Document
from kb.facets import FacetCount, order_facet
from kb.search import SearchRequest, SearchRequestError
from kb.similarity import memoised
from kb.text import fold
from kb.trends import TrendFilters, themes_in_documents

#: The facets a document has (a theme: any of its passages carries it), in display order.
CATALOGUE_FACETS: tuple[str, ...] = ("theme", "scope", "kind", "year", "area", "publisher")
#: Sort orders and their labels.
CATALOGUE_SORTS: dict[str, str] = {
    "newest": "Newest first", "oldest": "Oldest first", "title": "Title (A to Z)",
    "publisher": "Publisher (A to Z)", "pages": "Longest first",
}
TOP_THEMES = 3
CSV_COLUMNS = ("id", "title", "publisher", "area", "year", "kind", "scope", "pages", "passages",
               "top_themes", "url")


@dataclass(frozen=True)
class CatalogueRequest:
    """The search page's parameters (words match titles and publishers), and a sort order."""

    search: SearchRequest = SearchRequest()
    sort: str = "newest"

    @classmethod
    def from_params(cls, params: Mapping) -> "CatalogueRequest":
        """Read from URL parameters; SearchRequestError for anything that cannot be used."""
        sort = (params.get("sort") or "newest").strip()
        if sort not in CATALOGUE_SORTS:
            raise SearchRequestError(
                f"sort must be one of {', '.join(CATALOGUE_SORTS)}, not {sort[:20]!r}")
        rest = params.copy() if hasattr(params, "copy") else dict(params)
        rest.pop("sort", None)
        if hasattr(rest, "poplist"):
            rest.poplist("sort")
        return cls(search=SearchRequest.from_params(rest), sort=sort)

    @property
    def page(self) -> int:
        return self.search.page

    def to_params(self, **changes: object) -> list[tuple[str, str]]:
        """URL parameters with ``changes`` (to the search, or ``sort``) applied."""
        sort = str(changes.pop("sort", self.sort))
        params = self.search.to_params(**changes)
        return params + ([("sort", sort)] if sort != "newest" else [])

    def changed(self, **changes: object) -> "CatalogueRequest":
        sort = str(changes.pop("sort", self.sort))
        return CatalogueRequest(replace(self.search, **changes), sort)


@dataclass
class CatalogueEntry:
    document: Document
    top_themes: list[tuple[str, int]]  # (theme id, passages carrying it), most first


@dataclass
class Catalogue:
    request: CatalogueRequest
    total: int
    entries: list[CatalogueEntry]  # the page asked for
    facets: dict[str, list[FacetCount]]
    page_asked: int | None = None  # when past the last page, the page asked for

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.request.search.per_page))

    def to_dict(self, label: Callable[[str], str], url: Callable[[Document], str]) -> dict:
        return {"total": self.total, "page": self.request.page, "pages": self.pages,
                "per_page": self.request.search.per_page, "sort": self.request.sort,
                "documents": [entry_dict(entry, label, url) for entry in self.entries],
                "facets": {name: [{"value": f.value, "label": f.label, "count": f.count,
                                   "selected": f.selected} for f in values]
                           for name, values in self.facets.items()}}


def entry_dict(entry: CatalogueEntry, label: Callable[[str], str],
               url: Callable[[Document], str]) -> dict:
    meta, document = entry.document.meta, entry.document
    return {"id": document.id, "title": meta.title, "publisher": meta.publisher, "area": meta.area,
            "year": meta.year, "kind": meta.kind, "scope": meta.scope,
            "page_count": document.page_count, "passage_count": document.passage_count,
            "top_themes": [{"id": theme, "label": label(theme), "passages": count}
                           for theme, count in entry.top_themes],
            "url": url(document)}


def catalogue_csv(entries: list[CatalogueEntry], label: Callable[[str], str],
                  url: Callable[[Document], str]) -> str:
    """Every entry as a spreadsheet row (``CSV_COLUMNS``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        meta, document = entry.document.meta, entry.document
        writer.writerow((document.id, meta.title, meta.publisher, meta.area, meta.year or "",
                         KIND_LABELS.get(meta.kind, meta.kind), meta.scope, document.page_count,
                         document.passage_count,
                         "; ".join(label(theme) for theme, _ in entry.top_themes), url(document)))
    return buffer.getvalue()


def _theme_counts(kb: KnowledgeBase) -> dict[int, Counter]:
    """Per document, how many of its passages carry each theme in force (kept until the data
    changes)."""
    def compute() -> dict[int, Counter]:
        counts: dict[int, Counter] = {}
        for found in themes_in_documents(kb, TrendFilters(), include_restricted=True):
            counts.setdefault(found.document_id, Counter())[found.theme_id] = found.passages
        return counts
    return memoised(kb, ("catalogue-theme-counts",), compute)


def _values(document: Document, themes: Counter, facet: str) -> set[str]:
    """A document's values for a catalogue facet."""
    meta = document.meta
    if facet == "theme":
        return set(themes)
    if facet == "year":
        return {str(meta.year)} if meta.year is not None else set()
    value = getattr(meta, facet)
    return {value} if value else set()


def _sort_key(sort: str) -> Callable[[Document], tuple]:
    title = lambda document: fold(document.meta.title).lower()  # noqa: E731
    return {
        "newest": lambda d: (-(d.meta.year or 0), title(d)),
        "oldest": lambda d: (d.meta.year or 9999, title(d)),
        "title": lambda d: (title(d), -(d.meta.year or 0)),
        "publisher": lambda d: (fold(d.meta.publisher).lower() or "\uffff", -(d.meta.year or 0),
                                title(d)),
        "pages": lambda d: (-d.page_count, title(d)),
    }[sort]


def catalogue(kb: KnowledgeBase, request: CatalogueRequest, include_restricted: bool = False,
              label: Callable[[str], str] | None = None, everything: bool = False) -> Catalogue:
    """The documents matching ``request`` (restricted ones only if included), sorted and
    paged (every one when ``everything``), with document counts for each facet value under
    the other facets' filters; a page past the last gives the last page."""
    search = request.search
    theme_counts = _theme_counts(kb)
    words = fold(search.q).lower().split()
    documents = []
    for document in kb.store.documents():
        if document.meta.restricted and not include_restricted:
            continue
        text = fold(f"{document.meta.title} {document.meta.publisher}").lower()
        if all(word in text for word in words) and _in_years(document, search):
            documents.append((document, _facet_values(document, theme_counts)))
    chosen = {facet: set(getattr(search, facet)) for facet in CATALOGUE_FACETS}

    def matches(values: dict[str, set[str]], leave_out: str | None = None) -> bool:
        return all(not wanted or values[facet] & wanted for facet, wanted in chosen.items()
                   if facet != leave_out)

    facets = {}
    for facet in CATALOGUE_FACETS:
        counts: Counter = Counter()
        for _, values in documents:
            if matches(values, leave_out=facet):
                counts.update(values[facet])
        facets[facet] = order_facet(facet, dict(counts), getattr(search, facet),
                                    label or kb.taxonomy.label)
    found = sorted((document for document, values in documents if matches(values)),
                   key=_sort_key(request.sort))
    per_page = search.per_page
    pages = max(1, math.ceil(len(found) / per_page))
    page_asked = search.page if search.page > pages else None
    if page_asked:
        request = request.changed(page=pages)
    start = 0 if everything else (request.page - 1) * per_page
    shown = found if everything else found[start:start + per_page]
    entries = [CatalogueEntry(document, sorted(theme_counts.get(document.id, Counter()).items(),
                                               key=lambda item: (-item[1], item[0]))[:TOP_THEMES])
               for document in shown]
    return Catalogue(request=request, total=len(found), entries=entries, facets=facets,
                     page_asked=page_asked)


def _facet_values(document: Document, theme_counts: dict[int, Counter]) -> dict[str, set[str]]:
    themes = theme_counts.get(document.id, Counter())
    return {facet: _values(document, themes, facet) for facet in CATALOGUE_FACETS}


def _in_years(document: Document, search: SearchRequest) -> bool:
    year = document.meta.year
    if search.year_from is None and search.year_to is None:
        return True
    return year is not None and (search.year_from is None or year >= search.year_from) \
        and (search.year_to is None or year <= search.year_to)
