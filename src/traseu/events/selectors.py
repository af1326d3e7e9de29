"""Reading webhooks, deliveries and events (administrators only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from traseu.core.errors import InvalidInput, NotFound
from traseu.events.models import Delivery, DeliveryStatus, OutboxEvent, Webhook
from traseu.events.webhooks import require_webhook_admin

if TYPE_CHECKING:
    from traseu.core.models import User

DELIVERY_SORT_KEYS = {"created_at": "created_at"}


def webhook_list(*, user: User) -> QuerySet[Webhook]:
    """Every webhook with its count of deliveries per status (one query)."""
    require_webhook_admin(user)
    return Webhook.objects.select_related("created_by").annotate(
        delivered=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.DELIVERED)),
        waiting=Count(
            "deliveries",
            filter=Q(deliveries__status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]),
        ),
        dead=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.DEAD)),
    )


def webhook_get(*, user: User, webhook_id: int) -> Webhook:
    found = webhook_list(user=user).filter(pk=webhook_id).first()
    if found is None:
        raise NotFound(_("No webhook %(id)s.") % {"id": webhook_id}, code="webhook_not_found")
    return found


def delivery_list(
    *, user: User, webhook_id: int | None = None, status: str | None = None
) -> QuerySet[Delivery]:
    """Deliveries, newest first, with their event and webhook, optionally of one webhook or in
    one status."""
    require_webhook_admin(user)
    rows = Delivery.objects.select_related("event", "webhook")
    if webhook_id is not None:
        rows = rows.filter(webhook_id=webhook_id)
    if status:
        if status not in DeliveryStatus.values:
            raise InvalidInput(
                _("Unknown status '%(status)s'.") % {"status": status},
                code="invalid_status",
                details={"field": "status", "allowed": DeliveryStatus.values},
            )
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-pk")


def delivery_get(*, user: User, delivery_id: int) -> Delivery:
    found = delivery_list(user=user).filter(pk=delivery_id).first()
    if found is None:
        raise NotFound(_("No delivery %(id)s.") % {"id": delivery_id}, code="delivery_not_found")
    return found


def recent_events(*, user: User, limit: int = 50) -> list[OutboxEvent]:
    require_webhook_admin(user)
    return list(OutboxEvent.objects.order_by("-occurred_at", "-pk")[:limit])
