"""Cross-validated figures of the theme tagger's layers on the shipped labelled passages.

    python -m bench.themes_cv [--folds 5] [--variants]

The shipped passages (``indexer/data/themes-*.jsonl``: the training four fifths and the dev
set) are split into folds with a fixed seed; each fold is tagged by a model trained on the
others. Prints micro-F1 for the rules alone and for each variant of the learned layer, and the
per-theme table of the configuration in force. The held-out fifth (tests/data) is not read.
"""
from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace

from indexer.evaluate import format_theme_report, score_predictions
from indexer.learn import TrainingConfig, combine, rule_features, shipped_examples
from indexer.tag import Tagger
from kb.taxonomy import load_taxonomy

VARIANTS = {
    "in force": {},
    "model decides (rules' scores as features only)": {"combine": "model"},
    "threshold 0.5": {"threshold": 0.5},
    "threshold 0.4": {"threshold": 0.4},
    "bigrams": {"ngram_size": 2},
    "learn rate 0.01, 20 epochs": {"learn_rate": 0.01, "epochs": 20},
    "learn rate 0.001": {"learn_rate": 0.001},
    "words only (no rule scores)": {"use_rules": False},
}


def cross_validate(folds: int, config: TrainingConfig, use_rules: bool = True) -> tuple[dict, dict]:
    """Figures of the rules alone and of rules + model over ``folds`` folds."""
    from indexer.learn import ThemeModel

    tagger = Tagger(load_taxonomy())
    examples = shipped_examples()
    passages, features = rule_features(tagger, [example.text for example in examples], use_rules)
    order = list(range(len(examples)))
    random.Random(13).shuffle(order)
    labels = list(tagger.taxonomy.ids)
    predicted: list[set[str]] = [set()] * len(examples)
    for fold in range(folds):
        test = set(order[fold::folds])
        train = [(features[i], {t: examples[i].cats.get(t, 0.0) for t in labels}, 1)
                 for i in range(len(examples)) if i not in test]
        model = ThemeModel.train(train, labels, config)
        probabilities = model.predict(features[i] for i in sorted(test))
        for i, cats in zip(sorted(test), probabilities):
            predicted[i] = combine(passages[i].themes, cats, config)
    gold = [set(t for t, v in example.cats.items() if v) for example in examples]
    rules = score_predictions(gold, [set(p.themes) for p in passages], labels)
    return rules, score_predictions(gold, predicted, labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--variants", action="store_true", help="also measure the variants")
    args = parser.parse_args()
    base = TrainingConfig()
    started = time.perf_counter()
    rules, learned = cross_validate(args.folds, base)
    print(f"{args.folds}-fold cross-validation over {rules['passages']} shipped passages "
          f"({time.perf_counter() - started:.0f}s)")
    print(f"rules alone: micro-F1 {rules['micro']['f1']:.3f}")
    print(f"rules + model (in force: {base}): micro-F1 {learned['micro']['f1']:.3f}\n")
    print(format_theme_report(learned))
    if args.variants:
        print("\nvariant                          micro-P  micro-R  micro-F1  macro-F1")
        for name, change in VARIANTS.items():
            use_rules = change.pop("use_rules", True)
            _, result = cross_validate(args.folds, replace(base, **change), use_rules)
            m = result["micro"]
            print(f"{name:<32} {m['precision']:7.3f}  {m['recall']:7.3f}  {m['f1']:8.3f}  {result['macro']['f1']:8.3f}")


if __name__ == "__main__":
    main()
