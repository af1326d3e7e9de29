"""The forecasting reports in the shape every report has (:mod:`traseu.analytics.tables`):
``probabilities`` (designed beside observed stage probabilities) and ``forecast`` (a period)
for ``traseu report``, and the backtest's tables for ``traseu forecast backtest``.

Options (``traseu report NAME --option KEY=VALUE``): ``prior_strength`` (a number of deals or
``auto``) for both; ``period`` (2026-05, 2026-Q2, 2026; default this quarter; ``--since`` and
``--until`` give any range instead) and ``currency`` for the forecast.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.analytics.tables import Column, ReportOutput, ReportRequest, Table
from traseu.core.errors import InvalidInput, NotFound
from traseu.forecasting.backtest import Backtest
from traseu.forecasting.hindsight import PastPeriod
from traseu.forecasting.metrics import Scores
from traseu.forecasting.model import METHODS
from traseu.forecasting.stats import DEFAULT_PRIOR_STRENGTH
from traseu.forecasts.labels import category_label, method_label
from traseu.forecasts.period import PeriodView, period_forecast
from traseu.forecasts.periods import Period, parse_period
from traseu.forecasts.selectors import stage_probabilities
from traseu.forecasts.training import ProcessRoute, scope


def default_process(request: ReportRequest) -> str:
    """The process asked for, else the one with the most deals the reader may see."""
    if request.process:
        return request.process
    busiest = (
        scope(request.user)
        .order_by()
        .values("process_version__process__key")
        .annotate(deals=Count("pk"))
        .order_by("-deals", "process_version__process__key")
        .first()
    )
    if busiest is None:
        raise NotFound(_("There are no deals to report on."), code="process_not_found")
    return str(busiest["process_version__process__key"])


def prior_strength(text: str | None) -> float | None:
    """``--prior-strength``: a number of deals (>= 0), or ``auto`` (empirical Bayes: None)."""
    if text is None or text == "":
        return DEFAULT_PRIOR_STRENGTH
    if text == "auto":
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100_000:
        raise InvalidInput(
            _("The prior strength is a number of deals from 0 to 100000, or 'auto'."),
            details={"field": "prior_strength"},
        )
    return value


def probabilities_report(request: ReportRequest) -> ReportOutput:
    key = default_process(request)
    result = stage_probabilities(
        key=key, user=request.user, strength=prior_strength(request.options.get("prior_strength"))
    )
    table = Table(
        "stages",
        _("Stage probabilities: designed and observed"),
        [
            Column("stage", _("Stage")),
            Column("designed", _("Designed"), "rate"),
            Column("reached", _("Reached"), "int"),
            Column("won", _("Won"), "int"),
            Column("observed", _("Observed"), "rate"),
            Column("low", _("95% low"), "rate"),
            Column("high", _("95% high"), "rate"),
            Column("shrunk", _("Estimate"), "rate"),
        ],
        note=_(
            "Reached: closed deals that reached the stage. Estimate: (won + m x designed) / "
            "(reached + m), m = %(m)s."
        )
        % {"m": f"{result.trained.strength:g}"},
    )
    for row in result.rows:
        rate = row.rate
        table.rows.append(
            {
                "stage": row.name,
                "designed": rate.designed,
                "reached": rate.reached,
                "won": rate.won,
                "observed": rate.observed,
                "low": rate.interval[0],
                "high": rate.interval[1],
                "shrunk": rate.shrunk,
            }
        )
    return ReportOutput(
        "probabilities",
        _("Evidence-based stage probabilities"),
        meta={
            "process": key,
            "version": result.route.version.number,
            "closed_deals": result.trained.deals,
            "prior_strength": round(result.trained.strength, 2),
        },
        tables=[table],
    )


def report_period(request: ReportRequest) -> Period:
    if request.since or request.until:
        if not (request.since and request.until) or request.until < request.since:
            raise InvalidInput(
                _("A forecast period needs both --since and --until, in order."),
                details={"field": "period"},
            )
        end = request.until + dt.timedelta(days=1)
        return Period(f"{request.since}..{request.until}", request.since, end)
    today = timezone.localtime(request.now).date() if request.now else None
    return parse_period(request.options.get("period"), today=today)


def forecast_report(request: ReportRequest) -> ReportOutput:
    view = period_forecast(
        period=report_period(request),
        user=request.user,
        process=request.process or "",
        currency=request.options.get("currency", ""),
    )
    return ReportOutput(
        "forecast",
        _("Forecast"),
        meta=_forecast_meta(view),
        tables=[_categories(view), _distribution(view), _deals(view)],
    )


def _forecast_meta(view: PeriodView) -> dict[str, str | int | float | None]:
    distribution = view.forecast.distribution
    return {
        "period": f"{view.period.start}..{view.period.last_day}",
        "process": view.process or None,
        "currency": view.currency or None,
        "draws": distribution.draws,
        "seed": distribution.seed,
        "method": distribution.method,  # "simulation", or "normal" for a large pipeline
        "other_currency": view.other_currency or None,
        "overdue_open_deals": view.overdue,
        "open_deals_without_close_date": view.undated,
    }


def _categories(view: PeriodView) -> Table:
    table = Table(
        "categories",
        _("Forecast categories"),
        [
            Column("category", _("Category")),
            Column("deals", _("Deals"), "int"),
            Column("amount", _("Amount"), "money"),
            Column("weighted", _("Weighted"), "money"),
            Column("cumulative", _("Forecast"), "money"),
        ],
        note=_("Forecast adds up: commit includes closed, best case commit, pipeline best case."),
    )
    for total in view.forecast.totals:
        table.rows.append(
            {
                "category": category_label(total.category),
                "deals": total.deals,
                "amount": total.amount,
                "weighted": total.weighted,
                "cumulative": total.cumulative if total.category != "omitted" else None,
            }
        )
    return table


def _distribution(view: PeriodView) -> Table:
    d = view.forecast.distribution
    table = Table(
        "distribution",
        _("Revenue distribution (Monte Carlo)"),
        [Column("figure", _("Figure")), Column("value", _("Value"), "money")],
    )
    figures = [
        (_("Closed"), d.closed),
        (_("Weighted pipeline"), view.forecast.weighted_pipeline),
        (_("Expected (closed + weighted)"), d.expected),
        ("P10", d.p10),
        ("P50", d.p50),
        ("P90", d.p90),
    ]
    table.rows = [{"figure": name, "value": value} for name, value in figures]
    return table


def _deals(view: PeriodView) -> Table:
    table = Table(
        "deals",
        _("Deals of the period"),
        [
            Column("deal", _("Deal"), "int"),
            Column("title", _("Title")),
            Column("stage", _("Stage")),
            Column("category", _("Category")),
            Column("amount", _("Amount"), "money"),
            Column("probability", _("Probability"), "rate"),
            Column("method", _("From")),
            Column("reason", _("Top reason")),
        ],
    )
    for row in view.rows:
        score = row.score
        reason = score.reasons[0] if score.reasons else None
        category = category_label(row.category) + (" *" if row.overridden else "")
        table.rows.append(
            {
                "deal": score.deal.pk,
                "title": score.deal.title,
                "stage": score.stage_name,
                "category": category,
                "amount": float(score.deal.amount) if score.deal.amount is not None else None,
                "probability": score.probability,
                "method": method_label(score.method),
                "reason": f"{reason.label}: {reason.value} ({reason.contribution:+.2f})"
                if reason
                else "",
            }
        )
    if view.forecast.overridden:
        table.note = _("* category set by a person (custom attribute forecast_category).")
    return table


def backtest_tables(route: ProcessRoute, result: Backtest, *, text: bool = False) -> ReportOutput:
    """The backtest: every method's metrics side by side, then the calibration of the baseline
    and the model side by side. ``text``: metrics as strings with four decimals (for reading;
    JSON keeps numbers)."""
    methods = [m for m in METHODS if m in result.scores]
    metrics = Table(
        "metrics",
        _("Metrics (lower Brier and log loss are better; higher AUC is better)"),
        [Column("metric", _("Metric"))] + [Column(m, method_label(m), "number") for m in methods],
    )
    figures: dict[str, Callable[[Scores], float | None]] = {
        "Brier": lambda s: s.brier,
        _("log loss"): lambda s: s.log_loss,
        "AUC": lambda s: s.auc,
    }
    for name, read in figures.items():
        metrics.rows.append(
            {"metric": name, **{m: _cell(read(result.scores[m]), text) for m in methods}}
        )
    output = ReportOutput(
        "backtest",
        _("Backtest"),
        meta=_backtest_meta(route, result),
        tables=[metrics],
    )
    compared = [m for m in ("baseline", "model") if m in result.scores]
    output.tables.append(_calibration({m: result.scores[m] for m in compared}))
    return output


def _cell(value: float | None, text: bool) -> str | float | None:
    if value is None:
        return None
    return f"{value:.4f}" if text else round(value, 4)


def _backtest_meta(route: ProcessRoute, result: Backtest) -> dict[str, str | int | float | None]:
    split = (
        _("deals closed before %(day)s predict those closed from it")
        % {"day": f"{result.before:%Y-%m-%d}"}
        if result.before
        else _("%(k)s-fold stratified") % {"k": result.folds}
    )
    scores = next(iter(result.scores.values()))
    return {
        "process": f"{route.key} v{route.version.number}",
        "split": split,
        "trained_on": result.train_deals,
        "scored_deals": result.test_deals,
        "scored_snapshots": scores.count,
        "won_snapshots": scores.won,
    }


def _calibration(scores: dict[str, Scores]) -> Table:
    """One row per probability bin; per method: snapshots, mean predicted, share won."""
    columns = [Column("bin", _("Predicted"))]
    for method in scores:
        label = method_label(method)
        columns += [
            Column(f"{method}_count", f"{label}: n", "int"),
            Column(f"{method}_predicted", _("mean"), "rate"),
            Column(f"{method}_observed", _("won"), "rate"),
        ]
    table = Table(
        "calibration",
        _("Calibration: predicted probability against the share won, per probability bin"),
        columns,
    )
    bins = zip(*(s.calibration for s in scores.values()), strict=True)
    for row in bins:
        cells: dict[str, str | int | float | None] = {"bin": f"{row[0].low:.0%}-{row[0].high:.0%}"}
        for method, cell in zip(scores, row, strict=True):
            cells[f"{method}_count"] = cell.count
            cells[f"{method}_predicted"] = cell.mean_predicted
            cells[f"{method}_observed"] = cell.observed
        table.rows.append(cells)
    return table


def past_tables(route: ProcessRoute, results: list[PastPeriod]) -> ReportOutput:
    """Past periods: what the forecast at each start said, beside what closed."""
    table = Table(
        "periods",
        _("Past periods: the forecast at the start beside what closed"),
        [
            Column("period", _("Period")),
            Column("method", _("From")),
            Column("learned_from", _("Learned from"), "int"),
            Column("deals", _("Deals"), "int"),
            Column("expected", _("Expected"), "money"),
            Column("p10", "P10", "money"),
            Column("p50", "P50", "money"),
            Column("p90", "P90", "money"),
            Column("actual", _("Won of them"), "money"),
            Column("within", _("In P10-P90")),
            Column("won_in_period", _("Won in period"), "money"),
        ],
        note=_(
            "Deals: open at the start and then expected to close in the period. Won in period "
            "also counts deals no forecast at the start could hold (created later, or then "
            "expected another time)."
        ),
    )
    for result in results:
        last = result.end - dt.timedelta(days=1)
        table.rows.append(
            {
                "period": f"{result.start:%Y-%m-%d}..{last:%Y-%m-%d}",
                "method": method_label(result.method),
                "learned_from": result.learned_from,
                "deals": result.deals,
                "expected": result.expected,
                "p10": result.p10,
                "p50": result.p50,
                "p90": result.p90,
                "actual": result.actual,
                "within": None if result.within is None else _("yes") if result.within else _("no"),
                "won_in_period": result.won_in_period,
            }
        )
    return ReportOutput(
        "past_forecasts",
        _("Past forecasts"),
        meta={"process": f"{route.key} v{route.version.number}"},
        tables=[table],
    )
