"""The past-forecasts page: each finished period's forecast as made at its start, beside what
its deals then won (the same figures as ``traseu forecast past``)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.forecasts.helpers import PRE_SALE, T0, history_deal, many_deals
from traseu.core.models import User
from traseu.forecasts.selectors import past_forecasts
from traseu.processes.models import ProcessVersion

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def months_back_to(day: dt.date) -> int:
    """How many finished months reach back to the month of ``day``."""
    today = timezone.localdate()
    return (today.year - day.year) * 12 + today.month - day.month


@pytest.fixture
def february(route: ProcessVersion, people: dict[str, User]) -> int:
    """Twelve closed deals (8 closed in January), and one deal open on 1 February, expected to
    close in February and won on 14 February (5,000). Returns the months to look back."""
    many_deals(route, people["rep"], won=6, lost=6)
    history_deal(
        route,
        people["rep"],
        path=PRE_SALE,
        outcome="won",
        start=T0 + dt.timedelta(days=15),
        amount="5000",
        expected_close=dt.date(2026, 2, 20),
    )
    periods = months_back_to(dt.date(2026, 2, 1))
    if not 1 <= periods <= 24:
        pytest.skip("February 2026 is not among the last 24 finished months")
    return periods


def test_the_page_shows_each_period_beside_what_closed(
    february: int, people: dict[str, User]
) -> None:
    response = signed_in(people["rep"]).get(
        "/forecast/past/", {"by": "month", "periods": str(february)}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert '<svg class="chart past"' in page
    assert page.count('<g class="period') == february
    _route, results = past_forecasts(
        key="test-route", user=people["rep"], kind="month", periods=february
    )
    feb = results[0]
    assert feb.start.date() == dt.date(2026, 2, 1)
    # Four of the history's won deals (1,000 each) also closed in February, after the start:
    # they count in what was won in the period, not in the forecast made on 1 February.
    assert (feb.deals, feb.actual, feb.won_in_period) == (1, 5000.0, 9000.0)
    assert feb.learned_from == 8  # closed in January: 2 won, 6 lost
    assert feb.within is (feb.p10 <= 5000.0 <= feb.p90)
    row = page[page.index('<th scope="row">2026-02</th>') :].split("</tr>")[0]
    cells = [cell.split(">")[-1] for cell in row.split("</td>")[:-1]]
    assert cells[1:3] == ["8", "1"]  # learned from, deals
    assert cells[7] == "5,000"  # won of them
    assert cells[9] == "9,000"  # won in period


def test_another_team_sees_none_of_these_deals(february: int, people: dict[str, User]) -> None:
    page = signed_in(people["rep_b"]).get("/forecast/past/").content.decode()
    assert "There are no deals yet." in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"by": "week"}, "Look back by quarter or by month, not &#x27;week&#x27;."),
        ({"periods": "0"}, "Ask for 1 to 24 past periods, not 0."),
        ({"periods": "many"}, "Ask for 1 to 24 past periods, not many."),
        ({"process": "nope"}, "No process &#x27;nope&#x27; with deals you may see."),
    ],
)
def test_bad_parameters_are_a_422_with_the_reason(
    february: int, people: dict[str, User], query: dict[str, str], message: str
) -> None:
    response = signed_in(people["rep"]).get("/forecast/past/", query)
    assert response.status_code == 422
    assert message in response.content.decode()


def test_the_page_needs_a_signed_in_user() -> None:
    response = Client().get("/forecast/past/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
