"""The JSON API and CSV download: the same parameters and results as the pages."""
from __future__ import annotations

import csv
import io
from dataclasses import asdict, replace
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, jsonify, request, url_for

from kb.catalogue import CatalogueRequest, catalogue, catalogue_csv
from kb.collection import CollectionItem, list_collections
from kb.export import FORMATS
from kb.model import Document, Passage
from kb.recommendations import search_recommendations
from kb.search import MAX_PER_PAGE, SearchRequest, SearchRequestError, within_pages
from kb.similarity import Echo
from kb.taxonomy import Theme
from kb.trends import (
    Recurrence, TrendFilters, csv_file_name, recurrence, recurrence_of_theme, theme_trends,
)
from web.collections import collection_or_404
from web.knowledge import (
    ThemeCounts, can_see_restricted, current_kb, recommendations, theme_overview, theme_profile,
    visible_document,
)
from web.presentation import page_link, public_url
from web.recommendations import earlier_recommendations, register_request
from web.themes import TOP_PASSAGES
from web.trends import trend_filters

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
    kb, include_restricted = current_kb(), can_see_restricted()
    return jsonify(within_pages(lambda asked: kb.search(asked, include_restricted=include_restricted),
                                _search_request()).to_dict())


@bp.get("/search.csv")
def search_csv() -> Response:
    """Every passage matching a search (up to ``CSV_LIMIT``), one row each, for a spreadsheet."""
    search_request = replace(_search_request(), per_page=MAX_PER_PAGE)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # lets Excel read the file as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    kb = current_kb()
    include_restricted = can_see_restricted()
    written = 0
    for page in range(1, CSV_LIMIT // MAX_PER_PAGE + 1):
        response = kb.search(replace(search_request, page=page), include_restricted=include_restricted)
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
    return catalogue(current_kb(), asked, include_restricted=can_see_restricted(),
                     everything=everything)


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


def _theme_dict(theme: Theme, counts: ThemeCounts) -> dict:
    return {"id": theme.id, "label": theme.label, "definition": theme.definition,
            "excludes": theme.excludes, "synonyms": theme.synonyms,
            "documents": counts.documents, "passages": counts.passages,
            "documents_by_scope": counts.documents_by_scope,
            "passages_by_scope": counts.passages_by_scope,
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
    kb = current_kb()
    found = theme_trends(kb, trend_filters(), include_restricted=can_see_restricted())
    return jsonify(found.to_dict(kb.taxonomy.label, _search_link))


@bp.get("/trends.csv")
def trends_csv() -> Response:
    """The trends as a spreadsheet named after its filters: one row per theme, year and
    scope, or (``layout=wide``) one row per theme with a column per year and scope
    (``measure=documents`` or ``passages``)."""
    kb = current_kb()
    layout, measure = request.args.get("layout", "long"), request.args.get("measure", "documents")
    if layout not in ("long", "wide") or measure not in ("documents", "passages"):
        abort(400, description="layout must be long or wide, and measure documents or passages.")
    filters = trend_filters()
    found = theme_trends(kb, filters, include_restricted=can_see_restricted())
    text = found.to_wide_csv(kb.taxonomy.label, measure) if layout == "wide" \
        else found.to_csv(kb.taxonomy.label, _search_link)
    name = csv_file_name(filters, layout if measure == "documents" else f"{layout}-{measure}")
    return Response("\ufeff" + text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/recurrence")
def recurrence_of_themes() -> Response:
    """Every theme: first and last year seen, documents carrying it, the years it recurred in."""
    filters = trend_filters()
    return jsonify(themes=[_recurrence_dict(found, filters) for found in recurrence(
        current_kb(), filters, include_restricted=can_see_restricted())])


@bp.get("/recurrence/<theme_id>")
def theme_recurrence(theme_id: str) -> Response:
    """One theme's recurrence, and the local documents that repeated learning a national
    review had already published (each passage with the earlier national passages)."""
    answer = recurrence_of_theme(current_kb(), theme_id, include_restricted=can_see_restricted())
    if answer is None:
        abort(404, description="There is no such theme.")
    found, repeats = answer
    return jsonify(theme=_recurrence_dict(found, TrendFilters()), repeated_national_learning=[
        {"document": _document_dict(repeat.document),
         "passages": [dict(_passage_dict(repeat.document, repeated.passage),
                           earlier=[_echo_dict(echo) for echo in repeated.earlier])
                      for repeated in repeat.passages]}
        for repeat in repeats])


def _recurrence_dict(found: Recurrence, filters: TrendFilters) -> dict:
    return dict(found.to_dict(), label=current_kb().taxonomy.label(found.theme_id),
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
        search_request = register_request()
    except SearchRequestError as error:
        abort(400, description=str(error))
    kb, include_restricted = current_kb(), can_see_restricted()
    response = within_pages(lambda asked: search_recommendations(
        kb, asked, include_restricted=include_restricted), search_request)
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
        for collection_id, name, count, updated_at in list_collections(
            current_kb().store, include_restricted=can_see_restricted())])


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
                   items=[_item_dict(item) for item in found.visible_items(can_see_restricted())])


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
    from web.curation import queue_json

    return queue_json()
