"""Webhook services: create, change, delete, and replay a delivery. Administrators only; every
change is audited (the secret never is)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.audit import services as audit
from traseu.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from traseu.crm.access import sees_everything
from traseu.events.kinds import EVENT_KINDS
from traseu.events.models import Delivery, DeliveryStatus, Webhook
from traseu.events.signing import new_secret

if TYPE_CHECKING:
    from traseu.core.models import User

WEBHOOK_FIELDS = ("url", "description", "event_kinds", "active")
REPLAYABLE = (DeliveryStatus.FAILED, DeliveryStatus.DEAD)
_url_validator = URLValidator(schemes=["http", "https"])


def require_webhook_admin(user: User) -> None:
    """Webhooks send data outside Traseu: only an active administrator manages them."""
    if not (user.is_active and sees_everything(user)):
        raise PermissionDenied(_("Only an administrator may manage webhooks."))


def clean_url(url: str) -> str:
    url = (url or "").strip()
    try:
        _url_validator(url)
    except ValidationError:
        raise InvalidInput(
            _("Enter an http:// or https:// URL."),
            code="invalid_url",
            details={"field": "url", "value": url[:500]},
        ) from None
    if len(url) > 500:
        raise InvalidInput(
            _("The URL is longer than 500 characters."),
            code="invalid_url",
            details={"field": "url"},
        )
    return url


def clean_kinds(kinds: Iterable[str]) -> list[str]:
    chosen = sorted({str(k).strip() for k in kinds})
    unknown = [k for k in chosen if k not in EVENT_KINDS]
    if unknown or not chosen:
        raise InvalidInput(
            _("Choose one or more event kinds among: %(kinds)s.")
            % {"kinds": ", ".join(sorted(EVENT_KINDS))},
            code="invalid_event_kinds",
            details={"field": "event_kinds", "unknown": unknown, "allowed": sorted(EVENT_KINDS)},
        )
    return chosen


def webhook_create(
    *, actor: User, url: str, event_kinds: Iterable[str], description: str = ""
) -> tuple[Webhook, str]:
    """Create an active webhook with a new signing secret; returns it and the secret, which
    the caller shows once."""
    require_webhook_admin(actor)
    hook = Webhook(
        url=clean_url(url),
        event_kinds=clean_kinds(event_kinds),
        description=description.strip()[:200],
        secret=new_secret(),
        created_by=actor,
    )
    with transaction.atomic():
        hook.save()
        audit.record(
            action="create", obj=hook, actor=actor, after=audit.values(hook, WEBHOOK_FIELDS)
        )
    return hook, hook.secret


def webhook_for(actor: User, webhook_id: int) -> Webhook:
    require_webhook_admin(actor)
    hook = Webhook.objects.filter(pk=webhook_id).first()
    if hook is None:
        raise NotFound(_("No webhook %(id)s.") % {"id": webhook_id}, code="webhook_not_found")
    return hook


def webhook_update(*, actor: User, webhook_id: int, **changes: Any) -> Webhook:
    """Change ``url``, ``event_kinds``, ``description`` or ``active`` (only those given)."""
    unknown = sorted(set(changes) - set(WEBHOOK_FIELDS))
    if unknown:
        raise InvalidInput(
            _("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)},
            code="unknown_fields",
            details={"fields": unknown},
        )
    with transaction.atomic():
        hook = webhook_for(actor, webhook_id)
        before = audit.values(hook, WEBHOOK_FIELDS)
        if changes.get("url") is not None:
            hook.url = clean_url(changes["url"])
        if changes.get("event_kinds") is not None:
            hook.event_kinds = clean_kinds(changes["event_kinds"])
        if changes.get("description") is not None:
            hook.description = str(changes["description"]).strip()[:200]
        if changes.get("active") is not None:
            hook.active = bool(changes["active"])
        hook.save()
        audit.record(
            action="update",
            obj=hook,
            actor=actor,
            before=before,
            after=audit.values(hook, WEBHOOK_FIELDS),
        )
    return hook


def webhook_delete(*, actor: User, webhook_id: int) -> None:
    """Delete a webhook and its deliveries (the events stay in the outbox)."""
    with transaction.atomic():
        hook = webhook_for(actor, webhook_id)
        audit.record(
            action="delete", obj=hook, actor=actor, before=audit.values(hook, WEBHOOK_FIELDS)
        )
        hook.delete()


def delivery_replay(*, actor: User, delivery_id: int, now: dt.datetime | None = None) -> Delivery:
    """Send a failed or dead delivery again, with a fresh set of attempts, as soon as a worker
    can. The receiver gets the same event id, so it can tell it already has the event."""
    require_webhook_admin(actor)
    now = now or timezone.now()
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None:
            raise NotFound(
                _("No delivery %(id)s.") % {"id": delivery_id}, code="delivery_not_found"
            )
        if delivery.status not in REPLAYABLE:
            raise Conflict(
                _("Only failed or dead deliveries can be replayed; this one is %(status)s.")
                % {"status": delivery.get_status_display()},
                code="delivery_not_replayable",
                details={"status": delivery.status},
            )
        if delivery.claimed_until is not None and delivery.claimed_until > now:
            raise Conflict(
                _("A worker is sending this delivery right now; try again in a minute."),
                code="delivery_in_progress",
                details={"claimed_until": delivery.claimed_until.isoformat()},
            )
        before = {"status": delivery.status, "attempts": delivery.attempts}
        delivery.status = DeliveryStatus.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = now
        delivery.claimed_until = None
        delivery.claim_token = ""
        delivery.save()
        audit.record(
            action="update",
            obj=delivery,
            actor=actor,
            before=before,
            after={"status": delivery.status, "attempts": 0},
            reason="replay",
        )
        delivery_id = delivery.pk
        transaction.on_commit(lambda: _enqueue(delivery_id), robust=True)
    return delivery


def _enqueue(delivery_id: int) -> None:
    from traseu.events.services import enqueue_deliveries

    enqueue_deliveries([delivery_id])
