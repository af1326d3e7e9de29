"""A rep imports a small accounts CSV through the wizard: upload, map, preview, run, summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROUTE
from traseu.core.models import Role, Team, User
from traseu.crm.models import Account
from traseu.imports.jobs import job_run, job_token
from traseu.imports.models import ImportJob, JobStatus
from traseu.processes.services import process_apply_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password-7"
CSV = (
    "Name,Website,Employees,Segment\n"
    "Acme SRL,acme.ro,120,smb\n"
    "Beta SA,beta.ro,many,corporate\n"
    "Gamma SRL,gamma.ro,15,smb\n"
)


@pytest.fixture
def rep(live_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any) -> User:
    monkeypatch.setenv("TRASEU_DATA_DIR", str(tmp_path))
    # No worker process: the test plays the worker (job_run) while the page polls the job.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    process_apply_file(path=ROUTE)
    user = User.objects.create_user("ana", password=PASSWORD, role=Role.SALES_REP)
    user.teams.add(Team.objects.create(name="A"))
    return user


def work_the_queue(page: Any) -> None:
    """What ``traseu worker`` would do with the job the page shows; the page, polling every
    second with HTMX, then shows the outcome without being reloaded."""
    job = ImportJob.objects.get(pk=int(page.url.rstrip("/").split("/")[-1]))
    assert job.status == JobStatus.PENDING
    token = job_token(job)
    assert token is not None
    job_run(job.pk, token)


def test_import_a_csv_through_the_wizard(
    live_server: Any, rep: User, page: Any, shot: Any, tmp_path: Path
) -> None:
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/pipeline/**")

    page.locator("header details.menu summary", has_text="More").click()
    page.get_by_role("link", name="Imports").click()
    page.get_by_role("link", name="Import a file").click()
    source = tmp_path / "accounts.csv"
    source.write_text(CSV, encoding="utf-8")
    page.select_option("#id_kind", "accounts")
    page.set_input_files("#id_file", str(source))
    shot("20-import-upload")
    page.get_by_role("button", name="Upload and continue").click()

    page.wait_for_url(f"{base}/imports/upload/*/")
    assert "acme.ro, beta.ro, gamma.ro" in page.content()
    page.get_by_label("Segment").select_option("custom:text")
    shot("20-import-map")
    page.get_by_role("button", name="Preview the import").click()

    page.wait_for_url(f"{base}/imports/*/")
    page.get_by_text("Waiting for the background worker").wait_for()
    shot("20-import-waiting")
    work_the_queue(page)
    page.locator(".counts").wait_for()
    assert page.locator('dd[data-count="created"]').inner_text() == "2"
    assert page.locator('dd[data-count="rejected"]').inner_text() == "1"
    assert "many" in page.locator(".errors-table").inner_text()
    assert Account.objects.count() == 0
    shot("20-import-preview")

    page.get_by_label("Skip the rows with errors and import the others").check()
    page.get_by_role("button", name="Run the import").click()
    page.wait_for_url(f"{base}/imports/*/")
    work_the_queue(page)
    page.get_by_text("Imported 2 rows.").wait_for()
    assert sorted(Account.objects.values_list("name", flat=True)) == ["Acme SRL", "Gamma SRL"]
    shot("20-import-summary")

    page.get_by_role("link", name="Past imports").click()
    assert page.locator("table.list tbody tr").count() == 2
    shot("20-import-list")
