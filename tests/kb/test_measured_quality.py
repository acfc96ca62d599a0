"""What a theme's measured precision and recall say about its counts."""
from __future__ import annotations

import pytest

from kb.measured_quality import ThemeQuality


@pytest.mark.parametrize("precision, recall, bias, ratio", [
    (0.88, 0.72, "low", 8.2),  # misses more than it tags wrongly: too few counted
    (0.76, 0.86, "about right", 11.3),  # within 15% of the truth either way
    (0.69, 0.67, "about right", 9.7),
    (0.60, 0.90, "high", 15.0),
])
def test_counts_are_read_as_recall_over_precision(precision: float, recall: float, bias: str, ratio: float) -> None:
    quality = ThemeQuality(precision, recall, 2 * precision * recall / (precision + recall), support=100)
    assert quality.count_bias == bias
    assert round(quality.count_ratio * 10, 1) == ratio


def test_a_theme_never_tagged_right_is_under_counted() -> None:
    assert ThemeQuality(0.0, 0.0, 0.0, support=12).count_bias == "low"
