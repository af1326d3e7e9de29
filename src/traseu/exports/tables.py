"""An export as a table: its header and its rows, one at a time, for the acting user.

Custom attributes become extra columns, one per key in use among the exported records (found
by a first pass that keeps only the keys and their kinds of value); a header that would
repeat a column is written ``custom.KEY``. :func:`import_mapping` writes the mapping document
that imports the file back (``traseu import KIND FILE --mapping``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml

from traseu.core.models import User
from traseu.exports.cells import Cell, export_cell
from traseu.exports.kinds import Filters, Kind, in_chunks, kind_named
from traseu.prospecting.selectors import prospect_list_for


@dataclass(frozen=True)
class CustomColumn:
    header: str
    key: str
    type: str  # number or text, as the import's mapping types them


@dataclass
class Table:
    kind: Kind
    header: list[str]
    custom: list[CustomColumn]
    rows: Iterator[list[Cell]] = field(repr=False)


def export_table(*, kind: str, acting_user: User, filters: Filters | None = None) -> Table:
    """The rows of ``kind`` that ``acting_user`` may see, as cells (formula-safe), with the
    header; reading happens as the rows are consumed. An unknown kind is InvalidInput; a
    prospect list the user may not see, NotFound."""
    spec = kind_named(kind)
    filters = filters or Filters()
    if filters.prospect_list is not None:
        prospect_list_for(acting_user, filters.prospect_list)  # not visible: NotFound
    records = spec.records(acting_user, filters)
    custom = _custom_columns(records, spec) if spec.has_custom else []
    header = [*spec.columns, *spec.extra, *(column.header for column in custom)]

    def rows() -> Iterator[list[Cell]]:
        for record in in_chunks(records):
            values = spec.values(record)
            if custom:
                found = getattr(record, "custom", None)
                stored = found if isinstance(found, dict) else {}
                values += [stored.get(column.key) for column in custom]
            yield [export_cell(value) for value in values]

    return Table(spec, header, custom, rows())


def _custom_columns(records: Any, spec: Kind) -> list[CustomColumn]:
    kinds: dict[str, set[str]] = {}
    for custom in records.order_by().values_list("custom", flat=True).iterator(chunk_size=5000):
        for key, value in (custom or {}).items():
            kinds.setdefault(str(key), set()).add(_value_kind(value))
    taken = set(spec.columns) | set(spec.extra)
    columns = []
    for key in sorted(kinds):
        header = f"custom.{key}" if key in taken else key
        number = kinds[key] <= {"number", "blank"} and "number" in kinds[key]
        columns.append(CustomColumn(header, key, "number" if number else "text"))
    return columns


def _value_kind(value: Any) -> str:
    if value is None or value == "":
        return "blank"
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return "number"
    return "text"


def import_mapping(table: Table, *, source: str = "traseu") -> str:
    """The mapping document (YAML) that imports this export back: every import column by
    its own name, times in UTC, the custom columns with their keys and types."""
    document: dict[str, Any] = {
        "kind": table.kind.key,
        "source": source,
        "columns": {column: column for column in table.kind.columns},
        "dates": {"timezone": "UTC"},
    }
    if table.custom:
        document["custom"] = [
            {"column": column.header, "key": column.key, "type": column.type}
            for column in table.custom
        ]
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def file_name(kind: str, extension: str, *, today: dt.date | None = None) -> str:
    """``traseu-accounts-2026-11-28.csv``."""
    return f"traseu-{kind}-{(today or dt.date.today()).isoformat()}.{extension}"
