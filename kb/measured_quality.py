"""How well the tagger as released finds each theme, measured before release on passages by
writers whose text it never learned from, and what that means for a theme's counts.

The indexer keeps the measurement in the store's tagger state (``measured_quality``) while it
describes the tagger in force; a partnership's own taxonomy has none. Counting tags gives
(tags right + tags wrong) where the truth is (tags right + passages missed): the ratio of the two
is recall over precision, so a theme the tagger finds less often than it is right about is
under-counted in every trend.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from kb.store import Store

#: Counts within this share of the truth (either way) are read as about right.
ABOUT_RIGHT = 0.15


@dataclass(frozen=True)
class ThemeQuality:
    """The tagger's measured precision and recall on one theme, over ``support`` passages on it."""

    precision: float
    recall: float
    f1: float
    support: int

    @property
    def count_ratio(self) -> float | None:
        """Passages tagged for every passage really on the theme (None if nothing was tagged right)."""
        return self.recall / self.precision if self.precision else None

    @property
    def count_bias(self) -> str:
        """"low", "high" or "about right": how the theme's counts compare with the truth."""
        ratio = self.count_ratio
        if ratio is None or ratio < 1 - ABOUT_RIGHT:
            return "low"
        return "high" if ratio > 1 + ABOUT_RIGHT else "about right"

    def to_dict(self) -> dict:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1,
                "support": self.support, "count_bias": self.count_bias}


@dataclass(frozen=True)
class MeasuredQuality:
    """The measurement: how it was made, on how many passages, and each theme's figures."""

    method: str
    passages: int
    files: int  # files of labelled passages, each left out of training in turn
    measured_on: str
    tagger_version: str
    micro: ThemeQuality
    themes: dict[str, ThemeQuality]

    def to_dict(self) -> dict:
        return {"method": self.method, "passages": self.passages, "files": self.files,
                "measured_on": self.measured_on, "tagger_version": self.tagger_version,
                "micro": self.micro.to_dict()}

    def theme_dict(self, theme_id: str) -> dict | None:
        """One theme's figures with how they were measured (None for a theme not measured)."""
        found = self.themes.get(theme_id)
        return dict(found.to_dict(), measurement=self.to_dict()) if found else None


def measured_quality(store: Store) -> MeasuredQuality | None:
    """The measurement of the tagger in force, if it has one."""
    text = store.tagger_state().get("measured_quality", "")
    if not text:
        return None
    found = json.loads(text)

    themes = {theme: ThemeQuality(figures["precision"], figures["recall"], figures["f1"], figures["support"])
              for theme, figures in found["themes"].items()}
    micro = found["micro"]
    return MeasuredQuality(method=found["method"], passages=found["passages"], files=found["files"],
                           measured_on=found["measured_on"], tagger_version=found["tagger_version"],
                           micro=ThemeQuality(micro["precision"], micro["recall"], micro["f1"],
                                              sum(quality.support for quality in themes.values())),
                           themes=themes)
