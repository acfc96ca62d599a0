"""The SQLite store: schema, documents, sources, curation and the index queue."""
from __future__ import annotations

import sqlite3

import pytest

from kb.store import SCHEMA_VERSION, Store, text_hash
from tests.kb.conftest import make_passages, meta


def test_new_database_is_at_the_latest_schema_version(store: Store) -> None:
    assert store.schema_version == SCHEMA_VERSION
    tables = {row[0] for row in store.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"documents", "sources", "passages", "passage_themes", "curations", "index_queue"} <= tables


def test_migrations_apply_step_by_step_to_an_older_database(tmp_path) -> None:
    path = tmp_path / "old.sqlite3"
    from kb.store import MIGRATIONS
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    conn.close()
    with Store(path) as upgraded:
        assert upgraded.schema_version == SCHEMA_VERSION
        upgraded.conn.execute("SELECT * FROM curations").fetchall()


def test_collections_keep_their_items_through_the_migration_to_lasting_ids(tmp_path) -> None:
    path = tmp_path / "v5.sqlite3"
    from kb.store import MIGRATIONS
    conn = sqlite3.connect(path)
    conn.executescript(";".join(MIGRATIONS[:5]) + "; PRAGMA user_version = 5;")
    conn.execute("INSERT INTO collections VALUES (1, 'Fathers', 'then', 'then')")
    conn.execute("INSERT INTO collection_items (collection_id, position, text_hash, text, "
                 "document_hash, title, added_at) VALUES (1, 0, 'h', 'The text.', 'd', 'T', 'then')")
    conn.commit()
    conn.close()
    with Store(path) as upgraded:
        assert upgraded.schema_version == SCHEMA_VERSION
        rows = upgraded.conn.execute(
            "SELECT c.name, i.text FROM collection_items i JOIN collections c "
            "ON c.id = i.collection_id").fetchall()
        assert [tuple(row) for row in rows] == [("Fathers", "The text.")]
        with upgraded.transaction():
            upgraded.conn.execute("DELETE FROM collections WHERE id = 1")
        assert upgraded.conn.execute("SELECT count(*) FROM collection_items").fetchone()[0] == 0


def test_a_database_from_a_newer_program_is_refused(tmp_path) -> None:
    path = tmp_path / "new.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(RuntimeError, match="newer"):
        Store(path)


def test_saved_document_round_trips_with_passages_and_themes(store: Store) -> None:
    passages = make_passages("First passage about the father.", "Second about the baby.",
                             themes=[["fathers-male-carers"], ["babies"]])
    document_id = store.save_document("/r/a.pdf", "hash-a", "pdf", meta("Review A"), 4, passages)
    document = store.document(document_id)
    assert document.meta.title == "Review A" and document.page_count == 4
    assert document.passage_count == 2
    loaded = store.passages(document_id=document_id)
    assert [p.text for p in loaded] == ["First passage about the father.", "Second about the baby."]
    assert loaded[0].themes == ["fathers-male-carers"]
    assert loaded[1].evidence == {"babies": ["babies"]}
    assert loaded[1].page_start == 2


def test_changed_file_replaces_its_old_document(store: Store) -> None:
    store.save_document("/r/a.pdf", "v1", "pdf", meta(), 1, make_passages("old text"))
    new_id = store.save_document("/r/a.pdf", "v2", "pdf", meta(), 1, make_passages("new text"))
    assert store.document_ids() == [new_id]
    assert [p.text for p in store.passages()] == ["new text"]
    assert store.source_hash("/r/a.pdf") == "v2"


def test_same_content_under_two_paths_is_one_document(store: Store) -> None:
    document_id = store.save_document("/r/a.pdf", "same", "pdf", meta(), 1, make_passages("x"))
    store.link_source("/copy/a.pdf", document_id, "same")
    assert store.document_ids() == [document_id]
    assert store.remove_source("/r/a.pdf")
    assert store.document_ids() == [document_id], "still held by the other path"
    assert store.remove_source("/copy/a.pdf")
    assert store.document_ids() == []


def test_saving_the_same_content_again_keeps_every_path(store: Store) -> None:
    first = store.save_document("/r/a.pdf", "same", "pdf", meta(), 1, make_passages("x"))
    store.link_source("/copy/a.pdf", first, "same")
    second = store.save_document("/r/a.pdf", "same", "pdf", meta(), 1, make_passages("x"))
    assert store.document_ids() == [second]
    assert store.source_paths() == ["/copy/a.pdf", "/r/a.pdf"]


def test_index_queue_records_additions_and_deletions(store: Store) -> None:
    store.save_document("/r/a.pdf", "v1", "pdf", meta(), 1, make_passages("one", "two"))
    additions, deletions = store.pending_index_changes()
    assert len(additions) == 2 and deletions == []
    store.clear_index_changes(additions)
    store.save_document("/r/a.pdf", "v2", "pdf", meta(), 1, make_passages("three"))
    additions2, deletions2 = store.pending_index_changes()
    assert sorted(deletions2) == sorted(additions) and len(additions2) == 1


def test_curation_wins_over_the_tagger_and_survives_reindexing(store: Store) -> None:
    text = "The stepfather was never assessed."
    store.save_document("/r/a.pdf", "v1", "pdf", meta(), 1,
                        make_passages(text, themes=[["neglect"]]))
    passage = store.passages()[0]
    store.curate(passage.id, "neglect", "remove", "alice")
    store.curate(passage.id, "fathers-male-carers", "add", "alice")
    assert store.passages()[0].themes == ["fathers-male-carers"]
    # The file changes elsewhere and is read again: the passage gets a new id, same text.
    store.save_document("/r/a.pdf", "v2", "pdf", meta(), 1,
                        make_passages("A new first paragraph.", text,
                                      themes=[[], ["neglect"]]))
    reread = store.passages()[1]
    assert reread.id != passage.id
    assert reread.themes == ["fathers-male-carers"]
    log = store.curation_log(reread.id)
    assert {(entry["theme_id"], entry["action"], entry["curator"]) for entry in log} == {
        ("neglect", "remove", "alice"), ("fathers-male-carers", "add", "alice")}


def test_text_hash_ignores_case_and_white_space() -> None:
    assert text_hash("A  bruise\non a Baby") == text_hash("a bruise on a baby")
    assert text_hash("a bruise") != text_hash("a burn")


def test_stats_count_by_kind_scope_and_year(store: Store) -> None:
    store.save_document("/r/a.pdf", "a", "pdf", meta(year=2020), 3, make_passages("x", "y"))
    store.save_document("/r/b.pdf", "b", "pdf", meta(year=2021, scope="national",
                                                     kind="thematic-review"), 5, make_passages("z"))
    stats = store.stats()
    assert stats["documents"] == 2 and stats["passages"] == 3 and stats["pages"] == 8
    assert stats["by_scope"] == {"local": 1, "national": 1}
    assert stats["by_year"] == {"2020": 1, "2021": 1}


def test_threads_sharing_the_store_take_turns_with_transactions(store: Store) -> None:
    """The web server's threads share one connection: their writes must not interleave."""
    import threading

    store.save_document("/r/a.pdf", "a", "pdf", meta(), 1,
                        make_passages(*[f"Paragraph {n} about neglect." for n in range(8)]))
    passages = store.passages()
    failures: list[BaseException] = []

    def curate(passage_id: int) -> None:
        try:
            for theme in ("neglect", "babies", "fathers-male-carers", "housing") * 5:
                store.curate(passage_id, theme, "add", "alice")
        except BaseException as error:  # noqa: BLE001  (reported below)
            failures.append(error)
    threads = [threading.Thread(target=curate, args=(p.id,)) for p in passages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert all(len(store.curation_log(p.id)) == 4 for p in passages)


def test_a_restriction_outlives_reading_the_document_again(store: Store) -> None:
    first = store.save_document("/r/a.md", "a1", "md", meta("A"), 0, make_passages("Version one."))
    assert store.set_restricted(first, True)
    # Read again unchanged (a rebuild) and after an edit: the catalogue says nothing of it.
    again = store.save_document("/r/a.md", "a1", "md", meta("A"), 0, make_passages("Version one."))
    assert store.document(again).meta.restricted
    edited = store.save_document("/r/a.md", "a2", "md", meta("A"), 0, make_passages("Version two."))
    assert store.document(edited).meta.restricted
    other = store.save_document("/r/b.md", "b1", "md", meta("B"), 0, make_passages("Open."))
    assert not store.document(other).meta.restricted


def test_restricting_a_document_restricts_the_collected_copies_of_its_passages(
        store: Store) -> None:
    from kb.collection import add_passage, create_collection, get_collection

    document_id = store.save_document("/r/a.md", "a1", "md", meta("A"), 0,
                                      make_passages("Quoted in training."))
    collection_id = create_collection(store, "Pack")
    add_passage(store, collection_id, store.passages()[0], store.document(document_id))
    store.set_restricted(document_id, True)
    store.remove_source("/r/a.md")  # withdrawn: the live document no longer says so
    item = get_collection(store, collection_id).items[0]
    assert item.withdrawn and item.restricted


def test_collected_copies_find_their_report_identity_through_the_migration(tmp_path) -> None:
    """Copies taken before identities existed: of a live version (by its content hash), of a
    revised report (by its title), and of a restricted report already withdrawn."""
    path = tmp_path / "v6.sqlite3"
    from kb.collection import get_collection
    from kb.store import MIGRATIONS
    conn = sqlite3.connect(path)
    conn.executescript(";".join(MIGRATIONS[:6]) + "; PRAGMA user_version = 6;")
    conn.execute("INSERT INTO documents (id, content_hash, path, file_type, title, restricted, "
                 "indexed_at) VALUES (1, 'v2', '/r/a.pdf', 'pdf', 'Review A', 1, 'then'), "
                 "(2, 'b1', '/r/b.pdf', 'pdf', 'Review B', 0, 'then')")
    conn.execute("INSERT INTO collections VALUES (1, 'Pack', 'then', 'then')")
    for text, document_hash, title, restricted in (
            ("Of version one of A.", "v1", "Review A", 0), ("Of B.", "b1", "Review B", 0),
            ("Of a withdrawn report.", "gone", "Review C", 1)):
        conn.execute("INSERT INTO collection_items (collection_id, position, text_hash, text, "
                     "document_hash, title, restricted, added_at) VALUES (1, 0, ?, ?, ?, ?, ?, "
                     "'then')", (text_hash(text), text, document_hash, title, restricted))
    conn.commit()
    conn.close()
    with Store(path) as upgraded:
        items = {item.text: item.restricted for item in get_collection(upgraded, 1).items}
        assert items == {"Of version one of A.": True, "Of B.": False,
                         "Of a withdrawn report.": True}
        upgraded.set_restricted(1, False)  # lifting reaches the copy of the older version
        assert not get_collection(upgraded, 1).items[0].restricted
        upgraded.set_restricted(2, True)
        assert [item.restricted for item in get_collection(upgraded, 1).items] == \
            [False, True, True]
