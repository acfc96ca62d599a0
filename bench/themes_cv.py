"""Cross-validated figures of the theme tagger's layers on the shipped labelled passages.

    python -m bench.themes_cv [--folds 5] [--variants] [--without-team] [--by-writer [--save]] [--curve]

The shipped passages (``indexer/data/themes-*.jsonl``: the training four fifths, the dev set and
the passages written by the team) are split into folds with a fixed seed; each fold is tagged by
a model trained on the others. Prints micro-F1 for the rules alone and for rules + model, over
all passages and over each part: the 340 original passages (the rules were written against
them, so their figure flatters the rules) and the team's passages (written after the rules, so
the rules never saw them: the better guide to unseen text). ``--without-team`` leaves the team's
passages out of training too (the figures before they were written). ``--by-writer`` measures
instead how the tagger does on a writer it never saw: each team file in turn is tagged by a
model trained on every other file (leave one writer out), the closest stand-in for the reports
of a partnership whose language no one labelled; ``--curve`` does the same training on a quarter,
half, three quarters and all of the other passages (how much more data would help); ``--save``
writes the leave-one-writer-out figures to ``indexer/data/measured-quality.json``, which the
pages show beside each theme's counts. The held-out fifth (tests/data) is not read.
"""
from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import replace
from datetime import date

from indexer.evaluate import format_theme_report, score_predictions
from indexer.learn import TEAM_PREFIX, LabelledText, TrainingConfig, combine, rule_features, shipped_examples
from indexer.tag import Tagger
from kb.model import Passage
from kb.taxonomy import load_taxonomy

VARIANTS: dict[str, dict] = {
    "no veto (every rules' tag stands)": {"veto": 0.0},
    "veto under 0.05": {"veto": 0.05},
    "veto under 0.2": {"veto": 0.2},
    "model threshold 0.4": {"threshold": 0.4},
    "model threshold 0.6": {"threshold": 0.6},
    "model decides (rules' scores as features only)": {"combine": "model"},
    "bigrams": {"ngram_size": 2},
    "20 epochs": {"epochs": 20},
    "learn rate 0.005": {"learn_rate": 0.005},
    "words only (no rule scores)": {"use_rules": False},
    "ensemble (bag of words + hashed embeddings CNN)": {"architecture": "ensemble"},
    "ensemble, 20 epochs": {"architecture": "ensemble", "epochs": 20},
}

#: Shares of the training passages the learning curve (``--curve``) trains on.
CURVE_SHARES = (0.25, 0.5, 0.75, 1.0)


def tag_held_out(examples: list[LabelledText], passages: list[Passage], features: list[list[str]],
                 labels: list[str], splits: list[list[int]], config: TrainingConfig,
                 train_share: float = 1.0) -> dict[int, set[str]]:
    """The themes of each split's passages, tagged by a model trained on every other passage (or
    on ``train_share`` of them, drawn with a fixed seed)."""
    from indexer.learn import ThemeModel

    predicted: dict[int, set[str]] = {}
    for test in splits:
        held = set(test)
        pool = [i for i in range(len(examples)) if i not in held]
        random.Random(7).shuffle(pool)
        train = [(features[i], {t: examples[i].cats.get(t, 0.0) for t in labels}, 1)
                 for i in sorted(pool[:round(len(pool) * train_share)])]
        model = ThemeModel.train(train, labels, config)
        for i, cats in zip(test, model.predict(features[i] for i in test)):
            predicted[i] = combine(passages[i].themes, cats, config)
    return predicted


def cross_validate(folds: int, config: TrainingConfig, use_rules: bool = True,
                   with_team: bool = True) -> dict[str, tuple[dict, dict]]:
    """Figures (rules alone, rules + model) over ``folds`` folds: for all passages, the original
    340 and the team's, each as a pair of ``score_predictions`` results."""
    tagger = Tagger(load_taxonomy())
    examples = [e for e in shipped_examples() if with_team or not e.source.startswith(TEAM_PREFIX)]
    passages, features = rule_features(tagger, [example.text for example in examples], use_rules)
    order = list(range(len(examples)))
    random.Random(13).shuffle(order)
    labels = list(tagger.taxonomy.ids)
    predicted = tag_held_out(examples, passages, features, labels,
                             [sorted(order[fold::folds]) for fold in range(folds)], config)
    gold = [set(t for t, v in example.cats.items() if v) for example in examples]
    parts = {"all": range(len(examples)),
             "original": [i for i, e in enumerate(examples) if not e.source.startswith(TEAM_PREFIX)],
             "team": [i for i, e in enumerate(examples) if e.source.startswith(TEAM_PREFIX)]}
    return {name: (score_predictions([gold[i] for i in part], [set(passages[i].themes) for i in part], labels),
                   score_predictions([gold[i] for i in part], [predicted[i] for i in part], labels))
            for name, part in parts.items() if part}


def by_writer(config: TrainingConfig, train_share: float = 1.0) -> tuple[dict, dict]:
    """Figures (rules alone, rules + model) over the team's passages, each file tagged by a model
    trained on all the other shipped files (or ``train_share`` of their passages)."""
    tagger = Tagger(load_taxonomy())
    examples = shipped_examples()
    passages, features = rule_features(tagger, [example.text for example in examples])
    labels = list(tagger.taxonomy.ids)
    team = [i for i, e in enumerate(examples) if e.source.startswith(TEAM_PREFIX)]
    writers = sorted({examples[i].source for i in team})
    predicted = tag_held_out(examples, passages, features, labels,
                             [[i for i in team if examples[i].source == writer] for writer in writers], config,
                             train_share)
    gold = [set(t for t, v in examples[i].cats.items() if v) for i in team]
    return (score_predictions(gold, [set(passages[i].themes) for i in team], labels),
            score_predictions(gold, [predicted[i] for i in team], labels))


def save_measurement(figures: dict, config: TrainingConfig) -> None:
    """Ship the leave-one-writer-out figures of the tagger as released (``MEASURED_QUALITY``)."""
    from indexer.retag import MEASURED_QUALITY, TAGGER_VERSION, measurement_key

    files = len({e.source for e in shipped_examples() if e.source.startswith(TEAM_PREFIX)})
    record = {"key": measurement_key(load_taxonomy(), config), "tagger_version": TAGGER_VERSION,
              "measured_on": date.today().isoformat(), "command": "python -m bench.themes_cv --by-writer --save",
              "method": "leave one writer out", "passages": figures["passages"], "files": files,
              "micro": figures["micro"],
              "themes": {theme: found for theme, found in figures["per_theme"].items() if found["support"]}}
    MEASURED_QUALITY.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(f"\nsaved to {MEASURED_QUALITY}")


def _line(name: str, figures: dict[str, tuple[dict, dict]], which: int = 1) -> str:
    cells = "  ".join(f"{figures[part][which]['micro']['f1']:.3f}" if part in figures else "  -  "
                      for part in ("all", "original", "team"))
    return f"{name:<48} {cells}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--variants", action="store_true", help="also measure the variants")
    parser.add_argument("--only", help="measure only the variants whose name holds this")
    parser.add_argument("--without-team", action="store_true", help="leave the team's passages out")
    parser.add_argument("--by-writer", action="store_true", help="leave one writer's file out at a time")
    parser.add_argument("--save", action="store_true",
                        help="with --by-writer: ship the figures with the tagger (indexer/data/measured-quality.json)")
    parser.add_argument("--curve", action="store_true",
                        help="leave one writer out, training on a quarter, half, three quarters and all of the rest")
    args = parser.parse_args()
    base = TrainingConfig()
    if args.curve:
        print("learning curve, leave one writer out over the team's passages (micro-F1, rules + model):")
        for share in CURVE_SHARES:
            print(f"  training on {share:.0%} of the other passages: {by_writer(base, share)[1]['micro']['f1']:.3f}",
                  flush=True)
        return
    if args.by_writer:
        started = time.perf_counter()
        rules, learned = by_writer(base)
        print(f"leave one writer out over {rules['passages']} team passages "
              f"({time.perf_counter() - started:.0f}s); in force: {base}\n")
        print(f"micro-F1: rules alone {rules['micro']['f1']:.3f}, rules + model {learned['micro']['f1']:.3f}\n")
        print("rules alone:\n" + format_theme_report(rules))
        print("\nrules + model:\n" + format_theme_report(learned))
        if args.save:
            save_measurement(learned, base)
        return
    with_team = not args.without_team
    started = time.perf_counter()
    figures = cross_validate(args.folds, base, with_team=with_team)
    print(f"{args.folds}-fold cross-validation over {figures['all'][0]['passages']} shipped passages "
          f"({time.perf_counter() - started:.0f}s); in force: {base}\n")
    print(f"{'micro-F1':<48} all    orig.  team")
    print(_line("rules alone", figures, 0))
    print(_line("rules + model (in force)", figures))
    print("\nrules + model, all passages:\n" + format_theme_report(figures["all"][1]))
    if args.variants:
        print(f"\n{'variant micro-F1':<48} all    orig.  team")
        for name, change in VARIANTS.items():
            if args.only and args.only not in name:
                continue
            change = dict(change)
            use_rules = change.pop("use_rules", True)
            print(_line(name, cross_validate(args.folds, replace(base, **change), use_rules, with_team)), flush=True)


if __name__ == "__main__":
    main()
