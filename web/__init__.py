"""The web front end and JSON API: a Flask application over one knowledge base.

Pages work as plain HTML forms and links; htmx (served from ``static/vendor``)
swaps partials in place when JavaScript is available.
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from werkzeug.exceptions import HTTPException

from kb.base import KnowledgeBase
from kb.settings import Settings
from web import api, documents, search, themes
from web.knowledge import KB_EXTENSION
from web.presentation import register_template_helpers


def create_app(settings: Settings | None = None, **config: object) -> Flask:
    """Build the application for ``settings`` (from the environment when omitted).

    ``config`` overrides Flask configuration values, e.g. ``TESTING=True``.
    """
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(SECRET_KEY=settings.ensure_secret_key(), **config)
    app.json.sort_keys = False
    app.extensions[KB_EXTENSION] = KnowledgeBase(settings)
    Htmx(app)
    CSRFProtect(app)  # every POST needs the token: a form field, or the X-CSRFToken header (htmx)
    register_template_helpers(app)
    for blueprint in (search.bp, documents.bp, themes.bp, api.bp):
        app.register_blueprint(blueprint)
    app.register_error_handler(HTTPException, _http_error)
    return app


def _http_error(error: HTTPException):
    """Errors as JSON under /api/, as a page everywhere else."""
    if request.path.startswith("/api/"):
        return jsonify(error=error.description), error.code
    return render_template("error.html", error=error), error.code
