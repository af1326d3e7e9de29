"""The scheduler: one row per (job, slot), so each slot is enqueued once however many
schedulers run, and a restart does not enqueue a slot again."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections
from django_tasks_db.models import DBTaskResult

from traseu.events import schedule
from traseu.events.models import ScheduledRun
from traseu.events.schedule import periodic, registered_jobs
from traseu.events.scheduler import enqueue_due, run_slot
from traseu.events.worker import run_worker

T = dt.datetime(2026, 3, 2, 9, 7, 30, tzinfo=dt.UTC)
calls: list[dt.datetime] = []


@pytest.fixture
def only_test_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A registry holding just the jobs a test registers."""
    monkeypatch.setattr(schedule, "_REGISTRY", {})
    calls.clear()


def _register() -> None:
    @periodic("test.every_five_minutes", every=dt.timedelta(minutes=5))
    def job(now: dt.datetime) -> int:
        calls.append(now)
        return 7


def test_this_apps_jobs_are_registered() -> None:
    jobs = registered_jobs()
    assert jobs["events.webhook_sweep"].every == dt.timedelta(minutes=1)
    assert jobs["events.stalled_deal_alerts"].every == dt.timedelta(hours=1)


def test_slots_are_aligned_on_the_epoch(only_test_jobs: None) -> None:
    _register()
    job = registered_jobs()["test.every_five_minutes"]
    assert job.slot(T) == dt.datetime(2026, 3, 2, 9, 5, tzinfo=dt.UTC)
    local = T.astimezone(dt.timezone(dt.timedelta(hours=2)))
    assert job.slot(local) == job.slot(T)


def test_periodic_refuses_short_or_fractional_intervals_and_a_second_function_per_name(
    only_test_jobs: None,
) -> None:
    with pytest.raises(ValueError, match="at least 60"):
        periodic("too.fast", every=dt.timedelta(seconds=30))
    with pytest.raises(ValueError, match="at least 60"):
        periodic("fractional", every=dt.timedelta(seconds=90.5))
    _register()
    with pytest.raises(ValueError, match="already registered"):

        @periodic("test.every_five_minutes", every=dt.timedelta(minutes=5))
        def other(now: dt.datetime) -> int:
            return 0

    assert list(registered_jobs()) == ["test.every_five_minutes"]


@pytest.mark.django_db
def test_a_slot_is_enqueued_once_and_a_restart_does_not_enqueue_it_again(
    only_test_jobs: None,
) -> None:
    _register()
    assert len(enqueue_due(T)) == 1
    assert enqueue_due(T + dt.timedelta(minutes=2)) == [], "same slot, e.g. after a restart"
    assert len(enqueue_due(T + dt.timedelta(minutes=3))) == 1, "09:10 is the next slot"
    runs = ScheduledRun.objects.order_by("slot")
    assert [r.slot.minute for r in runs] == [5, 10]
    assert all(r.task_id for r in runs)
    assert DBTaskResult.objects.count() == 2


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_the_same_moment_enqueue_the_slot_once(only_test_jobs: None) -> None:
    _register()
    start = threading.Barrier(2)
    enqueued: list[int] = [0, 0]

    def scheduler(index: int) -> None:
        try:
            start.wait(timeout=10)
            for second in range(0, 60, 10):
                enqueued[index] += len(enqueue_due(T + dt.timedelta(seconds=second)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scheduler, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(enqueued) == 1, enqueued
    assert ScheduledRun.objects.count() == 1
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db
def test_a_slot_runs_once_even_if_its_task_runs_twice(only_test_jobs: None) -> None:
    _register()
    [run] = enqueue_due(T)
    assert run_slot(run.job, run.slot.isoformat(), now=T) == 7
    assert run_slot(run.job, run.slot.isoformat(), now=T) is None
    assert calls == [T]
    run.refresh_from_db()
    assert (run.started_at, run.result, run.error) == (T, 7, "")
    assert run.finished_at is not None


@pytest.mark.django_db
def test_a_failing_job_keeps_its_error_and_fails_its_task(only_test_jobs: None) -> None:
    @periodic("test.broken", every=dt.timedelta(minutes=1))
    def broken(now: dt.datetime) -> int:
        raise RuntimeError("receiver table missing")

    [run] = enqueue_due(T)
    with pytest.raises(RuntimeError):
        run_slot(run.job, run.slot.isoformat(), now=T)
    run.refresh_from_db()
    assert "receiver table missing" in run.error
    assert run.result is None


@pytest.mark.django_db(transaction=True)
def test_the_worker_in_batch_mode_schedules_due_jobs_and_runs_them(only_test_jobs: None) -> None:
    _register()
    run_worker(queue_names=["default"], batch=True)
    [run] = ScheduledRun.objects.all()
    assert (run.job, run.result) == ("test.every_five_minutes", 7)
    assert len(calls) == 1
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    run_worker(queue_names=["default"], batch=True)
    # The same slot is not run again (unless the clock just crossed into the next slot).
    assert len(calls) == ScheduledRun.objects.count()
