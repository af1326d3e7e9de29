"""Time in stage, cycle lengths and velocity against an independent computation."""

from __future__ import annotations

import datetime as dt
from statistics import mean

import pytest

from tests.analytics import oracle
from tests.analytics.histories import History
from traseu.analytics.scope import report_scope
from traseu.analytics.tables import ReportRequest
from traseu.analytics.timing import BUCKETS, FRACTIONS, time_report

pytestmark = pytest.mark.django_db

DAY = 86400.0
PERIODS = [(None, None), (dt.date(2025, 3, 1), dt.date(2025, 6, 30))]


def approx(value: float | None) -> object:
    return pytest.approx(value, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize(("since", "until"), PERIODS)
def test_time_in_stage_matches_the_independent_computation(
    history: History, since: dt.date | None, until: dt.date | None
) -> None:
    world = oracle.load_world()
    expected = oracle.stage_times(world, since, until)
    report = time_report(
        report_scope(ReportRequest(process="analytics-route", since=since, until=until))
    )
    assert {s.stage.key for s in report.stages if s.stays} == set(expected)
    for stage in report.stages:
        samples = expected.get(stage.stage.key, [])
        assert stage.stays == len(samples), stage.stage.key
        if not samples:
            assert stage.median is None
            continue
        in_days = [v / DAY for v in samples]
        assert stage.mean == approx(mean(in_days))
        assert (stage.minimum, stage.maximum) == (approx(min(in_days)), approx(max(in_days)))
        for fraction in FRACTIONS:
            assert stage.quantiles[fraction] == approx(oracle.percentile(in_days, fraction))
        bounds = [*BUCKETS[1:], float("inf")]
        histogram = [
            sum(1 for d in in_days if low <= d < high)
            for low, high in zip(BUCKETS, bounds, strict=True)
        ]
        assert stage.histogram == histogram


@pytest.mark.parametrize(("since", "until"), PERIODS)
def test_cycles_and_velocity_match_the_independent_computation(
    history: History, since: dt.date | None, until: dt.date | None
) -> None:
    world = oracle.load_world()
    closed = oracle.cycles(world, since, until)
    report = time_report(
        report_scope(ReportRequest(process="analytics-route", since=since, until=until))
    )
    for outcome in ("won", "lost"):
        lengths = [oracle.cycle_seconds(d) / DAY for d in closed[outcome]]
        cycle = report.cycles[outcome]
        assert cycle.deals == len(lengths) > 0
        assert cycle.mean == pytest.approx(mean(lengths), rel=1e-6)
        assert cycle.median == pytest.approx(oracle.percentile(lengths, 0.5), rel=1e-6)
        assert cycle.p80 == pytest.approx(oracle.percentile(lengths, 0.8), rel=1e-6)
    won = closed["won"]
    amounts = [float(d.amount) for d in won if d.amount is not None]
    open_deals = sum(1 for d in world.deals.values() if d.status == "open")
    win_rate = len(won) / (len(won) + len(closed["lost"]))
    velocity = report.velocity
    assert velocity.open_deals == open_deals
    assert velocity.win_rate == pytest.approx(win_rate)
    assert velocity.average_won == pytest.approx(mean(amounts))
    expected = (
        open_deals * win_rate * mean(amounts) / mean(oracle.cycle_seconds(d) / DAY for d in won)
    )
    assert velocity.per_day == pytest.approx(expected, rel=1e-6)
