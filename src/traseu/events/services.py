"""Writing events: :func:`emit` puts an event in the outbox, in the caller's transaction, and
fans it out to the subscribed webhooks as pending deliveries.

Because the event and its deliveries are rows written with the change, a change that rolls
back emits nothing, and a change that commits has its deliveries stored before any worker or
receiver is involved; the delivery task enqueued after commit is only a shortcut, the periodic
sweep finds every due delivery anyway.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.audit.services import jsonable
from traseu.core.errors import InvalidInput
from traseu.events.kinds import EVENT_KINDS
from traseu.events.models import Delivery, DeliveryStatus, OutboxEvent, Webhook

if TYPE_CHECKING:
    from traseu.core.models import User
    from traseu.crm.models import Deal


def emit(
    kind: str,
    payload: dict[str, Any],
    *,
    deal: Deal | None = None,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> OutboxEvent:
    """Write ``kind`` with ``payload`` to the outbox and create one pending delivery per active
    webhook subscribed to it, all in the caller's transaction.

    Call it inside ``transaction.atomic()`` next to the change it describes: if that
    transaction rolls back, the event and its deliveries roll back with it. The payload is
    stored as JSON (decimals become strings, times ISO 8601). The delivery tasks are enqueued
    only after the commit.
    """
    if kind not in EVENT_KINDS:
        raise InvalidInput(
            _("'%(kind)s' is not an event kind.") % {"kind": kind},
            code="unknown_event_kind",
            details={"kind": kind, "allowed": sorted(EVENT_KINDS)},
        )
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):
        event = OutboxEvent.objects.create(
            kind=kind, payload=jsonable(payload), deal=deal, actor=actor, occurred_at=now
        )
        hooks = [hook for hook in Webhook.objects.filter(active=True) if hook.wants(kind)]
        deliveries = Delivery.objects.bulk_create(
            Delivery(
                event=event,
                webhook=hook,
                status=DeliveryStatus.PENDING,
                next_attempt_at=now,
                created_at=now,
            )
            for hook in hooks
        )
        ids = [d.pk for d in deliveries if d.pk is not None]
        if ids:
            transaction.on_commit(lambda: enqueue_deliveries(ids), robust=True)
    return event


def enqueue_deliveries(delivery_ids: list[int]) -> None:
    """Start delivering now rather than at the next sweep (best effort: the sweep covers it)."""
    from traseu.events.tasks import deliver_webhook

    for delivery_id in delivery_ids:
        deliver_webhook.enqueue(delivery_id)


def event_body(event: OutboxEvent) -> dict[str, Any]:
    """What a receiver gets: the event id (its idempotency key), kind, time and the payload."""
    return {
        "id": str(event.key),
        "kind": event.kind,
        "occurred_at": event.occurred_at.isoformat(),
        "data": event.payload,
    }
