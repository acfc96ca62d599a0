"""Browsing the themes: what each means and how often it recurs."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from web.knowledge import current_kb, theme_overview

bp = Blueprint("themes", __name__, url_prefix="/themes")

TOP_PASSAGES = 8


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
