"""The knowledge base as one reader sees it (``KnowledgeBase.for_reader``), and the one count
of themes, over a copy of the indexed sample corpus with one report restricted."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.accounts import User
from kb.base import KnowledgeBase
from kb.catalogue import CatalogueRequest
from kb.model import SCOPES, Document
from kb.search import SearchRequest
from kb.settings import Settings
from kb.trends import theme_counts

READER = User("reader", "viewer", restricted_access=True)
VIEWER = User("viewer", "viewer", restricted_access=False)


@pytest.fixture(scope="module")
def restricted_corpus(corpus_data: Path, tmp_path_factory: pytest.TempPathFactory
                      ) -> Iterator[tuple[KnowledgeBase, Document]]:
    """A copy of the corpus in which the report with the most passages is restricted."""
    import shutil

    data = tmp_path_factory.mktemp("reader") / "data"
    shutil.copytree(corpus_data, data)
    with KnowledgeBase(Settings(data_dir=data)) as kb:
        hidden = max(kb.store.documents(), key=lambda d: d.passage_count)
        kb.store.set_restricted(hidden.id, True)
        kb.sync_index()
        yield kb, kb.store.document(hidden.id)


def counted_by_walking(kb: KnowledgeBase, include_restricted: bool) -> dict[str, tuple]:
    """Documents and passages per theme and scope, walking every passage in Python."""
    documents = {d.id: d for d in kb.store.documents() if include_restricted or not d.meta.restricted}
    passages: Counter = Counter()
    carrying: dict[tuple[str, str], set[int]] = {}
    for passage in kb.store.passages():
        document = documents.get(passage.document_id)
        for theme in passage.themes if document else ():
            passages[theme, document.meta.scope] += 1
            carrying.setdefault((theme, document.meta.scope), set()).add(document.id)
    return {theme: tuple((len(carrying.get((theme, scope), ())), passages[theme, scope])
                         for scope in SCOPES) for theme in kb.taxonomy.ids}


@pytest.mark.parametrize("include_restricted", [False, True])
def test_the_theme_count_is_the_count_of_every_passage(restricted_corpus, include_restricted) -> None:
    kb, _ = restricted_corpus
    counts = theme_counts(kb, include_restricted=include_restricted)
    assert list(counts) == list(kb.taxonomy.ids)
    assert {theme: tuple((found.documents_by_scope[scope], found.passages_by_scope[scope])
                         for scope in SCOPES) for theme, found in counts.items()} \
        == counted_by_walking(kb, include_restricted)
    assert all(found.documents == sum(found.documents_by_scope.values())
               and found.passages == sum(found.passages_by_scope.values())
               for found in counts.values())


def test_the_view_of_someone_without_access_leaves_the_restricted_report_out(
        restricted_corpus) -> None:
    kb, hidden = restricted_corpus
    passage = max(kb.store.passages(document_id=hidden.id), key=lambda p: len(p.text))
    theme = passage.themes[0]
    # An open passage the restricted report's longest one is most like, so like it in return.
    twin = kb.for_reader(READER).similar_passages(passage, limit=1)[0].passage
    for user, sees in ((None, False), (VIEWER, False), (READER, True)):
        view = kb.for_reader(user)
        assert (view.document(hidden.id) is not None) is sees
        assert (view.passage(passage.id) is not None) is sees
        found = view.search(SearchRequest(q=" ".join(passage.text.split()[:8]), per_page=100))
        assert (hidden.id in {r.document.id for r in found.results}) is sees
        listed = view.catalogue(CatalogueRequest(SearchRequest(per_page=100)))
        assert (hidden.id in {e.document.id for e in listed.entries}) is sees
        assert view.theme_counts() == theme_counts(kb, include_restricted=sees)
        best = view.best_passages(theme, limit=100)
        assert (hidden.id in {document.id for _, document in best}) is sees
        similar = view.similar_passages(twin, limit=50)
        assert (hidden.id in {r.document.id for r in similar}) is sees


def test_best_passages_are_the_highest_scored_two_per_report(restricted_corpus) -> None:
    kb, _ = restricted_corpus
    theme = "babies"
    best = kb.for_reader(READER).best_passages(theme, limit=8)
    assert len(best) == 8 and all(theme in passage.themes for passage, _ in best)
    assert max(Counter(document.id for _, document in best).values()) <= 2
    scores = [passage.theme_scores.get(theme, 0.0) for passage, _ in best]
    assert scores == sorted(scores, reverse=True)
