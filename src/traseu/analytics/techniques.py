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

from django.db import connections
from django.db.models import Avg, Case, Count, F, Max, Q, QuerySet, Sum, When

from traseu.analytics.scope import Scope, StageInfo
from traseu.analytics.sql import Seconds, days, route_position
from traseu.analytics.tables import ratio
from traseu.core.db import report_query
from traseu.crm.models import Activity, DealStatus, MoveKind, StageChange


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


@report_query
def technique_report(scope: Scope) -> TechniqueReport:
    """Per stage and technique, the deals that used it and how they fared. Two queries."""
    stages = {info.key: info for info in scope.route_stages}
    names = {
        key: technique.name
        for definition in reversed(list(scope.definitions.values()))
        for key, technique in definition.techniques.items()
    }
    used = _figures(scope)
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


def _first_uses(scope: Scope) -> QuerySet[Activity, Any]:
    """One row per (deal, stage, technique) a done activity of the cohort names, with the
    deal's status and the stage's position on the deal's route (``here``)."""
    return (
        scope.activities()
        .filter(scope.period("deal__created_at"), done=True)
        .exclude(technique="")
        .exclude(stage="")
        .values(
            deal_ref=F("deal"),
            stage_ref=F("stage"),
            technique_ref=F("technique"),
            status=F("deal__status"),
            here=route_position("stage", scope.definitions, version="deal__process_version_id"),
        )
        .distinct()
    )


def _cohort_changes(scope: Scope) -> QuerySet[StageChange]:
    """Every move of the cohort's deals, whatever version it was made on: the per-deal facts
    below read a deal's whole history, and only the deals that used a technique are joined."""
    rows = StageChange.objects.filter(
        scope.period("deal__created_at"), deal__process_version_id__in=list(scope.definitions)
    )
    if scope.visible is not None:
        rows = rows.filter(deal__in=scope.visible.values("pk"))
    return rows.order_by()


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


# The first uses (u) joined to their deal's facts (m): the furthest position and, per stage,
# the seconds of the completed stays there (``{seconds}`` picks the column of the use's stage).
_PER_TECHNIQUE = """
    SELECT stage_ref, technique_ref, COUNT(*),
           COUNT(CASE WHEN furthest > here THEN 1 END),
           COUNT(CASE WHEN status = %s THEN 1 END),
           COUNT(CASE WHEN status = %s THEN 1 END),
           AVG(seconds), COUNT(seconds)
    FROM (
        SELECT u.stage_ref, u.technique_ref, u.status, u.here, m.furthest, {seconds} AS seconds
        FROM ({uses}) u LEFT JOIN ({per_deal}) m ON m.deal_ref = u.deal_ref
    ) used
    GROUP BY stage_ref, technique_ref"""


def _figures(scope: Scope) -> list[dict[str, Any]]:
    """Deals, converted, won, lost and mean time in stage per (stage, technique), in one
    statement: the first uses joined on the deal to its facts, grouped once over the cohort's
    moves in a derived table (its furthest position, and its total seconds in each stage),
    rather than computed again for every use by correlated subqueries."""
    # Every stage of every version, lost included: a use's stage is one of them (the report
    # shows route stages only), so the CASE below finds its column.
    keys = [info.key for info in scope.stages]
    per_deal = (
        _cohort_changes(scope)
        .values(deal_ref=F("deal"))
        .annotate(
            furthest=Max(
                route_position("to_stage", scope.definitions, version="process_version_id")
            ),
            **{
                f"seconds{i}": Sum(Seconds("duration"), filter=Q(from_stage=key))
                for i, key in enumerate(keys)
            },
        )
    )
    uses_sql, uses_params = _compiled(_first_uses(scope))
    per_deal_sql, per_deal_params = _compiled(per_deal)
    whens = " ".join(f"WHEN %s THEN m.seconds{i}" for i in range(len(keys)))
    # Every value is a parameter; the parts were compiled by Django.
    statement = _PER_TECHNIQUE.format(
        seconds=f"CASE u.stage_ref {whens} END", uses=uses_sql, per_deal=per_deal_sql
    )
    params = [DealStatus.WON.value, DealStatus.LOST.value, *keys, *uses_params, *per_deal_params]
    with connections[per_deal.db].cursor() as cursor:
        cursor.execute(statement, params)
        found = cursor.fetchall()
    names = ("stage", "technique", "deals", "converted", "won", "lost", "mean", "timed")
    rows = [dict(zip(names, row, strict=True)) for row in found]
    for row in rows:  # PostgreSQL averages numeric seconds exactly, as a Decimal
        row["mean"] = None if row["mean"] is None else float(row["mean"])
    return rows


def _compiled(rows: QuerySet[Any, Any]) -> tuple[str, list[Any]]:
    """The SQL and parameters of a queryset, to use it as a derived table."""
    sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    return sql, list(params)


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
    return _figures(scope)
