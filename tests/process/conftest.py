"""Shared fixtures for the pure process core: a valid base document and a small technique library.

Nothing here touches Django or a database; each test gets a fresh copy it may mutate.
"""

from __future__ import annotations

from typing import Any

import pytest

from traseu.process.definition import Technique

# A library standing in for the shipped one, so tests never depend on files under documents/.
LIBRARY = {
    "challenger": Technique(
        key="challenger",
        name="Challenger sale",
        summary="Teach the buyer something new about their business.",
        when="When the buyer believes the status quo is fine.",
        steps=("Warm up", "Reframe", "Rational drowning"),
        source="Dixon & Adamson, 2011",
    ),
    "unused": Technique(key="unused", name="Unused", summary="No stage recommends it."),
}


def base_document() -> dict[str, Any]:
    """A valid process: four pre-sale stages, won, two after-sale stages, lost (6 working).

    Index on ``stages``: 0 lead, 1 qualify, 2 propose, 3 negotiate, 4 won, 5 onboard, 6 grow,
    7 lost. Every criterion kind appears at least once.
    """
    return {
        "traseu": 1,
        "key": "classic",
        "name": "Classic B2B",
        "language": "en",
        "currency": "EUR",
        "description": "Six working stages for a classic B2B sale.",
        "allow_skip": True,
        "lost_reasons": ["price", "timing"],
        "follow_up_days": [14, 28],
        "techniques": [
            {
                "key": "spin",
                "name": "SPIN selling",
                "summary": "Ask situation, problem, implication and need-payoff questions.",
                "steps": ["Situation", "Problem", "Implication", "Need-payoff"],
                "questions": ["What happens if nothing changes?"],
            }
        ],
        "stages": [
            {
                "key": "lead",
                "name": "Lead",
                "kind": "pre_sale",
                "goal": "Decide whether the account is worth a call.",
                "responsible_role": "sales_rep",
                "probability": 0.1,
                "exit": [
                    {"kind": "field_present", "field": "account.industry"},
                    {"kind": "field_compare", "field": "deal.amount", "op": "gt", "value": 0},
                ],
                "tasks": [{"key": "research", "title": "Research the account", "due_days": 2}],
                "resources": [{"title": "ICP checklist", "link": "https://example.com/icp"}],
                "kpis": [
                    {
                        "key": "lead_days",
                        "name": "Days in lead",
                        "metric": "days_in_stage",
                        "target": 7,
                        "unit": "days",
                    }
                ],
            },
            {
                "key": "qualify",
                "name": "Qualify",
                "kind": "pre_sale",
                "goal": "Confirm budget and the decision maker.",
                "responsible_role": "sales_rep",
                "probability": 0.2,
                "exit": [
                    {"kind": "qualification", "criterion": "budget", "at_least": "partial"},
                    {"kind": "contact_role", "role": "decision_maker"},
                ],
                "tasks": [
                    {
                        "key": "discovery_call",
                        "title": "Hold the discovery call",
                        "role": "sales_rep",
                    }
                ],
                "techniques": ["spin"],
            },
            {
                "key": "propose",
                "name": "Propose",
                "kind": "pre_sale",
                "goal": "Send a proposal the buyer can approve.",
                "responsible_role": "sales_rep",
                "probability": 0.4,
                "entry": [
                    {
                        "kind": "task_done",
                        "stage": "qualify",
                        "task": "discovery_call",
                        "label": "Discovery call held",
                        "help": "Hold the call before writing a proposal.",
                    }
                ],
                "exit": [
                    {
                        "kind": "document_status",
                        "document": "proposal",
                        "status": ["sent", "accepted"],
                    }
                ],
            },
            {
                "key": "negotiate",
                "name": "Negotiate",
                "kind": "pre_sale",
                "goal": "Agree terms.",
                "responsible_role": "sales_manager",
                "probability": 0.7,
                "exit": [
                    {"kind": "expression", "key": "big_enough", "cel": "deal.amount >= 1000.0"}
                ],
                "techniques": ["challenger"],
            },
            {
                "key": "won",
                "name": "Won",
                "kind": "won",
                "entry": [{"kind": "field_present", "field": "deal.custom.signed_on"}],
            },
            {
                "key": "onboard",
                "name": "Onboard",
                "kind": "after_sale",
                "goal": "Get the customer live.",
                "responsible_role": "account_manager",
                "probability": 1.0,
                "exit": [{"kind": "task_done", "all": True}],
                "tasks": [
                    {"key": "kickoff", "title": "Kick-off meeting", "due_days": 3},
                    {"key": "training", "title": "Train the users", "due_days": 14},
                ],
            },
            {
                "key": "grow",
                "name": "Grow",
                "kind": "after_sale",
                "goal": "Expand the account.",
                "responsible_role": "account_manager",
                "probability": 1.0,
                "exit": [
                    {
                        "kind": "activity_logged",
                        "type": "meeting",
                        "in_stage": True,
                        "within_days": 30,
                    }
                ],
            },
            {"key": "lost", "name": "Lost", "kind": "lost"},
        ],
    }


@pytest.fixture
def base_doc() -> dict[str, Any]:
    return base_document()


@pytest.fixture
def library() -> dict[str, Technique]:
    return dict(LIBRARY)
