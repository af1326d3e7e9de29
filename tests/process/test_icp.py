"""Ideal customer profiles in the pure core: fit scores with their explanation, every operator,
and the loader's problems with their lines. No database."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from traseu.process import icp
from traseu.process.errors import ProcessDocumentError

SHIPPED = icp.DOCUMENTS / "software-smb.yaml"


def profile(*criteria: str) -> icp.IdealCustomerProfile:
    lines = "\n".join(f"  - {criterion}" for criterion in criteria)
    return icp.load_text(f"icp: test\nname: Test\ncriteria:\n{lines}\n")


def one(criterion: str, value: Any, attribute: str = "x") -> tuple[bool, bool]:
    """(matched, known) of a single criterion for one attribute value."""
    result = icp.fit(profile(criterion), {attribute: value, "custom": {"x": value}})
    return result.criteria[0].matched, result.criteria[0].known


# --- the score and its explanation -------------------------------------------------------------


def test_the_shipped_profile_scores_an_account_exactly_with_its_explanation() -> None:
    """Given a Romanian software company of 120 people, revenue unknown, tagged b2b."""
    software_smb = icp.load_file(SHIPPED)
    account = {
        "name": "Nod Software",
        "industry": "software",
        "employees": 120,
        "annual_revenue": None,
        "country": "RO",
        "is_customer": False,
        "tags": ["B2B", "retail"],
        "custom": {},
    }

    result = icp.fit(software_smb, account)

    # Weights: industry 30, size 25, revenue 15, region 20, tags 5, new logo 5 (of 100).
    assert result.score == 85
    assert result.explanation() == [
        {
            "key": "industry",
            "label": "Industry is one of Software, IT services, SaaS",
            "attribute": "industry",
            "weight": 30.0,
            "matched": True,
            "known": True,
            "value": "software",
            "points": 30.0,
        },
        {
            "key": "size",
            "label": "Employees between 20 and 500",
            "attribute": "employees",
            "weight": 25.0,
            "matched": True,
            "known": True,
            "value": 120,
            "points": 25.0,
        },
        {
            "key": "revenue",
            "label": "Annual revenue at least 1,000,000",
            "attribute": "annual_revenue",
            "weight": 15.0,
            "matched": False,
            "known": False,
            "value": None,
            "points": 0.0,
        },
        {
            "key": "region",
            "label": "Country is one of CEE, MD",
            "attribute": "country",
            "weight": 20.0,
            "matched": True,
            "known": True,
            "value": "RO",
            "points": 20.0,
        },
        {
            "key": "tags",
            "label": "Tags include any of b2b, subscription",
            "attribute": "tags",
            "weight": 5.0,
            "matched": True,
            "known": True,
            "value": ["B2B", "retail"],
            "points": 5.0,
        },
        {
            "key": "new_logo",
            "label": "Not a customer yet",
            "attribute": "is_customer",
            "weight": 5.0,
            "matched": True,
            "known": True,
            "value": False,
            "points": 5.0,
        },
    ]


def test_weights_decide_the_score_and_it_rounds_half_up() -> None:
    three = profile(
        "{attribute: industry, in: [Retail], weight: 1}",
        "{attribute: country, in: [RO], weight: 2}",
        "{attribute: employees, at_least: 10, weight: 5}",
    )
    assert icp.fit(three, {"industry": "Retail"}).score == 13  # 100 / 8 = 12.5 -> 13
    assert icp.fit(three, {"country": "RO", "employees": 10}).score == 88  # 87.5 -> 88
    assert icp.fit(three, {"industry": "x", "country": "DE", "employees": 9}).score == 0


# --- operators ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criterion", "value", "expected"),
    [
        ("{attribute: industry, in: [Construcții, Retail]}", "constructii", (True, True)),
        ("{attribute: industry, in: [Construcții, Retail]}", "  RETAIL ", (True, True)),
        ("{attribute: industry, in: [Construcții, Retail]}", "Banking", (False, True)),
        ("{attribute: industry, in: [Construcții, Retail]}", "", (False, False)),
        ("{attribute: industry, not_in: [Banking]}", "Retail", (True, True)),
        ("{attribute: industry, not_in: [Banking]}", "banking", (False, True)),
        ("{attribute: industry, not_in: [Banking]}", None, (False, False)),
        ("{attribute: employees, between: [20, 500]}", 20, (True, True)),
        ("{attribute: employees, between: [20, 500]}", 500, (True, True)),
        ("{attribute: employees, between: [20, 500]}", 501, (False, True)),
        ("{attribute: employees, between: [20, null]}", 10_000, (True, True)),
        ("{attribute: employees, between: [null, 50]}", 51, (False, True)),
        ("{attribute: annual_revenue, at_least: 1000000}", Decimal("1000000.00"), (True, True)),
        ("{attribute: annual_revenue, at_most: 1000000}", Decimal("1000000.01"), (False, True)),
        ("{attribute: custom.seats, at_least: 5}", "7", (True, True)),
        ("{attribute: custom.seats, at_least: 5}", "many", (False, False)),
        ("{attribute: is_customer, equals: true}", True, (True, True)),
        ("{attribute: is_customer, equals: true}", False, (False, True)),
        ("{attribute: custom.segment, equals: SMB}", "smb", (True, True)),
        ("{attribute: custom.score, equals: 3}", "3.0", (True, True)),
        ("{attribute: tags, any_of: [saas, b2b]}", "retail, B2B", (True, True)),
        ("{attribute: tags, any_of: [saas, b2b]}", ["retail"], (False, True)),
        ("{attribute: tags, all_of: [saas, b2b]}", ["SaaS", "b2b", "x"], (True, True)),
        ("{attribute: tags, all_of: [saas, b2b]}", ["saas"], (False, True)),
        ("{attribute: tags, any_of: [saas]}", [], (False, False)),
        ("{attribute: domain, present: true}", "acme.ro", (True, True)),
        ("{attribute: domain, present: true}", "", (False, True)),
        ("{attribute: domain, present: false}", None, (True, True)),
        ("{attribute: country, in: [DACH]}", "at", (True, True)),
        ("{attribute: country, in: [EU]}", "CH", (False, True)),
        ("{attribute: country, not_in: [Nordics, MD]}", "MD", (False, True)),
    ],
)
def test_each_operator(criterion: str, value: Any, expected: tuple[bool, bool]) -> None:
    attribute = criterion.split("attribute: ")[1].split(",")[0]
    if attribute.startswith("custom."):
        result = icp.fit(profile(criterion), {"custom": {attribute[7:]: value}})
        assert (result.criteria[0].matched, result.criteria[0].known) == expected
    else:
        assert one(criterion, value, attribute) == expected


def test_criteria_describe_themselves_unless_labelled() -> None:
    described = profile(
        "{attribute: employees, between: [null, 50]}",
        "{attribute: annual_revenue, between: [1500.5, null], key: rev}",
        "{attribute: is_customer, equals: false, key: cust}",
        "{attribute: custom.segment, not_in: [enterprise]}",
        "{attribute: domain, present: true, label: Has a website}",
    )
    assert [c.describe() for c in described.criteria] == [
        "Employees at most 50",
        "Annual revenue at least 1,500.5",
        "Existing customer is no",
        "Segment is none of enterprise",
        "Has a website",
    ]
    assert [c.key for c in described.criteria] == [
        "employees",
        "rev",
        "cust",
        "custom_segment",
        "domain",
    ]


# --- loading -----------------------------------------------------------------------------------


def problems_of(text: str) -> list[tuple[str, str, int]]:
    with pytest.raises(ProcessDocumentError) as caught:
        icp.load_text(text, file="icp.yaml")
    assert all(p.file == "icp.yaml" for p in caught.value.problems)
    return [(p.code, p.path, p.line) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("criterion", "code", "path"),
    [
        ("{attribute: revenue, at_least: 5}", "unknown_attribute", "criteria[1].attribute"),
        ("{attribute: custom., at_least: 5}", "unknown_attribute", "criteria[1].attribute"),
        ("{attribute: industry}", "operator_required", "criteria[1]"),
        ("{attribute: industry, in: [A], not_in: [B]}", "operator_conflict", "criteria[1].not_in"),
        ("{attribute: industry, between: [1, 2]}", "operator_mismatch", "criteria[1].between"),
        ("{attribute: employees, in: [1, 2]}", "operator_mismatch", "criteria[1].in"),
        ("{attribute: industry, any_of: [a]}", "operator_mismatch", "criteria[1].any_of"),
        ("{attribute: industry, in: []}", "invalid_value", "criteria[1].in"),
        ("{attribute: industry, in: Retail}", "invalid_value", "criteria[1].in"),
        ("{attribute: employees, between: [500, 20]}", "invalid_value", "criteria[1].between"),
        ("{attribute: employees, between: [null, null]}", "invalid_value", "criteria[1].between"),
        ("{attribute: employees, at_least: many}", "invalid_value", "criteria[1].at_least"),
        ("{attribute: country, in: [RO, Balkans], key: c2}", "unknown_region", "criteria[1].in"),
        ("{attribute: is_customer, equals: yes please}", "invalid_value", "criteria[1].equals"),
        ("{attribute: domain, present: maybe}", "invalid_value", "criteria[1].present"),
        ("{attribute: industry, in: [A], weight: 0}", "weight_range", "criteria[1].weight"),
        ("{attribute: industry, in: [A], colour: red}", "unknown_field", "criteria[1].colour"),
        ("{attribute: country, in: [RO]}", "duplicate_key", "criteria[1]"),
    ],
)
def test_each_problem_has_its_code_path_and_line(criterion: str, code: str, path: str) -> None:
    text = (
        "traseu: 1\nicp: test\nname: Test\ncriteria:\n"
        "  - {attribute: country, in: [RO]}\n"
        f"  - {criterion}\n"
    )
    assert problems_of(text) == [(code, path, 6)]


def test_the_document_needs_a_key_a_name_and_criteria() -> None:
    assert problems_of(
        "icp: Bad Key\nname: X\ncriteria:\n  - {attribute: country, in: [RO]}\n"
    ) == [("invalid_key", "icp", 1)]
    assert problems_of("icp: x\ncriteria: []\n") == [
        ("criteria_required", "criteria", 2),
        ("required", "name", 1),
    ]
    assert problems_of("icp: x\nname: [open\n")[0][0] == "yaml_syntax"


def test_the_canonical_document_loads_back_to_the_same_profile() -> None:
    for path in icp.shipped_profiles():
        loaded = icp.load_file(path)
        again, problems = icp.build_profile(icp.to_document(loaded))
        assert problems == []
        assert again == loaded
        assert icp.digest(again) == icp.digest(loaded)


def test_comments_and_layout_do_not_change_the_digest() -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    reflowed = "# a comment\n" + text.replace("weight: 30", "weight: 30.0")
    assert icp.digest(icp.load_text(reflowed)) == icp.digest(icp.load_text(text))
