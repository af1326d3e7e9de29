"""What every report hands to the command line and to CSV downloads: named tables of plain values.

No Django here, so the command line can import it before Django is set up, and another package
(the forecasting reports) can produce the same shape. A report is a :class:`ReportOutput`: a
name, a few facts about its scope (``meta``) and one or more :class:`Table`. Cells are plain
values (``str``, ``int``, ``float`` or ``None``); each :class:`Column` says how to show them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from traseu.core.models import User

# How a column's values are shown in text output (CSV and JSON keep the raw values).
# "deal" holds a deal id (pages link it); "status" a stable code (met, missed...) pages translate.
ColumnKind = Literal["text", "int", "rate", "days", "money", "number", "deal", "status"]
Cell = str | int | float | None


@dataclass(frozen=True)
class ReportRequest:
    """What a report is asked for. ``user`` None means every deal (the command line without
    ``--as``); otherwise only the deals that user may see. Dates are inclusive, in the
    configured time zone."""

    process: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    user: User | None = None
    now: dt.datetime | None = None
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: ColumnKind = "text"


@dataclass
class Table:
    """One table of a report: ``rows`` are dicts keyed by the columns' keys."""

    key: str
    title: str
    columns: Sequence[Column]
    rows: list[dict[str, Cell]] = field(default_factory=list)
    note: str = ""
    fold: bool = False  # pages show the rows folded away (a chart says it better)

    def cells(self, row: Mapping[str, Cell]) -> list[tuple[Column, Cell]]:
        return [(column, row.get(column.key)) for column in self.columns]


@dataclass
class ReportOutput:
    name: str
    title: str
    meta: dict[str, Cell] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)

    def table(self, key: str | None) -> Table:
        """The table called ``key`` (the first one when ``key`` is empty); KeyError if none."""
        if not key:
            return self.tables[0]
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)


def show(kind: ColumnKind, value: Cell) -> str:
    """A cell as people read it: rates as percentages, days with one decimal."""
    if value is None:
        return "\N{EN DASH}"
    if isinstance(value, str):
        return value
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "days":
        return f"{value:.1f}"
    if kind == "money":
        return f"{value:,.2f}"
    if kind in ("int", "deal"):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def as_text(output: ReportOutput) -> str:
    """Every table as aligned text columns under its title, numbers right-aligned."""
    blocks = [_meta_line(output)]
    for table in output.tables:
        blocks.append(table.title)
        rows = [[show(c.kind, v) for c, v in table.cells(row)] for row in table.rows]
        headers = [column.label for column in table.columns]
        widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
        numeric = [column.kind not in ("text", "status") for column in table.columns]
        for row in [headers, *rows]:
            cells = [
                cell.rjust(width) if right else cell.ljust(width)
                for cell, width, right in zip(row, widths, numeric, strict=True)
            ]
            blocks.append("  " + "  ".join(cells).rstrip())
        if not table.rows:
            blocks.append("  (no data)")
        if table.note:
            blocks.append("  " + table.note)
        blocks.append("")
    return "\n".join(blocks).rstrip() + "\n"


def _meta_line(output: ReportOutput) -> str:
    facts = ", ".join(f"{key} {value}" for key, value in output.meta.items() if value is not None)
    return f"{output.title} ({facts})\n" if facts else f"{output.title}\n"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Cell) -> str | int | float:
    """A raw value for CSV: empty for none, and text a spreadsheet would run as a formula
    (a deal titled ``=HYPERLINK(...)``) behind an apostrophe, as the audit export does."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def as_csv(table: Table) -> str:
    """One table as CSV with a header row of column keys; raw values, empty for none."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([column.key for column in table.columns])
    for row in table.rows:
        writer.writerow([csv_cell(value) for _column, value in table.cells(row)])
    return buffer.getvalue()


def as_json(output: ReportOutput) -> str:
    document: dict[str, Any] = {
        "report": output.name,
        **output.meta,
        "tables": {
            table.key: [{c.key: v for c, v in table.cells(row)} for row in table.rows]
            for table in output.tables
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"


def merged(*parts: Mapping[str, Cell]) -> dict[str, Cell]:
    """One table row from several mappings of cells (later keys win)."""
    row: dict[str, Cell] = {}
    for part in parts:
        row.update(part)
    return row


def ratio(part: float | int | None, whole: float | int | None) -> float | None:
    """``part / whole``, or None when there is nothing to divide by."""
    if part is None or not whole:
        return None
    return part / whole
