"""The taxonomy file: the shipped themes, custom files and bad files."""
from __future__ import annotations

from pathlib import Path

import pytest

from kb.taxonomy import TaxonomyError, load_taxonomy

# The ids of THEMES.md, in its order: they are an interface (URLs, API, exports, evaluation files).
THEME_IDS = (
    "mental-health", "home-education", "fathers-male-carers", "babies", "adolescents", "whole-family",
    "neglect", "exploitation", "education-safety", "domestic-abuse", "substance-misuse",
    "information-sharing", "professional-curiosity", "voice-of-child", "race-culture", "disability",
    "child-sexual-abuse",
)

MINIMAL = """
[scoring]
threshold = 1.0
weights = { strong = 1.0 }

[[themes]]
id = "housing"
label = "Housing instability"
definition = "Evictions, temporary accommodation and frequent moves."
synonyms = [["eviction", "evicted"]]
[themes.signals.strong]
lemmas = ["eviction", "temporary accommodation"]
"""


def test_shipped_taxonomy_has_the_seventeen_themes() -> None:
    taxonomy = load_taxonomy()
    assert taxonomy.ids == THEME_IDS
    assert taxonomy.label("neglect") == "Neglect"
    assert taxonomy.get("home-education").excludes.startswith("Exclusions or attendance")
    assert taxonomy.get("no-such-theme") is None
    assert taxonomy.label("no-such-theme") == "no-such-theme"
    assert all(theme.definition and theme.signals for theme in taxonomy.themes)


def test_synonym_groups_are_data() -> None:
    taxonomy = load_taxonomy()
    fathers = {term for group in taxonomy.get("fathers-male-carers").synonyms for term in group}
    home = {term for group in taxonomy.get("home-education").synonyms for term in group}
    assert {"stepfather", "mother's partner", "male carer"} <= fathers
    assert {"deregistered", "off-rolled", "elective home education"} <= home
    assert all(isinstance(group, tuple) for group in taxonomy.get("adolescents").synonyms)


def test_facets_come_from_the_shipped_table_when_the_file_has_none(tmp_path: Path) -> None:
    path = tmp_path / "themes.toml"
    path.write_text(MINIMAL)
    taxonomy = load_taxonomy(path)
    assert taxonomy.ids == ("housing",)
    assert taxonomy.path == path
    assert "police" in taxonomy.facets["agencies"]
    assert taxonomy.get("housing").synonyms == (("eviction", "evicted"),)


@pytest.mark.parametrize("text, problem", [
    ("[[themes]\nid = 'x'", "not valid TOML"),
    ("[scoring]\nweights = { strong = 1.0 }\n", "no [[themes]]"),
    (MINIMAL.replace('label = "Housing instability"\n', ""), "missing label"),
    (MINIMAL.replace('id = "housing"', 'id = "Housing Needs"'), "lower-case slug"),
    (MINIMAL + MINIMAL[MINIMAL.index("[[themes]]"):], "appears twice"),
    (MINIMAL.replace("[themes.signals.strong]", "[themes.signals.loud]"), "'loud' has no weight"),
    (MINIMAL.replace('lemmas = ["eviction"', 'words = ["eviction"'), "unknown key signals.strong.words"),
    (MINIMAL.replace('synonyms = [["eviction", "evicted"]]', 'synonyms = ["eviction"]'), "synonyms must be"),
    (MINIMAL + 'near = [{ name = "moved on", terms = [["family"]] }]\n', "two or more lists"),
    (MINIMAL + 'near = [{ terms = [["family"], ["move"]] }]\n', "needs a name"),
    (MINIMAL + 'near = [{ name = "moved on", terms = [["family"], ["move"]], window = [2, 3] }]\n',
     "one per gap"),
    (MINIMAL.replace("weights = { strong = 1.0 }",
                     'weights = { strong = 1.0 }\nexclude = { near = [{ name = "list", terms = [["a"]] }] }'),
     "[scoring] exclude.near"),
])
def test_a_bad_file_names_the_file_and_the_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "partnership-themes.toml"
    path.write_text(text)
    with pytest.raises(TaxonomyError) as raised:
        load_taxonomy(path)
    assert str(path) in str(raised.value)
    assert problem in str(raised.value)


def test_a_missing_file_is_a_taxonomy_error(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="file not found"):
        load_taxonomy(tmp_path / "absent.toml")


def test_search_vocabulary_is_data_and_shipped_by_default(tmp_path: Path) -> None:
    shipped = load_taxonomy()
    assert ("a&e", "emergency department", "accident and emergency") in shipped.search_synonyms
    path = tmp_path / "themes.toml"
    path.write_text(MINIMAL)
    assert load_taxonomy(path).search_synonyms == shipped.search_synonyms
    path.write_text(MINIMAL + '\n[search]\nsynonyms = [["flat", "apartment"]]\n')
    assert load_taxonomy(path).search_synonyms == (("flat", "apartment"),)
    path.write_text(MINIMAL + '\n[search]\nsynonyms = "flat"\n')
    with pytest.raises(TaxonomyError, match=r"\[search\] synonyms"):
        load_taxonomy(path)
