"""The forecast pages: what they show, to whom, and at what cost in queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.forecasts.helpers import PRE_SALE, history_deal, many_deals
from traseu.core.models import User
from traseu.processes.models import ProcessVersion

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def history(route: ProcessVersion, people: dict[str, User]) -> None:
    many_deals(route, people["rep"], won=6, lost=6)


def test_pages_need_a_signed_in_user() -> None:
    for url in ("/forecast/", "/forecast/probabilities/", "/forecast/deals/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_the_forecast_page_shows_the_distribution_and_categories(
    history: None, people: dict[str, User], route: ProcessVersion
) -> None:
    history_deal(route, people["rep"], path=PRE_SALE, expected_close=dt.date(2026, 3, 1))

    response = signed_in(people["rep"]).get("/forecast/", {"period": "2026-Q1"})

    assert response.status_code == 200
    page = response.content.decode()
    assert '<svg class="chart histogram"' in page
    for label in ("P10", "P50", "P90", "Commit", "Best case", "Omitted"):
        assert label in page
    assert 'href="?period=2025-Q4"' in page
    assert (
        "Deal prospecting &gt; qualification &gt; first_contact &gt; preparation &gt; contract<"
        in page
    )


def test_a_bad_period_is_a_422_with_the_reason(people: dict[str, User]) -> None:
    response = signed_in(people["rep"]).get("/forecast/", {"period": "soon"})
    assert response.status_code == 422
    assert "is not a period" in response.content.decode()


def test_the_probabilities_page_shows_designed_observed_and_accuracy(
    history: None, people: dict[str, User]
) -> None:
    response = signed_in(people["manager"]).get("/forecast/probabilities/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<svg class="chart stages"' in page
    assert '<svg class="chart calibration"' in page
    assert "Baseline (naive Bayes)" in page
    assert page.count('class="ci-cap"') == 10  # an interval (two caps) per stage reached


def test_thin_history_says_so_instead_of_scoring(
    route: ProcessVersion, people: dict[str, User]
) -> None:
    history_deal(route, people["rep"], path=["prospecting"], outcome="lost")

    response = signed_in(people["rep"]).get("/forecast/probabilities/")

    assert response.status_code == 200
    assert "0 won and 1 lost deals" in response.content.decode()


def test_the_deals_page_lists_only_the_readers_open_deals(
    route: ProcessVersion, people: dict[str, User]
) -> None:
    history_deal(route, people["rep"], path=PRE_SALE[:2])
    theirs = history_deal(route, people["rep_b"], path=PRE_SALE[:3])

    page = signed_in(people["rep"]).get("/forecast/deals/").content.decode()

    assert "1 open deal" in page
    assert f'href="/deals/{theirs.pk}/"' not in page


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_deals_page_costs_the_same_for_few_or_many_deals(
    history: None, route: ProcessVersion, people: dict[str, User]
) -> None:
    client = signed_in(people["rep"])
    history_deal(route, people["rep"], path=PRE_SALE[:2])
    client.get("/forecast/deals/")  # trains and caches the model
    few = queries_for(client, "/forecast/deals/")
    for _ in range(6):
        history_deal(route, people["rep"], path=PRE_SALE[:3])

    assert queries_for(client, "/forecast/deals/") == few


def test_the_forecast_page_costs_the_same_for_few_or_many_deals(
    history: None, route: ProcessVersion, people: dict[str, User]
) -> None:
    client = signed_in(people["rep"])
    close = dt.date(2026, 3, 1)
    history_deal(route, people["rep"], path=PRE_SALE[:2], expected_close=close)
    client.get("/forecast/?period=2026-Q1")  # trains and caches the model
    few = queries_for(client, "/forecast/?period=2026-Q1")
    for _ in range(6):
        history_deal(route, people["rep"], path=PRE_SALE[:3], expected_close=close)

    assert queries_for(client, "/forecast/?period=2026-Q1") == few
