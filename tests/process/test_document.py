"""The canonical document of a definition: it loads back to an equal definition, and its digest
identifies the process version."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
import yaml

from traseu.process.definition import ProcessDefinition, Technique
from traseu.process.document import digest, to_document, to_yaml
from traseu.process.loader import build_definition, load_text

Doc = dict[str, Any]


def load(doc: Doc, library: dict[str, Technique]) -> ProcessDefinition:
    return load_text(yaml.safe_dump(doc, sort_keys=False), library=library)


def test_yaml_round_trip_gives_an_equal_definition(
    base_doc: Doc, library: dict[str, Technique]
) -> None:
    """Given a definition, loading its YAML (with no library at all) gives the same definition."""
    definition = load(base_doc, library)

    reloaded = load_text(to_yaml(definition), library={})

    assert reloaded == definition
    assert to_yaml(reloaded) == to_yaml(definition)


def test_document_round_trip_gives_an_equal_definition(
    base_doc: Doc, library: dict[str, Technique]
) -> None:
    definition = load(base_doc, library)

    reloaded, problems = build_definition(to_document(definition), library={})

    assert problems == []
    assert reloaded == definition


def test_techniques_are_embedded_inline(base_doc: Doc, library: dict[str, Technique]) -> None:
    """Given a stage using a library technique, the document carries it; unused ones stay out."""
    document = to_document(load(base_doc, library))

    assert document["techniques"] == [
        {
            "key": "spin",
            "name": "SPIN selling",
            "summary": "Ask situation, problem, implication and need-payoff questions.",
            "steps": ["Situation", "Problem", "Implication", "Need-payoff"],
            "questions": ["What happens if nothing changes?"],
        },
        {
            "key": "challenger",
            "name": "Challenger sale",
            "summary": "Teach the buyer something new about their business.",
            "when": "When the buyer believes the status quo is fine.",
            "steps": ["Warm up", "Reframe", "Rational drowning"],
            "source": "Dixon & Adamson, 2011",
        },
    ]


def test_a_stored_document_keeps_its_techniques_when_the_library_changes(
    base_doc: Doc, library: dict[str, Technique]
) -> None:
    text = to_yaml(load(base_doc, library))
    changed = {"challenger": Technique(key="challenger", name="New", summary="Rewritten.")}

    reloaded = load_text(text, library=changed)

    assert reloaded.techniques["challenger"] == library["challenger"]


def stage_of(document: Doc, key: str) -> Doc:
    return next(stage for stage in document["stages"] if stage["key"] == key)


def test_criteria_are_written_with_the_parameters_an_author_writes(
    base_doc: Doc, library: dict[str, Technique]
) -> None:
    """Derived parameters (a stage's task list, the stage of in_stage) are not written out."""
    document = to_document(load(base_doc, library))

    assert stage_of(document, "propose")["entry"] == [
        {
            "kind": "task_done",
            "key": "task_discovery_call_done",
            "task": "discovery_call",
            "stage": "qualify",
            "label": "Discovery call held",
            "help": "Hold the call before writing a proposal.",
        }
    ]
    assert stage_of(document, "onboard")["exit"] == [
        {"kind": "task_done", "key": "onboard_tasks_done", "all": True}
    ]
    assert stage_of(document, "grow")["exit"] == [
        {
            "kind": "activity_logged",
            "key": "meeting_logged",
            "type": "meeting",
            "min": 1,
            "within_days": 30,
            "in_stage": True,
        }
    ]
    assert stage_of(document, "propose")["exit"] == [
        {
            "kind": "document_status",
            "key": "proposal_sent",
            "document": "proposal",
            "status": ["sent", "accepted"],
        }
    ]
    assert "entry" not in stage_of(document, "lead")
    assert "responsible_role" not in stage_of(document, "won")


def test_activity_without_a_window_or_stage_writes_neither(
    base_doc: Doc, library: dict[str, Technique]
) -> None:
    base_doc["stages"][6]["exit"] = [{"kind": "activity_logged", "type": "call", "min": 2}]
    definition = load(base_doc, library)

    document = to_document(definition)

    assert stage_of(document, "grow")["exit"] == [
        {"kind": "activity_logged", "key": "call_logged", "type": "call", "min": 2}
    ]
    assert build_definition(document, library={})[0] == definition


def test_a_date_value_survives_the_round_trip_and_has_a_digest(
    base_doc: Doc, library: dict[str, Technique]
) -> None:
    """Given ``value: 2025-01-01`` written unquoted (YAML reads a date), nothing breaks."""
    base_doc["stages"][0]["exit"].append(
        {
            "kind": "field_compare",
            "field": "deal.expected_close",
            "op": "ge",
            "value": dt.date(2025, 1, 1),
        }
    )
    definition = load(base_doc, library)

    reloaded = load_text(to_yaml(definition), library={})

    assert reloaded == definition
    assert digest(reloaded) == digest(definition)
    assert re.fullmatch(r"[0-9a-f]{64}", digest(definition))


def test_digest_is_stable(base_doc: Doc, library: dict[str, Technique]) -> None:
    """Equal definitions, however they were loaded, have equal digests."""
    first = load(base_doc, library)
    second = load(base_doc, dict(reversed(list(library.items()))))
    reloaded = load_text(to_yaml(first), library={})

    assert re.fullmatch(r"[0-9a-f]{64}", digest(first))
    assert digest(first) == digest(second) == digest(reloaded)


def _set(path: list[Any], value: Any) -> Callable[[Doc], None]:
    def edit(doc: Doc) -> None:
        target = doc
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return edit


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(_set(["stages", 1, "name"], "Qualification"), id="stage-name"),
        pytest.param(_set(["stages", 1, "goal"], "Confirm the budget."), id="stage-goal"),
        pytest.param(_set(["stages", 2, "probability"], 0.45), id="stage-probability"),
        pytest.param(_set(["stages", 0, "exit", 1, "value"], 100), id="criterion-value"),
        pytest.param(_set(["stages", 0, "exit", 1, "key"], "amount_known"), id="criterion-key"),
        pytest.param(_set(["stages", 0, "exit", 1, "label"], "Amount set"), id="criterion-label"),
        pytest.param(_set(["stages", 0, "tasks", 0, "due_days"], 3), id="task-due-days"),
        pytest.param(_set(["stages", 0, "kpis", 0, "target"], 5), id="kpi-target"),
        pytest.param(_set(["stages", 3, "techniques"], ["spin"]), id="stage-techniques"),
        pytest.param(_set(["techniques", 0, "summary"], "Ask better."), id="technique-summary"),
        pytest.param(_set(["allow_skip"], False), id="allow-skip"),
        pytest.param(_set(["name"], "Classic"), id="process-name"),
    ],
)
def test_digest_changes_when_the_process_changes(
    base_doc: Doc, library: dict[str, Technique], edit: Callable[[Doc], None]
) -> None:
    before = digest(load(base_doc, library))
    edit(base_doc)

    after = digest(load(base_doc, library))

    assert after != before


def test_digest_ignores_the_stored_version_number(
    base_doc: Doc, library: dict[str, Technique]
) -> None:
    definition = load(base_doc, library)

    assert digest(replace(definition, version=7)) == digest(definition)
