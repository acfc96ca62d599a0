"""What the pages and the API read from the knowledge base, shared so both always agree.

Every view asks ``reader()``: the knowledge base as the person making the request may see
it (``kb.reader.ReaderView``), chosen once per request, so restricted documents and
everything derived from them reach only signed-in people with access.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from flask import abort, current_app, g, request, session

from kb.accounts import User, session_user
from kb.base import KnowledgeBase
from kb.collection import Collection, get_collection
from kb.model import Document, Passage
from kb.reader import ReaderView
from kb.search import SearchRequest, SearchRequestError, SearchResponse
from kb.similarity import Echo
from kb.trends import TrendFilters

KB_EXTENSION = "knowledge_base"
#: The extension key of the app's ``Retrain`` (None when it was built without one).
RETRAIN_EXTENSION = "kb_retrain"
#: Trains the theme model again with every curator decision and re-tags every stored passage,
#: returning how many were re-tagged. Training is the indexer's work: whoever assembles the
#: app hands it this (``cli.create_app``); the web app never imports the indexer.
Retrain = Callable[[KnowledgeBase], int]
SESSION_USER = "session"  # the cookie's key holding the token of a session kept in the store
#: Extension keys: handlers that finish, once signed in, the action that asked for signing in
#: (``handler(form) -> Response | None``), and that say on the sign-in page what it is for
#: (``handler(args) -> (sentence, hidden fields) | None``).
AFTER_SIGN_IN = "kb_after_sign_in"
SIGN_IN_PURPOSE = "kb_sign_in_purpose"
#: Per-request values that depend on who is signed in (dropped when that changes).
_PER_USER = ("kb_user", "kb_reader", "kb_may_change_collections", "kb_collection_target")

TOP_PASSAGES = 8  # a theme's best-scored passages, on its page and in the API
BRIEFING_POINTS = 3  # findings, and recommendations, in a briefing


def current_kb() -> KnowledgeBase:
    """The application's knowledge base."""
    return current_app.extensions[KB_EXTENSION]


def current_retrain() -> Retrain | None:
    """How this app retrains the theme model, if it was given a way (see ``Retrain``)."""
    return current_app.extensions.get(RETRAIN_EXTENSION)


def signed_in_user() -> User | None:
    """The person signed in for this request, read afresh from the store once per request.

    The cookie names a session kept in the store: signing out, a new password, a new role
    or removing the account ends it, whatever copy of the cookie someone still holds.
    """
    if "kb_user" not in g:
        token = session.get(SESSION_USER)
        g.kb_user = session_user(current_kb().store, token) if isinstance(token, str) else None
    return g.kb_user


def reader() -> ReaderView:
    """The knowledge base as the person making this request may see it (chosen once per
    request; every view that shows documents, passages or anything counted from them asks it)."""
    if "kb_reader" not in g:
        g.kb_reader = current_kb().for_reader(signed_in_user())
    return g.kb_reader


def forget_user() -> None:
    """Drop what this request knew of who is signed in (after signing in)."""
    for name in _PER_USER:
        g.pop(name, None)


def user_allowed(allowed: Callable[[User], bool], refusal: str) -> User:
    """The signed-in user when ``allowed``, else a 403 saying ``refusal``."""
    user = signed_in_user()
    if user is None or not allowed(user):
        abort(403, description=refusal)
    return user


def visible_document(document_id: int) -> Document:
    """The document with this id, or a 404 when it does not exist or is restricted."""
    document = reader().document(document_id)
    if document is None:
        abort(404, description="There is no such document.")
    return document


def visible_passage(document: Document, passage_id: int) -> Passage:
    """A passage of ``document``, or a 404."""
    found = reader().passage(passage_id)
    if found is None or found[1].id != document.id:
        abort(404, description="There is no such passage in this document.")
    return found[0]


def collection_or_404(collection_id: int) -> Collection:
    """The collection with this id, or a 404."""
    found = get_collection(current_kb().store, collection_id)
    if found is None:
        abort(404, description="There is no such collection.")
    return found


def recommendations(passages: list[Passage]) -> list[Passage]:
    """The passages typed as recommendations, in order."""
    return [passage for passage in passages if passage.passage_type == "recommendation"]


# -- what a page and its JSON twin both read from the URL ------------------------------------
def register_request(params: Mapping) -> SearchRequest:
    """The recommendations register's search in ``params``; its passage type is always
    "recommendation", so it is not kept. Raises SearchRequestError for a parameter that
    cannot be read."""
    return replace(SearchRequest.from_params(params), passage_type=())


def earlier_recommendations(response: SearchResponse) -> dict[int, list[Echo]]:
    """For each recommendation of a page of the register, by passage id: what earlier
    reviews recommended."""
    view = reader()
    return {result.passage.id: view.made_before(result.passage, result.document)
            for result in response.results}


def trend_filters() -> TrendFilters:
    """The filters in the request's URL parameters (those of the search page), or a 400."""
    try:
        return TrendFilters.from_search(SearchRequest.from_params(request.args))
    except SearchRequestError as error:
        abort(400, description=str(error))
