"""The knowledge base as one object: what restricted documents do to everyone else's answers,
with each engine."""
from __future__ import annotations

from pathlib import Path

from kb.base import KnowledgeBase
from kb.search import SearchRequest
from kb.settings import Settings
from tests.kb.conftest import make_passages, meta

OPEN = ("The health visitor saw the baby crawling and cruising around the sofa.",
        "The father was not assessed before the birth.",
        "Safe sleep advice was given at every contact.")
RESTRICTED = ("Unpublished: the baby was crawling and bleeding when the police arrived.",
              "Unpublished: nobody asked about crawling, and the father was never seen.")


def knowledge_base(data_dir: Path, with_restricted: bool, restricted: bool = True,
                   engine: str = "tantivy") -> KnowledgeBase:
    kb = KnowledgeBase(Settings(data_dir=data_dir, engine=engine))
    kb.store.save_document("/r/open.md", "open", "md", meta("Open review", 2021), 0,
                           make_passages(*OPEN))
    if with_restricted:
        kb.store.save_document("/r/secret.md", "secret", "md",
                               meta("Secret review", 2023, restricted=restricted), 0,
                               make_passages(*RESTRICTED))
    kb.sync_index()
    return kb


def answers(kb: KnowledgeBase, include_restricted: bool = False) -> list:
    found = []
    for text in ("crawling", "cruising", "bleeding", "father", "baby crawling sofa"):
        response = kb.search(SearchRequest.from_params({"q": text}), include_restricted)
        found.append((text, response.total, [(r.passage.text, round(r.score, 6), r.snippet)
                                             for r in response.results], response.suggestion))
    similar = kb.similar_passages(kb.store.passages()[0], other_documents=False,
                                  include_restricted=include_restricted)
    found.append([(r.passage.text, round(r.score, 6)) for r in similar])
    return found


def test_restricted_documents_change_nothing_an_anonymous_visitor_gets(tmp_path: Path,
                                                                      engine_name: str) -> None:
    with knowledge_base(tmp_path / "with", True, engine=engine_name) as mixed, \
            knowledge_base(tmp_path / "without", False, engine=engine_name) as open_only:
        # Scores, order, snippets, suggestions and similar passages are exactly those of a
        # knowledge base that never held the restricted report...
        assert answers(mixed) == answers(open_only)
        # ...while someone with access gets exactly what one index of everything gives.
        with knowledge_base(tmp_path / "all-open", True, restricted=False,
                            engine=engine_name) as all_open:
            assert answers(mixed, include_restricted=True) == answers(all_open)
        assert answers(mixed, include_restricted=True) != answers(open_only)
        assert mixed.search(SearchRequest.from_params({"q": "bleeding"}), True).total == 1


def test_each_passage_is_indexed_in_the_part_its_document_belongs_to(
        tmp_path: Path, engine_name: str) -> None:
    with knowledge_base(tmp_path / "data", True, engine=engine_name) as kb:
        open_ids = {p.id for p in kb.store.passages(document_id=kb.store.document_id_for_hash("open"))}
        secret = kb.store.document_id_for_hash("secret")
        secret_ids = {p.id for p in kb.store.passages(document_id=secret)}
        assert kb.engine.passage_ids() == (open_ids, secret_ids)
        kb.store.set_restricted(secret, False)  # opened: it moves over
        kb.sync_index()
        assert kb.engine.passage_ids() == (open_ids | secret_ids, set())
        assert kb.search(SearchRequest.from_params({"q": "bleeding"})).total == 1
        kb.store.set_restricted(kb.store.document_id_for_hash("open"), True)
        kb.rebuild_index()
        assert kb.engine.passage_ids() == (secret_ids, open_ids)
        assert kb.search(SearchRequest.from_params({"q": "sofa"})).total == 0
        assert kb.search(SearchRequest.from_params({"q": "sofa"}), True).total == 1


def test_a_restriction_made_after_indexing_moves_the_passages(tmp_path: Path,
                                                             engine_name: str) -> None:
    with knowledge_base(tmp_path / "data", False, engine=engine_name) as kb:
        opened = {p.id for p in kb.store.passages()}
        assert kb.engine.passage_ids() == (opened, set())
        kb.store.set_restricted(kb.store.document_id_for_hash("open"), True)
        kb.sync_index()
        assert kb.engine.passage_ids() == (set(), opened)
        assert kb.search(SearchRequest.from_params({"q": "father"})).total == 0
        assert kb.search(SearchRequest.from_params({"q": "father"}), True).total == 1


def test_an_index_of_an_earlier_version_or_another_engine_is_rebuilt_and_removed(
        tmp_path: Path, engine_name: str) -> None:
    data = tmp_path / "data"
    with knowledge_base(data, True, engine="whoosh" if engine_name == "tantivy" else "tantivy"):
        pass
    old = data / "index"
    (old / "open" / "gen-1").mkdir(parents=True)  # the layout before engines had their own
    (old / "CURRENT").write_text("gen-1")
    messages: list[str] = []
    with KnowledgeBase(Settings(data_dir=data, engine=engine_name)) as kb:
        assert kb.index_needs_building()
        assert kb.search(SearchRequest.from_params({"q": "father"})).total == 0  # not yet
        assert kb.build_index_if_needed(messages.append) == len(OPEN + RESTRICTED)
        assert "Building the" in messages[0] and not kb.index_needs_building()
        assert sorted(path.name for path in old.iterdir()) == [engine_name]
        assert kb.search(SearchRequest.from_params({"q": "father"}), True).total == 2
        assert kb.build_index_if_needed(messages.append) is None and len(messages) == 2


def test_a_second_report_restricted_after_indexing_leaves_no_trace_in_open_answers(
        tmp_path: Path, engine_name: str) -> None:
    """With a restricted report already there (so the open index is updated in place), a
    report restricted after being indexed leaves nothing of itself in anonymous answers:
    they equal those of a knowledge base that never held it."""
    with knowledge_base(tmp_path / "data", True, engine=engine_name) as kb, \
            knowledge_base(tmp_path / "never", True, engine=engine_name) as never:
        later = ("The baby was crawling near the stairs; cruising, crawling and crawling again.",)
        kb.store.save_document("/r/later.md", "later", "md", meta("Later review", 2024), 0,
                               make_passages(*later))
        kb.sync_index()
        assert answers(kb) != answers(never)
        kb.store.set_restricted(kb.store.document_id_for_hash("later"), True)
        kb.sync_index()
        assert answers(kb) == answers(never)


def test_a_passage_has_the_same_similar_passages_whoever_opens_the_knowledge_base(
        corpus_data: Path) -> None:
    """Each server process opens its own knowledge base: "similar passages" (and the repeated
    learning built on them) must not change with the process that answers."""
    def neighbours() -> list[list[int]]:
        with KnowledgeBase(Settings(data_dir=corpus_data)) as kb:
            return [[found.passage.id for found in kb.similar_passages(passage, limit=5)]
                    for passage in kb.store.passages()[::10]]
    first = neighbours()
    assert sum(map(len, first)) > 100
    for _ in range(3):
        assert neighbours() == first
