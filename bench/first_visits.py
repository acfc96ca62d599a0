"""First visits: how long the slowest pages take when nothing is kept yet, and once the app
has warmed (web/warm.py), in process.

    python -m bench.first_visits                 # the sample corpus, indexed into a temporary directory
    python -m bench.first_visits --data DIR      # an indexed data directory

Prints the time of each page's first load in a fresh app (cold), the time warming takes,
and each page's first load in another fresh app after warming.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

PAGES = ("/trends/fathers-male-carers", "/recommendations", "/trends/babies",
         "/themes/babies/briefing", "/documents")


def _app(data: Path):
    from kb.settings import Settings
    from web import create_app

    return create_app(Settings(data_dir=data, secret_key="bench"), TESTING=True)


def _first_loads(app) -> dict[str, float]:
    client = app.test_client()
    times = {}
    for page in PAGES:
        start = time.perf_counter()
        assert client.get(page).status_code == 200, page
        times[page] = time.perf_counter() - start
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="an indexed data directory (default: the sample corpus)")
    args = parser.parse_args(argv)
    data = args.data
    if data is None:
        from indexer.ingest import ingest
        from kb.base import KnowledgeBase
        from kb.settings import Settings

        data = Path(tempfile.mkdtemp(prefix="kb-first-visits-"))
        with KnowledgeBase(Settings(data_dir=data)) as kb:
            ingest(kb, [Path(__file__).resolve().parents[1] / "corpus"])
    from web.knowledge import KB_EXTENSION
    from web.warm import warm

    cold = _first_loads(_app(data))
    app = _app(data)
    start = time.perf_counter()
    warm(app.extensions[KB_EXTENSION])
    warming = time.perf_counter() - start
    warmed = _first_loads(app)
    print(f"{'page':<30} {'cold s':>8} {'warmed s':>9}")
    for page in PAGES:
        print(f"{page:<30} {cold[page]:>8.3f} {warmed[page]:>9.3f}")
    print(f"warming took {warming:.1f} s (one thread, in the background of each server process)")


if __name__ == "__main__":
    main()
