"""The feature space: columns learned from training snapshots, rare values pooled by deals."""

from __future__ import annotations

import datetime as dt

import pytest

from traseu.forecasting.features import OTHER, employee_band, fit_space
from traseu.forecasting.history import Account, Snapshot

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def shot(deal: int, source: str = "web", **kw: object) -> Snapshot:
    values: dict[str, object] = {
        "deal_id": deal,
        "at": T0,
        "stage": "a",
        "designed": 0.1,
        "days_in_stage": 3.0,
        "age_days": 10.0,
        "answers": {"bant.budget": "partial"},
        "activities": {"call": 2},
        "amount": 1000.0,
        "source": source,
        "team": "north",
        "custom": {},
        "account": Account(industry="Retail", employees=120, annual_revenue=5e5, country="RO"),
    }
    values.update(kw)
    return Snapshot(**values)  # type: ignore[arg-type]


def test_rare_categories_are_counted_in_deals_not_snapshots() -> None:
    # "event" has six snapshots but from one deal only: pooled into (other).
    shots = [shot(n) for n in range(5)] + [shot(99, source="event") for _ in range(6)]
    space = fit_space(shots, ("a", "b"), min_count=5)
    assert space.categories["source"] == ("web", OTHER)


def test_a_row_holds_every_feature() -> None:
    custom = {"seats": 12, "tier": "gold", "forecast_category": "commit"}
    shots = [shot(n, custom=custom) for n in range(5)]
    space = fit_space(shots, ("a", "b"), min_count=5)
    labels = [(c.group, c.value) for c in space.columns]
    row = dict(zip(labels, space.row(shots[0]), strict=True))

    assert row[("stage", "a")] == 1.0
    assert row[("stage", "b")] == 0.0
    assert row[("answer:bant.budget", "")] == 2.0  # partial
    assert row[("activities:call", "")] == pytest.approx(1.0986, abs=1e-4)  # log(1 + 2)
    assert row[("employees", "50-249")] == 1.0
    assert row[("custom:seats", "")] == 12.0
    assert row[("custom:seats", "missing")] == 0.0
    assert row[("custom:tier", "gold")] == 1.0
    assert not any(group == "custom:forecast_category" for group, _ in labels)


def test_values_unseen_in_training_fall_into_other() -> None:
    space = fit_space([shot(n) for n in range(5)], ("a",), min_count=5)
    labels = [(c.group, c.value) for c in space.columns]
    row = dict(zip(labels, space.row(shot(1, source="fair")), strict=True))
    assert (row[("source", "web")], row[("source", OTHER)]) == (0.0, 1.0)


@pytest.mark.parametrize(
    ("employees", "band"),
    [(None, "(none)"), (9, "1-9"), (10, "10-49"), (999, "250-999"), (1000, "1000+")],
)
def test_employee_bands(employees: int | None, band: str) -> None:
    assert employee_band(employees) == band


def test_the_source_crms_own_probability_is_not_a_feature() -> None:
    # Salesforce's Probability (kept by the preset as sf_probability) is 100 on every won deal
    # and 0 on every lost one: a model that read it would learn the outcome, not the deal.
    shots = [shot(n, custom={"sf_probability": 100 if n % 2 else 0, "seats": n}) for n in range(6)]
    space = fit_space(shots, ("a",), min_count=5)
    groups = {column.group for column in space.columns}
    assert "custom:seats" in groups
    assert "custom:sf_probability" not in groups
