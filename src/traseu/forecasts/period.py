"""A period's forecast for the pages and the command line: categories, the weighted pipeline
and the Monte Carlo distribution, in one currency.

The deals of a period: open deals expected to close in it, and deals won or lost in it. Amounts
are never added across currencies: the forecast is in one currency (by default the one most of
the period's deals use) and says how many deals it left out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from traseu.core.models import User
from traseu.crm.models import Deal, DealStatus
from traseu.forecasting.categories import (
    DEFAULT_THRESHOLDS,
    OVERRIDE_KEY,
    PeriodDeal,
    PeriodForecast,
    Thresholds,
    category_of,
    forecast,
)
from traseu.forecasting.montecarlo import DEFAULT_DRAWS, DEFAULT_SEED
from traseu.forecasts.periods import Period
from traseu.forecasts.selectors import DealScore, deal_scores
from traseu.forecasts.training import scope

Clock = Callable[[], dt.datetime]
DEALS_SHOWN = 200


@dataclass(frozen=True)
class PeriodRow:
    score: DealScore
    category: str
    overridden: bool


@dataclass(frozen=True)
class PeriodView:
    period: Period
    process: str
    currency: str
    currencies: tuple[str, ...]  # every currency the period's deals use
    other_currency: int  # deals of the period left out for their currency
    forecast: PeriodForecast
    rows: tuple[PeriodRow, ...]  # the biggest deals of the period (DEALS_SHOWN at most)
    overdue: int  # open deals whose expected close passed before the period
    undated: int  # open deals with no expected close
    methods: tuple[str, ...]  # how the open deals' probabilities were found


def period_deals(deals: QuerySet[Deal], period: Period) -> QuerySet[Deal]:
    start, end = period.bounds()
    in_period = Q(
        status=DealStatus.OPEN, expected_close__gte=period.start, expected_close__lt=period.end
    ) | Q(status__in=[DealStatus.WON, DealStatus.LOST], closed_at__gte=start, closed_at__lt=end)
    return deals.filter(in_period)


def period_forecast(
    *,
    period: Period,
    user: User | None = None,
    process: str = "",
    currency: str = "",
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    clock: Clock = timezone.now,
) -> PeriodView:
    """The forecast of ``period`` over the deals ``user`` may see (of one process if given)."""
    deals = scope(user)
    if process:
        deals = deals.filter(process_version__process__key=process)
    in_period = period_deals(deals, period)
    chosen = list(in_period)
    currencies = Counter(deal.currency for deal in chosen)
    currency = currency.upper() or (currencies.most_common(1)[0][0] if currencies else "")
    kept = [deal for deal in chosen if deal.currency == currency]
    shown = sorted(kept, key=lambda deal: (-float(deal.amount or 0), deal.pk))[:DEALS_SHOWN]
    prefetch_related_objects(shown, "account", "owner")  # only the listed deals show them
    scores = {
        s.deal.pk: s
        for s in deal_scores(
            deals=kept,
            user=user,
            clock=clock,
            reasons_for={deal.pk for deal in shown},
            source=in_period.filter(currency=currency),
        )
    }
    period_deals_ = [_period_deal(scores[deal.pk]) for deal in kept]
    result = forecast(period_deals_, thresholds=thresholds, draws=draws, seed=seed)
    rows = sorted(
        (PeriodRow(scores[d.deal_id], *category_of(d, thresholds)) for d in period_deals_),
        key=lambda row: (-(float(row.score.deal.amount or 0)), row.score.deal.pk),
    )
    late = deals.filter(status=DealStatus.OPEN).aggregate(
        overdue=Count("pk", filter=Q(expected_close__lt=period.start)),
        undated=Count("pk", filter=Q(expected_close__isnull=True)),
    )
    return PeriodView(
        period=period,
        process=process,
        currency=currency,
        currencies=tuple(sorted(currencies)),
        other_currency=len(chosen) - len(kept),
        forecast=result,
        rows=tuple(rows[:DEALS_SHOWN]),
        overdue=late["overdue"],
        undated=late["undated"],
        methods=tuple(sorted({s.method for s in scores.values() if s.deal.status == "open"})),
    )


def _period_deal(score: DealScore) -> PeriodDeal:
    deal = score.deal
    custom = deal.custom if isinstance(deal.custom, dict) else {}
    return PeriodDeal(
        deal_id=deal.pk,
        status=deal.status,
        amount=float(deal.amount) if deal.amount is not None else None,
        stage_probability=score.designed,
        probability=score.probability,
        override=custom.get(OVERRIDE_KEY),
    )
