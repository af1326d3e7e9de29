"""Records read for scoring now: the same current snapshot as the full history gives."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.forecasts.helpers import T0, history_deal
from traseu.core.models import User
from traseu.crm.models import Deal
from traseu.forecasting.history import Stay, current_snapshot
from traseu.forecasts.records import current_records, deal_records
from traseu.processes.models import ProcessVersion

pytestmark = pytest.mark.django_db


def day(n: float) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


def _deals(route: ProcessVersion, owner: User) -> list[Deal]:
    return [
        history_deal(
            route,
            owner,
            path=["prospecting", "qualification", "first_contact"],
            activities=[(1, "call"), (2, "call"), (3, "meeting"), (12, "call")],
            answers=[(2, "budget", "partial"), (6, "budget", "yes")],
            edits=[(1, {"amount": "900.00"}, {"amount": "1000"})],
            custom={"seats": 4},
        ),
        history_deal(route, owner, path=["prospecting"], activities=[(0.5, "email")]),
        history_deal(route, owner, path=["prospecting", "qualification"], outcome="lost"),
        history_deal(route, owner, path=["prospecting", "contract"], outcome="won"),
    ]


@pytest.mark.parametrize("now_day", [20, 11, 3])  # after everything; between activities
def test_open_deals_give_the_same_current_snapshot(
    route: ProcessVersion, people: dict[str, User], now_day: float
) -> None:
    deals = _deals(route, people["rep"])
    now = day(now_day)
    queryset = Deal.objects.filter(pk__in=[d.pk for d in deals])
    full = {r.deal_id: r for r in deal_records(queryset)}
    current = {r.deal_id: r for r in current_records(queryset, now)}

    assert set(current) == set(full)
    for pk, record in full.items():
        assert current_snapshot(current[pk], now) == current_snapshot(record, now)
        assert (current[pk].process, current[pk].designed) == (record.process, record.designed)


def test_only_the_last_stay_of_an_open_deal_is_read(
    route: ProcessVersion, people: dict[str, User]
) -> None:
    deals = _deals(route, people["rep"])
    [record] = current_records(Deal.objects.filter(pk=deals[0].pk), day(20))
    assert record.stays == (Stay("first_contact", day(10), None),)
    # done by "now" (day 20): counted per type, each carrying its type's latest time
    assert record.activities == (
        (day(3), "meeting"),
        (day(12), "call"),
        (day(12), "call"),
        (day(12), "call"),
    )


def test_activities_after_now_are_read_as_they_are(
    route: ProcessVersion, people: dict[str, User]
) -> None:
    deals = _deals(route, people["rep"])
    [record] = current_records(Deal.objects.filter(pk=deals[0].pk), day(2.5))
    assert record.activities == (
        (day(2), "call"),
        (day(2), "call"),
        (day(3), "meeting"),
        (day(12), "call"),
    )


def test_closed_deals_carry_no_history(route: ProcessVersion, people: dict[str, User]) -> None:
    deals = _deals(route, people["rep"])
    chosen = Deal.objects.filter(pk__in=[d.pk for d in deals[2:]])
    records = {r.deal_id: r for r in current_records(chosen, day(20))}
    lost, won = deals[2].pk, deals[3].pk
    assert {pk: (r.stays, r.activities, r.won) for pk, r in records.items()} == {
        lost: ((), (), False),
        won: ((), (), True),
    }


def test_the_number_of_queries_does_not_grow_with_the_deals(
    route: ProcessVersion, people: dict[str, User], django_assert_num_queries: Any
) -> None:
    _deals(route, people["rep"])
    _deals(route, people["rep"])
    current_records(Deal.objects.all(), day(20))  # loads the process definition
    with django_assert_num_queries(6):  # deals, activities counted and later, answers, edits,
        # and the process versions (their definitions are cached)
        assert len(current_records(Deal.objects.all(), day(20))) == 8


def test_no_deals_costs_one_query(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        assert current_records(Deal.objects.none() | Deal.objects.filter(pk=-1), day(1)) == []
