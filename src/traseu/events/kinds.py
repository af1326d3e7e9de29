"""The event kinds Traseu emits; webhooks subscribe to a subset of them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    DEAL_WON = "deal.won", _("Deal won")
    DEAL_LOST = "deal.lost", _("Deal lost")
    STAGE_CHANGED = "stage.changed", _("Stage changed")
    HANDOFF_CREATED = "handoff.created", _("Handoff created")
    HANDOFF_ACCEPTED = "handoff.accepted", _("Handoff accepted")
    FEEDBACK_RECEIVED = "feedback.received", _("Feedback received")


EVENT_KINDS: frozenset[str] = frozenset(EventKind.values)
