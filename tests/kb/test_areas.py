"""Areas, not publisher strings: a Board and the Partnership it became are one area in the
store, the search facets and filters, the trends and the catalogue."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer.ingest import ingest
from kb.areas import AreasError, load_areas
from kb.base import KnowledgeBase
from kb.catalogue import CatalogueRequest, catalogue
from kb.search import SearchRequest
from kb.settings import Settings
from kb.trends import TrendFilters, filter_choices, theme_trends

BOARD, PARTNERSHIP = "Northmoor Safeguarding Children Board", "Northmoor Safeguarding Children Partnership"


def test_an_area_is_found_from_any_name_its_partnership_published_under() -> None:
    areas = load_areas()
    assert areas.area_of(BOARD) == areas.area_of(PARTNERSHIP) == "Northmoor"
    assert areas.area_of("Wensum Safeguarding Children Board") == "Ashby and Wensum", "an alias"
    assert areas.area_of("The Riverside Local Safeguarding Children Board") == "Riverside"
    assert areas.area_of("Bristol Safeguarding Children’s Partnership") == "Bristol"
    assert areas.area_of("Leeds LSCB") == "Leeds"
    assert areas.area_of("Southend, Essex and Thurrock Safeguarding Children Partnership") == \
        "Southend, Essex and Thurrock"
    assert areas.area_of("National Child Safeguarding Review Panel", "national") == ""
    assert areas.area_of(PARTNERSHIP, "local", declared="Moorside") == "Moorside", "declared wins"


def test_the_corpus_groups_boards_and_partnerships_by_area(corpus_kb: KnowledgeBase) -> None:
    documents = corpus_kb.store.documents()
    northmoor = {d.meta.publisher for d in documents if d.meta.area == "Northmoor"}
    assert northmoor == {BOARD, PARTNERSHIP}
    assert all(d.meta.area == "" for d in documents if d.meta.scope == "national")
    found = corpus_kb.search(SearchRequest(q="father", area=("Northmoor",)))
    assert found.total and {r.document.meta.publisher for r in found.results} <= {BOARD, PARTNERSHIP}
    by_publisher = sum(corpus_kb.search(SearchRequest(q="father", publisher=(name,))).total
                       for name in (BOARD, PARTNERSHIP))
    assert found.total == by_publisher
    facet = {f.value: f.count for f in corpus_kb.search(SearchRequest(q="father")).facets["area"]}
    assert facet["Northmoor"] == found.total
    trends = theme_trends(corpus_kb, TrendFilters(area=("Northmoor",)))
    assert sum(trends.published.values()) == len([d for d in documents if d.meta.area == "Northmoor"])
    assert "Northmoor" in filter_choices(corpus_kb).areas
    listed = catalogue(corpus_kb, CatalogueRequest(SearchRequest(area=("Northmoor",), per_page=100)))
    assert {entry.document.meta.publisher for entry in listed.entries} == {BOARD, PARTNERSHIP}
    assert {f.value: f.count for f in listed.facets["area"]}["Northmoor"] == listed.total


REPORT = """---
title: Rapid review of Child Q
publisher: Moorside Safeguarding Children Partnership
year: 2023
kind: rapid-review
{area}---

# Rapid review of Child Q

## Learning

The father was not seen by the health visitor and no one asked who else lived in the home,
although the police had been called there twice in the year before the baby was injured.
"""


def test_a_declared_area_wins_and_an_areas_file_regroups(tmp_path: Path) -> None:
    source = tmp_path / "reports"
    source.mkdir()
    (source / "q.md").write_text(REPORT.format(area=""))
    (source / "r.md").write_text(REPORT.replace("Child Q", "Child R").format(area="area: Northmoor\n"))
    data = tmp_path / "data"
    with KnowledgeBase(Settings(data_dir=data)) as kb:
        assert not ingest(kb, [source]).failed
        areas = {d.meta.title: d.meta.area for d in kb.store.documents()}
        assert areas == {"Rapid review of Child Q": "Moorside", "Rapid review of Child R": "Northmoor"}
    (data / "areas.toml").write_text(
        '[areas."Moorside and Fell"]\naliases = ["Moorside Safeguarding Children Partnership"]\n')
    with KnowledgeBase(Settings(data_dir=data)) as kb:
        areas = {d.meta.title: d.meta.area for d in kb.store.documents()}
        assert areas["Rapid review of Child Q"] == "Moorside and Fell", "the partnership's own file"
        assert areas["Rapid review of Child R"] == "Northmoor"
        kb.rebuild_index()
        facet = {f.value for f in kb.search(SearchRequest(q="father")).facets["area"]}
        assert facet == {"Moorside and Fell", "Northmoor"}
    (data / "areas.toml").write_text('[areas."Fell"]\naliases = "not a list"\n')
    with pytest.raises(AreasError, match="must be a list"):
        load_areas(data)


def test_a_catalogue_may_give_the_area(tmp_path: Path) -> None:
    source = tmp_path / "reports"
    shutil.copytree(Path(__file__).parents[2] / "corpus", source,
                    ignore=lambda folder, names: [n for n in names if n.endswith(".pdf")
                                                  or n.endswith(".docx")])
    catalogue_file = source / "catalogue.csv"
    lines = catalogue_file.read_text().splitlines()
    lines[0] += ",area"
    lines[1:] = [line + (",Westbridge and Fell" if "westbridge" in line else ",") for line in lines[1:]]
    catalogue_file.write_text("\n".join(lines) + "\n")
    with KnowledgeBase(Settings(data_dir=tmp_path / "data")) as kb:
        assert not ingest(kb, [source]).failed
        found = {d.meta.publisher: d.meta.area for d in kb.store.documents()}
        assert found["Westbridge Safeguarding Children Partnership"] == "Westbridge and Fell"
        assert found["National Child Safeguarding Review Panel"] == ""
