"""SQLite, the system of record: documents, their source files, passages, tags and curation.

The schema is versioned with ``PRAGMA user_version``; each entry of ``MIGRATIONS``
moves the database one version forward and runs in its own transaction.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from kb.areas import Areas, load_areas
from kb.model import Document, DocumentMeta, Passage

MIGRATIONS: tuple[str, ...] = (
    # 1: documents, the paths they were read from, passages and their tags.
    """
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        content_hash TEXT NOT NULL UNIQUE,
        path TEXT NOT NULL,
        file_type TEXT NOT NULL,
        title TEXT NOT NULL,
        publisher TEXT NOT NULL DEFAULT '',
        year INTEGER,
        kind TEXT NOT NULL DEFAULT 'other',
        scope TEXT NOT NULL DEFAULT 'local',
        restricted INTEGER NOT NULL DEFAULT 0,
        page_count INTEGER NOT NULL DEFAULT 0,
        indexed_at TEXT NOT NULL
    );
    CREATE TABLE sources (
        path TEXT PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        content_hash TEXT NOT NULL
    );
    CREATE INDEX sources_document ON sources(document_id);
    CREATE TABLE passages (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        page_start INTEGER,
        page_end INTEGER,
        heading_path TEXT NOT NULL DEFAULT '[]',
        text TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        passage_type TEXT NOT NULL DEFAULT 'other',
        age_groups TEXT NOT NULL DEFAULT '[]',
        agencies TEXT NOT NULL DEFAULT '[]',
        UNIQUE (document_id, seq)
    );
    CREATE INDEX passages_text_hash ON passages(text_hash);
    CREATE TABLE passage_themes (
        passage_id INTEGER NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
        theme_id TEXT NOT NULL,
        score REAL NOT NULL,
        evidence TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (passage_id, theme_id)
    );
    CREATE INDEX passage_themes_theme ON passage_themes(theme_id);
    CREATE TABLE index_queue (
        passage_id INTEGER PRIMARY KEY,
        op TEXT NOT NULL CHECK (op IN ('add', 'delete'))
    );
    """,
    # 2: curators' decisions, keyed by the passage's text so they survive re-indexing.
    """
    CREATE TABLE curations (
        text_hash TEXT NOT NULL,
        theme_id TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('confirm', 'remove', 'add')),
        curator TEXT NOT NULL,
        decided_at TEXT NOT NULL,
        PRIMARY KEY (text_hash, theme_id)
    );
    """,
    # 3: people who sign in, with a role and whether they may see restricted documents.
    """
    CREATE TABLE users (
        username TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('viewer', 'curator', 'admin')),
        restricted_access INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    );
    """,
    # 4: trainers' collections of passages. Items keep a snapshot of the passage and its
    # citation, so they outlive re-indexing and the removal of their document.
    """
    CREATE TABLE collections (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE collection_items (
        id INTEGER PRIMARY KEY,
        collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        text_hash TEXT NOT NULL,
        text TEXT NOT NULL,
        heading_path TEXT NOT NULL DEFAULT '[]',
        page_start INTEGER,
        page_end INTEGER,
        themes TEXT NOT NULL DEFAULT '[]',
        document_hash TEXT NOT NULL,
        title TEXT NOT NULL,
        publisher TEXT NOT NULL DEFAULT '',
        year INTEGER,
        kind TEXT NOT NULL DEFAULT 'other',
        scope TEXT NOT NULL DEFAULT 'local',
        restricted INTEGER NOT NULL DEFAULT 0,
        added_at TEXT NOT NULL
    );
    CREATE INDEX collection_items_collection ON collection_items(collection_id, position);
    """,
    # 5: the themes in force on each passage: the tagger's, with curators' decisions applied
    # (as ``Store.passages`` applies them), for counting in SQL (kb/trends.py).
    """
    CREATE VIEW effective_themes (passage_id, theme_id) AS
        SELECT t.passage_id, t.theme_id FROM passage_themes t
        JOIN passages p ON p.id = t.passage_id
        WHERE NOT EXISTS (SELECT 1 FROM curations c WHERE c.text_hash = p.text_hash
                          AND c.theme_id = t.theme_id AND c.action = 'remove')
        UNION
        SELECT p.id, c.theme_id FROM passages p
        JOIN curations c ON c.text_hash = p.text_hash AND c.action IN ('confirm', 'add');
    """,
    # 6: collection and item ids are never used again once deleted (AUTOINCREMENT), so an
    # old link to a deleted collection finds nothing rather than someone else's collection.
    """
    CREATE TABLE collections_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    INSERT INTO collections_new SELECT id, name, created_at, updated_at FROM collections;
    CREATE TABLE collection_items_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        collection_id INTEGER NOT NULL REFERENCES collections_new(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        text_hash TEXT NOT NULL,
        text TEXT NOT NULL,
        heading_path TEXT NOT NULL DEFAULT '[]',
        page_start INTEGER,
        page_end INTEGER,
        themes TEXT NOT NULL DEFAULT '[]',
        document_hash TEXT NOT NULL,
        title TEXT NOT NULL,
        publisher TEXT NOT NULL DEFAULT '',
        year INTEGER,
        kind TEXT NOT NULL DEFAULT 'other',
        scope TEXT NOT NULL DEFAULT 'local',
        restricted INTEGER NOT NULL DEFAULT 0,
        added_at TEXT NOT NULL
    );
    INSERT INTO collection_items_new SELECT * FROM collection_items;
    DROP TABLE collection_items;
    DROP TABLE collections;
    ALTER TABLE collections_new RENAME TO collections;
    ALTER TABLE collection_items_new RENAME TO collection_items;
    CREATE INDEX collection_items_collection ON collection_items(collection_id, position);
    """,
    # 7: a document's identity, stable across its versions (a revised file, a rebuild) and
    # kept once the document is pruned, with its restriction: a collected copy of a passage
    # carries the identity, so restricting (or opening) a report reaches every copy of every
    # version. Existing documents become identities of their own; existing copies find
    # theirs by the version they were taken from, else by the report's title.
    """
    CREATE TABLE document_identities (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        restricted INTEGER NOT NULL DEFAULT 0
    );
    INSERT INTO document_identities (id, restricted) SELECT id, restricted FROM documents;
    ALTER TABLE documents ADD COLUMN identity_id INTEGER REFERENCES document_identities(id);
    UPDATE documents SET identity_id = id;
    ALTER TABLE collection_items ADD COLUMN identity_id INTEGER
        REFERENCES document_identities(id);
    UPDATE collection_items SET identity_id = COALESCE(
        (SELECT d.identity_id FROM documents d WHERE d.content_hash = collection_items.document_hash),
        (SELECT d.identity_id FROM documents d WHERE d.title = collection_items.title
         ORDER BY d.id DESC LIMIT 1));
    UPDATE document_identities SET restricted = 1 WHERE id IN (
        SELECT identity_id FROM collection_items WHERE restricted = 1)
        AND id NOT IN (SELECT identity_id FROM documents);
    """,
    # 8: signed-in sessions, kept on the server: a cookie names one (by a random token, of
    # which only a hash is stored), so signing out, a new password, a new role or removing
    # the account ends it whatever the browser still holds.
    """
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE INDEX sessions_user ON sessions(username);
    """,
    # 9: who started a collection: only they (and admins) change it. Collections started
    # before there were owners have none, and only admins change those.
    """
    ALTER TABLE collections ADD COLUMN owner TEXT;
    """,
    # 10: how many of a document's pages gave no text (scanned pages), to warn that it is partly read.
    """
    ALTER TABLE documents ADD COLUMN pages_without_text INTEGER NOT NULL DEFAULT 0;
    """,
    # 11: what the tagger weighed for each theme a passage might carry (the rules' score, the
    # learned model's probability), tagged or not, for the curators' review queue; and the
    # tagger's state (which tagger made the stored tags, when its model was trained).
    """
    CREATE TABLE theme_judgements (
        passage_id INTEGER NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
        theme_id TEXT NOT NULL,
        rule_score REAL NOT NULL,
        model_score REAL,
        PRIMARY KEY (passage_id, theme_id)
    );
    CREATE TABLE tagger_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 12: how a collection's training pack is grouped: by theme (optionally with one theme first)
    # or in the trainer's own order.
    """
    ALTER TABLE collections ADD COLUMN grouping TEXT NOT NULL DEFAULT 'theme';
    ALTER TABLE collections ADD COLUMN lead_theme TEXT NOT NULL DEFAULT '';
    """,
    # 13: a document's area as declared by the catalogue or front matter ('' when not: it is
    # then found from the publisher, see kb.areas and the area_of SQL function).
    """
    ALTER TABLE documents ADD COLUMN area TEXT NOT NULL DEFAULT '';
    """,
    # 14: whether the tagger had tagged the theme when a curator first decided on it (NULL for
    # decisions made before this was kept), so that curators' checks of the tags count a "no" on
    # a passage the tagger had left untagged as agreement, not as a wrong tag.
    """
    ALTER TABLE curations ADD COLUMN tagger_tagged INTEGER;
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


class ReadOnlyError(RuntimeError):
    """The database cannot be changed from here; the message says why."""


def text_hash(text: str) -> str:
    """A stable key for a passage's text, ignoring case and white space."""
    normalised = " ".join(text.split()).casefold()
    return hashlib.sha256(normalised.encode()).hexdigest()[:32]


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Store:
    """The knowledge base's SQLite database.

    One connection serves every thread of a process (the web server's threads
    included); transactions take turns, so two threads never interleave one.
    """

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        if read_only:
            # A data directory this process may not write: read it as it is (searching and
            # serving work); any change fails with "attempt to write a readonly database".
            # "immutable" because SQLite cannot make the WAL's shared-memory file there.
            uri = f"{self.path.resolve().as_uri()}?mode=ro&immutable=1"
            self.conn = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False,
                                        isolation_level=None)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False,
                                        isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self._writing = threading.RLock()
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.areas = load_areas(self.path.parent)
        # area_of(d.area, d.publisher, d.scope): a document's area, in any query.
        self.conn.create_function("area_of", 3, lambda declared, publisher, scope:
                                  self.areas.area_of(publisher or "", scope or "", declared or ""),
                                  deterministic=True)
        if read_only:
            if self.schema_version != SCHEMA_VERSION:
                raise ReadOnlyError(f"{self.path} must be upgraded to this program's version, "
                                    "which needs its directory to be writable")
            return
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.migrate()

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema -----------------------------------------------------------
    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self) -> None:
        """Bring the schema up to ``SCHEMA_VERSION``."""
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path} has schema version {version}, newer than this program's "
                f"{SCHEMA_VERSION}: upgrade the program")
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction():
                for statement in script.split(";"):
                    if statement.strip():
                        self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work: committed on success, rolled back on any error."""
        with self._writing:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")

    # -- sources ------------------------------------------------------------
    def source_hash(self, path: str) -> str | None:
        """The content hash last indexed from ``path``, if any."""
        row = self.conn.execute("SELECT content_hash FROM sources WHERE path = ?", (path,)).fetchone()
        return row[0] if row else None

    def document_id_for_hash(self, content_hash: str) -> int | None:
        row = self.conn.execute(
            "SELECT id FROM documents WHERE content_hash = ?", (content_hash,)).fetchone()
        return row[0] if row else None

    def content_hashes(self) -> set[str]:
        """The content hash of every stored document (their kept originals' names)."""
        return {row[0] for row in self.conn.execute("SELECT content_hash FROM documents")}

    def source_paths(self) -> list[str]:
        return [row[0] for row in self.conn.execute("SELECT path FROM sources ORDER BY path")]

    def link_source(self, path: str, document_id: int, content_hash: str) -> None:
        """Record that ``path`` holds the content of ``document_id`` (same content, another path)."""
        with self.transaction():
            self._link_source(path, document_id, content_hash)

    def _link_source(self, path: str, document_id: int, content_hash: str) -> None:
        previous = self.conn.execute(
            "SELECT document_id FROM sources WHERE path = ?", (path,)).fetchone()
        self.conn.execute(
            "INSERT INTO sources (path, document_id, content_hash) VALUES (?, ?, ?) "
            "ON CONFLICT(path) DO UPDATE SET document_id = excluded.document_id, "
            "content_hash = excluded.content_hash",
            (path, document_id, content_hash))
        if previous and previous[0] != document_id:
            self._drop_if_orphaned(previous[0])

    def _drop_if_orphaned(self, document_id: int) -> None:
        """Delete a document no source path points at, queueing its passages' removal."""
        in_use = self.conn.execute(
            "SELECT 1 FROM sources WHERE document_id = ? LIMIT 1", (document_id,)).fetchone()
        if in_use:
            return
        self.conn.execute(
            "INSERT OR REPLACE INTO index_queue (passage_id, op) "
            "SELECT id, 'delete' FROM passages WHERE document_id = ?", (document_id,))
        self.conn.execute("DELETE FROM documents WHERE id = ?", (document_id,))

    def remove_source(self, path: str) -> bool:
        """Forget ``path``; delete its document when no other path holds it."""
        with self.transaction():
            row = self.conn.execute(
                "SELECT document_id FROM sources WHERE path = ?", (path,)).fetchone()
            if not row:
                return False
            self.conn.execute("DELETE FROM sources WHERE path = ?", (path,))
            self._drop_if_orphaned(row[0])
        return True

    # -- documents ----------------------------------------------------------
    def save_document(self, path: str, content_hash: str, file_type: str, meta: DocumentMeta,
                      page_count: int, passages: list[Passage], pages_without_text: int = 0) -> int:
        """Store a newly read document with its tagged passages, in one transaction.

        ``path`` now points at this document; a document it used to point at is
        deleted when nothing else points at it. ``pages_without_text`` counts the pages that
        gave no text (a partly scanned PDF). Returns the new document's id.
        """
        with self.transaction():
            # The new version keeps the identity of the one it replaces: the same content read
            # again (a rebuild), else what was read from this path before (a revised file).
            identity = self._identity_of(content_hash, path)
            # A restriction outlives re-reading: the file changed, or read again by a rebuild,
            # stays restricted whatever the catalogue or front matter say (`kb restrict` and
            # an admin's button set it on the stored document only).
            restricted = meta.restricted or bool(self.conn.execute(
                "SELECT 1 FROM documents d WHERE d.restricted = 1 AND (d.content_hash = ? OR "
                "d.id IN (SELECT document_id FROM sources WHERE path = ?))",
                (content_hash, path)).fetchone()) or bool(self.conn.execute(
                    "SELECT restricted FROM document_identities WHERE id = ?",
                    (identity,)).fetchone()[0])
            kept_paths: list[str] = []
            replaced = self.document_id_for_hash(content_hash)
            if replaced is not None:  # the same content read again (a rebuild): replace it
                kept_paths = [row[0] for row in self.conn.execute(
                    "SELECT path FROM sources WHERE document_id = ?", (replaced,))]
                self.conn.execute("DELETE FROM sources WHERE document_id = ?", (replaced,))
                self._drop_if_orphaned(replaced)
            cursor = self.conn.execute(
                "INSERT INTO documents (content_hash, path, file_type, title, publisher, year, kind, "
                "scope, restricted, page_count, indexed_at, identity_id, pages_without_text, area) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (content_hash, path, file_type, meta.title, meta.publisher, meta.year, meta.kind,
                 meta.scope, int(restricted), page_count, utc_now(), identity, pages_without_text,
                 self._declared_area(meta)))
            document_id = int(cursor.lastrowid)
            self._restrict_identity(document_id)
            for passage in passages:
                self._insert_passage(document_id, passage)
            for kept in kept_paths + [path]:
                self._link_source(kept, document_id, content_hash)
        return document_id

    def _identity_of(self, content_hash: str, path: str) -> int:
        """The identity a newly read version of a document takes (a new one for a new report)."""
        row = self.conn.execute(
            "SELECT identity_id FROM documents WHERE content_hash = ? UNION ALL "
            "SELECT d.identity_id FROM sources s JOIN documents d ON d.id = s.document_id "
            "WHERE s.path = ? LIMIT 1", (content_hash, path)).fetchone()
        if row and row[0] is not None:
            return int(row[0])
        return int(self.conn.execute(
            "INSERT INTO document_identities (restricted) VALUES (0)").lastrowid)

    def _insert_passage(self, document_id: int, passage: Passage) -> None:
        cursor = self.conn.execute(
            "INSERT INTO passages (document_id, seq, page_start, page_end, heading_path, text, "
            "text_hash, passage_type, age_groups, agencies) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (document_id, passage.seq, passage.page_start, passage.page_end,
             json.dumps(passage.heading_path), passage.text, text_hash(passage.text),
             passage.passage_type, json.dumps(passage.age_groups), json.dumps(passage.agencies)))
        passage.id = int(cursor.lastrowid)
        passage.document_id = document_id
        self._insert_themes(passage)
        self._queue_for_index([passage.id])

    def _insert_themes(self, passage: Passage) -> None:
        self.conn.executemany(
            "INSERT INTO passage_themes (passage_id, theme_id, score, evidence) VALUES (?, ?, ?, ?)",
            [(passage.id, theme, passage.theme_scores.get(theme, 0.0),
              json.dumps(passage.evidence.get(theme, []))) for theme in passage.themes])
        weighed = sorted(set(passage.theme_scores) | set(passage.model_scores))
        self.conn.executemany(
            "INSERT INTO theme_judgements (passage_id, theme_id, rule_score, model_score) VALUES (?, ?, ?, ?)",
            [(passage.id, theme, passage.theme_scores.get(theme, 0.0), passage.model_scores.get(theme))
             for theme in weighed])

    def update_tags(self, passages: Iterable[Passage]) -> None:
        """Replace the tagger's output (themes, facets) of stored passages."""
        with self.transaction():
            for passage in passages:
                self.conn.execute("DELETE FROM passage_themes WHERE passage_id = ?", (passage.id,))
                self.conn.execute("DELETE FROM theme_judgements WHERE passage_id = ?", (passage.id,))
                self.conn.execute(
                    "UPDATE passages SET passage_type = ?, age_groups = ?, agencies = ? WHERE id = ?",
                    (passage.passage_type, json.dumps(passage.age_groups),
                     json.dumps(passage.agencies), passage.id))
                self._insert_themes(passage)
                self._queue_for_index([passage.id])

    def update_metadata(self, document_id: int, meta: DocumentMeta) -> None:
        """Change a stored document's metadata; its passages are queued for the index."""
        with self.transaction():
            self.conn.execute(
                "UPDATE documents SET title = ?, publisher = ?, year = ?, kind = ?, scope = ?, "
                "restricted = ?, area = ? WHERE id = ?",
                (meta.title, meta.publisher, meta.year, meta.kind, meta.scope,
                 int(meta.restricted), self._declared_area(meta), document_id))
            self._queue_for_index([row[0] for row in self.conn.execute(
                "SELECT id FROM passages WHERE document_id = ?", (document_id,))])
            self._restrict_identity(document_id)

    def _declared_area(self, meta: DocumentMeta) -> str:
        """What to keep of ``meta.area``: nothing when the publisher gives that area anyway
        (so a later change of the areas file regroups it), else the area as declared."""
        return "" if meta.area == self.areas.area_of(meta.publisher, meta.scope) else meta.area

    def _restrict_identity(self, document_id: int) -> None:
        """The document's identity takes its restriction (or its opening): collections'
        copies of any version's passages follow it, even once the report is withdrawn."""
        self.conn.execute(
            "UPDATE document_identities SET restricted = (SELECT restricted FROM documents "
            "WHERE id = ?) WHERE id = (SELECT identity_id FROM documents WHERE id = ?)",
            (document_id, document_id))

    def has_restricted(self) -> bool:
        """Whether any document is restricted."""
        return bool(self.conn.execute(
            "SELECT EXISTS (SELECT 1 FROM documents WHERE restricted = 1)").fetchone()[0])

    def set_restricted(self, document_id: int, restricted: bool) -> bool:
        """Mark a document restricted or not; False when there is no such document."""
        with self.transaction():
            cursor = self.conn.execute(
                "UPDATE documents SET restricted = ? WHERE id = ?", (int(restricted), document_id))
            self._restrict_identity(document_id)
            self.conn.execute(
                "INSERT OR REPLACE INTO index_queue (passage_id, op) "
                "SELECT id, 'add' FROM passages WHERE document_id = ?", (document_id,))
        return cursor.rowcount > 0

    def document(self, document_id: int) -> Document | None:
        row = self.conn.execute(
            f"{_DOCUMENT_SELECT} WHERE d.id = ? GROUP BY d.id", (document_id,)).fetchone()
        return _document(row, self.areas) if row else None

    def documents(self) -> list[Document]:
        rows = self.conn.execute(f"{_DOCUMENT_SELECT} GROUP BY d.id ORDER BY d.year DESC, d.title")
        return [_document(row, self.areas) for row in rows]

    def document_ids(self) -> list[int]:
        return [row[0] for row in self.conn.execute("SELECT id FROM documents ORDER BY id")]

    # -- passages -----------------------------------------------------------
    def passages(self, document_id: int | None = None,
                 passage_ids: Iterable[int] | None = None) -> list[Passage]:
        """Passages with their effective themes (tagger output with curation applied)."""
        if passage_ids is not None:
            ids = list(passage_ids)
            if not ids:
                return []
            rows = []
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                rows += self.conn.execute(
                    f"SELECT * FROM passages WHERE id IN ({marks})", chunk).fetchall()
            order = {pid: i for i, pid in enumerate(ids)}
            rows.sort(key=lambda row: order[row["id"]])
        elif document_id is not None:
            rows = self.conn.execute(
                "SELECT * FROM passages WHERE document_id = ? ORDER BY seq", (document_id,)).fetchall()
        else:
            rows = self.conn.execute("SELECT * FROM passages ORDER BY document_id, seq").fetchall()
        passages = [_passage(row) for row in rows]
        self._attach_themes(passages, [row["text_hash"] for row in rows])
        return passages

    def passage_ids_of_type(self, passage_type: str) -> list[int]:
        """Ids of every passage of one type (``recommendation``...), in document order."""
        return [row[0] for row in self.conn.execute(
            "SELECT id FROM passages WHERE passage_type = ? ORDER BY document_id, seq",
            (passage_type,))]

    def _attach_themes(self, passages: list[Passage], hashes: list[str]) -> None:
        by_id = {p.id: p for p in passages}
        if not by_id:
            return
        for start in range(0, len(passages), 500):
            chunk = [p.id for p in passages[start:start + 500]]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                    f"SELECT * FROM passage_themes WHERE passage_id IN ({marks})", chunk):
                passage = by_id[row["passage_id"]]
                passage.themes.append(row["theme_id"])
                passage.theme_scores[row["theme_id"]] = row["score"]
                passage.evidence[row["theme_id"]] = json.loads(row["evidence"])
        decisions = self.curations_for(set(hashes))
        for passage, key in zip(passages, hashes):
            _apply_curations(passage.themes, decisions.get(key, {}))

    def passages_for_index(self) -> Iterator[Passage]:
        """Every passage in document order, with its effective themes (no scores or evidence),
        read in one pass: what a search index is rebuilt from."""
        decisions: dict[str, dict[str, str]] = {}
        for text_hash, theme, action in self.conn.execute(
                "SELECT text_hash, theme_id, action FROM curations"):
            decisions.setdefault(text_hash, {})[theme] = action
        cursor = self.conn.cursor()
        cursor.row_factory = None  # plain tuples: the fastest to read
        rows = cursor.execute(
            "SELECT p.id, p.document_id, p.seq, p.page_start, p.page_end, p.heading_path, p.text, "
            "p.text_hash, p.passage_type, p.age_groups, p.agencies, "
            "(SELECT group_concat(t.theme_id, char(31)) FROM passage_themes t "
            " WHERE t.passage_id = p.id) FROM passages p ORDER BY p.document_id, p.seq")
        for (passage_id, document_id, seq, page_start, page_end, heading_path, text, text_hash,
             passage_type, age_groups, agencies, themes) in rows:
            passage = Passage(seq=seq, text=text, page_start=page_start, page_end=page_end,
                              heading_path=_json_list(heading_path), id=passage_id,
                              document_id=document_id, passage_type=passage_type,
                              age_groups=_json_list(age_groups), agencies=_json_list(agencies),
                              themes=themes.split("\x1f") if themes else [])
            _apply_curations(passage.themes, decisions.get(text_hash, {}))
            yield passage

    def passage_count(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]

    # -- search index outbox --------------------------------------------------
    def _queue_for_index(self, passage_ids: list[int]) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO index_queue (passage_id, op) VALUES (?, 'add')",
            [(pid,) for pid in passage_ids])

    def pending_index_changes(self) -> tuple[list[int], list[int]]:
        """Passages the search index has not caught up with: (to add or update, to delete)."""
        adds, deletes = [], []
        for passage_id, op in self.conn.execute("SELECT passage_id, op FROM index_queue"):
            (adds if op == "add" else deletes).append(passage_id)
        return adds, deletes

    def stale_index_entries(self, include_restricted: bool) -> frozenset[int]:
        """Passages the search index may still hold but a search must not return: queued
        changes not yet applied (an interrupted run, or one in progress) whose passage is
        gone from the store or, unless ``include_restricted``, whose document is now
        restricted. Normally the queue is empty and so is this."""
        rows = self.conn.execute(
            "SELECT q.passage_id FROM index_queue q LEFT JOIN passages p ON p.id = q.passage_id "
            "LEFT JOIN documents d ON d.id = p.document_id "
            "WHERE p.id IS NULL OR d.id IS NULL OR (? = 0 AND d.restricted = 1)",
            (int(include_restricted),))
        return frozenset(row[0] for row in rows)

    def clear_index_changes(self, passage_ids: Iterable[int]) -> None:
        """Forget queued changes once the search index has committed them."""
        with self.transaction():
            self.conn.executemany("DELETE FROM index_queue WHERE passage_id = ?",
                                  [(pid,) for pid in passage_ids])

    def clear_all_index_changes(self) -> None:
        with self.transaction():
            self.conn.execute("DELETE FROM index_queue")

    # -- curation -----------------------------------------------------------
    def curate(self, passage_id: int, theme_id: str, action: str, curator: str) -> None:
        """Record a curator's decision on a passage's theme; it wins over the tagger."""
        if action not in ("confirm", "remove", "add"):
            raise ValueError(f"unknown curation action {action!r}")
        row = self.conn.execute("SELECT text_hash FROM passages WHERE id = ?", (passage_id,)).fetchone()
        if not row:
            raise KeyError(f"no passage {passage_id}")
        with self.transaction():
            self.conn.execute(
                "INSERT INTO curations (text_hash, theme_id, action, curator, decided_at, tagger_tagged) "
                "VALUES (?, ?, ?, ?, ?, EXISTS (SELECT 1 FROM passage_themes WHERE passage_id = ? "
                "AND theme_id = ?)) ON CONFLICT(text_hash, theme_id) DO UPDATE SET "
                "action = excluded.action, curator = excluded.curator, decided_at = excluded.decided_at",
                (row[0], theme_id, action, curator, utc_now(), passage_id, theme_id))
            self.conn.execute(
                "INSERT OR REPLACE INTO index_queue (passage_id, op) "
                "SELECT id, 'add' FROM passages WHERE text_hash = ?", (row[0],))

    def curations_for(self, hashes: set[str]) -> dict[str, dict[str, str]]:
        """Curation decisions by passage text hash: {hash: {theme: action}}."""
        result: dict[str, dict[str, str]] = {}
        if not hashes:
            return result
        keys = list(hashes)
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                    f"SELECT text_hash, theme_id, action FROM curations WHERE text_hash IN ({marks})",
                    chunk):
                result.setdefault(row[0], {})[row[1]] = row[2]
        return result

    def curation_count(self, since: str | None = None) -> int:
        """How many curators' decisions are stored (made after ``since``, an ISO time, if given)."""
        if since is None:
            return self.conn.execute("SELECT COUNT(*) FROM curations").fetchone()[0]
        return self.conn.execute("SELECT COUNT(*) FROM curations WHERE decided_at > ?", (since,)).fetchone()[0]

    def curation_log(self, passage_id: int) -> list[dict]:
        """Who decided what on a passage's themes, newest first."""
        rows = self.conn.execute(
            "SELECT c.theme_id, c.action, c.curator, c.decided_at FROM curations c "
            "JOIN passages p ON p.text_hash = c.text_hash WHERE p.id = ? ORDER BY c.decided_at DESC",
            (passage_id,))
        return [dict(row) for row in rows]

    def curated_examples(self) -> list[tuple[str, dict[str, float]]]:
        """Every passage text a curator decided on, with the decisions as training labels:
        theme -> 1.0 (confirmed or added) or 0.0 (removed)."""
        examples: dict[str, tuple[str, dict[str, float]]] = {}
        for row in self.conn.execute(
                "SELECT c.text_hash, c.theme_id, c.action, (SELECT p.text FROM passages p "
                "WHERE p.text_hash = c.text_hash LIMIT 1) AS text FROM curations c ORDER BY c.text_hash, c.theme_id"):
            if row["text"] is not None:
                _, cats = examples.setdefault(row["text_hash"], (row["text"], {}))
                cats[row["theme_id"]] = 0.0 if row["action"] == "remove" else 1.0
        return list(examples.values())

    def doubtful_judgements(self, rule_threshold: float, model_threshold: float, *, limit: int = 50,
                            offset: int = 0, include_restricted: bool = False) -> list[dict]:
        """Themes the tagger is least sure of and no curator has decided: the rules and the model
        disagreeing first, then the model's probability nearest its threshold. Each row: passage
        id, document id and title, theme id, rule score, model score and whether it is tagged."""
        rows = self.conn.execute(
            """
            SELECT j.passage_id, p.document_id, d.title, j.theme_id, j.rule_score, j.model_score,
                   EXISTS (SELECT 1 FROM passage_themes t WHERE t.passage_id = j.passage_id
                           AND t.theme_id = j.theme_id) AS tagged,
                   ((j.rule_score >= :rule) != (COALESCE(j.model_score, 0) >= :model)) AS disagree
            FROM theme_judgements j
            JOIN passages p ON p.id = j.passage_id
            JOIN documents d ON d.id = p.document_id
            WHERE (:restricted OR d.restricted = 0)
              AND j.model_score IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM curations c WHERE c.text_hash = p.text_hash
                              AND c.theme_id = j.theme_id)
              AND (((j.rule_score >= :rule) != (j.model_score >= :model))
                   OR ABS(j.model_score - :model) < 0.25 OR ABS(j.rule_score - :rule) < 0.25)
            ORDER BY disagree DESC, ABS(j.model_score - :model), j.passage_id, j.theme_id
            LIMIT :limit OFFSET :offset
            """, {"rule": rule_threshold - 1e-9, "model": model_threshold, "limit": limit, "offset": offset,
                  "restricted": int(include_restricted)})
        return [dict(row) for row in rows]

    def tagger_state(self) -> dict[str, str]:
        """What the stored tags were made with (see ``set_tagger_state``)."""
        return {row[0]: row[1] for row in self.conn.execute("SELECT key, value FROM tagger_state")}

    def set_tagger_state(self, **values: str) -> None:
        with self.transaction():
            self.conn.executemany(
                "INSERT INTO tagger_state (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value", list(values.items()))

    # -- statistics ---------------------------------------------------------
    def stats(self) -> dict:
        """Counts of documents, passages and pages, by kind, scope and year, and the documents
        some of whose pages gave no text (``partly_read``)."""
        one = lambda sql: self.conn.execute(sql).fetchone()[0]  # noqa: E731
        by = lambda column: {  # noqa: E731
            str(row[0]): row[1] for row in self.conn.execute(
                f"SELECT {column}, COUNT(*) FROM documents GROUP BY {column} ORDER BY {column}")}
        return {
            "documents": one("SELECT COUNT(*) FROM documents"),
            "passages": one("SELECT COUNT(*) FROM passages"),
            "pages": one("SELECT COALESCE(SUM(page_count), 0) FROM documents"),
            "by_kind": by("kind"),
            "by_scope": by("scope"),
            "by_year": by("year"),
            "partly_read": [
                {"id": row[0], "title": row[1], "path": row[2], "pages": row[3],
                 "pages_without_text": row[4]}
                for row in self.conn.execute(
                    "SELECT id, title, path, page_count, pages_without_text FROM documents "
                    "WHERE pages_without_text > 0 ORDER BY path")],
        }


_DOCUMENT_SELECT = (
    "SELECT d.*, (SELECT COUNT(*) FROM passages p WHERE p.document_id = d.id) AS passage_count "
    "FROM documents d")


def _document(row: sqlite3.Row, areas: Areas) -> Document:
    meta = DocumentMeta(title=row["title"], publisher=row["publisher"], year=row["year"],
                        kind=row["kind"], scope=row["scope"], restricted=bool(row["restricted"]),
                        area=areas.area_of(row["publisher"], row["scope"], row["area"]))
    return Document(id=row["id"], path=row["path"], content_hash=row["content_hash"],
                    file_type=row["file_type"], meta=meta, page_count=row["page_count"],
                    passage_count=row["passage_count"], indexed_at=row["indexed_at"],
                    pages_without_text=row["pages_without_text"])


def _apply_curations(themes: list[str], decisions: dict[str, str]) -> None:
    """Curators' decisions (theme -> action) applied to a passage's tagged themes, in place."""
    for theme, action in decisions.items():
        if action == "remove" and theme in themes:
            themes.remove(theme)
        elif action in ("add", "confirm") and theme not in themes:
            themes.append(theme)
    themes.sort()


def _json_list(text: str) -> list:
    return [] if text == "[]" else json.loads(text)


def _passage(row: sqlite3.Row) -> Passage:
    return Passage(seq=row["seq"], text=row["text"], page_start=row["page_start"],
                   page_end=row["page_end"], heading_path=json.loads(row["heading_path"]),
                   id=row["id"], document_id=row["document_id"], passage_type=row["passage_type"],
                   age_groups=json.loads(row["age_groups"]), agencies=json.loads(row["agencies"]))
