"""Writing audit entries out as CSV or JSON, a row at a time (the trail can be long).

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) get a leading apostrophe, so opening an export cannot run what a
user typed into a deal's title.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import Any, TextIO

from traseu.audit.models import AuditEntry

COLUMNS = (
    "id",
    "at",
    "actor",
    "via",
    "token_prefix",
    "object_type",
    "object_id",
    "object_label",
    "deal_id",
    "action",
    "before",
    "after",
    "reason",
    "request_id",
    "ip",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def entry_dict(entry: AuditEntry) -> dict[str, Any]:
    """One entry as plain JSON values (the actor by username)."""
    return {
        "id": entry.pk,
        "at": entry.at.isoformat(),
        "actor": entry.actor.username if entry.actor else None,
        "via": entry.via,
        "token_prefix": entry.token_prefix,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_label": entry.object_label,
        "deal_id": entry.deal_id,
        "action": entry.action,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
        "request_id": entry.request_id,
        "ip": entry.ip,
    }


def safe_cell(value: Any) -> str:
    """A CSV cell no spreadsheet runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(entries: Iterable[AuditEntry], out: TextIO) -> int:
    """Write a header and one row per entry; return the number of entries."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for entry in entries:
        row = entry_dict(entry)
        writer.writerow([safe_cell(row[column]) for column in COLUMNS])
        count += 1
    return count


def write_json(entries: Iterable[AuditEntry], out: TextIO) -> int:
    """Write a JSON array of entries, one per line; return the number of entries."""
    count = 0
    out.write("[")
    for entry in entries:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(entry_dict(entry), ensure_ascii=False, sort_keys=True))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count
