"""The web front end and JSON API: a Flask application over one knowledge base.

Pages work as plain HTML forms and links; htmx (served from ``static/vendor``)
swaps partials in place when JavaScript is available.
"""
from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from kb.base import KnowledgeBase
from kb.settings import Settings
from web import (
    account, api, collections, curation, documents, recommendations, search, security, themes,
    trends,
)
from web.knowledge import KB_EXTENSION
from web.presentation import register_template_helpers
from web.warm import start_warming


def create_app(settings: Settings | None = None, **config: object) -> Flask:
    """Build the application for ``settings`` (from the environment when omitted).

    ``config`` overrides Flask configuration values, e.g. ``TESTING=True``.
    """
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.ensure_secret_key()
    app.json.sort_keys = False
    knowledge_base = KnowledgeBase(settings)
    # A data directory an earlier version (or another engine) indexed: re-indexed once.
    knowledge_base.build_index_if_needed(app.logger.warning)
    knowledge_base.take_turns_for_long_searches()
    app.extensions[KB_EXTENSION] = knowledge_base
    Htmx(app)
    CSRFProtect(app)  # every POST needs the token: a form field, or the X-CSRFToken header (htmx)
    security.configure(app, settings)
    app.config.update(config)
    register_template_helpers(app)
    for blueprint in (search.bp, documents.bp, themes.bp, api.bp, account.bp, curation.bp,
                      trends.bp, recommendations.bp, collections.bp, curation.queue_bp):
        app.register_blueprint(blueprint)
    start_warming(app)
    return app
