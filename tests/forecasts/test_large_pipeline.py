"""A pipeline large enough for the normal approximation says so on the page and in the report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tests.forecasts.helpers import PRE_SALE, history_deal, many_deals
from traseu.analytics.tables import ReportRequest
from traseu.core.models import User
from traseu.forecasting import montecarlo
from traseu.forecasts.reports import forecast_report
from traseu.processes.models import ProcessVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline(route: ProcessVersion, people: dict[str, User]) -> None:
    many_deals(route, people["rep"], won=6, lost=6)
    for path in (PRE_SALE, PRE_SALE[:2], PRE_SALE[:3]):
        history_deal(route, people["rep"], path=path, expected_close=dt.date(2026, 3, 1))


def _page(user: User) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/forecast/", {"period": "2026-Q1"})
    assert response.status_code == 200
    return response.content.decode()


def test_a_small_pipeline_is_simulated(pipeline: None, people: dict[str, User]) -> None:
    page = _page(people["rep"])
    assert "10000 simulations" in page or "10,000 simulations" in page
    assert "close to a normal distribution" not in page
    report = forecast_report(ReportRequest(options={"period": "2026-Q1"}))
    assert report.meta["method"] == "simulation"


def test_a_large_pipeline_uses_the_normal_approximation(
    pipeline: None, people: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three open deals stand in for thousands: lower the thresholds.
    monkeypatch.setattr(montecarlo, "NORMAL_FROM", 1)
    monkeypatch.setattr(montecarlo, "NORMAL_MAX_SHARE", 1.0)

    page = _page(people["rep"])
    assert "close to a normal distribution" in page
    assert "simulations wins every open deal" not in page
    report = forecast_report(ReportRequest(options={"period": "2026-Q1"}))
    assert report.meta["method"] == "normal"
