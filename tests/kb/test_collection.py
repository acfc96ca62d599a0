"""Trainers' collections: order, notes, citations, and items that outlive their documents."""
from __future__ import annotations

import pytest

from kb.collection import (
    CollectionError, add_passage, collection_names, create_collection, delete_collection,
    find_collection, get_collection, list_collections, move_item, remove_item, rename_collection,
    set_note,
)
from kb.store import Store
from tests.kb.conftest import make_passages, meta


@pytest.fixture
def stored(store: Store) -> Store:
    store.save_document("/r/a.pdf", "a", "pdf", meta("Review A", 2019), 3, make_passages(
        "The stepfather was never assessed.", "Nobody saw the baby's bruise.",
        themes=[["fathers-male-carers"], ["babies"]]))
    return store


def test_items_keep_order_notes_and_citations(stored: Store) -> None:
    collection_id = create_collection(stored, "  Fathers   training ")
    first, second = stored.passages()
    document = stored.document(first.document_id)
    a = add_passage(stored, collection_id, first, document, note="Open with this")
    b = add_passage(stored, collection_id, second, document)
    move_item(stored, b, -1)
    set_note(stored, b, "Then this")
    collection = get_collection(stored, collection_id)
    assert collection.name == "Fathers training"
    assert [item.id for item in collection.items] == [b, a]
    assert [item.note for item in collection.items] == ["Then this", "Open with this"]
    assert str(collection.items[0].citation) == \
        "Review A, Northmoor Safeguarding Children Partnership, 2019, p. 2"
    assert list_collections(stored)[0][:3] == (collection_id, "Fathers training", 2)


def test_an_item_whose_document_is_removed_is_kept_as_withdrawn(stored: Store) -> None:
    collection_id = create_collection(stored, "Babies")
    passage = stored.passages()[1]
    add_passage(stored, collection_id, passage, stored.document(passage.document_id))
    stored.remove_source("/r/a.pdf")
    item = get_collection(stored, collection_id).items[0]
    assert item.withdrawn and item.text == "Nobody saw the baby's bruise."
    assert item.citation.title == "Review A"


def test_items_follow_their_passage_through_reindexing(stored: Store) -> None:
    collection_id = create_collection(stored, "Babies")
    passage = stored.passages()[1]
    add_passage(stored, collection_id, passage, stored.document(passage.document_id))
    stored.save_document("/r/a.pdf", "a2", "pdf", meta("Review A", 2019), 3, make_passages(
        "A new opening.", "Nobody saw the baby's bruise."))
    item = get_collection(stored, collection_id).items[0]
    assert not item.withdrawn and item.passage_id != passage.id


def test_restricted_items_are_hidden_from_those_without_access(stored: Store) -> None:
    collection_id = create_collection(stored, "Mixed")
    passage = stored.passages()[0]
    add_passage(stored, collection_id, passage, stored.document(passage.document_id))
    stored.set_restricted(passage.document_id, True)
    collection = get_collection(stored, collection_id)
    assert collection.visible_items(include_restricted=False) == []
    assert len(collection.visible_items(include_restricted=True)) == 1


def test_rename_remove_delete_and_bad_names(stored: Store) -> None:
    collection_id = create_collection(stored, "Old")
    passage = stored.passages()[0]
    item = add_passage(stored, collection_id, passage, stored.document(passage.document_id))
    assert rename_collection(stored, collection_id, "New")
    assert remove_item(stored, item) and get_collection(stored, collection_id).items == []
    with pytest.raises(CollectionError, match="needs a name"):
        create_collection(stored, "   ")
    assert delete_collection(stored, collection_id) and get_collection(stored, collection_id) is None


def test_moves_and_counts_pass_over_items_one_may_not_see(stored: Store) -> None:
    collection_id = create_collection(stored, "Mixed")
    stored.save_document("/r/b.pdf", "b", "pdf", meta("Review B", 2020), 1,
                         make_passages("An unpublished finding."))
    first, second, hidden = stored.passages()
    ids = [add_passage(stored, collection_id, passage, stored.document(passage.document_id))
           for passage in (first, hidden, second)]
    stored.set_restricted(hidden.document_id, True)
    assert list_collections(stored, include_restricted=False)[0][2] == 2
    assert list_collections(stored, include_restricted=True)[0][2] == 3
    assert move_item(stored, ids[2], -1, include_restricted=False)
    assert [item.id for item in get_collection(stored, collection_id).items] == [ids[2], ids[0], ids[1]]
    assert not move_item(stored, ids[1], 1, include_restricted=False), "a hidden item stays put"


def test_collections_are_found_by_id_or_name(stored: Store) -> None:
    older = create_collection(stored, "Fathers")
    newer = create_collection(stored, "Babies")
    assert find_collection(stored, str(older)) == older
    assert find_collection(stored, " Babies ") == newer
    assert find_collection(stored, "Nobody's") is None
    assert [name for _, name in collection_names(stored)] == ["Babies", "Fathers"]


def test_ids_of_deleted_collections_and_items_are_not_given_again(stored: Store) -> None:
    passage = stored.passages()[0]
    document = stored.document(passage.document_id)
    first = create_collection(stored, "First")
    item = add_passage(stored, first, passage, document)
    assert delete_collection(stored, first)
    second = create_collection(stored, "Second")
    assert second != first and get_collection(stored, first) is None
    assert add_passage(stored, second, passage, document) != item


def test_the_same_words_in_another_report_do_not_bring_a_withdrawn_item_back(
        stored: Store) -> None:
    collection_id = create_collection(stored, "Babies")
    passage = stored.passages()[1]
    add_passage(stored, collection_id, passage, stored.document(passage.document_id))
    stored.save_document("/r/b.pdf", "b", "pdf", meta("Review B", 2023), 1, make_passages(
        "Nobody saw the baby's bruise."))
    assert not get_collection(stored, collection_id).items[0].withdrawn
    stored.remove_source("/r/a.pdf")
    item = get_collection(stored, collection_id).items[0]
    assert item.withdrawn and item.citation.title == "Review A"


def test_a_passage_is_not_added_twice(stored: Store) -> None:
    collection_id = create_collection(stored, "Babies")
    passage = stored.passages()[1]
    document = stored.document(passage.document_id)
    first = add_passage(stored, collection_id, passage, document)
    assert add_passage(stored, collection_id, passage, document) == first
    assert len(get_collection(stored, collection_id).items) == 1
