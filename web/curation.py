"""Changes made from the document page: curators' decisions on themes, admins' restriction;
the curators' review queue of the themes the tagger is least sure of, and "retrain now".

Each change is written through the knowledge base and reaches the search index at
once, under the data directory's lock; while an indexing run holds that lock the
change is refused with a message, never half made.
"""
from __future__ import annotations

from flask import (
    Blueprint, Response, abort, current_app, flash, jsonify, make_response, redirect,
    render_template, request, url_for,
)
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import ServiceUnavailable

from kb.lock import DataLock, IndexerBusy
from kb.model import MODEL_EVIDENCE, Passage
from kb.taxonomy import Theme
from web.htmx import vary_on_htmx, wants_partial
from web.knowledge import current_kb, current_retrain, user_allowed, visible_document, visible_passage
from web.presentation import passage_anchor
from web.review_queue import (
    ONLY_CURATORS, QUEUE_PAGE_SIZE, model_state, queue_answer, queue_items, queue_page,
)
from web.security import http_error

bp = Blueprint("curation", __name__, url_prefix="/documents")
#: The curators' review queue and the admins' "retrain now".
queue_bp = Blueprint("curation_queue", __name__, url_prefix="/curation")

ACTIONS = ("confirm", "remove", "add")
#: How long a change waits for an indexing run to let go of the data directory
#: (Flask setting ``WRITE_WAIT_SECONDS``).
WRITE_WAIT_SECONDS = 5.0
_DONE = {"confirm": "confirmed", "remove": "removed", "add": "added"}


def _writing() -> DataLock:
    """The data directory's lock, waited for a while; IndexerBusy (a 503) if an indexer keeps it."""
    return DataLock(current_kb().settings.data_dir,
                    wait=current_app.config.get("WRITE_WAIT_SECONDS", WRITE_WAIT_SECONDS))


@bp.app_errorhandler(IndexerBusy)
def _busy(error: IndexerBusy) -> tuple[Response | str, int]:
    """A change refused because an indexing run holds the data directory: 503, nothing done."""
    return http_error(ServiceUnavailable(description=(
        "The knowledge base is being indexed just now, so nothing was changed. "
        "Try again in a few minutes.")))


@bp.post("/<int:document_id>/passages/<int:passage_id>/themes")
def curate(document_id: int, passage_id: int) -> Response:
    """Confirm, remove or add one theme on one passage (htmx: the passage's themes come back)."""
    user = user_allowed(lambda u: u.can_curate, "Only curators can change the themes of a passage.")
    document = visible_document(document_id)
    passage = visible_passage(document, passage_id)
    kb = current_kb()
    action, theme = request.form.get("action", ""), request.form.get("theme", "")
    if action not in ACTIONS:
        abort(400, description="Choose whether to confirm, remove or add the theme.")
    if theme not in kb.taxonomy.ids:
        abort(400, description="There is no such theme.")
    with _writing():
        kb.store.curate(passage.id, theme, action, user.username)
        kb.sync_index()
    message = f"“{kb.taxonomy.label(theme)}” {_DONE[action]}."
    if wants_partial():
        page = render_template("documents/passage_themes.html", document=document,
                               passage=visible_passage(document, passage_id), message=message,
                               curation_open=True)
        return vary_on_htmx(make_response(page))
    flash(message)
    if request.form.get("next") == "queue":
        return redirect(url_for("curation_queue.queue", page=request.form.get("page", 1)), code=303)
    return redirect(url_for("documents.show", document_id=document.id)
                    + f"#{passage_anchor(passage)}", code=303)


@bp.post("/<int:document_id>/restriction")
def restrict(document_id: int) -> Response:
    """Restrict a document to people with access, or open it to everyone again."""
    user_allowed(lambda u: u.is_admin, "Only an administrator can restrict or open documents.")
    document = visible_document(document_id)
    choice = request.form.get("restricted", "")
    if choice not in ("yes", "no"):
        abort(400, description="Choose whether the document is restricted.")
    kb = current_kb()
    with _writing():
        kb.store.set_restricted(document.id, choice == "yes")
        kb.sync_index()
    flash("The document is now restricted: only people with access can find it."
          if choice == "yes" else "The document is now open to everyone.")
    return redirect(url_for("documents.show", document_id=document.id), code=303)


@queue_bp.get("/queue")
def queue() -> str:
    """The passages where the tagger is least sure, for curators to confirm or correct."""
    user = user_allowed(lambda u: u.can_curate, ONLY_CURATORS)
    page = queue_page()
    items = queue_items(page)
    return render_template("curation/curation_queue.html", items=items[:QUEUE_PAGE_SIZE], page=page,
                           per_page=QUEUE_PAGE_SIZE,
                           has_next=len(items) > QUEUE_PAGE_SIZE, model=model_state(), user=user,
                           can_retrain=current_retrain() is not None)


@queue_bp.get("/queue.json")
def queue_json() -> Response:
    """The review queue as JSON, with the model's state."""
    return jsonify(queue_answer())


@queue_bp.post("/retrain")
def retrain_now() -> Response:
    """Train the theme model again with every curator decision, and re-tag every passage."""
    user_allowed(lambda u: u.is_admin, "Only an administrator can retrain the theme model.")
    retrain = current_retrain()
    if retrain is None:
        abort(503, description="This server cannot retrain the theme model: run `kb retrain` "
                               "on the machine that holds the data.")
    with _writing():
        count = retrain(current_kb())
    model = model_state()
    flash(f"The theme model was trained again on {model['examples']} examples "
          f"({model['curator_examples']} from curators' decisions); {count} passages were re-tagged.")
    return redirect(url_for("curation_queue.queue"), code=303)


def split_evidence(evidence: list[str]) -> tuple[list[str], list[str]]:
    """A tag's evidence as (the rules' phrases, the model's words with their weights)."""
    words = [e[len(MODEL_EVIDENCE):] for e in evidence if e.startswith(MODEL_EVIDENCE)]
    return [e for e in evidence if not e.startswith(MODEL_EVIDENCE)], words


def theme_decisions(passage: Passage) -> dict[str, dict]:
    """Curators' decisions on a passage's themes, by theme: action, curator and when."""
    return {row["theme_id"]: row for row in current_kb().store.curation_log(passage.id)}


def themes_to_add(passage: Passage) -> list[Theme]:
    """The taxonomy's themes a passage does not carry yet."""
    return [theme for theme in current_kb().taxonomy.themes if theme.id not in passage.themes]


def _register_template_helpers(state: BlueprintSetupState) -> None:
    """``theme_decisions()``, ``themes_to_add()`` and ``split_evidence()`` in every template."""
    state.app.jinja_env.globals.update(theme_decisions=theme_decisions, themes_to_add=themes_to_add,
                                       split_evidence=split_evidence)


bp.record_once(_register_template_helpers)
