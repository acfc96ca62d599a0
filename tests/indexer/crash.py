"""``kb`` with a ``kill -9`` at a chosen moment: the crash tests run this as a subprocess.

``python -m tests.indexer.crash ARGS...`` runs ``kb ARGS...`` unchanged, except that with
``KB_TEST_KILL_AT=WHERE:N`` the process sends itself SIGKILL the N-th time it reaches WHERE:

=========  ====================================================================
stored     a document's transaction has committed (``Store.save_document`` returned)
passage    inside a document's transaction, a passage row just inserted
segment    Whoosh: inside an index commit: new segment written, not yet assembled
toc        Whoosh: inside an index commit: segment assembled, table of contents not written
cleanup    Whoosh: an index commit's table of contents written, old files not cleaned up
commit     tantivy: one index of the generation committed (the open one first), not the next
queue      the search index committed, the queue in SQLite not yet cleared
rebuild    a fresh index generation being written: one more passage about to be added
switch     a fresh index generation written, ``CURRENT`` not yet switched to it
=========  ====================================================================

It also prints ``stored N`` after each stored document, so a test can kill it from outside.
Nothing else is changed: the hooks wrap the real functions.
"""
from __future__ import annotations

import os
import signal
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

import whoosh.index
import whoosh.writing

from cli import main
from kb.engine.tantivy import TantivyEngine
from kb.engine.whoosh import WhooshEngine, _Part
from kb.store import Store

_reached: Counter = Counter()


def _kill_if_due(where: str) -> None:
    _reached[where] += 1
    target, _, count = os.environ.get("KB_TEST_KILL_AT", "").partition(":")
    if target == where and _reached[where] == int(count):
        os.kill(os.getpid(), signal.SIGKILL)


def _hook(owner: object, name: str, where: str, after: bool = False,
          then: Callable[[], None] | None = None) -> None:
    """Wrap ``owner.name`` so that reaching it (before or after it runs) may be fatal."""
    original = getattr(owner, name)

    def hooked(*args, **kwargs):
        if not after:
            _kill_if_due(where)
        result = original(*args, **kwargs)
        if after:
            if then:
                then()
            _kill_if_due(where)
        return result
    setattr(owner, name, hooked)


def _announce_stored() -> None:
    print(f"stored {_reached['stored'] + 1}", flush=True)


_hook(Store, "save_document", "stored", after=True, then=_announce_stored)
_hook(Store, "_insert_passage", "passage", after=True)
_hook(whoosh.writing.SegmentWriter, "_assemble_segment", "segment")
_hook(whoosh.index.TOC, "write", "toc")
_hook(whoosh.index, "clean_files", "cleanup")
_hook(TantivyEngine, "_commit", "commit", after=True)
_hook(Store, "clear_index_changes", "queue")


def _counting_rebuild(engine_class: type) -> None:
    """``engine_class.rebuild``, reaching "rebuild" before each passage it writes."""
    rebuild = engine_class.rebuild

    def counting(engine, items: Iterable, **options) -> int:
        def counted() -> Iterator:
            for item in items:
                _kill_if_due("rebuild")
                yield item
        return rebuild(engine, counted(), **options)
    engine_class.rebuild = counting


for _engine in (TantivyEngine, WhooshEngine):
    _counting_rebuild(_engine)
_hook(TantivyEngine, "_switch_to", "switch")
_hook(_Part, "_switch_to", "switch")

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
