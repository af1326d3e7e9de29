"""How well each method would have predicted deals it had not seen.

- **Time split** (``before`` given): learn from the deals closed before ``before`` and score
  the deals closed on or after it, each at every pre-sale stay it made (halfway through, as
  in training). This is how the numbers are used: history predicting the future.
- **Stratified k-fold** (no date): deals (not snapshots: a deal's rows stay together) are
  dealt into ``folds`` groups with the same share of won deals, in an order shuffled with
  ``seed``; each group is scored by what the other groups taught. Every deal is scored once.
  Optimistic next to a time split: a fold may learn from deals that closed after it.

Every method is scored on the same rows, so their metrics compare directly.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from traseu.forecasting.history import DealRecord, Snapshot, training_snapshots
from traseu.forecasting.metrics import Scores, score
from traseu.forecasting.model import METHODS, MIN_OUTCOME, NotEnoughHistory, train
from traseu.forecasting.stats import DEFAULT_PRIOR_STRENGTH

DEFAULT_FOLDS = 5
DEFAULT_SEED = 20260302


@dataclass(frozen=True)
class Backtest:
    split: str  # "time" or "folds"
    before: dt.datetime | None
    folds: int | None
    train_deals: int  # time split: deals learned from; folds: every closed deal
    test_deals: int
    test_rows: int
    scores: Mapping[str, Scores]  # method -> metrics; methods that could not learn are absent


def backtest(
    records: Sequence[DealRecord],
    stages: Sequence[str],
    designed: Mapping[str, float],
    *,
    before: dt.datetime | None = None,
    folds: int | None = DEFAULT_FOLDS,
    seed: int = DEFAULT_SEED,
    strength: float | None = DEFAULT_PRIOR_STRENGTH,
) -> Backtest:
    """``folds`` None: DEFAULT_FOLDS, or more when the history is too small for them."""
    closed = [record for record in records if record.won is not None]
    if before is not None:
        return _time_split(closed, stages, designed, before, strength)
    if folds is None:
        folds = usable_folds(closed)
    return _k_fold(closed, stages, designed, folds, seed, strength)


def usable_folds(closed: Sequence[DealRecord], preferred: int = DEFAULT_FOLDS) -> int:
    """``preferred`` folds if every fold then learns from ``MIN_OUTCOME`` won and lost deals
    and scores at least one of each; else the fewest more folds that do (a small history needs
    more folds, so that each learns from more); ``preferred`` when none does."""
    won = sum(1 for record in closed if record.won)
    smallest = min(won, len(closed) - won)
    for folds in range(preferred, max(preferred, smallest) + 1):
        if _folds_fit(smallest, folds):
            return folds
    return preferred


def _folds_fit(smallest: int, folds: int) -> bool:
    return smallest >= folds and smallest - math.ceil(smallest / folds) >= MIN_OUTCOME


def _require_outcomes(records: Sequence[DealRecord], what: str) -> None:
    won = sum(1 for record in records if record.won)
    lost = len(records) - won
    if min(won, lost) < MIN_OUTCOME:
        raise NotEnoughHistory(
            f"{what} has {won} won and {lost} lost deals; "
            f"at least {MIN_OUTCOME} of each are needed."
        )


def _time_split(
    closed: Sequence[DealRecord],
    stages: Sequence[str],
    designed: Mapping[str, float],
    before: dt.datetime,
    strength: float | None,
) -> Backtest:
    past = [r for r in closed if r.closed_at is not None and r.closed_at < before]
    future = [r for r in closed if r.closed_at is None or r.closed_at >= before]
    _require_outcomes(past, f"The history closed before {before:%Y-%m-%d}")
    rows = training_snapshots(future)
    if not rows:
        raise NotEnoughHistory(f"No deal closed on or after {before:%Y-%m-%d} to score.")
    trained = train(past, stages, designed, strength=strength)
    shots = [shot for shot, _ in rows]
    predictions = trained.predict(shots)
    outcomes = np.array([1.0 if won else 0.0 for _, won in rows])
    return Backtest(
        split="time",
        before=before,
        folds=None,
        train_deals=len(past),
        test_deals=len(future),
        test_rows=len(rows),
        scores={m: score(outcomes, predictions[m]) for m in METHODS if m in predictions},
    )


def fold_of(records: Sequence[DealRecord], folds: int, seed: int) -> dict[int, int]:
    """Deal id -> fold: won and lost deals each shuffled (``seed``) and dealt round-robin."""
    rng = np.random.default_rng(seed)
    assignment: dict[int, int] = {}
    offset = 0
    for outcome in (True, False):
        ids = sorted(r.deal_id for r in records if r.won is outcome)
        for position, index in enumerate(rng.permutation(len(ids))):
            assignment[ids[int(index)]] = (offset + position) % folds
        offset += len(ids)
    return assignment


def _k_fold(
    closed: Sequence[DealRecord],
    stages: Sequence[str],
    designed: Mapping[str, float],
    folds: int,
    seed: int,
    strength: float | None,
) -> Backtest:
    if folds < 2:
        raise NotEnoughHistory(f"A k-fold backtest needs at least 2 folds, not {folds}.")
    _require_outcomes(closed, "The history")
    smallest = min(sum(1 for r in closed if r.won), sum(1 for r in closed if not r.won))
    if not _folds_fit(smallest, folds):
        raise NotEnoughHistory(
            f"{folds} folds need enough won and lost deals for every fold to learn from "
            f"{MIN_OUTCOME} of each and to score at least one; the history has {smallest} "
            "of the rarer outcome. Use fewer folds."
        )
    assignment = fold_of(closed, folds, seed)
    shots: list[Snapshot] = []
    outcomes: list[float] = []
    predicted: dict[str, list[float]] = {method: [] for method in METHODS}
    for fold in range(folds):
        learn = [r for r in closed if assignment[r.deal_id] != fold]
        rows = training_snapshots([r for r in closed if assignment[r.deal_id] == fold])
        trained = train(learn, stages, designed, strength=strength)
        fold_shots = [shot for shot, _ in rows]
        predictions = trained.predict(fold_shots)
        for method in METHODS:
            # A method a fold could not learn falls back as Trained.probability would.
            fallback = predictions.get(method, predictions["stage"])
            predicted[method] += [float(v) for v in fallback]
        shots += fold_shots
        outcomes += [1.0 if won else 0.0 for _, won in rows]
    return Backtest(
        split="folds",
        before=None,
        folds=folds,
        train_deals=len(closed),
        test_deals=len(closed),
        test_rows=len(shots),
        scores={method: score(outcomes, values) for method, values in predicted.items()},
    )
