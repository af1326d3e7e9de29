"""`traseu audit export`: the whole trail as CSV or JSON, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from traseu.audit.export import safe_cell
from traseu.audit.models import AuditEntry
from traseu.cli import main
from traseu.core.models import User
from traseu.crm.models import Deal
from traseu.crm.services import deal_update

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+40 721 000 000", "'+40 721 000 000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Acme = good", "Acme = good"),
        (None, ""),
        (12, "12"),
        ({"title": "=1+1"}, '{"title": "=1+1"}'),
    ],
)
def test_cells_a_spreadsheet_would_run_get_an_apostrophe(value: object, cell: str) -> None:
    assert safe_cell(value) == cell


@pytest.fixture
def formula_deal(make_deal: Callable[..., Deal], people: dict[str, User], clock: FakeClock) -> Deal:
    deal = make_deal()
    clock.advance(days=3)
    deal_update(
        deal_id=deal.pk,
        acting_user=people["rep"],
        changes={"title": "=cmd|' /C calc'!A0"},
        clock=clock,
    )
    return deal


def test_csv_export(formula_deal: Deal, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["audit", "export", "--format", "csv"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    # oldest first; the process was applied at the real time, the deal on the test's clock
    assert [(r["object_type"], r["action"]) for r in table] == [
        ("deal", "create"),
        ("deal", "update"),
        ("process_version", "apply"),
    ]
    update = table[1]
    assert update["object_label"] == "'=cmd|' /C calc'!A0"
    assert json.loads(update["after"]) == {"title": "=cmd|' /C calc'!A0"}
    assert (update["actor"], update["via"], update["deal_id"]) == (
        "rep",
        "service",
        str(formula_deal.pk),
    )
    assert update["at"] == "2026-03-05T09:00:00+00:00"


def test_json_export_since_a_date_to_a_file(
    formula_deal: Deal, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "audit.json"
    since = ["--since", "2026-03-04"]
    assert main(["audit", "export", "--format", "json", *since, "-o", str(target)]) == 0
    assert "exported 2 audit entries" in capsys.readouterr().err  # the update, the process
    entry, applied = json.loads(target.read_text())
    assert applied["object_type"] == "process_version"
    assert entry["id"] == AuditEntry.objects.get(action="update").pk
    assert entry["object_label"] == "=cmd|' /C calc'!A0"  # JSON keeps the text as it is
    assert entry["before"] == {"title": "Acme rollout"}


def test_an_empty_export_is_valid_json(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "export", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_bad_date_is_a_usage_error(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "export", "--since", "last week"]) == 2
    assert "'last week' is not a date" in capsys.readouterr().err
