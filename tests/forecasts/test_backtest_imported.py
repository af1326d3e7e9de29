"""``traseu forecast backtest`` on history that came in through ``traseu import``: a Salesforce
Data Export (tests/forecasts/salesforce_history.py: 120 opportunities, their history, messy
values) imported with the shipped preset, then backtested, both through the command line.

The expected numbers of deals are read from the CSV files alone, not from the database: a deal
closed when its first closing OpportunityHistory row was written, or, when the history has no
closing row, on its CloseDate (midnight in the configured time zone).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from tests.cli.conftest import Result
from tests.forecasts.salesforce_history import EVE_AFTER, EVE_BEFORE, write_export
from traseu.analytics.tables import show
from traseu.core.models import User
from traseu.crm.models import Deal, DealStatus
from traseu.forecasting.model import METHODS
from traseu.processes.models import ProcessVersion
from traseu.processes.services import process_apply_file

pytestmark = pytest.mark.django_db
Run = Callable[..., Result]

CLASSIC = Path(__file__).parents[2] / "src" / "traseu" / "process" / "documents" / "classic.en.yaml"
SPLIT = "2024-10-01"
EXPORT = (
    ("accounts", "Account.csv"),
    ("deals", "Opportunity.csv"),
    ("deal-history", "OpportunityHistory.csv"),
)
CLOSING = {"closed won", "closed lost"}


@pytest.fixture
def classic(db: None) -> ProcessVersion:
    return process_apply_file(path=CLASSIC).version


@pytest.fixture
def export(tmp_path: Path) -> Path:
    write_export(tmp_path)
    return tmp_path


def _import(traseu: Run, folder: Path, files: tuple[tuple[str, str], ...] = EXPORT) -> None:
    for kind, name in files:
        result = traseu("import", kind, str(folder / name), "--preset", "salesforce")
        assert result.status == 0, result.err
        assert result.out.startswith("imported: ")
        assert " 0 rejected " in result.out, result.out


@pytest.fixture
def imported(
    people: dict[str, User],
    classic: ProcessVersion,
    export: Path,
    traseu: Run,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    monkeypatch.setenv("TRASEU_USER", "manager")  # as docs/imports.md runs the export
    _import(traseu, export)
    return export


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def _closes(folder: Path, *, history: bool = True) -> dict[str, tuple[dt.datetime, bool]]:
    """Opportunity id -> (when it closed, won) for every closed opportunity of the export."""
    zone = ZoneInfo(settings.TIME_ZONE)
    closing: dict[str, dt.datetime] = {}
    if history:
        for row in _read(folder / "OpportunityHistory.csv"):
            if row["IsDeleted"] == "false" and row["StageName"].lower() in CLOSING:
                at = dt.datetime.fromisoformat(row["CreatedDate"].replace("Z", "+00:00"))
                closing[row["OpportunityId"]] = min(at, closing.get(row["OpportunityId"], at))
    found = {}
    for row in _read(folder / "Opportunity.csv"):
        if row["IsClosed"] != "true":
            continue
        created = dt.datetime.fromisoformat(row["CreatedDate"].replace("Z", "+00:00"))
        day = dt.datetime.combine(dt.date.fromisoformat(row["CloseDate"]), dt.time(), zone)
        # a close date on the day of the creation closes at the creation, never before it
        at = closing.get(row["Id"]) or max(day, created)
        found[row["Id"]] = (at, row["IsWon"] == "true")
    return found


def _split_moment() -> dt.datetime:
    return dt.datetime.combine(
        dt.date.fromisoformat(SPLIT), dt.time(), ZoneInfo(settings.TIME_ZONE)
    )


@dataclass
class Printed:
    """The table output of one backtest, taken apart."""

    facts: dict[str, int]
    split: str
    methods: list[str]  # metric column headers, left to right
    metrics: dict[str, list[str]]  # metric -> its values as printed, per method
    calibration_header: str
    calibration: list[list[str]]  # per bin: bin, then n, mean, won of each method


def _printed(out: str) -> Printed:
    lines = out.splitlines()
    first = re.fullmatch(r"Backtest \((.*)\)", lines[0])
    assert first is not None, lines[0]
    facts = {key: int(value) for key, value in re.findall(r"(\w+) (\d+)(?=,|$)", first[1])}
    split = re.search(r"split ([^,]+)", first[1])
    assert split is not None
    top = lines.index("Metrics (lower Brier and log loss are better; higher AUC is better)")
    header = lines[top + 1]
    methods = re.split(r"\s{2,}", header.strip())[1:]
    metrics = {}
    for line in lines[top + 2 : top + 5]:
        cells = re.split(r"\s{2,}", line.strip())
        metrics[cells[0]] = cells[1:]
    bottom = lines.index(
        "Calibration: predicted probability against the share won, per probability bin"
    )
    rows = [line.split() for line in lines[bottom + 2 : bottom + 12]]
    return Printed(facts, split[1], methods, metrics, lines[bottom + 1], rows)


def _check_both_models(printed: Printed, document: dict[str, Any]) -> None:
    """Both models named, with Brier, log loss, AUC and a calibration table each, in range; the
    JSON holds the same numbers as the table."""
    assert printed.methods == ["Designed", "Stage history", "Baseline (naive Bayes)", "Model"]
    assert list(printed.metrics) == ["Brier", "log loss", "AUC"]
    assert "Baseline (naive Bayes): n" in printed.calibration_header
    assert "Model: n" in printed.calibration_header
    assert [row[0] for row in printed.calibration] == [
        f"{10 * i}%-{10 * i + 10}%" for i in range(10)
    ]
    assert all(len(row) == 7 for row in printed.calibration)  # bin, then n, mean, won twice

    assert document["report"] == "backtest"
    assert {key: document[key] for key in printed.facts} == printed.facts
    metrics = {row.pop("metric"): row for row in document["tables"]["metrics"]}
    assert list(metrics) == list(printed.metrics)
    for name, row in metrics.items():
        assert list(row) == list(METHODS)
        assert [f"{row[method]:.4f}" for method in METHODS] == printed.metrics[name]
    for method in METHODS:
        assert 0 <= metrics["Brier"][method] <= 1
        assert metrics["log loss"][method] > 0
        assert 0 <= metrics["AUC"][method] <= 1
    # Salesforce's Probability column (kept as sf_probability) is 100 or 0 on every closed deal:
    # were it a feature, the model would read the outcome off it and score a perfect 1.0.
    assert metrics["AUC"]["model"] < 0.95

    bins = document["tables"]["calibration"]
    for position, method in enumerate(("baseline", "model")):
        counts = [row[f"{method}_count"] for row in bins]
        assert sum(counts) == printed.facts["scored_snapshots"]
        assert [int(row[1 + 3 * position]) for row in printed.calibration] == counts
        for number, (row, printed_row) in enumerate(zip(bins, printed.calibration, strict=True)):
            shown = [show("rate", row[f"{method}_{part}"]) for part in ("predicted", "observed")]
            assert printed_row[2 + 3 * position : 4 + 3 * position] == shown
            predicted = row[f"{method}_predicted"]
            if predicted is not None:  # inside its bin
                assert 0.1 * number - 1e-9 <= predicted <= 0.1 * number + 0.1 + 1e-9


def _backtest(traseu: Run, *args: str) -> tuple[Printed, dict[str, Any]]:
    table = traseu("forecast", "backtest", "--process", "classic", *args)
    assert table.status == 0, table.err
    assert table.err == ""
    as_json = traseu("forecast", "backtest", "--process", "classic", *args, "--format", "json")
    assert as_json.status == 0, as_json.err
    printed = _printed(table.out)
    document = json.loads(as_json.out)
    _check_both_models(printed, document)
    return printed, document


def test_a_time_split_scores_the_imported_deals_closed_from_the_date(
    imported: Path, traseu: Run
) -> None:
    closes = _closes(imported)
    split = _split_moment()
    before = [won for at, won in closes.values() if at < split]
    after = [won for at, won in closes.values() if at >= split]
    assert len(closes) == Deal.objects.exclude(status=DealStatus.OPEN).count()
    assert Deal.objects.filter(status=DealStatus.OPEN).exists()  # open deals are not scored
    # the export has both outcomes on both sides, and a deal either side of midnight in the
    # configured time zone on the eve of the split (a split at UTC midnight would move one)
    assert min(before.count(True), before.count(False), after.count(True), after.count(False)) >= 5
    assert EVE_BEFORE < split <= EVE_AFTER

    printed, document = _backtest(traseu, "--before", SPLIT)

    assert printed.split == f"deals closed before {SPLIT} predict those closed from it"
    assert printed.facts["trained_on"] == len(before)
    assert printed.facts["scored_deals"] == len(after)
    assert document["scored_deals"] == len(after)
    # every scored deal is seen at each stay it made, at least one
    assert printed.facts["scored_snapshots"] >= len(after)
    assert 0 < printed.facts["won_snapshots"] < printed.facts["scored_snapshots"]


def test_without_a_date_every_imported_closed_deal_is_scored_once_in_folds(
    imported: Path, traseu: Run
) -> None:
    closed = len(_closes(imported))

    printed, _document = _backtest(traseu)

    assert printed.split == "5-fold stratified"
    assert printed.facts["trained_on"] == closed
    assert printed.facts["scored_deals"] == closed


def test_opportunities_without_their_history_are_scored_at_their_one_stay(
    people: dict[str, User],
    classic: ProcessVersion,
    export: Path,
    traseu: Run,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Opportunity.csv alone: each deal has only its creation and close dates, so each closed
    deal made one stay (created, then won or lost) and is one snapshot."""
    monkeypatch.setenv("TRASEU_USER", "manager")
    _import(traseu, export, EXPORT[:2])
    closes = _closes(export, history=False)
    after = sum(1 for at, _won in closes.values() if at >= _split_moment())

    folds, _document = _backtest(traseu)
    split, _document = _backtest(traseu, "--before", SPLIT)

    assert folds.facts["scored_deals"] == folds.facts["scored_snapshots"] == len(closes)
    assert split.facts["trained_on"] == len(closes) - after
    assert split.facts["scored_deals"] == split.facts["scored_snapshots"] == after
