"""Benchmarks for issue #7: ingest, search and memory at national scale, beside tantivy and FTS5.

Run by hand (``.venv/bin/python -m bench.run --sizes 10k,100k,300k``); never part of the
test suite. Generated corpora, data directories and results go to ``bench/out/``.
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
OUT = Path(__file__).resolve().parent / "out"
