"""Geometry of the server-rendered SVG charts: plain coordinates the templates draw.

Three charts: stage probabilities (designed, observed with its 95% interval, and the estimate),
a calibration curve (mean predicted against share won, per bin, beside the diagonal) and the
forecast's revenue histogram with P10, P50 and P90 marked. Coordinates are in the SVG's own
units (``viewBox``), so the charts scale with the page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from traseu.forecasting.metrics import Scores
from traseu.forecasting.montecarlo import Distribution
from traseu.forecasts.selectors import StageRow

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 48


@dataclass(frozen=True)
class Frame:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    right: int = WIDTH - RIGHT
    bottom: int = HEIGHT - BOTTOM

    def x(self, share: float) -> float:
        return round(self.left + share * (self.right - self.left), 1)

    def y(self, share: float) -> float:
        return round(self.bottom - share * (self.bottom - self.top), 1)


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


def percent_ticks(frame: Frame, vertical: bool = True) -> list[Tick]:
    return [Tick(frame.y(i / 5) if vertical else frame.x(i / 5), f"{i * 20}%") for i in range(6)]


@dataclass(frozen=True)
class StageMark:
    name: str
    x: float
    designed: float  # y of the designed probability
    shrunk: float  # y of the estimate
    observed: float | None  # y of the observed rate (None: no closed deal reached the stage)
    low: float
    high: float
    reached: int
    title: str  # the figures, for a tooltip


@dataclass(frozen=True)
class ProbabilityChart:
    frame: Frame
    ticks: list[Tick]
    stages: list[StageMark]


def probability_chart(rows: Sequence[StageRow]) -> ProbabilityChart:
    frame = Frame()
    step = (frame.right - frame.left) / max(1, len(rows))
    marks = []
    for position, row in enumerate(rows):
        rate = row.rate
        observed = "-" if rate.observed is None else f"{rate.observed:.0%}"
        marks.append(
            StageMark(
                name=row.name,
                x=round(frame.left + step * (position + 0.5), 1),
                designed=frame.y(rate.designed),
                shrunk=frame.y(rate.shrunk),
                observed=None if rate.observed is None else frame.y(rate.observed),
                low=frame.y(rate.interval[0]),
                high=frame.y(rate.interval[1]),
                reached=rate.reached,
                title=f"{row.name}: {rate.designed:.0%} / {observed} ({rate.won}/{rate.reached})"
                f" / {rate.shrunk:.0%}",
            )
        )
    return ProbabilityChart(frame, percent_ticks(frame), marks)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    r: float
    title: str


@dataclass(frozen=True)
class Series:
    method: str
    points: list[Point]

    @property
    def path(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)


@dataclass(frozen=True)
class CalibrationChart:
    frame: Frame
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    series: list[Series]


def calibration_chart(scores: Mapping[str, Scores]) -> CalibrationChart:
    """One series per method: a point per non-empty bin, its area growing with the count."""
    frame = Frame(width=420, height=360, right=420 - RIGHT, bottom=360 - BOTTOM)
    series = []
    for method, result in scores.items():
        largest = max((row.count for row in result.calibration), default=1) or 1
        points = [
            Point(
                frame.x(row.mean_predicted),
                frame.y(row.observed),
                round(2.5 + 6 * math.sqrt(row.count / largest), 1),
                f"{row.mean_predicted:.0%} -> {row.observed:.0%} (n={row.count})",
            )
            for row in result.calibration
            if row.count and row.mean_predicted is not None and row.observed is not None
        ]
        series.append(Series(method, points))
    return CalibrationChart(
        frame, percent_ticks(frame, vertical=False), percent_ticks(frame), series
    )


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True)
class Marker:
    x: float
    label: str  # P10, P50, P90
    value: str
    text_x: float = 0.0
    text_y: float = 0.0
    anchor: str = "middle"


@dataclass(frozen=True)
class HistogramChart:
    frame: Frame
    bars: list[Bar]
    markers: list[Marker]
    x_ticks: list[Tick]


def money(value: float) -> str:
    """Compact amounts for axes: 950, 12.5k, 1.25M."""
    size = abs(value)
    if size >= 1_000_000:
        return f"{value / 1_000_000:.3g}M"
    if size >= 1_000:
        return f"{value / 1_000:.3g}k"
    return f"{value:.0f}"


def histogram_chart(distribution: Distribution) -> HistogramChart:
    frame = Frame(top=28)
    bins = distribution.histogram
    low, high = bins[0].low, bins[-1].high
    span = (high - low) or max(1.0, abs(high))
    start = low if high > low else low - span / 2

    def x(value: float) -> float:
        return frame.x((value - start) / span)

    tallest = max(b.count for b in bins) or 1
    bars = []
    for b in bins:
        left, right = (x(b.low), x(b.high)) if high > low else (frame.x(0.4), frame.x(0.6))
        top = frame.y(b.count / tallest)
        bars.append(
            Bar(
                left + 0.5,
                top,
                round(max(1.0, right - left - 1), 1),
                round(frame.bottom - top, 1),
                f"{money(b.low)}-{money(b.high)}: {b.count / distribution.draws:.1%}",
            )
        )
    figures = (("P10", distribution.p10), ("P50", distribution.p50), ("P90", distribution.p90))
    markers = [
        _marker(frame, x(value), label, money(value), row)
        for row, (label, value) in enumerate(figures)
    ]
    ticks = [Tick(x(start + span * i / 4), money(start + span * i / 4)) for i in range(5)]
    return HistogramChart(frame, bars, markers, ticks)


def _marker(frame: Frame, at: float, label: str, value: str, row: int) -> Marker:
    """P10 and P90 labels go on one line, P50's above them; a label near an edge turns inward."""
    anchor = ("end", "middle", "start")[row]
    if at > frame.right - 70:
        anchor = "end"
    elif at < frame.left + 70:
        anchor = "start"
    shift = {"end": -4, "start": 4, "middle": 0}[anchor]
    return Marker(at, label, value, at + shift, 12 if row == 1 else 24, anchor)
