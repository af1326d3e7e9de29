"""Deals read into forecasting records: every part of the history, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.forecasts.helpers import T0, history_deal
from traseu.core.models import User
from traseu.crm.models import Deal
from traseu.forecasting.history import Answer, Stay
from traseu.forecasts.records import deal_records
from traseu.processes.models import ProcessVersion

pytestmark = pytest.mark.django_db


def day(n: float) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


def test_a_record_carries_the_deals_history(route: ProcessVersion, people: dict[str, User]) -> None:
    deal = history_deal(
        route,
        people["rep"],
        path=["prospecting", "qualification"],
        outcome="won",
        step_days=4,
        amount="2500.50",
        source="Referral",
        industry="Energy",
        country="DE",
        activities=[(1, "call"), (3, "meeting")],
        answers=[(2, "budget", "partial")],
        edits=[(1, {"amount": "900.00"}, {"amount": "2500.50"})],
        custom={"seats": 12},
    )

    [record] = deal_records(Deal.objects.filter(pk=deal.pk))

    assert record.deal_id == deal.pk
    assert record.process == "test-route"
    assert record.route == (
        "prospecting",
        "qualification",
        "first_contact",
        "preparation",
        "contract",
    )
    assert record.designed["qualification"] == 0.1
    # the stay in "won" is an outcome, not a stage to score
    assert record.stays == (
        Stay("prospecting", day(0), day(4)),
        Stay("qualification", day(4), day(8)),
    )
    assert (record.won, record.closed_at, record.created_at) == (True, day(8), day(0))
    assert (record.amount, record.source, record.team) == (2500.5, "Referral", "A")
    assert (record.account.industry, record.account.country) == ("Energy", "DE")
    assert record.custom == {"seats": 12}
    assert record.activities == ((day(1), "call"), (day(3), "meeting"))
    assert record.answers == (Answer(day(2), "bant.budget", "partial"),)
    assert record.value_at("amount", day(0.5)) == "900.00"


def test_open_and_lost_deals(route: ProcessVersion, people: dict[str, User]) -> None:
    history_deal(route, people["rep"], path=["prospecting"], outcome="lost")
    history_deal(route, people["rep"], path=["prospecting", "qualification"])

    lost, still_open = sorted(deal_records(Deal.objects.all()), key=lambda r: r.deal_id)

    assert (lost.won, lost.stays[-1].left_at) == (False, day(5))
    assert (still_open.won, still_open.stays[-1]) == (None, Stay("qualification", day(5), None))


@pytest.mark.parametrize("deals", [2, 9])
def test_the_number_of_queries_does_not_grow_with_the_deals(
    route: ProcessVersion,
    people: dict[str, User],
    deals: int,
    django_assert_num_queries: object,
) -> None:
    for number in range(deals):
        history_deal(
            route,
            people["rep"],
            path=["prospecting", "qualification"],
            outcome="won" if number % 2 else None,
            activities=[(1, "call")],
            answers=[(1, "need", "confirmed")],
            edits=[(2, {"source": ""}, {"source": "web"})],
        )
    deal_records(Deal.objects.all()[:1])  # the process definition is loaded once and cached

    # deals, stage changes, activities, answers, edits, process versions
    with django_assert_num_queries(6):  # type: ignore[operator]
        records = deal_records(Deal.objects.all())
    assert len(records) == deals


def test_a_large_sliced_set_is_read_through_a_subquery(
    route: ProcessVersion, people: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(4):
        history_deal(route, people["rep"], path=["prospecting"], activities=[(number, "call")])
    newest = Deal.objects.order_by("-pk")[:3]
    by_ids = deal_records(newest)
    monkeypatch.setattr("traseu.forecasts.records.ID_LIST_LIMIT", 1)

    by_subquery = deal_records(newest)

    assert [r.deal_id for r in by_subquery] == [r.deal_id for r in by_ids]
    assert [r.activities for r in by_subquery] == [r.activities for r in by_ids]
    assert len(by_subquery) == 3
