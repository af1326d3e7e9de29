"""Every criterion kind, met and unmet, with its code, message, help and key.

Criteria are parsed the way the loader parses them (so the parameters are the normalised ones)
and evaluated against hand-built facts with an explicit ``now``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from traseu.process.criteria import (
    REGISTRY,
    CriterionResult,
    EvaluationContext,
    ParamReader,
    ParseContext,
    evaluate,
)
from traseu.process.definition import CriterionSpec
from traseu.process.errors import DocumentProblem
from traseu.process.facts import ActivityFact, ContactFact, DealFacts, DocumentFact, TaskFact

NOW = dt.datetime(2025, 6, 15, 12, 0, tzinfo=dt.UTC)
STAGE = "demo"
TASKS = {STAGE: ["call_notes", "send_deck"], "other": ["brief"]}


def spec(kind: str, *, label: str = "", help: str = "", **raw: Any) -> CriterionSpec:
    """Parse ``raw`` like the loader would for a criterion of stage ``demo``; no problems."""
    problems: list[DocumentProblem] = []
    criterion = REGISTRY[kind]
    params = criterion.parse(ParamReader(raw, "c", problems), ParseContext(STAGE, TASKS))
    assert problems == []
    return CriterionSpec(kind, criterion.default_key(params), params, label, help)


def run(criterion: CriterionSpec, facts: DealFacts, now: dt.datetime = NOW) -> CriterionResult:
    return evaluate(criterion, stage=STAGE, phase="exit", context=EvaluationContext(facts, now))


def met(criterion: CriterionSpec, facts: DealFacts, now: dt.datetime = NOW) -> bool:
    return run(criterion, facts, now).met


# --- field_present --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "deal", "account", "expected"),
    [
        ("deal.amount", {"amount": Decimal("100")}, {}, True),
        ("deal.amount", {"amount": 0}, {}, True),
        ("deal.amount", {"amount": False}, {}, True),
        ("deal.amount", {"amount": None}, {}, False),
        ("deal.amount", {}, {}, False),
        ("deal.title", {"title": ""}, {}, False),
        ("deal.title", {"title": "   "}, {}, False),
        ("deal.custom.tags", {"custom": {"tags": []}}, {}, False),
        ("deal.custom.tags", {"custom": {"tags": ["vip"]}}, {}, True),
        ("account.industry", {}, {"industry": "Retail"}, True),
        ("account.industry", {"industry": "Retail"}, {}, False),
        ("account.custom.segment", {}, {"custom": {"segment": "smb"}}, True),
        ("account.custom.segment", {}, {"custom": {"region": "north"}}, False),
        ("deal.custom.segment", {"custom": "not a mapping"}, {}, False),
    ],
)
def test_field_present(
    field: str, deal: dict[str, Any], account: dict[str, Any], expected: bool
) -> None:
    assert (
        met(spec("field_present", field=field), DealFacts(deal=deal, account=account)) is expected
    )


def test_field_present_texts() -> None:
    result = run(spec("field_present", field="account.custom.annual_revenue"), DealFacts())

    assert (result.kind, result.code, result.key, result.met) == (
        "field_present",
        "field_missing",
        "account_custom_annual_revenue_present",
        False,
    )
    assert result.message == "Annual revenue is filled in"
    assert result.help == "Fill in account.custom.annual_revenue on the deal or its account."
    assert (result.stage, result.phase) == ("demo", "exit")
    assert result.criterion == "demo.exit.account_custom_annual_revenue_present"


# --- field_compare --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "value", "fact", "expected"),
    [
        # numbers compare as decimals, whatever their Python type
        ("eq", 1000, Decimal("1000.00"), True),
        ("eq", 1000, Decimal("1000.01"), False),
        ("ne", 1000, Decimal("1000.00"), False),
        ("ne", 1000, Decimal("999"), True),
        ("gt", 1000, Decimal("1000.50"), True),
        ("gt", 1000, Decimal("1000"), False),
        ("ge", 1000.0, 1000, True),
        ("ge", 1000.0, 999, False),
        ("lt", "1000", 999, True),
        ("lt", "1000", 1000, False),
        ("le", 0.5, Decimal("0.50"), True),
        ("le", 0.5, 0.51, False),
        ("in", [10, 20], Decimal("20.0"), True),
        ("in", [10, 20], 15, False),
        ("not_in", [10, 20], 15, True),
        ("not_in", [10, 20], Decimal("10"), False),
        # numeric text in the facts (custom attributes) compares as a number, comma or point
        ("gt", 1000, "1500,50", True),
        ("gt", 1000, " 999.5 ", False),
        # text that is not a number never meets a numeric threshold, in either direction
        ("gt", 1000, "many", False),
        ("lt", 1000, "many", False),
        ("eq", 1000, "many", False),
        ("ne", 1000, "many", True),
        ("gt", 1000, "NaN", False),
        ("lt", 1000, "NaN", False),
        # a number against text that is not a number: only (in)equality is meaningful
        ("gt", "lots", 5, False),
        ("lt", "lots", 5, False),
        ("ne", "lots", 5, True),
        # dates compare with ISO dates written as text
        ("ge", "2025-01-01", dt.date(2025, 3, 1), True),
        ("lt", "2025-01-01", dt.date(2025, 3, 1), False),
        ("eq", "2025-03-01", dt.date(2025, 3, 1), True),
        ("eq", "2025-03-01", dt.datetime(2025, 3, 1, 23, 30, tzinfo=dt.UTC), True),
        ("gt", "2025-03-01", dt.datetime(2025, 3, 1, 23, 30, tzinfo=dt.UTC), False),
        # ... and with dates written unquoted in YAML (which arrive as dates)
        ("le", dt.date(2025, 3, 1), dt.date(2025, 2, 28), True),
        ("le", dt.date(2025, 3, 1), dt.date(2025, 3, 2), False),
        # ISO text in the facts (a custom attribute) against a YAML date
        ("ge", dt.date(2025, 1, 1), "2025-03-01", True),
        ("lt", dt.date(2025, 1, 1), "2025-03-01", False),
        # a date against text that is not a date orders nowhere
        ("gt", "soon", dt.date(2025, 3, 1), False),
        ("lt", "soon", dt.date(2025, 3, 1), False),
        # text compares case-insensitively and ignores surrounding blanks
        ("eq", "enterprise", " Enterprise ", True),
        ("eq", "enterprise", "smb", False),
        ("ne", "ENTERPRISE", "enterprise", False),
        ("in", ["smb", "Enterprise"], "ENTERPRISE", True),
        ("in", ["smb", "mid"], "enterprise", False),
        ("not_in", ["smb", "mid"], "Enterprise", True),
        ("not_in", ["smb", "mid"], "SMB", False),
        # booleans compare as they are
        ("eq", True, True, True),
        ("eq", True, False, False),
        # values that cannot be ordered are unmet, not an error
        ("gt", 1, ["a", "b"], False),
    ],
)
def test_field_compare(op: str, value: Any, fact: Any, expected: bool) -> None:
    criterion = spec("field_compare", field="deal.custom.x", op=op, value=value)

    assert met(criterion, DealFacts(deal={"custom": {"x": fact}})) is expected


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("eq", 1, False),
        ("gt", 1, False),
        ("ge", 1, False),
        ("lt", 1, False),
        ("le", 1, False),
        ("in", [1, 2], False),
        ("ne", 1, True),
        ("not_in", [1, 2], True),
    ],
)
@pytest.mark.parametrize(
    "deal",
    [{}, {"custom": {"x": None}}, {"custom": {"x": "  "}}],
    ids=["absent", "none", "blank"],
)
def test_field_compare_missing_value(
    op: str, value: Any, expected: bool, deal: dict[str, Any]
) -> None:
    """Given a missing fact, only the negative comparisons hold."""
    criterion = spec("field_compare", field="deal.custom.x", op=op, value=value)

    assert met(criterion, DealFacts(deal=deal)) is expected


@pytest.mark.parametrize(
    ("field", "op", "value", "message", "key"),
    [
        ("deal.amount", "eq", 1000, "Amount = 1000", "deal_amount_eq"),
        ("deal.amount", "ne", 1000, "Amount ≠ 1000", "deal_amount_ne"),
        ("deal.amount", "gt", 1000, "Amount > 1000", "deal_amount_gt"),
        ("deal.amount", "ge", 1000, "Amount ≥ 1000", "deal_amount_ge"),
        ("deal.amount", "lt", 1000, "Amount < 1000", "deal_amount_lt"),
        ("deal.amount", "le", 1000, "Amount ≤ 1000", "deal_amount_le"),
        (
            "account.custom.segment",
            "in",
            ["smb", "mid"],
            "Segment ∈ smb, mid",
            "account_custom_segment_in",
        ),
        (
            "account.employees",
            "not_in",
            [0, 1],
            "Employees ∉ 0, 1",
            "account_employees_not_in",
        ),
    ],
)
def test_field_compare_texts(field: str, op: str, value: Any, message: str, key: str) -> None:
    result = run(spec("field_compare", field=field, op=op, value=value), DealFacts())

    assert result.message == message
    assert result.help == f"Update {field} so that the condition holds."
    assert result.code == "field_mismatch"
    assert result.key == key


# --- qualification --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at_least", "status", "expected"),
    [
        ("weak", "unknown", False),
        ("weak", "weak", True),
        ("weak", "partial", True),
        ("weak", "confirmed", True),
        ("weak", "disqualifying", False),
        ("partial", "unknown", False),
        ("partial", "weak", False),
        ("partial", "partial", True),
        ("partial", "confirmed", True),
        ("partial", "disqualifying", False),
        ("confirmed", "partial", False),
        ("confirmed", "confirmed", True),
        ("confirmed", "disqualifying", False),
        ("weak", "maybe", False),  # a status outside the ladder never counts
    ],
)
def test_qualification_status(at_least: str, status: str, expected: bool) -> None:
    criterion = spec("qualification", criterion="budget", at_least=at_least)
    facts = DealFacts(qualification={"bant": {"budget": status}})

    assert met(criterion, facts) is expected


@pytest.mark.parametrize(
    "qualification",
    [
        {},
        {"bant": {}},
        {"bant": {"authority": "confirmed"}},
        {"meddic": {"budget": "confirmed"}},
    ],
    ids=["no-framework", "no-answers", "other-criterion", "other-framework"],
)
def test_qualification_unanswered_is_unmet(qualification: dict[str, dict[str, str]]) -> None:
    """Given no answer for BANT budget, even the weakest requirement is unmet."""
    criterion = spec("qualification", criterion="budget", at_least="weak")

    assert met(criterion, DealFacts(qualification=qualification)) is False


def test_qualification_framework_named_in_any_case() -> None:
    criterion = spec("qualification", framework="BANT", criterion="Need", at_least="weak")
    facts = DealFacts(qualification={"bant": {"need": "weak"}})

    result = run(criterion, facts)

    assert result.met is True
    assert result.key == "bant_need"
    assert result.message == "BANT Need is at least weak"


def test_qualification_texts() -> None:
    result = run(spec("qualification", criterion="budget", at_least="partial"), DealFacts())

    assert (result.code, result.key, result.met) == ("qualification_below", "bant_budget", False)
    assert result.message == "BANT Budget is at least partial"
    assert result.help == "Answer the budget question of the qualification."


# --- task_done ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "tasks", "expected"),
    [
        ({"task": "call_notes"}, [TaskFact("demo", "call_notes", True)], True),
        ({"task": "call_notes"}, [TaskFact("demo", "call_notes", False)], False),
        ({"task": "call_notes"}, [TaskFact("other", "call_notes", True)], False),
        ({"task": "call_notes"}, [TaskFact("demo", "send_deck", True)], False),
        ({"task": "call_notes"}, [], False),
        (
            {"all": True},
            [TaskFact("demo", "call_notes", True), TaskFact("demo", "send_deck", True)],
            True,
        ),
        (
            {"all": True},
            [TaskFact("demo", "call_notes", True), TaskFact("demo", "send_deck", False)],
            False,
        ),
        ({"all": True}, [TaskFact("demo", "call_notes", True)], False),
        (
            {"all": True},
            [TaskFact("demo", "call_notes", True), TaskFact("other", "send_deck", True)],
            False,
        ),
        ({"stage": "other", "task": "brief"}, [TaskFact("other", "brief", True)], True),
        ({"stage": "other", "task": "brief"}, [TaskFact("demo", "brief", True)], False),
        ({"stage": "other", "all": True}, [TaskFact("other", "brief", True)], True),
        ({"stage": "other", "all": True}, [TaskFact("other", "brief", False)], False),
    ],
)
def test_task_done(raw: dict[str, Any], tasks: list[TaskFact], expected: bool) -> None:
    assert met(spec("task_done", **raw), DealFacts(tasks=tasks)) is expected


@pytest.mark.parametrize(
    ("raw", "key", "message"),
    [
        ({"task": "send_deck"}, "task_send_deck_done", "Task 'send_deck' is done"),
        ({"all": True}, "demo_tasks_done", "Every task of the stage is done"),
        ({"stage": "other", "all": True}, "other_tasks_done", "Every task of the stage is done"),
    ],
)
def test_task_done_texts(raw: dict[str, Any], key: str, message: str) -> None:
    result = run(spec("task_done", **raw), DealFacts())

    assert (result.code, result.key, result.message) == ("task_not_done", key, message)
    assert result.help == "Complete the task in the deal's task list."


# --- activity_logged ------------------------------------------------------------------------


def call(stage: str = "demo", *, days_ago: float | None = 1, done: bool = True) -> ActivityFact:
    at = None if days_ago is None else NOW - dt.timedelta(days=days_ago)
    return ActivityFact("call", stage=stage, at=at, done=done)


@pytest.mark.parametrize(
    ("raw", "activities", "expected"),
    [
        ({"type": "call"}, [call()], True),
        ({"type": "call"}, [], False),
        ({"type": "call"}, [call(done=False)], False),
        ({"type": "call"}, [ActivityFact("meeting", stage="demo", at=NOW)], False),
        ({"type": "call"}, [call(stage="other", days_ago=None)], True),
        ({"type": "call", "min": 2}, [call()], False),
        ({"type": "call", "min": 2}, [call(), call(done=False)], False),
        ({"type": "call", "min": 2}, [call(), call(stage="other")], True),
        ({"type": "call", "in_stage": True}, [call()], True),
        ({"type": "call", "in_stage": True}, [call(stage="other")], False),
        ({"type": "call", "in_stage": True}, [call(stage="")], False),
        ({"type": "call", "in_stage": False}, [call(stage="other")], True),
        ({"type": "call", "in_stage": True, "min": 2}, [call(), call(stage="other")], False),
        ({"type": "call", "within_days": 7}, [call(days_ago=3)], True),
        ({"type": "call", "within_days": 7}, [call(days_ago=7)], True),
        ({"type": "call", "within_days": 7}, [call(days_ago=7.01)], False),
        ({"type": "call", "within_days": 7}, [call(days_ago=None)], False),
        ({"type": "call", "within_days": 7, "min": 2}, [call(days_ago=1), call(days_ago=9)], False),
    ],
)
def test_activity_logged(
    raw: dict[str, Any], activities: list[ActivityFact], expected: bool
) -> None:
    assert met(spec("activity_logged", **raw), DealFacts(activities=activities)) is expected


def test_activity_logged_within_days_counts_back_from_the_injected_now() -> None:
    """Given a call ten days before NOW, a 14-day window holds at NOW and not a week later."""
    criterion = spec("activity_logged", type="call", within_days=14)
    facts = DealFacts(activities=[call(days_ago=10)])

    assert met(criterion, facts, now=NOW) is True
    assert met(criterion, facts, now=NOW + dt.timedelta(days=7)) is False


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"type": "call"}, "A call was logged"),
        ({"type": "demo", "min": 3}, "At least 3 demo activities were logged"),
    ],
)
def test_activity_logged_texts(raw: dict[str, Any], message: str) -> None:
    result = run(spec("activity_logged", **raw), DealFacts())

    assert (result.code, result.key, result.message) == (
        "activity_missing",
        f"{raw['type']}_logged",
        message,
    )
    assert result.help == f"Log the {raw['type']} in the deal's activities."


# --- contact_role ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "roles", "expected"),
    [
        ({"role": "decision_maker"}, ["decision_maker"], True),
        ({"role": "decision_maker"}, [], False),
        ({"role": "decision_maker"}, ["champion", ""], False),
        ({"role": "decision_maker", "min": 2}, ["decision_maker", "champion"], False),
        ({"role": "decision_maker", "min": 2}, ["decision_maker", "decision_maker"], True),
    ],
)
def test_contact_role(raw: dict[str, Any], roles: list[str], expected: bool) -> None:
    contacts = [ContactFact(f"Contact {i}", role=role) for i, role in enumerate(roles)]

    assert met(spec("contact_role", **raw), DealFacts(contacts=contacts)) is expected


def test_contact_role_texts() -> None:
    result = run(spec("contact_role", role="economic_buyer"), DealFacts())

    assert (result.code, result.key) == ("contact_role_missing", "economic_buyer_known")
    assert result.message == "A contact with the role economic buyer is on the deal"
    assert result.help == "Add the contact to the deal and set their buying role."


# --- document_status ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "documents", "expected"),
    [
        ({"status": ["sent", "accepted"]}, [DocumentFact("proposal", "sent")], True),
        ({"status": ["sent", "accepted"]}, [DocumentFact("proposal", "accepted")], True),
        ({"status": ["sent", "accepted"]}, [DocumentFact("proposal", "draft")], False),
        ({"status": ["sent", "accepted"]}, [DocumentFact("contract", "sent")], False),
        ({"status": ["sent", "accepted"]}, [], False),
        (
            {"status": ["sent", "accepted"]},
            [DocumentFact("proposal", "draft"), DocumentFact("proposal", "sent")],
            True,
        ),
        ({"status": "Accepted"}, [DocumentFact("proposal", "accepted")], True),
        ({"status": "accepted"}, [DocumentFact("proposal", "sent")], False),
    ],
)
def test_document_status(
    raw: dict[str, Any], documents: list[DocumentFact], expected: bool
) -> None:
    criterion = spec("document_status", document="Proposal", **raw)

    assert met(criterion, DealFacts(documents=documents)) is expected


def test_document_status_texts() -> None:
    result = run(
        spec("document_status", document="contract", status=["signed", "cancelled"]), DealFacts()
    )

    assert (result.code, result.key) == ("document_status_missing", "contract_signed")
    assert result.message == "The contract is signed or cancelled"
    assert result.help == "Attach the contract to the deal and update its status."


# --- expression -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cel", "facts", "expected"),
    [
        ("deal.amount >= 1000.0", DealFacts(deal={"amount": Decimal("1500")}), True),
        ("deal.amount >= 1000.0", DealFacts(deal={"amount": Decimal("999.99")}), False),
        (
            "account.custom.segment == 'smb'",
            DealFacts(account={"custom": {"segment": "smb"}}),
            True,
        ),
        ("size(contacts) >= 2", DealFacts(contacts=[ContactFact("A"), ContactFact("B")]), True),
        ("size(contacts) >= 2", DealFacts(contacts=[ContactFact("A")]), False),
        (
            "qualification.bant.budget == 'confirmed'",
            DealFacts(qualification={"bant": {"budget": "confirmed"}}),
            True,
        ),
        (
            "documents.exists(d, d.kind == 'contract' && d.status == 'signed')",
            DealFacts(documents=[DocumentFact("contract", "signed")]),
            True,
        ),
        ("deal.signed_on < now", DealFacts(deal={"signed_on": dt.date(2025, 6, 1)}), True),
        ("deal.signed_on < now", DealFacts(deal={"signed_on": dt.date(2025, 7, 1)}), False),
        ("now > timestamp('2025-06-15T11:59:59Z')", DealFacts(), True),
        # a non-boolean result is not a "yes"
        ("deal.amount", DealFacts(deal={"amount": 1}), False),
    ],
)
def test_expression(cel: str, facts: DealFacts, expected: bool) -> None:
    assert met(spec("expression", cel=cel), facts) is expected


@pytest.mark.parametrize(
    ("cel", "facts"),
    [
        ("deal.amount >= 1000.0", DealFacts()),  # missing key
        ("deal.amount >= 1000.0", DealFacts(deal={"amount": None})),  # null against a number
        ("deal.amount + 'x' == 'y'", DealFacts(deal={"amount": 1})),  # no such overload
        ("int(deal.seats) > 1", DealFacts(deal={"seats": "many"})),  # conversion fails
        ("contacts[0].role == 'champion'", DealFacts()),  # index out of range
        ("100 / deal.seats > 1", DealFacts(deal={"seats": 0})),  # division by zero
        ("deal.custom.nobody > 1", DealFacts(deal={"custom": {}})),  # absent custom attribute
    ],
)
def test_expression_runtime_error_is_unmet_not_an_exception(cel: str, facts: DealFacts) -> None:
    """Given facts the expression cannot be evaluated on, the criterion is unmet; nothing raises."""
    result = run(spec("expression", cel=cel), facts)

    assert result.met is False
    assert result.code == "expression_false"


def test_expression_texts() -> None:
    result = run(spec("expression", cel="deal.amount >= 1000.0"), DealFacts())

    assert (result.code, result.key) == ("expression_false", "expression")
    assert result.message == "deal.amount >= 1000.0"
    assert result.help == "Update the deal so that the condition holds."


# --- label and help overrides ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("field_present", {"field": "deal.amount"}),
        ("field_compare", {"field": "deal.amount", "op": "gt", "value": 0}),
        ("qualification", {"criterion": "budget", "at_least": "weak"}),
        ("task_done", {"task": "call_notes"}),
        ("activity_logged", {"type": "call"}),
        ("contact_role", {"role": "champion"}),
        ("document_status", {"document": "proposal", "status": "sent"}),
        ("expression", {"cel": "true == false"}),
    ],
)
def test_label_and_help_override_the_generated_texts(kind: str, raw: dict[str, Any]) -> None:
    generated = run(spec(kind, **raw), DealFacts())
    labelled = run(spec(kind, label="Ready to go", help="Ask your manager.", **raw), DealFacts())
    label_only = run(spec(kind, label="Ready to go", **raw), DealFacts())

    assert (labelled.message, labelled.help) == ("Ready to go", "Ask your manager.")
    assert (label_only.message, label_only.help) == ("Ready to go", generated.help)
    assert generated.message not in ("", "Ready to go")
    assert generated.help not in ("", "Ask your manager.")
    assert labelled.met is generated.met is False
