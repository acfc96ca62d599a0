"""Searching passages: the home page, as a whole page or (for htmx) the results partial."""
from __future__ import annotations

from flask import Blueprint, Response

from kb.search import SearchRequest
from web.knowledge import reader
from web.lists import list_page
from web.presentation import search_url

bp = Blueprint("search", __name__)


@bp.get("/")
def search() -> Response:
    """Passages matching the query and filters, grouped by document, with facet counts."""
    return list_page("search/search.html", SearchRequest.from_params, reader().search, search_url)
