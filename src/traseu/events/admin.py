"""Events, webhooks and deliveries in the Django admin: to look at, not to edit (use the
webhooks page, the API or the CLI, which validate and audit)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from traseu.events.models import Delivery, OutboxEvent, ScheduledRun, Webhook


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnly):
    list_display = ("occurred_at", "kind", "key", "deal", "actor")
    list_filter = ("kind",)
    search_fields = ("key",)
    date_hierarchy = "occurred_at"
    list_select_related = ("deal", "actor")


@admin.register(Webhook)
class WebhookAdmin(ReadOnly):
    list_display = ("url", "active", "event_kinds", "created_by", "created_at")
    list_filter = ("active",)
    exclude = ("secret",)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly):
    list_display = (
        "created_at",
        "event",
        "webhook",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
    )
    list_filter = ("status", "webhook")
    list_select_related = ("event", "webhook")


@admin.register(ScheduledRun)
class ScheduledRunAdmin(ReadOnly):
    list_display = ("slot", "job", "enqueued_at", "started_at", "finished_at", "result")
    list_filter = ("job",)
