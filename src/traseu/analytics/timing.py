"""Time: how long deals stay in each stage, how long a sale takes, and pipeline velocity.

*Time in stage* is measured per stay: every completed stay in a stage (a move out of it) that
ended in the period is one sample, so a deal that re-enters a stage gives one sample per visit.
Stays still going on are not samples (the stalled report looks at them). *Cycle length* is
``closed_at - created_at`` of the deals won or lost in the period. *Pipeline velocity* is
open deals x win rate x average won amount / average won cycle (money per day).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, Max, Min, Q, QuerySet, Sum

from traseu.analytics.scope import Scope, StageInfo
from traseu.analytics.sql import DAY, Seconds, SecondsBetween, days, grouped_percentiles
from traseu.analytics.tables import ratio
from traseu.core.db import report_query
from traseu.crm.models import DealStatus, MoveKind, StageChange

# Fractions of the distribution shown: whiskers P10-P90, box P25-P75, median, P80.
FRACTIONS = (0.1, 0.25, 0.5, 0.75, 0.8, 0.9)
# Histogram buckets, in days: [0, 1), [1, 3), ... [90, inf).
BUCKETS = (0, 1, 3, 7, 14, 30, 60, 90)


@dataclass
class StageTime:
    stage: StageInfo
    stays: int = 0
    mean: float | None = None  # days, like every figure below
    minimum: float | None = None
    maximum: float | None = None
    quantiles: dict[float, float] = field(default_factory=dict)
    histogram: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    in_stage_now: int = 0

    @property
    def median(self) -> float | None:
        return self.quantiles.get(0.5)

    @property
    def p80(self) -> float | None:
        return self.quantiles.get(0.8)


@dataclass
class Cycle:
    outcome: str
    deals: int = 0
    mean: float | None = None
    median: float | None = None
    p80: float | None = None
    amount: Decimal | None = None  # total amount of these deals
    amount_deals: int = 0  # of which had an amount


@dataclass
class Velocity:
    open_deals: int
    win_rate: float | None
    average_won: float | None
    cycle_days: float | None

    @property
    def per_day(self) -> float | None:
        if self.win_rate is None or self.average_won is None or not self.cycle_days:
            return None
        return self.open_deals * self.win_rate * self.average_won / self.cycle_days


@dataclass
class TimeReport:
    scope: Scope
    stages: list[StageTime]
    cycles: dict[str, Cycle]
    velocity: Velocity


def stays_in_period(scope: Scope) -> QuerySet[StageChange]:
    """Completed stays in route stages that ended in the period."""
    return (
        scope.changes()
        .filter(scope.period("changed_at"))
        .exclude(kind=MoveKind.CREATED)
        .exclude(from_stage__in=scope.lost_keys)
    )


@report_query
def time_report(scope: Scope) -> TimeReport:
    """Time in stage, cycle lengths and velocity for the scope. Five queries."""
    stages = {info.key: StageTime(info) for info in scope.route_stages}
    _stage_figures(scope, stages)
    for row in scope.deals().filter(status=DealStatus.OPEN).values("stage").annotate(n=Count("pk")):
        if row["stage"] in stages:
            stages[row["stage"]].in_stage_now = row["n"]
    cycles = _cycles(scope)
    won, lost = cycles[DealStatus.WON], cycles[DealStatus.LOST]
    velocity = Velocity(
        open_deals=sum(s.in_stage_now for s in stages.values()),
        win_rate=ratio(won.deals, won.deals + lost.deals),
        average_won=ratio(float(won.amount or 0), won.amount_deals),
        cycle_days=won.mean,
    )
    return TimeReport(scope=scope, stages=list(stages.values()), cycles=cycles, velocity=velocity)


def _stage_figures(scope: Scope, stages: dict[str, StageTime]) -> None:
    rows = stays_in_period(scope).annotate(seconds=Seconds("duration"))
    buckets = {f"b{i}": Count("pk", filter=_bucket(i)) for i in range(len(BUCKETS))}
    summary = rows.values("from_stage").annotate(
        n=Count("pk"), mean=Avg("seconds"), low=Min("seconds"), high=Max("seconds"), **buckets
    )
    for row in summary:
        if row["from_stage"] not in stages:
            continue
        stage = stages[row["from_stage"]]
        stage.stays, stage.mean = row["n"], days(row["mean"])
        stage.minimum, stage.maximum = days(row["low"]), days(row["high"])
        stage.histogram = [row[f"b{i}"] for i in range(len(BUCKETS))]
    found = grouped_percentiles(
        stays_in_period(scope),
        value=Seconds("duration"),
        groups=["from_stage"],
        fractions=FRACTIONS,
    )
    for (key,), values in found.items():
        if key in stages:
            stages[key].quantiles = {f: v / DAY for f, v in zip(FRACTIONS, values, strict=True)}


def _bucket(index: int) -> Q:
    condition = Q(seconds__gte=BUCKETS[index] * DAY)
    if index + 1 < len(BUCKETS):
        condition &= Q(seconds__lt=BUCKETS[index + 1] * DAY)
    return condition


def _cycles(scope: Scope) -> dict[str, Cycle]:
    closed = scope.deals().filter(
        scope.period("closed_at"), status__in=[DealStatus.WON, DealStatus.LOST]
    )
    length = SecondsBetween("closed_at", "created_at")
    cycles: dict[str, Cycle] = {s: Cycle(outcome=s) for s in (DealStatus.WON, DealStatus.LOST)}
    for row in (
        closed.annotate(seconds=length)
        .values("status")
        .annotate(
            n=Count("pk"),
            mean=Avg("seconds"),
            total=Sum("amount"),
            with_amount=Count("amount"),
        )
    ):
        cycle = cycles[row["status"]]
        cycle.deals, cycle.mean = row["n"], days(row["mean"])
        cycle.amount, cycle.amount_deals = row["total"], row["with_amount"]
    found = grouped_percentiles(closed, value=length, groups=["status"], fractions=(0.5, 0.8))
    for (status,), (median, p80) in found.items():
        cycles[status].median, cycles[status].p80 = median / DAY, p80 / DAY
    return cycles
