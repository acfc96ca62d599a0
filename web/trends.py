"""Trends: how often each theme is seen year by year, locally and nationally, and how it recurs."""
from __future__ import annotations

from flask import Blueprint, Response, abort, make_response, render_template, request

from kb.curation_figures import CHECKS_CAVEAT
from kb.facets import SCOPE_LABELS
from kb.model import KIND_LABELS
from kb.search import SearchRequest, SearchRequestError
from kb.trends import TrendFilters
from web.charts import heatmap, line_charts
from web.knowledge import reader
from web.lists import typed_years, without_year_range
from web.presentation import cell_link, filter_params, theme_label, trends_url

bp = Blueprint("trends", __name__, url_prefix="/trends")


@bp.get("")
def index() -> Response:
    """Theme-by-year heatmap and line charts with their data tables, and recurrence per theme.

    A year range the wrong way round shows the page without it, the message by the years."""
    view = reader()
    error = None
    try:
        filters = TrendFilters.from_search(SearchRequest.from_params(request.args))
    except SearchRequestError as problem:
        without_years = without_year_range(SearchRequest.from_params, problem)
        if without_years is None:
            abort(400, description=str(problem))
        filters, error = TrendFilters.from_search(without_years), problem
    trends = view.theme_trends(filters)
    link = cell_link(filters)
    page = render_template(
        "trends/trends.html", filters=filters, trends=trends, link=link, kind_labels=KIND_LABELS,
        choices=view.filter_choices(),
        heatmap=heatmap(trends, "documents", theme_label, link, SCOPE_LABELS),
        lines=line_charts(trends, "passages", theme_label, link, SCOPE_LABELS),
        recurrence=view.recurrence(filters),
        checks=view.curator_checks(), checks_caveat=CHECKS_CAVEAT, measurement=view.measured_quality(),
        error=str(error) if error else None, typed_years=typed_years(),
        csv_url=trends_url("api.trends_csv", filters),
        wide_csv_url=trends_url("api.trends_csv", filters) + ("&" if filter_params(filters) else "?")
        + "layout=wide",
        json_url=trends_url("api.trends", filters))
    return make_response(page, 400 if error else 200)


@bp.get("/<theme_id>")
def theme(theme_id: str) -> str:
    """How one theme recurs, and the local reviews that repeated earlier national learning."""
    view = reader()
    answer = view.recurrence_of_theme(theme_id)
    if answer is None:
        abort(404, description="There is no such theme.")
    found, repeats = answer
    filters = TrendFilters()
    return render_template("trends/trend_theme.html", theme=view.taxonomy.get(theme_id),
                           recurrence=found, repeats=repeats, link=cell_link(filters),
                           trends=view.theme_trends(filters), checks=view.curator_checks()[theme_id],
                           checks_caveat=CHECKS_CAVEAT, measurement=view.measured_quality())
