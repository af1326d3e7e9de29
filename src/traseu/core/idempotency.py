"""Stored answers for requests sent with an ``Idempotency-Key`` (the storage; the HTTP side is
in :mod:`traseu.apikit.idempotency`).

A key belongs to one user. The first request with a key claims it (a row without a status);
when that request succeeds its answer is kept, and a repeat within the retention period gets
the same answer without running again. A failed request gives the key back, so a retry runs.
The unique constraint on (user, key) makes the claim safe against two requests at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from traseu.core.models import IdempotencyRecord, User

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a key: ``record`` is new (run the request) unless ``replay``
    (answer with the stored response), ``mismatch`` (another request used the key) or
    ``running`` (the first request with this key has not finished)."""

    record: IdempotencyRecord
    replay: bool = False
    mismatch: bool = False
    running: bool = False


def idempotency_claim(
    *,
    user: User,
    key: str,
    method: str,
    path: str,
    fingerprint: str,
    retention: dt.timedelta,
    clock: Clock = timezone.now,
) -> Claim:
    """Claim ``key`` for this request, or say why the stored one answers instead."""
    now = clock()
    IdempotencyRecord.objects.filter(user=user, key=key, created_at__lt=now - retention).delete()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                user=user,
                key=key,
                method=method,
                path=path[:500],
                fingerprint=fingerprint,
                created_at=now,
            )
        return Claim(record)
    except IntegrityError:
        existing = IdempotencyRecord.objects.get(user=user, key=key)
    if existing.fingerprint != fingerprint:
        return Claim(existing, mismatch=True)
    if existing.status is None:
        return Claim(existing, running=True)
    return Claim(existing, replay=True)


def idempotency_complete(
    *, record: IdempotencyRecord, status: int, body: str, headers: Mapping[str, str]
) -> None:
    """Keep the answer of a successful request for replays."""
    record.status, record.body, record.headers = status, body, dict(headers)
    record.save(update_fields=["status", "body", "headers"])


def idempotency_release(*, record: IdempotencyRecord) -> None:
    """Give a key back after a failed request, so that a retry runs again."""
    IdempotencyRecord.objects.filter(pk=record.pk, status__isnull=True).delete()


def idempotency_purge(*, older_than: dt.timedelta, clock: Clock = timezone.now) -> int:
    """Delete records past their retention (for a periodic job); returns how many."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=clock() - older_than).delete()
    return deleted
