"""Trainers' collections: gather passages in one click, order them, annotate them, and export
them as training packs (Markdown, Word, a printable page).

Every change is a plain form post that comes back to the collection's page; with htmx
the same forms swap just the part of the page that changed. Passages from restricted
documents are shown, counted, changed and exported only for people who may see them.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import (
    Blueprint, Response, abort, flash, g, make_response, redirect, render_template, request,
    send_file, session, url_for,
)

from kb.accounts import list_users
from kb.collection import (
    Collection, CollectionError, CollectionItem, add_passage, collection_names, create_collection,
    delete_collection, item_of_passage, remove_item, rename_collection, set_grouping, set_note,
)
from kb.export import FORMATS, STYLESHEET, TrainingPack, export, file_name, to_html
from kb.model import Document, Passage
from web.htmx import vary_on_htmx, wants_partial
from web.knowledge import (
    AFTER_SIGN_IN, SIGN_IN_PURPOSE, collection_or_404, current_kb, reader, signed_in_user,
)
from web.presentation import pages_label, safe_next

bp = Blueprint("collections", __name__, url_prefix="/collections")

SESSION_TARGET = "collection"  # the session key of the collection "Add" buttons add to
NEW_COLLECTION_NAME = "Untitled collection"
MOVES = {"up": -1, "down": 1}


@dataclass(frozen=True)
class Target:
    """The collection passages are added to."""

    id: int
    name: str


def may_change_collections() -> bool:
    """Whether this request may start or change collections: once the knowledge base has
    accounts, only people signed in may (without accounts, one person running it on their
    own machine, anyone may). Reading and exporting collections never needs an account."""
    if "kb_may_change_collections" not in g:
        g.kb_may_change_collections = signed_in_user() is not None \
            or not list_users(current_kb().store)
    return g.kb_may_change_collections


def sign_in_to_add_url(passage_id: int, back: str) -> str:
    """The sign-in page, carrying the passage to add once signed in and the page to go back to."""
    return url_for("account.sign_in", next=safe_next(back), add=passage_id)


@bp.before_request
def _changes_need_an_account() -> Response | None:
    """Changes from people who may not make them go to the sign-in page; an "Add" carries
    its passage through signing in (``add_after_sign_in``)."""
    if request.method != "POST" or may_change_collections():
        return None
    came_from = _path_of(request.referrer) if request.referrer else None
    passage_id = request.form.get("passage_id", "") if request.endpoint == "collections.add_item" \
        else ""
    if _is_id(passage_id):
        target = sign_in_to_add_url(int(passage_id), request.form.get("next") or came_from or "")
    else:
        flash("Sign in to start or change collections.")
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


def _item(collection: Collection, item_id: int) -> CollectionItem:
    """An item of ``collection`` the person may see, or a 404."""
    found = next((item for item in reader().items(collection) if item.id == item_id), None)
    if found is None:
        abort(404, description="There is no such passage in this collection.")
    return found


def _show(collection_id: int, anchor: str = "") -> Response:
    return redirect(url_for("collections.show", collection_id=collection_id) + anchor, code=303)


# -- collections ----------------------------------------------------------------------
@bp.get("")
def index() -> str:
    """Every collection, and a form to start one."""
    return render_template("collections/collections.html", error=None, name="",
                           collections=reader().collections())


@bp.post("")
def create() -> Response:
    """Start a collection; passages are added to it from now on."""
    name = request.form.get("name", "")
    user = signed_in_user()
    try:
        collection_id = create_collection(current_kb().store, name,
                                          owner=user.username if user else None)
    except CollectionError as error:
        page = render_template("collections/collections.html", error=str(error), name=name[:200],
                               collections=reader().collections())
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
    items = reader().items(collection)
    return render_template("collections/collection.html", collection=collection, items=items,
                           lead_choices=_lead_choices(items),
                           back=safe_next(back) if back else None, message=None,
                           is_target=(collection_target() or Target(0, "")).id == collection.id)


def _lead_choices(items: list[CollectionItem]) -> list[tuple[str, str]]:
    """The themes a pack could start with: those its passages carry, most carried first, then
    the rest of the taxonomy."""
    taxonomy = current_kb().taxonomy
    carried = Counter(theme for item in items for theme in item.themes if theme in taxonomy.ids)
    ordered = sorted(carried, key=lambda theme: (-carried[theme], taxonomy.ids.index(theme)))
    ordered += [theme for theme in taxonomy.ids if theme not in carried]
    return [(theme, taxonomy.label(theme)) for theme in ordered]


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
    if len(reader().items(collection)) != len(collection.items):
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
def _passage_to_add(passage_id: str) -> tuple[Passage, Document]:
    """The passage a form names, and its document, or a 404 (for restricted ones too)."""
    found = reader().passage(int(passage_id)) if _is_id(passage_id) else None
    if found is None:
        # A hidden passage and a missing one get the same answer: nothing tells them apart.
        abort(404, description="There is no such passage.")
    return found


def _add(passage: Passage, document: Document, chosen: Target | None) -> tuple[Target, bool]:
    """Add ``passage`` to ``chosen`` (a new collection when None); whether it was already there."""
    store = current_kb().store
    if chosen is None:
        user = signed_in_user()
        chosen = Target(create_collection(store, NEW_COLLECTION_NAME,
                                          owner=user.username if user else None),
                        NEW_COLLECTION_NAME)
    target = chosen
    already = item_of_passage(store, target.id, passage) is not None
    add_passage(store, target.id, passage, document)
    session[SESSION_TARGET] = target.id
    return target, already


def _added(document: Document, target: Target, already: bool, back: str) -> Response:
    """The collection's page, saying what was added, with a link back to where it came from."""
    flash(f"This passage of “{document.meta.title}” is already in “{target.name}”." if already
          else f"Added a passage of “{document.meta.title}” to “{target.name}”.")
    return redirect(url_for("collections.show", collection_id=target.id,
                            back=safe_next(back) if back else None), code=303)


@bp.post("/items")
def add_item() -> Response:
    """Add a passage to the chosen collection (a new one when there is none)."""
    passage, document = _passage_to_add(request.form.get("passage_id", ""))
    chosen = request.form.get("collection_id", "")
    if chosen:
        collection = _changeable(int(chosen) if _is_id(chosen) else 0)
        target, already = _add(passage, document, Target(collection.id, collection.name))
    else:
        target, already = _add(passage, document, None)
    if wants_partial():
        page = render_template("collections/added_to_collection.html", already=already,
                               target=target, document=document)
        return vary_on_htmx(make_response(page))
    return _added(document, target, already, request.form.get("next", ""))


def add_after_sign_in(form: Mapping[str, str]) -> Response | None:
    """After signing in from "Sign in to add": the passage the click asked for is added to the
    collection passages go to (a new one when there is none), and the collection is shown.
    None when the sign-in carried no passage to add."""
    if not form.get("add") or pending_addition(form) is None:  # gone, or not to be seen
        return None
    passage, document = _passage_to_add(form["add"])
    target, already = _add(passage, document, collection_target())
    return _added(document, target, already, form.get("next", ""))


def pending_addition(args: Mapping[str, str]) -> tuple[str, dict[str, str]] | None:
    """What a sign-in page asked to add a passage is for (said on the page), and the fields
    that carry the passage through signing in; None when it names no passage one may see."""
    passage_id = args.get("add", "")
    found = reader().passage(int(passage_id)) if _is_id(passage_id) else None
    if found is None:
        return None
    passage, document = found
    place = pages_label(passage)
    return (f"Sign in to add the passage{f' on {place}' if place else ''} of "
            f"“{document.meta.title}” to a collection.", {"add": passage_id})


def _changed(collection_id: int, message: str, item_id: int | None = None) -> Response:
    """After a change to the items: the items again (htmx) or the collection's page."""
    if wants_partial():
        collection = collection_or_404(collection_id)
        page = render_template("collections/items.html", collection=collection,
                               items=reader().items(collection),
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
    reader().move_item(item.id, MOVES[direction])
    return _changed(collection_id, f"Passage moved {direction}.", item.id)


@bp.post("/<int:collection_id>/items/<int:item_id>/remove")
def remove(collection_id: int, item_id: int) -> Response:
    item = _item(_changeable(collection_id), item_id)
    remove_item(current_kb().store, item.id)
    return _changed(collection_id, f"Passage from “{item.citation.title}” removed.")


# -- exports ----------------------------------------------------------------------------
def _report_link(document_id: int, passage_id: int | None) -> str:
    """The full address of a report's page, or of a passage on it."""
    url = url_for("documents.show", document_id=document_id, _external=True)
    return url + (f"#passage-{passage_id}" if passage_id is not None else "")


def _pack(collection: Collection) -> TrainingPack:
    """The collection as a training pack, for whoever is asking: linked to the reports, and
    authored by the trainer signed in, else the partnership running the service."""
    user = signed_in_user()
    view = reader()
    return view.training_pack(collection, link=_report_link, author=user.username if user else
                              view.settings.partnership)


@bp.post("/<int:collection_id>/grouping")
def grouping(collection_id: int) -> Response:
    """How the pack is grouped: by theme (a chosen theme first, or not) or in the trainer's order."""
    collection = _changeable(collection_id)
    chosen = request.form.get("grouping", "")
    lead = request.form.get("lead_theme", "") if chosen == "lead" else ""
    if chosen == "lead" and lead not in current_kb().taxonomy.ids:
        flash("Choose the theme to put first.")
        return _show(collection.id, "#grouping-heading")
    try:
        set_grouping(current_kb().store, collection.id, "theme" if chosen == "lead" else chosen,
                     lead)
    except CollectionError:
        abort(400, description="Choose how to group the pack: by theme, a theme first, or in "
                               "your order.")
    flash("The pack will follow your order." if chosen == "order" else
          f"The pack will start with “{current_kb().taxonomy.label(lead)}”." if lead else
          "The pack will be grouped by theme.")
    return _show(collection.id, "#grouping-heading")


@bp.get("/<int:collection_id>/export.<file_format>")
def export_file(collection_id: int, file_format: str) -> Response:
    """The collection as a training pack to download: Markdown, Word (DOCX), PDF or HTML."""
    if file_format not in FORMATS:
        abort(404, description="Collections can be exported as md, docx, pdf or html.")
    pack = _pack(collection_or_404(collection_id))
    return Response(export(pack, file_format), content_type=FORMATS[file_format][1], headers={
        "Content-Disposition": f'attachment; filename="{file_name(pack, file_format)}"'})


@bp.get("/<int:collection_id>/print")
def printable(collection_id: int) -> str:
    """The training pack as a page to print (or save as PDF from the browser)."""
    collection = collection_or_404(collection_id)
    return to_html(_pack(collection), stylesheet=url_for("collections.pack_stylesheet"),
                   back=(url_for("collections.show", collection_id=collection.id),
                         "Back to the collection"),
                   script=url_for("static", filename="app.js"))


@bp.get("/training-pack.css")
def pack_stylesheet() -> Response:
    return send_file(STYLESHEET, mimetype="text/css")


def _register_template_helpers(state) -> None:
    state.app.jinja_env.globals.update(collection_target=collection_target,
                                       may_change_collections=may_change_collections,
                                       sign_in_to_add_url=sign_in_to_add_url)
    state.app.extensions.setdefault(AFTER_SIGN_IN, []).append(add_after_sign_in)
    state.app.extensions.setdefault(SIGN_IN_PURPOSE, []).append(pending_addition)


bp.record_once(_register_template_helpers)
