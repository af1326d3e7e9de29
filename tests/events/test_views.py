"""The webhooks page: administrators only, the secret shown once, deliveries and replay."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from traseu.core.models import User
from traseu.events.models import Delivery, DeliveryStatus, Webhook
from traseu.events.services import emit

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(admin: User) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def test_an_admin_adds_a_webhook_and_sees_its_secret_once(browser: Client) -> None:
    answer = browser.post(
        "/webhooks/",
        {"url": "https://hooks.example.com/in", "event_kinds": ["deal.won", "stage.changed"]},
    )
    assert answer.status_code == 201
    hook = Webhook.objects.get()
    assert hook.secret in answer.content.decode()
    page = browser.get("/webhooks/").content.decode()
    assert "https://hooks.example.com/in" in page
    assert hook.secret not in page


def test_a_bad_url_is_shown_beside_the_field_and_nothing_is_stored(browser: Client) -> None:
    answer = browser.post("/webhooks/", {"url": "ftp://x.example/", "event_kinds": ["deal.won"]})
    assert answer.status_code == 422
    assert 'class="field invalid"' in answer.content.decode()
    assert not Webhook.objects.exists()


def test_other_people_are_refused(people: dict[str, User]) -> None:
    client = Client()
    client.force_login(people["manager"])
    assert client.get("/webhooks/").status_code == 403
    assert client.get("/webhooks/deliveries/").status_code == 403
    assert client.post("/webhooks/", {"url": "https://x.example/"}).status_code == 403


def test_deliveries_show_errors_and_a_dead_one_is_replayed(browser: Client, hook: Webhook) -> None:
    with transaction.atomic():
        emit("deal.won", {"deal_id": 1})
    Delivery.objects.update(status=DeliveryStatus.DEAD, attempts=12, last_error="timed out")
    delivery = Delivery.objects.get()
    page = browser.get("/webhooks/deliveries/", {"status": "dead"}).content.decode()
    assert "timed out" in page
    assert f"/webhooks/deliveries/{delivery.pk}/replay/" in page
    answer = browser.post(f"/webhooks/deliveries/{delivery.pk}/replay/", {"next": "/evil.example"})
    assert answer.status_code == 302
    assert answer["Location"] == "/webhooks/deliveries/"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)


def test_pause_and_delete(browser: Client, hook: Webhook) -> None:
    browser.post(f"/webhooks/{hook.pk}/active/", {"active": "0"})
    hook.refresh_from_db()
    assert not hook.active
    browser.post(f"/webhooks/{hook.pk}/delete/")
    assert not Webhook.objects.exists()
