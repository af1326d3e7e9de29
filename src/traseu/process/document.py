"""Turn a definition back into its canonical document (for storage, export and digests).

The canonical document is self-contained: the techniques the stages use are written inline, so
a stored version keeps meaning the same thing when the shipped library changes later.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import yaml

from traseu.process.definition import CriterionSpec, ProcessDefinition, Stage, Technique
from traseu.process.qualification import DEFAULT_FRAMEWORK

# Parameters the loader derives (and would derive again) rather than reads from the document.
_DERIVED = {"task_done": ("tasks",), "activity_logged": ("stage",)}


def _criterion(spec: CriterionSpec, stage: Stage) -> dict[str, Any]:
    params = {k: v for k, v in spec.params.items() if k not in _DERIVED.get(spec.kind, ())}
    if spec.kind == "task_done":
        params = {"all": True} if spec.params["all"] else {"task": spec.params["tasks"][0]}
        if spec.params["stage"] != stage.key:
            params["stage"] = spec.params["stage"]
    if spec.kind == "activity_logged":
        if spec.params["stage"]:
            params["in_stage"] = True
        if not params.get("within_days"):
            params.pop("within_days", None)
    if spec.kind == "qualification" and not params.get("within_days"):
        params.pop("within_days", None)
    if spec.kind == "document_status":
        params["status"] = list(spec.params["status"])
    entry: dict[str, Any] = {"kind": spec.kind, "key": spec.key, **params}
    if spec.label:
        entry["label"] = spec.label
    if spec.help:
        entry["help"] = spec.help
    return entry


def _stage(stage: Stage) -> dict[str, Any]:
    entry: dict[str, Any] = {"key": stage.key, "name": stage.name, "kind": stage.kind.value}
    optional: dict[str, Any] = {
        "goal": stage.goal,
        "description": stage.description,
        "responsible_role": stage.responsible_role,
        "probability": stage.probability,
        "entry": [_criterion(c, stage) for c in stage.entry],
        "exit": [_criterion(c, stage) for c in stage.exit],
        "tasks": [
            {k: v for k, v in vars_of(t).items() if v not in ("", None)} for t in stage.tasks
        ],
        "resources": [
            {k: v for k, v in vars_of(r).items() if v not in ("", None)} for r in stage.resources
        ],
        "kpis": [vars_of(k) for k in stage.kpis],
        "techniques": list(stage.techniques),
    }
    entry.update({k: v for k, v in optional.items() if v not in ("", [], None)})
    return entry


def vars_of(obj: Any) -> dict[str, Any]:
    """Fields of a slotted dataclass as a plain dict (tuples as lists)."""
    return {
        name: list(value) if isinstance(value, tuple) else value
        for name in obj.__slots__
        if (value := getattr(obj, name)) is not None
    }


def _technique(technique: Technique) -> dict[str, Any]:
    return {k: v for k, v in vars_of(technique).items() if v not in ("", [])}


def to_document(definition: ProcessDefinition) -> dict[str, Any]:
    """The canonical document of a definition; loading it gives an equal definition."""
    document: dict[str, Any] = {
        "traseu": 1,
        "key": definition.key,
        "name": definition.name,
        "language": definition.language,
        "currency": definition.currency,
    }
    if definition.description:
        document["description"] = definition.description
    document["allow_skip"] = definition.allow_skip
    document["follow_up_days"] = list(definition.follow_up_days)
    if definition.follow_up_role != "account_manager":  # unwritten: old digests stay the same
        document["follow_up_role"] = definition.follow_up_role
    if definition.lost_reasons:
        document["lost_reasons"] = list(definition.lost_reasons)
    if definition.lost_reason_free_text:  # unwritten when false: old digests stay the same
        document["lost_reason_free_text"] = True
    if definition.qualification != DEFAULT_FRAMEWORK:  # unwritten: old digests stay the same
        document["qualification"] = definition.qualification
    if definition.techniques:
        document["techniques"] = [_technique(t) for t in definition.techniques.values()]
    document["stages"] = [_stage(stage) for stage in definition.stages]
    return document


def to_yaml(definition: ProcessDefinition) -> str:
    return yaml.safe_dump(to_document(definition), allow_unicode=True, sort_keys=False, width=100)


def digest(definition: ProcessDefinition) -> str:
    """A fingerprint of the canonical document: equal documents, equal digests."""
    # default=str: a criterion value written as an unquoted YAML date is a date (ISO text here).
    canonical = json.dumps(to_document(definition), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
