"""The import wizard on the web: upload, map, preview (a dry run), run in the background."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from traseu.core.models import Role, User
from traseu.crm.models import Account, Deal
from traseu.imports.jobs import job_run
from traseu.imports.models import ImportJob, JobStatus
from traseu.imports.staging import uploads_root
from traseu.processes.models import ProcessVersion

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
ACCOUNTS = (
    "Company,Web site,Staff,Segment,Notes\n"
    "Acme SRL,acme.ro,120,smb,first\n"
    "Beta SA,beta.ro,lots,corporate,second\n"
    "Gamma SRL,gamma.ro,15,smb,\n"
)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any) -> Path:
    monkeypatch.setenv("TRASEU_DATA_DIR", str(tmp_path))
    settings.TASKS = IMMEDIATE
    return tmp_path


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Callable[..., Any]) -> Callable[..., Any]:
    """Background tasks are enqueued on commit; run them as the request's commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def csv_file(text: str = ACCOUNTS, name: str = "accounts.csv", encoding: str = "utf-8") -> Any:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def upload(client: Client, file: Any, kind: str = "accounts", encoding: str = "utf-8-sig") -> Any:
    return client.post(
        reverse("import_new"), {"kind": kind, "file": file, "encoding": encoding}, follow=False
    )


def token_of(response: Any) -> str:
    assert response.status_code == 303, response.content.decode()[:2000]
    return str(response["Location"]).rstrip("/").split("/")[-1]


MAP = {
    "source": "sheet",
    "preset": "",
    "col_0": "field:name",
    "col_1": "field:domain",
    "col_2": "field:employees",
    "col_3": "custom:choice",
    "col_4": "",
}


def mapped(client: Client, on_commit: Any, choices: dict[str, str] = MAP) -> ImportJob:
    token = token_of(upload(client, csv_file()))
    with on_commit():
        response = client.post(reverse("import_map", args=[token]), choices)
    assert response.status_code == 303, response.content.decode()[:3000]
    return ImportJob.objects.get(pk=int(str(response["Location"]).strip("/").split("/")[-1]))


def test_upload_keeps_the_file_and_shows_its_columns_with_samples(people: dict[str, User]) -> None:
    client = client_for(people["rep"])
    token = token_of(upload(client, csv_file()))
    assert (uploads_root() / token / "source.csv").read_text() == ACCOUNTS
    page = client.get(reverse("import_map", args=[token]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Web site" in text
    assert "acme.ro, beta.ro, gamma.ro" in text
    # the guess: "Company" is the account's name
    assert '<option value="field:name" selected>' in text


@pytest.mark.parametrize(
    ("file", "encoding", "field", "message"),
    [
        (SimpleUploadedFile("x.pdf", b"%PDF-1.4 binary"), "utf-8-sig", "file", "accepted: .csv"),
        (SimpleUploadedFile("x.csv", b"PK\x03\x04\x00\x00zip"), "utf-8-sig", "file", "accepted"),
        (
            SimpleUploadedFile("x.csv", "Company\nBrutăria Ionescu\n".encode("cp1250")),
            "utf-8-sig",
            "encoding",
            "The file is not UTF-8 text. Choose its encoding",
        ),
        (
            SimpleUploadedFile(
                "x.csv", b"Company\n" + b"Acme\n" * 2000 + "Brutăria\n".encode("cp1250")
            ),
            "utf-8-sig",
            "file",
            "Row 2002 cannot be read as utf-8-sig",
        ),
        (SimpleUploadedFile("x.csv", b""), "utf-8-sig", "file", "empty"),
        (SimpleUploadedFile("x.csv", b"A,A\n1,2\n"), "utf-8-sig", "file", "appears twice"),
    ],
)
def test_a_bad_upload_is_refused_beside_the_field_and_nothing_is_kept(
    people: dict[str, User], file: Any, encoding: str, field: str, message: str
) -> None:
    response = upload(client_for(people["rep"]), file, encoding=encoding)
    text = response.content.decode()
    assert response.status_code == 422
    assert f'id="id_{field}_error"' in text
    assert message in text.split(f'id="id_{field}_error"')[1][:400]
    assert not uploads_root().exists() or not any(uploads_root().iterdir())
    assert ImportJob.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused(people: dict[str, User], settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 1024
    response = upload(client_for(people["rep"]), csv_file(ACCOUNTS + "x,y,1,smb,z\n" * 100))
    assert response.status_code == 422
    assert "The file is larger than 1.0\xa0KB." in response.content.decode()
    assert not uploads_root().exists() or not any(uploads_root().iterdir())


def test_a_cp1250_file_is_read_in_the_encoding_chosen(people: dict[str, User]) -> None:
    client = client_for(people["rep"])
    file = csv_file("Company;Town\nBrutăria Ionescu;Braşov\n", encoding="cp1250")
    token = token_of(upload(client, file, encoding="cp1250"))
    assert "Brutăria Ionescu" in client.get(reverse("import_map", args=[token])).content.decode()


def test_the_choices_make_the_mapping_document_offered_for_download(
    people: dict[str, User], on_commit: Any
) -> None:
    client = client_for(people["rep"])
    job = mapped(client, on_commit)
    token = client.get(reverse("import_job", args=[job.pk])).context["token"]
    download = client.get(reverse("import_mapping", args=[token]))
    assert download["Content-Disposition"] == 'attachment; filename="accounts-mapping.yaml"'
    document = yaml.safe_load(download.content)
    assert document == {
        "kind": "accounts",
        "source": "sheet",
        "columns": {
            "name": {"column": "Company"},
            "domain": {"column": "Web site"},
            "employees": {"column": "Staff"},
        },
        "custom": [
            {
                "column": "Segment",
                "key": "segment",
                "type": "choice",
                "choices": {"smb": "smb", "corporate": "corporate"},
            }
        ],
    }


def test_two_columns_for_one_field_and_a_missing_required_field_are_refused(
    people: dict[str, User],
) -> None:
    client = client_for(people["rep"])
    token = token_of(upload(client, csv_file()))
    twice = client.post(reverse("import_map", args=[token]), {**MAP, "col_4": "field:name"})
    assert twice.status_code == 422
    assert "The column &#x27;Company&#x27; already feeds name." in twice.content.decode()
    none = client.post(reverse("import_map", args=[token]), {**MAP, "col_0": ""})
    assert none.status_code == 422
    assert "accounts need a column for: name" in none.content.decode()
    assert ImportJob.objects.count() == 0


def test_the_preview_counts_and_lists_the_bad_rows_and_stores_nothing(
    people: dict[str, User], on_commit: Any
) -> None:
    client = client_for(people["rep"])
    job = mapped(client, on_commit)
    job.refresh_from_db()
    assert (job.dry_run, job.status, job.created, job.rejected) == (True, JobStatus.DONE, 2, 1)
    assert Account.objects.count() == 0
    page = client.get(reverse("import_job", args=[job.pk])).content.decode()
    assert "Would create" in page
    assert "lots" in page
    assert '<td class="num">3</td>' in page
    assert "hx-trigger" not in page  # finished: no polling
    errors = client.get(reverse("import_job_errors", args=[job.pk]))
    body = b"".join(errors.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert body.splitlines()[0] == "row,column,value,reason,code"
    assert body.splitlines()[1].startswith("3,Staff,lots,")


def test_run_imports_in_the_background_and_counts_are_right(
    people: dict[str, User], on_commit: Any
) -> None:
    client = client_for(people["rep"])
    preview = mapped(client, on_commit)
    refused = None
    with on_commit():
        refused = client.post(reverse("import_job_run", args=[preview.pk]), {})
    job = ImportJob.objects.exclude(pk=preview.pk).get()
    assert refused["Location"] == reverse("import_job", args=[job.pk])
    assert (job.status, job.created, job.rejected) == (JobStatus.REJECTED, 0, 1)
    assert Account.objects.count() == 0
    with on_commit():
        client.post(reverse("import_job_run", args=[job.pk]), {"skip_invalid": "on"})
    done = ImportJob.objects.latest("pk")
    assert (done.status, done.dry_run, done.created, done.rejected) == ("done", False, 2, 1)
    assert sorted(Account.objects.values_list("name", flat=True)) == ["Acme SRL", "Gamma SRL"]
    assert Account.objects.get(name="Acme SRL").custom == {"segment": "smb"}
    page = client.get(reverse("import_job", args=[done.pk])).content.decode()
    assert "Imported 2 rows." in page
    assert '<progress max="100" value="100"' in page


def test_a_running_job_polls_itself_and_offers_a_refresh_link(
    people: dict[str, User], settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client = client_for(people["rep"])
    token = token_of(upload(client, csv_file()))
    client.post(reverse("import_map", args=[token]), MAP)
    job = ImportJob.objects.get()
    assert job.status == JobStatus.PENDING
    status = client.get(reverse("import_job_status", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in status
    assert "traseu worker" in status
    assert f'href="{reverse("import_job", args=[job.pk])}"' in status  # refresh without JS
    assert job_run(job.pk, token) == JobStatus.DONE
    assert job_run(job.pk, token) == JobStatus.DONE  # a second delivery does nothing
    assert ImportJob.objects.count() == 1


def test_deal_stage_names_are_mapped_to_the_process_stages(
    people: dict[str, User], classic: ProcessVersion, on_commit: Any
) -> None:
    client = client_for(people["rep"])
    text = (
        "Deal,Company,Stage,Closed,Created\nRollout,Acme,Calificat,,2025-12-01\n"
        "Pilot,Beta,Câștigat,2026-01-10,2025-12-01\nOld,Gamma,Dunno,,2025-12-01\n"
    )
    token = token_of(upload(client, csv_file(text), kind="deals"))
    columns = {"source": "file", "col_0": "field:title", "col_1": "field:account_name"}
    columns |= {"col_2": "field:stage", "col_3": "field:closed_at", "col_4": "field:created_at"}
    response = client.post(reverse("import_map", args=[token]), columns)
    assert response["Location"] == reverse("import_stages", args=[token])
    page = client.get(response["Location"])
    assert [f.label for f in page.context["form"].stage_fields()] == [
        "Calificat",
        "Câștigat",
        "Dunno",
    ]
    with on_commit():
        client.post(
            reverse("import_stages", args=[token]),
            {"process": "classic", "stage_0": "qualification", "stage_1": "won", "stage_2": ""},
        )
    job = ImportJob.objects.get()
    assert job.mapping["stages"] == {
        "Calificat": {"stage": "qualification", "outcome": "open"},
        "Câștigat": {"stage": None, "outcome": "won"},
    }
    assert (job.status, job.created, job.rejected) == (JobStatus.DONE, 2, 1)
    assert Deal.objects.count() == 0
    page_text = client.get(reverse("import_job", args=[job.pk])).content.decode()
    assert "Unknown stage &#x27;Dunno&#x27;" in page_text


def test_another_users_upload_and_job_are_404_and_read_only_is_refused(
    people: dict[str, User], on_commit: Any
) -> None:
    job = mapped(client_for(people["rep"]), on_commit)
    token = client_for(people["rep"]).get(reverse("import_job", args=[job.pk])).context["token"]
    other = client_for(people["rep_b"])
    for url in (
        reverse("import_job", args=[job.pk]),
        reverse("import_job_status", args=[job.pk]),
        reverse("import_job_errors", args=[job.pk]),
        reverse("import_map", args=[token]),
        reverse("import_mapping", args=[token]),
    ):
        assert other.get(url).status_code == 404, url
    assert other.post(reverse("import_job_run", args=[job.pk])).status_code == 404
    assert job.file_name not in other.get(reverse("imports")).content.decode()
    admin = User.objects.create_user("root", password=None, role=Role.ADMIN)
    assert client_for(admin).get(reverse("import_job", args=[job.pk])).status_code == 200
    viewer = client_for(people["viewer"])
    assert viewer.get(reverse("import_new")).status_code == 403
    assert upload(viewer, csv_file()).status_code == 403
    assert "Import a file" not in viewer.get(reverse("imports")).content.decode()
    assert ImportJob.objects.count() == 1


def test_past_imports_list_status_counts_who_and_when(
    people: dict[str, User], on_commit: Any
) -> None:
    client = client_for(people["rep"])
    job = mapped(client, on_commit)
    page = client.get(reverse("imports"))
    assert list(page.context["jobs"]) == [job]
    text = page.content.decode()
    assert "accounts.csv" in text
    assert "preview" in text
    assert ">rep<" in text


def test_an_xlsx_workbook_goes_through_the_wizard(
    people: dict[str, User], on_commit: Any, tmp_path: Path
) -> None:
    from openpyxl import Workbook  # type: ignore[import-untyped]

    book = Workbook()
    sheet = book.active
    sheet.append(["Company", "Staff"])
    sheet.append(["Acme SRL", 12])
    sheet.append(["Beta SA", 40])
    path = tmp_path / "book.xlsx"
    book.save(path)
    client = client_for(people["rep"])
    file = SimpleUploadedFile("book.xlsx", path.read_bytes())
    token = token_of(upload(client, file))
    assert (uploads_root() / token / "source.xlsx").is_file()
    with on_commit():
        client.post(
            reverse("import_map", args=[token]),
            {"source": "file", "col_0": "field:name", "col_1": "field:employees"},
        )
    job = ImportJob.objects.get()
    assert (job.status, job.created, job.rejected) == (JobStatus.DONE, 2, 0)


def test_a_preset_whose_columns_the_file_lacks_is_refused_beside_the_preset(
    people: dict[str, User],
) -> None:
    client = client_for(people["rep"])
    token = token_of(upload(client, csv_file()))
    response = client.post(reverse("import_map", args=[token]), {**MAP, "preset": "salesforce"})
    text = response.content.decode()
    assert response.status_code == 422
    assert "The file has no column &#x27;AnnualRevenue&#x27;" in text.split("id_preset")[-1]
    assert ImportJob.objects.count() == 0


def test_a_job_that_cannot_run_ends_failed_with_its_reason(
    people: dict[str, User], settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client = client_for(people["rep"])
    token = token_of(upload(client, csv_file()))
    client.post(reverse("import_map", args=[token]), MAP)
    job = ImportJob.objects.get()
    (uploads_root() / token / "source.csv").unlink()  # the file vanished before the worker ran
    assert job_run(job.pk, token) == JobStatus.FAILED
    page = client.get(reverse("import_job", args=[job.pk])).content.decode()
    assert "Failed" in page
    assert "No file" in page


def test_the_list_of_imports_costs_the_same_queries_for_many_jobs(
    people: dict[str, User], django_assert_max_num_queries: Any
) -> None:
    for number in range(30):
        ImportJob.objects.create(
            kind="accounts", file_name=f"f{number}.csv", created_by=people["rep"]
        )
    admin = User.objects.create_user("root", password=None, role=Role.ADMIN)
    client = client_for(admin)
    with django_assert_max_num_queries(6):  # session, user, count, one page of jobs with users
        page = client.get(reverse("imports"))
    assert len(page.context["jobs"]) == 25
    assert client_for(people["manager"]).get(reverse("imports")).context["jobs"].count() == 0
