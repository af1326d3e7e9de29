"""Loading a process document: every problem the loader can report, with its code, path and line.

Each case mutates the valid base document (see ``conftest.py``), dumps it to YAML and loads the
text. Expected lines are found by searching the dumped text for the line the problem is about,
so a case states *where* a problem is as a reader of the file would.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from traseu.process.definition import StageKind, Technique
from traseu.process.errors import DocumentProblem, ProcessDocumentError
from traseu.process.loader import load_file, load_text
from traseu.process.techniques import load_library

Doc = dict[str, Any]
Op = Callable[[Doc], None]
Expected = tuple[str, str, tuple[str, ...]]  # code, path, needles locating the line


# --- helpers --------------------------------------------------------------------------------


def _walk(doc: Doc, path: str) -> tuple[Any, str | int]:
    """The container holding ``path`` and the last key (``stages[3].exit`` -> stage 3, "exit")."""
    parts: list[str | int] = [
        int(index) if index else name for name, index in re.findall(r"(\w+)|\[(\d+)\]", path)
    ]
    container: Any = doc
    for part in parts[:-1]:
        container = container[part]
    return container, parts[-1]


def put(path: str, value: Any) -> Op:
    def op(doc: Doc) -> None:
        container, last = _walk(doc, path)
        container[last] = value

    return op


def drop(path: str) -> Op:
    def op(doc: Doc) -> None:
        container, last = _walk(doc, path)
        del container[last]

    return op


def add(path: str, value: Any, *, at: int | None = None) -> Op:
    """Append ``value`` to the list at ``path`` (or insert it at position ``at``)."""

    def op(doc: Doc) -> None:
        container, last = _walk(doc, path)
        items = container[last]
        items.insert(len(items) if at is None else at, value)

    return op


def move_stage(source: int, target: int) -> Op:
    def op(doc: Doc) -> None:
        doc["stages"].insert(target, doc["stages"].pop(source))

    return op


def after_sale(key: str) -> Doc:
    return {
        "key": key,
        "name": key.title(),
        "kind": "after_sale",
        "goal": "Keep the customer happy.",
        "responsible_role": "account_manager",
        "exit": [{"kind": "contact_role", "role": "champion"}],
    }


def line_of(text: str, *needles: str) -> int:
    """1-based line of the last needle; each needle is searched after the previous one's line."""
    lines = text.splitlines()
    start = -1
    for needle in needles:
        start = next(i for i in range(start + 1, len(lines)) if needle in lines[i])
    return start + 1


def dump(doc: Doc) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def problems_of(text: str, library: dict[str, Technique]) -> list[DocumentProblem]:
    with pytest.raises(ProcessDocumentError) as raised:
        load_text(text, file="classic.yaml", library=library)
    return raised.value.problems


def located(text: str, expected: list[Expected]) -> list[tuple[str, str, int]]:
    return sorted((code, path, line_of(text, *needles)) for code, path, needles in expected)


def found(problems: list[DocumentProblem]) -> list[tuple[str, str, int]]:
    return sorted((p.code, p.path, p.line) for p in problems)


# --- the base document ----------------------------------------------------------------------


def test_base_document_loads(base_doc: Doc, library: dict[str, Technique]) -> None:
    definition = load_text(dump(base_doc), library=library)

    assert [stage.key for stage in definition.stages] == [
        "lead",
        "qualify",
        "propose",
        "negotiate",
        "won",
        "onboard",
        "grow",
        "lost",
    ]
    assert [stage.key for stage in definition.working_stages] == [
        "lead",
        "qualify",
        "propose",
        "negotiate",
        "onboard",
        "grow",
    ]
    assert (definition.won.key, definition.lost.key, definition.first_stage.key) == (
        "won",
        "lost",
        "lead",
    )
    assert definition.index("lost") == -1
    assert (definition.won.probability, definition.lost.probability) == (1.0, 0.0)
    assert list(definition.techniques) == ["spin", "challenger"]  # only the ones stages use
    assert definition.techniques_for("negotiate") == (library["challenger"],)
    assert (definition.lost_reasons, definition.follow_up_days) == (("price", "timing"), (14, 28))


@pytest.mark.parametrize("working", [5, 9])
def test_five_to_nine_working_stages_are_fine(
    base_doc: Doc, library: dict[str, Technique], working: int
) -> None:
    stages = base_doc["stages"]
    if working == 5:
        del stages[6]
    else:
        stages[7:7] = [after_sale(f"extra{i}") for i in range(3)]

    definition = load_text(dump(base_doc), library=library)

    assert len(definition.working_stages) == working


# --- every problem code ---------------------------------------------------------------------

CASES = [
    # duplicate keys the loader checks
    pytest.param(
        [put("stages[3].key", "propose")],
        [("duplicate_key", "stages[3].key", ("- key: propose", "- key: propose"))],
        id="duplicate_key-stage",
    ),
    pytest.param(
        [put("stages[5].tasks[1].key", "kickoff")],
        [("duplicate_key", "stages[5].tasks[1]", ("- key: kickoff", "- key: kickoff"))],
        id="duplicate_key-task",
    ),
    pytest.param(
        [put("stages[0].exit[0].key", "known"), put("stages[0].exit[1].key", "known")],
        [("duplicate_key", "stages[0].exit[1]", ("- key: lead", "- kind: field_compare"))],
        id="duplicate_key-criterion",
    ),
    pytest.param(
        [add("stages[0].exit", {"kind": "field_present", "field": "account.industry"})],
        [
            (
                "duplicate_key",
                "stages[0].exit[2]",
                ("- key: lead", "- kind: field_compare", "- kind: field_present"),
            )
        ],
        id="duplicate_key-criterion-default-key",
    ),
    pytest.param(
        [
            add(
                "stages[0].kpis",
                {"key": "lead_days", "name": "Again", "metric": "custom", "target": 1},
            )
        ],
        [("duplicate_key", "stages[0].kpis[1]", ("- key: lead_days", "- key: lead_days"))],
        id="duplicate_key-kpi",
    ),
    pytest.param(
        [add("techniques", {"key": "spin", "name": "Again", "summary": "Twice."})],
        [("duplicate_key", "techniques[1]", ("- key: spin", "- key: spin"))],
        id="duplicate_key-technique",
    ),
    # types
    pytest.param(
        [put("stages[6]", "grow")],
        [("invalid_type", "stages[6]", ("- grow",))],
        id="invalid_type-stage",
    ),
    pytest.param(
        [put("stages[0].exit[1]", "deal.amount > 0")],
        [("invalid_type", "stages[0].exit[1]", ("- key: lead", "- deal.amount > 0"))],
        id="invalid_type-criterion",
    ),
    pytest.param(
        [put("stages[0].exit", "account.industry")],
        [("invalid_type", "stages[0].exit", ("- key: lead", "exit:"))],
        id="invalid_type-list",
    ),
    pytest.param(
        [put("stages[0].probability", "high")],
        [("invalid_type", "stages[0].probability", ("probability: high",))],
        id="invalid_type-number",
    ),
    pytest.param(
        [put("stages[0].tasks[0].due_days", 2.5)],
        [("invalid_type", "stages[0].tasks[0].due_days", ("due_days: 2.5",))],
        id="invalid_type-integer",
    ),
    pytest.param(
        [put("traseu", "1")],
        [("invalid_type", "traseu", ("traseu:",))],
        id="invalid_type-format",
    ),
    pytest.param(
        [put("allow_skip", "yes")],
        [("invalid_type", "allow_skip", ("allow_skip:",))],
        id="invalid_type-boolean",
    ),
    pytest.param(
        [put("name", ["Classic", "B2B"])],
        [("invalid_type", "name", ("name:",))],
        id="invalid_type-text",
    ),
    pytest.param(
        [put("lost_reasons", ["price", ""])],
        [("invalid_type", "lost_reasons[1]", ("lost_reasons:", "- ''"))],
        id="invalid_type-strings",
    ),
    pytest.param(
        [put("stages[1].techniques", "spin")],
        [("invalid_type", "stages[1].techniques", ("- key: qualify", "techniques:"))],
        id="invalid_type-techniques",
    ),
    # required fields
    pytest.param(
        [drop("key")],
        [("required", "key", ("traseu: 1",))],
        id="required-process-key",
    ),
    pytest.param(
        [drop("stages[1].name")],
        [("required", "stages[1].name", ("- key: qualify",))],
        id="required-stage-name",
    ),
    pytest.param(
        [put("stages[1].name", "")],
        [("required", "stages[1].name", ("- key: qualify", "name: ''"))],
        id="required-stage-name-blank",
    ),
    pytest.param(
        [drop("stages[0].exit[0].kind")],
        [("required", "stages[0].exit[0].kind", ("- key: lead", "- field: account.industry"))],
        id="required-criterion-kind",
    ),
    pytest.param(
        [drop("stages[5].tasks[0].title")],
        [("required", "stages[5].tasks[0].title", ("- key: kickoff",))],
        id="required-task-title",
    ),
    pytest.param(
        [drop("stages[0].resources[0].title")],
        [("required", "stages[0].resources[0].title", ("- link: https://example.com/icp",))],
        id="required-resource-title",
    ),
    pytest.param(
        [drop("stages[0].kpis[0].target")],
        [("required", "stages[0].kpis[0].target", ("- key: lead_days",))],
        id="required-kpi-target",
    ),
    pytest.param(
        [drop("techniques[0].summary")],
        [("required", "techniques[0].summary", ("- key: spin",))],
        id="required-technique-summary",
    ),
    pytest.param(
        [drop("stages")],
        [
            ("required", "stages", ("traseu: 1",)),
            ("stage_count", "stages", ("traseu: 1",)),
            ("missing_won", "stages", ("traseu: 1",)),
            ("missing_lost", "stages", ("traseu: 1",)),
        ],
        id="required-stages",
    ),
    # unknown fields, everywhere
    pytest.param(
        [put("colour", "red")],
        [("unknown_field", "colour", ("colour: red",))],
        id="unknown_field-process",
    ),
    pytest.param(
        [put("stages[2].colour", "red")],
        [("unknown_field", "stages[2].colour", ("colour: red",))],
        id="unknown_field-stage",
    ),
    pytest.param(
        [put("stages[0].exit[0].op", "eq")],
        [("unknown_field", "stages[0].exit[0].op", ("op: eq",))],
        id="unknown_field-criterion-param-of-another-kind",
    ),
    pytest.param(
        [put("stages[0].tasks[0].colour", "red")],
        [("unknown_field", "stages[0].tasks[0].colour", ("colour: red",))],
        id="unknown_field-task",
    ),
    pytest.param(
        [put("stages[0].resources[0].colour", "red")],
        [("unknown_field", "stages[0].resources[0].colour", ("colour: red",))],
        id="unknown_field-resource",
    ),
    pytest.param(
        [put("stages[0].kpis[0].colour", "red")],
        [("unknown_field", "stages[0].kpis[0].colour", ("colour: red",))],
        id="unknown_field-kpi",
    ),
    pytest.param(
        [put("techniques[0].colour", "red")],
        [("unknown_field", "techniques[0].colour", ("colour: red",))],
        id="unknown_field-technique",
    ),
    # keys and values
    pytest.param(
        [put("key", "Classic B2B")],
        [("invalid_key", "key", ("key: Classic B2B",))],
        id="invalid_key-process",
    ),
    pytest.param(
        [put("stages[0].key", "Lead Stage")],
        [("invalid_key", "stages[0].key", ("- key: Lead Stage",))],
        id="invalid_key-stage",
    ),
    pytest.param(
        [put("stages[0].tasks[0].key", "research!")],
        [("invalid_key", "stages[0].tasks[0].key", ("- key: research!",))],
        id="invalid_key-task",
    ),
    pytest.param(
        [put("stages[0].kpis[0].key", "1st")],
        [("invalid_key", "stages[0].kpis[0].key", ("- key: 1st",))],
        id="invalid_key-kpi",
    ),
    pytest.param(
        [put("techniques[0].key", "Spin"), put("stages[1].techniques", ["Spin"])],
        [("invalid_key", "techniques[0].key", ("- key: Spin",))],
        id="invalid_key-technique",
    ),
    pytest.param(
        [put("stages[0].kind", "open")],
        [("invalid_value", "stages[0].kind", ("kind: open",))],
        id="invalid_value-stage-kind",
    ),
    pytest.param(
        [put("language", "english")],
        [("invalid_value", "language", ("language: english",))],
        id="invalid_value-language",
    ),
    pytest.param(
        [put("currency", "euro")],
        [("invalid_value", "currency", ("currency: euro",))],
        id="invalid_value-currency",
    ),
    pytest.param(
        [put("follow_up_days", [28, 14])],
        [("invalid_value", "follow_up_days", ("follow_up_days:",))],
        id="invalid_value-follow-up-order",
    ),
    pytest.param(
        [put("follow_up_days", 14)],
        [("invalid_value", "follow_up_days", ("follow_up_days: 14",))],
        id="invalid_value-follow-up-shape",
    ),
    pytest.param(
        [put("stages[0].kpis[0].direction", "up")],
        [("invalid_value", "stages[0].kpis[0].direction", ("direction: up",))],
        id="invalid_value-kpi-direction",
    ),
    # the route
    pytest.param(
        [drop("stages[6]"), drop("stages[5]")],
        [("stage_count", "stages", ("stages:",))],
        id="stage_count-4",
    ),
    pytest.param(
        [add("stages", after_sale(f"extra{i}"), at=7) for i in range(4)],
        [("stage_count", "stages", ("stages:",))],
        id="stage_count-10",
    ),
    pytest.param(
        [drop("stages[4]")],
        [
            ("missing_won", "stages", ("stages:",)),
            ("route_order", "stages[4].kind", ("- key: onboard", "kind: after_sale")),
            ("route_order", "stages[5].kind", ("- key: grow", "kind: after_sale")),
        ],
        id="missing_won",
    ),
    pytest.param(
        [drop("stages[7]")],
        [("missing_lost", "stages", ("stages:",))],
        id="missing_lost",
    ),
    pytest.param(
        [add("stages", {"key": "won_again", "name": "Won again", "kind": "won"})],
        [("duplicate_won", "stages[8]", ("- key: won_again",))],
        id="duplicate_won",
    ),
    pytest.param(
        [add("stages", {"key": "lost_again", "name": "Lost again", "kind": "lost"})],
        [("duplicate_lost", "stages[8]", ("- key: lost_again",))],
        id="duplicate_lost",
    ),
    pytest.param(
        [put("stages[5].kind", "pre_sale")],
        [("route_order", "stages[5].kind", ("- key: onboard", "kind: pre_sale"))],
        id="route_order-pre-sale-after-won",
    ),
    pytest.param(
        [put("stages[3].kind", "after_sale")],
        [("route_order", "stages[3].kind", ("- key: negotiate", "kind: after_sale"))],
        id="route_order-after-sale-before-won",
    ),
    pytest.param(
        [move_stage(4, 0)],
        [
            ("route_order", "stages[0].kind", ("- key: won", "kind: won")),
            ("route_order", "stages[1].kind", ("- key: lead", "kind: pre_sale")),
            ("route_order", "stages[2].kind", ("- key: qualify", "kind: pre_sale")),
            ("route_order", "stages[3].kind", ("- key: propose", "kind: pre_sale")),
            ("route_order", "stages[4].kind", ("- key: negotiate", "kind: pre_sale")),
        ],
        id="route_order-starts-with-won",
    ),
    # what a working stage must have
    pytest.param(
        [drop("stages[3].exit")],
        [("exit_criteria_required", "stages[3].exit", ("- key: negotiate",))],
        id="exit_criteria_required-absent",
    ),
    pytest.param(
        [put("stages[6].exit", [])],
        [("exit_criteria_required", "stages[6].exit", ("- key: grow", "exit: []"))],
        id="exit_criteria_required-empty",
    ),
    pytest.param(
        [drop("stages[1].goal")],
        [("goal_required", "stages[1].goal", ("- key: qualify",))],
        id="goal_required",
    ),
    pytest.param(
        [drop("stages[5].responsible_role")],
        [("responsible_role_required", "stages[5].responsible_role", ("- key: onboard",))],
        id="responsible_role_required",
    ),
    pytest.param(
        [put("stages[0].probability", 40)],
        [("probability_range", "stages[0].probability", ("probability: 40",))],
        id="probability_range-above",
    ),
    pytest.param(
        [put("stages[1].probability", -0.1)],
        [("probability_range", "stages[1].probability", ("probability: -0.1",))],
        id="probability_range-below",
    ),
    pytest.param(
        [put("stages[0].responsible_role", "ceo")],
        [("unknown_role", "stages[0].responsible_role", ("responsible_role: ceo",))],
        id="unknown_role-stage",
    ),
    pytest.param(
        [put("stages[1].tasks[0].role", "intern")],
        [("unknown_role", "stages[1].tasks[0].role", ("role: intern",))],
        id="unknown_role-task",
    ),
    # criteria
    pytest.param(
        [put("stages[0].exit[0].kind", "magic")],
        [("unknown_criterion_kind", "stages[0].exit[0].kind", ("kind: magic",))],
        id="unknown_criterion_kind",
    ),
    pytest.param(
        [drop("stages[0].exit[0].field")],
        [
            (
                "criterion_param_missing",
                "stages[0].exit[0].field",
                ("- key: lead", "- kind: field_present"),
            )
        ],
        id="criterion_param_missing-field",
    ),
    pytest.param(
        [put("stages[0].exit[0].field", "  ")],
        [("criterion_param_missing", "stages[0].exit[0].field", ("- key: lead", "field:"))],
        id="criterion_param_missing-blank-field",
    ),
    pytest.param(
        [drop("stages[0].exit[1].value")],
        [
            (
                "criterion_param_missing",
                "stages[0].exit[1].value",
                ("- key: lead", "- kind: field_compare"),
            )
        ],
        id="criterion_param_missing-value",
    ),
    pytest.param(
        [drop("stages[1].exit[0].criterion")],
        [
            (
                "criterion_param_missing",
                "stages[1].exit[0].criterion",
                ("- key: qualify", "- kind: qualification"),
            )
        ],
        id="criterion_param_missing-qualification",
    ),
    pytest.param(
        [drop("stages[2].entry[0].task")],
        [
            (
                "criterion_param_missing",
                "stages[2].entry[0].task",
                ("- key: propose", "- kind: task_done"),
            )
        ],
        id="criterion_param_missing-task",
    ),
    pytest.param(
        [drop("stages[6].exit[0].type")],
        [
            (
                "criterion_param_missing",
                "stages[6].exit[0].type",
                ("- key: grow", "- kind: activity_logged"),
            )
        ],
        id="criterion_param_missing-activity-type",
    ),
    pytest.param(
        [drop("stages[1].exit[1].role")],
        [
            (
                "criterion_param_missing",
                "stages[1].exit[1].role",
                ("- key: qualify", "- kind: contact_role"),
            )
        ],
        id="criterion_param_missing-contact-role",
    ),
    pytest.param(
        [drop("stages[2].exit[0].document")],
        [
            (
                "criterion_param_missing",
                "stages[2].exit[0].document",
                ("- key: propose", "- kind: document_status"),
            )
        ],
        id="criterion_param_missing-document",
    ),
    pytest.param(
        [drop("stages[2].exit[0].status")],
        [
            (
                "criterion_param_missing",
                "stages[2].exit[0].status",
                ("- key: propose", "- kind: document_status"),
            )
        ],
        id="criterion_param_missing-status",
    ),
    pytest.param(
        [put("stages[2].exit[0].status", ["sent", ""])],
        [("criterion_param_missing", "stages[2].exit[0].status", ("- key: propose", "status:"))],
        id="criterion_param_missing-blank-status",
    ),
    pytest.param(
        [drop("stages[3].exit[0].cel")],
        [
            (
                "criterion_param_missing",
                "stages[3].exit[0].cel",
                ("- key: negotiate", "- kind: expression"),
            )
        ],
        id="criterion_param_missing-cel",
    ),
    pytest.param(
        [put("stages[0].exit[0].field", "industry")],
        [("criterion_param_invalid", "stages[0].exit[0].field", ("field: industry",))],
        id="criterion_param_invalid-field-root",
    ),
    pytest.param(
        [put("stages[0].exit[0].field", "deal.")],
        [("criterion_param_invalid", "stages[0].exit[0].field", ("field: deal.",))],
        id="criterion_param_invalid-field-trailing-dot",
    ),
    pytest.param(
        [put("stages[0].exit[1].op", "between")],
        [("criterion_param_invalid", "stages[0].exit[1].op", ("op: between",))],
        id="criterion_param_invalid-op",
    ),
    pytest.param(
        [put("stages[0].exit[1].op", "in")],
        [("criterion_param_invalid", "stages[0].exit[1].value", ("- key: lead", "value: 0"))],
        id="criterion_param_invalid-in-needs-a-list",
    ),
    pytest.param(
        [put("stages[1].exit[0].at_least", "unknown")],
        [("criterion_param_invalid", "stages[1].exit[0].at_least", ("at_least: unknown",))],
        id="criterion_param_invalid-at-least-unknown",
    ),
    pytest.param(
        [put("stages[1].exit[0].at_least", "disqualifying")],
        [("criterion_param_invalid", "stages[1].exit[0].at_least", ("at_least: disqualifying",))],
        id="criterion_param_invalid-at-least-disqualifying",
    ),
    pytest.param(
        [put("stages[0].exit[0].field", "deal.ammount")],
        [("unknown_field_path", "stages[0].exit[0].field", ("field: deal.ammount",))],
        id="unknown_field_path",
    ),
    pytest.param(
        [put("stages[0].exit[0].field", "account.custom")],
        [("unknown_field_path", "stages[0].exit[0].field", ("field: account.custom",))],
        id="unknown_field_path-custom-needs-a-name",
    ),
    pytest.param(
        [put("stages[3].exit[0].cel", "dael.amount > 1.0 && contacts.exists(c, c.role == 'x')")],
        [("expression_unknown_variable", "stages[3].exit[0].cel", ("- key: negotiate", "cel:"))],
        id="expression_unknown_variable",
    ),
    pytest.param(
        [put("stages[1].exit[0].framework", "spiced")],
        [("criterion_param_invalid", "stages[1].exit[0].framework", ("framework: spiced",))],
        id="criterion_param_invalid-qualification-framework",
    ),
    pytest.param(
        [put("stages[1].exit[0].criterion", "neeed")],
        [("criterion_param_invalid", "stages[1].exit[0].criterion", ("criterion: neeed",))],
        id="criterion_param_invalid-qualification-question",
    ),
    pytest.param(
        [put("stages[2].exit[0].status", ["snet"])],
        [("criterion_param_invalid", "stages[2].exit[0].status", ("- key: propose", "status:"))],
        id="criterion_param_invalid-document-status",
    ),
    pytest.param(
        [put("stages[0].exit[0].key", "Reachable contact!")],
        [("invalid_key", "stages[0].exit[0].key", ("key: Reachable contact!",))],
        id="invalid_key-criterion",
    ),
    pytest.param(
        [put("stages[1].exit[1].role", "ceo")],
        [("criterion_param_invalid", "stages[1].exit[1].role", ("role: ceo",))],
        id="criterion_param_invalid-buying-role",
    ),
    pytest.param(
        [put("stages[1].exit[1].min", 0)],
        [("criterion_param_invalid", "stages[1].exit[1].min", ("min: 0",))],
        id="criterion_param_invalid-contact-min",
    ),
    pytest.param(
        [put("stages[6].exit[0].type", "fax")],
        [("criterion_param_invalid", "stages[6].exit[0].type", ("type: fax",))],
        id="criterion_param_invalid-activity-type",
    ),
    pytest.param(
        [put("stages[6].exit[0].min", 1.5)],
        [("criterion_param_invalid", "stages[6].exit[0].min", ("min: 1.5",))],
        id="criterion_param_invalid-activity-min",
    ),
    pytest.param(
        [put("stages[6].exit[0].in_stage", "yes")],
        [("criterion_param_invalid", "stages[6].exit[0].in_stage", ("in_stage:",))],
        id="criterion_param_invalid-in-stage",
    ),
    pytest.param(
        [put("stages[6].exit[0].within_days", -1)],
        [("criterion_param_invalid", "stages[6].exit[0].within_days", ("within_days: -1",))],
        id="criterion_param_invalid-within-days",
    ),
    pytest.param(
        [put("stages[3].exit[0].cel", ["deal.amount > 1.0"])],
        [("criterion_param_invalid", "stages[3].exit[0].cel", ("- key: negotiate", "cel:"))],
        id="criterion_param_invalid-cel-not-text",
    ),
    pytest.param(
        [put("stages[5].exit[0].all", "yes")],
        [
            ("criterion_param_invalid", "stages[5].exit[0].all", ("all: 'yes'",)),
            (
                "criterion_param_missing",
                "stages[5].exit[0].task",
                ("- key: onboard", "- kind: task_done"),
            ),
        ],
        id="criterion_param_invalid-all",
    ),
    pytest.param(
        [put("stages[3].exit[0].cel", "deal.amount >=")],
        [("expression_invalid", "stages[3].exit[0].cel", ("- key: negotiate", "cel:"))],
        id="expression_invalid",
    ),
    pytest.param(
        [put("stages[2].entry[0].task", "nope")],
        [("unknown_task", "stages[2].entry[0].task", ("task: nope",))],
        id="unknown_task-single",
    ),
    pytest.param(
        [put("stages[2].entry[0].stage", "lead")],
        [("unknown_task", "stages[2].entry[0].task", ("- key: propose", "task: discovery_call"))],
        id="unknown_task-in-another-stage",
    ),
    pytest.param(
        [add("stages[6].exit", {"kind": "task_done", "all": True})],
        [("unknown_task", "stages[6].exit[1].all", ("- key: grow", "all: true"))],
        id="unknown_task-all-without-tasks",
    ),
    pytest.param(
        [put("stages[2].entry[0].stage", "nowhere")],
        [("unknown_stage", "stages[2].entry[0].stage", ("stage: nowhere",))],
        id="unknown_stage",
    ),
    pytest.param(
        [put("stages[1].techniques", ["spin", "nope"])],
        [("unknown_technique", "stages[1].techniques[1]", ("- nope",))],
        id="unknown_technique",
    ),
    pytest.param(
        [put("stages[0].kpis[0].metric", "revenue")],
        [("unknown_metric", "stages[0].kpis[0].metric", ("metric: revenue",))],
        id="unknown_metric",
    ),
    pytest.param(
        [put("traseu", 2)],
        [("unsupported_format", "traseu", ("traseu: 2",))],
        id="unsupported_format",
    ),
]


@pytest.mark.parametrize(("ops", "expected"), CASES)
def test_problem_is_reported_with_code_path_and_line(
    base_doc: Doc, library: dict[str, Technique], ops: list[Op], expected: list[Expected]
) -> None:
    for op in ops:
        op(base_doc)
    text = dump(base_doc)

    problems = problems_of(text, library)

    assert found(problems) == located(text, expected)
    assert {problem.file for problem in problems} == {"classic.yaml"}
    assert all(problem.message for problem in problems)


def test_every_problem_is_reported_together(base_doc: Doc, library: dict[str, Technique]) -> None:
    """Given five unrelated mistakes, one load reports all five."""
    for op in [
        put("colour", "red"),
        put("stages[0].probability", 40),
        put("stages[2].entry[0].task", "nope"),
        put("stages[3].exit[0].cel", "deal.amount >="),
        drop("stages[7]"),
    ]:
        op(base_doc)
    text = dump(base_doc)

    problems = problems_of(text, library)

    assert found(problems) == located(
        text,
        [
            ("unknown_field", "colour", ("colour: red",)),
            ("probability_range", "stages[0].probability", ("probability: 40",)),
            ("unknown_task", "stages[2].entry[0].task", ("task: nope",)),
            ("expression_invalid", "stages[3].exit[0].cel", ("- key: negotiate", "cel:")),
            ("missing_lost", "stages", ("stages:",)),
        ],
    )


@pytest.mark.parametrize(
    ("list_path", "items", "expected"),
    [
        pytest.param(
            "stages[0].exit",
            [
                {"kind": "magic"},
                {"kind": "field_present", "field": "account.industry"},
                {"kind": "field_present", "field": "account.industry"},
            ],
            [
                ("unknown_criterion_kind", "stages[0].exit[0].kind", ("kind: magic",)),
                (
                    "duplicate_key",
                    "stages[0].exit[2]",
                    ("kind: magic", "- kind: field_present", "- kind: field_present"),
                ),
            ],
            id="criteria",
        ),
        pytest.param(
            "stages[5].tasks",
            ["kickoff", {"key": "kickoff", "title": "A"}, {"key": "kickoff", "title": "B"}],
            [
                ("invalid_type", "stages[5].tasks[0]", ("- kickoff",)),
                ("duplicate_key", "stages[5].tasks[2]", ("title: A", "- key: kickoff")),
            ],
            id="tasks",
        ),
        pytest.param(
            "stages[0].kpis",
            [
                "lead_days",
                {"key": "lead_days", "name": "A", "metric": "custom", "target": 1},
                {"key": "lead_days", "name": "B", "metric": "custom", "target": 1},
            ],
            [
                ("invalid_type", "stages[0].kpis[0]", ("- lead_days",)),
                ("duplicate_key", "stages[0].kpis[2]", ("name: A", "- key: lead_days")),
            ],
            id="kpis",
        ),
    ],
)
def test_duplicate_is_reported_at_the_repeated_entry_after_a_broken_one(
    base_doc: Doc,
    library: dict[str, Technique],
    list_path: str,
    items: list[Any],
    expected: list[Expected],
) -> None:
    """Given a broken first entry, the duplicate still points at the third entry, not the second."""
    put(list_path, items)(base_doc)
    text = dump(base_doc)

    assert found(problems_of(text, library)) == located(text, expected)


def test_library_techniques_are_unknown_without_the_library(base_doc: Doc) -> None:
    """Given an empty library, the stage naming a library technique gets unknown_technique."""
    text = dump(base_doc)

    problems = problems_of(text, {})

    assert found(problems) == [
        ("unknown_technique", "stages[3].techniques[0]", line_of(text, "- challenger"))
    ]


def test_an_inline_technique_replaces_the_library_one(
    base_doc: Doc, library: dict[str, Technique]
) -> None:
    add("techniques", {"key": "challenger", "name": "Our challenger", "summary": "Ours."})(base_doc)

    definition = load_text(dump(base_doc), library=library)

    assert definition.techniques["challenger"] == Technique(
        key="challenger", name="Our challenger", summary="Ours."
    )


# --- problems found while reading YAML ------------------------------------------------------


def _replace(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert text.count(old) == 1
        return text.replace(old, new)

    return edit


@pytest.mark.parametrize(
    ("edit", "code", "path", "needles"),
    [
        pytest.param(
            _replace("  name: Qualify\n", "  name: Qualify: now\n"),
            "yaml_syntax",
            "",
            ("name: Qualify: now",),
            id="yaml_syntax-mapping-value",
        ),
        pytest.param(
            _replace("  goal: Agree terms.\n", "\tgoal: Agree terms.\n"),
            "yaml_syntax",
            "",
            ("\tgoal: Agree terms.",),
            id="yaml_syntax-tab",
        ),
        pytest.param(
            _replace("name: Classic B2B\n", "name: Classic B2B\nname: Again\n"),
            "duplicate_key",
            "name",
            ("name: Again",),
            id="duplicate_key-top-level",
        ),
        pytest.param(
            _replace(
                "  goal: Confirm budget and the decision maker.\n",
                "  goal: Confirm budget and the decision maker.\n  goal: Twice.\n",
            ),
            "duplicate_key",
            "stages[1].goal",
            ("goal: Twice.",),
            id="duplicate_key-stage-field",
        ),
        pytest.param(
            _replace(
                "    field: account.industry\n",
                "    field: account.industry\n    field: deal.amount\n",
            ),
            "duplicate_key",
            "stages[0].exit[0].field",
            ("field: deal.amount",),
            id="duplicate_key-criterion-param",
        ),
    ],
)
def test_yaml_problems(
    base_doc: Doc,
    library: dict[str, Technique],
    edit: Callable[[str], str],
    code: str,
    path: str,
    needles: tuple[str, ...],
) -> None:
    text = edit(dump(base_doc))

    problems = problems_of(text, library)

    assert found(problems) == [(code, path, line_of(text, *needles))]


@pytest.mark.parametrize(
    ("text", "line"), [("", 0), ("\n\n", 0), ("# nothing yet\n", 0), ("~\n", 1)]
)
def test_empty_document(text: str, line: int) -> None:
    problems = problems_of(text, {})

    assert found(problems) == [("empty_document", "", line)]


@pytest.mark.parametrize("text", ["- lead\n- won\n", "just text\n", "42\n"])
def test_a_document_that_is_not_a_mapping(text: str) -> None:
    problems = problems_of(text, {})

    assert found(problems) == [("invalid_type", "", 1)]


# --- files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_load_file_reads_utf8_with_or_without_bom(
    tmp_path: Path, base_doc: Doc, library: dict[str, Technique], encoding: str
) -> None:
    base_doc["name"] = "Vânzare clasică"
    path = tmp_path / "classic.yaml"
    path.write_text(dump(base_doc), encoding=encoding)

    definition = load_file(path, library=library)

    assert (definition.key, definition.name) == ("classic", "Vânzare clasică")


def test_load_file_names_the_file_in_every_problem(
    tmp_path: Path, base_doc: Doc, library: dict[str, Technique]
) -> None:
    put("stages[0].probability", 40)(base_doc)
    text = dump(base_doc)
    path = tmp_path / "classic.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ProcessDocumentError) as raised:
        load_file(path, library=library)

    line = line_of(text, "probability: 40")
    assert [(p.code, p.file, p.line) for p in raised.value.problems] == [
        ("probability_range", str(path), line)
    ]
    assert str(raised.value) == (
        f"{path}:{line}: stages[0].probability: probability 40 is outside [0, 1] "
        "(write 0.4 for 40%) [probability_range]"
    )


@pytest.mark.parametrize("content", [None, b"key: caf\xe9\n"], ids=["missing-file", "not-utf8"])
def test_unreadable_file(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "process.yaml"
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(ProcessDocumentError) as raised:
        load_file(path, library={})

    [problem] = raised.value.problems
    assert (problem.code, problem.path, problem.line, problem.file) == (
        "unreadable",
        "",
        0,
        str(path),
    )
    assert problem.message.startswith("cannot read the file: ")


def test_problem_text_without_a_line() -> None:
    assert str(DocumentProblem("empty_document", "", "the document is empty")) == (
        "<document>: (document): the document is empty [empty_document]"
    )


# --- technique libraries --------------------------------------------------------------------

LIBRARY_TEXT = """\
techniques:
- key: spin
  name: SPIN selling
  summary: Ask four kinds of questions.
  steps: [Situation, Problem, Implication, Need-payoff]
- key: bant
  name: BANT call
  summary: Budget, authority, need, timing.
"""


def test_load_library(tmp_path: Path) -> None:
    path = tmp_path / "techniques.en.yaml"
    path.write_text(LIBRARY_TEXT, encoding="utf-8")

    library = load_library(path)

    assert list(library) == ["spin", "bant"]
    assert library["spin"].steps == ("Situation", "Problem", "Implication", "Need-payoff")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            LIBRARY_TEXT + "- key: spin\n  name: Again\n  summary: Twice.\n",
            [("duplicate_key", "techniques[2].key", 9)],
            id="duplicate_key",
        ),
        pytest.param(
            LIBRARY_TEXT.replace("  summary: Budget, authority, need, timing.\n", ""),
            [("required", "techniques[1].summary", 6)],
            id="required-summary",
        ),
        pytest.param("name: no list\n", [("required", "techniques", 1)], id="required-list"),
        pytest.param(
            LIBRARY_TEXT + "  colour: red\n",
            [("unknown_field", "techniques[1].colour", 9)],
            id="unknown_field",
        ),
        pytest.param("techniques: [\n", [("yaml_syntax", "", 2)], id="yaml_syntax"),
    ],
)
def test_library_problems(tmp_path: Path, text: str, expected: list[tuple[str, str, int]]) -> None:
    path = tmp_path / "techniques.en.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ProcessDocumentError) as raised:
        load_library(path)

    assert found(raised.value.problems) == expected
    assert {problem.file for problem in raised.value.problems} == {str(path)}


# --- sanity of the fixture itself -----------------------------------------------------------


def test_base_document_covers_every_stage_kind_and_criterion_kind(base_doc: Doc) -> None:
    kinds = {stage["kind"] for stage in base_doc["stages"]}
    criteria = {
        criterion["kind"]
        for stage in base_doc["stages"]
        for phase in ("entry", "exit")
        for criterion in stage.get(phase, [])
    }

    assert kinds == {kind.value for kind in StageKind}
    assert criteria == {
        "field_present",
        "field_compare",
        "qualification",
        "task_done",
        "activity_logged",
        "contact_role",
        "document_status",
        "expression",
    }


def test_an_alias_bomb_is_refused_quickly() -> None:
    """Nested aliases that would expand to a billion values are refused, not expanded."""
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [
        f"a{n}: &a{n} [*a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, "
        f"*a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}]"
        for n in range(1, 9)
    ]
    with pytest.raises(ProcessDocumentError) as caught:
        load_text("\n".join(lines), library={})
    assert [p.code for p in caught.value.problems] == ["document_too_large"]
