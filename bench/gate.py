"""Gate decisions per second in the pure core, against hand-written checks of the same facts.

The process has six working stages with ten criteria each (every kind, CEL included). The
baseline evaluates the same ten conditions for the stage as inline Python: the ratio is the
price of having the rules as data (named, explained, reporting every failure).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal

import yaml

from traseu.process.engine import plan_transition
from traseu.process.facts import ActivityFact, ContactFact, DealFacts, DocumentFact, TaskFact
from traseu.process.loader import load_text

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
CRITERIA = [
    {"kind": "field_present", "field": "account.industry"},
    {"kind": "field_present", "field": "deal.expected_close"},
    {"kind": "field_compare", "field": "deal.amount", "op": "ge", "value": 1000},
    {"kind": "field_compare", "field": "account.country", "op": "in", "value": ["RO", "MD"]},
    {"kind": "qualification", "criterion": "budget", "at_least": "partial"},
    {"kind": "task_done", "task": "t1"},
    {"kind": "activity_logged", "type": "call", "min": 2},
    {"kind": "contact_role", "role": "decision_maker"},
    {"kind": "document_status", "document": "proposal", "status": ["sent", "accepted"]},
    {"kind": "expression", "label": "big", "cel": "deal.amount > 500.0 && size(contacts) >= 1"},
]


def process_document() -> str:
    stages = []
    for n in range(6):
        kind = "after_sale" if n == 5 else "pre_sale"
        stages.append(
            {
                "key": f"s{n}",
                "name": f"Stage {n}",
                "kind": kind,
                "goal": "g",
                "responsible_role": "sales_rep",
                "probability": n / 10,
                "tasks": [{"key": "t1", "title": "Task"}],
                "exit": [dict(c, key=f"c{i}") for i, c in enumerate(CRITERIA)],
            }
        )
    stages.insert(5, {"key": "won", "name": "Won", "kind": "won"})
    stages.append({"key": "lost", "name": "Lost", "kind": "lost"})
    return yaml.safe_dump({"key": "bench", "name": "Bench", "stages": stages})


FACTS = DealFacts(
    deal={"amount": Decimal("2500"), "expected_close": dt.date(2026, 7, 1)},
    account={"industry": "Retail", "country": "RO"},
    contacts=[ContactFact("Ana Pop", "decision_maker")],
    activities=[ActivityFact("call", "s0", NOW), ActivityFact("call", "s1", NOW)],
    tasks=[TaskFact("s0", "t1", True)],
    qualification={"bant": {"budget": "confirmed"}},
    documents=[DocumentFact("proposal", "sent")],
)


def hand_written(facts: DealFacts) -> list[bool]:
    deal, account = facts.deal, facts.account
    return [
        bool(account.get("industry")),
        deal.get("expected_close") is not None,
        deal["amount"] >= 1000,
        account.get("country") in ("RO", "MD"),
        facts.qualification.get("bant", {}).get("budget") in ("partial", "confirmed"),
        any(t.stage == "s0" and t.template == "t1" and t.done for t in facts.tasks),
        sum(1 for a in facts.activities if a.type == "call" and a.done) >= 2,
        any(c.role == "decision_maker" for c in facts.contacts),
        any(d.kind == "proposal" and d.status in ("sent", "accepted") for d in facts.documents),
        float(deal["amount"]) > 500.0 and len(facts.contacts) >= 1,
    ]


def rate(work: Callable[[], object], seconds: float = 1.5) -> float:
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(50):
            work()
        count += 50
    return count / elapsed


def run() -> list[tuple[str, float, float]]:
    definition = load_text(process_document(), library={})

    def decide() -> object:
        # A fresh snapshot per decision, as the service builds one per move.
        facts = DealFacts(
            FACTS.deal,
            FACTS.account,
            FACTS.contacts,
            FACTS.activities,
            FACTS.tasks,
            FACTS.qualification,
            FACTS.documents,
        )
        decision = plan_transition(
            definition, facts, from_stage="s0", to_stage="s1", clock=lambda: NOW
        )
        assert decision.allowed
        return decision

    assert all(hand_written(FACTS))
    engine = rate(decide)
    baseline = rate(lambda: hand_written(FACTS))
    return [("gate decisions/s (10 criteria, CEL incl.)", engine, baseline)]
