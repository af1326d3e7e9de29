"""Reads behind the forecast pages and commands: stage probabilities, the backtest, each open
deal's probability with its reasons, and a period's forecast.

Numbers are built from the deals the reader may see (:mod:`traseu.crm.access`); ``user=None``
(the command line) reads every deal. Each selector costs a fixed number of queries whatever the
number of deals (per process involved: the training set's fingerprint, and the training itself
when the cache does not have it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.core.errors import InvalidInput
from traseu.core.models import User
from traseu.crm.models import Deal, DealStatus
from traseu.forecasting.backtest import DEFAULT_SEED, Backtest, backtest
from traseu.forecasting.features import group_value
from traseu.forecasting.hindsight import PastPeriod, past_forecast
from traseu.forecasting.history import DealRecord, Snapshot, current_snapshot
from traseu.forecasting.model import NotEnoughHistory, Trained
from traseu.forecasting.stats import DEFAULT_PRIOR_STRENGTH, StageRate
from traseu.forecasts.labels import group_label, value_label
from traseu.forecasts.periods import period_containing
from traseu.forecasts.records import current_records, deal_records
from traseu.forecasts.training import (
    CACHE,
    MAX_TRAINING_DEALS,
    ProcessRoute,
    closed_deals,
    fingerprint,
    process_route,
    scope,
    scope_key,
    trained_for,
)

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class StageRow:
    key: str
    name: str
    rate: StageRate


@dataclass(frozen=True)
class StageProbabilities:
    route: ProcessRoute
    trained: Trained
    rows: tuple[StageRow, ...]


def forecast_processes(user: User | None = None) -> list[ProcessRoute]:
    """The processes the reader has deals on, by key."""
    keys = scope(user).order_by().values_list("process_version__process__key", flat=True).distinct()
    return [process_route(key) for key in sorted(set(keys))]


def stage_probabilities(
    *, key: str, user: User | None = None, strength: float | None = DEFAULT_PRIOR_STRENGTH
) -> StageProbabilities:
    """Per pre-sale stage of the process's newest version: designed beside observed (closed
    deals that reached the stage, and how many were won), its interval and the shrunk value."""
    route = process_route(key)
    trained = trained_for(route, user=user, strength=strength)
    rows = tuple(StageRow(s, route.name(s), trained.rates[s]) for s in route.stages)
    return StageProbabilities(route, trained, rows)


def backtest_run(
    *,
    key: str,
    user: User | None = None,
    before: dt.date | None = None,
    folds: int | None = None,
    seed: int = DEFAULT_SEED,
    strength: float | None = DEFAULT_PRIOR_STRENGTH,
) -> tuple[ProcessRoute, Backtest]:
    """The backtest of every method on the process's closed deals (see
    :mod:`traseu.forecasting.backtest`): a time split at ``before``, else ``folds`` folds (None:
    5, or more when a small history needs them).

    Too little history is :class:`InvalidInput` (``not_enough_history``) saying what is missing.
    """
    route = process_route(key)
    deals = closed_deals(key, user)
    moment = None
    if before is not None:
        zone = timezone.get_current_timezone()
        moment = dt.datetime.combine(before, dt.time.min, tzinfo=zone)
    cache_key = (
        "backtest",
        key,
        scope_key(user),
        moment,
        folds,
        seed,
        strength,
        fingerprint(deals),
    )

    def compute() -> Backtest | str:
        records = deal_records(deals[:MAX_TRAINING_DEALS])
        try:
            return backtest(
                records,
                route.stages,
                route.designed,
                before=moment,
                folds=folds,
                seed=seed,
                strength=strength,
            )
        except NotEnoughHistory as error:
            return str(error)

    result = CACHE.get(cache_key, compute)
    if isinstance(result, str):
        raise InvalidInput(
            _("Process %(key)s: %(problem)s") % {"key": key, "problem": result},
            code="not_enough_history",
            details={"process": key},
        )
    return route, result


@dataclass(frozen=True)
class ReasonView:
    label: str
    value: str
    contribution: float  # on the log-odds

    @property
    def raises(self) -> bool:
        return self.contribution > 0


@dataclass(frozen=True)
class DealScore:
    deal: Deal
    stage_name: str
    designed: float
    probability: float
    method: str  # "model", or "stage" when the process lacks history for the model
    reasons: tuple[ReasonView, ...]


def deal_scores(
    *,
    deals: Sequence[Deal],
    user: User | None = None,
    clock: Clock = timezone.now,
    reasons_for: Collection[int] | None = None,
    source: QuerySet[Deal] | None = None,
) -> list[DealScore]:
    """The win probability of each open deal now, by the best method its process's history
    allows, with the model's top reasons (for every deal, or only the deals whose ids are in
    ``reasons_for``: a period's forecast lists a few of its deals). ``deals`` are model
    instances already fetched; ``source``, if given, is a queryset of the same deals, so that
    their histories are read by subquery rather than by a list of thousands of ids.
    Probabilities are computed per process in one batch."""
    now = clock()
    if source is None:
        source = Deal.objects.filter(pk__in=[d.pk for d in deals])
    records = {r.deal_id: r for r in current_records(source, now)}
    missing = [deal.pk for deal in deals if deal.pk not in records]
    if missing:  # changed since the caller read them (a concurrent edit): read them by id
        again = current_records(Deal.objects.filter(pk__in=missing), now)
        records |= {r.deal_id: r for r in again}
    routes: dict[str, ProcessRoute] = {}
    trained: dict[str, Trained] = {}
    shots: dict[int, Snapshot] = {}
    for deal in deals:
        record = records[deal.pk]
        if record.process not in routes:
            routes[record.process] = process_route(record.process)
            trained[record.process] = trained_for(routes[record.process], user=user)
        shot = current_snapshot(record, now) if deal.status == DealStatus.OPEN else None
        if shot is not None:
            shots[deal.pk] = shot
    chances: dict[int, float] = {}
    for process, model in trained.items():
        batch = [pk for pk in shots if records[pk].process == process]
        if batch:
            found = model.predict([shots[pk] for pk in batch])[model.best_method()]
            chances.update(zip(batch, (float(p) for p in found), strict=True))
    return [
        _score(
            deal,
            records[deal.pk],
            routes[records[deal.pk].process],
            trained[records[deal.pk].process],
            shots.get(deal.pk),
            chances.get(deal.pk),
            reasons=reasons_for is None or deal.pk in reasons_for,
        )
        for deal in deals
    ]


def _score(
    deal: Deal,
    record: DealRecord,
    route: ProcessRoute,
    trained: Trained,
    shot: Snapshot | None,
    probability: float | None,
    *,
    reasons: bool,
) -> DealScore:
    designed = record.designed.get(deal.stage, float(deal.probability))
    if shot is None or probability is None:
        return DealScore(deal, route.name(deal.stage), designed, designed, "designed", ())
    found = tuple(
        ReasonView(
            group_label(reason.group),
            value_label(
                reason.group, _stage_value(route, reason.group, group_value(reason.group, shot))
            ),
            reason.contribution,
        )
        for reason in (trained.reasons(shot) if reasons else ())
    )
    return DealScore(
        deal, route.name(deal.stage), designed, probability, trained.best_method(), found
    )


def _stage_value(route: ProcessRoute, group: str, value: str) -> str:
    return route.name(value) if group == "stage" else value


def open_deals(*, user: User, process: str = "") -> QuerySet[Deal]:
    """The open deals ``user`` may see (of one process, when given), soonest expected first."""
    deals = scope(user).filter(status=DealStatus.OPEN)
    if process:
        deals = deals.filter(process_version__process__key=process)
    return deals.select_related("account", "owner").order_by("expected_close", "pk")


def past_forecasts(
    *,
    key: str,
    user: User | None = None,
    kind: str = "quarter",
    periods: int = 4,
    clock: Clock = timezone.now,
) -> tuple[ProcessRoute, list[PastPeriod]]:
    """What the forecast of each of the last ``periods`` finished months or quarters would
    have said at its start, beside what then closed (:mod:`traseu.forecasting.hindsight`)."""
    if not 1 <= periods <= 24:
        raise InvalidInput(
            _("Ask for 1 to 24 past periods, not %(n)s.") % {"n": periods},
            details={"field": "periods"},
        )
    route = process_route(key)
    deals = scope(user).filter(process_version__process__key=key).order_by("-created_at", "-pk")
    records = deal_records(deals[:MAX_TRAINING_DEALS])
    period = period_containing(timezone.localtime(clock()).date(), kind)
    results = []
    for _number in range(periods):
        period = period.previous()
        start, end = period.bounds()
        results.append(past_forecast(records, route.stages, route.designed, start, end))
    return route, results[::-1]
