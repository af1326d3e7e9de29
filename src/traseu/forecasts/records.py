"""Deals read from the database into :class:`traseu.forecasting.history.DealRecord` values.

:func:`deal_records` costs six queries whatever the number of deals (plus one per process
version not loaded yet): the deals with their accounts, then their stage changes, done
activities, qualification answers and field edits, each in one query over the same set of
deals. A small set is passed as a list of ids; a large one as a subquery.

:func:`current_records` reads only what scoring the deals now needs (see its docstring): a
period's forecast scores a hundred thousand open deals, and their full histories cost more
than the model.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, OuterRef, QuerySet, Subquery

from traseu.crm.models import (
    Activity,
    Deal,
    DealStatus,
    QualificationAnswer,
    StageChange,
    TimelineEvent,
)
from traseu.forecasting.history import Account, Answer, DealRecord, Edit, Stay
from traseu.process.definition import ProcessDefinition, StageKind
from traseu.processes.models import ProcessVersion
from traseu.processes.selectors import process_definition

ID_LIST_LIMIT = 500  # up to this many deals, related rows are fetched by a list of ids
DEAL_FIELDS = (
    "pk",
    "process_version_id",
    "process_version__process__key",
    "status",
    "created_at",
    "closed_at",
    "amount",
    "source",
    "expected_close",
    "custom",
    "team__name",
    "account__industry",
    "account__employees",
    "account__annual_revenue",
    "account__country",
    "account__is_customer",
)


def route_of(definition: ProcessDefinition) -> tuple[tuple[str, ...], dict[str, float]]:
    """The pre-sale stages of a definition in route order, and their designed probabilities."""
    stages = [s for s in definition.route if s.kind is StageKind.PRE_SALE]
    return tuple(s.key for s in stages), {s.key: float(s.probability) for s in stages}


def definitions(version_ids: Iterable[int]) -> dict[int, ProcessDefinition]:
    """Process version id -> definition (cached per version by the processes app)."""
    versions = ProcessVersion.objects.filter(pk__in=set(version_ids)).only("pk", "digest")
    return {version.pk: process_definition(version) for version in versions}


def deal_records(deals: QuerySet[Deal]) -> list[DealRecord]:
    """Every deal of ``deals`` (which may be sliced) with its history."""
    rows = list(deals.values(*DEAL_FIELDS))
    if not rows:
        return []
    ids: Any = [row["pk"] for row in rows]
    if len(ids) > ID_LIST_LIMIT:
        ids = deals.values("pk")
    stays = _stays(ids)
    activities = _activities(ids)
    answers = _answers(ids)
    edits = _edits(ids)
    routes = {
        pk: route_of(d) for pk, d in definitions(r["process_version_id"] for r in rows).items()
    }
    return [
        _record(row, routes[row["process_version_id"]], stays, activities, answers, edits)
        for row in rows
    ]


def current_records(deals: QuerySet[Deal], now: dt.datetime) -> list[DealRecord]:
    """The deals of ``deals`` (not sliced) as :func:`~traseu.forecasting.history.current_snapshot`
    reads them at ``now``, in six queries without the full histories. A closed deal gets no
    history (it is not scored). An open deal gets its last move as its only stay (the one stay
    a current snapshot reads); its activities done by ``now`` are counted per type in SQL, each
    count carrying the type's latest time (a current snapshot's moment is never before ``now``,
    so it counts them all), and activities dated after ``now`` are read one by one. Answers and
    field edits are read in full (a deal has a few)."""
    moves = StageChange.objects.filter(deal=OuterRef("pk")).order_by("-changed_at", "-pk")
    rows = list(
        deals.values(
            *DEAL_FIELDS,
            last_stage=Subquery(moves.values("to_stage")[:1]),
            last_moved=Subquery(moves.values("changed_at")[:1]),
        )
    )
    if not rows:
        return []
    open_rows = [row for row in rows if row["status"] == DealStatus.OPEN]
    ids: Any = [row["pk"] for row in open_rows]
    if len(ids) > ID_LIST_LIMIT:
        ids = deals.filter(status=DealStatus.OPEN).values("pk")
    stays = {row["pk"]: [(row["last_stage"], row["last_moved"])] for row in open_rows}
    stays = {pk: moves for pk, moves in stays.items() if moves[0][1] is not None}
    activities = _activity_counts(ids, now) if open_rows else {}
    answers = _answers(ids) if open_rows else {}
    edits = _edits(ids) if open_rows else {}
    routes = {
        pk: route_of(d) for pk, d in definitions(r["process_version_id"] for r in rows).items()
    }
    return [
        _record(row, routes[row["process_version_id"]], stays, activities, answers, edits)
        for row in rows
    ]


def _activity_counts(ids: Any, now: dt.datetime) -> dict[int, list[tuple[dt.datetime, str]]]:
    """Done activities per deal for a current snapshot: ``(latest time, type)`` repeated once
    per activity of the type done by ``now``, then the later ones as they are; sorted by time."""
    done: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
    rows = Activity.objects.filter(deal_id__in=ids, done=True, done_at__isnull=False)
    counted = (
        rows.filter(done_at__lte=now)
        .order_by()
        .values("deal_id", "type")
        .annotate(n=Count("pk"), last=Max("done_at"))
        .values_list("deal_id", "type", "n", "last")
    )
    for deal_id, kind, count, last in counted:
        done[deal_id] += [(last, kind)] * count
    later = rows.filter(done_at__gt=now).values_list("deal_id", "done_at", "type")
    for deal_id, at, kind in later:
        if at is not None:  # filtered out above; this tells the type checker
            done[deal_id].append((at, kind))
    for found in done.values():
        found.sort()
    return done


def _record(
    row: Mapping[str, Any],
    route: tuple[tuple[str, ...], dict[str, float]],
    stays: Mapping[int, list[tuple[str, dt.datetime]]],
    activities: Mapping[int, list[tuple[dt.datetime, str]]],
    answers: Mapping[int, list[Answer]],
    edits: Mapping[int, list[Edit]],
) -> DealRecord:
    pk, (stages, designed) = row["pk"], route
    status = row["status"]
    return DealRecord(
        deal_id=pk,
        process=row["process_version__process__key"],
        route=stages,
        designed=designed,
        created_at=row["created_at"],
        stays=_chain(stays.get(pk, []), set(stages)),
        won=None if status == DealStatus.OPEN else status == DealStatus.WON,
        closed_at=row["closed_at"],
        amount=_float(row["amount"]),
        source=row["source"] or "",
        team=row["team__name"] or "",
        expected_close=row["expected_close"],
        custom=row["custom"] if isinstance(row["custom"], dict) else {},
        account=Account(
            industry=row["account__industry"] or "",
            employees=row["account__employees"],
            annual_revenue=_float(row["account__annual_revenue"]),
            country=row["account__country"] or "",
            is_customer=bool(row["account__is_customer"]),
        ),
        activities=tuple(activities.get(pk, [])),
        answers=tuple(answers.get(pk, [])),
        edits=tuple(edits.get(pk, [])),
    )


def _chain(moves: list[tuple[str, dt.datetime]], pre_sale: set[str]) -> tuple[Stay, ...]:
    """Stays from the moves: each move starts a stay that the next move ends. Only stays in
    pre-sale stages are kept (won, lost and after-sale stays are outcomes, not stages to score)."""
    stays = []
    for position, (stage, entered) in enumerate(moves):
        left = moves[position + 1][1] if position + 1 < len(moves) else None
        if stage in pre_sale:
            stays.append(Stay(stage, entered, left))
    return tuple(stays)


def _stays(ids: Any) -> dict[int, list[tuple[str, dt.datetime]]]:
    moves: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
    rows = (
        StageChange.objects.filter(deal_id__in=ids)
        .order_by("deal_id", "changed_at", "pk")
        .values_list("deal_id", "to_stage", "changed_at")
    )
    for deal_id, stage, at in rows:
        moves[deal_id].append((stage, at))
    return moves


def _activities(ids: Any) -> dict[int, list[tuple[dt.datetime, str]]]:
    done: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
    rows = (
        Activity.objects.filter(deal_id__in=ids, done=True, done_at__isnull=False)
        .order_by("deal_id", "done_at", "pk")
        .values_list("deal_id", "done_at", "type")
    )
    for deal_id, at, kind in rows:
        if at is not None:  # filtered out above; this tells the type checker
            done[deal_id].append((at, kind))
    return done


def _answers(ids: Any) -> dict[int, list[Answer]]:
    answers: dict[int, list[Answer]] = defaultdict(list)
    rows = (
        QualificationAnswer.objects.filter(deal_id__in=ids)
        .order_by("deal_id", "answered_at", "pk")
        .values_list("deal_id", "answered_at", "framework", "criterion", "status")
    )
    for deal_id, at, framework, criterion, status in rows:
        answers[deal_id].append(Answer(at, f"{framework}.{criterion}", status))
    return answers


def _edits(ids: Any) -> dict[int, list[Edit]]:
    edits: dict[int, list[Edit]] = defaultdict(list)
    rows = (
        TimelineEvent.objects.filter(deal_id__in=ids, kind="deal.updated")
        .order_by("deal_id", "at", "pk")
        .values_list("deal_id", "at", "data")
    )
    for deal_id, at, data in rows:
        if isinstance(data, dict):
            edits[deal_id].append(Edit(at, data.get("before") or {}, data.get("after") or {}))
    return edits


def _float(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)
