"""The benchmarks run by hand, not in the suite: this keeps a code move from breaking them
unseen (each module imports, so its imports of the project still resolve)."""
from __future__ import annotations

import importlib

import pytest

from tests.conftest import ROOT

BENCH_MODULES = sorted(f"bench.{path.stem}" for path in (ROOT / "bench").glob("*.py")
                       if path.stem != "__init__")


def test_every_benchmark_is_found() -> None:
    assert {"bench.run", "bench.tagging", "bench.themes_cv", "bench.load"} <= set(BENCH_MODULES)


@pytest.mark.parametrize("module", BENCH_MODULES)
def test_the_benchmark_imports(module: str) -> None:
    importlib.import_module(module)
