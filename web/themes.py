"""Browsing the themes: what each means and how often it recurs, and a briefing on each."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template

from kb.facets import SCOPE_LABELS
from kb.trends import most_common, recurrence, repeated_national_learning, theme_trends
from web.charts import line_charts
from web.knowledge import can_see_restricted, current_kb, theme_overview
from web.presentation import theme_label
from web.trends import cell_link

bp = Blueprint("themes", __name__, url_prefix="/themes")

TOP_PASSAGES = 8
BRIEFING_POINTS = 3  # findings, and recommendations, in a briefing


@bp.get("")
def index() -> str:
    """Every theme with how many documents and passages carry it."""
    return render_template("themes.html", themes=current_kb().taxonomy.themes,
                           counts=theme_overview().counts)


@bp.get("/<theme_id>")
def show(theme_id: str) -> str:
    """A theme's definition, its spread over local and national reviews, its best passages."""
    taxonomy = current_kb().taxonomy
    if theme_id not in taxonomy.ids:
        abort(404, description="There is no such theme.")
    theme = taxonomy.get(theme_id)
    overview = theme_overview(top=TOP_PASSAGES)
    return render_template("theme.html", theme=theme, counts=overview.counts[theme.id],
                           passages=overview.top_passages[theme.id])


@bp.get("/<theme_id>/briefing")
def briefing(theme_id: str) -> str:
    """One printable page on a theme for a board: counts by year, local against national,
    the most common findings and recommendations, with citations."""
    kb = current_kb()
    if theme_id not in kb.taxonomy.ids:
        abort(404, description="There is no such theme.")
    include_restricted = can_see_restricted()
    trends = theme_trends(kb, include_restricted=include_restricted)
    link = cell_link(trends.filters)
    return render_template(
        "briefing.html", theme=kb.taxonomy.get(theme_id), trends=trends, link=link,
        today=date.today(),
        recurrence=next(r for r in recurrence(kb, include_restricted=include_restricted)
                        if r.theme_id == theme_id),
        chart=line_charts(trends, "documents", theme_label, link, SCOPE_LABELS,
                          theme_ids=[theme_id])[0],
        findings=most_common(kb, theme_id, "finding", limit=BRIEFING_POINTS,
                             include_restricted=include_restricted),
        recommendations=most_common(kb, theme_id, "recommendation", limit=BRIEFING_POINTS,
                                    include_restricted=include_restricted),
        repeats=repeated_national_learning(kb, theme_id, include_restricted=include_restricted))
