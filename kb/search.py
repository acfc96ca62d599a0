"""Search as users see it: a request from URL-style parameters, a response grouped by document.

The same ``SearchRequest`` drives the web pages, the JSON API, the CLI and the
evaluation, so they always agree.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

from kb.index import FACETS, IndexQuery
from kb.model import AGE_GROUPS, KIND_LABELS, PASSAGE_TYPES, SCOPES, Document, Passage
from kb.taxonomy import Taxonomy, load_taxonomy

MAX_QUERY_CHARS = 500
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
SORTS = ("relevance", "newest")

#: URL parameter for each facet (short, readable, stable).
FACET_PARAMS: dict[str, str] = {
    "theme": "theme",
    "scope": "scope",
    "kind": "kind",
    "year": "year",
    "publisher": "publisher",
    "area": "area",
    "age_group": "age",
    "passage_type": "type",
    "agency": "agency",
}

FACET_LABELS: dict[str, str] = {
    "theme": "Theme",
    "scope": "Local or national",
    "kind": "Kind of document",
    "year": "Year",
    "publisher": "Publisher",
    "area": "Area",
    "age_group": "Child's age",
    "passage_type": "Passage type",
    "agency": "Agency",
}

#: Fallback labels; the facets data (``kb/facets.toml`` or a taxonomy's own ``[facets]``) wins.
AGE_LABELS = {"baby": "Babies (under 2)", "young-child": "Young children", "adolescent": "Adolescents"}
TYPE_LABELS = {"recommendation": "Recommendation", "finding": "Finding",
               "good-practice": "Good practice", "other": "Other"}
SCOPE_LABELS = {"local": "Local", "national": "National"}

#: The table of the facets data that labels each facet's values (``[agencies.police] label = ...``).
_FACET_TABLES = {"agency": "agencies", "age_group": "age_groups", "passage_type": "passage_types"}


class SearchRequestError(ValueError):
    """A parameter that cannot be used; the message says which and why, and ``field`` names
    the form field to correct when it is one a person types into."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SearchRequest:
    """Everything that defines a search; it round-trips through URL parameters."""

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
        facet_values = {name: values(param) for name, param in FACET_PARAMS.items()}
        for year in facet_values["year"]:
            if not year.isdigit():
                raise SearchRequestError(f"year must be a whole number, not {year[:20]!r}")
        year_from, year_to = number("year_from", 0, 9999), number("year_to", 0, 9999)
        if year_from is not None and year_to is not None and year_from > year_to:
            raise SearchRequestError(
                f"The year range is the wrong way round: ‘from’ ({year_from}) must be the same "
                f"as ‘to’ ({year_to}) or before it.", field="year_from")
        return cls(q=query_text, sort=sort, year_from=year_from, year_to=year_to,
                   page=number("page", 1, 10_000) or 1,
                   per_page=number("per_page", 1, MAX_PER_PAGE) or DEFAULT_PER_PAGE,
                   **facet_values)

    def filters(self) -> dict[str, tuple[str, ...]]:
        return {name: getattr(self, name) for name in FACETS if getattr(self, name)}

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
class FacetCount:
    value: str
    label: str
    count: int
    selected: bool


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

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.request.per_page))

    def to_dict(self) -> dict:
        """The JSON form of the response, as the API and ``kb search --json`` give it."""
        return {
            "query": self.request.q,
            "total": self.total,
            "page": self.request.page,
            "pages": self.pages,
            "per_page": self.request.per_page,
            "notice": self.notice,
            "suggestion": self.suggestion,
            "results": [result_dict(r) for r in self.results],
            "facets": {name: [{"value": f.value, "label": f.label, "count": f.count,
                               "selected": f.selected} for f in values]
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


@lru_cache(maxsize=1)
def _shipped_facets() -> dict:
    return load_taxonomy().facets


def _facets_data(theme_label) -> dict:
    """The facets data of the taxonomy whose ``label`` method ``theme_label`` is, else the shipped."""
    owner = getattr(theme_label, "__self__", None)
    if isinstance(owner, Taxonomy):
        return owner.facets
    try:
        return _shipped_facets()
    except Exception:  # labels are a nicety: an unreadable taxonomy leaves the ids
        return {}


def facet_label(name: str, value: str, theme_label=None, facets: Mapping | None = None) -> str:
    """A person-readable label for a facet value.

    Themes are labelled by ``theme_label`` (a taxonomy's ``label``); agencies and age groups
    by the ``label`` of their entry in the facets data (``facets``, else that taxonomy's,
    else ``kb/facets.toml``); kinds, scopes and passage types by the tables here.
    """
    if name == "theme" and theme_label:
        return theme_label(value)
    if name in _FACET_TABLES:
        table = (facets if facets is not None else _facets_data(theme_label)).get(
            _FACET_TABLES[name], {})
        entry = table.get(value) if isinstance(table, Mapping) else None
        if isinstance(entry, Mapping) and isinstance(entry.get("label"), str) \
                and entry["label"].strip():
            return entry["label"].strip()
    return {
        "kind": KIND_LABELS, "age_group": AGE_LABELS, "passage_type": TYPE_LABELS,
        "scope": SCOPE_LABELS,
    }.get(name, {}).get(value, value)


_FACET_ORDER = {"age_group": AGE_GROUPS, "passage_type": PASSAGE_TYPES, "scope": SCOPES}


def order_facet(name: str, counts: dict[str, int], selected: tuple[str, ...],
                theme_label=None) -> list[FacetCount]:
    """Facet values for display: selected ones always shown; years newest first, others by count."""
    values = dict(counts)
    for value in selected:
        values.setdefault(value, 0)
    facets = _facets_data(theme_label) if name in _FACET_TABLES else None
    if name == "year":
        ordered = sorted(values, key=lambda v: v, reverse=True)
    elif name in _FACET_ORDER:
        known = _FACET_ORDER[name]
        ordered = sorted(values, key=lambda v: known.index(v) if v in known else len(known))
    else:
        ordered = sorted(values, key=lambda v: (-values[v], v))
    return [FacetCount(value=v, label=facet_label(name, v, theme_label, facets), count=values[v],
                       selected=v in selected) for v in ordered if v not in ("", "0")]


def query_expansions(text: str, synonym_groups: list[tuple[str | None, tuple[str, ...]]]
                     ) -> tuple[list[tuple[str, ...]], list[str]]:
    """The synonym groups a query touches, and the themes they belong to.

    ``synonym_groups`` holds (theme id or None, group of equivalent terms). A group is
    touched when one of its terms appears in the query as whole words; words the
    query excludes (``-word``, ``-"a phrase"``, ``NOT word``) touch nothing.
    """
    padded = f" {_words(_EXCLUDED.sub(' ', text))} "
    groups: list[tuple[str, ...]] = []
    themes: list[str] = []
    for theme_id, group in synonym_groups:
        if any(f" {_words(term)} " in padded for term in group):
            if group not in groups:
                groups.append(group)
            if theme_id is not None and theme_id not in themes:
                themes.append(theme_id)
    return groups, themes


_EXCLUDED = re.compile(r'(?:^|(?<=[\s(]))(?:-|NOT\s+)(?:"[^"]*"?|[^\s()]+)')


def _words(text: str) -> str:
    return " ".join(re.findall(r"[\w']+", text.lower()))


def index_query(request: SearchRequest, synonym_groups: list[tuple[str | None, tuple[str, ...]]],
                include_restricted: bool = False, plain: bool = False) -> IndexQuery:
    """The index query for a request: filters, paging and, unless ``plain``, synonyms and boosts."""
    expansions, themes = ([], []) if plain else query_expansions(request.q, synonym_groups)
    return IndexQuery(
        text=request.q, filters=request.filters(), year_from=request.year_from,
        year_to=request.year_to, include_restricted=include_restricted, sort=request.sort,
        offset=(request.page - 1) * request.per_page, limit=request.per_page,
        expansions=expansions, boost_themes=themes, plain=plain, facets=not plain,
        suggest=not plain)

