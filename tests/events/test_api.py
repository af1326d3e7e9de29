"""The webhooks API: administrators only, the secret shown once, deliveries and replay."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from tests.api.conftest import Api
from traseu.audit.models import AuditEntry
from traseu.core.models import User
from traseu.core.tokens import token_create
from traseu.events.models import Delivery, DeliveryStatus, Webhook
from traseu.events.services import emit

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(admin: User) -> Api:
    _, token = token_create(user=admin, name="admin", scope="write")
    return Api(Client(), token)


def _dead_delivery(hook: Webhook) -> Delivery:
    with transaction.atomic():
        emit("deal.won", {"deal_id": 1})
    Delivery.objects.update(status=DeliveryStatus.DEAD, attempts=12, last_error="HTTP 500")
    return Delivery.objects.get(webhook=hook)


def test_an_admin_creates_a_webhook_and_sees_the_secret_only_in_that_answer(
    admin_api: Api,
) -> None:
    created = admin_api.post(
        "/webhooks/",
        {"url": "https://hooks.example.com/traseu", "event_kinds": ["deal.won", "deal.lost"]},
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["event_kinds"] == ["deal.lost", "deal.won"]
    assert (body["active"], body["created_by"], body["dead"]) == (True, "admin", 0)
    shown = admin_api.get(f"/webhooks/{body['id']}").json()
    assert "secret" not in shown
    assert [h["id"] for h in admin_api.get("/webhooks/").json()] == [body["id"]]
    entry = AuditEntry.objects.get(object_type="webhook")
    assert "secret" not in entry.after
    assert entry.after["url"].startswith("https://")


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"url": "ftp://files.example.com/", "event_kinds": ["deal.won"]}, 422, "invalid_url"),
        ({"url": "not a url", "event_kinds": ["deal.won"]}, 422, "invalid_url"),
        ({"url": "https://x.example/", "event_kinds": []}, 422, None),
        ({"url": "https://x.example/", "event_kinds": ["deal.sold"]}, 422, None),
    ],
)
def test_bad_webhooks_are_refused_precisely_and_nothing_is_stored(
    admin_api: Api, payload: dict[str, object], status: int, code: str | None
) -> None:
    answer = admin_api.post("/webhooks/", payload)
    assert answer.status_code == status, answer.json()
    if code:
        assert answer.json()["code"] == code
        assert answer.json()["details"]["field"] == "url"
    assert not Webhook.objects.exists()


def test_people_who_are_not_administrators_get_403_everywhere(
    people: dict[str, User], hook: Webhook
) -> None:
    _, token = token_create(user=people["manager"], name="m", scope="write")
    manager = Api(Client(), token)
    assert manager.get("/webhooks/").status_code == 403
    assert manager.get(f"/webhooks/{hook.pk}").status_code == 403
    assert manager.get("/webhooks/deliveries/").status_code == 403
    refused = manager.post("/webhooks/", {"url": "https://x.example/", "event_kinds": ["deal.won"]})
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert manager.call("DELETE", f"/webhooks/{hook.pk}").status_code == 403
    assert Webhook.objects.count() == 1


def test_an_admin_pauses_renames_and_deletes_a_webhook(admin_api: Api, hook: Webhook) -> None:
    changed = admin_api.patch(f"/webhooks/{hook.pk}", {"active": False, "description": "CRM"})
    assert changed.status_code == 200
    assert (changed.json()["active"], changed.json()["description"]) == (False, "CRM")
    refused = admin_api.patch(f"/webhooks/{hook.pk}", {"url": "gopher://x"})
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_url")
    assert admin_api.call("DELETE", f"/webhooks/{hook.pk}").status_code == 204
    assert admin_api.get(f"/webhooks/{hook.pk}").json()["code"] == "webhook_not_found"


def test_deliveries_list_with_status_filter_and_a_replay(admin_api: Api, hook: Webhook) -> None:
    dead = _dead_delivery(hook)
    listed = admin_api.get("/webhooks/deliveries/", status="dead").json()
    [item] = listed["items"]
    assert (item["id"], item["status"], item["attempts"], item["last_error"]) == (
        dead.pk,
        "dead",
        12,
        "HTTP 500",
    )
    assert item["event_id"] == str(dead.event.key)
    assert admin_api.get("/webhooks/deliveries/", status="delivered").json()["items"] == []

    replayed = admin_api.post(f"/webhooks/deliveries/{dead.pk}/replay")
    assert replayed.status_code == 200, replayed.json()
    assert (replayed.json()["status"], replayed.json()["attempts"]) == ("pending", 0)
    again = admin_api.post(f"/webhooks/deliveries/{dead.pk}/replay")
    assert (again.status_code, again.json()["code"]) == (409, "delivery_not_replayable")
    missing = admin_api.post("/webhooks/deliveries/999999/replay")
    assert (missing.status_code, missing.json()["code"]) == (404, "delivery_not_found")


def test_a_delivery_being_sent_cannot_be_replayed(admin_api: Api, hook: Webhook) -> None:
    import datetime as dt

    from django.utils import timezone

    dead = _dead_delivery(hook)
    Delivery.objects.filter(pk=dead.pk).update(
        status=DeliveryStatus.FAILED, claimed_until=timezone.now() + dt.timedelta(minutes=1)
    )
    answer = admin_api.post(f"/webhooks/deliveries/{dead.pk}/replay")
    assert (answer.status_code, answer.json()["code"]) == (409, "delivery_in_progress")
    assert Delivery.objects.get(pk=dead.pk).status == "failed"


def test_routes_are_in_the_openapi_document() -> None:
    from traseu.api import api

    paths = api.get_openapi_schema()["paths"]
    assert {"/api/v1/webhooks/", "/api/v1/webhooks/deliveries/"} <= set(paths)
    replay = paths["/api/v1/webhooks/deliveries/{delivery_id}/replay"]["post"]
    assert {200, 403, 404, 409} <= set(replay["responses"])


def test_callers_without_credentials_get_401(hook: Webhook) -> None:
    assert Api(Client(), None).get("/webhooks/").status_code == 401
