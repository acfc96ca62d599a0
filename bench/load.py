"""Load test: concurrent clients against the running web app for a bounded time.

Each client is a thread with its own keep-alive HTTP connection, sending a mix of what
people do: searches with facets (whole pages and htmx swaps), the JSON API and the CSV
download, document pages, similar passages, theme pages. At the end it prints requests
per second, p50/p95/p99 latency and the error count (any answer other than 200, and any
failed connection), overall and by kind of request.

    python -m bench.load --clients 20 --seconds 60                  # gunicorn on the sample corpus
    python -m bench.load --url http://127.0.0.1:5000 --seconds 30   # a server already running
    python -m bench.load --server flask                             # `kb serve` instead of gunicorn
    python -m bench.load --clients 5 --hostile-clients 20 --seconds 60  # beside hostile queries

``--hostile-clients N`` adds N clients that send nothing but hostile searches, as fast as
they are answered: a 500-letter unknown word, 500 characters of ``(``, 100 unknown words
joined by OR, real words joined by OR up to the 500-character limit, and 200 ORs (over the
limit: refused). Their answers count as errors only when they are neither 200 nor 400;
the report gives the normal searches' latency apart, which is what must hold.

Without ``--url`` it starts the server itself on a free loopback port, over ``--data`` (or,
when that is not given, over the sample corpus indexed into a temporary directory).
Exit status 1 when any request failed.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 120
QUERIES = ("father", "health visitor", "neglect", "domestic abuse", "\"safe sleep\"",
           "school exclusion", "mental health", "information sharing", "missing from education",
           "bruising in non-mobile babies", "neglect OR \"poor home conditions\" -adolescent",
           "fathers not seen by health visitors", "criminal exploitation", "professional curiosity")


@dataclass
class Catalogue:
    """What the clients ask for: found by asking the server once before the run."""

    documents: list[int]
    passages: list[tuple[int, int]]  # (document id, passage id)
    themes: list[str]
    facets: dict[str, list[str]]


@dataclass
class Tally:
    """One client's measurements (merged at the end)."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(base: str, path: str) -> tuple[int, bytes]:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@contextmanager
def running_server(data_dir: Path, kind: str, workers: int, threads: int) -> Iterator[str]:
    """The web app over ``data_dir`` in its own process (gunicorn or ``kb serve``)."""
    port = _free_port()
    env = {**os.environ, "KB_DATA": str(data_dir)}
    if kind == "gunicorn":
        command = [str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{port}",
                   "--workers", str(workers), "--threads", str(threads), "--log-level", "warning",
                   "web:create_app()"]
    else:
        command = [sys.executable, "-m", "cli", "serve", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        while True:
            try:
                if _get(base, "/api/themes")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() - started > STARTUP_SECONDS:
                raise RuntimeError(f"the server did not start: {' '.join(command)}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def sample_corpus_data() -> Iterator[Path]:
    """The sample corpus indexed, with the real indexer, into a temporary data directory."""
    with tempfile.TemporaryDirectory(prefix="kb-load-") as temporary:
        data_dir = Path(temporary) / "data"
        subprocess.run([sys.executable, "-m", "cli", "index", str(ROOT / "corpus"),
                        "--data", str(data_dir)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        yield data_dir


def discover(base: str) -> Catalogue:
    """Documents, passages, themes and facet values the server has, from its API."""
    status, body = _get(base, "/api/search?" + urlencode({"per_page": 100}))
    if status != 200:
        raise RuntimeError(f"{base}/api/search answered {status}")
    found = json.loads(body)
    _, themes = _get(base, "/api/themes")
    return Catalogue(
        documents=sorted({r["document_id"] for r in found["results"]}),
        passages=[(r["document_id"], r["passage_id"]) for r in found["results"]],
        themes=[t["id"] for t in json.loads(themes)["themes"]],
        facets={name: [v["value"] for v in values] for name, values in found["facets"].items()})


def next_request(rng: random.Random, catalogue: Catalogue) -> tuple[str, str, dict[str, str]]:
    """(kind, path, headers) of one request, drawn from the mix people make."""
    roll = rng.random()
    query = rng.choice(QUERIES)
    if roll < 0.30:  # a search page with filters, whole or as an htmx swap
        params = [("q", query)]
        for facet, param in (("theme", "theme"), ("scope", "scope"), ("kind", "kind"),
                             ("age_group", "age"), ("passage_type", "type")):
            if catalogue.facets.get(facet) and rng.random() < 0.3:
                params.append((param, rng.choice(catalogue.facets[facet])))
        if rng.random() < 0.2:
            params.append(("sort", "newest"))
        swap = rng.random() < 0.5
        return ("search-htmx" if swap else "search"), "/?" + urlencode(params), \
            ({"HX-Request": "true"} if swap else {})
    if roll < 0.50:
        params = {"q": query, "page": rng.randint(1, 3)}
        if rng.random() < 0.5 and catalogue.facets.get("theme"):
            params["theme"] = rng.choice(catalogue.facets["theme"])
        return "api-search", "/api/search?" + urlencode(params), {}
    if roll < 0.53:
        return "api-csv", "/api/search.csv?" + urlencode({"q": query, "scope": "local"}), {}
    if roll < 0.70:
        return "document", f"/documents/{rng.choice(catalogue.documents)}", {}
    if roll < 0.78:
        return "api-document", f"/api/documents/{rng.choice(catalogue.documents)}", {}
    if roll < 0.86:
        document, passage = rng.choice(catalogue.passages)
        return "similar", f"/documents/{document}/passages/{passage}/similar", \
            {"HX-Request": "true"}
    if roll < 0.93:
        return "theme", f"/themes/{rng.choice(catalogue.themes)}", {}
    return "themes", rng.choice(("/themes", "/api/themes")), {}


#: Kinds of request that are searches people make (their latency is what must hold).
SEARCHES = ("search", "search-htmx", "api-search")
HOSTILE_WORDS = ("father", "mother", "neglect", "school", "health", "visitor", "police",
                 "assessment", "domestic", "abuse", "baby", "sleep", "housing", "referral")


def _letters(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(count))


def next_hostile_request(rng: random.Random, catalogue: Catalogue
                         ) -> tuple[str, str, dict[str, str]]:
    """(kind, path, headers) of one hostile search, each new (no cache answers it)."""
    roll = rng.random()
    if roll < 0.25:
        kind, query = "hostile-long-word", _letters(rng, 500)
    elif roll < 0.40:
        kind, query = "hostile-parens", "(" * 500
    elif roll < 0.65:
        kind, query = "hostile-ors", " OR ".join(_letters(rng, 3) for _ in range(100))[:500]
    elif roll < 0.90:
        words = " OR ".join(rng.choice(HOSTILE_WORDS) + _letters(rng, 1) * rng.randint(0, 1)
                            for _ in range(80))
        kind, query = "hostile-or-words", words[:500].rsplit(" OR ", 1)[0]
    else:
        kind, query = "hostile-200-ors", " OR ".join(_letters(rng, 2) for _ in range(201))
    path = rng.choice(("/api/search?", "/?")) + urlencode({"q": query})
    return kind, path, {}


def client(base: str, catalogue: Catalogue, deadline: float, seed: int, tally: Tally,
           hostile: bool = False, pause: float = 0.0) -> None:
    """Send requests one after another on a keep-alive connection until ``deadline``, with
    ``pause`` seconds after each answer."""
    parts = urlsplit(base)
    rng = random.Random(seed)
    draw = next_hostile_request if hostile else next_request
    accepted = (200, 400, 503) if hostile else (200,)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    while time.monotonic() < deadline:
        kind, path, headers = draw(rng, catalogue)
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status not in accepted:
                tally.errors[f"{kind}: HTTP {response.status}"] += 1
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
        except (OSError, http.client.HTTPException) as error:
            tally.errors[f"{kind}: {type(error).__name__}"] += 1
            connection.close()
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            continue
        tally.latencies[kind].append(time.perf_counter() - started)
        if pause:
            time.sleep(pause)
    connection.close()


def percentile(ordered: list[float], share: float) -> float:
    """The value below which ``share`` of the (sorted) values fall, nearest rank."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def run(base: str, clients: int, seconds: float, seed: int, hostile_clients: int = 0,
        hostile_pause: float = 0.0) -> dict:
    """Drive ``base`` with ``clients`` threads (and ``hostile_clients`` sending hostile
    searches, pausing ``hostile_pause`` seconds after each) for ``seconds``; returns the
    figures."""
    catalogue = discover(base)
    tallies = [Tally() for _ in range(clients + hostile_clients)]
    deadline = time.monotonic() + seconds
    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(base, catalogue, deadline, seed + n, tally,
                                                     n >= clients,
                                                     hostile_pause if n >= clients else 0.0))
               for n, tally in enumerate(tallies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    by_kind: dict[str, list[float]] = defaultdict(list)
    errors: Counter = Counter()
    for tally in tallies:
        for kind, values in tally.latencies.items():
            by_kind[kind] += values
        errors.update(tally.errors)
    every = sorted(v for kind, values in by_kind.items() for v in values
                   if not kind.startswith("hostile"))

    def figures(values: list[float]) -> dict:
        ordered = sorted(values)
        return {"requests": len(ordered), "p50_ms": round(percentile(ordered, 0.50) * 1000, 1),
                "p95_ms": round(percentile(ordered, 0.95) * 1000, 1),
                "p99_ms": round(percentile(ordered, 0.99) * 1000, 1)}
    searches = [v for kind in SEARCHES for v in by_kind.get(kind, [])]
    hostile = [v for kind, values in by_kind.items() if kind.startswith("hostile")
               for v in values]
    return {"url": base, "clients": clients, "hostile_clients": hostile_clients,
            "hostile_pause": hostile_pause,
            "seconds": round(elapsed, 1),
            "requests_per_second": round(len(every) / elapsed, 1), **figures(every),
            "searches": figures(searches), "hostile": figures(hostile),
            "errors": sum(errors.values()), "error_kinds": dict(errors),
            "by_kind": {kind: figures(values) for kind, values in sorted(by_kind.items())}}


def report(result: dict) -> str:
    searches, hostile = result["searches"], result["hostile"]
    lines = [f"{result['clients']} clients"
             + (f" and {result['hostile_clients']} hostile ones" if result["hostile_clients"]
                else "")
             + (f" (pausing {result['hostile_pause']} s)" if result["hostile_pause"] else "")
             + f" for {result['seconds']} s against {result['url']}"
             + (f" ({result['server']})" if "server" in result else ""),
             f"{result['requests']} requests (hostile ones apart), "
             f"{result['requests_per_second']} requests/s, "
             f"latency p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
             f"p99 {result['p99_ms']} ms, errors {result['errors']}",
             f"searches: {searches['requests']}, p50 {searches['p50_ms']} ms, "
             f"p95 {searches['p95_ms']} ms, p99 {searches['p99_ms']} ms"]
    if result["hostile_clients"]:
        lines.append(f"hostile searches: {hostile['requests']}, p50 {hostile['p50_ms']} ms, "
                     f"p95 {hostile['p95_ms']} ms, p99 {hostile['p99_ms']} ms")
    lines += ["",
             f"{'kind':<14}{'requests':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}"]
    for kind, values in result["by_kind"].items():
        lines.append(f"{kind:<14}{values['requests']:>10}{values['p50_ms']:>10}"
                     f"{values['p95_ms']:>10}{values['p99_ms']:>10}")
    for kind, count in result["error_kinds"].items():
        lines.append(f"error: {kind} x{count}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a server already running (else one is started)")
    parser.add_argument("--data", type=Path, help="data directory for the started server "
                        "(default: the sample corpus, indexed into a temporary directory)")
    parser.add_argument("--server", choices=["gunicorn", "flask"], default="gunicorn",
                        help="what serves the app when it is started here (default gunicorn)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1),
                        help="gunicorn worker processes (default: twice the CPUs)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--hostile-clients", type=int, default=0,
                        help="clients sending only hostile searches, beside the others")
    parser.add_argument("--hostile-pause", type=float, default=0.0,
                        help="seconds each hostile client waits after an answer (default 0)")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.url:
        result = run(args.url.rstrip("/"), args.clients, args.seconds, args.seed,
                     args.hostile_clients, args.hostile_pause)
    else:
        with ExitStack() as stack:
            data_dir = args.data or stack.enter_context(sample_corpus_data())
            base = stack.enter_context(running_server(data_dir, args.server, args.workers,
                                                      args.threads))
            result = run(base, args.clients, args.seconds, args.seed, args.hostile_clients,
                         args.hostile_pause)
        result["server"] = (f"gunicorn, {args.workers} workers x {args.threads} threads"
                            if args.server == "gunicorn" else "kb serve (Flask's threaded server)")
    print(json.dumps(result, indent=2) if args.json else report(result))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
