"""A period's revenue as a distribution: every open deal is won with its probability, independently.

Each of ``draws`` simulations draws every deal once (``Bernoulli(p)``) and adds the amounts of
the deals it won to the revenue already closed in the period. The percentiles are of those
totals, by the inverted empirical distribution (P10 is the smallest total that at least 10% of
the draws do not exceed). The draws come from ``numpy.random.default_rng(seed)`` in the order
the deals are given, so the same deals, order and seed give the same numbers.

A large pipeline is not simulated deal by deal (10,000 draws of 130,000 deals are 1.3 billion
random numbers): the total is a sum of independent ``Bernoulli(p)·amount`` terms, so when
enough deals carry the uncertainty and none dominates it, its distribution is close to normal
(Lyapunov's central limit theorem). Then the percentiles come from the normal with the exact
mean ``Σ p·a`` and variance ``Σ p(1-p)·a²``, corrected for the sum's skewness (Cornish-Fisher),
and the histogram from ``draws`` values drawn the same way. See :func:`uses_normal`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_DRAWS = 10_000
DEFAULT_SEED = 20260302
HISTOGRAM_BINS = 24
BLOCK = 512  # deals drawn at once: memory stays at draws x BLOCK booleans
NORMAL_FROM = 5_000  # uncertain deals from which the normal approximation may be used
NORMAL_MAX_SHARE = 0.01  # ... if no single deal carries more than this share of the variance
Z = (-1.2815515655446004, 0.0, 1.2815515655446004)  # the standard normal P10, P50, P90


@dataclass(frozen=True, slots=True)
class Bin:
    low: float
    high: float
    count: int


@dataclass(frozen=True)
class Distribution:
    draws: int
    seed: int
    closed: float  # already won in the period: in every draw
    expected: float  # closed + Σ p·amount (the weighted pipeline plus what closed)
    mean: float  # of the draws (converges to ``expected``)
    p10: float
    p50: float
    p90: float
    histogram: tuple[Bin, ...]
    method: str = "simulation"  # or "normal": the approximation of a large pipeline


def simulate(
    amounts: Sequence[float],
    probabilities: Sequence[float],
    *,
    closed: float = 0.0,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    bins: int = HISTOGRAM_BINS,
    exact: bool = False,
) -> Distribution:
    """The period's distribution; ``amounts[i]`` is won with probability ``probabilities[i]``.
    Simulated draw by draw, unless the pipeline is large enough for the normal approximation
    (:func:`uses_normal`) and ``exact`` is false."""
    values = np.asarray(amounts, dtype=np.float64)
    chances = np.asarray(probabilities, dtype=np.float64)
    if values.shape != chances.shape or values.ndim != 1:
        raise ValueError("amounts and probabilities must be two lists of the same length")
    if np.any(values < 0) or np.any((chances < 0) | (chances > 1)) or draws < 1:
        raise ValueError("amounts must be >= 0, probabilities in [0, 1], draws >= 1")
    rng = np.random.default_rng(seed)
    expected = float(closed + values @ chances)
    if not exact and uses_normal(values, chances):
        totals, percentiles = _normal(values, chances, float(closed), draws, rng)
        method = "normal"
    else:
        totals = _draws(values, chances, float(closed), draws, rng)
        percentiles = np.quantile(totals, [0.1, 0.5, 0.9], method="inverted_cdf")
        method = "simulation"
    p10, p50, p90 = (float(p) for p in percentiles)
    return Distribution(
        draws=draws,
        seed=seed,
        closed=float(closed),
        expected=expected,
        mean=float(totals.mean()),
        p10=p10,
        p50=p50,
        p90=p90,
        histogram=_histogram(totals, bins),
        method=method,
    )


def uses_normal(amounts: np.ndarray, probabilities: np.ndarray) -> bool:
    """Whether the normal approximation stands in for the simulation: at least
    :data:`NORMAL_FROM` deals are uncertain (0 < p < 1, amount > 0) and none carries more than
    :data:`NORMAL_MAX_SHARE` of the total's variance (Lindeberg's condition, in practice)."""
    variances = probabilities * (1 - probabilities) * amounts**2
    uncertain = int(np.count_nonzero(variances > 0))
    if uncertain < NORMAL_FROM:
        return False
    return bool(variances.max() <= NORMAL_MAX_SHARE * variances.sum())


def _draws(
    values: np.ndarray, chances: np.ndarray, closed: float, draws: int, rng: np.random.Generator
) -> np.ndarray:
    totals = np.full(draws, closed)
    for start in range(0, values.size, BLOCK):
        block = slice(start, start + BLOCK)
        wins = rng.random((draws, values[block].size)) < chances[block]
        totals += wins @ values[block]
    return totals


def _normal(
    values: np.ndarray, chances: np.ndarray, closed: float, draws: int, rng: np.random.Generator
) -> tuple[np.ndarray, list[float]]:
    """Draws and P10/P50/P90 of the normal approximation, kept within the possible totals
    (from ``closed`` to ``closed`` plus every amount). Each standard normal ``z`` becomes
    ``mean + sd·(z + g(z²-1)/6)``, the Cornish-Fisher term for the skewness ``g``: a pipeline
    of small chances is skewed to the right."""
    mean = closed + float(values @ chances)
    spread = chances * (1 - chances)
    deviation = float(np.sqrt(spread @ values**2))
    third = float((spread * (1 - 2 * chances)) @ values**3)  # the sum's third central moment
    skew = third / deviation**3
    low, high = closed, closed + float(values.sum())

    def total(z: np.ndarray) -> np.ndarray:
        found: np.ndarray = np.clip(mean + deviation * (z + skew * (z * z - 1) / 6), low, high)
        return found

    percentiles = [float(v) for v in total(np.array(Z))]
    return total(rng.standard_normal(draws)), percentiles


def _histogram(totals: np.ndarray, bins: int) -> tuple[Bin, ...]:
    low, high = float(totals.min()), float(totals.max())
    if low == high:
        return (Bin(low, high, int(totals.size)),)
    counts, edges = np.histogram(totals, bins=bins, range=(low, high))
    return tuple(
        Bin(float(edges[i]), float(edges[i + 1]), int(counts[i])) for i in range(counts.size)
    )
