"""Reading one document: its profile and passages, its original file, passages like one of its own."""
from __future__ import annotations

import mimetypes
from urllib.parse import urlencode

from flask import (
    Blueprint, Response, abort, make_response, render_template, request, send_file, url_for,
)

from kb.catalogue import CATALOGUE_SORTS, CatalogueRequest, catalogue
from kb.search import MAX_QUERY_CHARS, SearchRequest, SearchRequestError
from web.knowledge import (
    can_see_restricted, current_kb, recommendations, similar_passages, theme_profile, visible_document,
    visible_passage,
)
from web.presentation import active_filters
from web.search import typed_years, vary_on_htmx, wants_partial, without_year_range
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
    template = "partials/catalogue_swap.html" if wants_partial() else "catalogue.html"
    try:
        found_request = CatalogueRequest.from_params(request.args)
    except SearchRequestError as error:
        without_years = without_year_range(error)
        typed = CatalogueRequest(without_years or SearchRequest(
            q=request.args.get("q", "")[:MAX_QUERY_CHARS]))
        response = catalogue(current_kb(), typed, include_restricted=can_see_restricted()) \
            if without_years else None
        page = render_template(template, search=typed.search, request_=typed, response=response,
                               error=str(error), error_field=error.field,
                               typed_years=typed_years(), filters=[], sorts=CATALOGUE_SORTS)
        return vary_on_htmx(make_response(page, 400))
    found = catalogue(current_kb(), found_request, include_restricted=can_see_restricted())
    found_request = found.request
    labels = {facet: {count.value: count.label for count in counts}
              for facet, counts in found.facets.items()}
    page = render_template(
        template, search=found_request.search, request_=found_request, response=found, error=None,
        sorts=CATALOGUE_SORTS,
        filters=active_filters(found_request.search, labels, url=lambda search, **changes:
                               catalogue_url(CatalogueRequest(search, found_request.sort),
                                             **changes)))
    response = vary_on_htmx(make_response(page))
    if found.page_asked is not None and wants_partial():
        response.headers["HX-Push-Url"] = catalogue_url(found_request)
    return response


@bp.get("/<int:document_id>")
def show(document_id: int) -> str:
    """Metadata, theme profile, recommendations and every passage in order."""
    document = visible_document(document_id)
    passages = current_kb().store.passages(document_id=document.id)
    return render_template("document.html", document=document, passages=passages,
                           profile=theme_profile(document, passages),
                           recommendations=recommendations(passages),
                           has_file=current_kb().original_file(document).is_file())


@bp.get("/<int:document_id>/file")
def original_file(document_id: int) -> Response:
    """The kept original report, shown inline; located by document id only."""
    document = visible_document(document_id)
    path = current_kb().original_file(document)
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
    template = "partials/similar.html" if wants_partial() else "similar.html"
    page = render_template(template, document=document, passage=passage,
                           results=similar_passages(passage))
    return vary_on_htmx(make_response(page))


def _register_template_helpers(state) -> None:
    state.app.jinja_env.globals.update(catalogue_url=catalogue_url,
                                       catalogue_export_url=catalogue_export_url)


bp.record_once(_register_template_helpers)
