"""SQLite FTS5 as a reference: bm25() ranking, snippet(), facet counts by GROUP BY."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from bench.engines.common import FACETS, SNIPPET_CHARS, TOP, facet_values, numbered, query_terms
from bench.generate import GeneratedDocument
from bench.queries import filters, year_range

_SCHEMA = """
CREATE VIRTUAL TABLE fts USING fts5(text, heading, title, tokenize='porter unicode61');
CREATE TABLE meta (rowid INTEGER PRIMARY KEY, year INTEGER NOT NULL, restricted INTEGER NOT NULL);
CREATE TABLE tags (rowid INTEGER NOT NULL, facet TEXT NOT NULL, value NOT NULL,
                   PRIMARY KEY (rowid, facet, value)) WITHOUT ROWID;
CREATE INDEX tags_value ON tags (facet, value, rowid);
"""
_SNIPPET_TOKENS = SNIPPET_CHARS // 7


def match_expression(text: str) -> str:
    """An FTS5 MATCH expression: the query's terms OR-ed, each quoted (no FTS5 syntax leaks)."""
    return " OR ".join('"' + " ".join(words) + '"' for words in query_terms(text))


class Fts5Engine:
    name = "fts5"

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "fts5.sqlite3"
        self.conn: sqlite3.Connection | None = None

    def build(self, documents: Iterable[GeneratedDocument]) -> int:
        self.path.unlink(missing_ok=True)
        conn = sqlite3.connect(self.path)
        conn.executescript(_SCHEMA)
        count = 0
        with conn:
            for passage_id, _, document, passage in numbered(documents):
                conn.execute("INSERT INTO fts (rowid, text, heading, title) VALUES (?, ?, ?, ?)",
                             (passage_id, passage["text"], " / ".join(passage["heading_path"]),
                              document.title))
                conn.execute("INSERT INTO meta VALUES (?, ?, ?)",
                             (passage_id, document.year, int(document.restricted)))
                conn.executemany("INSERT OR IGNORE INTO tags VALUES (?, ?, ?)", [
                    (passage_id, facet, int(value) if facet == "year" else value)
                    for facet, values in facet_values(document, passage).items()
                    for value in values])
                count += 1
        conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")
        conn.commit()
        conn.close()
        return count

    def _connection(self) -> sqlite3.Connection:
        if self.conn is None:
            self.conn = sqlite3.connect(self.path)
            self.conn.execute("PRAGMA temp_store = MEMORY")
            self.conn.execute("PRAGMA cache_size = -200000")
        return self.conn

    def usable(self) -> bool:
        """Whether the index built before can be searched (it is rebuilt when the corpus is)."""
        return True

    def search(self, params: dict) -> int:
        conn = self._connection()
        match = match_expression(str(params.get("q", "")))
        # the matching passages with their bm25 scores, restricted ones left out
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS m (rowid INTEGER PRIMARY KEY, score REAL)")
        conn.execute("DELETE FROM m")
        if match:
            conn.execute("INSERT INTO m SELECT fts.rowid, bm25(fts, 1.0, 0.5, 0.2) FROM fts "
                         "JOIN meta ON meta.rowid = fts.rowid WHERE fts MATCH ? "
                         "AND NOT meta.restricted", (match,))
        else:
            conn.execute("INSERT INTO m SELECT rowid, -year FROM meta WHERE NOT restricted")
        conditions = self._conditions(params)
        for facet in FACETS:
            where = [c for name, c in conditions.items() if name != facet]
            sql = ("SELECT t.value, COUNT(*) FROM m JOIN tags t ON t.rowid = m.rowid "
                   f"AND t.facet = ? {''.join(' AND ' + c for c, _ in where)} GROUP BY t.value")
            conn.execute(sql, [facet] + [a for _, args in where for a in args]).fetchall()
        selected = " AND ".join(c for c, _ in conditions.values()) or "1"
        arguments = [a for _, args in conditions.values() for a in args]
        total = conn.execute(f"SELECT COUNT(*) FROM m WHERE {selected}", arguments).fetchone()[0]
        top = [row[0] for row in conn.execute(
            f"SELECT rowid FROM m WHERE {selected} ORDER BY score, rowid LIMIT ?",
            arguments + [TOP])]
        listed = ",".join(map(str, top))
        if match:  # snippets for the top rows only: snippet() over every match is slow
            conn.execute("SELECT rowid, snippet(fts, 0, '<mark>', '</mark>', ' … ', ?) FROM fts "
                         f"WHERE fts MATCH ? AND rowid IN ({listed})",
                         (_SNIPPET_TOKENS, match)).fetchall()
        else:
            conn.execute(f"SELECT rowid, substr(text, 1, ?) FROM fts WHERE rowid IN ({listed})",
                         (SNIPPET_CHARS,)).fetchall()
        return total

    @staticmethod
    def _conditions(params: dict) -> dict[str, tuple[str, list]]:
        """A SQL condition on ``m.rowid`` for each filtered facet (the year range counts as year)."""
        conditions: dict[str, tuple[str, list]] = {}
        for facet, values in filters(params).items():
            values = [int(v) for v in values] if facet == "year" else values
            marks = ",".join("?" * len(values))
            conditions[facet] = (f"m.rowid IN (SELECT rowid FROM tags WHERE facet = ? "
                                 f"AND value IN ({marks}))", [facet, *values])
        low, high = year_range(params)
        if low is not None or high is not None:
            condition = ("m.rowid IN (SELECT rowid FROM tags WHERE facet = 'year' "
                         "AND value BETWEEN ? AND ?)", [low or 0, high or 9999])
            if "year" in conditions:
                both = conditions["year"]
                condition = (f"{both[0]} AND {condition[0]}", both[1] + condition[1])
            conditions["year"] = condition
        return conditions

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
