"""Evidence-based stage probabilities: the observed win rate of the deals that reached a stage,
its Wilson interval, and a Beta shrinkage toward the probability the process designed.

Shrinkage: the designed probability ``p0`` is a Beta prior worth ``m`` deals
(``Beta(m·p0, m·(1 - p0))``). After ``k`` won out of ``n`` closed deals the posterior mean is::

    p = (k + m·p0) / (n + m)  =  w·(k/n) + (1 - w)·p0,   w = n / (n + m)

so with few deals the designed value dominates and with many the evidence does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z_95 = 1.959963984540054
DEFAULT_PRIOR_STRENGTH = 10.0
PRIOR_STRENGTH_BOUNDS = (1.0, 1000.0)


def wilson_interval(won: int, total: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for ``won`` successes in ``total`` trials (95% by default).

    With no trials, the interval is the whole of [0, 1].
    """
    if total < 0 or not 0 <= won <= total:
        raise ValueError(f"need 0 <= won <= total, got won={won}, total={total}")
    if total == 0:
        return 0.0, 1.0
    rate = won / total
    z2 = z * z
    denominator = 1 + z2 / total
    centre = (rate + z2 / (2 * total)) / denominator
    half = z / denominator * math.sqrt(rate * (1 - rate) / total + z2 / (4 * total * total))
    return max(0.0, centre - half), min(1.0, centre + half)


def shrunk_rate(won: int, total: int, prior: float, strength: float) -> float:
    """Posterior mean ``(won + strength·prior) / (total + strength)`` (see the module doc)."""
    if not 0 <= prior <= 1:
        raise ValueError(f"the prior probability must be in [0, 1], got {prior}")
    if strength < 0:
        raise ValueError(f"the prior strength must not be negative, got {strength}")
    if total + strength == 0:
        return prior
    return (won + strength * prior) / (total + strength)


def shrunk_interval(won: int, total: int, prior: float, strength: float) -> tuple[float, float]:
    """An approximate 95% interval of the Beta posterior: mean ± 1.96·sd, clipped to [0, 1].

    The posterior's variance is ``mean·(1 - mean) / (total + strength + 1)``.
    """
    mean = shrunk_rate(won, total, prior, strength)
    sd = math.sqrt(mean * (1 - mean) / (total + strength + 1))
    return max(0.0, mean - Z_95 * sd), min(1.0, mean + Z_95 * sd)


def estimate_prior_strength(
    counts: Sequence[tuple[int, int, float]],
    default: float = DEFAULT_PRIOR_STRENGTH,
) -> float:
    """Empirical Bayes, by the method of moments: how far observed rates stray from the designed
    ones beyond what binomial noise explains tells how much the designed values are worth.

    ``counts`` holds ``(won, total, designed)`` per stage. If ``θ ~ Beta(m·p0, m·(1 - p0))`` and
    ``k ~ Binomial(n, θ)`` then ``E[(k/n - p0)²] = p0(1 - p0)·(1/n + (1 - 1/n)/(m + 1))``.
    Summing over stages and solving for ``rho = 1/(m + 1)`` gives ``m = 1/rho - 1``, kept within
    [1, 1000]. Fewer than two stages with deals (or designed values of 0 or 1 only): ``default``.
    """
    excess = spread = 0.0
    usable = 0
    for won, total, designed in counts:
        variance = designed * (1 - designed)
        if total < 2 or variance == 0:
            continue
        usable += 1
        excess += (won / total - designed) ** 2 - variance / total
        spread += variance * (1 - 1 / total)
    if usable < 2 or spread == 0:
        return default
    low, high = PRIOR_STRENGTH_BOUNDS
    rho = excess / spread
    if rho <= 1 / (high + 1):
        return high  # no more scatter than noise: trust the design fully (within bounds)
    return min(high, max(low, 1 / rho - 1))


@dataclass(frozen=True, slots=True)
class StageRate:
    """One stage's evidence: designed probability beside what closed deals did."""

    stage: str
    designed: float
    reached: int  # closed deals that reached the stage
    won: int
    observed: float | None  # won / reached; None when no closed deal reached it
    interval: tuple[float, float]  # Wilson 95% interval of ``observed``
    shrunk: float  # (won + m·designed) / (reached + m)
    shrunk_interval: tuple[float, float]
    weight: float  # reached / (reached + m): how much the evidence counts


def stage_rate(stage: str, designed: float, won: int, reached: int, strength: float) -> StageRate:
    return StageRate(
        stage=stage,
        designed=designed,
        reached=reached,
        won=won,
        observed=won / reached if reached else None,
        interval=wilson_interval(won, reached),
        shrunk=shrunk_rate(won, reached, designed, strength),
        shrunk_interval=shrunk_interval(won, reached, designed, strength),
        weight=reached / (reached + strength) if reached + strength else 0.0,
    )
