"""Trainers' collections: named, ordered lists of passages with notes and full citations.

An item keeps a snapshot of its passage and document (text, pages, title, publisher,
year), so a collection survives re-indexing; an item whose passage is no longer in
the knowledge base is shown as withdrawn, never dropped.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from kb.model import Document, Passage
from kb.store import Store, text_hash, utc_now

MAX_NAME_CHARS = 200
MAX_NOTE_CHARS = 5000


class CollectionError(ValueError):
    """A change to a collection that cannot be made; the message says why."""


@dataclass
class Citation:
    title: str
    publisher: str
    year: int | None
    page_start: int | None
    page_end: int | None

    @property
    def pages(self) -> str:
        if not self.page_start:
            return ""
        if self.page_end and self.page_end != self.page_start:
            return f"pp. {self.page_start}-{self.page_end}"
        return f"p. {self.page_start}"

    def __str__(self) -> str:
        parts = [self.title, self.publisher, str(self.year or "n.d."), self.pages]
        return ", ".join(part for part in parts if part)


@dataclass
class CollectionItem:
    id: int
    position: int
    note: str
    text: str
    heading_path: list[str]
    themes: list[str]
    citation: Citation
    kind: str
    scope: str
    restricted: bool
    passage_id: int | None  # the live passage, None when withdrawn
    document_id: int | None

    @property
    def withdrawn(self) -> bool:
        return self.passage_id is None


#: How a training pack is grouped: under the theme each passage shares most with the rest
#: (with ``lead_theme``, the passages carrying it first), or in the trainer's own order.
GROUPINGS = ("theme", "order")


@dataclass
class Collection:
    id: int
    name: str
    created_at: str
    updated_at: str
    items: list[CollectionItem]
    owner: str | None = None  # who started it (None: before there were accounts)
    grouping: str = "theme"
    lead_theme: str = ""  # with grouping "theme": the theme whose passages come first

    def visible_items(self, include_restricted: bool) -> list[CollectionItem]:
        return [item for item in self.items if include_restricted or not item.restricted]


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise CollectionError("a collection needs a name")
    if len(name) > MAX_NAME_CHARS:
        raise CollectionError(f"a collection name has at most {MAX_NAME_CHARS} characters")
    return name


def create_collection(store: Store, name: str, owner: str | None = None) -> int:
    """Start a collection, owned by ``owner`` (the signed-in person; None without accounts)."""
    now = utc_now()
    with store.transaction():
        cursor = store.conn.execute(
            "INSERT INTO collections (name, created_at, updated_at, owner) VALUES (?, ?, ?, ?)",
            (_clean_name(name), now, now, owner))
    return int(cursor.lastrowid)


def rename_collection(store: Store, collection_id: int, name: str) -> bool:
    with store.transaction():
        cursor = store.conn.execute(
            "UPDATE collections SET name = ?, updated_at = ? WHERE id = ?",
            (_clean_name(name), utc_now(), collection_id))
    return cursor.rowcount > 0


def set_grouping(store: Store, collection_id: int, grouping: str, lead_theme: str = "") -> bool:
    """How the collection's training pack is grouped (one of ``GROUPINGS``; ``lead_theme``
    only with "theme")."""
    if grouping not in GROUPINGS:
        raise CollectionError(f"a pack is grouped by {' or '.join(GROUPINGS)}, not {grouping!r}")
    with store.transaction():
        cursor = store.conn.execute(
            "UPDATE collections SET grouping = ?, lead_theme = ?, updated_at = ? WHERE id = ?",
            (grouping, lead_theme.strip()[:100] if grouping == "theme" else "", utc_now(),
             collection_id))
    return cursor.rowcount > 0


def delete_collection(store: Store, collection_id: int) -> bool:
    with store.transaction():
        cursor = store.conn.execute("DELETE FROM collections WHERE id = ?", (collection_id,))
    return cursor.rowcount > 0


def list_collections(store: Store, include_restricted: bool = False
                     ) -> list[tuple[int, str, int, str]]:
    """(id, name, number of items, last change) of every collection, newest change first;
    items from restricted documents are counted only when ``include_restricted``."""
    rows = store.conn.execute(
        "SELECT id, name, updated_at FROM collections ORDER BY updated_at DESC, id DESC").fetchall()
    found = []
    for collection_id, name, updated_at in rows:
        collection = get_collection(store, collection_id)
        if collection is not None:
            found.append((collection_id, name,
                          len(collection.visible_items(include_restricted)), updated_at))
    return found


def collection_names(store: Store, owner: str | None = None) -> list[tuple[int, str]]:
    """(id, name) of every collection (or only ``owner``'s), the most recently changed first."""
    if owner is not None:
        return [(row[0], row[1]) for row in store.conn.execute(
            "SELECT id, name FROM collections WHERE owner = ? ORDER BY updated_at DESC, id DESC",
            (owner,))]
    return [(row[0], row[1]) for row in store.conn.execute(
        "SELECT id, name FROM collections ORDER BY updated_at DESC, id DESC")]


def find_collection(store: Store, key: str) -> int | None:
    """The id of the collection with this id or, failing that, this exact name."""
    if key.isdigit() and store.conn.execute(
            "SELECT 1 FROM collections WHERE id = ?", (int(key),)).fetchone():
        return int(key)
    row = store.conn.execute("SELECT id FROM collections WHERE name = ? ORDER BY id",
                             (_clean_name(key),)).fetchone()
    return row[0] if row else None


def item_of_passage(store: Store, collection_id: int, passage: Passage) -> int | None:
    """The item of a collection that holds this passage (the same text), if any."""
    row = store.conn.execute(
        "SELECT id FROM collection_items WHERE collection_id = ? AND text_hash = ?",
        (collection_id, text_hash(passage.text))).fetchone()
    return int(row[0]) if row else None


def add_passage(store: Store, collection_id: int, passage: Passage, document: Document,
                note: str = "") -> int:
    """Add a passage (with a snapshot of its citation) at the end of a collection; a passage
    already in it is not added twice (its item is returned)."""
    if len(note) > MAX_NOTE_CHARS:
        raise CollectionError(f"a note has at most {MAX_NOTE_CHARS} characters")
    with store.transaction():
        if not store.conn.execute("SELECT 1 FROM collections WHERE id = ?",
                                  (collection_id,)).fetchone():
            raise CollectionError(f"no collection {collection_id}")
        existing = item_of_passage(store, collection_id, passage)
        if existing is not None:
            return existing
        position = store.conn.execute(
            "SELECT COALESCE(MAX(position), 0) + 1 FROM collection_items WHERE collection_id = ?",
            (collection_id,)).fetchone()[0]
        meta = document.meta
        identity = store.conn.execute("SELECT identity_id FROM documents WHERE id = ?",
                                      (document.id,)).fetchone()
        cursor = store.conn.execute(
            "INSERT INTO collection_items (collection_id, position, note, text_hash, text, "
            "heading_path, page_start, page_end, themes, document_hash, title, publisher, year, "
            "kind, scope, restricted, added_at, identity_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (collection_id, position, note, text_hash(passage.text), passage.text,
             json.dumps(passage.heading_path), passage.page_start, passage.page_end,
             json.dumps(passage.themes), document.content_hash, meta.title, meta.publisher,
             meta.year, meta.kind, meta.scope, int(meta.restricted), utc_now(),
             identity[0] if identity else None))
        _touch(store, collection_id)
    return int(cursor.lastrowid)


def _touch(store: Store, collection_id: int) -> None:
    store.conn.execute("UPDATE collections SET updated_at = ? WHERE id = ?",
                       (utc_now(), collection_id))


def set_note(store: Store, item_id: int, note: str) -> bool:
    if len(note) > MAX_NOTE_CHARS:
        raise CollectionError(f"a note has at most {MAX_NOTE_CHARS} characters")
    with store.transaction():
        cursor = store.conn.execute("UPDATE collection_items SET note = ? WHERE id = ?",
                                    (note, item_id))
    return cursor.rowcount > 0


def remove_item(store: Store, item_id: int) -> bool:
    with store.transaction():
        cursor = store.conn.execute("DELETE FROM collection_items WHERE id = ?", (item_id,))
    return cursor.rowcount > 0


def move_item(store: Store, item_id: int, offset: int, include_restricted: bool = False) -> bool:
    """Move an item up (negative ``offset``) or down its collection, past ``offset`` of the
    items its viewer can see (items from restricted documents count only when
    ``include_restricted``). False when there is no such item, or it cannot be seen."""
    with store.transaction():
        row = store.conn.execute(
            "SELECT collection_id FROM collection_items WHERE id = ?", (item_id,)).fetchone()
        collection = get_collection(store, row[0]) if row else None
        if collection is None:
            return False
        visible = [item.id for item in collection.visible_items(include_restricted)]
        if item_id not in visible:
            return False
        index = visible.index(item_id)
        target = max(0, min(len(visible) - 1, index + offset))
        if target == index:
            return True
        ids = [item.id for item in collection.items]
        ids.remove(item_id)
        ids.insert(ids.index(visible[target]) + (1 if target > index else 0), item_id)
        store.conn.executemany("UPDATE collection_items SET position = ? WHERE id = ?",
                               [(position, item) for position, item in enumerate(ids, start=1)])
        _touch(store, collection.id)
    return True


def get_collection(store: Store, collection_id: int) -> Collection | None:
    """A collection with its items in order; each item linked to its live passage if any:
    the same text in the same report, or in another version of it (the same document
    identity). The same words quoted in another report do not count: the citation would be
    wrong. An item is restricted while its report is, in whichever version, even withdrawn."""
    row = store.conn.execute("SELECT * FROM collections WHERE id = ?", (collection_id,)).fetchone()
    if not row:
        return None
    items = []
    for item in store.conn.execute(
            "SELECT i.*, di.restricted AS identity_restricted FROM collection_items i "
            "LEFT JOIN document_identities di ON di.id = i.identity_id "
            "WHERE i.collection_id = ? ORDER BY i.position, i.id", (collection_id,)).fetchall():
        live = store.conn.execute(
            "SELECT p.id, p.document_id, d.restricted FROM passages p "
            "JOIN documents d ON d.id = p.document_id WHERE p.text_hash = ? "
            "AND (d.content_hash = ? OR d.identity_id = ?) ORDER BY d.content_hash = ? DESC "
            "LIMIT 1", (item["text_hash"], item["document_hash"], item["identity_id"],
                        item["document_hash"])).fetchone()
        # The identity's restriction is the report's, now; a copy of a report that has no
        # identity (withdrawn before identities were kept) keeps the restriction it was taken with.
        restricted = bool(item["identity_restricted"]) if item["identity_id"] is not None \
            else bool(item["restricted"])
        items.append(CollectionItem(
            id=item["id"], position=item["position"], note=item["note"], text=item["text"],
            heading_path=json.loads(item["heading_path"]), themes=json.loads(item["themes"]),
            citation=Citation(item["title"], item["publisher"], item["year"], item["page_start"],
                              item["page_end"]),
            kind=item["kind"], scope=item["scope"],
            restricted=restricted or bool(live and live[2]),
            passage_id=live[0] if live else None, document_id=live[1] if live else None))
    return Collection(id=row["id"], name=row["name"], created_at=row["created_at"],
                      updated_at=row["updated_at"], items=items, owner=row["owner"],
                      grouping=row["grouping"], lead_theme=row["lead_theme"])
