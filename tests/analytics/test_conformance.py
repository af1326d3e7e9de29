"""Conformance against an independent computation."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from tests.analytics import oracle
from tests.analytics.histories import History
from traseu.analytics.conformance import conformance_report
from traseu.analytics.paths import DEVIATIONS
from traseu.analytics.scope import report_scope
from traseu.analytics.tables import ReportRequest
from traseu.core.models import Team, User

pytestmark = pytest.mark.django_db
PERIODS = [(None, None), (dt.date(2025, 1, 20), dt.date(2025, 4, 15))]


@pytest.mark.parametrize(("since", "until"), PERIODS)
def test_conformance_matches_the_independent_computation(
    history: History, since: dt.date | None, until: dt.date | None
) -> None:
    world = oracle.load_world()
    cohort = oracle.cohort_of(world, since, until)
    report = conformance_report(
        report_scope(ReportRequest(process="analytics-route", since=since, until=until))
    )
    found = {d.pk: {k for k, v in oracle.deviations(world, d).items() if v} for d in cohort}
    users = dict(User.objects.values_list("pk", "username"))
    teams = dict(Team.objects.values_list("pk", "name"))
    for groups, name_of in [
        ([report.overall], lambda d: ""),
        (report.reps, lambda d: users[d.owner]),
        (report.teams, lambda d: teams[d.team]),
    ]:
        expected: dict[str, list[int]] = defaultdict(list)
        for deal in cohort:
            expected[name_of(deal)].append(deal.pk)
        assert {g.name for g in groups} == set(expected)
        for group in groups:
            members = expected[group.name]
            assert group.deals == len(members)
            assert group.conformant == sum(1 for pk in members if not found[pk])
            for deviation in DEVIATIONS:
                assert group.deviations[deviation] == sum(
                    1 for pk in members if deviation in found[pk]
                ), (group.name, deviation)
    assert 0 < report.overall.conformant < report.overall.deals
    for outcome in report.outcomes:
        closed = [d for d in cohort if d.status != "open"]
        with_it = [d for d in closed if outcome.deviation in found[d.pk]]
        without = [d for d in closed if outcome.deviation not in found[d.pk]]
        assert (outcome.with_closed, outcome.without_closed) == (len(with_it), len(without))
        assert outcome.with_won == sum(1 for d in with_it if d.status == "won")
        assert outcome.without_won == sum(1 for d in without if d.status == "won")
    if since is None:
        assert all(outcome.with_closed > 0 for outcome in report.outcomes)


@pytest.mark.parametrize(("since", "until"), PERIODS)
def test_conformance_per_stage_matches_the_independent_computation(
    history: History, since: dt.date | None, until: dt.date | None
) -> None:
    world = oracle.load_world()
    cohort = oracle.cohort_of(world, since, until)
    report = conformance_report(
        report_scope(ReportRequest(process="analytics-route", since=since, until=until))
    )
    per_deal = {d.pk: oracle.stage_deviations(world, d) for d in cohort}
    reached = oracle.funnel(world, cohort)
    for stage in report.stages:
        key = stage.stage.key
        assert stage.reached == reached[key]["reached"]
        for deviation in DEVIATIONS:
            assert stage.deviations[deviation] == sum(
                1 for found in per_deal.values() if key in found[deviation]
            ), (key, deviation)
        assert stage.deviating == sum(
            1 for found in per_deal.values() if any(key in s for s in found.values())
        )
    assert sum(s.deviations["skip"] for s in report.stages) > 0
