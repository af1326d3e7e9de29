"""Forecast categories from the stage's designed probability, overrides, cumulative totals."""

from __future__ import annotations

import pytest

from traseu.forecasting.categories import PeriodDeal, Thresholds, category_of, forecast


def deal(
    pk: int, status: str = "open", stage: float = 0.2, p: float = 0.5, **kw: object
) -> PeriodDeal:
    return PeriodDeal(
        deal_id=pk,
        status=status,
        amount=kw.pop("amount", 1000.0),  # type: ignore[arg-type]
        stage_probability=stage,
        probability=p,
        override=kw.pop("override", None),
    )


@pytest.mark.parametrize(
    ("item", "category"),
    [
        (deal(1, stage=0.7), "commit"),
        (deal(2, stage=0.69), "best_case"),
        (deal(3, stage=0.4), "best_case"),
        (deal(4, stage=0.1), "pipeline"),
        (deal(5, status="won", stage=1.0), "closed"),
        (deal(6, status="lost", stage=0.0), "omitted"),
    ],
)
def test_categories_follow_the_stage_probability(item: PeriodDeal, category: str) -> None:
    assert category_of(item) == (category, False)


def test_a_person_overrides_an_open_deal_but_not_an_outcome() -> None:
    assert category_of(deal(1, stage=0.1, override="commit")) == ("commit", True)
    assert category_of(deal(2, stage=0.9, override="omitted")) == ("omitted", True)
    assert category_of(deal(3, status="won", override="pipeline")) == ("closed", False)
    assert category_of(deal(4, stage=0.9, override="maybe")) == ("commit", False)


def test_thresholds_are_parameters() -> None:
    assert category_of(deal(1, stage=0.5), Thresholds(commit=0.5, best_case=0.2))[0] == "commit"


def test_the_forecast_adds_up_cumulatively_and_simulates_the_open_deals() -> None:
    deals = [
        deal(1, status="won", stage=1.0, amount=500.0),
        deal(2, stage=0.8, p=1.0, amount=300.0),  # commit, certain
        deal(3, stage=0.5, p=0.0, amount=200.0),  # best case, hopeless
        deal(4, stage=0.1, p=1.0, amount=100.0, override="omitted"),
        deal(5, stage=0.1, p=1.0, amount=None, override="soon"),
        deal(6, status="lost", amount=999.0),
    ]
    result = forecast(deals, draws=100)

    totals = {t.category: t for t in result.totals}
    assert [(t.category, t.deals, t.amount) for t in result.totals] == [
        ("closed", 1, 500.0),
        ("commit", 1, 300.0),
        ("best_case", 1, 200.0),
        ("pipeline", 1, 0.0),
        ("omitted", 2, 1099.0),
    ]
    assert [totals[c].cumulative for c in ("closed", "commit", "best_case", "pipeline")] == [
        500.0,
        800.0,
        1000.0,
        1000.0,
    ]
    assert totals["commit"].weighted == 300.0
    assert result.weighted_pipeline == 300.0  # omitted deal 4 stays out
    assert (result.distribution.p10, result.distribution.p90) == (800.0, 800.0)
    assert (result.overridden, result.invalid_overrides, result.without_amount) == (1, (5,), 1)
