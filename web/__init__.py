"""The web front end and JSON API: a Flask application over one knowledge base.

Pages work as plain HTML forms and links; htmx (served from ``static/vendor``)
swaps partials in place when JavaScript is available. Each page area is a blueprint
(``search``, ``documents``, ``themes``, ``trends``, ``recommendations``, ``collections``,
``account``, ``curation``, and ``api`` for the JSON twins); what they share lives in modules
that are not blueprints (``knowledge``, ``lists``, ``htmx``, ``presentation``, ...), and
only this module imports the blueprints.
"""
from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from kb.base import KnowledgeBase
from kb.settings import Settings

if TYPE_CHECKING:
    from flask import Flask

    from web.knowledge import Retrain
    from web.warm import Warming

#: The extension key of the function that closes the app's knowledge base (see ``close_app``).
CLOSE_EXTENSION = "kb_close"
WARMING_STOP_SECONDS = 5.0


def create_app(settings: Settings | None = None, *, retrain: Retrain | None = None,
               **config: object) -> Flask:
    """Build the application for ``settings`` (from the environment when omitted).

    ``retrain`` is how the admins' "Retrain now" trains the theme model (without it the page
    points to ``kb retrain``); ``cli.create_app`` gives the indexer's. ``config`` overrides
    Flask configuration values, e.g. ``TESTING=True``.
    """
    # Imported here, not above, so that ``kb`` commands reading ``web.commands`` stay quick.
    from flask import Flask
    from flask_wtf.csrf import CSRFProtect
    from htmx_flask import Htmx

    from web import (
        account, api, collections, curation, documents, recommendations, search, security,
        themes, trends,
    )
    from web.knowledge import KB_EXTENSION, RETRAIN_EXTENSION
    from web.presentation import register_template_helpers
    from web.warm import start_warming

    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.ensure_secret_key()
    app.json.sort_keys = False
    knowledge_base = KnowledgeBase(settings)
    # A data directory an earlier version (or another engine) indexed: re-indexed once.
    knowledge_base.build_index_if_needed(app.logger.warning)
    knowledge_base.take_turns_for_long_searches()
    app.extensions[KB_EXTENSION] = knowledge_base
    app.extensions[RETRAIN_EXTENSION] = retrain
    Htmx(app)
    CSRFProtect(app)  # every POST needs the token: a form field, or the X-CSRFToken header (htmx)
    security.configure(app, settings)
    app.config.update(config)
    register_template_helpers(app)
    for blueprint in (search.bp, documents.bp, themes.bp, api.bp, account.bp, curation.bp,
                      trends.bp, recommendations.bp, collections.bp, curation.queue_bp):
        app.register_blueprint(blueprint)
    warming = start_warming(app)
    # The knowledge base lives as long as the app: it is closed when the app is collected or
    # the process exits (a server's worker stopping), or at once by ``close_app``.
    app.extensions[CLOSE_EXTENSION] = weakref.finalize(app, _close, knowledge_base, warming)
    return app


def close_app(app: Flask) -> None:
    """Stop the app's background warming and close its knowledge base now (once; the same
    happens by itself when the app is collected or the process exits)."""
    app.extensions[CLOSE_EXTENSION]()


def _close(knowledge_base: KnowledgeBase, warming: Warming | None) -> None:
    if warming is not None:
        warming.stop(WARMING_STOP_SECONDS)
    knowledge_base.close()
