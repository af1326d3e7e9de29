"""Cell values for export files: typed where the file can hold a type, and never a formula.

A text cell a spreadsheet would run as a formula (it begins with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return) gets a leading apostrophe. Numbers stay numbers: ``-12.5`` stored as
a number is written as the number -12.5 (XLSX) or ``-12.5`` (CSV), never neutralised, since a
number cannot carry a formula.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | float | Decimal | dt.datetime | dt.date | None


def safe_text(text: str) -> str:
    """``text``, with an apostrophe in front when a spreadsheet would run it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_cell(value: Any) -> Cell:
    """An export value: booleans as ``yes`` / ``no`` (what the import reads back), numbers and
    dates as they are (times in UTC, to the second), lists as comma-separated text, mappings
    as JSON, and every text formula-safe."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    if isinstance(value, int | float | Decimal | dt.date):
        return value
    if isinstance(value, list | tuple):
        return safe_text(", ".join(str(item) for item in value))
    if isinstance(value, dict):
        return safe_text(json.dumps(value, ensure_ascii=False, sort_keys=True))
    return safe_text(str(value))


def csv_text(value: Cell) -> str:
    """How a cell reads in CSV: dates in ISO 8601 (times in UTC, to the second)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
