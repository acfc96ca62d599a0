"""The recommendations register: every recommendation, searched and filtered like the search
page, each with the similar recommendations earlier reviews had already made."""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from flask import Blueprint, Response, make_response, render_template, request, url_for

from kb.recommendations import made_before, search_recommendations
from kb.search import (
    MAX_QUERY_CHARS, SearchRequest, SearchRequestError, SearchResponse, within_pages,
)
from kb.similarity import Echo
from web.knowledge import can_see_restricted, current_kb
from web.presentation import active_filters
from web.search import (
    keep_url_in_step, typed_years, vary_on_htmx, wants_partial, without_year_range,
)

bp = Blueprint("recommendations", __name__, url_prefix="/recommendations")


def register_url(search: SearchRequest, **changes: object) -> str:
    """The register's URL for ``search`` with ``changes`` applied."""
    params = search.to_params(**changes)
    return url_for("recommendations.index") + ("?" + urlencode(params) if params else "")


def register_request() -> SearchRequest:
    """The search in the URL; its passage type is always "recommendation", so it is not kept.

    Raises SearchRequestError for a parameter that cannot be read.
    """
    return replace(SearchRequest.from_params(request.args), passage_type=())


def earlier_recommendations(response: SearchResponse) -> dict[int, list[Echo]]:
    """For each recommendation of the page, by passage id: what earlier reviews recommended."""
    kb, include_restricted = current_kb(), can_see_restricted()
    return {result.passage.id: made_before(kb, result.passage, result.document,
                                           include_restricted=include_restricted)
            for result in response.results}


@bp.get("")
def index() -> Response:
    """Recommendations matching the query and filters, each with what was recommended before."""
    template = "partials/recommendation_results_swap.html" if wants_partial() \
        else "recommendations.html"
    try:
        search = register_request()
    except SearchRequestError as error:
        typed = without_year_range(error)
        response = search_recommendations(
            current_kb(), replace(typed, passage_type=()), include_restricted=can_see_restricted()
        ) if typed else None
        page = render_template(template, search=typed or SearchRequest(
            q=request.args.get("q", "")[:MAX_QUERY_CHARS]), response=response, error=str(error),
            error_field=error.field, typed_years=typed_years(), filters=[], made_before={})
        return vary_on_htmx(make_response(page, 400))
    kb, include_restricted = current_kb(), can_see_restricted()
    response = within_pages(lambda asked: search_recommendations(
        kb, asked, include_restricted=include_restricted), search)
    search = response.request
    labels = {facet: {count.value: count.label for count in counts}
              for facet, counts in response.facets.items()}
    page = render_template(template, search=search, response=response, error=None,
                           filters=active_filters(search, labels, url=register_url),
                           made_before=earlier_recommendations(response))
    return keep_url_in_step(vary_on_htmx(make_response(page)), response, register_url)


def _register_template_helpers(state) -> None:
    state.app.jinja_env.globals.update(register_url=register_url)


bp.record_once(_register_template_helpers)
