"""Everything learned from one process's closed deals, and the probability of an open deal.

Four ways to put a probability on a snapshot, from the simplest:

- ``designed``: the stage's probability as the process document sets it;
- ``stage``: the stage's observed win rate shrunk toward the designed one (:mod:`.stats`);
- ``baseline``: Odoo-style naive Bayes (:mod:`.naive_bayes`);
- ``model``: the logistic regression over every feature (:mod:`.features`, :mod:`.logistic`).

:func:`train` learns them all; a method that lacks history (fewer than ``MIN_OUTCOME`` won or
lost deals) is left out, and :meth:`Trained.probability` falls back to the next simpler one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from traseu.forecasting.features import FeatureSpace, fit_space
from traseu.forecasting.history import DealRecord, Snapshot, training_snapshots
from traseu.forecasting.logistic import (
    DEFAULT_L2,
    FloatArray,
    LogisticModel,
    Reason,
    choose_l2,
    fit_logistic,
    logit,
)
from traseu.forecasting.naive_bayes import NaiveBayes, example_of, fit_naive_bayes, values_of
from traseu.forecasting.stats import (
    DEFAULT_PRIOR_STRENGTH,
    StageRate,
    estimate_prior_strength,
    stage_rate,
)

METHODS = ("designed", "stage", "baseline", "model")
CV_MAX_ROWS = 20_000  # above this the penalty is not cross-validated (DEFAULT_L2)
MIN_OUTCOME = 5  # won and lost deals each needed before the baseline and the model are trained


class NotEnoughHistory(ValueError):
    """The history cannot support what was asked (the message says what is missing)."""


@dataclass(frozen=True)
class Trained:
    stages: tuple[str, ...]
    designed: Mapping[str, float]
    rates: Mapping[str, StageRate]
    strength: float
    deals: int  # closed deals learned from
    won: int
    rows: int  # training snapshots
    baseline: NaiveBayes | None = None
    space: FeatureSpace | None = None
    model: LogisticModel | None = None
    l2: float | None = None  # the model's penalty

    def predict(self, shots: Sequence[Snapshot]) -> dict[str, np.ndarray]:
        """Every available method's probabilities for ``shots`` (methods missing are absent)."""
        result = {
            "designed": np.array([shot.designed for shot in shots], dtype=np.float64),
            "stage": np.array([self.stage_probability(shot) for shot in shots], dtype=np.float64),
        }
        if self.baseline is not None:
            result["baseline"] = np.array(
                [self.baseline.probability(s.stage, values_of(s)) for s in shots], dtype=np.float64
            )
        if self.model is not None and self.space is not None:
            matrix = self.space.matrix(shots)
            result["model"] = (
                self.model.predict(matrix, self.offsets(shots)) if shots else np.zeros(0)
            )
        return result

    def offsets(self, shots: Sequence[Snapshot]) -> FloatArray:
        """The model's starting point per snapshot: the log-odds of its stage's rate."""
        return logit(np.array([self.stage_probability(shot) for shot in shots], dtype=np.float64))

    def stage_probability(self, shot: Snapshot) -> float:
        rate = self.rates.get(shot.stage)
        return rate.shrunk if rate is not None else shot.designed

    def best_method(self) -> str:
        return "model" if self.model is not None else "stage"

    def reasons(self, shot: Snapshot, top: int = 3) -> list[Reason]:
        if self.model is None or self.space is None:
            return []
        offset = float(self.offsets([shot])[0])
        return self.model.reasons(self.space.matrix([shot]), offset=offset, top=top)


def stage_rates(
    records: Sequence[DealRecord],
    stages: Sequence[str],
    designed: Mapping[str, float],
    strength: float | None = DEFAULT_PRIOR_STRENGTH,
) -> tuple[dict[str, StageRate], float]:
    """Per stage: closed deals that reached it, how many were won, and the shrunk rate.

    ``strength`` None estimates the prior strength from the data (empirical Bayes).
    """
    reached = dict.fromkeys(stages, 0)
    won = dict.fromkeys(stages, 0)
    for record in records:
        if record.won is None:
            continue
        for stage in record.reached():
            if stage in reached:
                reached[stage] += 1
                won[stage] += int(record.won)
    if strength is None:
        strength = estimate_prior_strength(
            [(won[s], reached[s], designed.get(s, 0.0)) for s in stages]
        )
    rates = {s: stage_rate(s, designed.get(s, 0.0), won[s], reached[s], strength) for s in stages}
    return rates, strength


def train(
    records: Sequence[DealRecord],
    stages: Sequence[str],
    designed: Mapping[str, float],
    *,
    strength: float | None = DEFAULT_PRIOR_STRENGTH,
    l2: float | None = None,
) -> Trained:
    """Learn every method from the closed deals among ``records``.

    ``stages`` and ``designed`` describe the route (pre-sale stages, in order) the results are
    reported on: usually the process's newest version. ``l2`` None chooses the penalty by
    cross-validation (up to ``CV_MAX_ROWS`` training rows).
    """
    closed = [record for record in records if record.won is not None]
    rates, strength = stage_rates(closed, stages, designed, strength)
    won = sum(1 for record in closed if record.won)
    rows = training_snapshots(closed)
    trained = Trained(
        stages=tuple(stages),
        designed=dict(designed),
        rates=rates,
        strength=strength,
        deals=len(closed),
        won=won,
        rows=len(rows),
    )
    outcomes = [1.0 if outcome else 0.0 for _, outcome in rows]
    if min(won, len(closed) - won) < MIN_OUTCOME or len(set(outcomes)) < 2:
        return trained
    examples = [example for record in closed if (example := example_of(record)) is not None]
    shots = [shot for shot, _ in rows]
    space = fit_space(shots, stages)
    matrix, offsets = space.matrix(shots), trained.offsets(shots)
    groups = [column.group for column in space.columns]
    y = np.asarray(outcomes)
    if l2 is None:
        units = [shot.deal_id for shot in shots]
        small = len(rows) <= CV_MAX_ROWS
        l2 = choose_l2(matrix, y, groups, units=units, offset=offsets) if small else DEFAULT_L2
    model = fit_logistic(matrix, y, groups, l2=l2, offset=offsets, offset_group="stage")
    return replace(
        trained,
        baseline=fit_naive_bayes(examples, stages),
        space=space,
        model=model,
        l2=l2,
    )
