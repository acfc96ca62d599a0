"""How themes recur over the years, locally and nationally, counted in SQL over the store.

Counts use the themes in force (the ``effective_themes`` view: the tagger's themes with
curators' decisions applied), the same themes the search index holds, so each count is
the result of a search (``TrendFilters.search``): a number of passages is that search's
total, a number of documents the number of documents its results come from.
"""
from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from kb.base import KnowledgeBase
from kb.model import KINDS, SCOPES, Document, Passage
from kb.search import SearchRequest
from kb.similarity import Echo, echoes, memoised

#: How many of the passages most like a finding or recommendation are weighed when counting
#: the other documents that make its point (``most_common``).
ECHOES_CONSIDERED = 10
CSV_COLUMNS = ("theme_id", "theme", "year", "scope", "documents", "passages", "search_url")


@dataclass(frozen=True)
class TrendFilters:
    """Which documents are counted: by kind, publisher, scope and a range of years."""

    kind: tuple[str, ...] = ()
    publisher: tuple[str, ...] = ()
    scope: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    area: tuple[str, ...] = ()  # the places served (kb.areas), whatever the publisher's name

    @classmethod
    def from_search(cls, request: SearchRequest) -> "TrendFilters":
        """The filters of a search request read from URL parameters (the same names)."""
        return cls(kind=request.kind, publisher=request.publisher, scope=request.scope,
                   year_from=request.year_from, year_to=request.year_to, area=request.area)

    @property
    def scopes(self) -> tuple[str, ...]:
        """The scopes counted, in their usual order."""
        return tuple(scope for scope in SCOPES if not self.scope or scope in self.scope)

    def search(self, theme_id: str, year: int | None = None,
               scope: str | None = None) -> SearchRequest:
        """The search whose results are the passages counted for ``theme_id`` (in one year
        and scope when given) under these filters."""
        return SearchRequest(
            theme=(theme_id,), kind=self.kind, publisher=self.publisher, area=self.area,
            scope=(scope,) if scope else self.scope,
            year=(str(year),) if year is not None else (),
            year_from=self.year_from if year is None else None,
            year_to=self.year_to if year is None else None)

    def sql(self, include_restricted: bool) -> tuple[str, list]:
        """A condition on ``documents d`` selecting the documents these filters count."""
        clauses: list[str] = []
        params: list = []
        if not include_restricted:
            clauses.append("d.restricted = 0")
        for column in ("kind", "publisher", "scope"):
            values = getattr(self, column)
            if values:
                clauses.append(f"d.{column} IN ({','.join('?' * len(values))})")
                params += values
        if self.area:  # area_of: the SQL function kb.store.Store defines
            clauses.append(f"area_of(d.area, d.publisher, d.scope) IN ({','.join('?' * len(self.area))})")
            params += self.area
        if self.year_from is not None:
            clauses.append("d.year >= ?")
            params.append(self.year_from)
        if self.year_to is not None:
            clauses.append("d.year <= ?")
            params.append(self.year_to)
        return " AND ".join(clauses) or "1", params


@dataclass(frozen=True)
class FilterChoices:
    """The values the filters can take: those of the documents one may see."""

    kinds: list[str]
    publishers: list[str]
    first_year: int | None
    last_year: int | None
    areas: list[str] = field(default_factory=list)


def filter_choices(kb: KnowledgeBase, include_restricted: bool = False) -> FilterChoices:
    """The kinds, publishers and years of the documents (restricted ones only if included)."""
    condition = "1" if include_restricted else "restricted = 0"

    def values(column: str) -> list[str]:
        return [row[0] for row in kb.store.conn.execute(
            f"SELECT DISTINCT {column} FROM documents WHERE {condition} AND {column} != '' "
            f"ORDER BY {column}")]
    first, last = kb.store.conn.execute(
        f"SELECT MIN(year), MAX(year) FROM documents WHERE {condition}").fetchone()
    kinds = sorted(values("kind"),
                   key=lambda kind: KINDS.index(kind) if kind in KINDS else len(KINDS))
    return FilterChoices(kinds=kinds, publishers=values("publisher"), first_year=first,
                         last_year=last, areas=values("area_of(area, publisher, scope)"))


@dataclass(frozen=True)
class TrendCell:
    """Documents and passages carrying a theme in one year and scope."""

    theme_id: str
    year: int
    scope: str
    documents: int = 0
    passages: int = 0


@dataclass
class Trends:
    """Theme by year by scope: documents and passages carrying each theme."""

    filters: TrendFilters
    theme_ids: tuple[str, ...]  # the taxonomy's themes, in its order
    years: list[int]  # every year from the first to the last dated document counted
    cells: dict[tuple[str, int, str], TrendCell]  # the cells that are not empty
    published: dict[tuple[int, str], int]  # documents counted, by year and scope
    undated_documents: int  # documents counted that have no year (not in any cell)

    @property
    def scopes(self) -> tuple[str, ...]:
        return self.filters.scopes

    def cell(self, theme_id: str, year: int, scope: str) -> TrendCell:
        return self.cells.get((theme_id, year, scope)) or TrendCell(theme_id, year, scope)

    def rows(self) -> Iterator[TrendCell]:
        """Every cell, empty ones included: by theme, then year, then scope."""
        for theme_id in self.theme_ids:
            for year in self.years:
                for scope in self.scopes:
                    yield self.cell(theme_id, year, scope)

    def share(self, theme_id: str, year: int, scope: str) -> float | None:
        """The share (0..1) of that year's documents of that scope carrying the theme; None
        when no document of that year and scope is counted."""
        published = self.published.get((year, scope), 0)
        return self.cell(theme_id, year, scope).documents / published if published else None

    def peak(self, measure: str) -> int:
        """The largest count of ``measure`` (``documents`` or ``passages``) in any cell."""
        return max((getattr(cell, measure) for cell in self.cells.values()), default=0)

    def to_dict(self, label: Callable[[str], str],
                link: Callable[[SearchRequest], str]) -> dict:
        """The JSON form: ``link`` gives the address of the search behind a cell."""
        return {
            "filters": _filters_dict(self.filters),
            "themes": [{"id": theme_id, "label": label(theme_id)} for theme_id in self.theme_ids],
            "years": self.years,
            "scopes": list(self.scopes),
            "cells": [{"theme": cell.theme_id, "year": cell.year, "scope": cell.scope,
                       "documents": cell.documents, "passages": cell.passages,
                       "share_of_documents": _rounded(self.share(cell.theme_id, cell.year,
                                                                 cell.scope)),
                       "search_url": link(self.filters.search(cell.theme_id, cell.year,
                                                              cell.scope))}
                      for cell in self.rows()],
            "published": [{"year": year, "scope": scope,
                           "documents": self.published.get((year, scope), 0)}
                          for year in self.years for scope in self.scopes],
            "undated_documents": self.undated_documents,
        }

    def to_csv(self, label: Callable[[str], str], link: Callable[[SearchRequest], str]) -> str:
        """One row per theme, year and scope (``CSV_COLUMNS``)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for cell in self.rows():
            writer.writerow((cell.theme_id, label(cell.theme_id), cell.year, cell.scope,
                             cell.documents, cell.passages,
                             link(self.filters.search(cell.theme_id, cell.year, cell.scope))))
        return buffer.getvalue()


    def to_wide_csv(self, label: Callable[[str], str], measure: str = "documents") -> str:
        """One row per theme, a column per year and scope (``2021 local``, ``2021 national``)
        holding ``measure``, then the share of each year's documents carrying the theme."""
        columns = [(year, scope) for year in self.years for scope in self.scopes]
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["theme_id", "theme"] + [f"{year} {scope}" for year, scope in columns]
                        + [f"{year} {scope} share" for year, scope in columns])
        for theme_id in self.theme_ids:
            shares = [self.share(theme_id, year, scope) for year, scope in columns]
            writer.writerow([theme_id, label(theme_id)]
                            + [getattr(self.cell(theme_id, year, scope), measure)
                               for year, scope in columns]
                            + ["" if share is None else f"{share:.3f}" for share in shares])
        writer.writerow(["", "Documents counted"]
                        + [self.published.get(column, 0) for column in columns])
        return buffer.getvalue()


def csv_file_name(filters: TrendFilters, layout: str = "long") -> str:
    """A download's name saying what it holds: ``theme-trends-cspr-local-2020-2025-wide.csv``."""
    parts = ["theme-trends", *filters.area, *filters.kind, *filters.scope, *filters.publisher]
    if filters.year_from is not None or filters.year_to is not None:
        parts.append(f"{filters.year_from or 'start'}-{filters.year_to or 'end'}")
    if layout != "long":
        parts.append(layout)
    stem = re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-")[:120]
    return f"{stem}.csv"


def _rounded(share: float | None) -> float | None:
    return None if share is None else round(share, 3)


def _filters_dict(filters: TrendFilters) -> dict:
    return {"kind": list(filters.kind), "publisher": list(filters.publisher),
            "area": list(filters.area), "scope": list(filters.scope),
            "year_from": filters.year_from, "year_to": filters.year_to}


@dataclass(frozen=True)
class ThemeInDocument:
    """A theme carried by a document, and by how many of its passages."""

    theme_id: str
    document_id: int
    year: int | None
    scope: str
    passages: int


def themes_in_documents(kb: KnowledgeBase, filters: TrendFilters,
                         include_restricted: bool) -> list[ThemeInDocument]:
    """Each theme of the taxonomy with each counted document carrying it, and how many
    of that document's passages carry it: the one count of themes in force (the tagger's with
    curators' decisions applied) that recurrence, trends, theme pages and the catalogue read."""
    condition, params = filters.sql(include_restricted)
    rows = kb.store.conn.execute(
        "SELECT e.theme_id, d.id, d.year, d.scope, COUNT(*) FROM effective_themes e "
        "JOIN passages p ON p.id = e.passage_id JOIN documents d ON d.id = p.document_id "
        f"WHERE {condition} GROUP BY e.theme_id, d.id", params)
    known = set(kb.taxonomy.ids)
    return [ThemeInDocument(*row) for row in rows if row[0] in known]


def theme_trends(kb: KnowledgeBase, filters: TrendFilters = TrendFilters(),
                 include_restricted: bool = False) -> Trends:
    """Documents and passages carrying each theme, by year and scope, under ``filters``."""
    documents: dict[tuple[str, int, str], int] = defaultdict(int)
    passages: dict[tuple[str, int, str], int] = defaultdict(int)
    for found in themes_in_documents(kb, filters, include_restricted):
        if found.year is not None:
            key = (found.theme_id, found.year, found.scope)
            documents[key] += 1
            passages[key] += found.passages
    condition, params = filters.sql(include_restricted)
    published: dict[tuple[int, str], int] = {}
    undated = 0
    for year, scope, count in kb.store.conn.execute(
            f"SELECT d.year, d.scope, COUNT(*) FROM documents d WHERE {condition} "
            "GROUP BY d.year, d.scope", params):
        if year is None:
            undated += count
        else:
            published[(year, scope)] = count
    dated = [year for year, _ in published]
    years = list(range(min(dated), max(dated) + 1)) if dated else []
    cells = {key: TrendCell(*key, documents=documents[key], passages=passages[key])
             for key in documents}
    return Trends(filters=filters, theme_ids=kb.taxonomy.ids, years=years, cells=cells,
                  published=published, undated_documents=undated)


@dataclass
class Recurrence:
    """How a theme recurs: when it was first and last seen, in how many documents, which years."""

    theme_id: str
    documents: int = 0
    documents_by_scope: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SCOPES, 0))
    passages: int = 0
    passages_by_scope: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SCOPES, 0))
    years: list[int] = field(default_factory=list)  # every year it was seen in
    #: The years it was seen in, local and national apart.
    years_by_scope: dict[str, list[int]] = field(
        default_factory=lambda: {scope: [] for scope in SCOPES})

    @property
    def first_year(self) -> int | None:
        return self.years[0] if self.years else None

    @property
    def last_year(self) -> int | None:
        return self.years[-1] if self.years else None

    @property
    def recurred_in(self) -> list[int]:
        """The years it was seen in after the first."""
        return self.years[1:]

    def recurred_in_scope(self, scope: str) -> list[int]:
        """The years it was seen in, in ``scope``, after the first."""
        return self.years_by_scope.get(scope, [])[1:]

    def to_dict(self) -> dict:
        return {"theme": self.theme_id, "first_year": self.first_year,
                "last_year": self.last_year, "documents": self.documents,
                "documents_by_scope": self.documents_by_scope, "passages": self.passages,
                "years": self.years, "recurred_in": self.recurred_in,
                "years_by_scope": self.years_by_scope,
                "recurred_in_by_scope": {scope: self.recurred_in_scope(scope)
                                         for scope in self.years_by_scope}}


def recurrence(kb: KnowledgeBase, filters: TrendFilters = TrendFilters(),
               include_restricted: bool = False) -> list[Recurrence]:
    """Every theme of the taxonomy (in its order) with how it recurs under ``filters``: the
    one count of themes (documents and passages carrying each, in all and by scope, and the
    years it was seen in) that the pages, the API and the command line show."""
    found = {theme_id: Recurrence(theme_id) for theme_id in kb.taxonomy.ids}
    years: dict[str, set[int]] = defaultdict(set)
    scoped: dict[tuple[str, str], set[int]] = defaultdict(set)
    for row in themes_in_documents(kb, filters, include_restricted):
        theme = found[row.theme_id]
        theme.documents += 1
        theme.documents_by_scope[row.scope] = theme.documents_by_scope.get(row.scope, 0) + 1
        theme.passages += row.passages
        theme.passages_by_scope[row.scope] = theme.passages_by_scope.get(row.scope, 0) + row.passages
        if row.year is not None:
            years[row.theme_id].add(row.year)
            scoped[(row.theme_id, row.scope)].add(row.year)
    for theme_id, seen in years.items():
        found[theme_id].years = sorted(seen)
    for (theme_id, scope), seen in scoped.items():
        found[theme_id].years_by_scope[scope] = sorted(seen)
    return list(found.values())


# -- the same learning again ------------------------------------------------------------
@dataclass
class RepeatedPassage:
    """A local passage and the earlier national passages making the same point."""

    passage: Passage
    earlier: list[Echo]


@dataclass
class LocalRepeat:
    """A local document that repeated learning national reviews had already published."""

    document: Document
    passages: list[RepeatedPassage]


def repeated_national_learning(kb: KnowledgeBase, theme_id: str,
                               include_restricted: bool = False) -> list[LocalRepeat]:
    """Local documents with passages on ``theme_id`` that make much the same point as a
    national passage on the same theme from an earlier year; newest first."""
    def compute() -> list[LocalRepeat]:
        repeats = []
        for document, passages in _passages_on(kb, theme_id, include_restricted, scope="local"):
            if document.meta.year is None:
                continue
            repeated = [RepeatedPassage(passage, earlier) for passage in passages
                        if (earlier := echoes(kb, passage, include_restricted=include_restricted,
                                              theme=theme_id, scope="national",
                                              year_to=document.meta.year - 1))]
            if repeated:
                repeats.append(LocalRepeat(document, repeated))
        repeats.sort(key=lambda repeat: (-(repeat.document.meta.year or 0), repeat.document.id))
        return repeats
    return memoised(kb, ("repeated-national-learning", theme_id, include_restricted), compute)


def recurrence_of_theme(kb: KnowledgeBase, theme_id: str, include_restricted: bool = False
                        ) -> tuple[Recurrence, list[LocalRepeat]] | None:
    """One theme's recurrence and the local reviews that repeated earlier national
    learning on it; None when the taxonomy has no such theme."""
    if theme_id not in kb.taxonomy.ids:
        return None
    found = next(r for r in recurrence(kb, include_restricted=include_restricted)
                 if r.theme_id == theme_id)
    return found, repeated_national_learning(kb, theme_id, include_restricted=include_restricted)


@dataclass
class CommonPoint:
    """A passage whose point other documents make too."""

    passage: Passage
    document: Document
    echoes: list[Echo]  # the same point in other documents, strongest first

    @property
    def other_documents(self) -> int:
        return len({echo.result.document.id for echo in self.echoes})


def most_common(kb: KnowledgeBase, theme_id: str, passage_type: str, limit: int = 3,
                include_restricted: bool = False) -> list[CommonPoint]:
    """Passages of ``passage_type`` on ``theme_id`` whose point the most other documents
    make too (ties: the tagger's surest first); a point already listed is not repeated."""
    def compute() -> list[CommonPoint]:
        candidates = [
            CommonPoint(passage, document, echoes(
                kb, passage, include_restricted=include_restricted, limit=ECHOES_CONSIDERED,
                theme=theme_id))
            for document, passages in _passages_on(kb, theme_id, include_restricted,
                                                   passage_type=passage_type)
            for passage in passages]
        candidates.sort(key=lambda point: (-point.other_documents,
                                           -point.passage.theme_scores.get(theme_id, 0.0),
                                           point.passage.id))
        chosen: list[CommonPoint] = []
        covered: set[int] = set()
        for point in candidates:
            if point.passage.id in covered:
                continue
            chosen.append(point)
            covered |= {echo.result.passage.id for echo in point.echoes}
            if len(chosen) == limit:
                break
        return chosen
    return memoised(kb, ("most-common", theme_id, passage_type, limit, include_restricted),
                    compute)


def _passages_on(kb: KnowledgeBase, theme_id: str, include_restricted: bool,
                 scope: str | None = None, passage_type: str | None = None
                 ) -> list[tuple[Document, list[Passage]]]:
    """The passages carrying ``theme_id`` (of one scope and type when given), by document."""
    clauses, params = ["e.theme_id = ?"], [theme_id]
    if not include_restricted:
        clauses.append("d.restricted = 0")
    if scope:
        clauses.append("d.scope = ?")
        params.append(scope)
    if passage_type:
        clauses.append("p.passage_type = ?")
        params.append(passage_type)
    ids = [row[0] for row in kb.store.conn.execute(
        "SELECT p.id FROM effective_themes e JOIN passages p ON p.id = e.passage_id "
        f"JOIN documents d ON d.id = p.document_id WHERE {' AND '.join(clauses)} "
        "ORDER BY d.id, p.seq", params)]
    by_document: dict[int, list[Passage]] = defaultdict(list)
    for passage in kb.store.passages(passage_ids=ids):
        by_document[passage.document_id].append(passage)
    found = []
    for document_id, passages in by_document.items():
        document = kb.store.document(document_id)
        if document is not None:
            found.append((document, passages))
    return found


# -- theme counts ------------------------------------------------------------------------
def theme_counts(kb: KnowledgeBase, include_restricted: bool = False) -> dict[str, Recurrence]:
    """Every theme of the taxonomy (in its order, even when unused) by id, counted by
    :func:`recurrence` over every document."""
    return {found.theme_id: found for found in recurrence(kb, include_restricted=include_restricted)}


def best_passages(kb: KnowledgeBase, theme_id: str, limit: int, include_restricted: bool = False,
                  per_document: int = 2) -> list[tuple[Passage, Document]]:
    """The passages the tagger scored highest on ``theme_id``, at most ``per_document`` from
    any one document."""
    scored = [(passage.theme_scores.get(theme_id, 0.0), passage, document)
              for document, passages in _passages_on(kb, theme_id, include_restricted)
              for passage in passages]
    chosen: list[tuple[Passage, Document]] = []
    taken: dict[int, int] = defaultdict(int)
    for _, passage, document in sorted(scored, key=lambda item: (-item[0], item[1].id)):
        if taken[document.id] < per_document:
            chosen.append((passage, document))
            taken[document.id] += 1
            if len(chosen) == limit:
                break
    return chosen


@dataclass
class ThemeShare:
    """How many of a document's passages carry a theme, and what share that is."""

    theme_id: str
    label: str
    passages: int
    share: float  # 0..1 of the document's passages


def theme_profile(kb: KnowledgeBase, passages: list[Passage]) -> list[ThemeShare]:
    """The themes of one document's passages (as loaded), most frequent first."""
    counts: dict[str, int] = defaultdict(int)
    for passage in passages:
        for theme in passage.themes:
            counts[theme] += 1
    total = len(passages) or 1
    return [ThemeShare(theme_id=theme, label=kb.taxonomy.label(theme), passages=count,
                       share=count / total)
            for theme, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
