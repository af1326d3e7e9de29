"""``traseu report NAME``: tables, JSON and CSV, and the errors."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.analytics.histories import History
from traseu.analytics.tables import ReportOutput, ReportRequest
from traseu.cli import main
from traseu.cli.report import REPORTS, report_function

pytestmark = pytest.mark.django_db
OURS = ["funnel", "time", "stalled", "kpis", "conformance", "team", "techniques"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(["report", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("name", OURS)
def test_every_report_prints_as_table_json_and_csv(
    history: History, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    status, text, _err = run(capsys, name, "--process", "analytics-route")
    assert status == 0
    assert "process analytics-route, versions v1, v2" in text.splitlines()[0]
    status, out, _err = run(capsys, name, "--process", "analytics-route", "--format", "json")
    document = json.loads(out)
    assert (status, document["report"], document["process"]) == (0, name, "analytics-route")
    assert any(document["tables"].values())
    status, out, _err = run(capsys, name, "--process", "analytics-route", "--format", "csv")
    assert status == 0
    first = report_function(name)(ReportRequest(process="analytics-route")).tables[0]
    assert next(csv.reader(io.StringIO(out))) == [c.key for c in first.columns]


def test_registry_entries_are_report_functions(history: History) -> None:
    """Every entry (ours and the forecasting reports) resolves to a report function."""
    assert set(OURS) <= set(REPORTS)
    for name in REPORTS:
        output = report_function(name)(ReportRequest(process="analytics-route"))
        assert isinstance(output, ReportOutput)
        assert output.name == name


def test_json_figures_match_the_report(
    history: History, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _err = run(
        capsys, "funnel", "--process", "analytics-route", "--format", "json", "--as", "rep_b"
    )
    assert status == 0
    document = json.loads(out)
    mine = sum(1 for d in history.deals if d.owner_id == history.cast.rep_b.pk)
    assert document["deals"] == mine
    assert document["tables"]["stages"][0]["reached"] == mine


def test_csv_of_another_table(history: History, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _err = run(
        capsys, "time", "--process", "analytics-route", "--format", "csv", "--table", "cycles"
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0
    assert [row["outcome"] for row in rows] == ["won", "lost"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["funnel", "--since", "2025-02-30"], "'2025-02-30' is not a date"),
        (["funnel", "--since", "2025-03-01", "--until", "2025-02-01"], "starts (2025-03-01)"),
        (["funnel", "--process", "nope"], "No process 'nope'"),
        (["funnel", "--format", "csv", "--table", "nope"], "has no table 'nope'; tables: stages"),
        (["stalled", "--idle-days", "x"], "Idle days must be a whole number"),
        (["funnel", "--option", "novalue"], "--option needs KEY=VALUE"),
        (["funnel", "--as", "nobody"], "No user 'nobody'"),
        (["nope"], "invalid choice: 'nope'"),
    ],
)
def test_bad_arguments_exit_2_with_the_reason(
    history: History, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    status, out, err = run(capsys, *args)
    assert status == 2
    assert message in err
    assert out == ""
