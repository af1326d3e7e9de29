"""Lists answered from ``.values()`` rows instead of model instances: the API's fast path.

A page of 50 deals read as model instances (with account, owner, team and process joined),
validated through django-ninja's schema machinery and rendered by its JSON encoder cost about
9 ms (SQLite, in one process); read with ``.values()``, shaped into nested dicts, checked
against a TypedDict twin of the response schema and written to JSON by pydantic, about 3 ms
(bench/load.py measures it on the server). The values are the same: the twin has the schema's
fields and types, times are written as the API's renderer writes them, and a test compares
every listed deal with the one-deal answer.

A :class:`Columns` maps each field of the response schema to a ``values()`` path, or to a
nested :class:`Columns` for a nested object; :func:`twin` builds (once) the TypedDict.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Union

from django.http import HttpResponse
from ninja import Schema
from pydantic import PlainSerializer, TypeAdapter
from typing_extensions import TypedDict


@dataclass(frozen=True)
class Columns:
    """Schema field name -> a ``values()`` path (``"account__name"``) or a nested Columns."""

    fields: Mapping[str, str | Columns]

    def paths(self) -> list[str]:
        """Every ``values()`` path the shape reads, in declaration order."""
        found: list[str] = []
        for source in self.fields.values():
            found += source.paths() if isinstance(source, Columns) else [source]
        return found

    def shape(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """One flat ``values()`` row as the nested dict the schema describes."""
        return {
            name: source.shape(row) if isinstance(source, Columns) else row[source]
            for name, source in self.fields.items()
        }


def _as_django_json(value: dt.datetime) -> str:
    """A time as the API's renderer (Django's JSON encoder) writes it: ISO 8601, microseconds
    cut to milliseconds, UTC as ``Z``; a listed deal must read exactly like the deal itself."""
    text = value.isoformat()
    if value.microsecond:
        text = text[:23] + text[26:]
    return text[:-6] + "Z" if text.endswith("+00:00") else text


_DATETIME = Annotated[dt.datetime, PlainSerializer(_as_django_json, when_used="json")]


def _twin_type(annotation: Any) -> Any:
    if annotation is dt.datetime:
        return _DATETIME
    if isinstance(annotation, type) and issubclass(annotation, Schema):
        return twin(annotation)
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        members = tuple(_twin_type(arg) for arg in typing.get_args(annotation))
        return functools.reduce(lambda left, right: left | right, members)
    if origin is list:
        (item,) = typing.get_args(annotation)
        return list.__class_getitem__(_twin_type(item))
    return annotation


@functools.cache
def twin(schema: type[Schema]) -> Any:
    """A TypedDict with ``schema``'s fields and types (nested schemas twinned too), every field
    required: pydantic checks and writes plain dicts against it without building a model
    instance per row or django-ninja's attribute resolution, which is what costs."""
    fields = {name: _twin_type(info.annotation) for name, info in schema.model_fields.items()}
    return TypedDict(f"{schema.__name__}Row", fields)  # type: ignore[operator]


@functools.cache
def _list_adapter(schema: type[Schema]) -> TypeAdapter[list[Any]]:
    rows: Any = list.__class_getitem__(twin(schema))  # list[the twin], built at run time
    return TypeAdapter(rows)


def page_response(
    schema: type[Schema],
    columns: Columns,
    rows: Iterable[Mapping[str, Any]],
    next_cursor: str | None,
) -> HttpResponse:
    """A ``{"items", "next_cursor"}`` page, its JSON written by pydantic (in Rust): the same
    values as the API's renderer writes, without its per-value Python calls."""
    adapter = _list_adapter(schema)
    items = adapter.dump_json(adapter.validate_python([columns.shape(row) for row in rows]))
    body = b'{"items":%s,"next_cursor":%s}' % (items, json.dumps(next_cursor).encode())
    return HttpResponse(body, content_type="application/json; charset=utf-8")
