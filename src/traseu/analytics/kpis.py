"""Stage KPIs: every KPI a stage defines, measured over a period per stage, rep and team, and
compared with its target (met or missed).

Each metric is a ratio whose parts add up, so the database groups by (stage, owner, team) once
per kind of row and the rep, team and stage totals are sums of those few groups:

* ``days_in_stage``: mean days of the stays in the stage that ended in the period;
* ``conversion_rate``: of those stays, the share that ended by moving on (forward, skip, won);
* ``deals_entered``: deals that entered the stage in the period, per month (30.44 days);
* ``win_rate``: of the deals that entered the stage in the period and are closed, the share won;
* ``activities_per_deal``: activities done at the stage on the deals that entered it in the
  period, per such deal;
* ``custom``: measured outside Traseu, shown with its target only.

The KPI and its target come from the newest version that has the stage; deals of every version
with that stage count.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Sum

from traseu.analytics.scope import Scope, StageInfo
from traseu.analytics.sql import DAY, Seconds
from traseu.analytics.timing import stays_in_period
from traseu.core.db import report_query
from traseu.core.models import Team, User
from traseu.crm.models import DealStatus, MoveKind, StageChange
from traseu.process.definition import Kpi

MONTH_DAYS = 30.4375
FORWARD = (MoveKind.FORWARD, MoveKind.SKIP, MoveKind.WON)
Group = tuple[str, int, int | None]  # stage key, owner id, team id
PARTS = ("stays", "seconds", "forward", "entered", "won", "lost", "activities")


@dataclass
class KpiResult:
    stage: StageInfo
    kpi: Kpi
    group: str  # "" for the whole scope, else a username or a team name
    value: float | None
    count: int  # how many stays or deals the value is over

    @property
    def status(self) -> str:
        if self.kpi.metric == "custom":
            return "not_measured"
        if self.value is None:
            return "no_data"
        met = (
            self.value <= self.kpi.target
            if self.kpi.direction == "max"
            else (self.value >= self.kpi.target)
        )
        return "met" if met else "missed"


@dataclass
class KpiReport:
    scope: Scope
    months: float
    stages: list[KpiResult]
    reps: list[KpiResult]
    teams: list[KpiResult]


@report_query
def kpi_report(scope: Scope) -> KpiReport:
    """Every stage KPI of the scope's process over the period. Six queries."""
    parts = _parts(scope)
    months = _months(scope)
    kpis = _stage_kpis(scope)
    owners = dict(User.objects.filter(pk__in={g[1] for g in parts}).values_list("pk", "username"))
    teams = dict(Team.objects.filter(pk__in={g[2] for g in parts}).values_list("pk", "name"))

    def results(name_of: Any) -> list[KpiResult]:
        totals: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for group, figures in parts.items():
            name = name_of(group)
            if name is not None:
                for part, value in figures.items():
                    totals[(group[0], name)][part] += value
        names = sorted({name for _key, name in totals})
        return [
            _result(stage, kpi, name, totals.get((stage.key, name), {}), months)
            for name in names
            for stage, kpi in kpis
        ]

    return KpiReport(
        scope=scope,
        months=months,
        stages=results(lambda group: ""),
        reps=results(lambda group: owners.get(group[1])),
        teams=results(lambda group: teams.get(group[2]) if group[2] else None),
    )


def _stage_kpis(scope: Scope) -> list[tuple[StageInfo, Kpi]]:
    found = []
    for info in scope.route_stages:
        definition = next(d for d in scope.definitions.values() if d.stage(info.key))
        stage = definition.stage(info.key)
        found += [(info, kpi) for kpi in stage.kpis] if stage else []
    return found


def _result(
    stage: StageInfo, kpi: Kpi, group: str, parts: dict[str, float], months: float
) -> KpiResult:
    get = parts.get
    closed = get("won", 0) + get("lost", 0)
    value, count = {
        "days_in_stage": (_ratio(get("seconds"), get("stays", 0) * DAY), get("stays", 0)),
        "conversion_rate": (_ratio(get("forward"), get("stays", 0)), get("stays", 0)),
        "deals_entered": (_ratio(get("entered"), months), get("entered", 0)),
        "win_rate": (_ratio(get("won"), closed), closed),
        "activities_per_deal": (_ratio(get("activities", 0), get("entered", 0)), get("entered", 0)),
    }.get(kpi.metric, (None, 0))
    return KpiResult(stage=stage, kpi=kpi, group=group, value=value, count=int(count or 0))


def _ratio(part: float | None, whole: float | None) -> float | None:
    return None if not whole else (part or 0) / whole


def _months(scope: Scope) -> float:
    start = scope.start or scope.deals().aggregate(first=Min("created_at"))["first"]
    end = min(scope.end, scope.now) if scope.end else scope.now
    if start is None:
        return 0.0
    return max((end - start) / dt.timedelta(days=1), 1.0) / MONTH_DAYS


def _parts(scope: Scope) -> dict[Group, dict[str, float]]:
    parts: dict[Group, dict[str, float]] = defaultdict(lambda: dict.fromkeys(PARTS, 0.0))
    group = ("deal__owner_id", "deal__team_id")
    for row in stay_parts(scope):
        key = (row["from_stage"], row["deal__owner_id"], row["deal__team_id"])
        parts[key].update(stays=row["stays"], seconds=row["seconds"] or 0, forward=row["forward"])
    entries = _entries(scope)
    for row in entries.values("to_stage", *group).annotate(
        entered=Count("deal", distinct=True),
        won=Count("deal", distinct=True, filter=Q(deal__status=DealStatus.WON)),
        lost=Count("deal", distinct=True, filter=Q(deal__status=DealStatus.LOST)),
    ):
        key = (row["to_stage"], row["deal__owner_id"], row["deal__team_id"])
        parts[key].update(entered=row["entered"], won=row["won"], lost=row["lost"])
    entered_here = entries.filter(deal=OuterRef("deal"), to_stage=OuterRef("stage"))
    for row in (
        scope.activities()
        .filter(Exists(entered_here), done=True)
        .values("stage", *group)
        .annotate(n=Count("pk"))
    ):
        parts[(row["stage"], row["deal__owner_id"], row["deal__team_id"])]["activities"] = row["n"]
    return parts


def stay_parts(scope: Scope) -> list[dict[str, Any]]:
    """Stays that ended in the period per (stage, owner, team): how many, their seconds, how
    many ended by moving on (one query)."""
    return list(
        stays_in_period(scope)
        .values("from_stage", "deal__owner_id", "deal__team_id")
        .annotate(
            stays=Count("pk"),
            seconds=Sum(Seconds("duration")),
            forward=Count("pk", filter=Q(kind__in=FORWARD)),
        )
    )


def _entries(scope: Scope) -> QuerySet[StageChange]:
    """Moves into a route stage in the period (a deal's ``created`` row enters the first)."""
    return scope.changes().filter(scope.period("changed_at")).exclude(kind=MoveKind.LOST)
