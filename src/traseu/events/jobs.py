"""The periodic jobs this app owns, registered on import (from ``EventsConfig.ready``)."""

from __future__ import annotations

import datetime as dt

from traseu.events import delivery, stalls
from traseu.events.models import ScheduledRun
from traseu.events.schedule import periodic

KEEP_RUNS = dt.timedelta(days=7)
KEEP_TASK_RESULTS = dt.timedelta(days=7)


@periodic("events.webhook_sweep", every=dt.timedelta(minutes=1))
def webhook_sweep(now: dt.datetime) -> int:
    """Send every due delivery: the first attempt of any the after-commit task missed, and the
    retries whose time has come. The number of attempts made."""
    return delivery.deliver_due()


@periodic("events.stalled_deal_alerts", every=dt.timedelta(hours=1))
def stalled_deal_alerts(now: dt.datetime) -> int:
    """Alert owners of newly stalled deals (once per deal per stay in a stage)."""
    return stalls.stalled_deal_alerts(now)


@periodic("events.prune", every=dt.timedelta(days=1))
def prune(now: dt.datetime) -> int:
    """Forget scheduler slots and finished task results older than a week."""
    from django_tasks_db.models import DBTaskResult

    runs, _ = ScheduledRun.objects.filter(slot__lt=now - KEEP_RUNS).delete()
    results, _ = (
        DBTaskResult.objects.finished().filter(finished_at__lt=now - KEEP_TASK_RESULTS).delete()
    )
    return runs + results
