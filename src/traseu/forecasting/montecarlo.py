"""A period's revenue as a distribution: every open deal is won with its probability, independently.

Each of ``draws`` simulations draws every deal once (``Bernoulli(p)``) and adds the amounts of
the deals it won to the revenue already closed in the period. The percentiles are of those
totals, by the inverted empirical distribution (P10 is the smallest total that at least 10% of
the draws do not exceed). The draws come from ``numpy.random.default_rng(seed)`` in the order
the deals are given, so the same deals, order and seed give the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_DRAWS = 10_000
DEFAULT_SEED = 20260302
HISTOGRAM_BINS = 24
BLOCK = 512  # deals drawn at once: memory stays at draws x BLOCK booleans


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


def simulate(
    amounts: Sequence[float],
    probabilities: Sequence[float],
    *,
    closed: float = 0.0,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    bins: int = HISTOGRAM_BINS,
) -> Distribution:
    """Simulate the period; ``amounts[i]`` is won with probability ``probabilities[i]``."""
    values = np.asarray(amounts, dtype=np.float64)
    chances = np.asarray(probabilities, dtype=np.float64)
    if values.shape != chances.shape or values.ndim != 1:
        raise ValueError("amounts and probabilities must be two lists of the same length")
    if np.any(values < 0) or np.any((chances < 0) | (chances > 1)) or draws < 1:
        raise ValueError("amounts must be >= 0, probabilities in [0, 1], draws >= 1")
    rng = np.random.default_rng(seed)
    totals = np.full(draws, float(closed))
    for start in range(0, values.size, BLOCK):
        block = slice(start, start + BLOCK)
        wins = rng.random((draws, values[block].size)) < chances[block]
        totals += wins @ values[block]
    p10, p50, p90 = np.quantile(totals, [0.1, 0.5, 0.9], method="inverted_cdf")
    return Distribution(
        draws=draws,
        seed=seed,
        closed=float(closed),
        expected=float(closed + values @ chances),
        mean=float(totals.mean()),
        p10=float(p10),
        p50=float(p50),
        p90=float(p90),
        histogram=_histogram(totals, bins),
    )


def _histogram(totals: np.ndarray, bins: int) -> tuple[Bin, ...]:
    low, high = float(totals.min()), float(totals.max())
    if low == high:
        return (Bin(low, high, int(totals.size)),)
    counts, edges = np.histogram(totals, bins=bins, range=(low, high))
    return tuple(
        Bin(float(edges[i]), float(edges[i + 1]), int(counts[i])) for i in range(counts.size)
    )
