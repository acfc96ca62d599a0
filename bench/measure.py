"""Timing and memory helpers."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPEATS = 3  # timed runs of the query set, after one warm-up run


def latencies(run: Callable[[dict], object], queries: list[dict], repeats: int = REPEATS) -> list[float]:
    """Milliseconds of each timed run of each query (after one untimed run of the whole set)."""
    for params in queries:
        run(params)
    timings = []
    for _ in range(repeats):
        for params in queries:
            started = time.perf_counter()
            run(params)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def percentiles(timings: list[float]) -> dict[str, float]:
    """p50, p95 and max, in milliseconds."""
    values = np.array(timings)
    return {"p50_ms": round(float(np.percentile(values, 50)), 1),
            "p95_ms": round(float(np.percentile(values, 95)), 1),
            "max_ms": round(float(values.max()), 1)}


def resident_mb(pid: int) -> dict[str, float]:
    """A running process's peak resident memory (VmHWM) and its current resident memory split
    into private (RssAnon) and mapped files (RssFile: index files the OS can drop), in MiB."""
    fields = {"VmHWM": "peak_rss_mb", "RssAnon": "rss_anon_mb", "RssFile": "rss_file_mb"}
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name = line.split(":", 1)[0]
        if name in fields:
            found[fields[name]] = round(int(line.split()[1]) / 1024, 1)
    return found


def directory_mb(path: Path) -> float:
    """Disk space taken by the files under ``path``, in MiB."""
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)
