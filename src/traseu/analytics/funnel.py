"""The funnel: per stage, how many deals of a cohort reached it, passed it, were lost there, won.

Definitions (docs/analytics.md has the full text): the cohort is the deals created in the
period. A deal *reached* a stage when its furthest position on its version's route is at or
after the stage (a skipped stage counts as reached and passed; moves back undo nothing); it
*entered* the stage when a move went into it; it *passed* the stage when its furthest position
is after it. A lost deal counts as *lost at* the stage it was lost from, whatever it reached
before. *Won* are the deals that are won now.

The database groups the cohort's deals by (version, furthest position, status, stage lost at,
current stage): a handful of rows whatever the number of deals. Only that small grouping is
mapped onto stage keys here.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, CharField, Count, F, When

from traseu.analytics.paths import furthest_position, lost_at
from traseu.analytics.scope import Scope, StageInfo
from traseu.analytics.sql import month_index, month_start
from traseu.analytics.tables import ratio
from traseu.core.db import report_query
from traseu.crm.models import DealStatus, MoveKind


@dataclass
class FunnelStage:
    stage: StageInfo
    reached: int = 0
    entered: int = 0
    passed: int = 0
    lost_here: int = 0
    open_here: int = 0
    won: int = 0
    final: bool = False  # the last stage of every version's route: nothing to pass on to

    @property
    def skipped(self) -> int:
        return self.reached - self.entered

    @property
    def conversion_next(self) -> float | None:
        return None if self.final else ratio(self.passed, self.reached)

    @property
    def conversion_won(self) -> float | None:
        return ratio(self.won, self.reached)


@dataclass
class CohortRow:
    month: dt.date
    deals: int = 0
    won: int = 0
    lost: int = 0
    reached: Counter[str] = field(default_factory=Counter)


@dataclass
class FunnelReport:
    scope: Scope
    deals: int
    outcomes: Counter[str]
    stages: list[FunnelStage]
    cohorts: list[CohortRow]

    @property
    def win_rate(self) -> float | None:
        won, lost = self.outcomes[DealStatus.WON], self.outcomes[DealStatus.LOST]
        return ratio(won, won + lost)


@report_query
def funnel_report(scope: Scope) -> FunnelReport:
    """The funnel of the scope's cohort, and its cohorts by month. Three queries, whatever the
    number of deals (one finds the months when the period is open)."""
    finals = {d.route[-1].key for d in scope.definitions.values()}
    last = finals.pop() if len(finals) == 1 else None
    stages = {info.key: FunnelStage(info, final=info.key == last) for info in scope.route_stages}
    outcomes: Counter[str] = Counter()
    cohorts: dict[int, CohortRow] = {}
    for row in buckets(scope, by_month=True):
        outcomes[row["status"]] += row["n"]
        _count_bucket(scope, stages, row)
        _count_cohort(scope, cohorts, row)
    for row in (
        scope.changes(cohort=True)
        .exclude(kind=MoveKind.LOST)
        .values("to_stage")
        .annotate(n=Count("deal", distinct=True))
    ):
        if row["to_stage"] in stages:
            stages[row["to_stage"]].entered = row["n"]
    return FunnelReport(
        scope=scope,
        deals=sum(outcomes.values()),
        outcomes=outcomes,
        stages=list(stages.values()),
        cohorts=[cohorts[month] for month in sorted(cohorts)],
    )


def buckets(scope: Scope, *, by_month: bool = False) -> list[dict[str, Any]]:
    """The cohort's deals counted per (version, furthest position, status, stage lost at,
    current stage if open), and month of creation if asked."""
    here = Case(When(status=DealStatus.OPEN, then=F("stage")), output_field=CharField())
    deals = scope.cohort().annotate(
        furthest=furthest_position(scope.definitions), lost_at=lost_at(), here=here
    )
    groups = ["process_version_id", "furthest", "status", "lost_at", "here"]
    span = scope.span(scope.cohort(), "created_at") if by_month else None
    if span is not None:
        deals, groups = deals.annotate(month=month_index("created_at", *span)), [*groups, "month"]
    return list(deals.values(*groups).annotate(n=Count("pk")))


def _count_bucket(scope: Scope, stages: dict[str, FunnelStage], row: dict[str, Any]) -> None:
    definition = scope.definitions[row["process_version_id"]]
    n, furthest = row["n"], row["furthest"]
    for position, stage in enumerate(definition.route):
        if furthest is None or furthest < position:
            break
        entry = stages[stage.key]
        entry.reached += n
        entry.passed += n if furthest > position else 0
        entry.won += n if row["status"] == DealStatus.WON else 0
    if row["lost_at"] in stages:
        stages[row["lost_at"]].lost_here += n
    if row["here"] in stages:
        stages[row["here"]].open_here += n


def _count_cohort(scope: Scope, cohorts: dict[int, CohortRow], row: dict[str, Any]) -> None:
    """Per month of creation: deals, outcomes, and how many reached each stage."""
    if row.get("month") is None:
        return
    cohort = cohorts.setdefault(row["month"], CohortRow(month=month_start(row["month"])))
    cohort.deals += row["n"]
    cohort.won += row["n"] if row["status"] == DealStatus.WON else 0
    cohort.lost += row["n"] if row["status"] == DealStatus.LOST else 0
    route = scope.definitions[row["process_version_id"]].route
    for position, stage in enumerate(route):
        if row["furthest"] is not None and row["furthest"] >= position:
            cohort.reached[stage.key] += row["n"]


def reached_counts(scope: Scope) -> dict[str, int]:
    """Per stage key, the cohort's deals that reached it (one query)."""
    stages = {info.key: FunnelStage(info) for info in scope.route_stages}
    rows = (
        scope.cohort()
        .annotate(furthest=furthest_position(scope.definitions))
        .values("process_version_id", "furthest")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        _count_bucket(scope, stages, {**row, "status": "", "lost_at": None, "here": None})
    return {key: stage.reached for key, stage in stages.items()}
