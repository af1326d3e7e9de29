"""Cursor (keyset) pagination: stable pages however many rows are added or removed meanwhile.

A list is ordered by one sort key and then by id, both in the same direction. The cursor is an
opaque token holding the sort name and the last row's sort value and id; the next page starts
strictly after that pair, with an indexed comparison instead of an OFFSET, so page 1,000 costs
what page 1 costs. A cursor is only valid with the sort it was made for.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Expression, F, Model, Q, QuerySet
from django.utils.translation import gettext as _

from traseu.core.errors import InvalidInput, TraseuError

M = TypeVar("M", bound=Model)
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class Page(Generic[M]):
    items: list[M]
    next_cursor: str | None


def _encode(sort: str, value: Any, pk: int) -> str:
    if isinstance(value, dt.datetime | dt.date):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    raw = json.dumps({"s": sort, "v": value, "id": pk}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, sort: str) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        value, pk = data["v"], int(data["id"])
        made_for = data["s"]
    except (ValueError, binascii.Error, KeyError, TypeError) as error:
        raise TraseuError(_("The cursor is not valid."), code="invalid_cursor") from error
    if made_for != sort:
        raise TraseuError(
            _("This cursor was made for sort '%(made)s', not '%(sort)s'.")
            % {"made": made_for, "sort": sort},
            code="invalid_cursor",
        )
    return value, pk


def sort_choices(keys: Mapping[str, Any]) -> list[str]:
    """Every accepted ``sort`` value: each key, ascending or descending (``-key``)."""
    return [name for key in keys for name in (key, f"-{key}")]


def paginate(
    queryset: QuerySet[M],
    *,
    sort: str,
    keys: Mapping[str, str | Expression],
    cursor: str | None,
    limit: int = DEFAULT_LIMIT,
    values: Sequence[str] | None = None,
) -> Page[Any]:
    """One page of ``queryset`` sorted by ``sort`` (a key of ``keys``, ``-`` for descending).

    ``keys`` maps sort names to a field or to an expression that is never null (wrap nullable
    fields in Coalesce), since rows with a null sort value could not be placed after a cursor.
    Fetches ``limit + 1`` rows in one query to know whether there is a next page. With
    ``values``, the items are ``.values(*values)`` dicts instead of model instances.
    """
    descending = sort.startswith("-")
    name = sort.removeprefix("-")
    if name not in keys:
        raise InvalidInput(
            _("Unknown sort '%(sort)s'; use one of: %(sorts)s.")
            % {"sort": sort, "sorts": ", ".join(sort_choices(keys))},
            details={"field": "sort"},
        )
    key = keys[name]
    # A plain field that the rows read anyway sorts as itself: no annotation, no second copy
    # of each row's sort value to fetch and convert.
    plain = values is not None and isinstance(key, str) and key in values
    field = str(key) if plain else "sort_key"
    rows = (
        queryset if plain else queryset.annotate(sort_key=F(key) if isinstance(key, str) else key)
    )
    direction = "-" if descending else ""
    rows = rows.order_by(f"{direction}{field}", f"{direction}pk")
    if cursor:
        rows = _after(rows, field, *_decode(cursor, sort), descending=descending)
    limit = min(max(limit, 1), MAX_LIMIT)
    id_path = "pk"
    if values is not None:
        id_path = "id" if "id" in values else "pk"
        extra = [] if plain else ["sort_key"]
        rows = rows.values(*values, *extra, *([] if id_path == "id" else ["pk"]))
    items = list(rows[: limit + 1])
    if len(items) <= limit:
        return Page(items, None)
    items = items[:limit]
    last = items[-1]
    if values is not None:
        return Page(items, _encode(sort, last[field], int(last[id_path])))
    return Page(items, _encode(sort, getattr(last, "sort_key"), int(last.pk)))  # noqa: B009


def _after(rows: QuerySet[M], field: str, value: Any, pk: int, *, descending: bool) -> QuerySet[M]:
    """The rows strictly after (``value`` of ``field``, ``pk``) in the sort order."""
    after = "lt" if descending else "gt"
    try:  # a tampered value (a date that is not one, a null) fails here, as the query is built
        return rows.filter(
            Q(**{f"{field}__{after}": value}) | Q(**{field: value, f"pk__{after}": pk})
        )
    except (DjangoValidationError, ValueError, TypeError) as error:
        raise TraseuError(_("The cursor is not valid."), code="invalid_cursor") from error
