"""Trends: how often each theme is seen year by year, locally and nationally, and how it recurs."""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, make_response, render_template, request, url_for

from kb.model import KIND_LABELS
from kb.facets import SCOPE_LABELS
from kb.search import SearchRequest, SearchRequestError
from kb.trends import (
    TrendCell, TrendFilters, filter_choices, recurrence, recurrence_of_theme, theme_trends,
)
from web.charts import heatmap, line_charts
from web.knowledge import can_see_restricted, current_kb
from web.presentation import search_url, theme_label
from web.search import typed_years, without_year_range

bp = Blueprint("trends", __name__, url_prefix="/trends")


def trend_filters() -> TrendFilters:
    """The filters in the request's URL parameters (those of the search page), or a 400."""
    try:
        return TrendFilters.from_search(SearchRequest.from_params(request.args))
    except SearchRequestError as error:
        abort(400, description=str(error))


def filter_params(filters: TrendFilters) -> list[tuple[str, str]]:
    """URL parameters for ``filters``."""
    return SearchRequest(kind=filters.kind, publisher=filters.publisher, scope=filters.scope,
                         area=filters.area, year_from=filters.year_from,
                         year_to=filters.year_to).to_params()


def trends_url(endpoint: str, filters: TrendFilters, **values: object) -> str:
    """The address of ``endpoint`` (a page or its CSV or JSON twin) under ``filters``."""
    params = filter_params(filters)
    return url_for(endpoint, **values) + ("?" + urlencode(params) if params else "")


def cell_link(filters: TrendFilters) -> Callable[[TrendCell], str]:
    """A function giving, for a cell counted under ``filters``, the search behind its count."""
    def link(cell: TrendCell) -> str:
        return search_url(filters.search(cell.theme_id, cell.year, cell.scope))
    return link


@bp.get("")
def index() -> Response:
    """Theme-by-year heatmap and line charts with their data tables, and recurrence per theme.

    A year range the wrong way round shows the page without it, the message by the years."""
    kb = current_kb()
    error = None
    try:
        filters = TrendFilters.from_search(SearchRequest.from_params(request.args))
    except SearchRequestError as problem:
        without_years = without_year_range(problem)
        if without_years is None:
            abort(400, description=str(problem))
        filters, error = TrendFilters.from_search(without_years), problem
    include_restricted = can_see_restricted()
    trends = theme_trends(kb, filters, include_restricted=include_restricted)
    link = cell_link(filters)
    page = render_template(
        "trends.html", filters=filters, trends=trends, link=link, kind_labels=KIND_LABELS,
        choices=filter_choices(kb, include_restricted=include_restricted),
        heatmap=heatmap(trends, "documents", theme_label, link, SCOPE_LABELS),
        lines=line_charts(trends, "passages", theme_label, link, SCOPE_LABELS),
        recurrence=recurrence(kb, filters, include_restricted=include_restricted),
        error=str(error) if error else None, typed_years=typed_years(),
        csv_url=trends_url("api.trends_csv", filters),
        wide_csv_url=trends_url("api.trends_csv", filters) + ("&" if filter_params(filters) else "?")
        + "layout=wide",
        json_url=trends_url("api.trends", filters))
    return make_response(page, 400 if error else 200)


@bp.get("/<theme_id>")
def theme(theme_id: str) -> str:
    """How one theme recurs, and the local reviews that repeated earlier national learning."""
    kb = current_kb()
    answer = recurrence_of_theme(kb, theme_id, include_restricted=can_see_restricted())
    if answer is None:
        abort(404, description="There is no such theme.")
    found, repeats = answer
    filters = TrendFilters()
    return render_template("trend_theme.html", theme=kb.taxonomy.get(theme_id),
                           recurrence=found, repeats=repeats, link=cell_link(filters),
                           trends=theme_trends(kb, filters,
                                               include_restricted=can_see_restricted()))
