"""Regularised logistic regression with numpy: standardised columns, an L2 penalty, an optional
fixed offset, Newton's method from zero weights (deterministic: no random start, no shuffling).

It minimises ``sum of log loss + (lambda/2)·|w|²`` over the standardised columns (the intercept
is not penalised); ``lambda = 1`` matches scikit-learn's default ``C = 1``. With an ``offset``
(a known log-odds per row, here the stage's win rate) the weights learn only what moves a deal
away from it, and the penalty pulls predictions back toward it rather than toward the average.

Values outside a column's training range are clipped to it (a deal older than any seen
is scored as the oldest seen), so a prediction never rests on extrapolation.

A prediction is explained by each column's contribution to the log-odds, ``w_j · z_j`` with
``z_j`` the standardised value, summed over the columns of a group (a one-hot feature's columns
together); the offset's distance from its training mean counts for its own group. A reason so
says how much that feature moves this deal away from an average deal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
DEFAULT_L2 = 1.0
MAX_ITERATIONS = 100
TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class Reason:
    group: str
    contribution: float  # change of the log-odds against an average deal


@dataclass(frozen=True)
class LogisticModel:
    groups: tuple[str, ...]  # the group of each column
    mean: FloatArray
    scale: FloatArray
    weights: FloatArray  # per standardised column
    intercept: float
    iterations: int
    low: FloatArray | None = None  # each column's training range: values beyond it are
    high: FloatArray | None = None  # clipped, so the model never extrapolates
    offset_group: str = ""  # the group the offset is explained as ("" without an offset)
    offset_mean: float = 0.0

    def standardise(self, x: FloatArray) -> FloatArray:
        rows = np.atleast_2d(x)
        if self.low is not None and self.high is not None:
            rows = np.clip(rows, self.low, self.high)
        return (rows - self.mean) / self.scale

    def predict(self, x: FloatArray, offset: FloatArray | None = None) -> FloatArray:
        """Win probabilities of the rows of ``x`` (with their offsets, if the model has one)."""
        margin = self.standardise(x) @ self.weights + self.intercept
        return sigmoid(margin + (offset if offset is not None else 0.0))

    def contributions(self, x: FloatArray) -> FloatArray:
        """``w_j · z_j`` for every row and column."""
        return self.standardise(x) * self.weights

    def reasons(self, row: FloatArray, offset: float = 0.0, top: int = 3) -> list[Reason]:
        """The ``top`` groups that move this row's log-odds most, largest first."""
        totals: dict[str, float] = {}
        if self.offset_group:
            totals[self.offset_group] = offset - self.offset_mean
        for group, value in zip(self.groups, self.contributions(row)[0], strict=True):
            totals[group] = totals.get(group, 0.0) + float(value)
        ranked = sorted(totals.items(), key=lambda item: (-abs(item[1]), item[0]))
        return [Reason(group, value) for group, value in ranked[:top] if value != 0.0]


def sigmoid(z: FloatArray) -> FloatArray:
    result: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * z))  # stable for large |z|
    return result


def logit(p: FloatArray, eps: float = 1e-6) -> FloatArray:
    clipped = np.clip(p, eps, 1 - eps)
    result: FloatArray = np.log(clipped / (1 - clipped))
    return result


def fit_logistic(
    x: FloatArray,
    y: FloatArray | Sequence[float],
    groups: Sequence[str],
    l2: float = DEFAULT_L2,
    offset: FloatArray | None = None,
    offset_group: str = "",
) -> LogisticModel:
    """Fit on rows ``x`` (n x d) and outcomes ``y`` (1 won, 0 lost)."""
    outcomes = np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] != outcomes.size or x.shape[1] != len(groups):
        raise ValueError("x must be n x d with one outcome per row and one group per column")
    if outcomes.size == 0:
        raise ValueError("no rows to learn from")
    if l2 <= 0:
        raise ValueError(f"the L2 penalty must be positive, got {l2}")
    shift = np.zeros(outcomes.size) if offset is None else np.asarray(offset, dtype=np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([np.ones((x.shape[0], 1)), (x - mean) / scale])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 1e-9  # the intercept is (all but) free
    weights, iterations = _newton(z, outcomes, shift, penalty)
    return LogisticModel(
        groups=tuple(groups),
        mean=mean,
        scale=scale,
        weights=weights[1:],
        intercept=float(weights[0]),
        iterations=iterations,
        low=x.min(axis=0),
        high=x.max(axis=0),
        offset_group=offset_group if offset is not None else "",
        offset_mean=float(shift.mean()),
    )


def _objective(
    z: FloatArray, y: FloatArray, shift: FloatArray, w: FloatArray, penalty: FloatArray
) -> float:
    margin = z @ w + shift
    loss = np.logaddexp(0.0, margin) - y * margin  # log(1 + e^m) - y·m, without overflow
    return float(np.sum(loss) + 0.5 * np.sum(penalty * w * w))


def _newton(
    z: FloatArray, y: FloatArray, shift: FloatArray, penalty: FloatArray
) -> tuple[FloatArray, int]:
    """Damped Newton: full steps, halved while they would raise the objective."""
    w = np.zeros(z.shape[1])
    current = _objective(z, y, shift, w, penalty)
    for iteration in range(1, MAX_ITERATIONS + 1):
        p = sigmoid(z @ w + shift)
        gradient = z.T @ (p - y) + penalty * w
        hessian = (z.T * (p * (1 - p))) @ z + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        size = 1.0
        while True:
            candidate = w - size * step
            value = _objective(z, y, shift, candidate, penalty)
            if value <= current + 1e-12 or size < 1e-6:
                break
            size /= 2
        w, previous, current = candidate, current, value
        moved = float(np.max(np.abs(size * step)))
        if moved < TOLERANCE or previous - current < TOLERANCE * (1 + abs(current)):
            return w, iteration
    return w, MAX_ITERATIONS


L2_GRID = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0)
INNER_FOLDS = 3


def choose_l2(
    x: FloatArray,
    y: FloatArray,
    groups: Sequence[str],
    *,
    units: Sequence[int],
    offset: FloatArray | None = None,
    grid: Sequence[float] = L2_GRID,
    folds: int = INNER_FOLDS,
    seed: int = 0,
) -> float:
    """The penalty of ``grid`` with the lowest cross-validated log loss.

    Rows of one unit (a deal's snapshots) stay in one fold; units are dealt into ``folds``
    folds in an order shuffled with ``seed``. Ties go to the stronger penalty.
    """
    distinct = np.unique(np.asarray(units))
    if distinct.size < folds:
        return DEFAULT_L2
    order = np.random.default_rng(seed).permutation(distinct.size)
    fold_of_unit = {int(distinct[i]): position % folds for position, i in enumerate(order)}
    fold = np.array([fold_of_unit[int(unit)] for unit in units])
    shift = np.zeros(y.size) if offset is None else offset
    best, best_loss = DEFAULT_L2, np.inf
    for l2 in sorted(grid, reverse=True):
        losses = []
        for number in range(folds):
            learn, held = fold != number, fold == number
            if len(np.unique(y[learn])) < 2:
                return DEFAULT_L2
            fitted = fit_logistic(x[learn], y[learn], groups, l2, shift[learn], "offset")
            p = np.clip(fitted.predict(x[held], shift[held]), 1e-15, 1 - 1e-15)
            losses.append(-np.sum(y[held] * np.log(p) + (1 - y[held]) * np.log(1 - p)))
        loss = float(np.sum(losses)) / y.size
        if loss < best_loss - 1e-12:
            best, best_loss = l2, loss
    return best
