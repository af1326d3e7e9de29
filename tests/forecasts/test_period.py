"""A period's forecast: which deals belong to it, categories with overrides, the reader's deals."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.forecasts.helpers import PRE_SALE, T0, history_deal
from traseu.core.errors import InvalidInput
from traseu.core.models import User
from traseu.forecasts.period import period_forecast
from traseu.forecasts.periods import Period, parse_period
from traseu.processes.models import ProcessVersion


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-05", dt.date(2026, 5, 1), dt.date(2026, 6, 1)),
        ("2026-12", dt.date(2026, 12, 1), dt.date(2027, 1, 1)),
        ("2026-Q4", dt.date(2026, 10, 1), dt.date(2027, 1, 1)),
        ("2026-q1", dt.date(2026, 1, 1), dt.date(2026, 4, 1)),
        ("2026", dt.date(2026, 1, 1), dt.date(2027, 1, 1)),
        ("", dt.date(2026, 7, 1), dt.date(2026, 10, 1)),
    ],
)
def test_periods(text: str, start: dt.date, end: dt.date) -> None:
    period = parse_period(text, today=dt.date(2026, 8, 15))
    assert (period.start, period.end) == (start, end)


def test_neighbouring_periods() -> None:
    quarter = parse_period("2026-Q1")
    assert (quarter.previous().key, quarter.next().key) == ("2025-Q4", "2026-Q2")
    assert parse_period("2026-01").previous().key == "2025-12"


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "Q2", "next month", "2026-5"])
def test_a_bad_period_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not a period") as refused:
        parse_period(text)
    assert (refused.value.code, refused.value.details) == ("invalid_period", {"field": "period"})


QUARTER = Period("2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 4, 1))
IN_QUARTER = dt.date(2026, 3, 20)


@pytest.mark.django_db
def test_the_period_holds_its_deals_in_categories(
    route: ProcessVersion, people: dict[str, User]
) -> None:
    rep = people["rep"]
    history_deal(route, rep, path=PRE_SALE, outcome="won", amount="700")  # closed Jan 30
    history_deal(route, rep, path=PRE_SALE[:1], outcome="lost", amount="50")
    history_deal(route, rep, path=PRE_SALE, amount="300", expected_close=IN_QUARTER)  # contract
    history_deal(
        route,
        rep,
        path=PRE_SALE[:2],
        amount="200",
        expected_close=IN_QUARTER,
        custom={"forecast_category": "best_case"},
    )
    history_deal(route, rep, path=PRE_SALE[:2], amount="90", expected_close=dt.date(2026, 5, 1))
    history_deal(route, rep, path=PRE_SALE[:2], amount="80", expected_close=dt.date(2025, 12, 1))
    history_deal(route, rep, path=PRE_SALE[:2], amount="70")

    view = period_forecast(period=QUARTER, user=rep, draws=500, clock=lambda: T0)

    totals = {t.category: (t.deals, t.amount) for t in view.forecast.totals}
    assert totals == {
        "closed": (1, 700.0),
        "commit": (1, 300.0),  # contract: designed 0.7
        "best_case": (1, 200.0),  # qualification (0.1), set to best case by hand
        "pipeline": (0, 0.0),
        "omitted": (1, 50.0),
    }
    assert (view.overdue, view.undated, view.currency) == (1, 1, "EUR")
    assert view.forecast.overridden == 1
    assert [row.category for row in view.rows] == ["closed", "commit", "best_case", "omitted"]
    assert [row.overridden for row in view.rows] == [False, False, True, False]
    assert 700 <= view.forecast.distribution.p10 <= view.forecast.distribution.p90 <= 1200


@pytest.mark.django_db
def test_the_forecast_reads_only_the_readers_deals(
    route: ProcessVersion, people: dict[str, User]
) -> None:
    history_deal(route, people["rep"], path=PRE_SALE, amount="300", expected_close=IN_QUARTER)

    view = period_forecast(period=QUARTER, user=people["rep_b"], draws=100, clock=lambda: T0)

    assert [t.deals for t in view.forecast.totals] == [0, 0, 0, 0, 0]
    assert view.rows == ()
