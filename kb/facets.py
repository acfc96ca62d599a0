"""The facet registry: one entry per facet, read by the engines, the pages, the API, the CLI
and the bench.

Each entry says where a passage's values come from, whether a passage can carry several,
the URL parameter that filters on it, its heading, how its values are labelled and in
what order they are shown. Adding a facet is adding an entry here (and the
``SearchRequest`` field of the same name).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from kb.model import AGE_GROUPS, KIND_LABELS, PASSAGE_TYPES, SCOPES, Document, Passage
from kb.taxonomy import Taxonomy, load_taxonomy


@dataclass(frozen=True)
class Facet:
    """One facet of the passages."""

    name: str  # the field name in engines, SearchRequest and JSON
    param: str  # the URL parameter (short, readable, stable)
    label: str  # the heading people see
    multi: bool  # a passage may carry several values
    values: Callable[[Passage, Document], list[str]]  # a passage's values, as strings
    numeric: bool = False  # values are whole numbers (filters on them must be numbers)
    #: Fallback labels of values; the facets data (``[table.value] label = ...``) wins.
    value_labels: Mapping[str, str] = field(default_factory=dict)
    table: str | None = None  # the facets data table that labels the values
    #: Display order: "count" (commonest first), "newest" (highest first) or a fixed order.
    order: str | tuple[str, ...] = "count"


def _one(value: object) -> list[str]:
    return [str(value)] if value not in (None, "") else []


FACETS: tuple[Facet, ...] = (
    Facet("theme", "theme", "Theme", True, lambda p, d: list(p.themes)),
    Facet("scope", "scope", "Local or national", False, lambda p, d: _one(d.meta.scope),
          value_labels={"local": "Local", "national": "National"}, order=SCOPES),
    Facet("kind", "kind", "Kind of document", False, lambda p, d: _one(d.meta.kind),
          value_labels=KIND_LABELS),
    Facet("year", "year", "Year", False, lambda p, d: [str(int(d.meta.year or 0))],
          numeric=True, order="newest"),
    Facet("publisher", "publisher", "Publisher", False, lambda p, d: _one(d.meta.publisher)),
    Facet("area", "area", "Area", False, lambda p, d: _one(d.meta.area)),
    Facet("age_group", "age", "Child's age", True, lambda p, d: list(p.age_groups),
          value_labels={"baby": "Babies (under 2)", "young-child": "Young children",
                        "adolescent": "Adolescents"},
          table="age_groups", order=AGE_GROUPS),
    Facet("passage_type", "type", "Passage type", False, lambda p, d: _one(p.passage_type),
          value_labels={"recommendation": "Recommendation", "finding": "Finding",
                        "good-practice": "Good practice", "other": "Other"},
          table="passage_types", order=PASSAGE_TYPES),
    Facet("agency", "agency", "Agency", True, lambda p, d: list(p.agencies), table="agencies"),
)

BY_NAME: dict[str, Facet] = {facet.name: facet for facet in FACETS}
#: Whether a passage can carry several values of each facet, by facet name.
MULTI_VALUED: dict[str, bool] = {facet.name: facet.multi for facet in FACETS}
FACET_PARAMS: dict[str, str] = {facet.name: facet.param for facet in FACETS}
FACET_LABELS: dict[str, str] = {facet.name: facet.label for facet in FACETS}
SCOPE_LABELS = dict(BY_NAME["scope"].value_labels)
TYPE_LABELS = dict(BY_NAME["passage_type"].value_labels)


def passage_facets(passage: Passage, document: Document) -> dict[str, list[str]]:
    """Every facet's values for one passage, as engines index them."""
    return {facet.name: facet.values(passage, document) for facet in FACETS}


@dataclass
class FacetCount:
    value: str
    label: str
    count: int
    selected: bool
    from_query: bool = False  # a theme the query names: always shown, first


@lru_cache(maxsize=1)
def _shipped_facets() -> dict:
    return load_taxonomy().facets


def _facets_data(theme_label) -> dict:
    """The facets data of the taxonomy whose ``label`` method ``theme_label`` is, else the shipped."""
    owner = getattr(theme_label, "__self__", None)
    if isinstance(owner, Taxonomy):
        return owner.facets
    try:
        return _shipped_facets()
    except Exception:  # labels are a nicety: an unreadable taxonomy leaves the ids
        return {}


def facet_label(name: str, value: str, theme_label=None, facets: Mapping | None = None) -> str:
    """A person-readable label for a facet value.

    Themes are labelled by ``theme_label`` (a taxonomy's ``label``); facets with a ``table``
    by the ``label`` of their entry in the facets data (``facets``, else that taxonomy's,
    else ``kb/facets.toml``); others by their ``value_labels``.
    """
    if name == "theme" and theme_label:
        return theme_label(value)
    facet = BY_NAME.get(name)
    if facet is None:
        return value
    if facet.table:
        table = (facets if facets is not None else _facets_data(theme_label)).get(facet.table, {})
        entry = table.get(value) if isinstance(table, Mapping) else None
        if isinstance(entry, Mapping) and isinstance(entry.get("label"), str) \
                and entry["label"].strip():
            return entry["label"].strip()
    return facet.value_labels.get(value, value)


def order_facet(name: str, counts: dict[str, int], selected: tuple[str, ...],
                theme_label=None, pinned: tuple[str, ...] = ()) -> list[FacetCount]:
    """Facet values for display: selected ones always shown, in the facet's order, after the
    ``pinned`` ones (the themes a query names, shown first even where none is counted)."""
    values = dict(counts)
    for value in (*selected, *pinned):
        values.setdefault(value, 0)
    facet = BY_NAME[name]
    facets = _facets_data(theme_label) if facet.table else None
    if facet.order == "newest":
        ordered = sorted(values, reverse=True)
    elif isinstance(facet.order, tuple):
        known = facet.order
        ordered = sorted(values, key=lambda v: known.index(v) if v in known else len(known))
    else:
        ordered = sorted(values, key=lambda v: (-values[v], v))
    ordered = [v for v in pinned if v in values] + [v for v in ordered if v not in pinned]
    return [FacetCount(value=v, label=facet_label(name, v, theme_label, facets), count=values[v],
                       selected=v in selected, from_query=v in pinned)
            for v in ordered if v not in ("", "0")]
