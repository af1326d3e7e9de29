"""GET /api/v1/audit/: managers read their teams' trail, administrators all of it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import Api
from tests.audit.conftest import Trail
from traseu.core.models import User
from traseu.core.tokens import token_create
from traseu.crm.models import Deal

pytestmark = pytest.mark.django_db


def labels(response: object) -> list[str]:
    return [item["object_label"] for item in response.json()["items"]]  # type: ignore[attr-defined]


@pytest.fixture
def as_admin(admin: User) -> Api:
    _, token = token_create(user=admin, name="admin", scope="read")
    return Api(Client(), token)


def test_one_record_by_type_and_id(as_user: Callable[..., Api], trail: Trail) -> None:
    response = as_user("manager", "read").get("/audit/", object=f"deal:{trail.deal_a.pk}")
    assert response.status_code == 200, response.content
    [item] = response.json()["items"]
    assert item == {
        "id": item["id"],
        "at": "2026-03-02T09:00:00Z",
        "actor": "rep",
        "via": "service",
        "token_prefix": "",
        "object_type": "deal",
        "object_id": trail.deal_a.pk,
        "object_label": "Acme rollout",
        "deal_id": trail.deal_a.pk,
        "action": "create",
        "before": {},
        "after": item["after"],
        "reason": "",
        "request_id": "",
        "ip": None,
    }
    assert item["after"]["amount"] == "5000.00"


def test_a_deals_whole_trail_newest_first(as_user: Callable[..., Api], trail: Trail) -> None:
    response = as_user("manager").get("/audit/", deal=trail.deal_a.pk)
    assert labels(response) == ["Call A", "Acme rollout"]


def test_managers_see_their_teams_and_admins_everything(
    as_user: Callable[..., Api], as_admin: Api, trail: Trail
) -> None:
    mine = labels(as_user("manager").get("/audit/"))
    assert sorted(mine) == ["Acme rollout", "Alpha SRL", "Call A"]
    everything = as_admin.get("/audit/").json()["items"]
    assert sorted(i["object_label"] for i in everything if i["object_type"] != "access_token") == [
        "Acme rollout",
        "Acme rollout",
        "Alpha SRL",
        "Beta SRL",
        "Call A",
        "Call B",
        "test-route v1",
    ]


def test_another_teams_deal_is_not_found(as_user: Callable[..., Api], trail: Trail) -> None:
    response = as_user("manager").get("/audit/", deal=trail.deal_b.pk)
    assert (response.status_code, response.json()["code"]) == (404, "deal_not_found")
    other = as_user("manager").get("/audit/", object=f"deal:{trail.deal_b.pk}")
    assert other.json()["items"] == []


@pytest.mark.parametrize("who", ["rep", "viewer", "am"])
def test_only_managers_and_admins_read_the_trail(
    as_user: Callable[..., Api], trail: Trail, who: str
) -> None:
    response = as_user(who, "read").get("/audit/")
    assert (response.status_code, response.json()["code"]) == (403, "audit_forbidden")


def test_filters_and_cursor_pages(as_admin: Api, trail: Trail) -> None:
    assert labels(as_admin.get("/audit/", object_type="x", actor="rep_b")) == [
        "Beta SRL",
        "Call B",
        "Acme rollout",
    ]
    calls = as_admin.get("/audit/", since="2026-03-02T11:00:00Z", until="2026-03-02T11:00:01Z")
    assert sorted(labels(calls)) == ["Call A", "Call B"]
    everything = [item["id"] for item in as_admin.get("/audit/").json()["items"]]
    assert len(everything) == 8  # with the process applied and the admin's token created
    paged, cursor, pages = [], None, 0
    while pages == 0 or cursor:
        page = as_admin.get("/audit/", limit=3, **({"cursor": cursor} if cursor else {})).json()
        paged += [item["id"] for item in page["items"]]
        cursor, pages = page["next_cursor"], pages + 1
    assert (paged, pages) == (everything, 3)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"object": "deal12"}, "object"),
        ({"via": "mail"}, "via"),
        ({"since": "1700000000"}, "since"),
        ({"action": "drop"}, "action"),
    ],
)
def test_bad_filters_are_refused(
    as_admin: Api, trail: Trail, query: dict[str, str], field: str
) -> None:
    response = as_admin.get("/audit/", **query)
    assert response.status_code == 422
    assert field in response.content.decode()


def test_a_page_costs_the_same_queries_however_many_entries(
    as_admin: Api, trail: Trail, make_deal: Callable[..., Deal]
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert as_admin.get("/audit/").status_code == 200
        return len(captured.captured_queries)

    queries()  # the token's last use is written once a minute
    few = queries()
    assert few == 2  # the token, the entries with their actors
    for owner in ("rep", "rep2", "rep_b", "manager", "am"):
        make_deal(owner=owner)
    assert queries() == few
