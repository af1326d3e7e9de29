"""The imports API: POST a file with a mapping or preset (202 with the job), follow the job,
fetch its bad rows, list past imports."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from traseu.api import api as ninja_api
from traseu.core.models import Role, User
from traseu.core.tokens import token_create
from traseu.crm.models import Account
from traseu.imports.models import ImportJob, JobStatus
from traseu.imports.staging import uploads_root

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
ACCOUNTS = "Name,Website,Employees\nAcme SRL,acme.ro,120\nBeta SA,beta.ro,many\n"
MAPPING = (
    "kind: accounts\nsource: sheet\ncolumns:\n  name: Name\n  website: Website\n"
    "  employees: Employees\n"
)


@pytest.fixture(autouse=True)
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    monkeypatch.setenv("TRASEU_DATA_DIR", str(tmp_path))
    settings.TASKS = IMMEDIATE
    cache.clear()  # rate limits


class Api:
    def __init__(self, user: User, scope: str = "write") -> None:
        _, token = token_create(user=user, name=f"{user.username}-{scope}", scope=scope)
        self.client = Client(headers={"Authorization": f"Bearer {token}"})

    def send(
        self, fields: dict[str, Any], text: str = ACCOUNTS, name: str = "a.csv", **kw: Any
    ) -> Any:
        data = {"kind": "accounts", **fields, "file": SimpleUploadedFile(name, text.encode())}
        return self.client.post("/api/v1/imports", data, **kw)

    def get(self, path: str, **query: Any) -> Any:
        return self.client.get(f"/api/v1/imports{path}", query)


@pytest.fixture
def api(people: dict[str, User]) -> Callable[..., Api]:
    return lambda name="rep", scope="write": Api(people[name], scope)


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Callable[..., Any]) -> Callable[..., Any]:
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_post_answers_202_with_the_job_and_the_worker_imports_it(
    api: Callable[..., Api], committed: Any
) -> None:
    client = api()
    with committed():
        answer = client.send({"mapping": MAPPING, "skip_invalid": "true"})
    assert answer.status_code == 202, answer.content
    body = answer.json()
    assert body["status"] == "pending"
    assert body["kind"] == "accounts"
    assert answer["Location"] == f"/api/v1/imports/{body['id']}"
    job = client.get(f"/{body['id']}").json()
    assert job["status"] == "done"
    assert job["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert job["percent"] == 100
    assert job["created_by"] == "rep"
    assert job["errors"] == [
        {
            "row": 3,
            "column": "Employees",
            "value": "many",
            "reason": job["errors"][0]["reason"],
            "code": job["errors"][0]["code"],
        }
    ]
    assert list(Account.objects.values_list("name", flat=True)) == ["Acme SRL"]
    csv = client.client.get(job["errors_url"])
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        b"".join(csv.streaming_content)  # type: ignore[attr-defined]
        .decode("utf-8-sig")
        .splitlines()[1]
        .startswith("3,Employees,many,")
    )


def test_a_dry_run_with_a_preset_counts_and_stores_nothing(
    api: Callable[..., Api], committed: Any
) -> None:
    text = (
        "Id,Name,Website,Industry,NumberOfEmployees,AnnualRevenue,BillingCountry,OwnerId,Type,"
        "Rating\n001A,Acme SRL,https://acme.ro,Retail,12,100000,Romania,005X,Prospect,Hot\n"
    )
    with committed():
        answer = api().send({"preset": "salesforce", "dry_run": "true"}, text=text)
    job = ImportJob.objects.get(pk=answer.json()["id"])
    assert (job.dry_run, job.status, job.created, job.source_system) == (
        True,
        JobStatus.DONE,
        1,
        "salesforce",
    )
    assert Account.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "text", "name", "code", "field"),
    [
        ({}, ACCOUNTS, "a.csv", "mapping_required", None),
        ({"preset": "salesforce", "mapping": MAPPING}, ACCOUNTS, "a.csv", "mapping_required", None),
        (
            {"mapping": "kind: accounts\ncolumns: {nme: Name}\n"},
            ACCOUNTS,
            "a.csv",
            "invalid_mapping",
            "mapping",
        ),
        ({"preset": "zoho"}, ACCOUNTS, "a.csv", "preset_unknown", None),
        ({"mapping": MAPPING}, "%PDF-1.4", "a.pdf", "upload_type", "file"),
        (
            {"mapping": MAPPING, "encoding": "klingon"},
            ACCOUNTS,
            "a.csv",
            "unknown_encoding",
            "encoding",
        ),
        (
            {"mapping": MAPPING, "kind": "contacts"},
            ACCOUNTS,
            "a.csv",
            "mapping_kind_mismatch",
            "mapping",
        ),
    ],
)
def test_bad_requests_are_422_with_a_precise_code_and_store_nothing(
    api: Callable[..., Api],
    fields: dict[str, str],
    text: str,
    name: str,
    code: str,
    field: str | None,
) -> None:
    answer = api().send(fields, text=text, name=name)
    assert answer.status_code == 422, answer.content
    body = answer.json()
    assert body["code"] == code
    if field:
        assert body["details"]["field"] == field
    assert ImportJob.objects.count() == 0
    assert not uploads_root().exists() or not any(uploads_root().iterdir())


def test_a_preset_whose_columns_the_file_lacks_is_refused(api: Callable[..., Api]) -> None:
    answer = api().send({"preset": "salesforce"}, text="Id,Name\n1,Acme\n")
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "column_missing"
    assert "NumberOfEmployees" in body["details"]["missing"]
    assert ImportJob.objects.count() == 0
    assert not any(uploads_root().iterdir())


def test_an_unknown_kind_is_a_validation_error(api: Callable[..., Api]) -> None:
    answer = api().send({"kind": "invoices", "mapping": MAPPING})
    assert answer.status_code == 422
    assert answer.json()["details"]["errors"][0]["field"] == "kind"


def test_read_tokens_and_read_only_users_cannot_import(api: Callable[..., Api]) -> None:
    assert api("rep", "read").send({"mapping": MAPPING}).json()["code"] == "token_read_only"
    assert api("viewer").send({"mapping": MAPPING}).status_code == 403
    assert ImportJob.objects.count() == 0


def test_another_users_job_is_404_everywhere_and_not_listed(
    api: Callable[..., Api], committed: Any, people: dict[str, User]
) -> None:
    with committed():
        job_id = api().send({"mapping": MAPPING, "skip_invalid": "true"}).json()["id"]
    other = api("rep_b")
    assert other.get(f"/{job_id}").json()["code"] == "import_not_found"
    assert other.get(f"/{job_id}/errors.csv").status_code == 404
    assert other.get("").json()["items"] == []
    admin = User.objects.create_user("root", password=None, role=Role.ADMIN)
    assert Api(admin).get(f"/{job_id}").status_code == 200


def test_the_list_pages_with_a_cursor(api: Callable[..., Api], committed: Any) -> None:
    client = api()
    with committed():
        ids = [client.send({"mapping": MAPPING, "dry_run": "true"}).json()["id"] for _ in range(3)]
    first = client.get("", limit=2).json()
    assert [item["id"] for item in first["items"]] == ids[::-1][:2]
    second = client.get("", limit=2, cursor=first["next_cursor"]).json()
    assert [item["id"] for item in second["items"]] == ids[:1]
    assert second["next_cursor"] is None
    assert client.get("", cursor="nonsense").status_code == 400


def test_a_job_without_bad_rows_has_no_error_file(api: Callable[..., Api], committed: Any) -> None:
    client = api()
    with committed():
        job = client.send(
            {"mapping": MAPPING}, text="Name,Website,Employees\nAcme,acme.ro,3\n"
        ).json()
    assert client.get(f"/{job['id']}").json()["errors_url"] is None
    assert client.get(f"/{job['id']}/errors.csv").json()["code"] == "error_file_missing"


def test_idempotency_key_replays_the_first_answer(api: Callable[..., Api], committed: Any) -> None:
    client = api()
    with committed():
        first = client.send({"mapping": MAPPING}, headers={"Idempotency-Key": "k1"})
        again = client.send({"mapping": MAPPING}, headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 202
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert ImportJob.objects.count() == 1


def test_idempotency_key_tells_uploads_apart_by_their_fields_and_file(
    api: Callable[..., Api], committed: Any
) -> None:
    """The key's fingerprint of a multipart request is its form fields and each file's name,
    size and SHA-256: the same upload replays, anything else with the key is refused."""
    client = api()
    key = {"headers": {"Idempotency-Key": "upload-1"}}
    with committed():
        first = client.send({"mapping": MAPPING}, **key)
        again = client.send({"mapping": MAPPING}, **key)
    assert first.status_code == again.status_code == 202
    assert (again.json(), again["Idempotent-Replayed"]) == (first.json(), "true")
    other_text = ACCOUNTS.replace("120", "121")  # the same size, another content
    for fields, text, name in (
        ({"mapping": MAPPING}, other_text, "a.csv"),
        ({"mapping": MAPPING}, ACCOUNTS, "b.csv"),
        ({"mapping": MAPPING, "dry_run": "true"}, ACCOUNTS, "a.csv"),
    ):
        with committed():
            reused = client.send(fields, text=text, name=name, **key)
        assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")
    assert ImportJob.objects.count() == 1


def test_a_multipart_body_without_boundary_is_400(api: Callable[..., Api]) -> None:
    client = api()
    body = b'--b\r\nContent-Disposition: form-data; name="kind"\r\n\r\naccounts\r\n--b--\r\n'
    for headers in ({}, {"Idempotency-Key": "no-boundary"}):
        answer = client.client.post(
            "/api/v1/imports", body, content_type="multipart/form-data", headers=headers
        )
        assert answer.status_code == 400, answer.content
        assert answer.json()["code"] == "malformed"
        assert set(answer.json()) == {"code", "message", "details"}
    assert not ImportJob.objects.exists()


def test_the_openapi_document_describes_the_multipart_body_and_every_status() -> None:
    schema = json.loads(json.dumps(ninja_api.get_openapi_schema()))
    post = schema["paths"]["/api/v1/imports"]["post"]
    body = post["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert {"file", "kind"} <= set(body["required"])
    assert body["properties"]["file"]["format"] == "binary"
    assert {"202", "401", "403", "422", "429"} <= set(post["responses"])
    errors = schema["paths"]["/api/v1/imports/{job_id}/errors.csv"]["get"]["responses"]["200"]
    assert "text/csv" in errors["content"]
