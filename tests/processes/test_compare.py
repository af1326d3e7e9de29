"""The designer's pure helpers: comparing definitions, the YAML diff, percentages, links."""

from __future__ import annotations

import dataclasses

import pytest

from tests.conftest import ROUTE
from traseu.process.definition import ProcessDefinition
from traseu.process.loader import load_file, load_text
from traseu.processes.compare import compare, yaml_diff
from traseu.processes.designer import document_with_stage_fields, percent, safe_href


@pytest.fixture
def route() -> ProcessDefinition:
    return load_file(ROUTE)


def test_identical_definitions_compare_as_identical(route: ProcessDefinition) -> None:
    comparison = compare(route, route)
    assert comparison.identical
    assert {stage.status for stage in comparison.stages} == {"same"}


def test_a_removed_and_a_renamed_stage(route: ProcessDefinition) -> None:
    stages = tuple(
        dataclasses.replace(stage, name="Searching") if stage.key == "prospecting" else stage
        for stage in route.stages
        if stage.key != "first_contact"
    )
    comparison = compare(route, dataclasses.replace(route, stages=stages))
    by_key = {stage.key: stage for stage in comparison.stages}
    assert by_key["first_contact"].status == "removed"
    assert [stage.key for stage in comparison.stages][-1] == "first_contact"  # removed go last
    prospecting = by_key["prospecting"]
    assert (prospecting.status, prospecting.name) == ("changed", "Searching")
    assert [(c.what, c.before, c.after, c.kind) for c in prospecting.changes] == [
        ("Name", "Prospecting", "Searching", "changed")
    ]
    order = next(c for c in comparison.process if c.what == "Stage order")
    assert "first_contact" in order.before
    assert "first_contact" not in order.after


def test_a_criterion_whose_summary_is_unchanged_shows_its_parameters(
    route: ProcessDefinition,
) -> None:
    text = ROUTE.read_text().replace(
        "label: Amount of at least 1000}", "label: Amount of at least 1000, help: Ask.}"
    )
    comparison = compare(route, load_text(text))
    contract = next(stage for stage in comparison.stages if stage.key == "contract")
    (change,) = contract.changes
    assert change.what == "Exit criterion expression"
    assert '"help": ""' in change.before
    assert '"help": "Ask."' in change.after


def test_the_yaml_diff_numbers_lines_in_both_texts() -> None:
    before = "a\nb\nc\nd\n"
    after = "a\nB\nc\nd\ne\n"
    lines = yaml_diff(before, after, before_name="v1", after_name="v2")
    assert [(line.kind, line.text, line.old, line.new) for line in lines] == [
        ("file", "--- v1", None, None),
        ("file", "+++ v2", None, None),
        ("hunk", "@@ -1,4 +1,5 @@", None, None),
        ("ctx", "a", 1, 1),
        ("del", "b", 2, None),
        ("add", "B", None, 2),
        ("ctx", "c", 3, 3),
        ("ctx", "d", 4, 4),
        ("add", "e", None, 5),
    ]
    assert yaml_diff(before, before, before_name="v1", after_name="v1") == []


@pytest.mark.parametrize(
    ("probability", "shown"),
    [(0.05, "5"), (0.1, "10"), (0.07, "7"), (1.0, "100"), (0.0, "0"), (0.3333, "33.33")],
)
def test_percentages_have_no_float_noise(probability: float, shown: str) -> None:
    assert percent(probability) == shown


@pytest.mark.parametrize(
    ("link", "href"),
    [
        ("https://example.com/x", "https://example.com/x"),
        ("mailto:sales@example.com", "mailto:sales@example.com"),
        ("/docs/playbook", ""),
        ("//evil.example", ""),
        ("javascript:alert(1)", ""),
        ("JavaScript:alert(1)", ""),
        ("playbook.pdf", ""),
    ],
)
def test_only_safe_resource_links_become_links(link: str, href: str) -> None:
    assert safe_href(link) == href


def test_the_stage_form_rewrites_only_its_fields(route: ProcessDefinition) -> None:
    text = document_with_stage_fields(
        route,
        {
            "qualification": {"goal": " New goal. ", "probability": "12.5", "name": "Qualify"},
            "won": {"responsible_role": "", "probability": "100"},
            "unknown": {"goal": "ignored"},
        },
    )
    changed = load_text(text)
    qualification = changed.stage("qualification")
    assert qualification is not None
    assert (qualification.goal, qualification.probability, qualification.name) == (
        "New goal.",
        0.125,
        "Qualify",
    )
    assert qualification.exit == route.stage("qualification").exit  # type: ignore[union-attr]
    others = [s for s in changed.stages if s.key != "qualification"]
    assert others == [s for s in route.stages if s.key != "qualification"]
