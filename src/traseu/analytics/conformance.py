"""Conformance: each deal's real path against the route its version designed.

A deviation is one of: a *skip* (a move forward over at least one stage), a move *back*, a
*loop* (entering a stage the deal had entered before), a gate *override*, a *jump to won*
(winning from a stage before the last pre-sale stage) and a *reopen* (a lost deal brought
back). A deal with none is *conformant*. Deals are the cohort created in the period.

Per stage, a deviation belongs to: the stages passed over (skip), the stage left (back,
override, jump to won), the stage entered (loop, reopen).
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, Max, Q, Sum, When

from traseu.analytics.funnel import reached_counts
from traseu.analytics.paths import (
    DEVIATIONS,
    deviation_mask,
    deviations_in,
    early_wins,
    skips_over,
)
from traseu.analytics.scope import Scope, StageInfo
from traseu.analytics.tables import ratio
from traseu.core.db import report_query
from traseu.core.models import Team, User
from traseu.crm.models import Deal, DealStatus, MoveKind

LIST_LIMIT = 100


@dataclass
class GroupConformance:
    name: str
    deals: int = 0
    conformant: int = 0
    deviations: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DEVIATIONS, 0))

    @property
    def share(self) -> float | None:
        return ratio(self.conformant, self.deals)


@dataclass
class DeviationOutcome:
    """Closed deals of the cohort with and without one deviation, and how many were won."""

    deviation: str
    with_closed: int = 0
    with_won: int = 0
    without_closed: int = 0
    without_won: int = 0

    @property
    def win_rate_with(self) -> float | None:
        return ratio(self.with_won, self.with_closed)

    @property
    def win_rate_without(self) -> float | None:
        return ratio(self.without_won, self.without_closed)


@dataclass
class StageConformance:
    stage: StageInfo
    reached: int = 0
    deviating: int = 0
    deviations: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DEVIATIONS, 0))

    @property
    def share(self) -> float | None:
        return ratio(self.reached - self.deviating, self.reached)


@dataclass
class DeviatingDeal:
    deal: Deal
    deviations: list[str]


@dataclass
class ConformanceReport:
    scope: Scope
    overall: GroupConformance
    reps: list[GroupConformance]
    teams: list[GroupConformance]
    outcomes: list[DeviationOutcome]
    stages: list[StageConformance]
    deals: list[DeviatingDeal]


@report_query
def conformance_report(scope: Scope) -> ConformanceReport:
    """Conformance of the scope's cohort. Six queries, whatever the number of deals."""
    rows = deal_buckets(scope)
    owners = dict(
        User.objects.filter(pk__in={r["owner_id"] for r in rows}).values_list("pk", "username")
    )
    teams = dict(Team.objects.filter(pk__in={r["team_id"] for r in rows}).values_list("pk", "name"))
    listed = (
        scope.cohort()
        .annotate(mask=deviation_mask(scope.definitions))
        .filter(mask__gt=0)
        .select_related("owner")
        .order_by("-created_at", "-pk")[:LIST_LIMIT]
    )
    return ConformanceReport(
        scope=scope,
        overall=_groups(rows, lambda row: "")[0] if rows else GroupConformance(""),
        reps=_groups(rows, lambda row: owners[row["owner_id"]]),
        teams=_groups(rows, lambda row: teams.get(row["team_id"])),
        outcomes=_outcomes(rows),
        stages=_stages(scope),
        deals=[DeviatingDeal(deal, deviations_in(deal.mask)) for deal in listed],
    )


def deal_buckets(scope: Scope) -> list[dict[str, Any]]:
    """The cohort's deals counted per (owner, team, status, deviations as bits)."""
    return list(
        scope.cohort()
        .annotate(mask=deviation_mask(scope.definitions))
        .values("owner_id", "team_id", "status", "mask")
        .annotate(n=Count("pk"))
    )


def _groups(rows: list[dict[str, Any]], name_of: Any) -> list[GroupConformance]:
    groups: dict[str, GroupConformance] = {}
    for row in rows:
        name = name_of(row)
        if name is None:
            continue
        group = groups.setdefault(name, GroupConformance(name))
        group.deals += row["n"]
        found = deviations_in(row["mask"])
        group.conformant += 0 if found else row["n"]
        for deviation in found:
            group.deviations[deviation] += row["n"]
    return [groups[name] for name in sorted(groups)]


def _outcomes(rows: list[dict[str, Any]]) -> list[DeviationOutcome]:
    outcomes = [DeviationOutcome(d) for d in DEVIATIONS]
    for row in rows:
        if row["status"] == DealStatus.OPEN:
            continue
        won = row["n"] if row["status"] == DealStatus.WON else 0
        for outcome in outcomes:
            if outcome.deviation in deviations_in(row["mask"]):
                outcome.with_closed += row["n"]
                outcome.with_won += won
            else:
                outcome.without_closed += row["n"]
                outcome.without_won += won
    return outcomes


def _stage_conditions(scope: Scope, key: str) -> dict[str, Q]:
    """Row conditions that attribute a deviation to stage ``key`` (loops are counted apart)."""
    return {
        "skip": skips_over(scope.definitions, key),
        "back": Q(kind=MoveKind.BACK, from_stage=key),
        "override": Q(overridden=True, from_stage=key),
        "jump_to_won": early_wins(scope.definitions) & Q(from_stage=key),
        "reopen": Q(kind=MoveKind.REOPEN, to_stage=key),
    }


def _stages(scope: Scope) -> list[StageConformance]:
    """Per stage: the deals that reached it, those with each deviation there, and with any.

    Two queries. The deviations: the cohort's moves are grouped by deal with a 0/1 flag per
    stage and deviation (and the number of entries per stage, for loops), and the flags are
    added up; so each deal counts once per stage and deviation, without COUNT(DISTINCT). The
    deals that reached each stage come from the funnel's grouping by furthest position.
    """
    per_deal: dict[str, Any] = {}
    totals: dict[str, Any] = {}
    for index, info in enumerate(scope.route_stages):
        flags = []
        for name, condition in _stage_conditions(scope, info.key).items():
            per_deal[f"s{index}_{name}"] = Max(Case(When(condition, then=1), default=0))
            totals[f"t{index}_{name}"] = Sum(f"s{index}_{name}")
            flags.append(Q(**{f"s{index}_{name}": 1}))
        entered = Q(to_stage=info.key) & ~Q(kind=MoveKind.LOST)
        per_deal[f"e{index}"] = Count("pk", filter=entered)
        looped = Q(**{f"e{index}__gt": 1})
        totals[f"t{index}_loop"] = Sum(Case(When(looped, then=1), default=0))
        anything = functools.reduce(operator.or_, flags, looped)
        totals[f"t{index}_any"] = Sum(Case(When(anything, then=1), default=0))
    moves = scope.changes(cohort=True)
    found = moves.values("deal").annotate(**per_deal).aggregate(**totals)
    reached = reached_counts(scope)
    stages = []
    for index, info in enumerate(scope.route_stages):
        stage = StageConformance(info, reached=reached.get(info.key, 0))
        stage.deviating = found[f"t{index}_any"] or 0
        stage.deviations = {d: found[f"t{index}_{d}"] or 0 for d in DEVIATIONS}
        stages.append(stage)
    return stages
