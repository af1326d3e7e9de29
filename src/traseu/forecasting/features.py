"""Snapshots into numbers: the columns the logistic model reads, learned from training rows.

Each column belongs to a *group* (a feature a person recognises: the stage, the source, one
qualification question, one custom attribute); one-hot categories make several columns of one
group. Groups:

- ``stage``: one-hot of the stage the deal is in;
- ``days_in_stage``, ``age``: log(1 + days);
- ``answer:<framework>.<criterion>``: the newest answer as an ordinal (disqualifying -1,
  unknown or missing 0, weak 1, partial 2, confirmed 3);
- ``activities:<type>``: log(1 + done activities of that type so far);
- ``amount``: log(1 + amount), 0 when missing, with ``amount_missing`` 0/1;
- ``source``, ``industry``, ``country``, ``employees`` (size band), ``custom:<key>`` for choice
  attributes: one-hot, values of fewer than ``min_count`` deals pooled into ``(other)``;
- ``revenue``: log(1 + annual revenue) with ``revenue_missing``; ``is_customer`` 0/1;
- ``custom:<key>`` for numeric attributes: the value, missing as the training mean, with a
  missing flag when some rows lack it.

Custom attributes are used when at least ``min_count`` training deals have them. The
``forecast_category`` attribute is a person's judgement about the forecast, not evidence, and
is never a feature.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from traseu.forecasting.history import Snapshot

ORDINAL = {"disqualifying": -1.0, "unknown": 0.0, "weak": 1.0, "partial": 2.0, "confirmed": 3.0}
EMPLOYEE_BANDS = ((10, "1-9"), (50, "10-49"), (250, "50-249"), (1000, "250-999"))
OTHER, NONE = "(other)", "(none)"
MIN_COUNT = 5
# Not evidence: a person's judgement about the forecast, and the source CRM's own probability
# (the Salesforce preset keeps Probability as sf_probability), which on a closed deal is 100 or
# 0: the outcome itself.
EXCLUDED_CUSTOM = frozenset({"forecast_category", "sf_probability"})
CATEGORICAL: dict[str, Callable[[Snapshot], str]] = {
    "source": lambda s: s.source.strip().lower() or NONE,
    "industry": lambda s: s.account.industry.strip() or NONE,
    "country": lambda s: s.account.country.strip().upper() or NONE,
    "employees": lambda s: employee_band(s.account.employees),
}


def employee_band(employees: int | None) -> str:
    if employees is None:
        return NONE
    for limit, label in EMPLOYEE_BANDS:
        if employees < limit:
            return label
    return "1000+"


def log1p(value: float | None) -> float:
    return math.log1p(max(0.0, value)) if value is not None else 0.0


@dataclass(frozen=True, slots=True)
class Column:
    group: str  # what a person reads: "stage", "source", "answer:bant.budget", ...
    value: str  # the category of a one-hot column ("" for numeric columns)


@dataclass(frozen=True)
class FeatureSpace:
    """The columns learned from training snapshots; turns any snapshot into a row."""

    stages: tuple[str, ...]
    categories: dict[str, tuple[str, ...]]  # group -> kept categories (plus OTHER)
    questions: tuple[str, ...]
    activity_types: tuple[str, ...]
    numeric_custom: dict[str, float]  # key -> training mean (the value for a missing one)
    amount_missing: bool
    revenue_missing: bool

    @property
    def columns(self) -> list[Column]:
        columns = [Column("stage", stage) for stage in self.stages]
        columns += [Column("days_in_stage", ""), Column("age", "")]
        columns += [Column(f"answer:{q}", "") for q in self.questions]
        columns += [Column(f"activities:{t}", "") for t in self.activity_types]
        columns.append(Column("amount", ""))
        if self.amount_missing:
            columns.append(Column("amount", "missing"))
        for group, values in self.categories.items():
            columns += [Column(group, value) for value in values]
        columns.append(Column("revenue", ""))
        if self.revenue_missing:
            columns.append(Column("revenue", "missing"))
        columns.append(Column("is_customer", ""))
        for key in self.numeric_custom:
            columns += [Column(f"custom:{key}", ""), Column(f"custom:{key}", "missing")]
        return columns

    def row(self, shot: Snapshot) -> list[float]:
        values = [1.0 if shot.stage == stage else 0.0 for stage in self.stages]
        values += [log1p(shot.days_in_stage), log1p(shot.age_days)]
        values += [ORDINAL.get(shot.answers.get(q, "unknown"), 0.0) for q in self.questions]
        values += [log1p(shot.activities.get(t, 0)) for t in self.activity_types]
        values.append(log1p(shot.amount))
        if self.amount_missing:
            values.append(1.0 if shot.amount is None else 0.0)
        for group, kept in self.categories.items():
            value = category(group, shot)
            value = value if value in kept else OTHER
            values += [1.0 if value == option else 0.0 for option in kept]
        values.append(log1p(shot.account.annual_revenue))
        if self.revenue_missing:
            values.append(1.0 if shot.account.annual_revenue is None else 0.0)
        values.append(1.0 if shot.account.is_customer else 0.0)
        for key, mean in self.numeric_custom.items():
            number = custom_number(shot.custom.get(key))
            values += [mean if number is None else number, 1.0 if number is None else 0.0]
        return values

    def matrix(self, shots: Sequence[Snapshot]) -> npt.NDArray[np.float64]:
        width = len(self.columns)
        if not shots:
            return np.zeros((0, width), dtype=np.float64)
        return np.asarray([self.row(shot) for shot in shots], dtype=np.float64)


def category(group: str, shot: Snapshot) -> str:
    if group.startswith("custom:"):
        return custom_choice(shot.custom.get(group[len("custom:") :]))
    return CATEGORICAL[group](shot)


def custom_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def custom_choice(value: Any) -> str:
    if value is None or value == "":
        return NONE
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip().lower()[:60] or NONE


def fit_space(
    shots: Sequence[Snapshot], stages: Sequence[str], min_count: int = MIN_COUNT
) -> FeatureSpace:
    """Learn the columns from training snapshots (``stages``: the route's pre-sale stages).

    Rarity is counted in deals, not snapshots: a category (or a custom attribute) needs
    ``min_count`` different deals, so one deal's several snapshots cannot make it look common.
    """
    categories = {group: _kept(_deals_per(group, shots), min_count) for group in CATEGORICAL}
    numeric, choice = _custom_keys(shots, min_count)
    for key in choice:
        categories[f"custom:{key}"] = _kept(_deals_per(f"custom:{key}", shots), min_count)
    means = {}
    for key in numeric:
        numbers = [n for s in shots if (n := custom_number(s.custom.get(key))) is not None]
        means[key] = sum(numbers) / len(numbers)
    return FeatureSpace(
        stages=tuple(stages),
        categories=categories,
        questions=tuple(sorted({q for s in shots for q in s.answers})),
        activity_types=tuple(sorted({t for s in shots for t in s.activities})),
        numeric_custom=means,
        amount_missing=any(s.amount is None for s in shots),
        revenue_missing=any(s.account.annual_revenue is None for s in shots),
    )


def _deals_per(group: str, shots: Sequence[Snapshot]) -> Counter[str]:
    return Counter(value for _deal, value in {(s.deal_id, category(group, s)) for s in shots})


def _kept(counts: Counter[str], min_count: int) -> tuple[str, ...]:
    """Categories of at least ``min_count`` deals, in a stable order, then OTHER."""
    kept = sorted(value for value, count in counts.items() if count >= min_count and value != OTHER)
    return (*kept, OTHER)


def _custom_keys(shots: Sequence[Snapshot], min_count: int) -> tuple[list[str], list[str]]:
    """Custom keys set on at least ``min_count`` deals: numeric when every value present is a
    number, else choice."""
    present: dict[str, set[int]] = {}
    non_numeric: set[str] = set()
    for shot in shots:
        for key, value in shot.custom.items():
            if key in EXCLUDED_CUSTOM or value is None or value == "":
                continue
            present.setdefault(key, set()).add(shot.deal_id)
            if custom_number(value) is None:
                non_numeric.add(key)
    keys = sorted(key for key, deals in present.items() if len(deals) >= min_count)
    return [k for k in keys if k not in non_numeric], [k for k in keys if k in non_numeric]


def group_value(group: str, shot: Snapshot) -> str:
    """What the snapshot holds for a group, for people ("referral", "12", "confirmed")."""
    if group == "stage":
        return shot.stage
    if group == "days_in_stage":
        return f"{shot.days_in_stage:.0f}"
    if group == "age":
        return f"{shot.age_days:.0f}"
    if group.startswith("answer:"):
        return shot.answers.get(group[len("answer:") :], "unknown")
    if group.startswith("activities:"):
        return str(shot.activities.get(group[len("activities:") :], 0))
    if group == "amount":
        return "" if shot.amount is None else f"{shot.amount:.0f}"
    if group == "revenue":
        revenue = shot.account.annual_revenue
        return "" if revenue is None else f"{revenue:.0f}"
    if group == "is_customer":
        return "true" if shot.account.is_customer else "false"
    if group.startswith("custom:"):
        value = shot.custom.get(group[len("custom:") :])
        return "" if value is None else str(value)
    return category(group, shot)
