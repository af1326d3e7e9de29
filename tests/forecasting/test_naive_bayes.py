"""The Odoo-style baseline on a table small enough to compute by hand.

Five closed deals on the route s1 -> s2 -> s3, smoothing 0.1:

    deal  outcome  reached      source
    A     won      s1 s2 s3     web
    B     won      s1 s2 s3     ref
    C     lost     s1           web
    D     lost     s1 s2        web
    E     lost     s1 s2        (unset)

Stage table (won, lost), cumulative: s1 (2.1, 3.1), s2 (2.1, 2.1), s3 (2.1, 0.1).
Source table: web (1.1, 2.1), ref (1.1, 0.1); totals 2.2 and 2.2. Prior W = 2.1, L = 3.1.
"""

from __future__ import annotations

import datetime as dt

import pytest

from traseu.forecasting.history import Account, DealRecord, Stay
from traseu.forecasting.naive_bayes import Example, NaiveBayes, example_of, fit_naive_bayes

STAGES = ("s1", "s2", "s3")
EXAMPLES = [
    Example(("s1", "s2", "s3"), True, {"source": "web"}),
    Example(("s1", "s2", "s3"), True, {"source": "ref"}),
    Example(("s1",), False, {"source": "web"}),
    Example(("s1", "s2"), False, {"source": "web"}),
    Example(("s1", "s2"), False, {}),
]


@pytest.fixture
def model() -> NaiveBayes:
    return fit_naive_bayes(EXAMPLES, STAGES)


def test_stages_are_counted_cumulatively_with_the_pseudo_count(model: NaiveBayes) -> None:
    assert model.table["stage"] == {
        "s1": pytest.approx((2.1, 3.1)),
        "s2": pytest.approx((2.1, 2.1)),
        "s3": pytest.approx((2.1, 0.1)),
    }
    assert model.table["source"] == {
        "web": pytest.approx((1.1, 2.1)),
        "ref": pytest.approx((1.1, 0.1)),
    }
    assert (model.won_total, model.lost_total) == (pytest.approx(2.1), pytest.approx(3.1))


def test_probability_multiplies_the_frequencies(model: NaiveBayes) -> None:
    # win ∝ 2.1 · (2.1/2.1) · (1.1/2.2) = 1.05; lose ∝ 3.1 · (2.1/3.1) · (2.1/2.2) = 4.41/2.2
    assert model.probability("s2", {"source": "web"}) == pytest.approx(2.31 / 6.72)


def test_values_missing_from_the_table_are_skipped(model: NaiveBayes) -> None:
    # win ∝ 2.1 · 1; lose ∝ 3.1 · (0.1/3.1); the unknown source changes nothing
    assert model.probability("s3", {"source": "event"}) == pytest.approx(2.1 / 2.2)
    assert model.probability("s1", {}) == pytest.approx(2.1 / 5.2)


def test_the_probability_stays_inside_odoos_bounds() -> None:
    lopsided = [Example(("s1", "s2", "s3"), True, {})] * 5000 + [Example(("s1",), False, {})]
    assert fit_naive_bayes(lopsided, STAGES).probability("s3", {}) == 0.9999


def test_laplace_smoothing_is_a_parameter() -> None:
    laplace = fit_naive_bayes(EXAMPLES, STAGES, smoothing=1.0)
    assert laplace.table["stage"]["s3"] == (3.0, 1.0)


def test_one_outcome_only_cannot_be_learned() -> None:
    with pytest.raises(ValueError, match="won and lost"):
        fit_naive_bayes(EXAMPLES[:2], STAGES)


def test_a_lost_deal_counts_up_to_the_furthest_stage_it_reached() -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    day = dt.timedelta(days=1)
    # s1 -> s2 -> back to s1, lost from s1: it reached s2.
    record = DealRecord(
        deal_id=1,
        process="p",
        route=STAGES,
        designed={},
        created_at=start,
        stays=(
            Stay("s1", start, start + day),
            Stay("s2", start + day, start + 2 * day),
            Stay("s1", start + 2 * day, start + 3 * day),
        ),
        won=False,
        closed_at=start + 3 * day,
        source="Web ",
        team="north",
        account=Account(country="ro", industry=""),
    )
    example = example_of(record)
    assert example == Example(
        ("s1", "s2"), False, {"team": "north", "source": "web", "country": "RO"}
    )
