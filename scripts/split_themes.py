"""Set aside a fifth of the labelled training passages, chosen at random with a fixed seed.

Run once from the repository root:
    python scripts/split_themes.py SOURCE.jsonl
It writes ``indexer/data/themes-train.jsonl`` (four fifths, shipped for training) and
``tests/data/themes-heldout.jsonl`` (one fifth, never used to write a rule or choose a
parameter; only for the final figure).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

SEED = 13
HELD_OUT_FRACTION = 0.2


def main(source: Path) -> None:
    lines = [line for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    order = list(range(len(lines)))
    random.Random(SEED).shuffle(order)
    held = set(order[: round(len(lines) * HELD_OUT_FRACTION)])
    train = [line for i, line in enumerate(lines) if i not in held]
    heldout = [line for i, line in enumerate(lines) if i in held]
    Path("indexer/data").mkdir(parents=True, exist_ok=True)
    Path("indexer/data/themes-train.jsonl").write_text("\n".join(train) + "\n", encoding="utf-8")
    Path("tests/data/themes-heldout.jsonl").write_text("\n".join(heldout) + "\n", encoding="utf-8")
    print(f"{len(train)} training passages, {len(heldout)} held out")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
