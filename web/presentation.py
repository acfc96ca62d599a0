"""Helpers the templates and views use to build links (to pages, their JSON and CSV twins and
where to go after signing in) and readable labels."""
from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urlencode, urlsplit

from flask import Flask, current_app, url_for

from kb.model import KIND_LABELS, Document, Passage
from kb.facets import FACET_LABELS, FACET_PARAMS, SCOPE_LABELS, TYPE_LABELS
from kb.search import SearchRequest
from kb.trends import TrendCell, TrendFilters
from web.knowledge import current_kb

HTMX_VERSION = "2.0.11"


def search_url(search: SearchRequest, **changes: object) -> str:
    """The search page's URL for ``search`` with ``changes`` applied."""
    params = search.to_params(**changes)
    return url_for("search.search") + ("?" + urlencode(params) if params else "")


def register_url(search: SearchRequest, **changes: object) -> str:
    """The recommendations register's URL for ``search`` with ``changes`` applied."""
    params = search.to_params(**changes)
    return url_for("recommendations.index") + ("?" + urlencode(params) if params else "")


def filter_params(filters: TrendFilters) -> list[tuple[str, str]]:
    """URL parameters for trend ``filters``."""
    return SearchRequest(kind=filters.kind, publisher=filters.publisher, scope=filters.scope,
                         area=filters.area, year_from=filters.year_from,
                         year_to=filters.year_to).to_params()


def trends_url(endpoint: str, filters: TrendFilters, **values: object) -> str:
    """The address of ``endpoint`` (a trends page or its CSV or JSON twin) under ``filters``."""
    params = filter_params(filters)
    return url_for(endpoint, **values) + ("?" + urlencode(params) if params else "")


def cell_link(filters: TrendFilters) -> Callable[[TrendCell], str]:
    """A function giving, for a cell counted under ``filters``, the search behind its count."""
    def link(cell: TrendCell) -> str:
        return search_url(filters.search(cell.theme_id, cell.year, cell.scope))
    return link


def safe_next(target: str | None) -> str:
    """``target`` when it is a path on this site, else the search page (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("search.search")


def toggle_url(search: SearchRequest, facet: str, value: str) -> str:
    """The search with one facet value added or removed."""
    return search_url(search.toggled(facet, value))


def theme_filter_url(search: SearchRequest, theme_id: str) -> str:
    """The same search narrowed to one theme (replacing any theme filter)."""
    return search_url(replace(search, theme=(theme_id,), page=1))


def theme_search_url(theme_id: str) -> str:
    """Every passage on one theme."""
    return search_url(SearchRequest(theme=(theme_id,)))


def clear_filters_url(search: SearchRequest) -> str:
    """The same words with no filters."""
    return search_url(SearchRequest(q=search.q, sort=search.sort, per_page=search.per_page))


def dom_id(*parts: str) -> str:
    """A stable, valid HTML id from any text (facet values can hold spaces and punctuation)."""
    text = "-".join(parts)
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]
    return f"{slug}-{zlib.crc32(text.encode()):08x}"


def csv_url(search: SearchRequest) -> str:
    params = search.to_params(page=1)
    return url_for("api.search_csv") + ("?" + urlencode(params) if params else "")


def pages_label(passage: Passage) -> str:
    """'p. 4' or 'pp. 4–5', or '' when the passage has no page numbers."""
    if passage.page_start is None:
        return ""
    if passage.page_end and passage.page_end != passage.page_start:
        return f"pp. {passage.page_start}–{passage.page_end}"
    return f"p. {passage.page_start}"


def passage_anchor(passage: Passage) -> str:
    return f"passage-{passage.id}"


def public_url(endpoint: str, **values: object) -> str:
    """A link for the API and downloads: on the configured base URL (``KB_BASE_URL``); else,
    behind a trusted reverse proxy, on the address it forwards; else a path on this site.
    Never built from a Host header that reached the app straight from a client."""
    if current_app.config.get("BASE_URL"):
        return current_app.config["BASE_URL"] + url_for(endpoint, **values)
    return url_for(endpoint, _external=bool(current_app.config.get("BEHIND_PROXY")), **values)


def page_link(document: Document, passage: Passage, external: bool = False) -> str:
    """Where to read a passage in its original: the kept PDF at its page, else its place on our
    page; ``external``: as ``public_url`` makes it."""
    link = public_url if external else url_for
    if document.file_type == "pdf" and passage.page_start is not None \
            and current_kb().original_file(document).is_file():
        return link("documents.original_file", document_id=document.id) \
            + f"#page={passage.page_start}"
    return link("documents.show", document_id=document.id) + f"#{passage_anchor(passage)}"


@dataclass(frozen=True)
class ActiveFilter:
    """A filter in force, shown as a chip whose link removes it."""

    heading: str
    label: str
    remove_url: str


def active_filters(search: SearchRequest, labels: dict[str, dict[str, str]],
                   url: Callable[..., str] = search_url) -> list[ActiveFilter]:
    """The filters of ``search``; ``labels`` gives known value labels by facet, ``url`` the
    page a chip leads to (called like ``search_url``)."""
    chips = [ActiveFilter(FACET_LABELS[facet], labels.get(facet, {}).get(value, value),
                          url(search.toggled(facet, value)))
             for facet in FACET_PARAMS for value in getattr(search, facet)]
    if search.year_from is not None or search.year_to is not None:
        span = f"{search.year_from or '…'}–{search.year_to or '…'}"
        chips.append(ActiveFilter("Years", span, url(search, year_from=None, year_to=None, page=1)))
    return chips


def plural(count: int, word: str, words: str | None = None) -> str:
    """``word`` for a count of one, else ``words`` (default: ``word`` + "s"): 1 passage, 2 passages."""
    return word if count == 1 else (words if words is not None else word + "s")


def document_kind(document: Document) -> str:
    return KIND_LABELS.get(document.meta.kind, document.meta.kind)


def theme_label(theme_id: str) -> str:
    return current_kb().taxonomy.label(theme_id)


def our_area() -> str:
    """The area of the partnership running the service (``KB_OUR_AREA``), or ""."""
    return current_kb().settings.our_area


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(
        our_area=our_area,
        search_url=search_url, register_url=register_url, theme_filter_url=theme_filter_url, theme_search_url=theme_search_url,
        clear_filters_url=clear_filters_url, csv_url=csv_url, dom_id=dom_id,
        pages_label=pages_label, passage_anchor=passage_anchor, page_link=page_link,
        document_kind=document_kind, theme_label=theme_label, FACET_LABELS=FACET_LABELS,
        FACET_PARAMS=FACET_PARAMS, SCOPE_LABELS=SCOPE_LABELS, TYPE_LABELS=TYPE_LABELS,
        HTMX_VERSION=HTMX_VERSION)
    app.jinja_env.filters["plural"] = plural
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
