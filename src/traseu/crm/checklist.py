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


# A finer choice, by the fact a criterion reads ("deal.proposal_status", "documents.proposal"):
# panels of other apps that are where such a fact is set (see register_fix_panel).
_FIX_BY_FACT: dict[str, tuple[str, Any]] = {}


def register_fix_panel(fact: str, panel: str, label: Any) -> None:
    """Point the checklist's "fix it" link of criteria reading ``fact`` to ``panel`` (a
    deal-page element id), with ``label`` (lazily translated) as the link's text."""
    _FIX_BY_FACT[fact] = (panel, label)


def fact_read(kind: str, params: Mapping[str, Any]) -> str:
    """The fact a criterion of ``kind`` reads: a field's path or ``documents.<kind>``."""
    if kind == "document_status":
        return f"documents.{params.get('document', '')}"
    return str(params.get("field", ""))


def fix_panel(fact: str) -> tuple[str, Any] | None:
    """The registered panel and link text for ``fact``, if an app registered one."""
    return _FIX_BY_FACT.get(fact)


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
