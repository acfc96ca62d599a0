"""The tagger in force for a knowledge base: its learned model, retraining it, and re-tagging.

The model lives in the data directory (``theme-model/``). It is trained on first use from the
labelled passages shipped in the package plus every curator decision stored in SQLite, and
again by ``kb retrain`` (or an admin's "retrain now"). The store records which tagger made its
tags (a stamp of the tagger's version, the taxonomy and the model); ``kb index`` re-tags every
stored passage when the stamp differs, so a new tagger reaches the tags, the trends and the
facets without a rebuild.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

from indexer.learn import (SHIPPED_DATA, LabelledText, ThemeModel, TrainingConfig, feature_words,
                           shipped_examples)
from indexer.tag import Tagger
from kb.base import KnowledgeBase
from kb.model import Passage
from kb.taxonomy import Taxonomy

#: Raised whenever the rules' code changes what they tag; part of the stamp on stored tags.
TAGGER_VERSION = "2026-12-issue-13b"
MODEL_DIR = "theme-model"
#: A curator's decision is about the reports indexed, so it counts for more than a shipped example:
#: as much as one shipped example in every ``CURATOR_SHARE`` (so its pull on the model does not
#: fade as the shipped data grows; five examples with the 615 passages it was set on).
CURATOR_SHARE = 125
CURATOR_SOURCE = "curators"  # the source of a curator's decision among training examples

#: The shipped tagger's quality on writers it never learned from (``bench.themes_cv --by-writer
#: --save``), shown beside each theme's counts while it describes the tagger in force.
MEASURED_QUALITY = SHIPPED_DATA / "measured-quality.json"

TRAINED_KEPT = 4
_trained: dict[str, bytes] = {}  # models trained in this process, by what they were trained on


def curator_weight(shipped: int) -> int:
    """How many shipped examples one curator's decision counts as, beside ``shipped`` of them."""
    return max(1, round(shipped / CURATOR_SHARE))


def taxonomy_hash(taxonomy: Taxonomy) -> str:
    """A digest of the taxonomy file (and the shipped facets) the rules are compiled from."""
    digest = hashlib.sha256(Path(taxonomy.path).read_bytes())
    digest.update(repr(sorted(taxonomy.facets.items())).encode())
    return digest.hexdigest()[:16]


def training_key(taxonomy: Taxonomy, examples: list[LabelledText], config: TrainingConfig) -> str:
    """A digest of what a model is trained on: the taxonomy's rules, the examples and the parameters."""
    return hashlib.sha256(repr((taxonomy_hash(taxonomy), config, [(e.text, sorted(e.cats.items()), e.weight)
                                                                  for e in examples])).encode()).hexdigest()


def train_model(taxonomy: Taxonomy, curated: list[tuple[str, dict[str, float]]],
                config: TrainingConfig = TrainingConfig()) -> ThemeModel:
    """A model trained on the shipped passages and curators' decisions, tagged by ``taxonomy``'s rules.

    Deterministic: the same taxonomy, data and decisions give the same model (kept in this
    process, so tests and repeated runs train once)."""
    shipped = shipped_examples()
    weight = curator_weight(len(shipped))
    curated_examples = [LabelledText(text, cats, weight, source=CURATOR_SOURCE) for text, cats in curated]
    examples = shipped + curated_examples
    labels = list(taxonomy.ids)
    key = training_key(taxonomy, examples, config)
    if key in _trained:
        return ThemeModel.from_bytes(_trained[key])
    rules = Tagger(taxonomy)
    passages = [Passage(seq=index, text=example.text) for index, example in enumerate(examples)]
    docs = rules.analyse(passages)
    data = []
    for example, passage, doc in zip(examples, passages, docs):
        # Shipped files are labelled in full; a curator's decision is known for its theme only.
        cats = {theme: value for theme, value in example.cats.items() if theme in labels} \
            if example.source == CURATOR_SOURCE else {theme: example.cats.get(theme, 0.0) for theme in labels}
        data.append((feature_words(doc, passage, labels), cats, example.weight))
    info = {"trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "examples": len(examples), "curator_examples": len(curated_examples),
            "taxonomy": taxonomy_hash(taxonomy), "key": key[:16]}
    model = ThemeModel.train(data, labels, config, info)
    _trained[key] = model.to_bytes()
    while len(_trained) > TRAINED_KEPT:  # a long-running server retrains now and then
        _trained.pop(next(iter(_trained)))
    return model


def measurement_key(taxonomy: Taxonomy, config: TrainingConfig = TrainingConfig()) -> str:
    """What a measurement of the tagger's quality holds for: the stamp of the tagger as shipped
    (the rules' version, the taxonomy, and a model trained on the shipped passages alone with
    ``config``); any change calls for measuring again."""
    return _stamp(taxonomy, training_key(taxonomy, shipped_examples(), config)[:16])


def measured_quality(taxonomy: Taxonomy) -> str:
    """The shipped measurement of the tagger's quality (JSON), or "" when it was made for another
    tagger than ``taxonomy``'s with the shipped passages (a partnership's own taxonomy, say)."""
    if not MEASURED_QUALITY.exists():
        return ""
    text = MEASURED_QUALITY.read_text(encoding="utf-8")
    return text if json.loads(text).get("key") == measurement_key(taxonomy) else ""


def tagger_for(kb: KnowledgeBase) -> Tagger:
    """The tagger in force: the rules of the taxonomy and the data directory's model, trained
    (and kept) first when there is none or it was trained for another taxonomy."""
    path = kb.settings.data_dir / MODEL_DIR
    model = None
    if (path / "model.json").exists():
        model = ThemeModel.from_disk(path)
        if model.info.get("taxonomy") != taxonomy_hash(kb.taxonomy):
            model = None
    if model is None:
        model = train_model(kb.taxonomy, kb.store.curated_examples())
        _keep(kb, model)
    quality = measured_quality(kb.taxonomy)
    if kb.store.tagger_state().get("measured_quality", "") != quality:
        kb.store.set_tagger_state(measured_quality=quality)
    return Tagger(kb.taxonomy, model)


def _keep(kb: KnowledgeBase, model: ThemeModel) -> None:
    """Save the model in the data directory and note when and on what it was trained."""
    _save(model, kb.settings.data_dir / MODEL_DIR)
    kb.store.set_tagger_state(model_trained_at=model.info["trained_at"],
                              model_examples=str(model.info["examples"]),
                              model_curator_examples=str(model.info["curator_examples"]),
                              model_threshold=str(model.config.threshold))


def _save(model: ThemeModel, path: Path) -> None:
    """Write the model beside the old one, then swap: a crash leaves one or the other whole."""
    temporary = path.with_name(path.name + ".new")
    shutil.rmtree(temporary, ignore_errors=True)
    model.to_disk(temporary)
    if path.exists():
        old = path.with_name(path.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        path.rename(old)
        temporary.rename(path)
        shutil.rmtree(old)
    else:
        temporary.rename(path)


def stamp(tagger: Tagger) -> str:
    """What made a set of tags: the tagger's version, the taxonomy and the model."""
    return _stamp(tagger.taxonomy, tagger.model.info.get("key", "") if tagger.model else "rules only")


def _stamp(taxonomy: Taxonomy, model_key: str) -> str:
    return f"{TAGGER_VERSION}/{taxonomy_hash(taxonomy)}/{model_key}"


def retag(kb: KnowledgeBase, tagger: Tagger) -> tuple[int, float]:
    """Tag every stored passage again (curators' decisions stay on top); returns how many
    passages and the CPU seconds spent tagging (one core). The caller holds the data directory's lock."""
    total, seconds = 0, 0.0
    for document_id in kb.store.document_ids():
        passages = kb.store.passages(document_id=document_id)
        for passage in passages:
            passage.themes, passage.theme_scores, passage.evidence, passage.model_scores = [], {}, {}, {}
        started = time.process_time()
        tagger.tag(passages)
        seconds += time.process_time() - started
        kb.store.update_tags(passages)
        total += len(passages)
    kb.store.set_tagger_state(stamp=stamp(tagger))
    kb.sync_index()
    return total, seconds


def retag_if_stale(kb: KnowledgeBase, tagger: Tagger) -> int:
    """Re-tag the stored passages when another tagger made their tags; returns how many."""
    if kb.store.tagger_state().get("stamp") == stamp(tagger):
        return 0
    if not kb.store.passage_count():
        kb.store.set_tagger_state(stamp=stamp(tagger))
        return 0
    return retag(kb, tagger)[0]


def retrain(kb: KnowledgeBase) -> tuple[ThemeModel, int]:
    """Train the model again on the shipped passages and every curator decision, keep it, and
    re-tag every stored passage with it; returns the model and how many passages were re-tagged.
    The caller holds the data directory's lock."""
    model = train_model(kb.taxonomy, kb.store.curated_examples())
    model.info["trained_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    _keep(kb, model)
    count, _ = retag(kb, Tagger(kb.taxonomy, model))
    return model, count
