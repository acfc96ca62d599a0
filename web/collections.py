"""Trainers' collections: gather passages in one click, order them, annotate them, and export
them as training packs (Markdown, Word, a printable page).

Every change is a plain form post that comes back to the collection's page; with htmx
the same forms swap just the part of the page that changed. Passages from restricted
documents are shown, counted, changed and exported only for people who may see them.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import (
    Blueprint, Response, abort, flash, g, make_response, redirect, render_template, request,
    send_file, session, url_for,
)

from kb.accounts import list_users
from kb.collection import (
    Collection, CollectionError, CollectionItem, add_passage, collection_names, create_collection,
    delete_collection, get_collection, item_of_passage, list_collections, move_item,
    remove_item, rename_collection, set_note,
)
from kb.export import FORMATS, STYLESHEET, export, file_name, to_html, training_pack
from web.account import safe_next
from web.knowledge import can_see_restricted, current_kb, signed_in_user
from web.search import vary_on_htmx, wants_partial

bp = Blueprint("collections", __name__, url_prefix="/collections")

SESSION_TARGET = "collection"  # the session key of the collection "Add" buttons add to
NEW_COLLECTION_NAME = "Untitled collection"
MOVES = {"up": -1, "down": 1}


@dataclass(frozen=True)
class Target:
    """The collection passages are added to."""

    id: int
    name: str


@bp.before_request
def _changes_need_an_account() -> Response | None:
    """Once the knowledge base has accounts, only people signed in change collections.

    Without accounts (one person running it on their own machine) anyone may; reading and
    exporting collections never needs an account.
    """
    if request.method != "POST" or signed_in_user() is not None \
            or not list_users(current_kb().store):
        return None
    flash("Sign in to start or change collections.")
    came_from = _path_of(request.referrer) if request.referrer else None
    target = url_for("account.sign_in", next=safe_next(came_from))
    if request.headers.get("HX-Request"):
        return Response(status=204, headers={"HX-Redirect": target})
    return redirect(target, code=303)


def _path_of(url: str) -> str:
    """The path and query of ``url`` when it is on this site, else nothing."""
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _is_id(value: str) -> bool:
    """Whether a form field holds a row id SQLite can look up (ASCII digits, 64-bit)."""
    return value.isascii() and value.isdigit() and len(value) < 19


def _accounts_exist() -> bool:
    if "kb_accounts_exist" not in g:
        g.kb_accounts_exist = bool(list_users(current_kb().store))
    return g.kb_accounts_exist


def may_change(collection: Collection) -> bool:
    """Whether this request may change ``collection``: its owner and admins may (anyone, on
    a knowledge base with no accounts at all). A collection started before collections had
    owners is changed by admins only."""
    user = signed_in_user()
    if user is None:
        return not _accounts_exist()
    return user.is_admin or (collection.owner is not None and collection.owner == user.username)


def _changeable(collection_id: int) -> Collection:
    """The collection with this id, when this request may change it; else a 404 or a 403."""
    collection = collection_or_404(collection_id)
    if not may_change(collection):
        abort(403, description="Only the person who started this collection, or an "
                               "administrator, can change it.")
    return collection


def collection_target() -> Target | None:
    """The collection chosen last in this session, else the one changed most recently, of
    those this person may change."""
    if "kb_collection_target" not in g:
        user = signed_in_user()
        if user is None and _accounts_exist():
            names = []
        else:
            names = collection_names(current_kb().store,
                                     owner=None if user is None or user.is_admin
                                     else user.username)
        chosen = session.get(SESSION_TARGET)
        found = next((Target(*pair) for pair in names if pair[0] == chosen), None)
        g.kb_collection_target = found or (Target(*names[0]) if names else None)
    return g.kb_collection_target


def collection_or_404(collection_id: int) -> Collection:
    """The collection with this id, or a 404."""
    found = get_collection(current_kb().store, collection_id)
    if found is None:
        abort(404, description="There is no such collection.")
    return found


def _item(collection: Collection, item_id: int) -> CollectionItem:
    """An item of ``collection`` the person may see, or a 404."""
    found = next((item for item in collection.visible_items(can_see_restricted())
                  if item.id == item_id), None)
    if found is None:
        abort(404, description="There is no such passage in this collection.")
    return found


def _show(collection_id: int, anchor: str = "") -> Response:
    return redirect(url_for("collections.show", collection_id=collection_id) + anchor, code=303)


# -- collections ----------------------------------------------------------------------
@bp.get("")
def index() -> str:
    """Every collection, and a form to start one."""
    return render_template("collections.html", error=None, name="",
                           collections=list_collections(current_kb().store,
                                                        include_restricted=can_see_restricted()))


@bp.post("")
def create() -> Response:
    """Start a collection; passages are added to it from now on."""
    name = request.form.get("name", "")
    user = signed_in_user()
    try:
        collection_id = create_collection(current_kb().store, name,
                                          owner=user.username if user else None)
    except CollectionError as error:
        page = render_template("collections.html", error=str(error), name=name[:200],
                               collections=list_collections(
                                   current_kb().store, include_restricted=can_see_restricted()))
        return make_response(page, 400)
    session[SESSION_TARGET] = collection_id
    flash("Collection started. Add passages to it from the search results, a document or the "
          "recommendations register.")
    return _show(collection_id)


@bp.get("/<int:collection_id>")
def show(collection_id: int) -> str:
    """A collection's passages in order, with notes, citations and the forms that change them."""
    collection = collection_or_404(collection_id)
    back = request.args.get("back")
    return render_template("collection.html", collection=collection,
                           items=collection.visible_items(can_see_restricted()),
                           back=safe_next(back) if back else None, message=None,
                           is_target=(collection_target() or Target(0, "")).id == collection.id)


@bp.post("/<int:collection_id>/rename")
def rename(collection_id: int) -> Response:
    collection = _changeable(collection_id)
    try:
        rename_collection(current_kb().store, collection.id, request.form.get("name", ""))
    except CollectionError as error:
        flash(f"The collection was not renamed: {error}.")
    else:
        flash("Collection renamed.")
    return _show(collection.id)


@bp.post("/<int:collection_id>/delete")
def delete(collection_id: int) -> Response:
    """Delete a collection: only by someone who may change it and can see all of its items
    (nobody deletes passages they cannot see)."""
    collection = _changeable(collection_id)
    if len(collection.visible_items(can_see_restricted())) != len(collection.items):
        abort(403, description="This collection holds passages you may not see, so you cannot "
                               "delete it; an administrator can.")
    delete_collection(current_kb().store, collection.id)
    flash(f"The collection “{collection.name}” was deleted.")
    return redirect(url_for("collections.index"), code=303)


@bp.post("/<int:collection_id>/target")
def choose_target(collection_id: int) -> Response:
    """Make "Add" buttons add to this collection."""
    collection = _changeable(collection_id)
    session[SESSION_TARGET] = collection.id
    flash(f"Passages you add will go to “{collection.name}”.")
    return _show(collection.id)


# -- items ------------------------------------------------------------------------------
@bp.post("/items")
def add_item() -> Response:
    """Add a passage to the chosen collection (a new one when there is none)."""
    kb = current_kb()
    passage_id = request.form.get("passage_id", "")
    found = kb.store.passages(passage_ids=[int(passage_id)]) if _is_id(passage_id) else []
    document = kb.store.document(found[0].document_id) if found else None
    if document is None or (document.meta.restricted and not can_see_restricted()):
        # A hidden passage and a missing one get the same answer: nothing tells them apart.
        abort(404, description="There is no such passage.")
    passage = found[0]
    chosen = request.form.get("collection_id", "")
    if chosen:
        collection = _changeable(int(chosen) if _is_id(chosen) else 0)
        collection_id, name = collection.id, collection.name
    else:
        user = signed_in_user()
        collection_id = create_collection(kb.store, NEW_COLLECTION_NAME,
                                          owner=user.username if user else None)
        name = NEW_COLLECTION_NAME
    already = item_of_passage(kb.store, collection_id, passage) is not None
    add_passage(kb.store, collection_id, passage, document)
    session[SESSION_TARGET] = collection_id
    if wants_partial():
        page = render_template("partials/added_to_collection.html", already=already,
                               target=Target(collection_id, name), document=document)
        return vary_on_htmx(make_response(page))
    flash(f"This passage of “{document.meta.title}” is already in “{name}”." if already
          else f"Added a passage of “{document.meta.title}” to “{name}”.")
    back = request.form.get("next", "")
    return redirect(url_for("collections.show", collection_id=collection_id,
                            back=safe_next(back) if back else None), code=303)


def _changed(collection_id: int, message: str, item_id: int | None = None) -> Response:
    """After a change to the items: the items again (htmx) or the collection's page."""
    if wants_partial():
        collection = collection_or_404(collection_id)
        page = render_template("partials/collection_items.html", collection=collection,
                               items=collection.visible_items(can_see_restricted()),
                               message=message, swapped=True)
        return vary_on_htmx(make_response(page))
    flash(message)
    return _show(collection_id, f"#item-{item_id}" if item_id else "#collection-items")


@bp.post("/<int:collection_id>/items/<int:item_id>/note")
def note(collection_id: int, item_id: int) -> Response:
    item = _item(_changeable(collection_id), item_id)
    try:
        set_note(current_kb().store, item.id, request.form.get("note", "").strip())
    except CollectionError as error:
        return _changed(collection_id, f"The note was not saved: {error}.", item.id)
    return _changed(collection_id, "Note saved.", item.id)


@bp.post("/<int:collection_id>/items/<int:item_id>/move")
def move(collection_id: int, item_id: int) -> Response:
    item = _item(_changeable(collection_id), item_id)
    direction = request.form.get("direction", "")
    if direction not in MOVES:
        abort(400, description="Choose whether to move the passage up or down.")
    move_item(current_kb().store, item.id, MOVES[direction],
              include_restricted=can_see_restricted())
    return _changed(collection_id, f"Passage moved {direction}.", item.id)


@bp.post("/<int:collection_id>/items/<int:item_id>/remove")
def remove(collection_id: int, item_id: int) -> Response:
    item = _item(_changeable(collection_id), item_id)
    remove_item(current_kb().store, item.id)
    return _changed(collection_id, f"Passage from “{item.citation.title}” removed.")


# -- exports ----------------------------------------------------------------------------
@bp.get("/<int:collection_id>/export.<file_format>")
def export_file(collection_id: int, file_format: str) -> Response:
    """The collection as a training pack to download: Markdown, Word (DOCX), PDF or HTML."""
    if file_format not in FORMATS:
        abort(404, description="Collections can be exported as md, docx, pdf or html.")
    pack = training_pack(current_kb(), collection_or_404(collection_id),
                         include_restricted=can_see_restricted())
    return Response(export(pack, file_format), content_type=FORMATS[file_format][1], headers={
        "Content-Disposition": f'attachment; filename="{file_name(pack, file_format)}"'})


@bp.get("/<int:collection_id>/print")
def printable(collection_id: int) -> str:
    """The training pack as a page to print (or save as PDF from the browser)."""
    collection = collection_or_404(collection_id)
    pack = training_pack(current_kb(), collection, include_restricted=can_see_restricted())
    return to_html(pack, stylesheet=url_for("collections.pack_stylesheet"),
                   back=(url_for("collections.show", collection_id=collection.id),
                         "Back to the collection"))


@bp.get("/training-pack.css")
def pack_stylesheet() -> Response:
    return send_file(STYLESHEET, mimetype="text/css")


def _register_template_helpers(state) -> None:
    state.app.jinja_env.globals.update(collection_target=collection_target)


bp.record_once(_register_template_helpers)
