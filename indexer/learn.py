"""The learned layer of the theme tagger: a spaCy ``textcat_multilabel`` over the rules' weak evidence.

The rules stay the explainable layer. The model reads, for each passage, its content words
(lower-case lemmas) and, for every theme, the rules' score as tokens: a "thermometer" of
tokens, one for each step of ``SCORE_STEP`` the score reaches (so a weak signal under the
threshold is a feature too), plus one token per distinct piece of rule evidence. A linear
bag-of-words classifier (``spacy.TextCatBOW.v3``) learns from labelled passages which words,
beside which sub-threshold scores, make a theme: a weak rule signal plus supporting context
tags, and strong words alone can tag. A rules' tag stands unless the model, reading its score
beside the words, finds the theme very unlikely (``TrainingConfig.veto``).

Training is deterministic (fixed seed, fixed order of examples, one thread) and needs no
download: ``spacy.blank("en")``.
"""
from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy
import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch

from kb.model import MODEL_EVIDENCE, Passage  # noqa: F401 (MODEL_EVIDENCE: re-exported)

if TYPE_CHECKING:
    from indexer.tag import Tagger

SEED = 13
#: Rule scores are given to the model in steps of this size, up to ``SCORE_STEPS`` steps.
SCORE_STEP = 0.2
SCORE_STEPS = 10
FEATURE_MARK = "__"  # feature tokens start with it; words never do
#: Words whose weights ``ThemeModel.explain`` keeps (a few MB; the sample corpus has ~6,000 words).
WORD_WEIGHTS_KEPT = 100_000
SHIPPED_DATA = Path(__file__).with_name("data")
#: Files of passages written by the team to teach indirect language (``themes-team-*.jsonl``).
TEAM_PREFIX = "themes-team-"


@dataclass(frozen=True)
class LabelledText:
    """A passage with what is known of its themes: theme -> 1.0 (carries it) or 0.0 (does not).

    Themes missing from ``cats`` are unknown (a curator's decision on one theme says nothing
    of the others) and do not teach the model either way.
    """

    text: str
    cats: dict[str, float]
    weight: int = 1  # how many times the example is shown to the model per epoch
    source: str = ""  # the file it was read from, if any


@dataclass(frozen=True)
class TrainingConfig:
    """The learned layer's parameters, chosen by cross-validation (``bench/themes_cv.py``)."""

    epochs: int = 12
    batch_size: int = 8
    learn_rate: float = 0.002
    ngram_size: int = 1
    #: Rows of the hashed feature table (words and rule tokens share it).
    length: int = 32768
    #: A theme is tagged by the model at this probability.
    threshold: float = 0.5
    #: A rules' tag stands unless the model, which reads the same rule score beside the words,
    #: puts the theme under this probability (the words say strongly that it is not there).
    veto: float = 0.1
    #: How the two layers combine: "union" (rules' tags the model does not veto, plus the
    #: model's), "model" (the model decides alone, the rules' scores among its features).
    combine: str = "union"
    #: The classifier: "bow" (a linear bag of words) or "ensemble" (that linear model beside a
    #: small network over hashed word, prefix, suffix and shape embeddings trained here).
    architecture: str = "bow"
    width: int = 64


def model_config(config: TrainingConfig) -> dict:
    """The spaCy model of ``textcat_multilabel`` for a training configuration."""
    linear = {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": False,
              "ngram_size": config.ngram_size, "no_output_layer": False, "length": config.length}
    if config.architecture == "bow":
        return linear
    tok2vec = {"@architectures": "spacy.Tok2Vec.v2",
               "embed": {"@architectures": "spacy.MultiHashEmbed.v2", "width": config.width,
                         "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"], "rows": [5000, 1000, 2500, 500],
                         "include_static_vectors": False},
               "encode": {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": config.width,
                          "window_size": 1, "maxout_pieces": 3, "depth": 2}}
    return {"@architectures": "spacy.TextCatEnsemble.v2", "tok2vec": tok2vec, "linear_model": linear}


def shipped_examples() -> list[LabelledText]:
    """The labelled passages shipped with the package (written to teach indirect language)."""
    return [example for path in sorted(SHIPPED_DATA.glob("themes-*.jsonl")) for example in read_jsonl(path)]


def read_jsonl(path: Path) -> list[LabelledText]:
    """Labelled passages from a file of ``{"id", "text", "themes"}`` lines; every theme not
    listed is taken as absent (these files are labelled in full)."""
    records = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [LabelledText(text=record["text"], cats={theme: 1.0 for theme in record["themes"]},
                         source=Path(path).name) for record in records]


def feature_words(doc: Doc, passage: Passage, theme_ids: Sequence[str]) -> list[str]:
    """The tokens the model reads: the passage's content words, then the rules' evidence."""
    words = [token.lemma_ for token in doc if token.is_alpha and not token.is_stop and len(token) > 1]
    for theme in theme_ids:
        score = passage.theme_scores.get(theme, 0.0)
        steps = min(int(score / SCORE_STEP + 1e-6), SCORE_STEPS)
        words += [f"{FEATURE_MARK}{theme}{FEATURE_MARK}{step}" for step in range(1, steps + 1)]
        words += [f"{FEATURE_MARK}{theme}{FEATURE_MARK}ev"] * len(passage.evidence.get(theme, []))
    return words


def rule_features(tagger: "Tagger", texts: Sequence[str], use_rules: bool = True) -> tuple[list[Passage], list[list[str]]]:
    """Tag ``texts`` with the rules alone; return the passages and the model's feature words."""
    passages = [Passage(seq=index, text=text) for index, text in enumerate(texts)]
    docs = tagger.analyse(passages)
    theme_ids = list(tagger.taxonomy.ids) if use_rules else []
    return passages, [feature_words(doc, passage, theme_ids) for doc, passage in zip(docs, passages)]


def combine(rule_themes: Iterable[str], probabilities: dict[str, float], config: TrainingConfig) -> set[str]:
    """The themes a passage carries, from the rules' tags and the model's probabilities."""
    learned = {theme for theme, p in probabilities.items() if p >= config.threshold}
    if config.combine == "model":
        return learned
    return {theme for theme in rule_themes if probabilities.get(theme, 1.0) >= config.veto} | learned


class ThemeModel:
    """A trained ``textcat_multilabel`` pipeline and what it was trained on."""

    def __init__(self, nlp: Language, config: TrainingConfig, info: dict | None = None) -> None:
        self.nlp = nlp
        self.config = config
        self.textcat = nlp.get_pipe("textcat_multilabel")
        self.labels: tuple[str, ...] = tuple(self.textcat.labels)
        self.info: dict = dict(info or {})
        self._weights: dict[str, dict[str, float]] = {}  # word -> theme -> weight (linear model)

    # -- training -----------------------------------------------------------
    @classmethod
    def train(cls, examples: Sequence[tuple[list[str], dict[str, float], int]], labels: Sequence[str],
              config: TrainingConfig = TrainingConfig(), info: dict | None = None) -> "ThemeModel":
        """Train on (feature words, cats, weight) triples; deterministic for the same input.

        The process's own random state is put back afterwards: seeding it for good would give
        other code (the search index names its files at random) the same "random" names again."""
        saved = random.getstate(), numpy.random.get_state()
        try:
            return cls._train(examples, labels, config, info)
        finally:
            random.setstate(saved[0])
            numpy.random.set_state(saved[1])

    @classmethod
    def _train(cls, examples: Sequence[tuple[list[str], dict[str, float], int]], labels: Sequence[str],
               config: TrainingConfig, info: dict | None) -> "ThemeModel":
        fix_random_seed(SEED)
        nlp = spacy.blank("en")
        textcat = nlp.add_pipe("textcat_multilabel", config={"model": model_config(config)})
        for label in labels:
            textcat.add_label(label)
        data = [Example.from_dict(Doc(nlp.vocab, words=words or ["_"]), {"cats": cats})
                for words, cats, weight in examples for _ in range(weight)]
        optimizer = nlp.initialize(lambda: data[:50] or None)
        optimizer.learn_rate = config.learn_rate
        order = random.Random(SEED)
        for _ in range(config.epochs):
            shuffled = list(data)
            order.shuffle(shuffled)
            for batch in minibatch(shuffled, size=config.batch_size):
                nlp.update(batch, sgd=optimizer, drop=0.0)
        return cls(nlp, config, info)

    # -- using it -----------------------------------------------------------
    def predict(self, feature_lists: Iterable[list[str]]) -> list[dict[str, float]]:
        """Each theme's probability for each passage's feature words."""
        docs = [Doc(self.nlp.vocab, words=words or ["_"]) for words in feature_lists]
        return [dict(doc.cats) for doc in self.textcat.pipe(docs)]

    def explain(self, words: list[str], themes: Sequence[str], top: int = 3) -> dict[str, list[tuple[str, float]]]:
        """For each theme, the words that raised its score most: for each distinct word, how much
        the log-odds fall when it is taken out. For the linear model that is the word's weight times
        its count, read from one-word texts (kept: a word's weight is the same in every passage);
        for another model, from the passage's text without the word."""
        counts = Counter(word for word in words if not word.startswith(FEATURE_MARK))
        candidates = sorted(counts)
        if not candidates:
            return {theme: [] for theme in themes}
        if self.config.architecture == "bow":
            weights = self._word_weights(candidates)
            gains = {theme: [(word, counts[word] * weights[word][theme]) for word in candidates] for theme in themes}
        else:
            predicted = self.predict([words] + [[w for w in words if w != candidate] for candidate in candidates])
            gains = {theme: [(word, _logit(predicted[0][theme]) - _logit(cats[theme]))
                             for word, cats in zip(candidates, predicted[1:])] for theme in themes}
        return {theme: [(word, round(gain, 2)) for word, gain in sorted(pairs, key=lambda item: -item[1])[:top]
                        if round(gain, 2) > 0] for theme, pairs in gains.items()}

    def _word_weights(self, words: list[str]) -> dict[str, dict[str, float]]:
        """Each word's weight for each theme in the linear model (the rise in log-odds it brings),
        computed once per word and kept."""
        missing = [word for word in words if word not in self._weights]
        if missing:
            if len(self._weights) + len(missing) > WORD_WEIGHTS_KEPT:
                self._weights.clear()
            base, *predicted = self.predict([[FEATURE_MARK]] + [[FEATURE_MARK, word] for word in missing])
            for word, cats in zip(missing, predicted):
                self._weights[word] = {theme: _logit(p) - _logit(base[theme]) for theme, p in cats.items()}
        return {word: self._weights[word] for word in words}

    # -- keeping it ---------------------------------------------------------
    def to_disk(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.nlp.to_disk(path / "pipeline")
        (path / "model.json").write_text(json.dumps(
            {"config": self.config.__dict__, "info": self.info}, indent=2), encoding="utf-8")

    @classmethod
    def from_disk(cls, path: Path) -> "ThemeModel":
        meta = json.loads((path / "model.json").read_text(encoding="utf-8"))
        nlp = spacy.load(path / "pipeline")
        return cls(nlp, TrainingConfig(**meta["config"]), meta["info"])

    def to_bytes(self) -> bytes:
        return json.dumps({"config": self.config.__dict__, "info": self.info}).encode() + b"\0" + \
            self.nlp.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> "ThemeModel":
        head, _, body = data.partition(b"\0")
        meta = json.loads(head)
        config = TrainingConfig(**meta["config"])
        nlp = spacy.blank("en")
        nlp.add_pipe("textcat_multilabel", config={"model": model_config(config)})
        nlp.from_bytes(body)
        return cls(nlp, config, meta["info"])


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))
