"""The scheduler step the worker runs every few seconds, and the running of one slot.

:func:`enqueue_due` inserts one :class:`ScheduledRun` per (job, current slot) and enqueues the
job's task in the same transaction: the insert fails for every scheduler but the first, so the
slot is enqueued once however many workers run, and a restarted worker finds its slot taken.
:func:`run_slot` marks the slot started with a conditional update before running the job, so a
task enqueued twice would still run the job once.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback

from django.db import IntegrityError, transaction
from django.utils import timezone

from traseu.events.models import ScheduledRun
from traseu.events.schedule import PeriodicJob, job, registered_jobs

logger = logging.getLogger("traseu.events")


def enqueue_due(now: dt.datetime | None = None) -> list[ScheduledRun]:
    """Enqueue every registered job whose current slot nobody has enqueued yet; the slots
    this call enqueued."""
    now = now or timezone.now()
    jobs = registered_jobs().values()
    slots = {item.name: item.slot(now) for item in jobs}
    # One read finds the slots already taken, so a tick with nothing due writes nothing (and
    # PostgreSQL logs no duplicate-key errors); the unique row still settles any race.
    taken = set(
        ScheduledRun.objects.filter(job__in=list(slots), slot__in=set(slots.values())).values_list(
            "job", "slot"
        )
    )
    due = [item for item in jobs if (item.name, slots[item.name]) not in taken]
    return [run for item in due if (run := _enqueue(item, now))]


def _enqueue(item: PeriodicJob, now: dt.datetime) -> ScheduledRun | None:
    from traseu.events.tasks import run_periodic_job

    slot = item.slot(now)
    try:
        with transaction.atomic():
            run = ScheduledRun.objects.create(job=item.name, slot=slot, enqueued_at=now)
            result = run_periodic_job.enqueue(item.name, slot.isoformat())
            run.task_id = str(result.id)[:64]
            run.save(update_fields=["task_id"])
    except IntegrityError:
        return None  # another scheduler enqueued this slot
    logger.info("enqueued %s for %s", item.name, slot.isoformat())
    return run


def run_slot(job_name: str, slot: str, *, now: dt.datetime | None = None) -> int | None:
    """Run ``job_name`` for ``slot`` unless that slot already started; the job's result, or
    None when it was not run. A job that raises is recorded with its error and re-raised."""
    item = job(job_name)
    started = now or timezone.now()
    at = dt.datetime.fromisoformat(slot)
    claimed = ScheduledRun.objects.filter(job=job_name, slot=at, started_at__isnull=True).update(
        started_at=started
    )
    if claimed != 1:
        return None
    try:
        result = int(item.function(started))
    except Exception:
        ScheduledRun.objects.filter(job=job_name, slot=at).update(
            finished_at=timezone.now(), error=traceback.format_exc()[-4000:]
        )
        raise
    ScheduledRun.objects.filter(job=job_name, slot=at).update(
        finished_at=timezone.now(), result=result
    )
    return result
