"""The results as a terminal table, JSON and a Markdown table for the README."""
from __future__ import annotations

import json
from pathlib import Path

REFERENCES = ("tantivy", "fts5")
#: The product with each of its engines.
PRODUCTS = {"kb": "kb (tantivy)", "kb-whoosh": "kb (Whoosh)"}
#: Targets of issue #7 on a 2-core machine: search p95 limit (ms) by corpus size, and the rest.
SEARCH_TARGETS = {"100k": 100.0, "300k": 250.0}
#: Targets of issue #14: the product's p95 over plain tantivy BM25's, in process and over HTTP.
WITHIN_TANTIVY = 3.0
WITHIN_TANTIVY_HTTP = 4.0
BUILD_TARGET_300K_S = 60.0
INGEST_TARGET = 50.0
REINDEX_TARGET = 2.0
MEMORY_TARGET_MB = 1024.0


def _ratio(ours: float | None, theirs: float | None) -> str:
    if not ours or not theirs:
        return "-"
    return f"{ours / theirs:.0f}×" if ours / theirs >= 10 else f"{ours / theirs:.1f}×"


def _memory(kb: dict) -> str:
    """Peak resident MiB of the server, with its private part when measured."""
    if "server_peak_rss_mb" not in kb:
        return "-"
    private = kb.get("server_rss_anon_mb")
    return f"{kb['server_peak_rss_mb']:.0f}" + (f" ({private:.0f})" if private else "")


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def search_rows(results: dict) -> list[list[str]]:
    """One row per size and product engine: p50/p95 in process and over HTTP, memory, the
    references (and the product's time over theirs), and build times."""
    rows = []
    for size, entry in results["sizes"].items():
        for product, title in PRODUCTS.items():
            kb = entry.get(product)
            if not kb:
                continue
            ours = kb.get("search", {})
            row = [size, f"{entry['passages']:,}", title, _ms(ours.get("p50_ms")),
                   _ms(ours.get("p95_ms")), _ms(kb.get("http", {}).get("p50_ms")),
                   _ms(kb.get("http", {}).get("p95_ms")), _memory(kb)]
            for name in REFERENCES:
                theirs = entry.get(name, {}).get("search", {})
                row += [f"{_ms(theirs.get('p50_ms'))} / {_ms(theirs.get('p95_ms'))} "
                        f"({_ratio(ours.get('p50_ms'), theirs.get('p50_ms'))} / "
                        f"{_ratio(ours.get('p95_ms'), theirs.get('p95_ms'))})"]
            row += [_seconds(kb.get("index_seconds"))]
            row += [_seconds(entry.get(name, {}).get("build_seconds")) for name in REFERENCES]
            rows.append(row)
    return rows


SEARCH_HEADER = ["size", "passages", "engine", "kb p50 ms", "kb p95 ms", "HTTP p50 ms",
                 "HTTP p95 ms", "server peak MB (private)", "tantivy p50 / p95 ms (kb÷)",
                 "FTS5 p50 / p95 ms (kb÷)",
                 "kb index build s", "tantivy build s", "FTS5 build s"]


def targets(results: dict) -> list[tuple[str, str, str]]:
    """(target, measured, met?) for each target the run measured."""
    found = []
    for size, limit in SEARCH_TARGETS.items():
        kb = results["sizes"].get(size, {}).get("kb", {})
        if "search" in kb:
            worst = max(kb["search"]["p95_ms"], kb.get("http", {}).get("p95_ms", 0))
            found.append((f"search p95 ≤ {limit:.0f} ms at {size} (in-process and HTTP)",
                          f"{worst:.0f} ms", "yes" if worst <= limit else "no"))
    for size, entry in results["sizes"].items():
        kb, plain = entry.get("kb", {}), entry.get("tantivy", {}).get("search", {})
        if "search" in kb and plain:
            ratio = kb["search"]["p95_ms"] / plain["p95_ms"]
            found.append((f"kb p95 within {WITHIN_TANTIVY:.0f}× plain tantivy BM25's at {size}",
                          f"{ratio:.1f}×", "yes" if ratio <= WITHIN_TANTIVY else "no"))
        if "http" in kb and plain:
            ratio = kb["http"]["p95_ms"] / plain["p95_ms"]
            found.append((f"kb p95 over HTTP within {WITHIN_TANTIVY_HTTP:.0f}× plain tantivy "
                          f"BM25's at {size}", f"{ratio:.1f}×",
                          "yes" if ratio <= WITHIN_TANTIVY_HTTP else "no"))
    for size, entry in results["sizes"].items():
        unknown = entry.get("kb", {}).get("unknown_500_chars_ms")
        if unknown is not None:
            found.append((f"a 500-character unknown word answers within 50 ms at {size}",
                          f"{unknown:.1f} ms", "yes" if unknown <= 50 else "no"))
    build = results["sizes"].get("300k", {}).get("kb", {}).get("index_seconds")
    if build is not None:
        found.append((f"index build of 300k passages < {BUILD_TARGET_300K_S:.0f} s",
                      f"{build:.0f} s", "yes" if build < BUILD_TARGET_300K_S else "no"))
    ingest = results.get("ingest", {})
    if "jobs2" in ingest:
        rate = ingest["jobs2"]["pages_per_s"]
        found.append((f"ingest ≥ {INGEST_TARGET:.0f} PDF pages/s with 2 jobs", f"{rate:.1f} pages/s",
                      "yes" if rate >= INGEST_TARGET else "no"))
    if "reindex_unchanged" in ingest:
        seconds = max(ingest["reindex_unchanged"]["seconds"], ingest.get("reindex_command_s", 0))
        found.append((f"re-index of the unchanged sample < {REINDEX_TARGET:.0f} s",
                      f"{seconds:.2f} s", "yes" if seconds < REINDEX_TARGET else "no"))
    memory = results["sizes"].get("300k", {}).get("kb", {}).get("server_peak_rss_mb")
    if memory is not None:
        found.append(("server memory at 300k < 1 GB", f"{memory:.0f} MB",
                      "yes" if memory < MEMORY_TARGET_MB else "no"))
    return found


def ingest_lines(results: dict) -> list[str]:
    ingest = results.get("ingest", {})
    lines = []
    for key in ("jobs1", "jobs2"):
        if key in ingest:
            run = ingest[key]
            lines.append(f"ingest, {run['jobs']} job(s): {run['files']} PDFs, {run['pages']} pages in "
                         f"{run['seconds']} s = {run['pages_per_s']} pages/s")
    if "reindex_unchanged" in ingest:
        run = ingest["reindex_unchanged"]
        lines.append(f"re-index of the unchanged sample corpus ({run['unchanged']} files): "
                     f"{run['seconds']} s in process, {ingest.get('reindex_command_s', '-')} s "
                     "as `kb index corpus/`; its index rebuilt from SQLite (`kb reindex`): "
                     f"{ingest.get('rebuild_command_s', '-')} s")
    return lines


def terminal(results: dict) -> str:
    table = [SEARCH_HEADER] + search_rows(results)
    widths = [max(len(row[i]) for row in table) for i in range(len(SEARCH_HEADER))]
    lines = ["  ".join(cell.rjust(width) for cell, width in zip(row, widths)) for row in table]
    lines += [""] + ingest_lines(results) + [""]
    lines += [f"{'met' if met == 'yes' else 'MISSED'}: {label}: {value}"
              for label, value, met in targets(results)]
    return "\n".join(lines)


def markdown(results: dict) -> str:
    machine = results["machine"]
    lines = [f"Measured on {machine['cpus']} CPU cores ({machine['cpu']}), Python "
             f"{machine['python']}, Whoosh {machine['whoosh']}, tantivy {machine['tantivy']}, "
             f"SQLite {machine['sqlite']}; {results['queries']} queries, every facet counted, "
             "top 10 highlighted; ratios are the knowledge base's time over the reference's. "
             f"Corpora generated from the sample ({results['sample']}).", "",
             "| " + " | ".join(SEARCH_HEADER) + " |",
             "|" + "---|" * len(SEARCH_HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in search_rows(results)]
    lines += [""] + [f"- {line}" for line in ingest_lines(results)]
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {label} | {value} | {met} |" for label, value, met in targets(results)]
    return "\n".join(lines) + "\n"


def write(results: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "results.md").write_text(markdown(results))
