"""The JSON API and CSV download: the same parameters and results as the pages."""
from __future__ import annotations

import csv
import io
from dataclasses import asdict, replace

from flask import Blueprint, Response, abort, jsonify, request, url_for

from kb.model import Document, Passage
from kb.search import MAX_PER_PAGE, SearchRequest, SearchRequestError
from kb.taxonomy import Theme
from web.knowledge import (
    ThemeCounts, current_kb, recommendations, theme_overview, theme_profile, visible_document,
)
from web.presentation import page_link
from web.themes import TOP_PASSAGES

bp = Blueprint("api", __name__, url_prefix="/api")

CSV_LIMIT = 1000
CSV_COLUMNS = ("title", "publisher", "year", "kind", "scope", "page", "heading", "themes", "text",
               "link")


def _search_request() -> SearchRequest:
    try:
        return SearchRequest.from_params(request.args)
    except SearchRequestError as error:
        abort(400, description=str(error))


@bp.get("/search")
def search() -> Response:
    """The search page's results as JSON (``SearchResponse.to_dict()``)."""
    return jsonify(current_kb().search(_search_request()).to_dict())


@bp.get("/search.csv")
def search_csv() -> Response:
    """Every passage matching a search (up to ``CSV_LIMIT``), one row each, for a spreadsheet."""
    search_request = replace(_search_request(), per_page=MAX_PER_PAGE)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # lets Excel read the file as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    kb = current_kb()
    written = 0
    for page in range(1, CSV_LIMIT // MAX_PER_PAGE + 1):
        response = kb.search(replace(search_request, page=page))
        for result in response.results[:CSV_LIMIT - written]:
            writer.writerow(_csv_cell(value) for value in _csv_row(result.document, result.passage))
            written += 1
        if page >= response.pages or written >= CSV_LIMIT:
            break
    return Response(buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="search-results.csv"'})


def _csv_row(document: Document, passage: Passage) -> tuple:
    kb = current_kb()
    return (document.meta.title, document.meta.publisher, document.meta.year or "",
            document.meta.kind, document.meta.scope, passage.page_start or "",
            " > ".join(passage.heading_path), "; ".join(kb.taxonomy.label(t) for t in passage.themes),
            passage.text, page_link(document, passage, external=True))


def _csv_cell(value: object) -> object:
    """Keep spreadsheet programs from running text that looks like a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@bp.get("/documents/<int:document_id>")
def document(document_id: int) -> Response:
    """A document's metadata, theme profile, recommendations and passages."""
    found = visible_document(document_id)
    passages = current_kb().store.passages(document_id=found.id)
    return jsonify(
        document=_document_dict(found),
        themes=[asdict(share) for share in theme_profile(found, passages)],
        recommendations=[passage.id for passage in recommendations(passages)],
        passages=[_passage_dict(found, passage) for passage in passages],
    )


@bp.get("/themes")
def themes() -> Response:
    """Every theme with its definition and how many documents and passages carry it."""
    counts = theme_overview().counts
    return jsonify(themes=[_theme_dict(theme, counts[theme.id])
                           for theme in current_kb().taxonomy.themes])


@bp.get("/themes/<theme_id>")
def theme(theme_id: str) -> Response:
    """One theme, its counts and its best-scored passages."""
    taxonomy = current_kb().taxonomy
    if theme_id not in taxonomy.ids:
        abort(404, description="There is no such theme.")
    overview = theme_overview(top=TOP_PASSAGES)
    return jsonify(theme=_theme_dict(taxonomy.get(theme_id), overview.counts[theme_id]),
                   passages=[_passage_dict(document, passage, with_document=True)
                             for passage, document in overview.top_passages[theme_id]])


def _document_dict(found: Document) -> dict:
    meta = found.meta
    return {"id": found.id, "title": meta.title, "publisher": meta.publisher, "year": meta.year,
            "kind": meta.kind, "scope": meta.scope, "file_type": found.file_type,
            "page_count": found.page_count, "passage_count": found.passage_count,
            "url": url_for("documents.show", document_id=found.id, _external=True),
            "file_url": url_for("documents.original_file", document_id=found.id, _external=True)}


def _passage_dict(found: Document, passage: Passage, with_document: bool = False) -> dict:
    data = {"passage_id": passage.id, "seq": passage.seq, "page_start": passage.page_start,
            "page_end": passage.page_end, "heading_path": passage.heading_path,
            "passage_type": passage.passage_type, "themes": passage.themes,
            "evidence": {theme: passage.evidence.get(theme, []) for theme in passage.themes},
            "age_groups": passage.age_groups, "agencies": passage.agencies, "text": passage.text,
            "link": page_link(found, passage, external=True)}
    if with_document:
        data["document"] = _document_dict(found)
    return data


def _theme_dict(theme: Theme, counts: ThemeCounts) -> dict:
    return {"id": theme.id, "label": theme.label, "definition": theme.definition,
            "excludes": theme.excludes, "synonyms": theme.synonyms,
            "documents": counts.documents, "passages": counts.passages,
            "documents_by_scope": counts.documents_by_scope,
            "passages_by_scope": counts.passages_by_scope,
            "url": url_for("themes.show", theme_id=theme.id, _external=True)}
