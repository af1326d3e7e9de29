"""Per-deal facts about the path a deal took, as correlated subqueries over its stage changes.

Each move is read against the version it was made on (``StageChange.process_version``), so a
position is always a position on that version's route. These expressions are annotations for
deal querysets (``OuterRef("pk")`` is the deal) or, with ``deal_ref``, for other rows that
point at a deal; the deviation tests compare stage keys with lists taken from each version's
route, which is much cheaper per row than computing positions.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping
from typing import Any

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.lookups import GreaterThan

from traseu.analytics.sql import route_position
from traseu.crm.models import DealStatus, MoveKind, StageChange
from traseu.process.definition import ProcessDefinition

VERSION = "process_version_id"


def furthest_position(
    definitions: Mapping[int, ProcessDefinition], *, deal_ref: str = "pk"
) -> Subquery:
    """The furthest route position the deal ever entered (back moves do not undo it)."""
    rows = (
        StageChange.objects.filter(deal=OuterRef(deal_ref))
        .order_by()
        .values("deal")
        .annotate(furthest=Max(route_position("to_stage", definitions, version=VERSION)))
        .values("furthest")
    )
    return Subquery(rows, output_field=IntegerField())


def lost_at() -> Case:
    """For a lost deal, the stage it was lost from (its latest move to lost); else NULL."""
    latest = (
        StageChange.objects.filter(deal=OuterRef("pk"), kind=MoveKind.LOST)
        .order_by("-changed_at", "-pk")
        .values("from_stage")[:1]
    )
    return Case(When(status=DealStatus.LOST, then=Subquery(latest)), default=None)


# The deviations of a path from the designed route (see docs/analytics.md), as conditions on
# one stage-change row. They compare stage keys with lists taken from each version's route
# (cheap string tests), never positions computed per row.
def skips(definitions: Mapping[int, ProcessDefinition]) -> Q:
    """The move passes over at least one stage of its version's route."""
    found = Q(pk__in=[])
    for version_id, definition in definitions.items():
        keys = [stage.key for stage in definition.route]
        for index, key in enumerate(keys[:-2]):
            found |= Q(
                process_version_id=version_id, from_stage=key, to_stage__in=keys[index + 2 :]
            )
    return found


def skips_over(definitions: Mapping[int, ProcessDefinition], stage: str) -> Q:
    """The move passes over ``stage``: from a stage before it to a stage after it."""
    found = Q(pk__in=[])
    for version_id, definition in definitions.items():
        keys = [s.key for s in definition.route]
        if stage in keys:
            here = keys.index(stage)
            found |= Q(
                process_version_id=version_id,
                from_stage__in=keys[:here],
                to_stage__in=keys[here + 1 :],
            )
    return found


def early_wins(definitions: Mapping[int, ProcessDefinition]) -> Q:
    """A win from a stage before the last pre-sale stage (the move into won skips stages)."""
    found = Q(pk__in=[])
    for version_id, definition in definitions.items():
        keys = [stage.key for stage in definition.route]
        early = keys[: keys.index(definition.won.key) - 1]
        if early:
            found |= Q(process_version_id=version_id, from_stage__in=early)
    return Q(kind=MoveKind.WON) & found


def deviation_conditions(definitions: Mapping[int, ProcessDefinition]) -> dict[str, Q]:
    """Per deviation but loops (a property of several rows), the rows that are one."""
    return {
        "skip": skips(definitions),
        "back": Q(kind=MoveKind.BACK),
        "override": Q(overridden=True),
        "jump_to_won": early_wins(definitions),
        "reopen": Q(kind=MoveKind.REOPEN),
    }


DEVIATIONS = ("skip", "back", "loop", "override", "jump_to_won", "reopen")


def deviation_mask(definitions: Mapping[int, ProcessDefinition]) -> Subquery:
    """For a deal queryset: the deviations of the deal's path as bits (bit i set: the path
    has ``DEVIATIONS[i]``), in one correlated subquery over the deal's moves. A loop is a stage
    (other than lost) entered more than once: more entries than stages entered."""
    conditions = deviation_conditions(definitions)
    entries = ~Q(kind=MoveKind.LOST)
    terms: list[Any] = []
    for bit, name in enumerate(DEVIATIONS):
        if name == "loop":
            looped: GreaterThan[Any] = GreaterThan(
                Count("pk", filter=entries), Count("to_stage", distinct=True, filter=entries)
            )
            terms.append(Case(When(looped, then=Value(1 << bit)), default=Value(0)))
        else:
            terms.append(Max(Case(When(conditions[name], then=Value(1 << bit)), default=Value(0))))
    rows = (
        StageChange.objects.filter(deal=OuterRef("pk"))
        .order_by()
        .values("deal")
        .annotate(mask=functools.reduce(operator.add, terms))
        .values("mask")
    )
    return Subquery(rows, output_field=IntegerField())


def deviations_in(mask: int | None) -> list[str]:
    """The deviations a :func:`deviation_mask` value holds."""
    return [name for bit, name in enumerate(DEVIATIONS) if (mask or 0) & (1 << bit)]
