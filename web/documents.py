"""Reading one document: its profile and passages, its original file, passages like one of its own."""
from __future__ import annotations

import mimetypes

from flask import Blueprint, Response, abort, make_response, render_template, send_file

from web.knowledge import (
    current_kb, recommendations, similar_passages, theme_profile, visible_document,
    visible_passage,
)
from web.search import vary_on_htmx, wants_partial
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
