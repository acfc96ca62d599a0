"""Search as users see it: a request from URL-style parameters, a response grouped by document.

The same ``SearchRequest`` drives the web pages, the JSON API, the CLI and the
evaluation, so they always agree.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from kb.facets import FACET_PARAMS, FACETS, FacetCount
from kb.model import Document, Passage
from kb.ranking import MATCH_MODES

MAX_QUERY_CHARS = 500
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
SORTS = ("relevance", "newest")

class SearchRequestError(ValueError):
    """A parameter that cannot be used; the message says which and why, and ``field`` names
    the form field to correct when it is one a person types into."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SearchRequest:
    """Everything that defines a search; it round-trips through URL parameters.

    A field per facet of ``kb.facets`` (values selected, OR-ed), read from its URL parameter.
    """

    q: str = ""
    theme: tuple[str, ...] = ()
    scope: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    year: tuple[str, ...] = ()
    publisher: tuple[str, ...] = ()
    area: tuple[str, ...] = ()
    age_group: tuple[str, ...] = ()
    passage_type: tuple[str, ...] = ()
    agency: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "relevance"
    #: Which passages the words select (``kb.ranking.MATCH_MODES``): those holding enough of
    #: the query's concepts, any of its words, or all of them.
    match: str = "relevant"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @classmethod
    def from_params(cls, params: Mapping[str, object]) -> "SearchRequest":
        """Read a request from URL parameters (a Werkzeug MultiDict or a plain dict).

        Raises SearchRequestError for a value that cannot be read, such as a
        non-numeric year or an unknown sort order.
        """
        def values(name: str) -> tuple[str, ...]:
            if hasattr(params, "getlist"):
                raw = params.getlist(name)  # type: ignore[attr-defined]
            else:
                raw = params.get(name, [])
                raw = [raw] if isinstance(raw, (str, int)) else list(raw or [])
            seen: list[str] = []
            for value in raw:
                value = str(value).strip()
                if value and value not in seen:
                    seen.append(value)
            return tuple(seen)

        def one(name: str) -> str:
            found = values(name)
            return found[0] if found else ""

        def number(name: str, low: int, high: int) -> int | None:
            text = one(name)
            if not text:
                return None
            if not text.isdigit():
                raise SearchRequestError(f"{name} must be a whole number, not {text[:20]!r}")
            return max(low, min(high, int(text)))

        query_text = one("q")
        if len(query_text) > MAX_QUERY_CHARS:
            raise SearchRequestError(
                f"The search is too long ({len(query_text)} characters); "
                f"the limit is {MAX_QUERY_CHARS}.")
        sort = one("sort") or "relevance"
        if sort not in SORTS:
            raise SearchRequestError(f"sort must be one of {', '.join(SORTS)}, not {sort[:20]!r}")
        match = one("match") or "relevant"
        if match not in MATCH_MODES:
            raise SearchRequestError(
                f"match must be one of {', '.join(MATCH_MODES)}, not {match[:20]!r}")
        facet_values = {facet.name: values(facet.param) for facet in FACETS}
        for facet in FACETS:
            for value in facet_values[facet.name] if facet.numeric else ():
                if not value.isdigit():
                    raise SearchRequestError(
                        f"{facet.param} must be a whole number, not {value[:20]!r}")
        year_from, year_to = number("year_from", 0, 9999), number("year_to", 0, 9999)
        if year_from is not None and year_to is not None and year_from > year_to:
            raise SearchRequestError(
                f"The year range is the wrong way round: ‘from’ ({year_from}) must be the same "
                f"as ‘to’ ({year_to}) or before it.", field="year_from")
        return cls(q=query_text, sort=sort, match=match, year_from=year_from, year_to=year_to,
                   page=number("page", 1, 10_000) or 1,
                   per_page=number("per_page", 1, MAX_PER_PAGE) or DEFAULT_PER_PAGE,
                   **facet_values)

    def filters(self) -> dict[str, tuple[str, ...]]:
        return {facet.name: getattr(self, facet.name) for facet in FACETS
                if getattr(self, facet.name)}

    def to_params(self, **changes: object) -> list[tuple[str, str]]:
        """URL parameters for this request (with ``changes`` applied), defaults left out."""
        request = replace(self, **changes) if changes else self
        params: list[tuple[str, str]] = []
        if request.q:
            params.append(("q", request.q))
        for name, param in FACET_PARAMS.items():
            params += [(param, value) for value in getattr(request, name)]
        for name in ("year_from", "year_to"):
            if getattr(request, name) is not None:
                params.append((name, str(getattr(request, name))))
        if request.sort != "relevance":
            params.append(("sort", request.sort))
        if request.match != "relevant":
            params.append(("match", request.match))
        if request.page != 1:
            params.append(("page", str(request.page)))
        if request.per_page != DEFAULT_PER_PAGE:
            params.append(("per_page", str(request.per_page)))
        return params

    def toggled(self, facet: str, value: str) -> "SearchRequest":
        """This request with ``value`` added to or removed from ``facet``, back on page 1."""
        current = getattr(self, facet)
        new = tuple(v for v in current if v != value) if value in current else current + (value,)
        return replace(self, page=1, **{facet: new})

    @property
    def is_empty(self) -> bool:
        return not self.q.strip() and not self.filters() and self.year_from is None \
            and self.year_to is None


@dataclass
class PassageResult:
    passage: Passage
    document: Document
    snippet: str  # safe HTML: escaped text with <mark> around matches
    score: float


@dataclass
class DocumentGroup:
    document: Document
    results: list[PassageResult] = field(default_factory=list)


@dataclass
class SearchResponse:
    request: SearchRequest
    total: int
    results: list[PassageResult]
    facets: dict[str, list[FacetCount]]
    notice: str | None = None
    suggestion: str | None = None
    #: The page asked for when it was past the last one and the last page was given instead.
    page_asked: int | None = None
    #: Passages mentioning any word of the query, when the total counts fewer (the passages
    #: holding enough of its concepts); None when the total is every match.
    matched: int | None = None
    #: Themes the query names (their facet values are always shown), by id.
    query_themes: tuple[str, ...] = ()
    #: Words read as another: (as typed, as read, what it stands for), e.g. an acronym's
    #: misspelling ("CAHMS", "CAMHS", "child and adolescent mental health services").
    read_as: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.request.per_page))

    def to_dict(self) -> dict:
        """The JSON form of the response, as the API and ``kb search --json`` give it."""
        return {
            "query": self.request.q,
            "total": self.total,
            # What ``total`` counts: passages holding enough of the query's concepts
            # ("relevant"), or every passage mentioning any of its words ("any").
            "counted": "relevant" if self.matched is not None else "any",
            "matched": self.matched if self.matched is not None else self.total,
            "match": self.request.match,
            "query_themes": list(self.query_themes),
            "read_as": [{"typed": typed, "as": read, "meaning": meaning}
                        for typed, read, meaning in self.read_as],
            "page": self.request.page,
            "pages": self.pages,
            "per_page": self.request.per_page,
            "notice": self.notice,
            "suggestion": self.suggestion,
            "results": [result_dict(r) for r in self.results],
            "facets": {name: [{"value": f.value, "label": f.label, "count": f.count,
                               "selected": f.selected, "from_query": f.from_query}
                              for f in values]
                       for name, values in self.facets.items()},
            # The URL parameter that filters on each facet: age_group is ``age``, passage_type ``type``.
            "facet_params": {name: FACET_PARAMS[name] for name in self.facets if name in FACET_PARAMS},
        }

    @property
    def groups(self) -> list[DocumentGroup]:
        """The page's passages grouped under their documents, in rank order of each group's best."""
        groups: dict[int, DocumentGroup] = {}
        for result in self.results:
            group = groups.setdefault(result.document.id, DocumentGroup(result.document))
            group.results.append(result)
        return list(groups.values())


def result_dict(result: PassageResult) -> dict:
    """One search result as JSON."""
    document, passage = result.document, result.passage
    return {
        "passage_id": passage.id,
        "document_id": document.id,
        "title": document.meta.title,
        "publisher": document.meta.publisher,
        "year": document.meta.year,
        "kind": document.meta.kind,
        "scope": document.meta.scope,
        "page_start": passage.page_start,
        "page_end": passage.page_end,
        "heading_path": passage.heading_path,
        "passage_type": passage.passage_type,
        "themes": passage.themes,
        "age_groups": passage.age_groups,
        "agencies": passage.agencies,
        "snippet_html": result.snippet,
        "text": passage.text,
        "score": round(result.score, 4),
    }


def within_pages(run: Callable[[SearchRequest], SearchResponse],
                 request: SearchRequest) -> SearchResponse:
    """``run(request)``, except that a page past the last gives the last page instead.

    The response's request then holds the page given, and ``page_asked`` the page asked for,
    so a page can say so and its links follow on from the page shown.
    """
    response = run(request)
    if request.page > response.pages:
        response = run(replace(request, page=response.pages))
        response.page_asked = request.page
    return response
