"""The report pages: charts and tables, filters, CSV downloads, and refusals."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client

from tests.analytics.histories import History
from traseu.analytics.pages import PAGES

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(history: History) -> Client:
    client = Client()
    client.force_login(history.cast.manager)
    return client


@pytest.mark.parametrize("name", list(PAGES))
def test_every_report_page_shows_charts_tables_and_csv_links(manager: Client, name: str) -> None:
    response = manager.get(f"/reports/{name}/", {"process": "analytics-route"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg class="chart"' in html
    assert '<table class="list">' in html
    assert re.search(r'href="\?[^"]*format=csv', html)
    assert 'style="' not in html.split("<main>")[1]  # the CSP allows no inline styles


def test_the_nav_links_to_the_reports(manager: Client) -> None:
    html = manager.get("/reports/").content.decode()
    assert 'href="/reports/"' in html
    for name in PAGES:
        assert f'href="/reports/{name}/"' in html


def test_a_csv_download_is_the_table_with_raw_values(manager: Client) -> None:
    response = manager.get(
        "/reports/funnel/", {"process": "analytics-route", "format": "csv", "table": "stages"}
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="traseu-funnel-stages.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0]["stage"] == "Prospecting"
    assert 0 < float(rows[1]["conversion_next"]) <= 1  # a fraction, not "45.0%"


def test_an_unknown_csv_table_is_not_found(manager: Client) -> None:
    response = manager.get("/reports/funnel/", {"format": "csv", "table": "nope"})
    assert response.status_code == 404


def test_a_period_filter_narrows_the_cohort(manager: Client, history: History) -> None:
    whole = manager.get("/reports/funnel/", {"process": "analytics-route"}).content.decode()
    part = manager.get(
        "/reports/funnel/",
        {"process": "analytics-route", "since": "2025-02-01", "until": "2025-02-28"},
    ).content.decode()
    count = re.compile(r'<span class="what">deals</span> (\d+)')
    assert int(count.search(part)[1]) < int(count.search(whole)[1])  # type: ignore[index]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"since": "2025-13-01"}, "Enter a valid date."),
        ({"since": "2025-03-01", "until": "2025-02-01"}, "The end of the period comes before"),
        ({"idle_days": "-1"}, "greater than or equal to 0"),
    ],
)
def test_bad_filters_are_refused_with_the_reason_and_no_report(
    manager: Client, query: dict[str, str], message: str
) -> None:
    response = manager.get("/reports/stalled/", query)
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert "<svg" not in html


def test_an_unknown_process_or_report_is_not_found(manager: Client) -> None:
    assert manager.get("/reports/nope/").status_code == 404
    response = manager.get("/reports/funnel/", {"process": "nope"})
    assert response.status_code == 422  # not one of the choices
