"""``traseu import``: exit statuses, output, the progress bar, and a kill midway."""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest
from django.db import connections

from traseu.cli import main
from traseu.cli.imports import ProgressBar
from traseu.core.models import Role, User
from traseu.crm.models import Account
from traseu.imports.models import ExternalRef, ImportJob
from traseu.processes.services import process_apply_file
from traseu.prospecting.models import AccountKey

from .conftest import CLASSIC, FIXTURES
from .salesforce_columns import ACCOUNT_COLUMNS

SF_ACCOUNTS = str(FIXTURES / "salesforce" / "Account.csv")


def test_import_prints_a_summary_and_exits_0(
    people: dict[str, User], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "accounts", SF_ACCOUNTS, "--preset", "salesforce", "--as", "rep"]) == 0
    out = capsys.readouterr().out
    assert "imported: 4 rows: 4 created, 0 updated, 0 unchanged, 0 rejected" in out
    assert (
        main(
            [
                "import",
                "accounts",
                SF_ACCOUNTS,
                "--preset",
                "salesforce",
                "--as",
                "rep",
                "--dry-run",
            ]
        )
        == 0
    )
    assert "would import: 4 rows: 0 created, 0 updated, 4 unchanged" in capsys.readouterr().out


def test_bad_rows_exit_2_and_are_listed(
    people: dict[str, User], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    main(["import", "accounts", SF_ACCOUNTS, "--preset", "salesforce", "--as", "rep"])
    errors = tmp_path / "bad.csv"
    status = main(
        [
            "import",
            "contacts",
            str(FIXTURES / "salesforce" / "Contact.csv"),
            "--preset",
            "salesforce",
            "--as",
            "rep",
            "--errors",
            str(errors),
        ]
    )
    captured = capsys.readouterr()
    assert status == 2
    assert "row 5, Email: 'not-an-email' is not an e-mail address. [email]" in captured.err
    assert "refused (nothing stored" in captured.out
    assert errors.exists()


def test_a_read_only_user_is_refused(people: dict[str, User]) -> None:
    before = Account.objects.count()
    assert (
        main(["import", "accounts", SF_ACCOUNTS, "--preset", "salesforce", "--as", "viewer"]) == 2
    )
    assert Account.objects.count() == before


def test_a_broken_mapping_exits_1(
    people: dict[str, User], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("kind: accounts\ncolumns:\n  nme: Name\n", "utf-8")
    assert main(["import", "accounts", SF_ACCOUNTS, "--mapping", str(mapping), "--as", "rep"]) == 1
    assert f"{mapping}:2: columns: unknown field(s) for accounts: nme" in capsys.readouterr().err


def test_the_progress_bar_shows_rate_and_time_left() -> None:
    bar = ProgressBar(io.StringIO(), force=True)
    line = bar.line("store", 250, 1000, 2.0)
    assert "[#######-----------------------]  25% 250/1,000" in line
    assert "125 rows/s" in line
    assert "ETA 0:06" in line
    assert ProgressBar(io.StringIO()).enabled is False  # not a terminal: no bar


def _big_file(path: Path, rows: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(ACCOUNT_COLUMNS)
        for i in range(rows):
            writer.writerow(
                [
                    f"001K{i:07d}",
                    f"Firma {i} SRL",
                    f"firma{i}.ro",
                    "Retail",
                    i % 500,
                    f"{i * 10}.5",
                    "Romania",
                    "",
                    "Prospect",
                    "Warm",
                ]
            )
    return path


def _child(path: str) -> None:
    connections.close_all()  # never share the parent's connection across fork
    os._exit(main(["import", "accounts", path, "--preset", "salesforce", "--as", "importer"]))


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_a_killed_import_leaves_whole_batches_and_a_rerun_finishes(tmp_path: Path) -> None:
    process_apply_file(path=CLASSIC)
    User.objects.create_user("importer", role=Role.SALES_MANAGER)
    rows = 2500
    path = _big_file(tmp_path / "Account.csv", rows)
    connections.close_all()
    child = multiprocessing.get_context("fork").Process(target=_child, args=(str(path),))
    child.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = ImportJob.objects.order_by("-pk").first()
        if job is not None and job.rows_done >= 500:
            break
        time.sleep(0.05)
    os.kill(child.pid or 0, signal.SIGKILL)
    child.join()
    connections.close_all()
    stored = Account.objects.count()
    assert 500 <= stored < rows, "the import was killed midway"
    assert stored % 500 == 0  # whole batches only: no half-imported rows
    assert AccountKey.objects.count() == stored == ExternalRef.objects.count()
    assert (
        main(["import", "accounts", str(path), "--preset", "salesforce", "--as", "importer"]) == 0
    )
    assert Account.objects.count() == rows == ExternalRef.objects.count()
    assert Account.objects.values("name").distinct().count() == rows
    last = ImportJob.objects.order_by("-pk").first()
    assert last is not None
    assert (last.created, last.unchanged) == (rows - stored, stored)


def test_a_salesforce_file_given_as_the_wrong_kind_is_named(
    people: dict[str, User], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    history = tmp_path / "opportunityhistory.CSV"  # Data Export names, any case
    history.write_bytes((FIXTURES / "salesforce" / "OpportunityHistory.csv").read_bytes())
    assert main(["import", "deals", str(history), "--preset", "salesforce", "--as", "rep"]) == 2
    assert "is the salesforce export of deal-history" in capsys.readouterr().err
