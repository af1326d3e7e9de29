"""Fast inserts for the analytics benchmark: plain rows straight into a model's table.

``bulk_create`` prepares every value through the field machinery (about 3,500 rows a second
measured here), too slow for millions of rows. This writes rows given as dicts of attribute
values, fills every other column with its field's default, converts values with a few fast
rules per field type, and sends them with ``executemany`` (SQLite) or ``COPY`` (PostgreSQL).
Ids are given by the caller; PostgreSQL's sequences are reset afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.utils import timezone

Row = Mapping[str, Any]


def _converter(field: models.Field[Any, Any], pg: bool) -> Callable[[Any], Any]:
    kind = field.get_internal_type()
    if kind == "JSONField":
        return lambda v: json.dumps(v)
    if pg:
        return lambda v: v
    if kind == "DateTimeField":
        return lambda v: (
            v if v is None else v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
        )
    if kind == "DurationField":
        return lambda v: v if v is None else v // dt.timedelta(microseconds=1)
    if kind == "DecimalField":
        return lambda v: v if v is None else str(v)
    if kind == "DateField":
        return lambda v: v if v is None else v.isoformat()
    return lambda v: v


def insert(model: type[models.Model], rows: Iterable[Row]) -> int:
    """Insert ``rows`` (attribute name -> value, ``id`` included) into ``model``'s table."""
    pg = connection.vendor == "postgresql"
    fields = list(model._meta.concrete_fields)
    now = timezone.now()
    defaults = {}
    for field in fields:
        automatic = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        defaults[field.attname] = now if automatic else field.get_default()
    convert = [_converter(field, pg) for field in fields]
    names = [f.attname for f in fields]
    values = [
        tuple(c(row.get(name, defaults[name])) for c, name in zip(convert, names, strict=True))
        for row in rows
    ]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if pg:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)  # noqa: S608
    return len(values)


def reset_sequences(*models_: type[models.Model]) -> None:
    """After explicit ids, let the database's id sequences continue after the largest id."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
