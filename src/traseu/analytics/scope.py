"""Which deals a report reads, over which period, and against which process versions.

A report covers one process, over all its stored versions: every deal is read against the
version it runs on (``Deal.process_version``) and every move against the version it was made on
(``StageChange.process_version``). Stages are reported by key; the list of stages is the route of
the newest version, with stages only older versions have placed after their predecessor there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.analytics.tables import ReportRequest
from traseu.core.errors import InvalidInput, NotFound
from traseu.crm.access import deals_visible_to
from traseu.crm.models import Activity, Deal, StageChange
from traseu.process.definition import ProcessDefinition, StageKind
from traseu.processes.models import ProcessVersion
from traseu.processes.selectors import process_definition


@dataclass(frozen=True)
class StageInfo:
    key: str
    name: str
    kind: StageKind


@dataclass(frozen=True)
class Scope:
    """The deals of one process a report reads (only those ``restricted_to`` may see, when
    set) and the period ``[start, end)``; ``since``/``until`` are the inclusive dates asked."""

    process: str
    definitions: Mapping[int, ProcessDefinition]  # version id -> definition, newest first
    numbers: Mapping[int, int]  # version id -> version number
    since: dt.date | None
    until: dt.date | None
    now: dt.datetime
    visible: QuerySet[Deal] | None  # None: every deal

    @cached_property
    def stages(self) -> tuple[StageInfo, ...]:
        """Route stages of every version (newest version's order), then the lost outcomes."""
        return merged_stages(list(self.definitions.values()))

    @property
    def route_stages(self) -> tuple[StageInfo, ...]:
        return tuple(s for s in self.stages if s.kind is not StageKind.LOST)

    @property
    def lost_keys(self) -> list[str]:
        return sorted({d.lost.key for d in self.definitions.values()})

    @property
    def newest(self) -> ProcessDefinition:
        return next(iter(self.definitions.values()))

    @property
    def start(self) -> dt.datetime | None:
        return _midnight(self.since) if self.since else None

    @property
    def end(self) -> dt.datetime | None:
        return _midnight(self.until + dt.timedelta(days=1)) if self.until else None

    def period(self, field: str) -> Q:
        """``field`` falls in the period (open-ended sides are not checked)."""
        condition = Q()
        if self.start is not None:
            condition &= Q(**{f"{field}__gte": self.start})
        if self.end is not None:
            condition &= Q(**{f"{field}__lt": self.end})
        return condition

    def deals(self) -> QuerySet[Deal]:
        """Every deal of the process the reader may see."""
        base = self.visible if self.visible is not None else Deal.objects.all()
        return base.filter(process_version_id__in=list(self.definitions)).order_by()

    def cohort(self) -> QuerySet[Deal]:
        """The deals created in the period: the population of cohort reports."""
        return self.deals().filter(self.period("created_at"))

    def changes(self, *, cohort: bool = False) -> QuerySet[StageChange]:
        """Stage changes of the reader's deals of this process (of the cohort's, if asked)."""
        rows = StageChange.objects.filter(process_version_id__in=list(self.definitions))
        if self.visible is not None:
            rows = rows.filter(deal__in=self.visible.values("pk"))
        if cohort:
            rows = rows.filter(self.period("deal__created_at"))
        return rows.order_by()

    def activities(self) -> QuerySet[Activity]:
        rows = Activity.objects.filter(deal__process_version_id__in=list(self.definitions))
        if self.visible is not None:
            rows = rows.filter(deal__in=self.visible.values("pk"))
        return rows.order_by()

    def span(self, rows: QuerySet[Any], field: str) -> tuple[dt.datetime, dt.datetime] | None:
        """The first and last instant ``field`` can take in ``rows``: the period's bounds when
        given, else the smallest and largest value (one query); None when there is none."""
        if self.start is not None and self.end is not None:
            return self.start, self.end - dt.timedelta(microseconds=1)
        found = rows.aggregate(first=Min(field), last=Max(field))
        if found["first"] is None:
            return None
        first = self.start if self.start is not None else found["first"]
        last = self.end - dt.timedelta(microseconds=1) if self.end is not None else found["last"]
        return first, last

    def stage_name(self, key: str) -> str:
        return next((s.name for s in self.stages if s.key == key), key)

    def describe(self) -> dict[str, str | int | float | None]:
        return {
            "process": self.process,
            "versions": ", ".join(f"v{n}" for n in sorted(self.numbers.values())),
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def merged_stages(definitions: list[ProcessDefinition]) -> tuple[StageInfo, ...]:
    """The newest route, with stages only older routes have inserted after their predecessor."""
    order: list[StageInfo] = []
    for definition in definitions:
        previous = -1
        for stage in definition.route:
            found = next((i for i, s in enumerate(order) if s.key == stage.key), None)
            if found is None:
                order.insert(previous + 1, StageInfo(stage.key, stage.name, stage.kind))
                found = previous + 1
            previous = found
    lost = {d.lost.key: d.lost for d in reversed(definitions)}
    return (*order, *(StageInfo(s.key, s.name, s.kind) for s in lost.values()))


def report_scope(request: ReportRequest) -> Scope:
    """The scope of a report: the named process (by default the one with the most deals the
    reader may see), all its versions, the reader's deals and the period.

    Errors: an unknown process is NotFound; ``since`` after ``until`` is InvalidInput.
    """
    if request.since and request.until and request.since > request.until:
        raise InvalidInput(
            _("The period starts (%(since)s) after it ends (%(until)s).")
            % {"since": request.since.isoformat(), "until": request.until.isoformat()},
            code="invalid_period",
            details={"field": "since"},
        )
    visible = deals_visible_to(request.user) if request.user is not None else None
    key = request.process or default_process(visible)
    versions = list(
        ProcessVersion.objects.filter(process__key=key).order_by("-number").select_related()
    )
    if not versions:
        raise NotFound(
            _("No process '%(key)s'. Apply its document first.") % {"key": key},
            code="process_not_found",
        )
    return Scope(
        process=key,
        definitions={v.pk: process_definition(v) for v in versions},
        numbers={v.pk: v.number for v in versions},
        since=request.since,
        until=request.until,
        now=request.now or timezone.now(),
        visible=visible,
    )


def default_process(visible: QuerySet[Deal] | None) -> str:
    """The process most of the reader's deals run on (the first process by key if none)."""
    deals = visible if visible is not None else Deal.objects.all()
    busiest = (
        deals.values("process_version__process__key")
        .annotate(n=Count("pk"))
        .order_by("-n", "process_version__process__key")
        .first()
    )
    if busiest is not None:
        return str(busiest["process_version__process__key"])
    first = ProcessVersion.objects.order_by("process__key").values("process__key").first()
    if first is None:
        raise NotFound(_("No process has been applied yet."), code="process_not_found")
    return str(first["process__key"])
