"""Forecast categories and the period forecast that adds them up.

Categories, as sales teams use them (Salesforce's names):

- ``closed``: won in the period;
- ``commit``: open, and the stage's designed probability is at least ``commit`` (0.7);
- ``best_case``: open, designed probability at least ``best_case`` (0.4);
- ``pipeline``: open, below that;
- ``omitted``: lost in the period, or set aside by a person.

A person overrides an open deal's category with the custom attribute ``forecast_category``
(one of ``commit``, ``best_case``, ``pipeline``, ``omitted``); any other value is ignored and
reported. Closed and lost deals keep the category their outcome gives. The totals are
cumulative, as forecasts are read: *commit* includes what closed, *best case* includes commit,
*pipeline* includes best case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from traseu.forecasting.montecarlo import DEFAULT_DRAWS, DEFAULT_SEED, Distribution, simulate

CATEGORIES = ("closed", "commit", "best_case", "pipeline", "omitted")
OVERRIDABLE = frozenset({"commit", "best_case", "pipeline", "omitted"})
OVERRIDE_KEY = "forecast_category"


@dataclass(frozen=True, slots=True)
class Thresholds:
    commit: float = 0.7
    best_case: float = 0.4


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True, slots=True)
class PeriodDeal:
    deal_id: int
    status: str  # open, won, lost
    amount: float | None
    stage_probability: float  # the designed probability of the deal's stage
    probability: float  # the win probability used for the forecast (open deals)
    override: object = None  # custom["forecast_category"], if any


def category_of(deal: PeriodDeal, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> tuple[str, bool]:
    """The deal's category, and whether a person's override chose it."""
    if deal.status == "won":
        return "closed", False
    if deal.status == "lost":
        return "omitted", False
    if isinstance(deal.override, str) and deal.override in OVERRIDABLE:
        return deal.override, True
    if deal.stage_probability >= thresholds.commit:
        return "commit", False
    if deal.stage_probability >= thresholds.best_case:
        return "best_case", False
    return "pipeline", False


def invalid_override(deal: PeriodDeal) -> bool:
    return (
        deal.status == "open"
        and deal.override not in (None, "")
        and not (isinstance(deal.override, str) and deal.override in OVERRIDABLE)
    )


@dataclass(frozen=True, slots=True)
class CategoryTotal:
    category: str
    deals: int
    amount: float
    weighted: float  # Σ probability · amount (closed deals count whole)
    cumulative: float  # this category's amount plus every category above it


@dataclass(frozen=True)
class PeriodForecast:
    totals: tuple[CategoryTotal, ...]
    weighted_pipeline: float  # Σ p·amount over open deals in the forecast
    distribution: Distribution
    overridden: int
    invalid_overrides: tuple[int, ...]  # deal ids whose forecast_category was not understood
    without_amount: int


def forecast(
    deals: Sequence[PeriodDeal],
    *,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> PeriodForecast:
    """Add up a period: the deals closing in it (won in it, lost in it, or open and expected
    to close in it). Omitted deals stay out of the simulation."""
    ordered = sorted(deals, key=lambda d: d.deal_id)
    chosen = [(deal, *category_of(deal, thresholds)) for deal in ordered]
    totals, running = [], 0.0
    for name in CATEGORIES:
        members = [deal for deal, category, _ in chosen if category == name]
        amount = sum(deal.amount or 0.0 for deal in members)
        if name != "omitted":
            running += amount
        weighted = sum(
            (deal.amount or 0.0) * (1.0 if name == "closed" else deal.probability)
            for deal in members
        )
        totals.append(
            CategoryTotal(
                name, len(members), amount, weighted, running if name != "omitted" else amount
            )
        )
    in_play = [deal for deal, category, _ in chosen if category not in ("closed", "omitted")]
    closed = sum(deal.amount or 0.0 for deal, category, _ in chosen if category == "closed")
    return PeriodForecast(
        totals=tuple(totals),
        weighted_pipeline=sum((d.amount or 0.0) * d.probability for d in in_play),
        distribution=simulate(
            [d.amount or 0.0 for d in in_play],
            [d.probability for d in in_play],
            closed=closed,
            draws=draws,
            seed=seed,
        ),
        overridden=sum(1 for _, _, overridden in chosen if overridden),
        invalid_overrides=tuple(deal.deal_id for deal in ordered if invalid_override(deal)),
        without_amount=sum(1 for deal in ordered if deal.amount is None),
    )
