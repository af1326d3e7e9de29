"""Criteria as a checklist a person can act on: each item says where on the deal page to fix it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Which panel of the deal page satisfies a criterion, by the facts it reads (the page's ids).
FIX_PANEL = {
    "deal": "details",
    "account": "details",
    "qualification": "qualification",
    "tasks": "tasks",
    "activities": "activities",
    "contacts": "contacts",
    "documents": "documents",
}


@dataclass(frozen=True)
class ChecklistItem:
    criterion: str
    code: str
    message: str
    help: str
    met: bool
    panel: str


def checklist(results: Iterable[Mapping[str, Any]]) -> list[ChecklistItem]:
    """Turn criterion results (as the transition service reports them) into checklist items."""
    return [
        ChecklistItem(
            criterion=str(item["criterion"]),
            code=str(item["code"]),
            message=str(item["message"]),
            help=str(item["help"]),
            met=bool(item["met"]),
            panel=FIX_PANEL.get(str(item.get("area", "")), "details"),
        )
        for item in results
    ]
