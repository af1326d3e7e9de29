"""Wilson intervals, Beta shrinkage toward the designed probability, empirical Bayes."""

from __future__ import annotations

import pytest

from traseu.forecasting.stats import (
    estimate_prior_strength,
    shrunk_interval,
    shrunk_rate,
    stage_rate,
    wilson_interval,
)


def test_wilson_interval_of_five_in_ten() -> None:
    low, high = wilson_interval(5, 10)
    assert (low, high) == (pytest.approx(0.236593, abs=1e-6), pytest.approx(0.763407, abs=1e-6))


def test_wilson_interval_stays_inside_zero_and_one() -> None:
    low, high = wilson_interval(10, 10)
    assert low == pytest.approx(10 / (10 + 1.959964**2), abs=1e-6)  # 0.72246
    assert high == pytest.approx(1.0)
    assert wilson_interval(0, 10)[0] == 0.0


def test_wilson_interval_without_deals_is_everything() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_wilson_interval_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError, match="won <= total"):
        wilson_interval(3, 2)


def test_shrinkage_is_the_beta_posterior_mean() -> None:
    # (8 + 10·0.4) / (10 + 10) = 0.6: half evidence (0.8), half design (0.4).
    assert shrunk_rate(8, 10, prior=0.4, strength=10) == pytest.approx(0.6)
    assert shrunk_rate(0, 0, prior=0.3, strength=10) == 0.3
    assert shrunk_rate(900, 1000, prior=0.3, strength=10) == pytest.approx(903 / 1010)
    assert shrunk_rate(8, 10, prior=0.4, strength=0) == pytest.approx(0.8)


def test_shrunk_interval_narrows_with_evidence() -> None:
    few = shrunk_interval(4, 5, prior=0.5, strength=10)
    many = shrunk_interval(400, 500, prior=0.5, strength=10)
    assert few[0] < shrunk_rate(4, 5, 0.5, 10) < few[1]
    assert many[1] - many[0] < few[1] - few[0]


def test_prior_strength_from_the_scatter_of_observed_rates() -> None:
    # excess = (0.5-0.2)² - 0.16/100 + (0.8-0.5)² - 0.25/100 = 0.1759
    # spread = 0.16·0.99 + 0.25·0.99 = 0.4059; m = spread/excess - 1
    counts = [(50, 100, 0.2), (80, 100, 0.5)]
    assert estimate_prior_strength(counts) == pytest.approx(0.4059 / 0.1759 - 1)


def test_prior_strength_is_large_when_observed_agrees_with_design() -> None:
    assert estimate_prior_strength([(20, 100, 0.2), (50, 100, 0.5)]) == 1000.0


def test_prior_strength_falls_back_without_enough_stages() -> None:
    assert estimate_prior_strength([(5, 10, 0.5)], default=7.0) == 7.0
    assert estimate_prior_strength([(5, 10, 0.0), (1, 1, 0.5)], default=7.0) == 7.0


def test_stage_rate_gathers_the_figures() -> None:
    rate = stage_rate("qualification", designed=0.4, won=8, reached=10, strength=10)
    assert rate.observed == pytest.approx(0.8)
    assert rate.shrunk == pytest.approx(0.6)
    assert rate.weight == pytest.approx(0.5)
    assert rate.interval == wilson_interval(8, 10)
    assert stage_rate("x", designed=0.4, won=0, reached=0, strength=10).observed is None
