"""Charts drawn on the server as SVG: the geometry here, the markup in templates/trends/charts.html.

Every chart shows counts as numbers or shapes as well as colour, and comes with a data
table on its page, so nothing is told by colour alone.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kb.trends import TrendCell, Trends

HEAT_LEVELS = 5  # shades above "none"


@dataclass
class HeatCell:
    year: int
    scope: str
    count: int
    level: int  # 0 when empty, else 1..HEAT_LEVELS
    url: str
    description: str


@dataclass
class HeatRow:
    theme_id: str
    label: str
    cells: list[HeatCell]  # by scope, then year (the column order)


@dataclass
class Heatmap:
    """Themes down; for each scope, its years across: a shaded table of linked counts."""

    scopes: tuple[str, ...]
    years: list[int]
    rows: list[HeatRow]
    legend: list[tuple[int, str]]  # (shade, the counts it stands for)


def heat_level(count: int, peak: int) -> int:
    """The shade of a count: 0 for none; each count its own shade while the peak allows,
    else 1..HEAT_LEVELS in proportion to the peak."""
    if count <= 0 or peak <= 0:
        return 0
    if peak <= HEAT_LEVELS:
        return count
    return max(1, math.ceil(HEAT_LEVELS * count / peak))


def heat_legend(peak: int) -> list[tuple[int, str]]:
    """Each shade in use with the counts it stands for ("0", "1", "2" or "1–3", "4–6"...)."""
    legend = [(0, "0")]
    if peak <= HEAT_LEVELS:
        return legend + [(count, str(count)) for count in range(1, peak + 1)]
    for level in range(1, HEAT_LEVELS + 1):
        counts = [count for count in range(1, peak + 1) if heat_level(count, peak) == level]
        if counts:
            low, high = counts[0], counts[-1]
            legend.append((level, str(low) if low == high else f"{low}–{high}"))
    return legend


def heatmap(trends: Trends, measure: str, label: Callable[[str], str],
            link: Callable[[TrendCell], str], scope_labels: dict[str, str]) -> Heatmap:
    """Themes down, years across, the scopes side by side, shaded by ``measure``."""
    peak = trends.peak(measure)
    rows = []
    for theme_id in trends.theme_ids:
        cells = []
        for scope in trends.scopes:
            for year in trends.years:
                cell = trends.cell(theme_id, year, scope)
                count = getattr(cell, measure)
                cells.append(HeatCell(
                    year=year, scope=scope, count=count, level=heat_level(count, peak),
                    url=link(cell),
                    description=f"{label(theme_id)}, {year}, {scope_labels[scope].lower()}: "
                                f"{count} {_unit(measure, count)}"))
        rows.append(HeatRow(theme_id, label(theme_id), cells))
    return Heatmap(scopes=trends.scopes, years=trends.years, rows=rows, legend=heat_legend(peak))


def _unit(measure: str, count: int) -> str:
    return measure[:-1] if count == 1 else measure


@dataclass(frozen=True)
class Frame:
    """A small chart's size and, inside it, the plotting area."""

    width: int = 300
    height: int = 130
    left: int = 6
    right: int = 294
    top: int = 6
    bottom: int = 124


LINE_FRAME = Frame()


@dataclass
class LinePoint:
    x: float
    y: float
    count: int
    year: int
    url: str
    description: str


@dataclass
class LineSeries:
    scope: str
    points: list[LinePoint]

    @property
    def path(self) -> str:
        """The SVG path through the points."""
        return " ".join(f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}"
                        for i, p in enumerate(self.points))


@dataclass
class LineChart:
    theme_id: str
    title: str
    series: list[LineSeries]
    y_ticks: list[tuple[float, int]]  # (y, value), lowest first
    x_labels: list[tuple[float, int]]  # (x, year), evenly spaced from the first year to the last
    frame: Frame = LINE_FRAME


def line_charts(trends: Trends, measure: str, label: Callable[[str], str],
                link: Callable[[TrendCell], str], scope_labels: dict[str, str],
                theme_ids: Sequence[str] | None = None) -> list[LineChart]:
    """One small chart per theme (every theme, or ``theme_ids``): ``measure`` by year, a line
    per scope, all on one scale."""
    theme_ids = theme_ids or trends.theme_ids
    peak = max([getattr(cell, measure) for cell in trends.cells.values()
                if cell.theme_id in theme_ids] + [1])
    years = trends.years
    frame = LINE_FRAME
    step = (frame.right - frame.left) / max(len(years) - 1, 1)

    def x(index: int) -> float:
        return frame.left + index * step if len(years) > 1 else (frame.left + frame.right) / 2

    def y(count: int) -> float:
        return frame.bottom - (frame.bottom - frame.top) * count / peak

    x_labels = [(x(i), years[i]) for i in _evenly_spaced(len(years), 5)]
    ticks = sorted({0, peak // 2, peak})
    charts = []
    for theme_id in theme_ids:
        series = []
        for scope in trends.scopes:
            points = []
            for index, year in enumerate(years):
                cell = trends.cell(theme_id, year, scope)
                count = getattr(cell, measure)
                points.append(LinePoint(
                    x=x(index), y=y(count), count=count, year=year, url=link(cell),
                    description=f"{label(theme_id)}, {year}, {scope_labels[scope].lower()}: "
                                f"{count} {_unit(measure, count)}"))
            series.append(LineSeries(scope, points))
        charts.append(LineChart(theme_id=theme_id, title=label(theme_id), series=series,
                                y_ticks=[(y(value), value) for value in ticks],
                                x_labels=x_labels))
    return charts


def _evenly_spaced(count: int, most: int) -> list[int]:
    """Indexes of at most ``most`` of ``count`` items, evenly spaced, first and last included
    (so labels spread across the width fall under their points)."""
    if count <= most:
        return list(range(count))
    step = next(step for step in range(1, count) if (count - 1) % step == 0
                and (count - 1) // step + 1 <= most)
    return list(range(0, count, step))
