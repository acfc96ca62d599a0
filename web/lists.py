"""The flow every list page shares (search, the catalogue of reports, the recommendations
register): read the request, find a page of results (the last when asked for one past it),
show it whole or as the htmx swap, and explain a parameter that cannot be read.

An area's template extends ``lists/page.html`` (the whole page) or ``lists/swap.html``
(the htmx answer: results, with the filters and the count out of band), as ``partial`` says.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Response, make_response, render_template, request

from kb.facets import FacetCount
from kb.search import MAX_QUERY_CHARS, SearchRequest, SearchRequestError, within_pages
from web.htmx import Paged, keep_url_in_step, vary_on_htmx, wants_partial
from web.presentation import active_filters

#: A page's request read from URL parameters (SearchRequestError when one cannot be read).
Reader = Callable[[Mapping], Any]


def list_page(template: str, read: Reader, find: Callable[[Any], Paged],
              url: Callable[..., str], *,
              blank: Callable[[str], Any] = lambda words: SearchRequest(q=words),
              search_of: Callable[[Any], SearchRequest] = lambda asked: asked,
              with_search: Callable[[Any, SearchRequest], Any] = lambda asked, search: search,
              paged: bool = True, context: Callable[[Paged | None], dict] = lambda found: {}
              ) -> Response:
    """The list page ``template`` for the request in the URL.

    ``read`` reads the request from URL parameters, ``find`` gives a page of results for
    one (``paged``: a page past the last gives the last, see ``within_pages``; else ``find``
    does that itself), ``url(asked, **changes)`` is the page's address for a request,
    ``blank(words)`` a request of words alone; ``search_of`` and ``with_search`` get and
    replace the search a request holds (for the form and the chips of the filters in
    force); ``context(found)`` is what else the template shows.

    A parameter that cannot be read gives a 400 with the form again and the message by it;
    for a year range the wrong way round, with the results without it.
    """
    try:
        asked = read(request.args)
    except SearchRequestError as error:
        typed = without_year_range(read, error)
        found = find(typed) if typed is not None else None
        shown = typed if typed is not None else blank(request.args.get("q", "")[:MAX_QUERY_CHARS])
        page = render_template(template, partial=wants_partial(), search=search_of(shown),
                               request_=shown, response=found, error=str(error),
                               error_field=error.field, typed_years=typed_years(), filters=[],
                               **context(None))
        return vary_on_htmx(make_response(page, 400))
    found = within_pages(find, asked) if paged else find(asked)
    asked = found.request  # the page shown, when the one asked for was past the last
    filters = active_filters(search_of(asked), value_labels(found.facets),
                             url=lambda search, **changes: url(with_search(asked, search),
                                                               **changes))
    page = render_template(template, partial=wants_partial(), search=search_of(asked),
                           request_=asked, response=found, error=None, filters=filters,
                           **context(found))
    return keep_url_in_step(vary_on_htmx(make_response(page)), found, url)


def without_year_range(read: Reader, error: SearchRequestError) -> Any | None:
    """For an error in the year range: the request asked for without it, so the page can show
    the form again (filters and counts) with the message beside the years; else None."""
    if error.field not in ("year_from", "year_to"):
        return None
    params = request.args.copy()
    params.poplist("year_from")
    params.poplist("year_to")
    try:
        return read(params)
    except SearchRequestError:
        return None


def typed_years() -> dict[str, str]:
    """The years as typed, to show them again in the form beside a message about them."""
    return {name: request.args.get(name, "")[:20] for name in ("year_from", "year_to")}


def value_labels(facets: dict[str, list[FacetCount]]) -> dict[str, dict[str, str]]:
    """Each facet's value labels, for the chips of the filters in force."""
    return {facet: {count.value: count.label for count in counts}
            for facet, counts in facets.items()}
