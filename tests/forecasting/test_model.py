"""Training every method, and the backtest: on data with a known signal the model beats the
baseline; too little history is said plainly."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.forecasting.synthetic import DESIGNED, ROUTE, deals
from traseu.forecasting.backtest import backtest, fold_of, usable_folds
from traseu.forecasting.history import current_snapshot
from traseu.forecasting.model import NotEnoughHistory, train


def test_the_model_beats_the_baseline_where_the_signal_is() -> None:
    """The outcome depends on the budget answer and the meetings, which the baseline (stage,
    team, source, country, industry) cannot see and the model can."""
    result = backtest(deals(500, seed=2), ROUTE, DESIGNED, folds=5)

    model, baseline = result.scores["model"], result.scores["baseline"]
    assert model.brier < baseline.brier - 0.03
    assert model.log_loss < baseline.log_loss - 0.1
    assert model.auc is not None
    assert baseline.auc is not None
    assert model.auc > baseline.auc + 0.1
    assert (result.split, result.folds, result.test_deals) == ("folds", 5, 500)


def test_every_deal_is_scored_once_in_k_folds() -> None:
    records = deals(60, seed=4)
    result = backtest(records, ROUTE, DESIGNED, folds=3)
    rows = sum(len(r.stays) for r in records)
    assert {s.count for s in result.scores.values()} == {rows}


def test_folds_keep_the_share_of_won_deals() -> None:
    records = deals(100, seed=6)
    assignment = fold_of(records, 4, seed=1)
    won_per_fold = [
        sum(1 for r in records if r.won and assignment[r.deal_id] == f) for f in range(4)
    ]
    assert max(won_per_fold) - min(won_per_fold) <= 1
    assert fold_of(records, 4, seed=1) == assignment


def test_a_time_split_learns_from_the_past_only() -> None:
    records = deals(300, seed=8)
    before = dt.datetime(2025, 8, 1, tzinfo=dt.UTC)
    result = backtest(records, ROUTE, DESIGNED, before=before)

    past = [r for r in records if r.closed_at and r.closed_at < before]
    assert (result.split, result.train_deals, result.test_deals) == (
        "time",
        len(past),
        300 - len(past),
    )
    assert result.scores["model"].brier < result.scores["baseline"].brier


def test_too_little_history_is_refused_with_the_counts() -> None:
    records = deals(8, seed=1)
    with pytest.raises(NotEnoughHistory, match=r"has \d+ won and \d+ lost deals; at least 5"):
        backtest(records, ROUTE, DESIGNED, folds=2)
    with pytest.raises(NotEnoughHistory, match="Use fewer folds"):
        backtest(deals(14, seed=1), ROUTE, DESIGNED, folds=10)  # 7 won, 7 lost


def test_without_enough_history_the_stage_rate_is_used() -> None:
    trained = train(deals(6, seed=3), ROUTE, DESIGNED)
    assert trained.model is None
    assert trained.baseline is None
    assert trained.best_method() == "stage"
    open_deal = deals(10, seed=3, open_share=1.0)[0]
    shot = current_snapshot(open_deal, open_deal.stays[-1].entered_at + dt.timedelta(days=1))
    assert shot is not None
    assert set(trained.predict([shot])) == {"designed", "stage"}
    assert trained.reasons(shot) == []


def test_reasons_name_the_signal() -> None:
    trained = train(deals(500, seed=2), ROUTE, DESIGNED)
    open_deal = next(
        d for d in deals(50, seed=9, open_share=1.0) if d.answers[0].status == "confirmed"
    )
    shot = current_snapshot(open_deal, open_deal.stays[-1].entered_at)
    assert shot is not None
    groups = [reason.group for reason in trained.reasons(shot, top=3)]
    assert "answer:bant.budget" in groups
    budget = next(r for r in trained.reasons(shot, top=3) if r.group == "answer:bant.budget")
    assert budget.contribution > 0


def test_a_small_history_gets_more_folds() -> None:
    records = deals(12, seed=1)  # 6 won, 6 lost: only 6 folds leave 5 of each to learn from
    assert usable_folds(records) == 6
    assert usable_folds(deals(500, seed=2)) == 5
    assert backtest(records, ROUTE, DESIGNED, folds=None).folds == 6
    assert usable_folds(deals(10, seed=1)) == 5  # 5 of an outcome: no split works
