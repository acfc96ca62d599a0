"""The knowledge base itself, with one of its engines: passages saved through ``Store``, the
search index rebuilt from SQLite, searches through ``KnowledgeBase.search`` exactly as the
web app runs them."""
from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Iterable
from pathlib import Path

from bench.engines.common import TOP
from bench.generate import GeneratedDocument
from kb.base import KnowledgeBase
from kb.model import DocumentMeta, Passage
from kb.search import SearchRequest
from kb.settings import Settings


def settings_for(data_dir: Path, themes: Path | None, engine: str = "tantivy") -> Settings:
    """Settings for a benchmark knowledge base: the match cache off, so that every timed
    query runs in full (the query set repeats)."""
    if themes:
        return Settings(data_dir=data_dir, themes_path=themes, search_cache_mb=0, engine=engine)
    return Settings(data_dir=data_dir, search_cache_mb=0, engine=engine)


def request(params: dict) -> SearchRequest:
    """The search request for a query, one page of the top ``TOP`` results."""
    return SearchRequest.from_params({**params, "per_page": str(TOP)})


class KnowledgeBaseEngine:
    """The product with its default engine (``kb``) or with another (``kb-whoosh``)."""

    def __init__(self, data_dir: Path, themes: Path | None = None, engine: str = "tantivy") -> None:
        self.name = "kb" if engine == "tantivy" else f"kb-{engine}"
        self.settings = settings_for(data_dir, themes, engine)
        self.kb: KnowledgeBase | None = None
        self.timings: dict[str, float] = {}

    def build(self, documents: Iterable[GeneratedDocument]) -> int:
        shutil.rmtree(self.settings.data_dir, ignore_errors=True)
        started = time.perf_counter()
        with KnowledgeBase(self.settings) as kb:
            for number, document in enumerate(documents, start=1):
                meta = DocumentMeta(title=document.title, publisher=document.publisher,
                                    year=document.year, kind=document.kind, scope=document.scope,
                                    restricted=document.restricted)
                passages = [Passage(seq=seq, text=p["text"], page_start=p["page"],
                                    page_end=p["page"], heading_path=p["heading_path"],
                                    themes=p["themes"], theme_scores={t: 1.0 for t in p["themes"]},
                                    age_groups=p["age_groups"], passage_type=p["passage_type"],
                                    agencies=p["agencies"])
                            for seq, p in enumerate(document.passages)]
                path = f"/bench/{number:06d}.pdf"
                kb.store.save_document(path, hashlib.sha256(path.encode()).hexdigest(), "pdf",
                                       meta, document.page_count, passages)
            stored = time.perf_counter()
            count = kb.rebuild_index()
        self.timings = {"store_seconds": stored - started,
                        "index_seconds": time.perf_counter() - stored}
        return count

    def usable(self) -> bool:
        """Whether the index built before can still be searched by this version."""
        with KnowledgeBase(self.settings) as kb:
            return kb.engine.exists()

    def open(self) -> float:
        """Open the knowledge base and run a first search (Whoosh loads its facet table);
        returns the seconds taken."""
        started = time.perf_counter()
        self.kb = KnowledgeBase(self.settings)
        self.kb.search(request({"q": "child"}))
        return time.perf_counter() - started

    def search(self, params: dict) -> int:
        if self.kb is None:
            self.open()
        return self.kb.search(request(params)).total

    def close(self) -> None:
        if self.kb is not None:
            self.kb.close()
            self.kb = None
