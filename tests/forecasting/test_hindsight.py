"""A past period's forecast, rebuilt as it stood at the period's start."""

from __future__ import annotations

import datetime as dt

from tests.forecasting.synthetic import DESIGNED, ROUTE, deals
from traseu.forecasting.hindsight import past_forecast
from traseu.forecasting.history import DealRecord, Edit, Stay

START = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)


def at(month: int, day: int) -> dt.datetime:
    return dt.datetime(2026, month, day, tzinfo=dt.UTC)


def deal(pk: int, created: dt.datetime, expected: dt.date, **kw: object) -> DealRecord:
    closed = kw.pop("closed_at", None)
    values: dict[str, object] = {
        "deal_id": pk,
        "process": "synthetic",
        "route": ROUTE,
        "designed": DESIGNED,
        "created_at": created,
        "stays": (Stay("a", created, closed),),
        "closed_at": closed,
        "expected_close": expected,
        "amount": 1000.0,
    }
    values.update(kw)
    return DealRecord(**values)  # type: ignore[arg-type]


def test_the_forecast_at_the_start_beside_what_closed() -> None:
    history = deals(60, seed=3)  # closed during 2025: what the forecast learns from
    period_deals = [
        # open at the start, expected in March, won in March
        deal(1001, at(1, 10), dt.date(2026, 3, 15), won=True, closed_at=at(3, 20)),
        # expected in March now, but on March 1 it was expected in May: not in the forecast
        deal(
            1002,
            at(2, 1),
            dt.date(2026, 3, 10),
            won=True,
            closed_at=at(3, 12),
            amount=500.0,
            edits=(
                Edit(at(3, 5), {"expected_close": "2026-05-01"}, {"expected_close": "2026-03-10"}),
            ),
        ),
        deal(1003, at(3, 10), dt.date(2026, 3, 25), won=True, closed_at=at(3, 28), amount=300.0),
        deal(1004, at(1, 5), dt.date(2026, 3, 2), won=False, closed_at=at(2, 20)),  # closed before
        deal(1005, at(2, 2), dt.date(2026, 3, 20), won=False, closed_at=at(3, 22), amount=4000.0),
        deal(1006, at(2, 3), dt.date(2026, 3, 21)),  # still open
    ]

    result = past_forecast([*history, *period_deals], ROUTE, DESIGNED, START, END, draws=2000)

    assert result.method == "model"
    assert result.learned_from == 61  # the 60 of 2025 and deal 1004, closed in February
    assert result.deals == 3  # 1001, 1005, 1006
    assert result.actual == 1000.0
    assert result.won_in_period == 1000.0 + 500.0 + 300.0
    assert 0 < result.expected < 6000.0
    assert result.p10 <= result.p50 <= result.p90 <= 6000.0
    assert result.within == (result.p10 <= 1000.0 <= result.p90)


def test_a_period_without_deals_has_no_verdict() -> None:
    result = past_forecast(deals(20, seed=1), ROUTE, DESIGNED, START, END, draws=10)
    assert (result.deals, result.expected, result.within) == (0, 0.0, None)
