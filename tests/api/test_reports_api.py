"""Reports over the API: the command line's JSON, cut to the deals the caller may see."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.api.conftest import Api
from traseu.analytics.tables import ReportRequest, as_json
from traseu.cli.report import REPORTS, report_function
from traseu.core.models import User
from traseu.crm.models import Deal

pytestmark = pytest.mark.django_db


def _cli(name: str, user: User | None, **kw: Any) -> Any:
    """What ``traseu report NAME --format json [--as USER]`` prints, parsed."""
    return json.loads(as_json(report_function(name)(ReportRequest(user=user, **kw))))


def _steady(document: Any) -> Any:
    """The report without what moves with the wall clock (the stalled report's idle times,
    counted up to the moment it is made): its meta and which deals each table lists."""
    if document["report"] != "stalled":
        return document
    tables = {k: [row.get("deal") for row in rows] for k, rows in document["tables"].items()}
    return {**document, "tables": tables}


def test_the_names_are_the_command_lines(as_user: Callable[..., Api]) -> None:
    answer = as_user("rep", "read").get("/reports")
    assert answer.status_code == 200
    assert answer.json() == {"names": sorted(REPORTS)}


@pytest.mark.parametrize("name", sorted(set(REPORTS) - {"feedback"}))
def test_every_report_answers_the_cli_json_for_the_callers_deals(
    name: str,
    as_user: Callable[..., Api],
    make_deal: Callable[..., Deal],
    people: dict[str, User],
) -> None:
    make_deal(owner="rep", amount="5000")
    make_deal(owner="rep_b", amount="9000")
    answer = as_user("rep", "read").get(f"/reports/{name}", process="test-route")
    assert answer.status_code == 200, answer.json()
    assert _steady(answer.json()) == _steady(_cli(name, people["rep"], process="test-route"))


def test_another_teams_deals_are_not_counted(
    as_user: Callable[..., Api], make_deal: Callable[..., Deal], people: dict[str, User]
) -> None:
    make_deal(owner="rep_b", amount="9000")
    mine = as_user("rep", "read").get("/reports/kpis", process="test-route").json()
    theirs = as_user("rep_b", "read").get("/reports/kpis", process="test-route").json()
    assert mine == _cli("kpis", people["rep"], process="test-route")
    assert theirs == _cli("kpis", people["rep_b"], process="test-route")
    assert mine != theirs


def test_options_and_period_reach_the_report(
    as_user: Callable[..., Api], make_deal: Callable[..., Deal], people: dict[str, User]
) -> None:
    make_deal(owner="rep")
    answer = as_user("rep").get(
        "/reports/stalled",
        process="test-route",
        since="2020-01-01",
        until="2030-12-31",
        idle_days=0,
    )
    assert answer.status_code == 200, answer.json()
    expected = _cli(
        "stalled",
        people["rep"],
        process="test-route",
        since=dt.date(2020, 1, 1),
        until=dt.date(2030, 12, 31),
        options={"idle_days": "0"},
    )
    assert _steady(answer.json()) == _steady(expected)
    assert answer.json()["tables"]["deals"], "idle_days=0 lists the open deal"


def test_feedback_keeps_its_own_route(as_user: Callable[..., Api], route: object) -> None:
    answer = as_user("rep").get("/reports/feedback", process="test-route")
    assert answer.status_code == 200, answer.json()
    assert "overall" in answer.json()


def test_bad_requests_are_refused_precisely(as_user: Callable[..., Api], route: object) -> None:
    api = as_user("rep")
    unknown = api.get("/reports/nonsense")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "report_not_found")
    process = api.get("/reports/funnel", process="ghost")
    assert (process.status_code, process.json()["code"]) == (404, "process_not_found")
    period = api.get(
        "/reports/funnel", process="test-route", since="2025-02-01", until="2025-01-01"
    )
    assert (period.status_code, period.json()["code"]) == (422, "invalid_period")
    assert period.json()["details"] == {"field": "since"}
    date = api.get("/reports/funnel", since="yesterday")
    assert date.status_code == 422
    assert set(date.json()) == {"code", "message", "details"}


def test_credentials_are_needed(anonymous: Api) -> None:
    assert anonymous.get("/reports/funnel").status_code == 401
