"""The fixed query set: what practitioners, trainers and board members type, with and without
filters. Each query is the URL parameters of a search (as ``/api/search`` takes them)."""
from __future__ import annotations

from urllib.parse import urlencode

from kb.facets import FACETS

#: 36 queries: single words, phrases, two to five words, filters alone and combined.
QUERIES: list[dict[str, str | list[str]]] = [
    # single words, rare to very common
    {"q": "bruising"},
    {"q": "exploitation"},
    {"q": "fathers"},
    {"q": "neglect"},
    {"q": "school"},
    {"q": "health"},
    {"q": "child"},
    {"q": "mother"},
    # phrases
    {"q": '"professional curiosity"'},
    {"q": '"information sharing"'},
    {"q": '"domestic abuse"'},
    {"q": '"voice of the child"'},
    {"q": '"county lines"'},
    {"q": '"elective home education"'},
    # two to five words
    {"q": "safe sleep"},
    {"q": "missing episodes"},
    {"q": "non-accidental injury babies"},
    {"q": "fathers not seen by health visitors"},
    {"q": "child sexual abuse within the family"},
    {"q": "mental health waiting list adolescents"},
    {"q": "school exclusion criminal exploitation"},
    {"q": "strategy discussion police social care"},
    # with filters
    {"q": "fathers", "scope": "national"},
    {"q": "neglect", "kind": "cspr", "year_from": "2019"},
    {"q": '"domestic abuse"', "age": "baby"},
    {"q": "exploitation", "type": "recommendation"},
    {"q": "information sharing", "agency": ["police", "health"]},
    {"q": "supervision", "year_from": "2015", "year_to": "2020"},
    {"q": "child", "scope": "local", "kind": ["cspr", "scr"], "type": "finding"},
    {"q": "school exclusion", "age": "adolescent", "year_from": "2020"},
    {"q": "health visitor", "kind": "rapid-review", "scope": "local"},
    {"q": "mother", "year": ["2023", "2024"], "type": "recommendation"},
    # filters alone (browsing: newest first)
    {"scope": "national"},
    {"kind": "cspr", "year_from": "2022"},
    {"type": "recommendation", "age": "baby"},
    {"year": "2024"},
]

#: Facet parameters (URL names) and the facets they filter, from the facet registry.
FILTER_PARAMS = {facet.param: facet.name for facet in FACETS}


def values(params: dict, name: str) -> list[str]:
    """A parameter's values as a list (one value or several)."""
    raw = params.get(name, [])
    return [raw] if isinstance(raw, str) else list(raw)


def filters(params: dict) -> dict[str, list[str]]:
    """The facet filters of a query, by facet name (``age`` -> ``age_group`` ...)."""
    return {facet: values(params, name) for name, facet in FILTER_PARAMS.items()
            if values(params, name)}


def year_range(params: dict) -> tuple[int | None, int | None]:
    low, high = params.get("year_from"), params.get("year_to")
    return (int(low) if low else None, int(high) if high else None)


def describe(params: dict) -> str:
    """A short readable form of a query for tables."""
    return urlencode(params, doseq=True)
