"""Searching passages: the home page, as a whole page or (for htmx) the results partial."""
from __future__ import annotations

from flask import Blueprint, Response, make_response, render_template, request

from kb.search import MAX_QUERY_CHARS, SearchRequest, SearchRequestError, SearchResponse
from web.knowledge import can_see_restricted, current_kb
from web.presentation import active_filters

bp = Blueprint("search", __name__)


def wants_partial() -> bool:
    """True for an htmx swap; a history restore needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def vary_on_htmx(response: Response) -> Response:
    """Mark a response whose body depends on the htmx headers, so caches keep both forms."""
    response.vary.update(("HX-Request", "HX-History-Restore-Request"))
    return response


@bp.get("/")
def search() -> Response:
    """Passages matching the query and filters, grouped by document, with facet counts."""
    template = "partials/search_results.html" if wants_partial() else "search.html"
    try:
        search_request = SearchRequest.from_params(request.args)
    except SearchRequestError as error:
        typed = SearchRequest(q=request.args.get("q", "")[:MAX_QUERY_CHARS])
        page = render_template(template, search=typed, response=None, error=str(error), filters=[])
        return vary_on_htmx(make_response(page, 400))
    response = current_kb().search(search_request, include_restricted=can_see_restricted())
    page = render_template(template, search=search_request, response=response, error=None,
                           filters=active_filters(search_request, _value_labels(response)))
    return vary_on_htmx(make_response(page))


def _value_labels(response: SearchResponse) -> dict[str, dict[str, str]]:
    return {facet: {count.value: count.label for count in counts}
            for facet, counts in response.facets.items()}
