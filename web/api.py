"""The JSON API and CSV download: the same parameters and results as the pages."""
from __future__ import annotations

import csv
import io
from dataclasses import asdict, replace
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, jsonify, request, url_for

from kb.catalogue import CatalogueRequest, catalogue_csv
from kb.collection import CollectionItem
from kb.curation_figures import CuratorChecks
from kb.export import FORMATS
from kb.measured_quality import MeasuredQuality
from kb.model import Document, Passage
from kb.search import MAX_PER_PAGE, SearchRequest, SearchRequestError, within_pages
from kb.similarity import Echo
from kb.taxonomy import Theme
from kb.trends import Recurrence, TrendFilters, csv_file_name
from web.knowledge import (
    TOP_PASSAGES, collection_or_404, current_kb, earlier_recommendations, reader,
    recommendations, register_request, trend_filters, visible_document,
)
from web.presentation import page_link, public_url
from web.review_queue import queue_answer

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
    """The search page's results as JSON (``SearchResponse.to_dict()``); a page past the
    last gives the last page (``page`` says which)."""
    return jsonify(within_pages(reader().search, _search_request()).to_dict())


@bp.get("/search.csv")
def search_csv() -> Response:
    """Every passage matching a search (up to ``CSV_LIMIT``), one row each, for a spreadsheet."""
    search_request = replace(_search_request(), per_page=MAX_PER_PAGE)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # lets Excel read the file as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    view = reader()
    written = 0
    for page in range(1, CSV_LIMIT // MAX_PER_PAGE + 1):
        response = view.search(replace(search_request, page=page))
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


def _catalogue(everything: bool = False):
    try:
        asked = CatalogueRequest.from_params(request.args)
    except SearchRequestError as error:
        abort(400, description=str(error))
    return reader().catalogue(asked, everything=everything)


def _document_url(found: Document) -> str:
    return url_for("documents.show", document_id=found.id, _external=True)


@bp.get("/documents")
def catalogue_json() -> Response:
    """The catalogue page as JSON: the reports matching the filters, sorted and paged, with
    each facet's document counts."""
    found = _catalogue()
    return jsonify(found.to_dict(current_kb().taxonomy.label, _document_url))


@bp.get("/documents.csv")
def catalogue_csv_file() -> Response:
    """Every report matching the catalogue's filters, in its order, as a spreadsheet."""
    found = _catalogue(everything=True)
    return Response("\ufeff" + catalogue_csv(found.entries, current_kb().taxonomy.label,
                                              _document_url),
                    mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="reports.csv"'})


@bp.get("/documents/<int:document_id>")
def document(document_id: int) -> Response:
    """A document's metadata, theme profile, recommendations and passages."""
    found = visible_document(document_id)
    view = reader()
    passages = view.passages(found)
    return jsonify(
        document=_document_dict(found),
        themes=[asdict(share) for share in view.theme_profile(passages)],
        recommendations=[passage.id for passage in recommendations(passages)],
        passages=[_passage_dict(found, passage) for passage in passages],
    )


@bp.get("/themes")
def themes() -> Response:
    """Every theme with its definition and how many documents and passages carry it."""
    view = reader()
    counts, checks, measurement = view.theme_counts(), view.curator_checks(), view.measured_quality()
    return jsonify(themes=[_theme_dict(theme, counts[theme.id], checks[theme.id], measurement)
                           for theme in view.taxonomy.themes])


@bp.get("/themes/<theme_id>")
def theme(theme_id: str) -> Response:
    """One theme, its counts and its best-scored passages."""
    view = reader()
    if theme_id not in view.taxonomy.ids:
        abort(404, description="There is no such theme.")
    return jsonify(theme=_theme_dict(view.taxonomy.get(theme_id), view.theme_counts()[theme_id],
                                     view.curator_checks()[theme_id], view.measured_quality()),
                   passages=[_passage_dict(document, passage, with_document=True)
                             for passage, document in view.best_passages(theme_id, TOP_PASSAGES)])


def _document_dict(found: Document) -> dict:
    meta = found.meta
    return {"id": found.id, "title": meta.title, "publisher": meta.publisher, "year": meta.year,
            "kind": meta.kind, "scope": meta.scope, "file_type": found.file_type,
            "page_count": found.page_count, "passage_count": found.passage_count,
            "pages_without_text": found.pages_without_text,
            "url": public_url("documents.show", document_id=found.id),
            "file_url": public_url("documents.original_file", document_id=found.id)}


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


def _theme_dict(theme: Theme, counts: Recurrence, checks: CuratorChecks,
                measurement: MeasuredQuality | None) -> dict:
    return {"id": theme.id, "label": theme.label, "definition": theme.definition,
            "excludes": theme.excludes, "synonyms": theme.synonyms,
            "documents": counts.documents, "passages": counts.passages,
            "documents_by_scope": counts.documents_by_scope,
            "passages_by_scope": counts.passages_by_scope,
            "curator_checks": checks.to_dict(),
            "measured_quality": measurement.theme_dict(theme.id) if measurement else None,
            "url": public_url("themes.show", theme_id=theme.id)}


# -- trends, recurrence, recommendations, collections ----------------------------------
def _search_link(search: SearchRequest) -> str:
    """The full address of the search page showing ``search``."""
    params = search.to_params()
    return public_url("search.search") + ("?" + urlencode(params) if params else "")


@bp.get("/trends")
def trends() -> Response:
    """Documents and passages carrying each theme, by year and scope, with the search behind
    each count; filters as on the trends page (``kind``, ``publisher``, ``scope``, years)."""
    view = reader()
    return jsonify(view.theme_trends(trend_filters()).to_dict(view.taxonomy.label, _search_link))


@bp.get("/trends.csv")
def trends_csv() -> Response:
    """The trends as a spreadsheet named after its filters: one row per theme, year and
    scope, or (``layout=wide``) one row per theme with a column per year and scope
    (``measure=documents`` or ``passages``)."""
    view = reader()
    layout, measure = request.args.get("layout", "long"), request.args.get("measure", "documents")
    if layout not in ("long", "wide") or measure not in ("documents", "passages"):
        abort(400, description="layout must be long or wide, and measure documents or passages.")
    filters = trend_filters()
    found = view.theme_trends(filters)
    text = found.to_wide_csv(view.taxonomy.label, measure) if layout == "wide" \
        else found.to_csv(view.taxonomy.label, _search_link)
    name = csv_file_name(filters, layout if measure == "documents" else f"{layout}-{measure}")
    return Response("\ufeff" + text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/recurrence")
def recurrence_of_themes() -> Response:
    """Every theme: first and last year seen, documents carrying it, the years it recurred in."""
    filters, view = trend_filters(), reader()
    checks, measurement = view.curator_checks(), view.measured_quality()
    return jsonify(themes=[_recurrence_dict(found, filters, checks[found.theme_id], measurement)
                           for found in view.recurrence(filters)])


@bp.get("/recurrence/<theme_id>")
def theme_recurrence(theme_id: str) -> Response:
    """One theme's recurrence, and the local documents that repeated learning a national
    review had already published (each passage with the earlier national passages)."""
    view = reader()
    answer = view.recurrence_of_theme(theme_id)
    if answer is None:
        abort(404, description="There is no such theme.")
    found, repeats = answer
    repeated = [
        {"document": _document_dict(repeat.document),
         "passages": [dict(_passage_dict(repeat.document, passage.passage),
                           earlier=[_echo_dict(echo) for echo in passage.earlier])
                      for passage in repeat.passages]}
        for repeat in repeats]
    return jsonify(theme=_recurrence_dict(found, TrendFilters(), view.curator_checks()[theme_id],
                                          view.measured_quality()),
                   repeated_national_learning=repeated)


def _recurrence_dict(found: Recurrence, filters: TrendFilters, checks: CuratorChecks,
                     measurement: MeasuredQuality | None) -> dict:
    return dict(found.to_dict(), label=current_kb().taxonomy.label(found.theme_id),
                curator_checks=checks.to_dict(),
                measured_quality=measurement.theme_dict(found.theme_id) if measurement else None,
                search_url=_search_link(filters.search(found.theme_id)),
                url=public_url("api.theme_recurrence", theme_id=found.theme_id),
                page_url=public_url("trends.theme", theme_id=found.theme_id))


def _echo_dict(echo: Echo) -> dict:
    return dict(_passage_dict(echo.result.document, echo.result.passage, with_document=True),
                strength=round(echo.strength, 3))


@bp.get("/recommendations", endpoint="recommendations")
def recommendation_register() -> Response:
    """The recommendations register as JSON: a search response over recommendations (the
    search parameters), each result with ``made_before``, the similar earlier recommendations."""
    try:
        search_request = register_request(request.args)
    except SearchRequestError as error:
        abort(400, description=str(error))
    response = within_pages(reader().search_recommendations, search_request)
    earlier = earlier_recommendations(response)
    data = response.to_dict()
    for result, found in zip(response.results, data["results"]):
        found["made_before"] = [dict(_echo_dict(echo), match=echo.match)
                                for echo in earlier[result.passage.id]]
    return jsonify(data)


@bp.get("/collections")
def collections() -> Response:
    """Every collection with how many passages it holds (that you may see)."""
    return jsonify(collections=[
        {"id": collection_id, "name": name, "passages": count, "updated_at": updated_at,
         "url": public_url("api.collection", collection_id=collection_id)}
        for collection_id, name, count, updated_at in reader().collections()])


@bp.get("/collections/<int:collection_id>")
def collection(collection_id: int) -> Response:
    """A collection's passages in order, with notes and citations, and its export addresses."""
    found = collection_or_404(collection_id)
    exports = {file_format: public_url("collections.export_file", collection_id=found.id,
                                       file_format=file_format)
               for file_format in FORMATS}
    exports["print"] = public_url("collections.printable", collection_id=found.id)
    return jsonify(id=found.id, name=found.name, created_at=found.created_at,
                   updated_at=found.updated_at, exports=exports,
                   items=[_item_dict(item) for item in reader().items(found)])


def _item_dict(item: CollectionItem) -> dict:
    citation = item.citation
    link = (public_url("documents.show", document_id=item.document_id)
            + f"#passage-{item.passage_id}") if item.document_id else None
    return {"id": item.id, "note": item.note, "text": item.text,
            "heading_path": item.heading_path, "themes_when_added": item.themes,
            "kind": item.kind, "scope": item.scope, "withdrawn": item.withdrawn,
            "passage_id": item.passage_id, "document_id": item.document_id,
            "citation": {"title": citation.title, "publisher": citation.publisher,
                         "year": citation.year, "page_start": citation.page_start,
                         "page_end": citation.page_end, "text": str(citation)},
            "link": link}


@bp.get("/curation/queue")
def curation_queue() -> Response:
    """The curators' review queue (curators only), as ``/curation/queue.json``."""
    return jsonify(queue_answer())
