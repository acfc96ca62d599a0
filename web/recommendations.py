"""The recommendations register: every recommendation, searched and filtered like the search
page, each with the similar recommendations earlier reviews had already made."""
from __future__ import annotations

from flask import Blueprint, Response

from kb.search import SearchResponse
from web.knowledge import earlier_recommendations, reader, register_request
from web.lists import list_page
from web.presentation import register_url

bp = Blueprint("recommendations", __name__, url_prefix="/recommendations")


@bp.get("")
def index() -> Response:
    """Recommendations matching the query and filters, each with what was recommended before."""
    def context(found: SearchResponse | None) -> dict:
        return {"made_before": earlier_recommendations(found) if found is not None else {}}
    return list_page("recommendations/recommendations.html", register_request,
                     reader().search_recommendations, register_url, context=context)
