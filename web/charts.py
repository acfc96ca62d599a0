"""Charts drawn on the server as SVG: the geometry here, the markup in templates/charts.html.

Every chart shows counts as numbers or shapes as well as colour, and comes with a data
table on its page, so nothing is told by colour alone.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kb.trends import TrendCell, Trends

HEAT_LEVELS = 5  # shades above "none"
CELL_WIDTH, CELL_HEIGHT, CELL_GAP = 34, 22, 2
LABEL_WIDTH = 330  # room for the longest theme label at the chart's type size
HEADER_HEIGHT = 44
PANEL_GAP = 24


@dataclass
class HeatCell:
    x: int
    y: int
    count: int
    level: int  # 0 when empty, else 1..HEAT_LEVELS
    url: str
    description: str


@dataclass
class HeatPanel:
    scope: str
    title_x: int
    year_labels: list[tuple[int, int]]  # (x of the column's middle, year)
    cells: list[HeatCell]


@dataclass
class Heatmap:
    width: int
    height: int
    row_labels: list[tuple[int, str]]  # (y of the row's middle, theme label)
    panels: list[HeatPanel]
    label_x: int = LABEL_WIDTH - 8  # where the theme labels end
    cell_width: int = CELL_WIDTH
    cell_height: int = CELL_HEIGHT


def heat_level(count: int, peak: int) -> int:
    """The shade of a count: 0 for none, else 1..HEAT_LEVELS in proportion to the peak."""
    if count <= 0 or peak <= 0:
        return 0
    return max(1, math.ceil(HEAT_LEVELS * count / peak))


def heatmap(trends: Trends, measure: str, label: Callable[[str], str],
            link: Callable[[TrendCell], str], scope_labels: dict[str, str]) -> Heatmap:
    """Themes down, years across, one panel per scope side by side, shaded by ``measure``."""
    peak = trends.peak(measure)
    panel_width = len(trends.years) * (CELL_WIDTH + CELL_GAP)
    panels = []
    for number, scope in enumerate(trends.scopes):
        left = LABEL_WIDTH + number * (panel_width + PANEL_GAP)
        cells = []
        for row, theme_id in enumerate(trends.theme_ids):
            for column, year in enumerate(trends.years):
                cell = trends.cell(theme_id, year, scope)
                count = getattr(cell, measure)
                cells.append(HeatCell(
                    x=left + column * (CELL_WIDTH + CELL_GAP),
                    y=HEADER_HEIGHT + row * (CELL_HEIGHT + CELL_GAP), count=count,
                    level=heat_level(count, peak), url=link(cell),
                    description=f"{label(theme_id)}, {year}, {scope_labels[scope].lower()}: "
                                f"{count} {_unit(measure, count)}"))
        panels.append(HeatPanel(
            scope=scope, title_x=left + panel_width // 2,
            year_labels=[(left + column * (CELL_WIDTH + CELL_GAP) + CELL_WIDTH // 2, year)
                         for column, year in enumerate(trends.years)],
            cells=cells))
    rows = len(trends.theme_ids)
    return Heatmap(
        width=LABEL_WIDTH + len(panels) * panel_width + (len(panels) - 1) * PANEL_GAP,
        height=HEADER_HEIGHT + rows * (CELL_HEIGHT + CELL_GAP),
        row_labels=[(HEADER_HEIGHT + row * (CELL_HEIGHT + CELL_GAP) + CELL_HEIGHT // 2,
                     label(theme_id)) for row, theme_id in enumerate(trends.theme_ids)],
        panels=panels)


def _unit(measure: str, count: int) -> str:
    return measure[:-1] if count == 1 else measure


@dataclass(frozen=True)
class Frame:
    """A small chart's size and, inside it, the plotting area."""

    width: int = 300
    height: int = 150
    left: int = 34
    right: int = 282
    top: int = 12
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
    y_ticks: list[tuple[float, int]]  # (y, value)
    x_labels: list[tuple[float, int]]  # (x, year), thinned to stay readable
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

    every = max(1, math.ceil(len(years) / 5))
    x_labels = [(x(i), year) for i, year in enumerate(years) if i % every == 0]
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
