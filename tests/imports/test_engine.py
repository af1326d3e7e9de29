"""The engine's guarantees: dry runs, all-or-nothing, skipping bad rows, error files, who may
import, and a crash midway that a rerun finishes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from traseu.core.errors import PermissionDenied
from traseu.crm.models import Account, Deal
from traseu.imports.kinds import directory
from traseu.imports.models import ExternalRef, ImportJob

from .conftest import Importer, table_counts
from .salesforce_columns import ACCOUNT_COLUMNS

SF = "salesforce"


def _accounts_csv(path: Path, count: int, *, bad_row: int | None = None) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(ACCOUNT_COLUMNS)
        for i in range(count):
            employees = "many" if bad_row == i + 2 else str(i)
            writer.writerow(
                [
                    f"001G{i:06d}",
                    f"Company {i}",
                    f"company{i}.example",
                    "IT",
                    employees,
                    "",
                    "Romania",
                    "",
                    "Prospect",
                    "",
                ]
            )
    return path


def test_a_dry_run_changes_nothing_and_says_what_would_happen(run: Importer) -> None:
    before = table_counts()
    result = run("accounts", "salesforce/Account.csv", preset=SF, dry_run=True)
    assert result.counts["created"] == 4
    assert table_counts() == before
    run("accounts", "salesforce/Account.csv", preset=SF)
    stored = table_counts()
    again = run("deals", "salesforce/Opportunity.csv", preset=SF, dry_run=True)
    assert again.counts["created"] == 5
    assert table_counts() == stored
    job = ImportJob.objects.get(pk=again.job.pk)
    assert (job.dry_run, job.status, job.created) == (True, "done", 5)


def test_a_file_with_a_bad_row_stores_nothing(run: Importer, tmp_path: Path) -> None:
    path = _accounts_csv(tmp_path / "Account.csv", 50, bad_row=40)
    before = table_counts()
    result = run("accounts", path, preset=SF, errors_path=tmp_path / "bad.csv")
    assert table_counts() == before
    assert result.counts["rejected"] == 1
    assert not result.stored
    assert ImportJob.objects.get(pk=result.job.pk).status == "rejected"
    with (tmp_path / "bad.csv").open(encoding="utf-8-sig") as file:
        rows = list(csv.DictReader(file))
    assert rows == [
        {
            "row": "40",
            "column": "NumberOfEmployees",
            "value": "many",
            "reason": "'many' is not a number (decimal separator '.').",
            "code": "number",
        }
    ]


def test_skip_invalid_stores_the_good_rows_and_reports_the_bad(
    run: Importer, tmp_path: Path
) -> None:
    path = _accounts_csv(tmp_path / "Account.csv", 30, bad_row=7)
    result = run("accounts", path, preset=SF, skip_invalid=True)
    assert result.counts == {"created": 29, "updated": 0, "unchanged": 0, "rejected": 1}
    assert not Account.objects.filter(name="Company 5").exists()  # row 7 is the 6th data row
    assert result.error_file is not None
    assert result.error_file.exists()


def test_the_error_file_defaults_to_beside_the_input(run: Importer, tmp_path: Path) -> None:
    path = _accounts_csv(tmp_path / "Account.csv", 3, bad_row=2)
    result = run("accounts", path, preset=SF, errors_path=None)
    assert result.error_file == tmp_path / "Account.errors.csv"
    assert "many" in result.error_file.read_text(encoding="utf-8-sig")


def test_a_read_only_user_cannot_import(run: Importer) -> None:
    before = table_counts()
    with pytest.raises(PermissionDenied):
        run("accounts", "salesforce/Account.csv", preset=SF, user="viewer")
    assert table_counts() == before
    assert not ImportJob.objects.exists()


def test_a_crash_midway_keeps_whole_batches_and_a_rerun_finishes(
    run: Importer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _accounts_csv(tmp_path / "Account.csv", 95)
    real, calls = directory.account_upsert, {"n": 0}

    def crashing(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 57:
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(directory, "account_upsert", crashing)
    with pytest.raises(RuntimeError):
        run("accounts", path, preset=SF, batch_size=20)
    assert Account.objects.count() == 40  # two whole batches, nothing of the third
    job = ImportJob.objects.get()
    assert (job.status, job.rows_done) == ("failed", 40)
    monkeypatch.setattr(directory, "account_upsert", real)
    result = run("accounts", path, preset=SF, batch_size=20)
    assert result.counts == {"created": 55, "updated": 0, "unchanged": 40, "rejected": 0}
    assert sorted(Account.objects.values_list("name", flat=True)) == sorted(
        f"Company {i}" for i in range(95)
    )
    interrupted = _snapshot()
    Account.objects.all().delete()
    ExternalRef.objects.all().delete()
    run("accounts", path, preset=SF, batch_size=20)  # the same file, never interrupted
    assert _snapshot() == interrupted


def _snapshot() -> list[tuple[object, ...]]:
    fields = (
        "name",
        "domain",
        "employees",
        "country",
        "is_customer",
        "custom",
        "match_key__name_key",
        "match_key__domain",
    )
    return sorted(Account.objects.values_list(*fields))


def test_deals_need_a_known_process(run: Importer) -> None:
    from traseu.core.errors import NotFound

    run("accounts", "salesforce/Account.csv", preset=SF)
    with pytest.raises(NotFound):
        run("deals", "salesforce/Opportunity.csv", preset=SF, process_key="nope")
    assert not Deal.objects.exists()


def test_a_rep_imports_only_their_own_deals_and_never_another_teams(run: Importer) -> None:
    result = run(
        "deals", "hubspot/hubspot-deals.csv", preset="hubspot", user="rep2", skip_invalid=True
    )
    refused = {(e.row, e.code) for e in result.errors}
    assert refused == {(3, "assign_forbidden"), (5, "stage_unknown")}  # row 3: owner "rep"
    assert set(Deal.objects.values_list("owner__username", flat=True)) == {"rep2"}
    run("accounts", "salesforce/Account.csv", preset=SF, user="rep")
    run("deals", "salesforce/Opportunity.csv", preset=SF, user="rep")
    before = table_counts()
    again = run("deals", "salesforce/Opportunity.csv", preset=SF, user="rep_b")
    assert {e.code for e in again.errors} == {"deal_forbidden"}
    assert len(again.errors) == 5
    assert table_counts() == before


def test_the_engine_runs_into_a_job_a_page_created(run: Importer, people) -> None:  # type: ignore[no-untyped-def]
    job = ImportJob.objects.create(
        kind="accounts", file_name="Account.csv", created_by=people["manager"]
    )
    result = run("accounts", "salesforce/Account.csv", preset=SF, job=job)
    assert result.job.pk == job.pk
    job.refresh_from_db()
    assert (job.status, job.created, job.rows_done, job.file_name) == ("done", 4, 4, "Account.csv")
    assert ImportJob.objects.count() == 1


def test_accounts_another_team_owns_are_reported_not_changed(run: Importer) -> None:
    run("accounts", "salesforce/Account.csv", preset=SF, user="rep")
    before = table_counts()
    result = run("accounts", "salesforce/Account.csv", preset=SF, user="rep_b")
    assert [(e.row, e.code) for e in result.errors] == [
        (2, "account_forbidden"),
        (3, "account_forbidden"),
        (4, "account_forbidden"),
        (6, "account_forbidden"),
    ]
    assert table_counts() == before


def test_a_missing_column_and_a_row_with_extra_cells(run: Importer, tmp_path: Path) -> None:
    from traseu.core.errors import InvalidInput

    short = tmp_path / "short.csv"
    short.write_text("Id,Name\n1,A\n", "utf-8")
    with pytest.raises(InvalidInput) as caught:
        run("accounts", short, preset=SF)
    assert caught.value.code == "column_missing"
    assert "'Website'" in caught.value.message
    assert "Type', 'Type" not in caught.value.message
    path = _accounts_csv(tmp_path / "Account.csv", 3)
    path.write_text(path.read_text("utf-8") + "001X,Extra,x.ro,IT,1,,Romania,,Prospect,,surplus\n")
    result = run("accounts", path, preset=SF, skip_invalid=True)
    assert [(e.row, e.code) for e in result.errors] == [(5, "extra_cells")]
    assert result.counts["created"] == 3
