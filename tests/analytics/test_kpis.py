"""Stage KPIs against an independent computation, per stage, rep and team."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.analytics import oracle
from tests.analytics.histories import History
from traseu.analytics.kpis import kpi_report
from traseu.analytics.scope import report_scope
from traseu.analytics.tables import ReportRequest
from traseu.core.models import Team, User

pytestmark = pytest.mark.django_db
SINCE, UNTIL = dt.date(2025, 2, 1), dt.date(2025, 5, 31)


def expected_value(metric: str, parts: dict[str, float], months: float) -> float | None:
    closed = parts["won"] + parts["lost"]
    if metric == "days_in_stage":
        return parts["seconds"] / 86400 / parts["stays"] if parts["stays"] else None
    if metric == "conversion_rate":
        return parts["forward"] / parts["stays"] if parts["stays"] else None
    if metric == "deals_entered":
        return parts["entered"] / months
    if metric == "win_rate":
        return parts["won"] / closed if closed else None
    if metric == "activities_per_deal":
        return parts["activities"] / parts["entered"] if parts["entered"] else None
    return None


def test_kpis_match_the_independent_computation(history: History) -> None:
    world = oracle.load_world()
    report = kpi_report(
        report_scope(ReportRequest(process="analytics-route", since=SINCE, until=UNTIL))
    )
    assert report.months == pytest.approx(((UNTIL - SINCE).days + 1) / 30.4375)
    users = dict(User.objects.values_list("pk", "username"))
    teams = dict(Team.objects.values_list("pk", "name"))
    groupings = {
        "stages": lambda deal: "",
        "reps": lambda deal: users[deal.owner],
        "teams": lambda deal: teams[deal.team],
    }
    metrics_seen = set()
    for name, group in groupings.items():
        parts = oracle.kpi_parts(world, SINCE, UNTIL, group)
        results = getattr(report, name)
        assert results, name
        for result in results:
            want = expected_value(
                result.kpi.metric, parts[(result.stage.key, result.group)], report.months
            )
            if want is None:
                assert result.value is None, (name, result)
            else:
                assert result.value == pytest.approx(want, rel=1e-9), (name, result)
            metrics_seen.add(result.kpi.metric)
        assert {r.group for r in results} == {g for (_k, g) in parts}
    assert metrics_seen == {
        "days_in_stage",
        "conversion_rate",
        "deals_entered",
        "win_rate",
        "activities_per_deal",
        "custom",
    }


def test_status_compares_with_the_target_in_its_direction(history: History) -> None:
    report = kpi_report(report_scope(ReportRequest(process="analytics-route")))
    statuses = {(r.stage.key, r.kpi.key): r for r in report.stages}
    days = statuses[("prospecting", "time_to_contact")]
    assert days.value is not None
    assert days.status == ("met" if days.value <= days.kpi.target else "missed")
    win = statuses[("preparation", "proposal_win_rate")]
    assert win.kpi.target == 0.3  # the newest version's target
    assert win.status == ("met" if win.value is not None and win.value >= 0.3 else "missed")
    assert statuses[("contract", "nps")].status == "not_measured"
    assert {r.status for r in report.stages} >= {"met", "missed", "not_measured"}
