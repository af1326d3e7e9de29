"""REST API of webhooks and their deliveries, for administrators (others get 403)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from traseu.apikit.auth import user_of
from traseu.apikit.openapi import idempotent, responses
from traseu.apikit.pagination import paginate
from traseu.events.models import Delivery, Webhook
from traseu.events.schemas import (
    DeliveryFilters,
    DeliveryOut,
    DeliveryPage,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
)
from traseu.events.selectors import (
    DELIVERY_SORT_KEYS,
    delivery_get,
    delivery_list,
    webhook_get,
    webhook_list,
)
from traseu.events.webhooks import (
    delivery_replay,
    webhook_create,
    webhook_delete,
    webhook_update,
)

router = Router(tags=["webhooks"])


@router.get("/", url_name="webhook_list", response=responses({200: list[WebhookOut]}, 403))
def webhooks(request: HttpRequest) -> list[Webhook]:
    """Every webhook, with counts of its deliveries by outcome."""
    return list(webhook_list(user=user_of(request)))


@router.post(
    "/",
    url_name="webhook_create",
    response=responses({201: WebhookCreated}, 400, 403, 409, 422),
    openapi_extra=idempotent(),
)
def webhook_new(request: HttpRequest, payload: WebhookIn) -> Status[Webhook]:
    """Subscribe a URL to event kinds. The answer holds the signing ``secret``, shown only
    here."""
    user = user_of(request)
    hook, _ = webhook_create(
        actor=user,
        url=payload.url,
        event_kinds=[str(k) for k in payload.event_kinds],
        description=payload.description,
    )
    return Status(201, webhook_get(user=user, webhook_id=hook.pk))


@router.get(
    "/deliveries/",
    url_name="delivery_list",
    response=responses({200: DeliveryPage}, 400, 403, 422),
)
def deliveries(request: HttpRequest, filters: Query[DeliveryFilters]) -> dict[str, Any]:
    """Deliveries, newest first, a page at a time: status, attempts, the next retry and the
    last error."""
    rows = delivery_list(
        user=user_of(request),
        webhook_id=filters.webhook,
        status=str(filters.status) if filters.status else None,
    )
    page = paginate(
        rows,
        sort=filters.sort,
        keys=DELIVERY_SORT_KEYS,
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post(
    "/deliveries/{id:delivery_id}/replay",
    url_name="delivery_replay",
    response=responses({200: DeliveryOut}, 400, 403, 404, 409, 422),
    openapi_extra=idempotent(),
)
def delivery_replay_api(request: HttpRequest, delivery_id: int) -> Delivery:
    """Send a failed or dead delivery again (409 ``delivery_not_replayable`` otherwise); the
    receiver gets the same event id."""
    user = user_of(request)
    delivery_replay(actor=user, delivery_id=delivery_id)
    return delivery_get(user=user, delivery_id=delivery_id)


@router.get(
    "/{id:webhook_id}", url_name="webhook_get", response=responses({200: WebhookOut}, 403, 404)
)
def webhook(request: HttpRequest, webhook_id: int) -> Webhook:
    """One webhook (without its secret)."""
    return webhook_get(user=user_of(request), webhook_id=webhook_id)


@router.patch(
    "/{id:webhook_id}",
    url_name="webhook_update",
    response=responses({200: WebhookOut}, 400, 403, 404, 422),
)
def webhook_edit(request: HttpRequest, webhook_id: int, payload: WebhookPatch) -> Webhook:
    """Change the fields sent; ``active: false`` pauses deliveries (they wait, they are not
    lost)."""
    user = user_of(request)
    changes = payload.model_dump(exclude_unset=True)
    if "event_kinds" in changes and changes["event_kinds"] is not None:
        changes["event_kinds"] = [str(k) for k in changes["event_kinds"]]
    webhook_update(actor=user, webhook_id=webhook_id, **changes)
    return webhook_get(user=user, webhook_id=webhook_id)


@router.delete(
    "/{id:webhook_id}",
    url_name="webhook_delete",
    response=responses({204: None}, 400, 403, 404, 422),
)
def webhook_remove(request: HttpRequest, webhook_id: int) -> Status[None]:
    """Delete a webhook and its deliveries."""
    webhook_delete(actor=user_of(request), webhook_id=webhook_id)
    return Status(204, None)
