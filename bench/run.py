"""Run the benchmarks: ``.venv/bin/python -m bench.run --sizes 10k,100k,300k``.

For each size: generate (or reuse) the scaled corpus, build (or reuse) the knowledge base
and the reference engines, time the query set in process and over HTTP, and record the
server's peak memory. Then the end-to-end PDF ingest and the unchanged re-index. Prints a
table and writes ``bench/out/results.json`` and ``bench/out/results.md``.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sqlite3
import sys
import time
from importlib.metadata import version
from itertools import islice
from pathlib import Path

from bench import CORPUS, OUT, report
from bench.engines.common import Engine
from bench.engines.fts5 import Fts5Engine
from bench.engines.kb_engine import KnowledgeBaseEngine, settings_for
from bench.engines.tantivy_engine import TantivyEngine
from bench.generate import Generator, corpus_path, label, parse_size, read_corpus, write_corpus
from bench.measure import REPEATS, directory_mb, latencies, percentiles, resident_mb
from bench.queries import QUERIES, describe
from bench.sample import SamplePassage, read_kb_sample, read_pdf_sample
from bench.server import Server

ENGINES = ("kb", "kb-whoosh", "tantivy", "fts5")
#: A 500-character word no report holds: "did you mean" must bound its work (issue 14).
UNKNOWN_WORD = "safeguardingpartnershipreview" * 17 + "abcdefg"


def indexer_ready() -> bool:
    """Whether the real indexer (extraction, segmentation, tagging) is installed."""
    return all(importlib.util.find_spec(f"indexer.{name}") for name in
               ("extract", "segment", "metadata", "tag"))


def load_sample(themes: Path | None) -> tuple[list[SamplePassage], str]:
    """The sample corpus's passages: tagged by the real indexer when it exists, else from pypdf."""
    if not indexer_ready():
        return read_pdf_sample(CORPUS), "pypdf text of corpus/*.pdf, fallback tags"
    from indexer.ingest import ingest

    from kb.base import KnowledgeBase

    data_dir = OUT / "sample-kb"
    with KnowledgeBase(settings_for(data_dir, themes)) as kb:
        ingest(kb, [CORPUS])
    return read_kb_sample(data_dir), "corpus/ indexed and tagged by the indexer"


def engines_for(size: int, names: list[str], themes: Path | None) -> list[Engine]:
    home = OUT / "data" / label(size)
    made = {"kb": lambda: KnowledgeBaseEngine(home / "kb", themes),
            "kb-whoosh": lambda: KnowledgeBaseEngine(home / "kb-whoosh", themes, "whoosh"),
            "tantivy": lambda: TantivyEngine(home), "fts5": lambda: Fts5Engine(home)}
    return [made[name]() for name in names]


def built_marker(engine: Engine, size: int) -> Path:
    return OUT / "data" / label(size) / f"{engine.name}.built.json"


def build(engine: Engine, size: int, corpus: Path, rebuild: bool) -> dict:
    """Build the engine's index from the corpus, or reuse the one built before."""
    marker = built_marker(engine, size)
    stamp = f"{corpus.name}@{corpus.stat().st_mtime_ns}"
    if marker.exists() and not rebuild and engine.usable():
        built = json.loads(marker.read_text())
        if built.pop("corpus") == stamp:
            return built
    started = time.perf_counter()
    count = engine.build(read_corpus(corpus))
    built = {"passages": count, "build_seconds": round(time.perf_counter() - started, 1)}
    built.update({k: round(v, 1) for k, v in getattr(engine, "timings", {}).items()})
    marker.write_text(json.dumps({**built, "corpus": stamp}))
    return built


def measure_size(size: int, sample: list[SamplePassage], args: argparse.Namespace) -> dict:
    """Every search figure of one corpus size, for each engine asked for."""
    corpus = corpus_path(OUT, size, tagged=any(p.themes for p in sample))
    if not corpus.exists():
        print(f"[{label(size)}] generating the corpus…", flush=True)
        write_corpus(corpus, Generator(sample, seed=args.seed).documents(size))
    entry: dict = {"passages": 0, "documents": sum(1 for _ in read_corpus(corpus))}
    per_query: dict[str, list[float]] = {}
    for engine in engines_for(size, args.engines, args.themes):
        print(f"[{label(size)}] {engine.name}: building…", flush=True)
        result = build(engine, size, corpus, args.rebuild)
        entry["passages"] = result["passages"]
        if isinstance(engine, KnowledgeBaseEngine):
            result["open_and_first_search_s"] = round(engine.open(), 2)
            result["index_mb"] = directory_mb(engine.settings.index_dir)
            result["database_mb"] = round(engine.settings.db_path.stat().st_size / 2**20, 1)
        print(f"[{label(size)}] {engine.name}: searching…", flush=True)
        timings = latencies(engine.search, QUERIES, args.repeats)
        result["search"] = percentiles(timings)
        result["totals"] = [engine.search(q) for q in QUERIES]
        if not any(result["totals"]):
            raise SystemExit(f"{engine.name} found nothing for any query at {label(size)}: its "
                             "index is unusable; run again with --rebuild")
        per_query[engine.name] = _per_query_median(timings)
        if isinstance(engine, KnowledgeBaseEngine):
            result["unknown_500_chars_ms"] = percentiles(
                latencies(engine.search, [{"q": UNKNOWN_WORD}], args.repeats))["p95_ms"]
        engine.close()
        if isinstance(engine, KnowledgeBaseEngine) and args.http:
            print(f"[{label(size)}] {engine.name}: searching over HTTP…", flush=True)
            with Server(engine.settings.data_dir, args.themes, engine.settings.engine) as server:
                result["server_ready_s"] = round(server.ready_seconds, 2)
                result["http"] = percentiles(latencies(server.get, QUERIES, args.repeats))
                result.update({f"server_{k}": v for k, v in resident_mb(server.pid).items()})
        entry[engine.name] = result
    entry["per_query_p50_ms"] = [{"query": describe(q), **{name: times[i] for name, times in
                                                          per_query.items()}}
                                 for i, q in enumerate(QUERIES)]
    return entry


def _per_query_median(timings: list[float]) -> list[float]:
    """The median time of each query over the repeats (timings run the whole set per repeat)."""
    count = len(QUERIES)
    return [round(sorted(timings[i::count])[len(timings[i::count]) // 2], 1) for i in range(count)]


def measure_ingest(sample: list[SamplePassage], args: argparse.Namespace) -> dict:
    """Ingest rates of generated PDFs with one and two workers, and the unchanged re-index."""
    from bench.ingest_bench import ingest_rate, kb_command_seconds, reindex_unchanged
    from bench.pdfs import write_folder

    folder = OUT / f"pdfs-{args.ingest_docs}"
    print(f"[ingest] writing {args.ingest_docs} PDFs to {folder}…", flush=True)
    write_folder(list(islice(Generator(sample, seed=args.seed + 1).documents(10**9),
                             args.ingest_docs)), folder)
    results = {}
    for jobs in (1, 2):
        print(f"[ingest] {jobs} job(s)…", flush=True)
        results[f"jobs{jobs}"] = ingest_rate(folder, OUT / "data" / f"ingest-jobs{jobs}",
                                             args.themes, jobs)
    print("[ingest] re-index of the unchanged sample corpus…", flush=True)
    data_dir = OUT / "data" / "reindex"
    results["reindex_unchanged"] = reindex_unchanged(CORPUS, data_dir, args.themes)
    results["reindex_command_s"] = kb_command_seconds(["index", str(CORPUS)], data_dir, args.themes)
    results["rebuild_command_s"] = kb_command_seconds(["reindex"], data_dir, args.themes)
    return results


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    return {"cpus": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "whoosh": version("whoosh"), "tantivy": version("tantivy"),
            "sqlite": sqlite3.sqlite_version, "numpy": version("numpy")}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k", help="passage counts, e.g. 10k,100k,300k")
    parser.add_argument("--engines", default=",".join(ENGINES),
                        help=f"comma-separated, from {', '.join(ENGINES)}")
    parser.add_argument("--no-http", dest="http", action="store_false",
                        help="skip the HTTP measurements (and the server's memory)")
    parser.add_argument("--ingest-docs", type=int, default=200,
                        help="PDFs for the ingest measurement (0 to skip it)")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="timed runs of the query set")
    parser.add_argument("--rebuild", action="store_true", help="rebuild indexes built before")
    parser.add_argument("--themes", type=Path, help="taxonomy file (default: the shipped one)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    args.engines = [name for name in args.engines.split(",") if name]
    unknown = set(args.engines) - set(ENGINES)
    if unknown:
        parser.error(f"unknown engines: {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sample, source = load_sample(args.themes)
    print(f"sample: {len(sample)} passages ({source})", flush=True)
    results = {"machine": machine(), "sample": source, "queries": len(QUERIES), "sizes": {}}
    for size in (parse_size(s) for s in args.sizes.split(",")):
        results["sizes"][label(size)] = measure_size(size, sample, args)
    if args.ingest_docs:
        if indexer_ready():
            results["ingest"] = measure_ingest(sample, args)
        else:
            print("[ingest] skipped: the indexer (extract, segment, metadata, tag) is not there yet")
    report.write(results, OUT)
    print()
    print(report.terminal(results))
    print(f"\nwritten: {OUT / 'results.json'}, {OUT / 'results.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
