"""The baseline: Odoo CRM's predictive lead scoring (``crm.lead`` ``_pls_*``), reimplemented
from its documented behaviour.

What Odoo does, and so what this does:

- A frequency table holds, per variable and value, how many closed leads with that value were
  won and how many lost. Unset values are not counted.
- The stage is counted cumulatively: a won lead counts as won in **every** stage; a lost lead
  counts as lost in the stage it was lost in **and every stage before it** (here: every stage
  up to the furthest one it reached, see :meth:`DealRecord.reached`).
- Every (variable, value) couple in the table starts at 0.1 won and 0.1 lost instead of 0, so a
  value never seen with one outcome does not zero the product (Odoo: "should be +1 but it
  weights too much on small recordset"); ``smoothing`` sets that pseudo-count (1 is Laplace).
- The prior is taken from the first stage's couple (every closed lead reached it): ``P(won) =
  W / (W + L)``.
- A lead's win score is ``P(won) · Π P(value | won)``, its lose score ``P(lost) · Π P(value |
  lost)``, over the variables it has; ``P(value | won)`` is the couple's won count over the
  variable's total won count, except for the stage, whose totals are ``W`` and ``L`` (the
  cumulative counting makes the stage column sum to more than the number of leads). A value
  missing from the table is skipped. The probability is ``win / (win + lose)``, kept within
  [0.01%, 99.99%].

Odoo keeps one table per sales team (falling back to all teams); Traseu keeps one per process
and uses the team as a variable, as Odoo always does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from traseu.forecasting.history import DealRecord, Snapshot

ODOO_SMOOTHING = 0.1
FLOOR, CEILING = 0.0001, 0.9999
FIELDS = ("team", "source", "country", "industry")


@dataclass(frozen=True, slots=True)
class Example:
    """One closed deal for the table: the stages it reached, the outcome, its values."""

    reached: tuple[str, ...]
    won: bool
    values: Mapping[str, str]


@dataclass(frozen=True)
class NaiveBayes:
    stages: tuple[str, ...]
    table: Mapping[str, Mapping[str, tuple[float, float]]]  # variable -> value -> (won, lost)
    won_total: float
    lost_total: float

    def field_totals(self, variable: str) -> tuple[float, float]:
        if variable == "stage":
            return self.won_total, self.lost_total
        couples = self.table.get(variable, {}).values()
        return sum(won for won, _ in couples), sum(lost for _, lost in couples)

    def probability(self, stage: str, values: Mapping[str, str]) -> float:
        total = self.won_total + self.lost_total
        win, lose = self.won_total / total, self.lost_total / total
        for variable, value in [("stage", stage), *values.items()]:
            couple = self.table.get(variable, {}).get(value) if value else None
            if couple is None:
                continue
            won_total, lost_total = self.field_totals(variable)
            if not won_total or not lost_total:
                continue
            win *= couple[0] / won_total
            lose *= couple[1] / lost_total
        return min(CEILING, max(FLOOR, win / (win + lose)))


def fit_naive_bayes(
    examples: Sequence[Example], stages: Sequence[str], smoothing: float = ODOO_SMOOTHING
) -> NaiveBayes:
    """Build the frequency table. Needs at least one won and one lost example."""
    if not any(e.won for e in examples) or all(e.won for e in examples):
        raise ValueError("the baseline needs won and lost deals to learn from")
    counts: dict[str, dict[str, list[float]]] = {"stage": {}}
    for example in examples:
        column = 0 if example.won else 1
        for stage in stages if example.won else example.reached:
            counts["stage"].setdefault(stage, [0.0, 0.0])[column] += 1
        for variable, value in example.values.items():
            if value:
                counts.setdefault(variable, {}).setdefault(value, [0.0, 0.0])[column] += 1
    table = {
        variable: {
            value: (won + smoothing, lost + smoothing) for value, (won, lost) in values.items()
        }
        for variable, values in counts.items()
    }
    first = table["stage"].get(stages[0], (smoothing, smoothing))
    return NaiveBayes(stages=tuple(stages), table=table, won_total=first[0], lost_total=first[1])


def values_of(snapshot: Snapshot) -> dict[str, str]:
    """The baseline's variables for a snapshot (unset values left out, as Odoo does)."""
    values = {
        "team": snapshot.team,
        "source": snapshot.source.strip().lower(),
        "country": snapshot.account.country.strip().upper(),
        "industry": snapshot.account.industry.strip(),
    }
    return {variable: value for variable, value in values.items() if value}


def example_of(record: DealRecord) -> Example | None:
    """A closed deal as the baseline learns it: its values at the end, the stages it reached."""
    if record.won is None or record.closed_at is None:
        return None
    values = {
        "team": record.team,
        "source": str(record.value_at("source", record.closed_at) or "").strip().lower(),
        "country": record.account.country.strip().upper(),
        "industry": record.account.industry.strip(),
    }
    return Example(
        reached=record.reached(),
        won=record.won,
        values={variable: value for variable, value in values.items() if value},
    )
