"""How far two careful readers agree on the themes: the ceiling a tagger can be measured against.

    python -m bench.themes_agreement

``bench/data/second-reader.jsonl`` holds the themes an independent annotator gave 100 shipped
passages (60 of the issue writer's training passages and 40 of the team's, drawn at random with
a fixed seed), having read only THEMES.md and the passages' text, never their labels. Prints
micro-F1 and the per-theme table of the second reader's themes against the shipped labels, for
the issue writer's passages, the team's and both.
"""
from __future__ import annotations

import json
from pathlib import Path

from indexer.evaluate import format_theme_report, score_predictions
from indexer.learn import SHIPPED_DATA, TEAM_PREFIX
from kb.taxonomy import load_taxonomy

SECOND_READER = Path(__file__).with_name("data") / "second-reader.jsonl"


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    labels = list(load_taxonomy().ids)
    first: dict[str, tuple[set[str], str]] = {}
    for path in sorted(SHIPPED_DATA.glob("themes-*.jsonl")):
        for record in _records(path):
            first[record["id"]] = (set(record["themes"]), path.name)
    second = {record["id"]: set(record["themes"]) for record in _records(SECOND_READER)}
    parts = {"the issue writer's passages": [i for i in second if not first[i][1].startswith(TEAM_PREFIX)],
             "the team's passages": [i for i in second if first[i][1].startswith(TEAM_PREFIX)],
             "both": sorted(second)}
    for name, ids in parts.items():
        result = score_predictions([first[i][0] for i in ids], [second[i] for i in ids], labels)
        micro = result["micro"]
        print(f"{name} ({len(ids)}): micro-F1 {micro['f1']:.3f} (P {micro['precision']:.3f}, R {micro['recall']:.3f})")
    print("\nthe issue writer's passages, per theme:\n" + format_theme_report(
        score_predictions([first[i][0] for i in parts["the issue writer's passages"]],
                          [second[i] for i in parts["the issue writer's passages"]], labels)))


if __name__ == "__main__":
    main()
