"""Evaluation of the theme tagger against a labelled JSON-lines file."""
from __future__ import annotations

import json
from pathlib import Path

from kb.model import Passage
from indexer.tag import Tagger


def evaluate_themes(jsonl_path: Path, tagger: Tagger) -> dict:
    """Precision, recall and F1 (micro, macro and per theme) of the tagger on labelled passages.

    Each line of the file is ``{"id", "text", "themes": [...]}``; every text is tagged as a
    passage with no heading. Themes are those of the tagger's taxonomy plus any in the labels.
    """
    records = [json.loads(line) for line in Path(jsonl_path).read_text(encoding="utf-8").splitlines()
               if line.strip()]
    passages = [Passage(seq=index, text=record["text"]) for index, record in enumerate(records)]
    tagger.tag(passages)
    theme_ids = list(tagger.taxonomy.ids)
    theme_ids += sorted({t for r in records for t in r["themes"]} - set(theme_ids))
    counts = {theme: {"tp": 0, "fp": 0, "fn": 0} for theme in theme_ids}
    for record, passage in zip(records, passages):
        gold, predicted = set(record["themes"]), set(passage.themes)
        for theme in gold | predicted:
            key = "tp" if theme in gold and theme in predicted else "fn" if theme in gold else "fp"
            counts[theme][key] += 1
    per_theme = {theme: {**_prf(c["tp"], c["fp"], c["fn"]), "support": c["tp"] + c["fn"]}
                 for theme, c in counts.items()}
    total = {key: sum(c[key] for c in counts.values()) for key in ("tp", "fp", "fn")}
    scored = [per_theme[t] for t in theme_ids if per_theme[t]["support"] or counts[t]["fp"]]
    macro = {key: round(sum(s[key] for s in scored) / len(scored), 4) if scored else 0.0
             for key in ("precision", "recall", "f1")}
    return {"passages": len(records), "micro": _prf(total["tp"], total["fp"], total["fn"]),
            "macro": macro, "per_theme": per_theme}


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def format_theme_report(result: dict) -> str:
    """The evaluation as a table for the terminal: one row per theme, then micro and macro."""
    width = max([len(t) for t in result["per_theme"]] + [len("micro average")])
    lines = [f"{'theme':<{width}}  precision  recall     f1  support", "-" * (width + 35)]
    for theme, s in result["per_theme"].items():
        lines.append(f"{theme:<{width}}  {s['precision']:9.3f}  {s['recall']:6.3f}  {s['f1']:5.3f}  {s['support']:7d}")
    lines.append("-" * (width + 35))
    for name in ("micro", "macro"):
        s = result[name]
        lines.append(f"{name + ' average':<{width}}  {s['precision']:9.3f}  {s['recall']:6.3f}  {s['f1']:5.3f}")
    lines.append(f"{result['passages']} passages")
    return "\n".join(lines)
