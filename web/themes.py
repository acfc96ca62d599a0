"""Browsing the themes: what each means and how often it recurs, and a briefing on each."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template

from kb.curation_figures import CHECKS_CAVEAT
from kb.facets import SCOPE_LABELS
from web.charts import line_charts
from web.knowledge import BRIEFING_POINTS, TOP_PASSAGES, reader
from web.presentation import cell_link, theme_label

bp = Blueprint("themes", __name__, url_prefix="/themes")


@bp.get("")
def index() -> str:
    """Every theme with how many documents and passages carry it."""
    view = reader()
    return render_template("themes/themes.html", themes=view.taxonomy.themes,
                           counts=view.theme_counts(), checks=view.curator_checks(),
                           checks_caveat=CHECKS_CAVEAT, measurement=view.measured_quality())


@bp.get("/<theme_id>")
def show(theme_id: str) -> str:
    """A theme's definition, its spread over local and national reviews, its best passages."""
    view = reader()
    if theme_id not in view.taxonomy.ids:
        abort(404, description="There is no such theme.")
    return render_template("themes/theme.html", theme=view.taxonomy.get(theme_id),
                           counts=view.theme_counts()[theme_id],
                           passages=view.best_passages(theme_id, TOP_PASSAGES),
                           checks=view.curator_checks()[theme_id], checks_caveat=CHECKS_CAVEAT,
                           measurement=view.measured_quality())


@bp.get("/<theme_id>/briefing")
def briefing(theme_id: str) -> str:
    """One printable page on a theme for a board: counts by year, local against national,
    the most common findings and recommendations, with citations."""
    view = reader()
    if theme_id not in view.taxonomy.ids:
        abort(404, description="There is no such theme.")
    trends = view.theme_trends()
    link = cell_link(trends.filters)
    return render_template(
        "themes/briefing.html", theme=view.taxonomy.get(theme_id), trends=trends, link=link,
        today=date.today(),
        recurrence=next(r for r in view.recurrence() if r.theme_id == theme_id),
        chart=line_charts(trends, "documents", theme_label, link, SCOPE_LABELS,
                          theme_ids=[theme_id])[0],
        findings=view.most_common(theme_id, "finding", limit=BRIEFING_POINTS),
        recommendations=view.most_common(theme_id, "recommendation", limit=BRIEFING_POINTS),
        repeats=view.repeated_national_learning(theme_id),
        checks=view.curator_checks()[theme_id], checks_caveat=CHECKS_CAVEAT,
        measurement=view.measured_quality())
