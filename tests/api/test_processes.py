"""Processes over the API: stored versions, validation with every problem, publishing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import Api
from traseu.processes.models import ProcessVersion

pytestmark = pytest.mark.django_db
ROUTE_TEXT = (Path(__file__).parent.parent / "crm" / "route.yaml").read_text()


def send_yaml(api: Api, path: str, text: str) -> Any:
    return api.post(path, raw=text, content_type="application/yaml")


def test_processes_list_their_newest_versions_and_documents(
    as_user: Callable[..., Api], route: ProcessVersion
) -> None:
    api = as_user("rep", scope="read")
    [listed] = api.get("/processes/").json()
    assert (listed["key"], listed["version"], listed["name"]) == ("test-route", 1, "Test route")
    latest = api.get("/processes/test-route").json()
    assert latest["document"]["stages"][0]["key"] == "prospecting"
    assert api.get("/processes/test-route/versions/1").json()["digest"] == route.digest
    missing = api.get("/processes/test-route/versions/7")
    assert (missing.status_code, missing.json()["code"]) == (404, "process_not_found")
    assert api.get("/processes/nope").status_code == 404


def test_a_valid_document_is_summarised(as_user: Callable[..., Api], db: None) -> None:
    response = send_yaml(as_user("rep"), "/processes/validate", ROUTE_TEXT)
    assert response.status_code == 200
    body = response.json()
    assert (body["ok"], body["key"]) == (True, "test-route")
    assert [s["kind"] for s in body["stages"]][-3:] == ["won", "after_sale", "lost"]
    assert not ProcessVersion.objects.exists()


def test_an_invalid_document_lists_every_problem_with_its_line(
    as_user: Callable[..., Api], db: None
) -> None:
    broken = ROUTE_TEXT.replace("probability: 0.1\n", "probability: 7\n").replace(
        "kind: won", "kind: winning"
    )
    response = send_yaml(as_user("rep"), "/processes/validate", broken)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_process"
    problems = body["details"]["problems"]
    assert len(problems) >= 2
    assert all(set(p) == {"code", "path", "line", "message"} for p in problems)
    assert any(p["path"] == "stages[1].probability" and p["line"] > 0 for p in problems)
    not_text = as_user("rep").post(
        "/processes/validate", raw=b"\xff\xfe", content_type="text/plain"
    )
    assert (not_text.status_code, not_text.json()["code"]) == (400, "malformed")


def test_managers_apply_documents_and_reps_may_not(as_user: Callable[..., Api], db: None) -> None:
    refused = send_yaml(as_user("rep"), "/processes/apply", ROUTE_TEXT)
    assert (refused.status_code, refused.json()["code"]) == (403, "publish_forbidden")
    manager = as_user("manager")
    created = send_yaml(manager, "/processes/apply", ROUTE_TEXT)
    assert created.status_code == 201
    assert created.json()["created"] is True
    assert created.json()["version"]["version"] == 1
    again = send_yaml(manager, "/processes/apply", ROUTE_TEXT + "\n# a comment\n")
    assert (again.status_code, again.json()["created"]) == (200, False)
    changed = send_yaml(manager, "/processes/apply", ROUTE_TEXT.replace("Test route", "Route 2"))
    assert changed.json()["version"]["version"] == 2
    author = ProcessVersion.objects.get(number=2).created_by
    assert author is not None
    assert author.username == "manager"
