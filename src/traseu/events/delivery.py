"""Sending deliveries: claim, POST, record the answer, schedule the retry.

At-least-once: a delivery stays due until a receiver answers 2xx or the attempts run out, and a
worker that dies mid-send only holds its claim until the lease expires. A receiver may therefore
see an event twice (after a lost answer, or an expired lease) and must deduplicate on
``X-Traseu-Delivery``, the event id, which is the same on every attempt.

Claims: on PostgreSQL a batch of due rows is locked with ``SELECT ... FOR UPDATE SKIP LOCKED``
(workers skip each other's rows instead of waiting) and leased in the same transaction; on
SQLite, which has no row locks, a conditional ``UPDATE ... WHERE <still due and unclaimed>``
claims (SQLite runs one writer at a time, so only one worker's update matches). Either way the
lease, not a held transaction, covers the HTTP request.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from traseu.events.models import Delivery, DeliveryStatus
from traseu.events.services import event_body
from traseu.events.signing import sign

BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_CAP = dt.timedelta(hours=6)
JITTER = 0.1  # up to 10% added to each delay, so retries of many deliveries spread out
LEASE = dt.timedelta(minutes=2)  # longer than any request may take (see timeout())
ERROR_CHARS = 500
CLAIM_TRIES = 5
USER_AGENT = "Traseu-Webhooks/1"


def max_attempts() -> int:
    return int(getattr(settings, "WEBHOOK_MAX_ATTEMPTS", 12))


def timeout() -> float:
    return float(getattr(settings, "WEBHOOK_TIMEOUT", 10))


def backoff_delay(attempts: int, *, rand: Callable[[], float] = random.random) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 1 minute, then 2, 4, 8 ...,
    at most 6 hours, each plus up to 10% of jitter."""
    exponent = max(attempts - 1, 0)
    base = BACKOFF_CAP if exponent >= 20 else min(BACKOFF_BASE * 2**exponent, BACKOFF_CAP)
    return base + base * (JITTER * rand())


def due(now: dt.datetime) -> Q:
    """Deliveries a worker may claim at ``now``: waiting, due, unclaimed or with an expired
    lease, for an active webhook."""
    return (
        Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED])
        & Q(next_attempt_at__lte=now)
        & (Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        & Q(webhook__active=True)
    )


def claim_due(now: dt.datetime, *, limit: int = 50) -> list[tuple[int, str]]:
    """Claim up to ``limit`` due deliveries for this worker: ``(delivery id, claim token)``."""
    token = secrets.token_hex(16)
    lease = {"claimed_until": now + LEASE, "claim_token": token}
    if connection.vendor == "postgresql":
        with transaction.atomic():
            rows = (
                Delivery.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(due(now))
                .order_by("next_attempt_at", "pk")
                .only("pk")[:limit]
            )
            ids = [row.pk for row in rows]
            Delivery.objects.filter(pk__in=ids).update(**lease)
        return [(pk, token) for pk in ids]
    for _ in range(CLAIM_TRIES):
        candidates = list(
            Delivery.objects.filter(due(now))
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not candidates:
            return []
        # The due condition is checked again by the UPDATE itself: a row another worker
        # claimed since the SELECT no longer matches. If they all went, look again.
        Delivery.objects.filter(pk__in=candidates).filter(due(now)).update(**lease)
        claimed = Delivery.objects.filter(pk__in=candidates, claim_token=token)
        ids = list(claimed.values_list("pk", flat=True))
        if ids:
            return [(pk, token) for pk in ids]
    return []


def claim_one(delivery_id: int, now: dt.datetime) -> str | None:
    """Claim one delivery if it is due and unclaimed (a conditional UPDATE, on any database)."""
    token = secrets.token_hex(16)
    updated = (
        Delivery.objects.filter(pk=delivery_id)
        .filter(due(now))
        .update(claimed_until=now + LEASE, claim_token=token)
    )
    return token if updated == 1 else None


@dataclass(frozen=True)
class Answer:
    """What one attempt got: an HTTP status (None when no answer came) and an error text."""

    status_code: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a hop: following it could reach an internal address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``url`` (http or https only, no redirects, a short timeout)."""
    if not url.lower().startswith(("http://", "https://")):
        return Answer(None, "only http and https URLs are delivered to")
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=timeout()) as response:
            return Answer(response.status)
    except urllib.error.HTTPError as error:
        detail = error.read(ERROR_CHARS).decode("utf-8", "replace")
        return Answer(error.code, f"HTTP {error.code}: {detail}".strip()[:ERROR_CHARS])
    except urllib.error.URLError as error:
        return Answer(None, str(error.reason)[:ERROR_CHARS])
    except (OSError, ValueError) as error:  # timeouts, resets, malformed URLs
        return Answer(None, (str(error) or type(error).__name__)[:ERROR_CHARS])


def request_for(delivery: Delivery, *, at: int | None = None) -> tuple[bytes, dict[str, str]]:
    """The body and headers of an attempt; the body is the same bytes on every attempt."""
    event = delivery.event
    body = json.dumps(event_body(event), sort_keys=True, separators=(",", ":")).encode()
    timestamp = int(time.time()) if at is None else at
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Traseu-Event": event.kind,
        "X-Traseu-Delivery": str(event.key),
        "X-Traseu-Timestamp": str(timestamp),
        "X-Traseu-Signature": sign(delivery.webhook.secret, timestamp, body),
    }
    return body, headers


def attempt(delivery_id: int, token: str, *, now: Callable[[], dt.datetime] = timezone.now) -> bool:
    """Send a claimed delivery once and record the answer; True if the receiver took it."""
    delivery = Delivery.objects.select_related("event", "webhook").get(pk=delivery_id)
    body, headers = request_for(delivery)
    answer = post(delivery.webhook.url, body, headers)
    record_answer(delivery, token, answer, now=now())
    return answer.ok


def record_answer(delivery: Delivery, token: str, answer: Answer, *, now: dt.datetime) -> bool:
    """Store an attempt's answer and the next step (delivered, retry at, or dead). Only the
    holder of the claim may: if the lease expired and another worker took over, its own result
    counts and this one is dropped (returns False)."""
    attempts = delivery.attempts + 1
    fields: dict[str, Any] = {
        "attempts": F("attempts") + 1,
        "last_status_code": answer.status_code,
        "last_error": answer.error,
        "last_attempt_at": now,
        "claimed_until": None,
        "claim_token": "",
    }
    if answer.ok:
        fields.update(status=DeliveryStatus.DELIVERED, delivered_at=now, next_attempt_at=None)
    elif attempts >= max_attempts():
        fields.update(status=DeliveryStatus.DEAD, next_attempt_at=None)
    else:
        fields.update(status=DeliveryStatus.FAILED, next_attempt_at=now + backoff_delay(attempts))
    return Delivery.objects.filter(pk=delivery.pk, claim_token=token).update(**fields) == 1


def deliver_one(delivery_id: int, *, now: Callable[[], dt.datetime] = timezone.now) -> bool:
    """Deliver one delivery now if it is due and nobody holds it (the after-commit task)."""
    token = claim_one(delivery_id, now())
    return token is not None and attempt(delivery_id, token, now=now)


def deliver_due(
    *,
    now: Callable[[], dt.datetime] = timezone.now,
    limit: int = 50,
    budget: dt.timedelta = dt.timedelta(seconds=45),
) -> int:
    """Claim and send due deliveries, batch after batch, until none is due or the time budget
    is spent; the number of attempts made."""
    started = time.monotonic()
    sent = 0
    while time.monotonic() - started < budget.total_seconds():
        claims = claim_due(now(), limit=limit)
        if not claims:
            break
        for delivery_id, token in claims:
            attempt(delivery_id, token, now=now)
            sent += 1
    return sent
