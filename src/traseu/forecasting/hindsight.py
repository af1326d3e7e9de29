"""Past periods' forecasts against what closed: what the forecast would have said at the start
of each period, knowing only what was known then, beside what the deals then did.

For a period ``[start, end)``:

- learn every method from the deals closed before ``start``;
- the forecast's deals are those open at ``start`` (created before it, not yet closed) whose
  expected close **as it stood at start** (later edits undone) fell in the period, each scored
  as it stood at ``start`` (its stage then, its activities and answers by then);
- the forecast: the weighted sum and the Monte Carlo P10, P50 and P90 of their amounts then;
- what happened: the amount of those deals won in the period (``actual``), and for reference
  everything won in the period (``won_in_period``: also deals created during it, or expected
  to close another time, which no forecast at ``start`` could hold).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from traseu.forecasting.history import DealRecord, Snapshot, snapshot, stay_at
from traseu.forecasting.model import train
from traseu.forecasting.montecarlo import DEFAULT_DRAWS, DEFAULT_SEED, simulate
from traseu.forecasting.stats import DEFAULT_PRIOR_STRENGTH


@dataclass(frozen=True)
class PastPeriod:
    start: dt.datetime
    end: dt.datetime
    method: str  # the probabilities used: "model", or "stage" when history was too thin
    learned_from: int  # deals closed before the start
    deals: int  # deals in the forecast
    expected: float  # Σ p·amount
    p10: float
    p50: float
    p90: float
    actual: float  # won in the period, of the forecast's deals
    won_in_period: float  # won in the period, of any deal

    @property
    def within(self) -> bool | None:
        """Whether what the forecast's deals brought fell between its P10 and P90 (None: the
        forecast held no deal)."""
        return self.p10 <= self.actual <= self.p90 if self.deals else None


def past_forecast(
    records: Sequence[DealRecord],
    stages: Sequence[str],
    designed: Mapping[str, float],
    start: dt.datetime,
    end: dt.datetime,
    *,
    strength: float | None = DEFAULT_PRIOR_STRENGTH,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> PastPeriod:
    known = [r for r in records if r.closed_at is not None and r.closed_at < start]
    trained = train(known, stages, designed, strength=strength)
    method = trained.best_method()
    chosen: list[tuple[DealRecord, Snapshot]] = []
    for record in sorted(records, key=lambda r: r.deal_id):
        shot = _open_at(record, start, end)
        if shot is not None:
            chosen.append((record, shot))
    chances = [float(p) for p in trained.predict([s for _, s in chosen])[method]] if chosen else []
    amounts = [shot.amount or 0.0 for _, shot in chosen]
    distribution = simulate(amounts, chances, draws=draws, seed=seed)
    return PastPeriod(
        start=start,
        end=end,
        method=method,
        learned_from=len(known),
        deals=len(chosen),
        expected=distribution.expected,
        p10=distribution.p10,
        p50=distribution.p50,
        p90=distribution.p90,
        actual=sum(_won_amount(record, start, end) for record, _ in chosen),
        won_in_period=sum(_won_amount(record, start, end) for record in records),
    )


def _open_at(record: DealRecord, start: dt.datetime, end: dt.datetime) -> Snapshot | None:
    """The deal at ``start`` if it was open then and expected to close in the period."""
    if record.created_at >= start or (record.closed_at is not None and record.closed_at < start):
        return None
    expected = _date(record.value_at("expected_close", start))
    if expected is None or not start.date() <= expected < end.date():
        return None
    stay = stay_at(record, start)
    return snapshot(record, start, stay) if stay is not None else None


def _won_amount(record: DealRecord, start: dt.datetime, end: dt.datetime) -> float:
    if not record.won or record.closed_at is None or not start <= record.closed_at < end:
        return 0.0
    return record.amount or 0.0


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None
