"""Team views: how the deals closed in the period went, by rep, team, source, product, month.

For each group: deals closed (won + lost), won, lost, win rate (won / closed), won amount,
average won deal (over won deals with an amount), cycle (mean days from creation to close of
the won deals) and activity (done activities per closed deal, over each deal's whole life).
*Product* is the deal's ``custom.product`` attribute (deals have no product field); *month* is
the month of the close, in the configured time zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    Count,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce

from traseu.analytics.scope import Scope
from traseu.analytics.sql import SecondsBetween, days, month_index, month_start
from traseu.analytics.tables import ratio
from traseu.core.models import Team, User
from traseu.crm.models import Activity, DealStatus

DIMENSIONS = ("rep", "team", "source", "product", "month")


@dataclass
class TeamRow:
    name: str
    closed: int
    won: int
    won_amount: Decimal
    won_with_amount: int
    cycle_days: float | None
    activities: int

    @property
    def lost(self) -> int:
        return self.closed - self.won

    @property
    def win_rate(self) -> float | None:
        return ratio(self.won, self.closed)

    @property
    def average_won(self) -> float | None:
        return ratio(float(self.won_amount), self.won_with_amount)

    @property
    def activities_per_deal(self) -> float | None:
        return ratio(self.activities, self.closed)


@dataclass
class TeamReport:
    scope: Scope
    groups: dict[str, list[TeamRow]]  # dimension -> rows


def team_report(scope: Scope) -> TeamReport:
    """The closed deals of the period grouped by every dimension: one query per dimension,
    one for the span of months when the period is open, and two for the names of reps and
    teams (eight at most)."""
    groups = {dimension: grouped(scope, dimension) for dimension in DIMENSIONS}
    names = _names(groups)
    return TeamReport(
        scope=scope,
        groups={
            dimension: sorted((_row(dimension, row, names) for row in rows), key=_order)
            for dimension, rows in groups.items()
        },
    )


def grouped(scope: Scope, dimension: str) -> list[dict[str, Any]]:
    """The figures of the deals closed in the period, per group of one dimension."""
    closed = (
        scope.deals()
        .filter(scope.period("closed_at"), status__in=[DealStatus.WON, DealStatus.LOST])
        .annotate(done_activities=Coalesce(_done_activities(), 0))
    )
    won = Q(status=DealStatus.WON)
    span = scope.span(closed, "closed_at") if dimension == "month" else None
    return list(
        closed.annotate(group=_dimension(dimension, span))
        .values("group")
        .annotate(
            closed=Count("pk"),
            won=Count("pk", filter=won),
            won_amount=Sum("amount", filter=won),
            won_with_amount=Count("amount", filter=won),
            cycle=Avg(SecondsBetween("closed_at", "created_at"), filter=won),
            acts=Sum("done_activities"),
        )
        .order_by("group")
    )


def _dimension(name: str, span: tuple[dt.datetime, dt.datetime] | None) -> Expression | F:
    if name == "month":
        return month_index("closed_at", *span) if span else Value(None, IntegerField())
    if name == "rep":
        return F("owner_id")
    if name == "team":
        return F("team_id")
    if name == "source":
        return F("source")
    if name == "product":
        return KeyTextTransform("product", "custom")
    raise ValueError(name)


def _done_activities() -> Subquery:
    rows = (
        Activity.objects.filter(deal=OuterRef("pk"), done=True)
        .order_by()
        .values("deal")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(rows)


def _order(row: TeamRow) -> tuple[bool, str]:
    return (not row.name, row.name.casefold())


def _names(groups: dict[str, list[dict[str, Any]]]) -> dict[str, dict[Any, str]]:
    reps = {row["group"] for row in groups["rep"]}
    teams = {row["group"] for row in groups["team"]}
    return {
        "rep": dict(User.objects.filter(pk__in=reps).values_list("pk", "username")),
        "team": dict(Team.objects.filter(pk__in=teams).values_list("pk", "name")),
    }


def _row(dimension: str, row: dict[str, Any], names: dict[str, dict[Any, str]]) -> TeamRow:
    group = row["group"]
    if dimension in names:
        name = names[dimension].get(group, "")
    elif dimension == "month" and group is not None:
        name = month_start(group).isoformat()[:7]
    else:
        name = str(group or "")
    return TeamRow(
        name=name,
        closed=row["closed"],
        won=row["won"],
        won_amount=row["won_amount"] or Decimal(0),
        won_with_amount=row["won_with_amount"],
        cycle_days=days(row["cycle"]),
        activities=row["acts"] or 0,
    )
