"""``traseu forecast backtest``'s printed shape; ``traseu report probabilities|forecast``."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.cli.conftest import Result
from tests.forecasts.helpers import history_deal, many_deals
from traseu.core.models import User
from traseu.processes.models import ProcessVersion

pytestmark = pytest.mark.django_db
Run = Callable[..., Result]


@pytest.fixture
def history(route: ProcessVersion, people: dict[str, User]) -> None:
    many_deals(route, people["rep"], won=12, lost=12)


def test_backtest_prints_metrics_and_calibration_side_by_side(history: None, traseu: Run) -> None:
    result = traseu("forecast", "backtest", "--process", "test-route", "--folds", "2")

    assert result.status == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("Backtest (process test-route v1, split 2-fold stratified, ")
    assert "trained_on 24, scored_deals 24" in lines[0]
    header = lines.index("Metrics (lower Brier and log loss are better; higher AUC is better)")
    assert lines[header + 1].split() == [
        "Metric",
        "Designed",
        "Stage",
        "history",
        "Baseline",
        "(naive",
        "Bayes)",
        "Model",
    ]
    for offset, name in ((2, ["Brier"]), (3, ["log", "loss"]), (4, ["AUC"])):
        cells = lines[header + offset].split()
        assert cells[: len(name)] == name
        values = cells[len(name) :]
        assert len(values) == 4
        assert all(len(v.split(".")[1]) == 4 for v in values)  # four decimals
    calibration = lines.index(
        "Calibration: predicted probability against the share won, per probability bin"
    )
    assert lines[calibration + 1].split()[:4] == ["Predicted", "Baseline", "(naive", "Bayes):"]
    bins = lines[calibration + 2 : calibration + 12]
    assert [row.split()[0] for row in bins] == [f"{10 * i}%-{10 * i + 10}%" for i in range(10)]
    assert all(len(row.split()) == 7 for row in bins)  # bin, then n, mean, won per method


def test_backtest_as_json(history: None, traseu: Run) -> None:
    result = traseu(
        "forecast", "backtest", "--process", "test-route", "--folds", "2", "--format", "json"
    )

    document = json.loads(result.out)
    assert document["report"] == "backtest"
    metrics = {row["metric"]: row for row in document["tables"]["metrics"]}
    assert set(metrics) == {"Brier", "log loss", "AUC"}
    assert 0 < metrics["Brier"]["model"] < 1
    assert len(document["tables"]["calibration"]) == 10


def test_backtest_with_a_date_splits_in_time(
    route: ProcessVersion, people: dict[str, User], traseu: Run
) -> None:
    many_deals(route, people["rep"], won=12, lost=12)  # closed from January 30 on

    result = traseu("forecast", "backtest", "--process", "test-route", "--before", "2026-02-05")

    assert result.status == 0, result.err
    assert "split deals closed before 2026-02-05 predict those closed from it" in result.out


def test_too_little_history_exits_2_saying_what_is_missing(
    route: ProcessVersion, people: dict[str, User], traseu: Run
) -> None:
    history_deal(route, people["rep"], path=["prospecting"], outcome="lost")

    result = traseu("forecast", "backtest", "--process", "test-route")

    assert result.status == 2
    assert result.out == ""
    assert result.err_lines == [
        "traseu: error: Process test-route: The history has 0 won and 1 lost deals; "
        "at least 5 of each are needed. [not_enough_history]"
    ]


def test_a_bad_date_is_a_usage_error(traseu: Run) -> None:
    result = traseu("forecast", "backtest", "--before", "2026-13-01")
    assert result.status == 2
    assert "not a date (YYYY-MM-DD): '2026-13-01'" in result.err


def test_probabilities_print_designed_beside_observed(history: None, traseu: Run) -> None:
    result = traseu("report", "probabilities", "--process", "test-route")

    assert result.status == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == (
        "Evidence-based stage probabilities (process test-route, version 1, closed_deals 24, "
        "prior_strength 10.0)"
    )
    assert lines[3].split() == [
        "Stage",
        "Designed",
        "Reached",
        "Won",
        "Observed",
        "95%",
        "low",
        "95%",
        "high",
        "Estimate",
    ]
    assert lines[4].split()[:4] == ["Prospecting", "5.0%", "24", "12"]


def test_period_forecast_as_json(history: None, traseu: Run) -> None:
    result = traseu("report", "forecast", "--option", "period=2026-Q1", "--format", "json")

    assert result.status == 0, result.err
    document = json.loads(result.out)
    assert document["period"] == "2026-01-01..2026-03-31"
    categories = {row["category"]: row for row in document["tables"]["categories"]}
    assert categories["Closed"]["deals"] == 12
    assert categories["Omitted"]["deals"] == 12
    assert {row["figure"] for row in document["tables"]["distribution"]} >= {"P10", "P50", "P90"}


def test_a_forecast_over_any_dates_as_csv(history: None, traseu: Run) -> None:
    result = traseu(
        "report",
        "forecast",
        "--since",
        "2026-01-01",
        "--until",
        "2026-01-31",
        "--format",
        "csv",
        "--table",
        "categories",
    )

    assert result.status == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "category,deals,amount,weighted,cumulative"
    assert lines[1].startswith("Closed,2,2000.0,")  # won deals closed on January 30 and 31


def test_the_prior_strength_is_checked(history: None, traseu: Run) -> None:
    result = traseu("report", "probabilities", "--option", "prior_strength=-3")
    assert result.status == 2
    assert "The prior strength is a number of deals from 0 to 100000, or 'auto'." in result.err


def test_past_periods_beside_what_closed(history: None, traseu: Run) -> None:
    result = traseu(
        "forecast",
        "past",
        "--process",
        "test-route",
        "--by",
        "month",
        "--periods",
        "3",
        "--format",
        "json",
    )

    assert result.status == 0, result.err
    rows = json.loads(result.out)["tables"]["periods"]
    assert len(rows) == 3
    assert [row["period"][-2:] for row in rows][-1] in {"28", "29", "30", "31"}  # month ends
    assert all(row["p10"] <= row["p50"] <= row["p90"] for row in rows)


def test_past_periods_are_bounded(history: None, traseu: Run) -> None:
    result = traseu("forecast", "past", "--process", "test-route", "--periods", "0")
    assert result.status == 2
    assert "Ask for 1 to 24 past periods, not 0." in result.err
