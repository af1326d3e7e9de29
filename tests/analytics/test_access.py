"""Reports cover only the deals the reader may see (crm.access.deals_visible_to)."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from tests.analytics import oracle
from tests.analytics.histories import History
from traseu.analytics.conformance import conformance_report
from traseu.analytics.funnel import funnel_report
from traseu.analytics.scope import report_scope
from traseu.analytics.stalled import stalled_report
from traseu.analytics.tables import ReportRequest
from traseu.crm.access import deals_visible_to

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["rep_b", "rep", "viewer", "manager"])
def test_a_readers_funnel_is_the_funnel_of_the_deals_they_may_see(
    history: History, who: str
) -> None:
    user = getattr(history.cast, who)
    visible = set(deals_visible_to(user).values_list("pk", flat=True))
    world = oracle.load_world(visible)
    expected = oracle.funnel(world, list(world.deals.values()))
    report = funnel_report(report_scope(ReportRequest(process="analytics-route", user=user)))
    assert report.deals == len(visible) > 0
    for stage in report.stages:
        assert (stage.reached, stage.passed, stage.lost_here) == (
            expected[stage.stage.key]["reached"],
            expected[stage.stage.key]["passed"],
            expected[stage.stage.key]["lost_here"],
        )


def test_team_b_sees_none_of_team_as_deals(history: History) -> None:
    rep_b = history.cast.rep_b
    mine = {d.pk for d in history.deals if d.owner_id == rep_b.pk}
    scope = report_scope(ReportRequest(process="analytics-route", user=rep_b))
    assert {d.deal.pk for d in conformance_report(scope).deals} <= mine
    assert {d.deal.pk for d in stalled_report(scope).deals} <= mine
    assert {g.name for g in conformance_report(scope).reps} == {"rep_b"}
    everyone = funnel_report(report_scope(ReportRequest(process="analytics-route")))
    assert funnel_report(scope).deals == len(mine) < everyone.deals


def test_the_csv_a_rep_downloads_holds_only_their_deals(history: History) -> None:
    client = Client()
    client.force_login(history.cast.rep_b)
    response = client.get(
        "/reports/conformance/", {"process": "analytics-route", "format": "csv", "table": "deals"}
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    mine = {str(d.pk) for d in history.deals if d.owner_id == history.cast.rep_b.pk}
    assert rows
    assert {row["deal"] for row in rows} <= mine


def test_pages_need_a_signed_in_user(history: History) -> None:
    response = Client().get("/reports/funnel/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
