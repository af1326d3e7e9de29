"""Team views against an independent computation."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from statistics import mean

import pytest
from django.utils import timezone

from tests.analytics import oracle
from tests.analytics.histories import History
from traseu.analytics.scope import report_scope
from traseu.analytics.tables import ReportRequest
from traseu.analytics.team import team_report
from traseu.core.models import Team, User

pytestmark = pytest.mark.django_db
PERIODS = [(None, None), (dt.date(2025, 3, 1), dt.date(2025, 5, 31))]


@pytest.mark.parametrize(("since", "until"), PERIODS)
def test_team_views_match_the_independent_computation(
    history: History, since: dt.date | None, until: dt.date | None
) -> None:
    world = oracle.load_world()
    closed = [d for rows in oracle.cycles(world, since, until).values() for d in rows]
    users = dict(User.objects.values_list("pk", "username"))
    teams = dict(Team.objects.values_list("pk", "name"))
    group_of = {
        "rep": lambda d: users[d.owner],
        "team": lambda d: teams[d.team],
        "source": lambda d: d.source,
        "product": lambda d: d.product,
        "month": lambda d: timezone.localtime(d.closed_at).strftime("%Y-%m"),
    }
    report = team_report(
        report_scope(ReportRequest(process="analytics-route", since=since, until=until))
    )
    for dimension, name_of in group_of.items():
        expected = defaultdict(list)
        for deal in closed:
            expected[name_of(deal)].append(deal)
        rows = {row.name: row for row in report.groups[dimension]}
        assert set(rows) == set(expected), dimension
        assert len(rows) > 1, dimension
        for name, deals in expected.items():
            row, won = rows[name], [d for d in deals if d.status == "won"]
            amounts = [float(d.amount) for d in won if d.amount is not None]
            assert (row.closed, row.won, row.lost) == (len(deals), len(won), len(deals) - len(won))
            assert row.average_won == (pytest.approx(mean(amounts)) if amounts else None)
            cycle = [oracle.cycle_seconds(d) / 86400 for d in won]
            assert row.cycle_days == (pytest.approx(mean(cycle), rel=1e-6) if cycle else None)
            activities = sum(
                1 for a in world.activities if a.done and a.deal in {d.pk for d in deals}
            )
            assert row.activities == activities, (dimension, name)
