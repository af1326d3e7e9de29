"""Delivering: signed POSTs, backoff, dead letters, claims, and a receiver that is down."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from django.db import transaction
from django.test import override_settings

from tests.conftest import FakeClock
from tests.events.conftest import Receiver
from traseu.core.models import User
from traseu.crm.models import Deal
from traseu.events import delivery
from traseu.events.delivery import (
    LEASE,
    Answer,
    backoff_delay,
    claim_due,
    claim_one,
    deliver_due,
    deliver_one,
    record_answer,
    request_for,
)
from traseu.events.models import Delivery, DeliveryStatus, OutboxEvent, Webhook
from traseu.events.services import emit, event_body
from traseu.events.signing import verify_signature
from traseu.events.webhooks import delivery_replay

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]


def _emit(clock: FakeClock, kind: str = "deal.won", **data: object) -> OutboxEvent:
    with transaction.atomic():
        return emit(kind, {"n": 1, **data}, now=clock.now)


def test_the_backoff_doubles_from_one_minute_up_to_six_hours_plus_at_most_ten_percent() -> None:
    minutes = [backoff_delay(n, rand=lambda: 0.0).total_seconds() / 60 for n in range(1, 13)]
    assert minutes == [1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360, 360]
    assert backoff_delay(3, rand=lambda: 0.999).total_seconds() == pytest.approx(240 * 1.0999)
    assert backoff_delay(500, rand=lambda: 0.0) == dt.timedelta(hours=6)


def test_a_delivery_posts_the_signed_json_body_with_the_event_headers(
    hook: Webhook, receiver: Receiver, clock: FakeClock
) -> None:
    receiver.start()
    event = _emit(clock, amount="99.90")
    assert deliver_due(now=clock) == 1
    [got] = receiver.requests
    assert got.signature_ok
    assert (got.key, got.kind) == (str(event.key), "deal.won")
    assert got.body == json.loads(json.dumps(event_body(event)))
    done = Delivery.objects.get(event=event)
    assert (done.status, done.attempts, done.last_status_code, done.delivered_at) == (
        DeliveryStatus.DELIVERED,
        1,
        200,
        clock.now,
    )
    assert done.claim_token == ""
    assert done.claimed_until is None


def test_the_body_is_byte_identical_on_every_attempt_and_only_the_timestamp_moves(
    hook: Webhook, clock: FakeClock
) -> None:
    _emit(clock)
    row = Delivery.objects.select_related("event", "webhook").get()
    first_body, first = request_for(row, at=1_000)
    again_body, again = request_for(row, at=2_000)
    assert first_body == again_body
    assert first["X-Traseu-Delivery"] == again["X-Traseu-Delivery"] == str(row.event.key)
    assert verify_signature(hook.secret, 2_000, again_body, again["X-Traseu-Signature"], now=2_000)


def test_failures_retry_with_backoff_then_die_after_the_last_attempt(
    hook: Webhook, receiver: Receiver, clock: FakeClock
) -> None:
    receiver.start()
    receiver.answers = [500, 503, 500]
    _emit(clock)
    with override_settings(WEBHOOK_MAX_ATTEMPTS=3):
        assert deliver_due(now=clock) == 1
        row = Delivery.objects.get()
        assert (row.status, row.attempts, row.last_status_code) == ("failed", 1, 500)
        assert "HTTP 500" in row.last_error
        wait = row.next_attempt_at - clock.now  # type: ignore[operator]
        assert dt.timedelta(minutes=1) <= wait <= dt.timedelta(minutes=1.1)
        assert deliver_due(now=clock) == 0, "not due before its time"
        clock.now = row.next_attempt_at  # type: ignore[assignment]
        assert deliver_due(now=clock) == 1
        row.refresh_from_db()
        assert (row.status, row.attempts, row.last_status_code) == ("failed", 2, 503)
        wait = row.next_attempt_at - clock.now  # type: ignore[operator]
        assert dt.timedelta(minutes=2) <= wait <= dt.timedelta(minutes=2.2)
        clock.advance(minutes=3)
        assert deliver_due(now=clock) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == ("dead", 3, None)
    clock.advance(days=1)
    assert deliver_due(now=clock) == 0, "a dead delivery waits for a replay"
    assert len(receiver.requests) == 3


def test_a_receiver_down_then_up_gets_every_event_exactly_once_per_key(
    hook: Webhook, receiver: Receiver, clock: FakeClock
) -> None:
    keys = {str(_emit(clock, n=n).key) for n in range(5)}
    assert deliver_due(now=clock) == 5  # nobody listens: connection refused
    rows = Delivery.objects.all()
    assert {r.status for r in rows} == {"failed"}
    assert all(r.last_status_code is None and r.last_error for r in rows)
    receiver.start()
    receiver.answers = [500, "drop"]  # one refusal, one answer lost after processing
    clock.advance(minutes=2)
    deliver_due(now=clock)
    clock.advance(minutes=5)
    deliver_due(now=clock)
    clock.advance(minutes=10)
    assert deliver_due(now=clock) == 0, "nothing left to send"
    assert {r.status for r in Delivery.objects.all()} == {"delivered"}
    assert set(receiver.processed) == keys
    assert all(count == 1 for count in receiver.processed.values())
    assert set(receiver.arrivals()) == keys
    assert sum(receiver.arrivals().values()) == 7, "the two failed answers were retried"


def test_a_redirect_is_a_failure_not_a_hop(
    hook: Webhook, receiver: Receiver, clock: FakeClock
) -> None:
    receiver.start()
    receiver.answers = [302]
    _emit(clock)
    deliver_due(now=clock)
    row = Delivery.objects.get()
    assert (row.status, row.last_status_code) == ("failed", 302)


def test_only_http_and_https_urls_are_posted_to() -> None:
    answer = delivery.post("file:///etc/passwd", b"{}", {})
    assert (answer.ok, answer.status_code) == (False, None)
    assert "http" in answer.error


def test_a_paused_webhook_keeps_its_deliveries_waiting(
    hook: Webhook, receiver: Receiver, clock: FakeClock
) -> None:
    _emit(clock)
    Webhook.objects.filter(pk=hook.pk).update(active=False)
    assert deliver_due(now=clock) == 0
    assert Delivery.objects.get().status == "pending"


def test_a_claimed_delivery_cannot_be_claimed_again_until_its_lease_expires(
    hook: Webhook, clock: FakeClock
) -> None:
    _emit(clock)
    row = Delivery.objects.get()
    token = claim_one(row.pk, clock.now)
    assert token
    assert claim_one(row.pk, clock.now) is None
    assert claim_due(clock.now) == []
    clock.now += LEASE + dt.timedelta(seconds=1)  # the first worker died
    [(claimed, second)] = claim_due(clock.now)
    assert claimed == row.pk
    assert second != token
    assert not record_answer(row, token, Answer(200), now=clock.now), "the stale claim lost"
    assert Delivery.objects.get().status == "pending"
    assert record_answer(row, second, Answer(200), now=clock.now)
    assert Delivery.objects.get().status == "delivered"


def test_the_after_commit_task_does_nothing_for_a_delivery_already_sent(
    hook: Webhook, receiver: Receiver, clock: FakeClock
) -> None:
    receiver.start()
    _emit(clock)
    row = Delivery.objects.get()
    assert deliver_one(row.pk, now=clock)
    assert not deliver_one(row.pk, now=clock)
    assert len(receiver.requests) == 1


def test_a_dead_delivery_replayed_reaches_the_receiver_with_the_same_event_id(
    hook: Webhook, receiver: Receiver, clock: FakeClock, admin: User
) -> None:
    event = _emit(clock)
    with override_settings(WEBHOOK_MAX_ATTEMPTS=1):
        deliver_due(now=clock)  # nobody listens
    row = Delivery.objects.get()
    assert row.status == "dead"
    receiver.start()
    delivery_replay(actor=admin, delivery_id=row.pk, now=clock.now)
    assert deliver_due(now=clock) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("delivered", 1)
    assert [r.key for r in receiver.requests] == [str(event.key)]
