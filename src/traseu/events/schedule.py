"""Periodic jobs: a registry filled by the :func:`periodic` decorator, and the scheduler step
that enqueues each due job once per time slot.

A job is a plain function ``f(now) -> int`` (the number of things it did). Slots are aligned on
the Unix epoch: a job that runs every 15 minutes has the slots 00:00, 00:15, ... UTC. For each
job the scheduler inserts one :class:`~traseu.events.models.ScheduledRun` row per slot; the row
is unique per (job, slot), so with several workers only the one whose insert succeeds enqueues
the run, and after a restart a slot already enqueued is not enqueued again. A slot missed while
no worker ran is not made up: the next slot runs, and jobs are written to catch up on whatever
became due meanwhile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

JobFunction = Callable[[dt.datetime], int]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: dt.timedelta
    function: JobFunction

    def slot(self, now: dt.datetime) -> dt.datetime:
        """The start of the slot ``now`` falls in (aware, UTC)."""
        seconds = int(self.every.total_seconds())
        stamp = int(now.timestamp())
        return dt.datetime.fromtimestamp(stamp - stamp % seconds, tz=dt.UTC)


_REGISTRY: dict[str, PeriodicJob] = {}


def periodic(name: str, every: dt.timedelta) -> Callable[[JobFunction], JobFunction]:
    """Register ``f(now: datetime) -> int`` as a job the worker runs once every ``every``.

    ``name`` must be unique and stable (it keys the slots in the database); ``every`` is at
    least a minute. The function must be idempotent: it may run again after a crash. Import
    the module that defines it from an ``AppConfig.ready`` so every worker registers it.
    """
    if every < dt.timedelta(minutes=1) or every.total_seconds() % 1:
        raise ValueError(f"periodic job {name!r}: 'every' must be whole seconds, at least 60")
    if len(name) > 100 or not name:
        raise ValueError(f"periodic job name {name!r} must have 1 to 100 characters")

    def register(function: JobFunction) -> JobFunction:
        existing = _REGISTRY.get(name)
        if existing is not None and existing.function is not function:
            qualified = f"{function.__module__}.{function.__qualname__}"
            previous = f"{existing.function.__module__}.{existing.function.__qualname__}"
            if qualified != previous:
                raise ValueError(f"periodic job {name!r} is already registered by {previous}")
        _REGISTRY[name] = PeriodicJob(name=name, every=every, function=function)
        return function

    return register


def registered_jobs() -> dict[str, PeriodicJob]:
    """The jobs registered so far, by name."""
    return dict(_REGISTRY)


def job(name: str) -> PeriodicJob:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise LookupError(f"no periodic job named {name!r}") from None
