"""The Monte Carlo forecast: percentiles converge on a case with an exact answer."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from traseu.forecasting.montecarlo import NORMAL_FROM, simulate, uses_normal


def binomial_quantile(n: int, q: float) -> int:
    """Smallest k with P(Binomial(n, 1/2) <= k) >= q."""
    total = 0.0
    for k in range(n + 1):
        total += math.comb(n, k) / 2**n
        if total >= q:
            return k
    return n


def test_percentiles_converge_to_the_binomial_quantiles() -> None:
    # 100 deals of 1 at 50%: the revenue is Binomial(100, 0.5), P10 = 44, P50 = 50, P90 = 56.
    result = simulate([1.0] * 100, [0.5] * 100, draws=200_000, seed=11)

    expected = [binomial_quantile(100, q) for q in (0.1, 0.5, 0.9)]
    assert expected == [44, 50, 56]
    assert [result.p10, result.p50, result.p90] == expected
    assert result.mean == pytest.approx(50, abs=0.05)
    assert result.expected == 50


def test_the_same_seed_gives_the_same_numbers() -> None:
    amounts, chances = [100.0, 250.0, 40.0] * 30, [0.2, 0.7, 0.5] * 30
    first = simulate(amounts, chances, draws=2000, seed=4)
    assert simulate(amounts, chances, draws=2000, seed=4) == first
    assert simulate(amounts, chances, draws=2000, seed=5).histogram != first.histogram


def test_closed_revenue_is_in_every_draw() -> None:
    result = simulate([500.0, 700.0], [0.0, 1.0], closed=1000.0, draws=50)
    assert (result.p10, result.p50, result.p90) == (1700.0, 1700.0, 1700.0)
    assert result.histogram[0].count == 50


def test_no_open_deals_leaves_what_closed() -> None:
    result = simulate([], [], closed=300.0, draws=10)
    assert (result.p10, result.p90, result.expected) == (300.0, 300.0, 300.0)


def test_the_histogram_counts_every_draw() -> None:
    result = simulate([10.0] * 20, [0.3] * 20, draws=1000, bins=8)
    assert len(result.histogram) == 8
    assert sum(b.count for b in result.histogram) == 1000
    assert result.histogram[0].low == min(b.low for b in result.histogram)


@pytest.mark.parametrize(
    ("amounts", "chances", "draws"),
    [([1.0], [1.5], 10), ([-1.0], [0.5], 10), ([1.0], [0.5], 0), ([1.0, 2.0], [0.5], 10)],
)
def test_bad_inputs_are_refused(amounts: list[float], chances: list[float], draws: int) -> None:
    with pytest.raises(ValueError, match=r"same length|probabilities in"):
        simulate(amounts, chances, draws=draws)


def _pipeline(kind: str, size: int, seed: int) -> tuple[list[float], list[float]]:
    rng = np.random.default_rng(seed)
    if kind == "even":  # equal deals at one chance
        return [1000.0] * size, [0.5] * size
    if kind == "long shots":  # small chances: skewed to the right
        return list(rng.lognormal(9, 0.5, size)), list(rng.uniform(0.02, 0.1, size))
    if kind == "near certain":  # high chances: skewed to the left
        return list(rng.lognormal(8, 0.5, size)), list(rng.uniform(0.85, 0.98, size))
    return list(rng.lognormal(9, 0.6, size)), list(rng.choice([0.1, 0.2, 0.4, 0.7, 0.9], size))


@pytest.mark.parametrize("kind", ["even", "long shots", "near certain", "stage mix"])
def test_the_normal_approximation_agrees_with_the_simulation(kind: str) -> None:
    # Stated tolerance: each percentile within 0.05 standard deviations of the total (the
    # simulation's own sampling error at 20,000 draws is about 0.012 of one).
    amounts, chances = _pipeline(kind, NORMAL_FROM + 500, seed=3)
    values, p = np.array(amounts), np.array(chances)
    assert uses_normal(values, p)
    approximate = simulate(amounts, chances, closed=2500.0)
    exact = simulate(amounts, chances, closed=2500.0, draws=20_000, exact=True)

    deviation = math.sqrt(float((p * (1 - p)) @ values**2))
    assert (approximate.method, exact.method) == ("normal", "simulation")
    for name in ("p10", "p50", "p90", "mean"):
        gap = abs(getattr(approximate, name) - getattr(exact, name))
        assert gap <= 0.05 * deviation, (name, gap / deviation)
    assert approximate.expected == pytest.approx(exact.expected)
    assert sum(b.count for b in approximate.histogram) == approximate.draws


def test_a_small_pipeline_is_simulated() -> None:
    amounts, chances = _pipeline("even", NORMAL_FROM - 1, seed=1)
    assert not uses_normal(np.array(amounts), np.array(chances))
    assert simulate(amounts, chances, draws=100).method == "simulation"


def test_a_deal_that_dominates_the_variance_keeps_the_simulation() -> None:
    # 6,000 deals of 10 and one of 50,000 at 50%: the big deal alone makes the total bimodal.
    amounts, chances = [10.0] * 6000 + [50_000.0], [0.5] * 6001
    assert not uses_normal(np.array(amounts), np.array(chances))
    result = simulate(amounts, chances, draws=2000)
    assert result.method == "simulation"
    assert result.p10 < 50_000 < result.p90


def test_certain_deals_do_not_count_towards_the_approximation() -> None:
    # Deals at 0% or 100% carry no uncertainty: 10,000 of them are not "many deals".
    amounts, chances = [100.0] * 10_000, [1.0] * 5000 + [0.0] * 5000
    result = simulate(amounts, chances, draws=50)
    assert result.method == "simulation"
    assert (result.p10, result.p90) == (500_000.0, 500_000.0)


def test_the_approximation_stays_within_the_possible_totals() -> None:
    amounts, chances = [1.0] * 8000, [0.999] * 8000
    result = simulate(amounts, chances, closed=10.0)
    assert result.method == "normal"
    assert result.histogram[0].low >= 10.0
    assert result.histogram[-1].high <= 8010.0
    assert result.p90 <= 8010.0


def test_the_approximation_is_fast_for_a_large_pipeline() -> None:
    amounts, chances = _pipeline("stage mix", 130_000, seed=5)
    start = time.perf_counter()
    result = simulate(amounts, chances)
    assert result.method == "normal"
    assert time.perf_counter() - start < 2.0
