"""django-tasks tasks: they take ids, are idempotent, and are enqueued after commit."""

from __future__ import annotations

from django_tasks import task

from traseu.events.delivery import deliver_one
from traseu.events.scheduler import run_slot


@task()
def deliver_webhook(delivery_id: int) -> bool:
    """Try one delivery now; does nothing if it is not due or another worker holds it."""
    return deliver_one(delivery_id)


@task()
def run_periodic_job(job_name: str, slot: str) -> int | None:
    """Run a periodic job for the slot the scheduler enqueued (once, whoever runs it)."""
    return run_slot(job_name, slot)
