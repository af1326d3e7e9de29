"""The outbox (events written in the transaction of the change), webhooks, their deliveries,
and the slots of the periodic-job scheduler."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from traseu.events.kinds import EventKind


class OutboxEvent(models.Model):
    """One thing that happened, written in the same transaction as the change itself.

    ``key`` is the event's public id and the idempotency key receivers deduplicate on: it is the
    ``id`` in the payload and the ``X-Traseu-Delivery`` header, the same on every retry.
    """

    key = models.UUIDField(_("event id"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=40, choices=EventKind.choices, db_index=True)
    payload = models.JSONField(_("payload"), default=dict)
    deal = models.ForeignKey(
        "crm.Deal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outbox_events",
        verbose_name=_("deal"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    occurred_at = models.DateTimeField(_("occurred"), db_index=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class Webhook(models.Model):
    """A receiver URL subscribed to some event kinds.

    The secret signs every delivery. It has to be kept readable (the HMAC needs it), so it is
    stored as is and shown to the administrator only once, when the webhook is created.
    """

    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    event_kinds = models.JSONField(_("event kinds"), default=list)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.url

    def wants(self, kind: str) -> bool:
        return self.active and kind in self.event_kinds


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Dead, gave up")


class Delivery(models.Model):
    """One event for one webhook, tried until the receiver answers 2xx or the attempts run out.

    A worker *claims* a delivery before sending it by setting ``claimed_until`` (a lease) with a
    conditional update; while the lease runs no other worker picks it up, and if the worker dies
    the lease expires and the delivery is tried again (at-least-once).
    """

    event = models.ForeignKey(
        OutboxEvent, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event")
    )
    webhook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("webhook")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    claim_token = models.CharField(_("claim"), max_length=32, blank=True)
    last_status_code = models.PositiveIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["event", "webhook"], name="events_delivery_once"),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="events_delivery_status"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="events_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.webhook_id} ({self.status})"


class ScheduledRun(models.Model):
    """A periodic job's time slot, inserted once: the unique row is what makes several
    schedulers enqueue each slot exactly once."""

    job = models.CharField(_("job"), max_length=100)
    slot = models.DateTimeField(_("slot"))
    enqueued_at = models.DateTimeField(_("enqueued"))
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    result = models.IntegerField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-slot", "job"]
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="events_scheduledrun_once")
        ]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot.isoformat()}"


class StallAlert(models.Model):
    """A stalled-deal alert already sent: one per deal per stay in a stage."""

    deal = models.ForeignKey(
        "crm.Deal", on_delete=models.CASCADE, related_name="+", verbose_name=_("deal")
    )
    stage = models.CharField(_("stage"), max_length=63)
    stage_entered_at = models.DateTimeField(_("in stage since"))
    sent_at = models.DateTimeField(_("sent"))

    class Meta:
        verbose_name = _("stall alert")
        verbose_name_plural = _("stall alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "stage", "stage_entered_at"], name="events_stallalert_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.deal_id} stalled in {self.stage}"
