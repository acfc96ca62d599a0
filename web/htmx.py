"""What every htmx page needs: whether a request asks for a partial, ``Vary`` headers that keep
the two forms of a page apart in caches, and the address bar kept in step after a swap."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from flask import Response, request

from kb.facets import FacetCount


class Paged(Protocol):
    """A page of results that knows the request it answers (``SearchResponse``, ``Catalogue``)."""

    request: Any
    page_asked: int | None
    facets: dict[str, list[FacetCount]]


def wants_partial() -> bool:
    """True for an htmx swap; a history restore needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def vary_on_htmx(response: Response) -> Response:
    """Mark a response whose body depends on the htmx headers, so caches keep both forms."""
    response.vary.update(("HX-Request", "HX-History-Restore-Request"))
    return response


def keep_url_in_step(response: Response, found: Paged, url: Callable[[Any], str]) -> Response:
    """After an htmx swap of a page past the last, the address bar shows the page given."""
    if found.page_asked is not None and wants_partial():
        response.headers["HX-Push-Url"] = url(found.request)
    return response
