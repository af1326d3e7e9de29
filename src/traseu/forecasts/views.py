"""The forecast pages: a period's forecast, the stage probabilities with the backtest, and the
open deals with their probabilities and reasons. Thin: parse, call a selector, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from traseu.core.errors import InvalidInput, TraseuError
from traseu.core.models import User
from traseu.forecasting.model import METHODS
from traseu.forecasts import charts
from traseu.forecasts.labels import method_label
from traseu.forecasts.panel import deal_category_view
from traseu.forecasts.pastchart import past_chart
from traseu.forecasts.period import period_forecast
from traseu.forecasts.periods import parse_period, period_containing
from traseu.forecasts.selectors import (
    backtest_run,
    deal_scores,
    forecast_processes,
    open_deals,
    past_forecasts,
    stage_probabilities,
)

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # every page is behind login_required
    return user


def _process(request: HttpRequest, keys: list[str], *, default_first: bool) -> str:
    """The ``process`` query parameter if it names one of ``keys``; else the first or none."""
    chosen = request.GET.get("process", "")
    if chosen in keys:
        return chosen
    if chosen:
        raise InvalidInput(
            _("No process '%(key)s' with deals you may see.") % {"key": chosen},
            code="invalid_process",
            details={"field": "process"},
        )
    return keys[0] if default_first and keys else ""


@login_required
@require_GET
def forecast_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    keys = [route.key for route in forecast_processes(user)]
    process = _process(request, keys, default_first=False)
    period = parse_period(request.GET.get("period"))
    view = period_forecast(
        period=period, user=user, process=process, currency=request.GET.get("currency", "")
    )
    context = {
        "view": view,
        "processes": keys,
        "histogram": charts.histogram_chart(view.forecast.distribution),
        "methods": [method_label(m) for m in view.methods],
    }
    return render(request, "forecasts/forecast.html", context)


@login_required
@require_GET
def probabilities_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    keys = [route.key for route in forecast_processes(user)]
    if not keys:
        return render(request, "forecasts/probabilities.html", {"processes": keys})
    process = _process(request, keys, default_first=True)
    result = stage_probabilities(key=process, user=user)
    context: dict[str, object] = {
        "processes": keys,
        "process": process,
        "result": result,
        "chart": charts.probability_chart(result.rows),
    }
    try:
        _route, backtest = backtest_run(key=process, user=user)
    except TraseuError as error:
        context["backtest_problem"] = error.message
    else:
        compared = {m: backtest.scores[m] for m in METHODS if m in backtest.scores}
        context["backtest"] = backtest
        context["metrics"] = [(method_label(m), s) for m, s in compared.items()]
        context["calibration"] = charts.calibration_chart(
            {m: s for m, s in compared.items() if m in ("stage", "baseline", "model")}
        )
    return render(request, "forecasts/probabilities.html", context)


@login_required
@require_GET
def deals_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    keys = [route.key for route in forecast_processes(user)]
    process = _process(request, keys, default_first=False)
    page = Paginator(open_deals(user=user, process=process), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "scores": deal_scores(deals=list(page.object_list), user=user),
        "processes": keys,
        "process": process,
        "query": f"process={process}" if process else "",
    }
    return render(request, "forecasts/deals.html", context)


PAST_KINDS = ("quarter", "month")


def _past_request(request: HttpRequest) -> tuple[str, int]:
    """The ``by`` (quarter or month) and ``periods`` (1-24) query parameters."""
    kind = request.GET.get("by", "") or "quarter"
    if kind not in PAST_KINDS:
        raise InvalidInput(
            _("Look back by quarter or by month, not '%(by)s'.") % {"by": kind},
            code="invalid_period",
            details={"field": "by"},
        )
    text = request.GET.get("periods", "") or "4"
    if not text.isdigit():
        raise InvalidInput(
            _("Ask for 1 to 24 past periods, not %(n)s.") % {"n": text},
            details={"field": "periods"},
        )
    return kind, int(text)


@login_required
@require_GET
def past_page(request: HttpRequest) -> HttpResponse:
    """What each past period's forecast said at its start, beside what then closed."""
    user = _user(request)
    keys = [route.key for route in forecast_processes(user)]
    kind, periods = _past_request(request)
    context: dict[str, object] = {"processes": keys, "by": kind, "periods": periods}
    if keys:
        process = _process(request, keys, default_first=True)
        route, results = past_forecasts(key=process, user=user, kind=kind, periods=periods)
        labelled = [(period_containing(r.start.date(), kind).key, r) for r in results]
        misses = sum(1 for _label, r in labelled if r.within is False)
        context |= {
            "process": process,
            "route": route,
            "rows": labelled,
            "chart": past_chart(labelled),
            "judged": sum(1 for _label, r in labelled if r.within is not None),
            "misses": misses,
        }
    return render(request, "forecasts/past.html", context)


urlpatterns: list[URLPattern] = [
    path("", forecast_page, name="forecast"),
    path("past/", past_page, name="forecast_past"),
    path("deals/<int:deal_id>/category/", deal_category_view, name="forecast_deal_category"),
    path("probabilities/", probabilities_page, name="forecast_probabilities"),
    path("deals/", deals_page, name="forecast_deals"),
]
