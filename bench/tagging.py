"""Training time and tagging speed of the theme tagger as shipped (rules + learned layer).

    python -m bench.tagging [--rounds 3]

Trains the model on the shipped labelled passages (as a new data directory does on first use)
and prints the wall-clock and CPU seconds; then tags every passage of the sample corpus
(``corpus/``, read and segmented once beforehand) ``--rounds`` times in this one process (one
core) and prints passages tagged per CPU-second and per wall-clock second, beside the rules
alone timed the same way.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from indexer.readers import extract
from indexer.retag import train_model
from indexer.segment import segment
from indexer.tag import Tagger
from kb.model import Passage
from kb.taxonomy import load_taxonomy

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def corpus_passages() -> list[Passage]:
    """Every passage of the sample corpus, untagged."""
    passages: list[Passage] = []
    for path in sorted(CORPUS.iterdir()):
        if path.suffix.lower() in (".pdf", ".md", ".txt", ".html", ".docx"):
            passages += segment(extract(path).blocks)
    return passages


def _fresh(passages: list[Passage]) -> list[Passage]:
    return [Passage(seq=p.seq, text=p.text, heading_path=list(p.heading_path)) for p in passages]


def tagging_rate(tagger: Tagger, passages: list[Passage], rounds: int) -> tuple[float, float]:
    """Passages tagged per CPU-second and per wall-clock second, over ``rounds`` passes."""
    tagger.tag(_fresh(passages[:64]))  # warm the matchers' caches as a running indexer would
    cpu = wall = 0.0
    for _ in range(rounds):
        batch = _fresh(passages)
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        tagger.tag(batch)
        cpu += time.process_time() - started_cpu
        wall += time.perf_counter() - started_wall
    return len(passages) * rounds / cpu, len(passages) * rounds / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    taxonomy = load_taxonomy()
    started_cpu, started_wall = time.process_time(), time.perf_counter()
    model = train_model(taxonomy, [])
    print(f"training on {model.info['examples']} shipped passages: "
          f"{time.perf_counter() - started_wall:.1f} s wall, {time.process_time() - started_cpu:.1f} s CPU")
    passages = corpus_passages()
    print(f"tagging the sample corpus's {len(passages)} passages, {args.rounds} rounds, one process:")
    for name, tagger in (("rules alone", Tagger(taxonomy)), ("rules + model (as shipped)", Tagger(taxonomy, model))):
        per_cpu, per_wall = tagging_rate(tagger, passages, args.rounds)
        print(f"  {name:<28} {per_cpu:6.0f} passages per CPU-second, {per_wall:6.0f} per wall-clock second")


if __name__ == "__main__":
    main()
