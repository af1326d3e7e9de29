"""What the models learn from, per process, and a small cache of what they learned.

A process is reported on its newest version's route; deals of every version of it are read
against their own version (:mod:`traseu.forecasts.records`). Models learn from the
``MAX_TRAINING_DEALS`` most recently closed deals the reader may see (every deal for the command
line). Training is deterministic, so a result is kept in memory and reused until the closed
deals change (count, newest id or newest update differ: one aggregate query tells).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Count, Max, QuerySet
from django.utils.translation import gettext as _

from traseu.core.errors import NotFound
from traseu.core.models import Role, User
from traseu.crm.access import deals_visible_to
from traseu.crm.models import Deal, DealStatus
from traseu.forecasting.model import Trained, train
from traseu.forecasting.stats import DEFAULT_PRIOR_STRENGTH
from traseu.forecasts.records import deal_records, route_of
from traseu.process.definition import ProcessDefinition
from traseu.processes.models import ProcessVersion
from traseu.processes.selectors import process_definition

MAX_TRAINING_DEALS = 20_000
CACHE_SIZE = 32

T = TypeVar("T")


@dataclass(frozen=True)
class ProcessRoute:
    """A process as reports show it: its newest version's pre-sale stages and their names."""

    key: str
    version: ProcessVersion
    definition: ProcessDefinition
    stages: tuple[str, ...]
    designed: dict[str, float]

    def name(self, stage: str) -> str:
        found = self.definition.stage(stage)
        return found.name if found else stage


def process_route(key: str) -> ProcessRoute:
    version = (
        ProcessVersion.objects.filter(process__key=key)
        .select_related("process")
        .order_by("-number")
        .first()
    )
    if version is None:
        raise NotFound(_("No process '%(key)s'.") % {"key": key}, code="process_not_found")
    definition = process_definition(version)
    stages, designed = route_of(definition)
    return ProcessRoute(key, version, definition, stages, designed)


def scope(user: User | None) -> QuerySet[Deal]:
    """The deals numbers are built from: those ``user`` may see, or all (``None``)."""
    return deals_visible_to(user) if user is not None else Deal.objects.all()


def scope_key(user: User | None) -> Hashable:
    if user is None or user.is_superuser or user.role == Role.ADMIN:
        return "all"
    return ("user", user.pk)


def closed_deals(key: str, user: User | None) -> QuerySet[Deal]:
    return (
        scope(user)
        .filter(process_version__process__key=key)
        .exclude(status=DealStatus.OPEN)
        .order_by("-closed_at", "-pk")
    )


def fingerprint(deals: QuerySet[Deal]) -> tuple[object, ...]:
    figures = deals.order_by().aggregate(
        count=Count("pk"), last=Max("pk"), updated=Max("updated_at")
    )
    return (figures["count"], figures["last"], figures["updated"])


class _Cache:
    """A few results by key, least recently used dropped first (one per process and scope)."""

    def __init__(self, size: int) -> None:
        self.size, self.items, self.lock = size, OrderedDict[Hashable, object](), threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]  # type: ignore[return-value]
        value = compute()
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


CACHE = _Cache(CACHE_SIZE)


def trained_for(
    route: ProcessRoute,
    *,
    user: User | None = None,
    strength: float | None = DEFAULT_PRIOR_STRENGTH,
) -> Trained:
    """Every method learned from the process's closed deals that ``user`` may see."""
    deals = closed_deals(route.key, user)
    key = ("trained", route.key, route.version.pk, scope_key(user), strength, fingerprint(deals))

    def compute() -> Trained:
        records = deal_records(deals[:MAX_TRAINING_DEALS])
        return train(records, route.stages, route.designed, strength=strength)

    return CACHE.get(key, compute)
