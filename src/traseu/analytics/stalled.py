"""Stalled deals: open deals that have been in their stage longer than deals that were won
usually were, and on which nobody has done anything for a while.

The threshold of a stage is learned from history: the P80 of the completed stays in that stage
of the deals that are won now (stays that ended in the period, when one is given). With fewer
than :data:`MIN_HISTORY` such stays it falls back to the stage's ``days_in_stage`` KPI in the
deal's own version (else 21 days, as on the pipeline board). A deal *over* the threshold whose
last done activity is older than ``idle_days`` (or that has none) is *stalled*.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery

from traseu.analytics.scope import Scope, StageInfo
from traseu.analytics.sql import DAY, Seconds, grouped_percentiles
from traseu.analytics.timing import stays_in_period
from traseu.core.db import report_query
from traseu.crm.board import stall_days
from traseu.crm.models import Activity, Deal, DealStatus
from traseu.process.definition import StageKind

MIN_HISTORY = 10
IDLE_DAYS = 7
LIST_LIMIT = 200


@dataclass
class Threshold:
    stage: StageInfo
    won_stays: int = 0
    learned: float | None = None  # days: P80 of won deals' stays
    kpi: dict[int, int] = field(default_factory=dict)  # version number -> KPI days

    @property
    def from_history(self) -> bool:
        return self.learned is not None and self.won_stays >= MIN_HISTORY

    def days_for(self, version: int) -> float:
        return self.learned if self.from_history else self.kpi[version]  # type: ignore[return-value]


@dataclass
class StalledStage:
    stage: StageInfo
    open: int = 0
    over: int = 0
    stalled: int = 0


@dataclass
class StalledDeal:
    deal: Deal
    stage: StageInfo
    days_in_stage: float
    threshold: float
    idle_days: float | None  # None: no activity was ever done


@dataclass
class StalledReport:
    scope: Scope
    idle_days: int
    thresholds: list[Threshold]
    stages: list[StalledStage]
    deals: list[StalledDeal]
    total: int


@report_query
def stalled_report(scope: Scope, *, idle_days: int = IDLE_DAYS) -> StalledReport:
    """Thresholds per stage, counts per stage, and the stalled deals longest in their stage
    first (at most :data:`LIST_LIMIT`). Three queries."""
    thresholds = thresholds_of(scope)
    deals, over, idle = open_deals(scope, thresholds, idle_days=idle_days)
    stages = {t.stage.key: StalledStage(t.stage) for t in thresholds}
    for row in stage_counts(deals, over, idle):
        if row["stage"] in stages:
            entry = stages[row["stage"]]
            entry.open, entry.over, entry.stalled = row["n"], row["over"], row["stalled"]
    stalled = deals.filter(over & idle).select_related("account", "owner")
    listed = [
        _stalled_deal(scope, deal, thresholds)
        for deal in stalled.order_by("stage_entered_at", "pk")[:LIST_LIMIT]
    ]
    return StalledReport(
        scope=scope,
        idle_days=idle_days,
        thresholds=thresholds,
        stages=list(stages.values()),
        deals=listed,
        total=sum(s.stalled for s in stages.values()),
    )


def open_deals(
    scope: Scope, thresholds: list[Threshold], *, idle_days: int
) -> tuple[QuerySet[Deal], Q, Q]:
    """Open deals with their last done activity, and the conditions "over the threshold"
    and "idle"."""
    idle_since = scope.now - dt.timedelta(days=idle_days)
    deals = scope.deals().filter(status=DealStatus.OPEN).annotate(last_done=_last_done())
    idle = Q(last_done__isnull=True) | Q(last_done__lt=idle_since)
    return deals, _over_threshold(scope, thresholds), idle


def stage_counts(deals: QuerySet[Deal], over: Q, idle: Q) -> list[dict[str, Any]]:
    """Per stage: open deals, those over the threshold, those also idle (one query)."""
    return list(
        deals.values("stage").annotate(
            n=Count("pk"), over=Count("pk", filter=over), stalled=Count("pk", filter=over & idle)
        )
    )


def thresholds_of(scope: Scope) -> list[Threshold]:
    working = [s for s in scope.route_stages if s.kind is StageKind.PRE_SALE]
    thresholds = {info.key: Threshold(info) for info in working}
    for version_id, definition in scope.definitions.items():
        for stage in definition.route:
            if stage.key in thresholds:
                thresholds[stage.key].kpi[version_id] = stall_days(stage)
    won_stays = stays_in_period(scope).filter(deal__status=DealStatus.WON)
    found = grouped_percentiles(
        won_stays,
        value=Seconds("duration"),
        groups=["from_stage"],
        fractions=(0.8,),
        with_count=True,
    )
    for (key,), (p80, n) in found.items():
        if key in thresholds:
            thresholds[key].learned, thresholds[key].won_stays = p80 / DAY, int(n)
    return list(thresholds.values())


def _over_threshold(scope: Scope, thresholds: list[Threshold]) -> Q:
    """Deals in a stage (of their version) since before ``now - threshold``."""
    over = Q(pk__in=[])
    for threshold in thresholds:
        for version_id in threshold.kpi:
            limit = dt.timedelta(days=threshold.days_for(version_id))
            over |= Q(
                process_version_id=version_id,
                stage=threshold.stage.key,
                stage_entered_at__lt=scope.now - limit,
            )
    return over


def _last_done() -> Subquery:
    latest = (
        Activity.objects.filter(deal=OuterRef("pk"), done=True)
        .order_by()
        .values("deal")
        .annotate(at=Max("done_at"))
        .values("at")
    )
    return Subquery(latest)


def _stalled_deal(scope: Scope, deal: Deal, thresholds: list[Threshold]) -> StalledDeal:
    threshold = next(t for t in thresholds if t.stage.key == deal.stage)
    last = deal.last_done  # type: ignore[attr-defined]
    return StalledDeal(
        deal=deal,
        stage=threshold.stage,
        days_in_stage=(scope.now - deal.stage_entered_at).total_seconds() / DAY,
        threshold=threshold.days_for(deal.process_version_id),
        idle_days=(scope.now - last).total_seconds() / DAY if last else None,
    )
