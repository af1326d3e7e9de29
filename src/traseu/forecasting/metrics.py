"""How good a probability is: Brier score, log loss, AUC and a calibration table.

``y`` holds outcomes (1 won, 0 lost), ``p`` the probabilities predicted for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

LOG_LOSS_EPS = 1e-15
CALIBRATION_BINS = 10

FloatArray = npt.NDArray[np.float64]


def _arrays(
    y: Sequence[float] | FloatArray, p: Sequence[float] | FloatArray
) -> tuple[FloatArray, FloatArray]:
    outcomes = np.asarray(y, dtype=np.float64)
    predicted = np.asarray(p, dtype=np.float64)
    if outcomes.shape != predicted.shape or outcomes.ndim != 1:
        raise ValueError("outcomes and probabilities must be two lists of the same length")
    if outcomes.size == 0:
        raise ValueError("no outcomes to score")
    return outcomes, predicted


def brier(y: Sequence[float] | FloatArray, p: Sequence[float] | FloatArray) -> float:
    """Mean squared difference between probability and outcome (0 is perfect; 0.25 is a coin)."""
    outcomes, predicted = _arrays(y, p)
    return float(np.mean((predicted - outcomes) ** 2))


def log_loss(y: Sequence[float] | FloatArray, p: Sequence[float] | FloatArray) -> float:
    """Mean negative log-likelihood, probabilities clipped to [1e-15, 1 - 1e-15]; natural log."""
    outcomes, predicted = _arrays(y, p)
    clipped = np.clip(predicted, LOG_LOSS_EPS, 1 - LOG_LOSS_EPS)
    return float(-np.mean(outcomes * np.log(clipped) + (1 - outcomes) * np.log(1 - clipped)))


def auc(y: Sequence[float] | FloatArray, p: Sequence[float] | FloatArray) -> float | None:
    """Area under the ROC curve from ranks (Mann-Whitney U), ties given their average rank.

    The chance that a random won deal got a higher probability than a random lost one (ties
    count one half). None when the outcomes are all won or all lost.
    """
    outcomes, predicted = _arrays(y, p)
    positives = int(np.sum(outcomes == 1))
    negatives = outcomes.size - positives
    if positives == 0 or negatives == 0:
        return None
    ranks = _average_ranks(predicted)
    rank_sum = float(np.sum(ranks[outcomes == 1]))
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def _average_ranks(values: FloatArray) -> FloatArray:
    """Ranks 1..n; tied values share the mean of the ranks they span."""
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(values.size, dtype=np.float64)
    sorted_values = values[order]
    start = 0
    while start < values.size:
        end = start
        while end + 1 < values.size and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    """Predictions in [low, high): how many, their mean, and the share of them that were won."""

    low: float
    high: float
    count: int
    mean_predicted: float | None
    observed: float | None


def calibration_table(
    y: Sequence[float] | FloatArray,
    p: Sequence[float] | FloatArray,
    bins: int = CALIBRATION_BINS,
) -> list[CalibrationBin]:
    """Equal-width probability bins [0, 0.1), [0.1, 0.2) ... [0.9, 1.0] (the last one closed).

    Empty bins are kept, with a count of 0 and no means, so tables line up side by side.
    """
    outcomes, predicted = _arrays(y, p)
    index = np.minimum((predicted * bins).astype(np.int64), bins - 1)
    table = []
    for number in range(bins):
        members = index == number
        count = int(np.sum(members))
        table.append(
            CalibrationBin(
                low=number / bins,
                high=(number + 1) / bins,
                count=count,
                mean_predicted=float(np.mean(predicted[members])) if count else None,
                observed=float(np.mean(outcomes[members])) if count else None,
            )
        )
    return table


@dataclass(frozen=True, slots=True)
class Scores:
    """Every metric for one set of predictions."""

    count: int
    won: int
    brier: float
    log_loss: float
    auc: float | None
    calibration: tuple[CalibrationBin, ...]


def score(y: Sequence[float] | FloatArray, p: Sequence[float] | FloatArray) -> Scores:
    outcomes, predicted = _arrays(y, p)
    return Scores(
        count=int(outcomes.size),
        won=int(np.sum(outcomes == 1)),
        brier=brier(outcomes, predicted),
        log_loss=log_loss(outcomes, predicted),
        auc=auc(outcomes, predicted),
        calibration=tuple(calibration_table(outcomes, predicted)),
    )
