"""The shared SQL pieces: percentiles on both databases, durations in seconds, text output."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from django.db.models import F, FloatField
from django.db.models.functions import Cast

from traseu.analytics.sql import Seconds, SecondsBetween, grouped_percentiles, percentile
from traseu.analytics.tables import Column, ReportOutput, Table, as_csv, as_json, as_text, show
from traseu.crm.models import Deal, StageChange


def test_percentile_interpolates_between_neighbouring_ranks() -> None:
    assert percentile([4, 1, 3, 2], 0.5) == 2.5
    assert percentile([1, 2, 3, 4, 5], 0.8) == pytest.approx(4.2)
    assert percentile([7], 0.9) == 7
    assert percentile([], 0.5) is None


@pytest.mark.django_db
def test_grouped_percentiles_in_the_database(make_deal: Callable[..., Deal]) -> None:
    """Groups of 5, 2 and 1 values (one null, ignored); the same numbers on either database."""
    for amount, source in [
        (100, "a"),
        (400, "a"),
        (200, "a"),
        (1000, "a"),
        (300, "a"),
        (10, "b"),
        (20, "b"),
        (5, "c"),
        (None, "c"),
    ]:
        make_deal(amount=amount, source=source)
    found = grouped_percentiles(
        Deal.objects.all(),
        value=Cast(F("amount"), FloatField()),
        groups=["source"],
        fractions=(0.5, 0.8, 0.25),
    )
    assert found == {
        ("a",): [300.0, pytest.approx(520.0), 200.0],
        ("b",): [15.0, pytest.approx(18.0), 12.5],
        ("c",): [5.0, 5.0, 5.0],
    }


@pytest.mark.django_db
def test_durations_and_timestamp_differences_in_seconds(make_deal: Callable[..., Deal]) -> None:
    deal = make_deal()
    start = dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.UTC)
    StageChange.objects.create(
        deal=deal,
        process_version_id=deal.process_version_id,
        from_stage="prospecting",
        to_stage="qualification",
        kind="forward",
        from_entered_at=start,
        changed_at=start + dt.timedelta(days=2, hours=3, seconds=1.5),
        duration=dt.timedelta(days=2, hours=3, seconds=1.5),
    )
    row = (
        StageChange.objects.filter(kind="forward")
        .annotate(s=Seconds("duration"), between=SecondsBetween("changed_at", "from_entered_at"))
        .values("s", "between")
        .get()
    )
    expected = 2 * 86400 + 3 * 3600 + 1.5
    assert row["s"] == pytest.approx(expected)
    assert row["between"] == pytest.approx(expected, abs=1e-3)


def test_text_csv_and_json_show_the_same_rows() -> None:
    table = Table(
        "t",
        "Title",
        [Column("name", "Name"), Column("rate", "Rate", "rate"), Column("days", "Days", "days")],
        [{"name": "a,b", "rate": 0.125, "days": None}],
    )
    output = ReportOutput("x", "Report", {"process": "p", "since": None}, [table])
    assert (
        as_text(output).splitlines()
        == [
            "Report (process p)",
            "",
            "Title",
            "  Name   Rate  Days",
            "  a,b   12.5%     \N{EN DASH}",
            "",
        ][:-1]
    )
    assert as_csv(table) == 'name,rate,days\n"a,b",0.125,\n'
    assert json.loads(as_json(output)) == {
        "report": "x",
        "process": "p",
        "since": None,
        "tables": {"t": [{"name": "a,b", "rate": 0.125, "days": None}]},
    }
    assert show("money", 1234.5) == "1,234.50"


def test_csv_cells_never_run_as_spreadsheet_formulas() -> None:
    table = Table("t", "T", [Column("title", "Title"), Column("n", "N", "number")])
    table.rows = [{"title": "=HYPERLINK(1)", "n": -2.5}, {"title": "@x", "n": None}]
    assert as_csv(table) == "title,n\n'=HYPERLINK(1),-2.5\n'@x,\n"
