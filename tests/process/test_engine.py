"""The gate engine: which criteria a move checks, which route rules it breaks, what it decides.

The process below gives every gate a ``field_present`` criterion on its own deal flag
(``deal.<stage>_in`` for entry, ``deal.<stage>_out`` for exit), so a test says which criteria
hold by listing flags, and which were checked by their ``<stage>.<phase>.<key>`` references.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from traseu.process.criteria import EvaluationContext
from traseu.process.definition import ProcessDefinition
from traseu.process.engine import Decision, MoveKind, evaluate_stage, plan_transition
from traseu.process.facts import ActivityFact, DealFacts
from traseu.process.loader import build_definition

NOW = dt.datetime(2025, 6, 15, 9, 30, tzinfo=dt.UTC)


def flag(name: str, key: str) -> dict[str, Any]:
    return {"kind": "field_present", "field": f"deal.custom.{name}", "key": key}


def working(key: str, kind: str = "pre_sale", **extra: Any) -> dict[str, Any]:
    stage = {
        "key": key,
        "name": key.title(),
        "kind": kind,
        "goal": f"Finish {key}.",
        "responsible_role": "sales_rep",
        "exit": [flag(f"{key}_out", "out")],
    }
    stage.update(extra)
    return stage


def process_document(*, allow_skip: bool = True) -> dict[str, Any]:
    return {
        "key": "gates",
        "name": "Gates",
        "allow_skip": allow_skip,
        "stages": [
            working("lead"),
            working(
                "qualify",
                entry=[flag("qualify_in", "in")],
                exit=[flag("qualify_out", "out"), flag("qualify_out2", "out2")],
            ),
            working("propose"),
            working("negotiate", entry=[flag("negotiate_in", "in")]),
            {
                "key": "won",
                "name": "Won",
                "kind": "won",
                "entry": [flag("won_in", "in")],
                "exit": [flag("won_out", "out")],
            },
            working(
                "onboard",
                "after_sale",
                entry=[flag("onboard_in", "in")],
                exit=[
                    flag("onboard_out", "out"),
                    {"kind": "activity_logged", "type": "meeting", "within_days": 7},
                ],
            ),
            working("grow", "after_sale"),
            {"key": "lost", "name": "Lost", "kind": "lost", "entry": [flag("lost_in", "in")]},
        ],
    }


def load(document: dict[str, Any]) -> ProcessDefinition:
    definition, problems = build_definition(document, library={})
    assert problems == []
    assert definition is not None
    return definition


PROCESS = load(process_document())
NO_SKIP = load(process_document(allow_skip=False))

FLAGS = [
    f"{stage}_{side}"
    for stage in ("lead", "qualify", "propose", "negotiate", "won", "onboard", "grow", "lost")
    for side in ("in", "out", "out2")
]
RECENT_MEETING = ActivityFact("meeting", stage="onboard", at=NOW - dt.timedelta(days=2))
EVERYTHING = DealFacts(deal={"custom": dict.fromkeys(FLAGS, "yes")}, activities=[RECENT_MEETING])
NOTHING = DealFacts()


def plan(
    from_stage: str,
    to_stage: str,
    facts: DealFacts = EVERYTHING,
    process: ProcessDefinition = PROCESS,
    **options: Any,
) -> Decision:
    return plan_transition(
        process, facts, from_stage=from_stage, to_stage=to_stage, clock=lambda: NOW, **options
    )


def refs(decision: Decision, *, unmet_only: bool = False) -> list[str]:
    results = decision.unmet if unmet_only else decision.checked
    return [result.criterion for result in results]


def codes(decision: Decision) -> list[str]:
    return [violation.code for violation in decision.violations]


# --- forward moves: which gates are checked -------------------------------------------------

FORWARD_MOVES = [
    # (from, to, kind, criteria checked in route order, skipped stages)
    ("lead", "qualify", MoveKind.FORWARD, ["lead.exit.out", "qualify.entry.in"], ()),
    ("qualify", "propose", MoveKind.FORWARD, ["qualify.exit.out", "qualify.exit.out2"], ()),
    (
        "lead",
        "negotiate",
        MoveKind.SKIP,
        [
            "lead.exit.out",
            "qualify.exit.out",
            "qualify.exit.out2",
            "propose.exit.out",
            "negotiate.entry.in",
        ],
        ("qualify", "propose"),
    ),
    ("negotiate", "won", MoveKind.WON, ["negotiate.exit.out", "won.entry.in"], ()),
    (
        "lead",
        "won",
        MoveKind.WON,
        [
            "lead.exit.out",
            "qualify.exit.out",
            "qualify.exit.out2",
            "propose.exit.out",
            "negotiate.exit.out",
            "won.entry.in",
        ],
        ("qualify", "propose", "negotiate"),
    ),
    # Winning straight into after-sale passes through won: its entry and exit gates both apply.
    (
        "negotiate",
        "onboard",
        MoveKind.WON,
        [
            "negotiate.exit.out",
            "won.entry.in",
            "won.exit.out",
            "onboard.entry.in",
        ],
        (),
    ),
    (
        "propose",
        "grow",
        MoveKind.WON,
        [
            "propose.exit.out",
            "negotiate.exit.out",
            "won.entry.in",
            "won.exit.out",
            "onboard.exit.out",
            "onboard.exit.meeting_logged",
        ],
        ("negotiate", "onboard"),
    ),
    ("won", "onboard", MoveKind.FORWARD, ["won.exit.out", "onboard.entry.in"], ()),
    (
        "onboard",
        "grow",
        MoveKind.FORWARD,
        ["onboard.exit.out", "onboard.exit.meeting_logged"],
        (),
    ),
    (
        "won",
        "grow",
        MoveKind.SKIP,
        ["won.exit.out", "onboard.exit.out", "onboard.exit.meeting_logged"],
        ("onboard",),
    ),
]


@pytest.mark.parametrize(("from_stage", "to_stage", "kind", "checked", "skipped"), FORWARD_MOVES)
def test_forward_move_checks_every_gate_on_the_way(
    from_stage: str, to_stage: str, kind: MoveKind, checked: list[str], skipped: tuple[str, ...]
) -> None:
    """Given every fact, a forward move is allowed and reports each criterion it checked."""
    decision = plan(from_stage, to_stage)

    assert (decision.from_stage, decision.to_stage, decision.kind) == (from_stage, to_stage, kind)
    assert refs(decision) == checked
    assert decision.skipped == skipped
    assert all(result.met for result in decision.checked)
    assert (decision.allowed, decision.violations, decision.overridden) == (True, (), False)


@pytest.mark.parametrize(("from_stage", "to_stage", "kind", "checked", "skipped"), FORWARD_MOVES)
def test_forward_move_reports_every_unmet_criterion(
    from_stage: str, to_stage: str, kind: MoveKind, checked: list[str], skipped: tuple[str, ...]
) -> None:
    """Given no facts, the move is refused and every criterion is reported, not the first."""
    decision = plan(from_stage, to_stage, NOTHING)

    assert decision.allowed is False
    assert decision.kind is kind
    assert refs(decision, unmet_only=True) == checked
    assert decision.violations == ()


def test_only_the_unmet_criteria_are_unmet() -> None:
    """Given the lead's exit holds but the target's entry does not, only the entry is unmet."""
    decision = plan("lead", "qualify", DealFacts(deal={"custom": {"lead_out": "yes"}}))

    assert decision.allowed is False
    assert [(r.criterion, r.met) for r in decision.checked] == [
        ("lead.exit.out", True),
        ("qualify.entry.in", False),
    ]
    assert refs(decision, unmet_only=True) == ["qualify.entry.in"]
    assert decision.unmet[0].code == "field_missing"
    assert decision.unmet[0].message == "Qualify in is filled in"


# --- skips ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("from_stage", "to_stage", "skipped"),
    [
        ("lead", "propose", ("qualify",)),
        ("lead", "negotiate", ("qualify", "propose")),
        ("lead", "won", ("qualify", "propose", "negotiate")),
        ("qualify", "onboard", ("propose", "negotiate")),
        ("won", "grow", ("onboard",)),
    ],
)
def test_skip_is_refused_when_the_process_forbids_it(
    from_stage: str, to_stage: str, skipped: tuple[str, ...]
) -> None:
    """Given allow_skip: false, passing over a working stage is a rule, not a criterion."""
    decision = plan(from_stage, to_stage, process=NO_SKIP, override=True)

    assert decision.allowed is False
    assert codes(decision) == ["skip_not_allowed"]
    assert decision.skipped == skipped
    assert decision.overridden is False


@pytest.mark.parametrize(
    ("from_stage", "to_stage"),
    [("lead", "qualify"), ("negotiate", "won"), ("negotiate", "onboard"), ("onboard", "grow")],
)
def test_moves_without_a_skip_are_fine_when_skipping_is_forbidden(
    from_stage: str, to_stage: str
) -> None:
    decision = plan(from_stage, to_stage, process=NO_SKIP)

    assert (decision.allowed, decision.violations, decision.skipped) == (True, (), ())


# --- backward, lost, reopen -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("from_stage", "to_stage"),
    [
        ("qualify", "lead"),
        ("negotiate", "lead"),
        ("won", "negotiate"),
        ("onboard", "won"),
        ("grow", "qualify"),
    ],
)
def test_moving_back_needs_a_reason_and_checks_no_criteria(from_stage: str, to_stage: str) -> None:
    without = plan(from_stage, to_stage, NOTHING)
    blank = plan(from_stage, to_stage, NOTHING, reason="   ")
    with_reason = plan(from_stage, to_stage, NOTHING, reason="Budget was cut")

    assert (without.kind, without.allowed, codes(without)) == (
        MoveKind.BACK,
        False,
        ["reason_required"],
    )
    assert codes(blank) == ["reason_required"]
    assert (with_reason.kind, with_reason.allowed, with_reason.violations) == (
        MoveKind.BACK,
        True,
        (),
    )
    assert without.checked == with_reason.checked == ()


@pytest.mark.parametrize("from_stage", ["lead", "qualify", "negotiate"])
def test_an_open_deal_is_lost_with_a_lost_reason(from_stage: str) -> None:
    """Given an open deal, losing it needs a lost reason and checks no criteria (not lost's)."""
    without = plan(from_stage, "lost", NOTHING)
    blank = plan(from_stage, "lost", NOTHING, lost_reason="  ", reason="a reason is not enough")
    with_reason = plan(from_stage, "lost", NOTHING, lost_reason="price")

    assert (without.kind, without.allowed, codes(without)) == (
        MoveKind.LOST,
        False,
        ["lost_reason_required"],
    )
    assert codes(blank) == ["lost_reason_required"]
    assert (with_reason.kind, with_reason.allowed, with_reason.violations) == (
        MoveKind.LOST,
        True,
        (),
    )
    assert with_reason.checked == ()


@pytest.mark.parametrize("from_stage", ["won", "onboard", "grow"])
def test_a_won_deal_cannot_be_lost(from_stage: str) -> None:
    decision = plan(from_stage, "lost", lost_reason="price", override=True)

    assert (decision.kind, decision.allowed) == (MoveKind.LOST, False)
    assert codes(decision) == ["not_open"]


def test_not_open_and_missing_lost_reason_are_both_reported() -> None:
    assert codes(plan("onboard", "lost")) == ["not_open", "lost_reason_required"]


@pytest.mark.parametrize("to_stage", ["lead", "qualify", "negotiate"])
def test_a_lost_deal_reopens_into_a_pre_sale_stage_with_a_reason(to_stage: str) -> None:
    without = plan("lost", to_stage, NOTHING)
    with_reason = plan("lost", to_stage, NOTHING, reason="They called back")

    assert (without.kind, without.allowed, codes(without)) == (
        MoveKind.REOPEN,
        False,
        ["reason_required"],
    )
    assert (with_reason.kind, with_reason.allowed, with_reason.checked) == (
        MoveKind.REOPEN,
        True,
        (),
    )


@pytest.mark.parametrize("to_stage", ["won", "onboard", "grow"])
def test_a_lost_deal_never_reopens_past_pre_sale(to_stage: str) -> None:
    decision = plan("lost", to_stage, reason="They called back", override=True)

    assert (decision.kind, decision.allowed) == (MoveKind.REOPEN, False)
    assert codes(decision) == ["reopen_target"]


@pytest.mark.parametrize("stage", ["lead", "won", "grow", "lost"])
def test_same_stage_is_a_violation(stage: str) -> None:
    decision = plan(stage, stage, reason="why not", override=True)

    assert (decision.kind, decision.allowed, decision.checked) == (None, False, ())
    assert codes(decision) == ["same_stage"]


@pytest.mark.parametrize(
    ("from_stage", "to_stage", "missing"),
    [("lead", "closing", "closing"), ("closing", "lead", "closing"), ("nope", "nada", "nope")],
)
def test_unknown_stage(from_stage: str, to_stage: str, missing: str) -> None:
    decision = plan(from_stage, to_stage, override=True)

    assert (decision.from_stage, decision.to_stage) == (from_stage, to_stage)
    assert (decision.kind, decision.allowed, decision.checked) == (None, False, ())
    assert codes(decision) == ["unknown_stage"]
    assert decision.violations[0].message == f"There is no stage '{missing}' in this process."
    assert decision.violations[0].help == (
        "Known stages: lead, qualify, propose, negotiate, won, onboard, grow, lost."
    )
    assert decision.evaluated_at == NOW


# --- override -------------------------------------------------------------------------------


def test_override_waives_unmet_criteria_and_says_so() -> None:
    decision = plan("lead", "qualify", NOTHING, override=True)

    assert (decision.allowed, decision.overridden) == (True, True)
    assert refs(decision, unmet_only=True) == ["lead.exit.out", "qualify.entry.in"]


def test_override_with_every_criterion_met_is_not_an_override() -> None:
    decision = plan("lead", "qualify", override=True)

    assert (decision.allowed, decision.overridden, decision.unmet) == (True, False, ())


@pytest.mark.parametrize(
    ("from_stage", "to_stage", "options", "violation"),
    [
        ("qualify", "lead", {}, "reason_required"),
        ("qualify", "lost", {}, "lost_reason_required"),
        ("won", "lost", {"lost_reason": "price"}, "not_open"),
        ("lost", "won", {"reason": "back"}, "reopen_target"),
        ("lead", "lead", {}, "same_stage"),
        ("lead", "negotiate", {}, "skip_not_allowed"),
    ],
)
def test_override_never_waives_a_rule(
    from_stage: str, to_stage: str, options: dict[str, str], violation: str
) -> None:
    decision = plan(from_stage, to_stage, NOTHING, NO_SKIP, override=True, **options)

    assert (decision.allowed, decision.overridden) == (False, False)
    assert codes(decision) == [violation]


def test_refused_skip_still_reports_its_unmet_criteria() -> None:
    """Given a forbidden skip and no facts, both the rule and every unmet criterion are listed."""
    decision = plan("lead", "propose", NOTHING, NO_SKIP)

    assert codes(decision) == ["skip_not_allowed"]
    assert refs(decision, unmet_only=True) == [
        "lead.exit.out",
        "qualify.exit.out",
        "qualify.exit.out2",
    ]


# --- the clock ------------------------------------------------------------------------------


def test_decision_is_stamped_with_the_injected_clock() -> None:
    assert plan("lead", "qualify").evaluated_at == NOW
    assert plan("qualify", "lead", reason="x").evaluated_at == NOW


def test_time_windows_are_measured_from_the_injected_clock() -> None:
    """Given a meeting two days before NOW, the 7-day window holds now and not a week later."""
    later = NOW + dt.timedelta(days=6)

    on_time = plan("onboard", "grow")
    too_late = plan_transition(
        PROCESS, EVERYTHING, from_stage="onboard", to_stage="grow", clock=lambda: later
    )

    assert on_time.allowed is True
    assert too_late.allowed is False
    assert refs(too_late, unmet_only=True) == ["onboard.exit.meeting_logged"]
    assert too_late.evaluated_at == later


def test_the_decision_depends_only_on_its_arguments() -> None:
    assert plan("lead", "negotiate", NOTHING) == plan("lead", "negotiate", NOTHING)


# --- the live checklist ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "phase", "expected"),
    [
        ("qualify", "entry", [("qualify.entry.in", False)]),
        ("qualify", "exit", [("qualify.exit.out", True), ("qualify.exit.out2", False)]),
        ("lead", "entry", []),
    ],
)
def test_evaluate_stage_lists_one_side_of_a_stage(
    stage: str, phase: str, expected: list[tuple[str, bool]]
) -> None:
    facts = DealFacts(deal={"custom": {"qualify_out": "yes"}})
    definition = PROCESS.stage(stage)
    assert definition is not None

    results = evaluate_stage(definition, phase, EvaluationContext(facts, NOW))

    assert [(result.criterion, result.met) for result in results] == expected


def test_a_listed_lost_reason_is_required_when_the_process_lists_them() -> None:
    listed = dataclasses.replace(PROCESS, lost_reasons=("Price too high", "No budget"))
    free = dataclasses.replace(listed, lost_reason_free_text=True)

    def lose(process: ProcessDefinition, reason: str) -> Decision:
        return plan("lead", "lost", NOTHING, process, lost_reason=reason)

    refused = lose(listed, "the weather")
    assert not refused.allowed
    assert codes(refused) == ["lost_reason_not_listed"]
    assert "Price too high; No budget" in refused.violations[0].help
    assert lose(listed, "  price   TOO high ").allowed
    assert listed.listed_lost_reason("  price   TOO high ") == "Price too high"
    assert lose(free, "the weather").allowed
    assert lose(PROCESS, "the weather").allowed  # no list: any reason
    assert codes(lose(listed, " ")) == ["lost_reason_required"]
