"""Techniques: which techniques were used at each stage and how the deals that used them fared.

A deal *used* a technique at a stage when an activity done on it at that stage names the
technique; it counts once per stage and technique however many such activities it has. For
those deals: *conversion* is the share that passed the stage (went beyond it on their version's
route, as in the funnel); *time in stage* is the mean over those deals of their total completed
time in the stage; *win rate* is won / (won + lost). Each stage also gets a baseline row over
every deal that entered it. Deals are the cohort created in the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Case, Count, F, Max, Min, Q, QuerySet, Sum, When

from traseu.analytics.paths import furthest_position, stage_seconds
from traseu.analytics.scope import Scope, StageInfo
from traseu.analytics.sql import Seconds, days, route_position
from traseu.analytics.tables import ratio
from traseu.crm.models import Activity, DealStatus, MoveKind


@dataclass
class TechniqueOutcome:
    stage: StageInfo
    technique: str  # key; "" for the stage's baseline (every deal that entered it)
    name: str
    deals: int
    converted: int
    won: int
    lost: int
    time_days: float | None
    timed: int  # deals with a completed stay in the stage
    final: bool = False  # the last stage of every route: there is no next stage

    @property
    def conversion(self) -> float | None:
        return None if self.final else ratio(self.converted, self.deals)

    @property
    def win_rate(self) -> float | None:
        return ratio(self.won, self.won + self.lost)


@dataclass
class TechniqueReport:
    scope: Scope
    rows: list[TechniqueOutcome]  # per stage: the baseline, then techniques by deals


def technique_report(scope: Scope) -> TechniqueReport:
    """Per stage and technique, the deals that used it and how they fared. Two queries."""
    stages = {info.key: info for info in scope.route_stages}
    names = {
        key: technique.name
        for definition in reversed(list(scope.definitions.values()))
        for key, technique in definition.techniques.items()
    }
    used = _figures(_first_uses(scope), stage="stage", group=("stage", "technique"), scope=scope)
    baseline = _baseline(scope)
    finals = {d.route[-1].key for d in scope.definitions.values()}
    rows: list[TechniqueOutcome] = []
    for key, info in stages.items():
        rows += [_outcome(info, "", "", row) for row in baseline if row["to_stage"] == key]
        found = sorted(
            (row for row in used if row["stage"] == key),
            key=lambda r: (-r["deals"], r["technique"]),
        )
        rows += [
            _outcome(info, row["technique"], names.get(row["technique"], row["technique"]), row)
            for row in found
        ]
    for row in rows:
        row.final = finals == {row.stage.key}
    return TechniqueReport(scope=scope, rows=rows)


def _first_uses(scope: Scope) -> QuerySet[Activity]:
    """One done activity per (deal, stage, technique) of the cohort (the one with the lowest
    id: any one would do, only its deal and stage are read)."""
    used = (
        scope.activities()
        .filter(scope.period("deal__created_at"), done=True)
        .exclude(technique="")
        .exclude(stage="")
    )
    first = used.values("deal", "stage", "technique").annotate(first=Min("pk")).values("first")
    return Activity.objects.filter(pk__in=first).order_by()


def _baseline(scope: Scope) -> list[dict[str, Any]]:
    """The same figures for every cohort deal that entered each stage, in one pass over the
    moves: grouped by deal, a flag per stage for "entered", "went beyond", and the seconds of
    its completed stays there; then added up over the deals."""
    per_deal: dict[str, Any] = {}
    totals: dict[str, Any] = {}
    won, lost = Q(deal__status=DealStatus.WON), Q(deal__status=DealStatus.LOST)
    for index, info in enumerate(scope.route_stages):
        entered = Q(to_stage=info.key) & ~Q(kind=MoveKind.LOST)
        per_deal[f"in{index}"] = Max(Case(When(entered, then=1), default=0))
        per_deal[f"on{index}"] = Max(Case(When(_beyond(scope, info.key), then=1), default=0))
        per_deal[f"won{index}"] = Max(Case(When(entered & won, then=1), default=0))
        per_deal[f"lost{index}"] = Max(Case(When(entered & lost, then=1), default=0))
        per_deal[f"sec{index}"] = Sum(Seconds("duration"), filter=Q(from_stage=info.key))
        inside = Q(**{f"in{index}": 1})
        totals[f"deals{index}"] = Sum(f"in{index}")
        totals[f"converted{index}"] = Sum(Case(When(inside & Q(**{f"on{index}": 1}), then=1)))
        totals[f"won{index}_"] = Sum(f"won{index}")
        totals[f"lost{index}_"] = Sum(f"lost{index}")
        totals[f"mean{index}"] = Avg(Case(When(inside, then=F(f"sec{index}"))))
        totals[f"timed{index}"] = Count(Case(When(inside, then=F(f"sec{index}"))))
    found = scope.changes(cohort=True).values("deal").annotate(**per_deal).aggregate(**totals)
    return [
        {
            "to_stage": info.key,
            "deals": found[f"deals{i}"] or 0,
            "converted": found[f"converted{i}"] or 0,
            "won": found[f"won{i}_"] or 0,
            "lost": found[f"lost{i}_"] or 0,
            "mean": found[f"mean{i}"],
            "timed": found[f"timed{i}"] or 0,
        }
        for i, info in enumerate(scope.route_stages)
        if found[f"deals{i}"]
    ]


def _beyond(scope: Scope, key: str) -> Q:
    """A move into a stage after ``key`` on its version's route."""
    found = Q(pk__in=[])
    for version_id, definition in scope.definitions.items():
        keys = [stage.key for stage in definition.route]
        if key in keys:
            found |= Q(process_version_id=version_id, to_stage__in=keys[keys.index(key) + 1 :])
    return found


def _figures(
    rows: QuerySet[Any], *, stage: str, group: tuple[str, ...], scope: Scope
) -> list[dict[str, Any]]:
    """Deals, converted, won, lost and mean time in stage per group of one-per-deal rows."""
    here = route_position(stage, scope.definitions, version="deal__process_version_id")
    annotated = rows.annotate(
        here=here,
        furthest=furthest_position(scope.definitions, deal_ref="deal"),
        seconds=stage_seconds(deal_ref="deal", stage_ref=stage),
    )
    return list(
        annotated.values(*group).annotate(
            deals=Count("pk"),
            converted=Count("pk", filter=Q(furthest__gt=F("here"))),
            won=Count("pk", filter=Q(deal__status=DealStatus.WON)),
            lost=Count("pk", filter=Q(deal__status=DealStatus.LOST)),
            mean=Avg("seconds"),
            timed=Count("seconds"),
        )
    )


def _outcome(info: StageInfo, key: str, name: str, row: dict[str, Any]) -> TechniqueOutcome:
    return TechniqueOutcome(
        stage=info,
        technique=key,
        name=name,
        deals=row["deals"],
        converted=row["converted"],
        won=row["won"],
        lost=row["lost"],
        time_days=days(row["mean"]),
        timed=row["timed"],
    )


def technique_figures(scope: Scope) -> list[dict[str, Any]]:
    """The figures per (stage, technique), without the baseline (one query)."""
    return _figures(_first_uses(scope), stage="stage", group=("stage", "technique"), scope=scope)
