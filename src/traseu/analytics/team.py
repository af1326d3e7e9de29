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

from django.db.models import Count, Expression, F, IntegerField, Q, Sum, Value
from django.db.models.fields.json import KeyTextTransform

from traseu.analytics.scope import Scope
from traseu.analytics.sql import SecondsBetween, days, month_index, month_start
from traseu.analytics.tables import ratio
from traseu.core.db import report_query
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


@report_query
def team_report(scope: Scope) -> TeamReport:
    """The closed deals of the period grouped by every dimension. The database groups them by
    all five dimensions at once and returns additive parts (counts and sums) that are added up
    per dimension here: one query over the deals, one over their done activities, one for the
    span of months when the period is open, and two for the names of reps and teams."""
    parts = _parts(scope)
    groups: dict[str, list[dict[str, Any]]] = {}
    for dimension in DIMENSIONS:
        totals: dict[Any, dict[str, Any]] = {}
        for row in parts:
            _add(totals.setdefault(row[dimension], {"group": row[dimension]}), row)
        groups[dimension] = [_finish(row) for row in totals.values()]
    names = _names(groups)
    return TeamReport(
        scope=scope,
        groups={
            dimension: sorted((_row(dimension, row, names) for row in rows), key=_order)
            for dimension, rows in groups.items()
        },
    )


SUMS = ("closed", "won", "won_amount", "won_with_amount", "cycle_sum", "acts")
KEYS = [f"by_{name}" for name in DIMENSIONS]  # annotation names (some dimensions are fields)


def _parts(scope: Scope) -> list[dict[str, Any]]:
    """Counts and sums per combination of the five dimensions (a few thousand rows at most:
    reps x sources x products x months), with the done activities of each combination's deals
    from a second query over the activities joined to the same deals."""
    closed = scope.deals().filter(
        scope.period("closed_at"), status__in=[DealStatus.WON, DealStatus.LOST]
    )
    span = scope.span(closed, "closed_at")
    dimensions = {f"by_{name}": _dimension(name, span) for name in DIMENSIONS}
    won = Q(status=DealStatus.WON)
    rows = list(
        closed.annotate(**dimensions)
        .values(*KEYS)
        .annotate(
            closed=Count("pk"),
            won=Count("pk", filter=won),
            won_amount=Sum("amount", filter=won),
            won_with_amount=Count("amount", filter=won),
            cycle_sum=Sum(SecondsBetween("closed_at", "created_at"), filter=won),
        )
        .order_by()
    )
    activities = (
        Activity.objects.filter(done=True, deal__in=closed)
        .annotate(**{f"by_{n}": _dimension(n, span, prefix="deal__") for n in DIMENSIONS})
        .values(*KEYS)
        .annotate(acts=Count("pk"))
        .order_by()
    )
    acts = {tuple(row[k] for k in KEYS): row["acts"] for row in activities}
    for row in rows:
        row["acts"] = acts.get(tuple(row[k] for k in KEYS), 0)
        for name in DIMENSIONS:
            row[name] = row.pop(f"by_{name}")
    return rows


def grouped(scope: Scope, dimension: str) -> list[dict[str, Any]]:
    """The figures of the deals closed in the period, per group of one dimension."""
    totals: dict[Any, dict[str, Any]] = {}
    for row in _parts(scope):
        _add(totals.setdefault(row[dimension], {"group": row[dimension]}), row)
    return [_finish(row) for row in totals.values()]


def _add(total: dict[str, Any], row: dict[str, Any]) -> None:
    for key in SUMS:
        if row[key] is not None:
            total[key] = total.get(key, 0) + row[key]


def _finish(total: dict[str, Any]) -> dict[str, Any]:
    won = total.get("won", 0)
    cycle = total.get("cycle_sum")
    return {
        "group": total["group"],
        "closed": total.get("closed", 0),
        "won": won,
        "won_amount": total.get("won_amount"),
        "won_with_amount": total.get("won_with_amount", 0),
        "cycle": cycle / won if won and cycle is not None else None,
        "acts": total.get("acts", 0),
    }


def _dimension(
    name: str, span: tuple[dt.datetime, dt.datetime] | None, *, prefix: str = ""
) -> Expression | F:
    if name == "month":
        return month_index(f"{prefix}closed_at", *span) if span else Value(None, IntegerField())
    if name == "rep":
        return F(f"{prefix}owner_id")
    if name == "team":
        return F(f"{prefix}team_id")
    if name == "source":
        return F(f"{prefix}source")
    if name == "product":
        return KeyTextTransform("product", f"{prefix}custom")
    raise ValueError(name)


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
