"""Worker processes with time and memory limits."""
from __future__ import annotations

import os
import time

from indexer.workers import run_limited


class NotReadable(Exception):
    pass


def _read(item: str) -> str:
    if item == "hang":
        time.sleep(60)
    if item == "nap":
        time.sleep(0.5)
    if item == "swell":
        hoard = []
        while True:
            hoard.append(bytearray(50 << 20))
            time.sleep(0.01)
    if item == "crash":
        os._exit(1)
    if item == "bad":
        raise NotReadable("this one is damaged")
    if item == "bug":
        raise ZeroDivisionError("oops")
    return item.upper()


_read.expected_errors = (NotReadable,)


def test_every_item_gets_a_result_whatever_happens_to_its_worker() -> None:
    items = ["a", "hang", "b", "crash", "c", "bad", "swell", "bug", "d"]
    results = {r.item: r for r in run_limited(_read, items, jobs=2, timeout=2,
                                              memory_limit=300 << 20)}
    assert set(results) == set(items)
    assert [results[i].value for i in "abcd"] == ["A", "B", "C", "D"]
    assert "longer than 2 seconds" in results["hang"].error
    assert "crashed" in results["crash"].error
    assert results["bad"].error == "this one is damaged"
    assert "more than 300 MB of memory" in results["swell"].error
    assert results["bug"].error.startswith("ZeroDivisionError: oops")


def test_no_items_no_workers() -> None:
    assert list(run_limited(_read, [], jobs=2)) == []


def test_a_worker_is_not_charged_for_what_it_inherited_from_its_parent() -> None:
    # The parent holds more than a worker may use (as after building a search index).
    held = bytearray(150 << 20)
    for page in range(0, len(held), 4096):
        held[page] = 1
    results = list(run_limited(_read, ["nap", "b"], jobs=1, timeout=5, memory_limit=100 << 20))
    assert [(r.value, r.error) for r in results] == [("NAP", None), ("B", None)]
    del held
