"""The Monte Carlo forecast: percentiles converge on a case with an exact answer."""

from __future__ import annotations

import math

import pytest

from traseu.forecasting.montecarlo import simulate


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
