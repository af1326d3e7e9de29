"""Stalled-deal alerts: tell a deal's owner, once per stay in a stage, that the deal stalled.

"Stalled" is the reports' definition (:mod:`traseu.analytics.stalled`): longer in its stage
than won deals usually were, and idle for a week. Each alert is a ``deal.stalled`` timeline
event on the deal; each owner gets one email per run listing their newly stalled deals. A
:class:`StallAlert` row per (deal, stage, time the stage was entered) makes the job
idempotent: a deal that stays stalled is not alerted again, a deal that moves on and stalls in
its next stage is.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from traseu.analytics.scope import report_scope
from traseu.analytics.stalled import IDLE_DAYS, open_deals, thresholds_of
from traseu.analytics.tables import ReportRequest
from traseu.core.models import User
from traseu.crm.models import Deal, DealStatus, TimelineEvent
from traseu.events.models import StallAlert

logger = logging.getLogger("traseu.events")
DAY = 86400.0


@dataclass(frozen=True)
class Stall:
    deal_id: int
    title: str
    stage: str
    days: float


def stalled_deal_alerts(now: dt.datetime) -> int:
    """Alert the owners of deals that are stalled at ``now`` and were not alerted for this
    stay yet; the number of deals alerted. The emails go out after the alerts are stored."""
    fresh: dict[int, list[Stall]] = defaultdict(list)
    for process in _processes_with_open_deals():
        scope = report_scope(ReportRequest(process=process, now=now))
        thresholds = thresholds_of(scope)
        deals, over, idle = open_deals(scope, thresholds, idle_days=IDLE_DAYS)
        limits = {
            (version, t.stage.key): t.days_for(version) for t in thresholds for version in t.kpi
        }
        for deal in deals.filter(over & idle).order_by("pk"):
            threshold = limits.get((deal.process_version_id, deal.stage), 0.0)
            stall = alert_stalled(deal, threshold_days=threshold, now=now)
            if stall is not None:
                fresh[deal.owner_id].append(stall)
    if fresh:
        transaction.on_commit(lambda: email_owners(fresh), robust=True)
    return sum(len(stalls) for stalls in fresh.values())


def _processes_with_open_deals() -> list[str]:
    keys = Deal.objects.filter(status=DealStatus.OPEN).values_list(
        "process_version__process__key", flat=True
    )
    return sorted(set(keys))


def alert_stalled(deal: Deal, *, threshold_days: float, now: dt.datetime) -> Stall | None:
    """Record the alert and the timeline event; None if this stay was already alerted."""
    days = round((now - deal.stage_entered_at).total_seconds() / DAY, 1)
    try:
        with transaction.atomic():
            StallAlert.objects.create(
                deal=deal, stage=deal.stage, stage_entered_at=deal.stage_entered_at, sent_at=now
            )
            TimelineEvent.objects.create(
                deal=deal,
                kind="deal.stalled",
                at=now,
                actor=None,
                data={"stage": deal.stage, "days": days, "threshold": round(threshold_days, 1)},
            )
    except IntegrityError:
        return None
    return Stall(deal_id=deal.pk, title=deal.title, stage=deal.stage, days=days)


def email_owners(stalls_by_owner: dict[int, list[Stall]]) -> None:
    """One email per owner with an address, in their language; a failure is logged and the
    other owners still get theirs (the alerts themselves are already on the timelines)."""
    owners = User.objects.filter(pk__in=list(stalls_by_owner), is_active=True).exclude(email="")
    for owner in owners:
        try:
            _email_owner(owner, stalls_by_owner[owner.pk])
        except Exception:  # SMTP down, bad address: keep going
            logger.exception("stalled-deal email to %s failed", owner.username)


def _email_owner(owner: User, stalls: list[Stall]) -> None:
    base = str(getattr(settings, "TRASEU_BASE_URL", "")).rstrip("/")
    with translation.override(owner.language or settings.LANGUAGE_CODE):
        if len(stalls) == 1:
            subject = _("Deal stalled: %(title)s") % {"title": stalls[0].title}
        else:
            subject = ngettext("%(count)d deal stalled", "%(count)d deals stalled", len(stalls)) % {
                "count": len(stalls)
            }
        lines = [
            _(
                "These deals have stayed in their stage longer than won deals usually do, with no "
                "activity for a week:"
            ),
            "",
        ]
        for stall in stalls:
            lines.append(
                _("- %(title)s: %(days)s days in %(stage)s, %(link)s")
                % {
                    "title": stall.title,
                    "days": stall.days,
                    "stage": stall.stage,
                    "link": base + reverse("deal", args=[stall.deal_id]),
                }
            )
    send_mail(subject, "\n".join(lines) + "\n", None, [owner.email])
