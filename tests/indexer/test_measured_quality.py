"""The tagger's quality measured before release ships with it, holds only for the tagger it
measured, and reaches the store of every knowledge base that tags with that tagger."""
from __future__ import annotations

import json
from pathlib import Path

from indexer.ingest import ingest
from indexer.retag import MEASURED_QUALITY, measured_quality, measurement_key
from kb.base import KnowledgeBase
from kb.measured_quality import measured_quality as stored_quality
from kb.settings import Settings
from kb.taxonomy import DEFAULT_THEMES, load_taxonomy

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def test_the_shipped_measurement_is_of_the_tagger_as_shipped() -> None:
    shipped = json.loads(MEASURED_QUALITY.read_text(encoding="utf-8"))
    assert shipped["key"] == measurement_key(load_taxonomy()), (
        "the rules, the taxonomy, the shipped passages or the model's parameters changed since the "
        "tagger was measured: run python -m bench.themes_cv --by-writer --save")
    taxonomy = load_taxonomy()
    assert set(shipped["themes"]) == set(taxonomy.ids)
    assert all(0 < figures["precision"] <= 1 and 0 < figures["recall"] <= 1 and figures["support"] > 0
               for figures in shipped["themes"].values())


def test_a_partnership_taxonomy_of_its_own_gets_no_figures_measured_on_another(tmp_path: Path) -> None:
    own = tmp_path / "themes.toml"  # the shipped taxonomy with one label of its own
    own.write_text(DEFAULT_THEMES.read_text(encoding="utf-8").replace(
        'label = "Neglect"', 'label = "Neglect and poverty"', 1), encoding="utf-8")
    assert measured_quality(load_taxonomy(own)) == ""
    assert measured_quality(load_taxonomy()) == MEASURED_QUALITY.read_text(encoding="utf-8")


def test_indexing_keeps_the_measurement_of_the_tagger_in_force(tmp_path: Path) -> None:
    with KnowledgeBase(Settings(data_dir=tmp_path / "data")) as kb:
        ingest(kb, sorted(CORPUS.glob("*.md"))[:1])
        found = stored_quality(kb.store)
        tags_made_by = kb.store.tagger_state()["stamp"]
    shipped = json.loads(MEASURED_QUALITY.read_text(encoding="utf-8"))
    assert shipped["key"] == tags_made_by  # the measured tagger is the one that tagged
    assert found is not None and found.passages == shipped["passages"]
    assert {theme: (quality.precision, quality.recall, quality.support) for theme, quality in found.themes.items()} \
        == {theme: (f["precision"], f["recall"], f["support"]) for theme, f in shipped["themes"].items()}
