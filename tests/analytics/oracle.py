"""An independent computation of every report figure, in plain Python over rows loaded whole.

This is the reference the SQL reports are checked against. It follows the written definitions
in docs/analytics.md directly (walk each deal's history in order), sharing no code with
``traseu.analytics`` except the process definitions.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from traseu.crm.models import Activity, Deal, StageChange
from traseu.process.definition import ProcessDefinition
from traseu.processes.models import ProcessVersion
from traseu.processes.selectors import process_definition


@dataclass
class Move:
    pk: int
    version: int
    from_stage: str
    to_stage: str
    kind: str
    changed_at: dt.datetime
    seconds: float | None
    overridden: bool


@dataclass
class DealRow:
    pk: int
    version: int
    status: str
    stage: str
    owner: int
    team: int | None
    source: str
    product: str
    amount: Decimal | None
    created_at: dt.datetime
    closed_at: dt.datetime | None
    stage_entered_at: dt.datetime
    moves: list[Move] = field(default_factory=list)


@dataclass
class ActivityRow:
    deal: int
    stage: str
    technique: str
    done: bool
    done_at: dt.datetime | None


@dataclass
class World:
    deals: dict[int, DealRow]
    activities: list[ActivityRow]
    definitions: dict[int, ProcessDefinition]

    def route(self, deal: DealRow) -> list[str]:
        return [s.key for s in self.definitions[deal.version].route]

    def position(self, version: int, key: str) -> int | None:
        index = self.definitions[version].index(key)
        return index if index >= 0 else None


def load_world(deal_ids: set[int] | None = None) -> World:
    """Every deal (or the given ones) with its moves in order, and every activity."""
    deals: dict[int, DealRow] = {}
    for d in Deal.objects.all():
        if deal_ids is not None and d.pk not in deal_ids:
            continue
        deals[d.pk] = DealRow(
            d.pk,
            d.process_version_id,
            d.status,
            d.stage,
            d.owner_id,
            d.team_id,
            d.source,
            str((d.custom or {}).get("product", "")),
            d.amount,
            d.created_at,
            d.closed_at,
            d.stage_entered_at,
        )
    for c in StageChange.objects.order_by("changed_at", "pk"):
        if c.deal_id in deals:
            seconds = c.duration.total_seconds() if c.duration is not None else None
            deals[c.deal_id].moves.append(
                Move(
                    c.pk,
                    c.process_version_id,
                    c.from_stage,
                    c.to_stage,
                    c.kind,
                    c.changed_at,
                    seconds,
                    c.overridden,
                )
            )
    activities = [
        ActivityRow(a.deal_id, a.stage, a.technique, a.done, a.done_at)
        for a in Activity.objects.all()
        if a.deal_id in deals
    ]
    definitions = {v.pk: process_definition(v) for v in ProcessVersion.objects.all()}
    return World(deals, activities, definitions)


def in_period(value: dt.datetime | None, since: dt.date | None, until: dt.date | None) -> bool:
    if value is None:
        return False
    day = timezone.localtime(value).date()
    return (since is None or day >= since) and (until is None or day <= until)


def furthest(world: World, deal: DealRow) -> int | None:
    positions = [world.position(m.version, m.to_stage) for m in deal.moves]
    known = [p for p in positions if p is not None]
    return max(known) if known else None


def lost_from(deal: DealRow) -> str | None:
    if deal.status != "lost":
        return None
    return [m for m in deal.moves if m.kind == "lost"][-1].from_stage


def percentile(values: list[float], fraction: float) -> float | None:
    """percentile_cont, written out: linear between the ranks around (n - 1) * fraction."""
    ordered = sorted(values)
    if not ordered:
        return None
    h = (len(ordered) - 1) * fraction
    low = int(h)
    if low + 1 >= len(ordered):
        return ordered[low]
    return ordered[low] + (h - low) * (ordered[low + 1] - ordered[low])


def funnel(world: World, cohort: list[DealRow]) -> dict[str, dict[str, int]]:
    """Per stage key: reached, entered, passed, lost_here, open_here, won."""
    result: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for deal in cohort:
        route, top = world.route(deal), furthest(world, deal)
        for position, key in enumerate(route):
            if top is not None and top >= position:
                result[key]["reached"] += 1
                result[key]["passed"] += int(top > position)
                result[key]["won"] += int(deal.status == "won")
        for key in {m.to_stage for m in deal.moves if m.kind != "lost"}:
            result[key]["entered"] += 1
        if deal.status == "lost":
            result[lost_from(deal) or ""]["lost_here"] += 1
        if deal.status == "open":
            result[deal.stage]["open_here"] += 1
    return result


def cohort_of(world: World, since: dt.date | None = None, until: dt.date | None = None) -> list:
    return [d for d in world.deals.values() if in_period(d.created_at, since, until)]


def stays(world: World, deal: DealRow) -> list[Move]:
    """The deal's completed stays: every move but the first (``created``) row ends one."""
    return [m for m in deal.moves if m.kind != "created"]


def deviations(world: World, deal: DealRow) -> dict[str, int]:
    """How often each deviation occurs on the deal's path."""
    found: dict[str, int] = defaultdict(int)
    entered: set[str] = set()
    for move in deal.moves:
        start = world.position(move.version, move.from_stage) if move.from_stage else None
        end = world.position(move.version, move.to_stage)
        jumps = start is not None and end is not None and end > start + 1
        found["skip"] += int(jumps)
        found["jump_to_won"] += int(jumps and move.kind == "won")
        found["back"] += int(move.kind == "back")
        found["reopen"] += int(move.kind == "reopen")
        found["override"] += int(move.overridden)
        if move.kind != "lost":
            found["loop"] += int(move.to_stage in entered)
            entered.add(move.to_stage)
    return found


def as_float(value: Any) -> float:
    return float(value)


def stage_times(
    world: World, since: dt.date | None, until: dt.date | None
) -> dict[str, list[float]]:
    """Seconds of every completed stay in a route stage that ended in the period."""
    found: dict[str, list[float]] = defaultdict(list)
    for deal in world.deals.values():
        for move in stays(world, deal):
            if world.position(move.version, move.from_stage) is None:
                continue  # a stay in lost (a reopened deal) is not a stage of the route
            if in_period(move.changed_at, since, until) and move.seconds is not None:
                found[move.from_stage].append(move.seconds)
    return found


def cycles(world: World, since: dt.date | None, until: dt.date | None) -> dict[str, list[DealRow]]:
    closed: dict[str, list[DealRow]] = defaultdict(list)
    for deal in world.deals.values():
        if deal.status in ("won", "lost") and in_period(deal.closed_at, since, until):
            closed[deal.status].append(deal)
    return closed


def cycle_seconds(deal: DealRow) -> float:
    assert deal.closed_at is not None
    return (deal.closed_at - deal.created_at).total_seconds()


def stalled(
    world: World, *, now: dt.datetime, idle_days: int, min_history: int, fallback: dict
) -> tuple[dict[str, float], set[int], set[int]]:
    """Thresholds (days, per stage key from history; ``fallback[(version, key)]`` otherwise),
    the open deals over their threshold, and those of them idle for ``idle_days``."""
    won_stays: dict[str, list[float]] = defaultdict(list)
    for deal in world.deals.values():
        if deal.status == "won":
            for move in stays(world, deal):
                stage = world.definitions[move.version].stage(move.from_stage)
                if move.seconds is not None and stage and stage.kind == "pre_sale":
                    won_stays[move.from_stage].append(move.seconds / 86400)
    learned = {
        key: percentile(values, 0.8)
        for key, values in won_stays.items()
        if len(values) >= min_history
    }
    over, idle = set(), set()
    for deal in world.deals.values():
        if deal.status != "open":
            continue
        limit = learned.get(deal.stage, fallback.get((deal.version, deal.stage)))
        if (now - deal.stage_entered_at).total_seconds() / 86400 > limit:
            over.add(deal.pk)
            done = [a.done_at for a in world.activities if a.deal == deal.pk and a.done]
            if not done or (now - max(done)).total_seconds() / 86400 > idle_days:
                idle.add(deal.pk)
    return learned, over, idle


def kpi_parts(
    world: World, since: dt.date | None, until: dt.date | None, group: Any
) -> dict[tuple[str, Any], dict[str, float]]:
    """The parts of every KPI per (stage key, group(deal)), walking each deal's moves."""
    parts: dict[tuple[str, Any], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    forward = {"forward", "skip", "won"}
    for deal in world.deals.values():
        entered: set[str] = set()
        for move in deal.moves:
            if not in_period(move.changed_at, since, until):
                continue
            if move.kind != "created" and world.position(move.version, move.from_stage) is not None:
                stay = parts[(move.from_stage, group(deal))]
                stay["stays"] += 1
                stay["seconds"] += move.seconds or 0
                stay["forward"] += int(move.kind in forward)
            if move.kind != "lost":
                entered.add(move.to_stage)
        for key in entered:
            entry = parts[(key, group(deal))]
            entry["entered"] += 1
            entry["won"] += int(deal.status == "won")
            entry["lost"] += int(deal.status == "lost")
            entry["activities"] += sum(
                1 for a in world.activities if a.deal == deal.pk and a.stage == key and a.done
            )
    return parts


def stage_deviations(world: World, deal: DealRow) -> dict[str, set[str]]:
    """Per deviation, the stage keys it belongs to on this deal's path (docs/analytics.md)."""
    found: dict[str, set[str]] = defaultdict(set)
    entered: set[str] = set()
    for move in deal.moves:
        route = [s.key for s in world.definitions[move.version].route]
        start = route.index(move.from_stage) if move.from_stage in route else None
        end = route.index(move.to_stage) if move.to_stage in route else None
        if start is not None and end is not None and end > start + 1:
            found["skip"].update(route[start + 1 : end])
            if move.kind == "won":
                found["jump_to_won"].add(move.from_stage)
        if move.kind == "back":
            found["back"].add(move.from_stage)
        if move.kind == "reopen":
            found["reopen"].add(move.to_stage)
        if move.overridden:
            found["override"].add(move.from_stage)
        if move.kind != "lost":
            if move.to_stage in entered:
                found["loop"].add(move.to_stage)
            entered.add(move.to_stage)
    return found


def techniques(world: World, cohort: list[DealRow]) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (stage, technique) — technique "" for every deal that entered the stage — the deals,
    how many passed the stage, won, lost, and the mean of their total completed time there."""
    users: dict[tuple[str, str], set[int]] = defaultdict(set)
    members = {d.pk for d in cohort}
    for activity in world.activities:
        if activity.deal in members and activity.done and activity.technique and activity.stage:
            users[(activity.stage, activity.technique)].add(activity.deal)
    for deal in cohort:
        for move in deal.moves:
            if move.kind != "lost":
                users[(move.to_stage, "")].add(deal.pk)
    result = {}
    for (stage, technique), deal_ids in users.items():
        deals = [world.deals[pk] for pk in deal_ids]
        times = []
        for deal in deals:
            spent = [m.seconds for m in deal.moves if m.from_stage == stage and m.kind != "created"]
            if spent:
                times.append(sum(s or 0 for s in spent) / 86400)
        result[(stage, technique)] = {
            "deals": len(deals),
            "converted": sum(
                1
                for d in deals
                if (furthest(world, d) or -1) > world.definitions[d.version].index(stage)
            ),
            "won": sum(1 for d in deals if d.status == "won"),
            "lost": sum(1 for d in deals if d.status == "lost"),
            "time": sum(times) / len(times) if times else None,
            "timed": len(times),
        }
    return result
