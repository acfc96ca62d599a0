"""The knowledge base as one reader may see it (``KnowledgeBase.for_reader``).

Restricted documents, and everything derived from them (passages, counts, similar passages,
collection items, exports), are left out for everyone but people with access. A front end
chooses the view once per request and asks it everything, so no answer can forget to ask
who is reading.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from kb.accounts import User
from kb.base import KnowledgeBase
from kb.catalogue import Catalogue, CatalogueRequest, catalogue
from kb.collection import Collection, CollectionItem, list_collections, move_item
from kb.curation_figures import CuratorChecks, curator_checks
from kb.measured_quality import MeasuredQuality, measured_quality
from kb.export import Link, TrainingPack, training_pack
from kb.model import Document, Passage
from kb.recommendations import RECOMMENDATION, made_before, search_recommendations
from kb.search import PassageResult, SearchRequest, SearchResponse
from kb.settings import Settings
from kb.similarity import Echo, prepare_asks
from kb.store import Store
from kb.taxonomy import Taxonomy
from kb.trends import (
    CommonPoint, FilterChoices, LocalRepeat, Recurrence, ThemeShare, TrendFilters,
    Trends, best_passages, filter_choices, most_common, recurrence, recurrence_of_theme,
    repeated_national_learning, theme_counts, theme_profile, theme_trends,
)


class ReaderView:
    """Every question a page asks of the knowledge base, answered for one reader: restricted
    documents count only when ``sees_restricted``."""

    def __init__(self, kb: KnowledgeBase, sees_restricted: bool) -> None:
        self.kb = kb
        self.sees_restricted = sees_restricted

    @property
    def store(self) -> Store:
        return self.kb.store

    @property
    def taxonomy(self) -> Taxonomy:
        return self.kb.taxonomy

    @property
    def settings(self) -> Settings:
        return self.kb.settings

    # -- documents and passages ----------------------------------------------------
    def document(self, document_id: int) -> Document | None:
        """The document with this id, or None when it does not exist or is not to be seen."""
        found = self.kb.store.document(document_id)
        return found if found is not None and self._may_see(found) else None

    def passages(self, document: Document) -> list[Passage]:
        """Every passage of a document (got from ``document``), in order."""
        return self.kb.store.passages(document_id=document.id)

    def passage(self, passage_id: int) -> tuple[Passage, Document] | None:
        """A passage with its document, or None when either is missing or not to be seen."""
        found = self.kb.store.passages(passage_ids=[passage_id])
        document = self.document(found[0].document_id) if found else None
        return (found[0], document) if document is not None else None

    def original_file(self, document: Document) -> Path:
        return self.kb.original_file(document)

    def _may_see(self, document: Document) -> bool:
        return self.sees_restricted or not document.meta.restricted

    # -- searching -------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResponse:
        return self.kb.search(request, include_restricted=self.sees_restricted)

    def similar_passages(self, passage: Passage, limit: int = 5) -> list[PassageResult]:
        """Passages like ``passage`` in other documents (``KnowledgeBase.similar_passages``)."""
        return self.kb.similar_passages(passage, limit=limit,
                                        include_restricted=self.sees_restricted)

    def catalogue(self, request: CatalogueRequest, everything: bool = False) -> Catalogue:
        return catalogue(self.kb, request, include_restricted=self.sees_restricted,
                         everything=everything)

    def search_recommendations(self, request: SearchRequest) -> SearchResponse:
        return search_recommendations(self.kb, request, include_restricted=self.sees_restricted)

    def made_before(self, passage: Passage, document: Document) -> list[Echo]:
        return made_before(self.kb, passage, document, include_restricted=self.sees_restricted)

    def prepare_made_before(self) -> None:
        """Read what every recommendation asks for ahead of ``made_before`` (for warming)."""
        prepare_asks(self.kb, RECOMMENDATION, include_restricted=self.sees_restricted)

    # -- themes and trends -------------------------------------------------------------
    def theme_counts(self) -> dict[str, Recurrence]:
        return theme_counts(self.kb, include_restricted=self.sees_restricted)

    def best_passages(self, theme_id: str, limit: int) -> list[tuple[Passage, Document]]:
        return best_passages(self.kb, theme_id, limit, include_restricted=self.sees_restricted)

    def theme_profile(self, passages: list[Passage]) -> list[ThemeShare]:
        return theme_profile(self.kb, passages)

    def theme_trends(self, filters: TrendFilters = TrendFilters()) -> Trends:
        return theme_trends(self.kb, filters, include_restricted=self.sees_restricted)

    def filter_choices(self) -> FilterChoices:
        return filter_choices(self.kb, include_restricted=self.sees_restricted)

    def recurrence(self, filters: TrendFilters = TrendFilters()) -> list[Recurrence]:
        return recurrence(self.kb, filters, include_restricted=self.sees_restricted)

    def recurrence_of_theme(self, theme_id: str
                            ) -> tuple[Recurrence, list[LocalRepeat]] | None:
        return recurrence_of_theme(self.kb, theme_id, include_restricted=self.sees_restricted)

    def repeated_national_learning(self, theme_id: str) -> list[LocalRepeat]:
        return repeated_national_learning(self.kb, theme_id,
                                          include_restricted=self.sees_restricted)

    def most_common(self, theme_id: str, passage_type: str, limit: int = 3) -> list[CommonPoint]:
        return most_common(self.kb, theme_id, passage_type, limit=limit,
                           include_restricted=self.sees_restricted)

    # -- collections ---------------------------------------------------------------------
    def collections(self) -> list[tuple[int, str, int, str]]:
        """(id, name, items one may see, last change) of every collection."""
        return list_collections(self.kb.store, include_restricted=self.sees_restricted)

    def items(self, collection: Collection) -> list[CollectionItem]:
        """The items of ``collection`` this reader may see, in order."""
        return collection.visible_items(self.sees_restricted)

    def move_item(self, item_id: int, offset: int) -> bool:
        """Move an item past ``offset`` of the items this reader sees."""
        return move_item(self.kb.store, item_id, offset, include_restricted=self.sees_restricted)

    def training_pack(self, collection: Collection, link: Link | None = None, author: str = "",
                      exported_on: date | None = None) -> TrainingPack:
        return training_pack(self.kb, collection, include_restricted=self.sees_restricted,
                             exported_on=exported_on, link=link, author=author)

    # -- curation --------------------------------------------------------------------------
    def doubtful_judgements(self, rule_threshold: float, model_threshold: float, *,
                            limit: int = 50, offset: int = 0) -> list[dict]:
        """``Store.doubtful_judgements`` over the documents this reader may see."""
        return self.kb.store.doubtful_judgements(rule_threshold, model_threshold, limit=limit,
                                                 offset=offset,
                                                 include_restricted=self.sees_restricted)

    def curator_checks(self) -> dict[str, CuratorChecks]:
        """What curators found when they checked each theme's tags, over the passages this
        reader may see (``kb.curation_figures``)."""
        return curator_checks(self.kb.store, self.taxonomy.ids,
                              include_restricted=self.sees_restricted)

    def measured_quality(self) -> MeasuredQuality | None:
        """How well the tagger in force was measured to find each theme before release."""
        return measured_quality(self.kb.store)


def reader_view(kb: KnowledgeBase, user: User | None) -> ReaderView:
    """The view of ``kb`` for ``user`` (None: someone not signed in)."""
    return ReaderView(kb, sees_restricted=user is not None and user.sees_restricted)
