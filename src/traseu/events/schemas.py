"""API shapes of webhooks and deliveries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from traseu.apikit.ids import RecordId
from traseu.events.kinds import EventKind
from traseu.events.models import Delivery, DeliveryStatus, Webhook


class WebhookOut(Schema):
    id: int
    url: str
    description: str
    event_kinds: list[EventKind]
    active: bool
    created_by: str | None = Field(description="Username of the administrator who created it.")
    created_at: dt.datetime
    delivered: int = Field(0, description="Deliveries the receiver took.")
    waiting: int = Field(0, description="Deliveries pending or failed and waiting for a retry.")
    dead: int = Field(0, description="Deliveries given up on (replay them).")

    @staticmethod
    def resolve_created_by(obj: Webhook) -> str | None:
        return obj.created_by.username if obj.created_by else None


class WebhookCreated(WebhookOut):
    secret: str = Field(description="The signing secret. Shown only in this answer: store it now.")


class WebhookIn(Schema):
    url: str = Field(max_length=500, description="An http:// or https:// URL.")
    event_kinds: list[EventKind] = Field(min_length=1, description="The kinds to send.")
    description: str = Field("", max_length=200)


class WebhookPatch(Schema):
    url: str | None = Field(None, max_length=500)
    event_kinds: list[EventKind] | None = Field(None, min_length=1)
    description: str | None = Field(None, max_length=200)
    active: bool | None = None


class DeliveryOut(Schema):
    id: int
    webhook_id: int
    event_id: str = Field(description="The event's id: the idempotency key receivers see.")
    event_kind: EventKind
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_error: str
    last_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    created_at: dt.datetime
    payload: dict[str, Any] = Field(description="The event's data.")

    @staticmethod
    def resolve_event_id(obj: Delivery) -> str:
        return str(obj.event.key)

    @staticmethod
    def resolve_event_kind(obj: Delivery) -> str:
        return obj.event.kind

    @staticmethod
    def resolve_payload(obj: Delivery) -> dict[str, Any]:
        return dict(obj.event.payload)


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")


class DeliveryFilters(Schema):
    webhook: RecordId | None = Field(None, description="Only this webhook's deliveries.")
    status: DeliveryStatus | None = None
    sort: str = Field("-created_at", description="created_at or -created_at (newest first).")
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)
