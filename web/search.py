"""Searching passages: the home page, as a whole page or (for htmx) the results partial."""
from __future__ import annotations

from flask import Blueprint, Response, make_response, render_template, request

from kb.search import (
    MAX_QUERY_CHARS, SearchRequest, SearchRequestError, SearchResponse, within_pages,
)
from web.knowledge import can_see_restricted, current_kb
from web.presentation import active_filters, search_url

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
    kb, include_restricted = current_kb(), can_see_restricted()
    try:
        search_request = SearchRequest.from_params(request.args)
    except SearchRequestError as error:
        typed = without_year_range(error)
        response = kb.search(typed, include_restricted=include_restricted) \
            if typed and error.field else None
        page = render_template(template, search=typed or SearchRequest(
            q=request.args.get("q", "")[:MAX_QUERY_CHARS]), response=response, error=str(error),
            error_field=error.field, typed_years=typed_years(), filters=[])
        return vary_on_htmx(make_response(page, 400))
    response = within_pages(lambda asked: kb.search(asked, include_restricted=include_restricted),
                            search_request)
    search_request = response.request  # the page shown, when the one asked for was past the last
    page = render_template(template, search=search_request, response=response, error=None,
                           filters=active_filters(search_request, _value_labels(response)))
    return keep_url_in_step(vary_on_htmx(make_response(page)), response, search_url)


def without_year_range(error: SearchRequestError) -> SearchRequest | None:
    """For an error in the year range: the search asked for without it, so the page can show
    the form again (filters and counts) with the message beside the years; else None."""
    if error.field not in ("year_from", "year_to"):
        return None
    params = request.args.copy()
    params.poplist("year_from")
    params.poplist("year_to")
    try:
        return SearchRequest.from_params(params)
    except SearchRequestError:
        return None


def typed_years() -> dict[str, str]:
    """The years as typed, to show them again in the form beside a message about them."""
    return {name: request.args.get(name, "")[:20] for name in ("year_from", "year_to")}


def keep_url_in_step(response: Response, found: SearchResponse, url) -> Response:
    """After an htmx swap of a page past the last, the address bar shows the page given."""
    if found.page_asked is not None and wants_partial():
        response.headers["HX-Push-Url"] = url(found.request)
    return response


def _value_labels(response: SearchResponse) -> dict[str, dict[str, str]]:
    return {facet: {count.value: count.label for count in counts}
            for facet, counts in response.facets.items()}
