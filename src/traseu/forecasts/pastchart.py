"""Geometry of the past-forecasts chart: per period, the range the forecast gave at its start
(P10 to P90, with P50 and the expected value marked) beside what its deals then brought in and
everything won in the period. Coordinates in the SVG's own units, as in :mod:`charts`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from traseu.forecasting.hindsight import PastPeriod
from traseu.forecasts.charts import Frame, Tick

HEIGHT = 280


@dataclass(frozen=True)
class PeriodMark:
    label: str
    x: float  # centre of the period's column
    low: float  # y of P10
    high: float  # y of P90
    median: float  # y of P50
    expected: float  # y of the expected value
    actual: float  # y of what the forecast's deals brought
    won: float  # y of everything won in the period
    within: bool | None
    title: str


@dataclass(frozen=True)
class PastChart:
    frame: Frame
    ticks: list[Tick]
    periods: list[PeriodMark]
    half: float  # half the width of a range bar


def past_chart(results: Sequence[tuple[str, PastPeriod]]) -> PastChart:
    """``results``: (label, period) in time order."""
    frame = Frame(height=HEIGHT, bottom=HEIGHT - 40)
    top = max([1.0, *(max(r.p90, r.actual, r.won_in_period) for _, r in results)])
    step = (frame.right - frame.left) / max(1, len(results))

    def y(value: float) -> float:
        return frame.y(value / top)

    marks = []
    for position, (label, result) in enumerate(results):
        marks.append(
            PeriodMark(
                label=label,
                x=round(frame.left + step * (position + 0.5), 1),
                low=y(result.p10),
                high=y(result.p90),
                median=y(result.p50),
                expected=y(result.expected),
                actual=y(result.actual),
                won=y(result.won_in_period),
                within=result.within,
                title=(
                    f"{label}: P10 {result.p10:,.0f} · P50 {result.p50:,.0f} · "
                    f"P90 {result.p90:,.0f} · {result.actual:,.0f} / {result.won_in_period:,.0f}"
                ),
            )
        )
    ticks = [Tick(frame.y(i / 4), _short(top * i / 4)) for i in range(5)]
    return PastChart(frame, ticks, marks, round(min(step / 4, 28), 1))


def _short(value: float) -> str:
    """1,234,567 -> 1.2M; 12,345 -> 12k (axis labels only)."""
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.0f}"
