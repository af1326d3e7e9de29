"""SQL building blocks the reports share: durations in seconds, percentiles, route positions.

Everything here runs on SQLite and PostgreSQL. Where the two differ (interval arithmetic,
ordered-set aggregates) the expression renders per backend.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, RowNumber
from django.utils import timezone

from traseu.process.definition import ProcessDefinition

DAY = 86400.0


class Seconds(Func):
    """A DurationField as seconds (a float). SQLite stores durations as microseconds."""

    output_field = FloatField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        template = "(%(expressions)s / 1000000.0)"
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        template = "EXTRACT(EPOCH FROM %(expressions)s)"
        return self.as_sql(compiler, connection, template=template, **extra_context)


class SecondsBetween(Func):
    """``end - start`` in seconds for two datetime columns (julianday on SQLite, which is C,
    not the Python function Django registers for timestamp differences)."""

    output_field = FloatField()
    arity = 2

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        template, joiner = "((julianday(%(expressions)s)) * 86400.0)", ") - julianday("
        return self.as_sql(
            compiler, connection, template=template, arg_joiner=joiner, **extra_context
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        template = "EXTRACT(EPOCH FROM (%(expressions)s))"
        return self.as_sql(
            compiler, connection, template=template, arg_joiner=" - ", **extra_context
        )


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(f) WITHIN GROUP (ORDER BY x)``: linear interpolation
    between the two nearest ranks, at rank ``f * (n - 1)`` counted from 0."""

    function = "percentile_cont"
    name = "PercentileCont"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError(f"fraction {fraction} is outside [0, 1]")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def interpolate(ranked: Mapping[int, float], n: int, fraction: float) -> float:
    """``percentile_cont`` from the values at 1-based ranks (only the two neighbours needed)."""
    h = (n - 1) * fraction
    low = int(h)
    value = ranked[low + 1]
    if h > low and low + 2 in ranked:
        value += (h - low) * (ranked[low + 2] - value)
    return value


def grouped_percentiles(
    rows: QuerySet[Any],
    *,
    value: Expression,
    groups: Sequence[str],
    fractions: Sequence[float],
    with_count: bool = False,
) -> dict[tuple[Any, ...], list[float]]:
    """Percentiles of ``value`` per group of ``rows``, in one query (and, ``with_count``, the
    number of values last).

    PostgreSQL computes them with ``percentile_cont``. SQLite has no ordered-set aggregates, so
    one windowed query ranks the values per group and returns only the (at most two) rows
    around each wanted rank; the interpolation between those two numbers is done here. Nulls
    are ignored. Groups without values are absent from the result.
    """
    rows = rows.annotate(_value=value).filter(_value__isnull=False).order_by()
    if connection.vendor == "postgresql":
        aggregates: dict[str, Any] = {
            f"_p{i}": PercentileCont("_value", f) for i, f in enumerate(fractions)
        }
        result = rows.values(*groups).annotate(**aggregates, _n=Count("_value"))
        return {
            tuple(row[g] for g in groups): [row[f"_p{i}"] for i in range(len(fractions))]
            + ([row["_n"]] if with_count else [])
            for row in result
        }
    found = _windowed_percentiles(rows, groups=groups, fractions=fractions)
    return {key: values if with_count else values[:-1] for key, values in found.items()}


def _windowed_percentiles(
    rows: QuerySet[Any], *, groups: Sequence[str], fractions: Sequence[float]
) -> dict[tuple[Any, ...], list[float]]:
    partition = [F(g) for g in groups]
    ranked = rows.annotate(
        _rank=Window(RowNumber(), partition_by=partition, order_by=F("_value").asc()),
        _n=Window(Count("*"), partition_by=partition),
    )
    wanted = Q()
    for fraction in fractions:
        # CAST truncates toward zero on SQLite, which is floor() for these non-negative ranks.
        low = Cast((F("_n") - 1) * Value(float(fraction)), IntegerField()) + 1
        wanted |= Q(_rank=low) | Q(_rank=low + 1)
    picked: dict[tuple[Any, ...], tuple[int, dict[int, float]]] = {}
    for row in ranked.filter(wanted).values(*groups, "_rank", "_n", "_value"):
        key = tuple(row[g] for g in groups)
        picked.setdefault(key, (row["_n"], {}))[1][row["_rank"]] = row["_value"]
    return {
        key: [*(interpolate(values, n, f) for f in fractions), n]
        for key, (n, values) in picked.items()
    }


def percentile(values: Iterable[float], fraction: float) -> float | None:
    """The same definition in plain Python (for small in-memory lists and for the tests)."""
    ordered = sorted(values)
    if not ordered:
        return None
    return interpolate(dict(enumerate(ordered, start=1)), len(ordered), fraction)


def route_position(
    field: str, definitions: Mapping[int, ProcessDefinition], *, version: str
) -> Case:
    """The position on its version's route of the stage named in ``field`` (0 = first stage;
    the lost outcome and unknown keys: NULL). ``version`` is the column holding the version."""
    whens = [
        When(Q(**{version: version_id, field: stage.key}), then=Value(index))
        for version_id, definition in definitions.items()
        for index, stage in enumerate(definition.route)
    ]
    return Case(*whens, default=None, output_field=IntegerField())


def days(seconds: float | None) -> float | None:
    return None if seconds is None or math.isnan(seconds) else seconds / DAY


def month_number(day: dt.date) -> int:
    """Months since year 0: ``year * 12 + month - 1`` (what :func:`month_index` returns)."""
    return day.year * 12 + day.month - 1


def month_start(number: int) -> dt.date:
    return dt.date(number // 12, number % 12 + 1, 1)


def month_index(field: str, first: dt.datetime, last: dt.datetime) -> Case:
    """The month (see :func:`month_number`) of ``field`` in the current time zone, for values
    between ``first`` and ``last``. A CASE over the months' first instants: plain comparisons
    that both databases run natively (Django's TruncMonth runs in Python on SQLite)."""
    zone = timezone.get_current_timezone()
    low = month_number(timezone.localtime(first, zone).date())
    high = month_number(timezone.localtime(last, zone).date())
    whens = [
        When(
            **{
                f"{field}__gte": timezone.make_aware(dt.datetime.combine(month_start(n), dt.time()))
            },
            then=Value(n),
        )
        for n in range(high, low - 1, -1)
    ]
    return Case(*whens, default=None, output_field=IntegerField())
