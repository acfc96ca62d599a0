"""The catalogue of reports, and reading one document: its profile and passages, its original
file, passages like one of its own."""
from __future__ import annotations

import mimetypes
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, make_response, render_template, send_file, url_for

from kb.catalogue import CATALOGUE_SORTS, CatalogueRequest
from kb.search import SearchRequest
from web.htmx import vary_on_htmx, wants_partial
from web.knowledge import reader, recommendations, visible_document, visible_passage
from web.lists import list_page
from web.security import ORIGINAL_HTML_POLICY

bp = Blueprint("documents", __name__, url_prefix="/documents")

#: Types a browser shows inline; anything else is offered as a download.
_MIMETYPES = {
    ".pdf": "application/pdf",
    ".md": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def catalogue_url(found: CatalogueRequest, endpoint: str = "documents.index",
                  **changes: object) -> str:
    """The catalogue's address (or its JSON or CSV twin's) for ``found`` with ``changes``."""
    params = found.to_params(**changes)
    return url_for(endpoint) + ("?" + urlencode(params) if params else "")


def catalogue_export_url(found: CatalogueRequest, endpoint: str) -> str:
    """The JSON or CSV twin of the catalogue page, from its first page."""
    return catalogue_url(found, endpoint, page=1)


@bp.get("")
def index() -> Response:
    """The catalogue: every report with its metadata and top themes, filtered, sorted, paged."""
    return list_page(
        "documents/catalogue.html", CatalogueRequest.from_params, reader().catalogue,
        catalogue_url, blank=lambda words: CatalogueRequest(SearchRequest(q=words)),
        search_of=lambda asked: asked.search,
        with_search=lambda asked, search: CatalogueRequest(search, asked.sort), paged=False,
        context=lambda found: {"sorts": CATALOGUE_SORTS})


@bp.get("/<int:document_id>")
def show(document_id: int) -> str:
    """Metadata, theme profile, recommendations and every passage in order."""
    document = visible_document(document_id)
    view = reader()
    passages = view.passages(document)
    return render_template("documents/document.html", document=document, passages=passages,
                           profile=view.theme_profile(passages),
                           recommendations=recommendations(passages),
                           has_file=view.original_file(document).is_file())


@bp.get("/<int:document_id>/file")
def original_file(document_id: int) -> Response:
    """The kept original report, shown inline; located by document id only."""
    document = visible_document(document_id)
    path = reader().original_file(document)
    if not path.is_file():
        abort(404, description="The original file of this document is not available.")
    suffix = path.suffix.lower()
    mimetype = _MIMETYPES.get(suffix) or mimetypes.guess_type(path.name)[0] \
        or "application/octet-stream"
    response = send_file(path, mimetype=mimetype, as_attachment=suffix == ".docx",
                         download_name=document.filename, conditional=True)
    if mimetype.startswith("text/html"):
        # An HTML report is someone else's page: show it, but never run its scripts as ours.
        # (Only for HTML: Chromium will not display a PDF sent with a sandbox policy.)
        response.headers["Content-Security-Policy"] = ORIGINAL_HTML_POLICY
    return response


@bp.get("/<int:document_id>/passages/<int:passage_id>/similar")
def similar(document_id: int, passage_id: int) -> Response:
    """Passages in other documents like this one (a partial for htmx, else a page)."""
    document = visible_document(document_id)
    passage = visible_passage(document, passage_id)
    template = "documents/similar_list.html" if wants_partial() else "documents/similar.html"
    page = render_template(template, document=document, passage=passage,
                           results=reader().similar_passages(passage))
    return vary_on_htmx(make_response(page))


def _register_template_helpers(state) -> None:
    state.app.jinja_env.globals.update(catalogue_url=catalogue_url,
                                       catalogue_export_url=catalogue_export_url)


bp.record_once(_register_template_helpers)
