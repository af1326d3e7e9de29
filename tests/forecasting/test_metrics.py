"""Metrics against values computed by hand."""

from __future__ import annotations

import math

import pytest

from traseu.forecasting.metrics import auc, brier, calibration_table, log_loss, score

Y = [1, 0, 1, 0]
P = [0.9, 0.2, 0.6, 0.5]


def test_brier_is_the_mean_squared_error() -> None:
    # (0.1² + 0.2² + 0.4² + 0.5²) / 4
    assert brier(Y, P) == pytest.approx(0.115)


def test_log_loss_is_the_mean_negative_log_likelihood() -> None:
    expected = -(math.log(0.9) + math.log(0.8) + math.log(0.6) + math.log(0.5)) / 4
    assert log_loss(Y, P) == pytest.approx(expected)
    assert log_loss(Y, P) == pytest.approx(0.3831192, abs=1e-7)


def test_log_loss_clips_certain_mistakes_instead_of_returning_infinity() -> None:
    assert log_loss([1], [0.0]) == pytest.approx(-math.log(1e-15))


def test_auc_counts_ordered_pairs_and_ties_as_halves() -> None:
    # won {0.8, 0.4, 0.2} against lost {0.4, 0.6}: 0.8 beats both (2), 0.4 ties 0.4 (0.5)
    # and loses to 0.6, 0.2 loses to both: 2.5 of 6 pairs.
    assert auc([1, 1, 0, 0, 1], [0.8, 0.4, 0.4, 0.6, 0.2]) == pytest.approx(2.5 / 6)
    assert auc(Y, P) == 1.0
    assert auc([0, 1], [0.9, 0.1]) == 0.0


def test_auc_is_undefined_with_one_outcome() -> None:
    assert auc([1, 1], [0.2, 0.3]) is None


def test_calibration_table_has_ten_bins_with_counts_means_and_observed_shares() -> None:
    table = calibration_table([0, 1, 0, 1, 1, 0], [0.05, 0.15, 0.12, 0.95, 1.0, 0.1])

    assert [row.count for row in table] == [1, 3, 0, 0, 0, 0, 0, 0, 0, 2]
    assert (table[0].low, table[0].high) == (0.0, 0.1)
    assert table[0].mean_predicted == pytest.approx(0.05)
    assert table[0].observed == 0.0
    assert table[1].mean_predicted == pytest.approx((0.15 + 0.12 + 0.1) / 3)
    assert table[1].observed == pytest.approx(1 / 3)
    assert table[9].mean_predicted == pytest.approx(0.975)  # 1.0 falls in the last bin
    assert table[9].observed == 1.0
    assert (table[5].mean_predicted, table[5].observed) == (None, None)


def test_score_gathers_every_metric() -> None:
    result = score(Y, P)
    assert (result.count, result.won) == (4, 2)
    assert result.brier == pytest.approx(0.115)
    assert result.auc == 1.0
    assert len(result.calibration) == 10


@pytest.mark.parametrize(("y", "p"), [([1, 0], [0.5]), ([], [])])
def test_mismatched_or_empty_inputs_are_refused(y: list[int], p: list[float]) -> None:
    with pytest.raises(ValueError, match=r"same length|no outcomes"):
        brier(y, p)
