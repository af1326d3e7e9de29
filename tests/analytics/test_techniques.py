"""Techniques against an independent computation."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.analytics import oracle
from tests.analytics.histories import History
from traseu.analytics.scope import report_scope
from traseu.analytics.tables import ReportRequest
from traseu.analytics.techniques import technique_report

pytestmark = pytest.mark.django_db
PERIODS = [(None, None), (dt.date(2025, 2, 1), dt.date(2025, 4, 30))]


@pytest.mark.parametrize(("since", "until"), PERIODS)
def test_techniques_match_the_independent_computation(
    history: History, since: dt.date | None, until: dt.date | None
) -> None:
    world = oracle.load_world()
    expected = oracle.techniques(world, oracle.cohort_of(world, since, until))
    report = technique_report(
        report_scope(ReportRequest(process="analytics-route", since=since, until=until))
    )
    got = {
        (row.stage.key, row.technique): {
            "deals": row.deals,
            "converted": row.converted,
            "won": row.won,
            "lost": row.lost,
            "time": row.time_days,
            "timed": row.timed,
        }
        for row in report.rows
    }
    route = {s.key for s in report.scope.route_stages}
    assert got == {
        key: {**value, "time": pytest.approx(value["time"], rel=1e-6)}
        if value["time"] is not None
        else value
        for key, value in expected.items()
        if key[0] in route
    }
    assert sum(1 for stage, technique in got if technique) >= 5
