"""The funnel against an independent computation on a two-version history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.analytics import oracle
from tests.analytics.histories import History
from traseu.analytics.funnel import funnel_report
from traseu.analytics.scope import report_scope
from traseu.analytics.tables import ReportRequest

pytestmark = pytest.mark.django_db

PERIODS = [(None, None), (dt.date(2025, 2, 1), dt.date(2025, 4, 30))]


@pytest.mark.parametrize(("since", "until"), PERIODS)
def test_funnel_matches_the_independent_computation(
    history: History, since: dt.date | None, until: dt.date | None
) -> None:
    world = oracle.load_world()
    expected = oracle.funnel(world, oracle.cohort_of(world, since, until))
    report = funnel_report(
        report_scope(ReportRequest(process="analytics-route", since=since, until=until))
    )
    got = {
        s.stage.key: {
            "reached": s.reached,
            "entered": s.entered,
            "passed": s.passed,
            "lost_here": s.lost_here,
            "open_here": s.open_here,
            "won": s.won,
        }
        for s in report.stages
    }
    assert got == {k: {m: expected[k][m] for m in got[k]} for k in got}
    assert report.deals == len(oracle.cohort_of(world, since, until))


def test_cohorts_by_month_match_the_independent_computation(history: History) -> None:
    world = oracle.load_world()
    expected: dict[str, tuple[int, int, int, dict[str, int]]] = {}
    for deal in oracle.cohort_of(world):
        month = timezone.localtime(deal.created_at).strftime("%Y-%m")
        deals, won, lost, reached = expected.get(month, (0, 0, 0, {}))
        top = oracle.furthest(world, deal)
        for position, key in enumerate(world.route(deal)):
            if top is not None and top >= position:
                reached[key] = reached.get(key, 0) + 1
        expected[month] = (
            deals + 1,
            won + (deal.status == "won"),
            lost + (deal.status == "lost"),
            reached,
        )
    report = funnel_report(report_scope(ReportRequest(process="analytics-route")))
    got = {
        c.month.isoformat()[:7]: (c.deals, c.won, c.lost, dict(c.reached)) for c in report.cohorts
    }
    assert got == expected
    assert len(got) == 4  # deals are created a day or two apart over four months
