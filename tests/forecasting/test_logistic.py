"""The logistic regression recovers a known signal, deterministically, and explains itself."""

from __future__ import annotations

import numpy as np
import pytest

from traseu.forecasting.logistic import choose_l2, fit_logistic, sigmoid

GROUPS = ["x1", "x2", "noise"]


def synthetic(n: int = 6000, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = (rng.random(n) < sigmoid(0.5 + 1.5 * x[:, 0] - 1.0 * x[:, 1])).astype(float)
    return x, y


def test_it_recovers_the_coefficients() -> None:
    x, y = synthetic()
    model = fit_logistic(x, y, GROUPS, l2=1.0)
    # Standardised columns of N(0, 1) data: the weights are the coefficients themselves.
    assert model.weights[0] == pytest.approx(1.5, abs=0.1)
    assert model.weights[1] == pytest.approx(-1.0, abs=0.1)
    assert model.weights[2] == pytest.approx(0.0, abs=0.06)
    assert model.intercept == pytest.approx(0.5, abs=0.1)


def test_training_is_deterministic() -> None:
    x, y = synthetic(800)
    first, second = fit_logistic(x, y, GROUPS), fit_logistic(x, y, GROUPS)
    assert np.array_equal(first.weights, second.weights)
    assert first.intercept == second.intercept


def test_a_stronger_penalty_shrinks_the_weights() -> None:
    x, y = synthetic(300)
    loose, tight = fit_logistic(x, y, GROUPS, l2=0.1), fit_logistic(x, y, GROUPS, l2=300.0)
    assert np.abs(tight.weights).sum() < np.abs(loose.weights).sum() / 2


def test_reasons_sum_the_contributions_of_a_group_and_rank_them() -> None:
    x, y = synthetic(2000)
    x = np.hstack([x, (x[:, :1] > 0).astype(float)])  # a second column in group x1
    model = fit_logistic(x, y, [*GROUPS, "x1"])
    row = np.array([[2.0, -1.0, 0.0, 1.0]])
    parts = model.contributions(row)[0]

    reasons = model.reasons(row, top=2)

    assert [r.group for r in reasons] == ["x1", "x2"]
    assert reasons[0].contribution == pytest.approx(parts[0] + parts[3])
    assert reasons[1].contribution == pytest.approx(parts[1])
    # the log-odds is the intercept plus every contribution
    logit = np.log(model.predict(row)[0] / (1 - model.predict(row)[0]))
    assert logit == pytest.approx(model.intercept + parts.sum())


def test_an_offset_is_the_starting_point_and_counts_as_a_reason() -> None:
    x, y = synthetic(1000)
    offset = np.full(y.size, 2.0)
    model = fit_logistic(x, y, GROUPS, l2=1e6, offset=offset, offset_group="stage")
    # an overwhelming penalty leaves the offset plus a free intercept
    assert np.abs(model.weights).max() < 1e-3
    assert model.predict(x[:1], offset[:1])[0] == pytest.approx(y.mean(), abs=0.02)
    reasons = model.reasons(x[:1], offset=3.0, top=1)
    assert (reasons[0].group, reasons[0].contribution) == ("stage", pytest.approx(1.0))


def test_cross_validation_picks_a_strong_penalty_for_noise_and_a_light_one_for_signal() -> None:
    rng = np.random.default_rng(5)
    noise = rng.normal(size=(300, 3))
    coin = (rng.random(300) < 0.5).astype(float)
    units = list(range(300))
    assert choose_l2(noise, coin, GROUPS, units=units) >= 30.0
    x, y = synthetic(3000)
    assert choose_l2(x, y, GROUPS, units=list(range(3000))) <= 10.0


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="one outcome per row"):
        fit_logistic(np.zeros((3, 2)), [1, 0], ["a", "b"])
    with pytest.raises(ValueError, match="positive"):
        fit_logistic(np.zeros((2, 1)), [1, 0], ["a"], l2=0)


def test_values_beyond_the_training_range_are_clipped_to_it() -> None:
    x, y = synthetic(500)
    model = fit_logistic(x, y, GROUPS)
    edge = x.max(axis=0)
    assert model.predict(edge * 50)[0] == pytest.approx(model.predict(edge)[0])
