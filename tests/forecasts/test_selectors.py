"""Stage probabilities, each open deal's probability and reasons, the backtest: counted from the
deals the reader may see, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.forecasts.helpers import PRE_SALE, T0, history_deal, many_deals
from traseu.core.errors import InvalidInput
from traseu.core.models import User
from traseu.crm.models import Deal, DealStatus
from traseu.forecasts.selectors import backtest_run, deal_scores, stage_probabilities
from traseu.processes.models import ProcessVersion

pytestmark = pytest.mark.django_db


def soon() -> dt.datetime:
    """Three days into the second stage of the open deals below."""
    return T0 + dt.timedelta(days=8)


@pytest.fixture
def small_history(route: ProcessVersion, people: dict[str, User]) -> None:
    """Two won, one lost in qualification, one lost in prospecting, one open."""
    rep = people["rep"]
    history_deal(route, rep, path=PRE_SALE, outcome="won")
    history_deal(route, rep, path=PRE_SALE[:3], outcome="won")  # skipped to won from 3rd
    history_deal(route, rep, path=PRE_SALE[:2], outcome="lost")
    history_deal(route, rep, path=PRE_SALE[:1], outcome="lost")
    history_deal(route, rep, path=PRE_SALE[:2])


def test_stage_probabilities_count_the_deals_that_reached_each_stage(
    small_history: None, people: dict[str, User]
) -> None:
    result = stage_probabilities(key="test-route", user=people["manager"])

    figures = {row.key: (row.rate.reached, row.rate.won) for row in result.rows}
    assert figures == {
        "prospecting": (4, 2),
        "qualification": (3, 2),
        "first_contact": (2, 2),
        "preparation": (2, 2),
        "contract": (2, 2),
    }
    qualification = result.rows[1].rate
    assert qualification.designed == 0.1
    assert qualification.shrunk == pytest.approx((2 + 10 * 0.1) / (3 + 10))
    assert [row.name for row in result.rows][:2] == ["Prospecting", "Qualification"]


def test_deals_of_other_teams_do_not_count(small_history: None, people: dict[str, User]) -> None:
    result = stage_probabilities(key="test-route", user=people["rep_b"])
    assert {row.rate.reached for row in result.rows} == {0}
    assert result.rows[0].rate.shrunk == 0.05  # the designed value, untouched


def test_the_backtest_says_when_history_is_too_thin(small_history: None) -> None:
    with pytest.raises(InvalidInput, match="2 won and 2 lost") as refused:
        backtest_run(key="test-route")
    assert refused.value.code == "not_enough_history"


def test_the_backtest_scores_every_method(route: ProcessVersion, people: dict[str, User]) -> None:
    many_deals(route, people["rep"], won=12, lost=12)

    _route, result = backtest_run(key="test-route", folds=2)

    assert set(result.scores) == {"designed", "stage", "baseline", "model"}
    assert (result.test_deals, result.scores["model"].count) == (
        24,
        12 * 5 + sum(1 + n % 4 for n in range(12)),
    )
    assert result.scores["model"].brier < result.scores["designed"].brier


def test_open_deals_get_a_probability_and_reasons(
    route: ProcessVersion, people: dict[str, User]
) -> None:
    many_deals(route, people["rep"], won=8, lost=8)
    hot = history_deal(
        route,
        people["rep"],
        path=PRE_SALE[:2],
        answers=[(0.5, "budget", "confirmed")],
        activities=[(1, "meeting"), (2, "meeting")],
    )
    cold = history_deal(route, people["rep"], path=PRE_SALE[:2], answers=[(0.5, "budget", "weak")])

    scores = {s.deal.pk: s for s in deal_scores(deals=[hot, cold], user=people["rep"], clock=soon)}

    assert scores[hot.pk].method == "model"
    assert scores[hot.pk].probability > scores[cold.pk].probability
    assert scores[hot.pk].designed == 0.1
    assert 1 <= len(scores[hot.pk].reasons) <= 3
    assert scores[hot.pk].stage_name == "Qualification"


@pytest.mark.parametrize("count", [2, 7])
def test_scoring_costs_the_same_queries_for_any_number_of_deals(
    route: ProcessVersion,
    people: dict[str, User],
    count: int,
    django_assert_max_num_queries: object,
) -> None:
    many_deals(route, people["rep"], won=6, lost=6)
    for _ in range(count):
        history_deal(route, people["rep"], path=PRE_SALE[:3])
    deals = list(Deal.objects.filter(status=DealStatus.OPEN))
    deal_scores(deals=deals[:1], user=people["rep"])  # trains and caches the model

    # records (6) + the process route (1) + the training fingerprint (1)
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        scores = deal_scores(deals=deals, user=people["rep"])
    assert len(scores) == count


def test_reasons_only_for_the_deals_asked_and_the_same_probabilities_in_a_batch(
    route: ProcessVersion, people: dict[str, User]
) -> None:
    """A period's forecast wants reasons for the deals it lists only; the probabilities, scored
    in one batch, are those each deal gets when scored alone."""
    many_deals(route, people["rep"], won=8, lost=8)
    hot = history_deal(
        route, people["rep"], path=PRE_SALE[:2], answers=[(0.5, "budget", "confirmed")]
    )
    cold = history_deal(route, people["rep"], path=PRE_SALE[:2], answers=[(0.5, "budget", "weak")])

    both = {
        s.deal.pk: s
        for s in deal_scores(
            deals=[hot, cold],
            user=people["rep"],
            clock=soon,
            reasons_for={hot.pk},
            source=Deal.objects.filter(status=DealStatus.OPEN),
        )
    }
    alone = [deal_scores(deals=[deal], user=people["rep"], clock=soon)[0] for deal in (hot, cold)]

    assert both[hot.pk].reasons
    assert not both[cold.pk].reasons
    assert [both[s.deal.pk].probability for s in alone] == pytest.approx(
        [s.probability for s in alone], abs=1e-12
    )
    assert alone[1].reasons  # without reasons_for, every deal gets its reasons
